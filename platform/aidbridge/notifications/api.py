"""API routes: the caller's own notifications."""

from __future__ import annotations

from aidbridge.api import endpoint
from aidbridge.notifications import service
from aidbridge.notifications.models import Notification
from aidbridge.notifications.schemas import MarkedSchema, NotificationQuery, NotificationSchema

TAG = "notifications"


@endpoint(
    "/notifications",
    summary="Your notifications, newest first (unread=true: only those not read yet)",
    tag=TAG,
    query=NotificationQuery,
    response=NotificationSchema,
    many=True,
)
def list_notifications(args):
    return service.mine_query(unread_only=args["unread"])


@endpoint(
    "/notifications/<int:notification_id>/read",
    "POST",
    summary="Mark one of your notifications read",
    tag=TAG,
    response=NotificationSchema,
    load={"notification_id": Notification},
)
def mark_read(notification):
    return service.mark_read(notification)


@endpoint(
    "/notifications/read",
    "POST",
    summary="Mark all your notifications read",
    tag=TAG,
    response=MarkedSchema,
)
def mark_all_read():
    return {"marked": service.mark_all_read()}
