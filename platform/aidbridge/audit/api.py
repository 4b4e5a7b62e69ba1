"""API routes: reading the caller's tenant's audit log."""

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.audit.schemas import AuditEventSchema, AuditQuery
from aidbridge.audit.service import events_query


@endpoint(
    "/audit",
    summary="The tenant's audit log, newest first",
    tag="audit",
    response=AuditEventSchema,
    many=True,
    query=AuditQuery,
    permission=Permission.read_audit,
)
def list_audit_events(args):
    return events_query(args.get("action"), args.get("target_type"))
