"""Status life cycles: a table of allowed moves, checked and audited in one place."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from aidbridge.audit import service as audit
from aidbridge.errors import InvalidInput
from aidbridge.i18n import N_


def change_status(obj, status: StrEnum, transitions: Mapping, kind: str) -> bool:
    """Move ``obj`` to ``status`` if ``transitions[obj.status]`` allows it, and record
    ``<kind>.status_changed``. False when it is already there (nothing to do)."""
    if status == obj.status:
        return False
    if status not in transitions[obj.status]:
        raise InvalidInput.field("status", N_("this change of status is not allowed"))
    before, obj.status = obj.status, status
    audit.record(
        f"{kind}.status_changed",
        kind,
        obj.id,
        tenant_id=obj.tenant_id,
        before={"status": str(before)},
        after={"status": str(status)},
    )
    return True
