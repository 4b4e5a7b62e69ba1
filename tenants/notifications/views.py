"""Every user's notifications, with a link to where each asks them to look."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from aidbridge.notifications import service
from aidbridge.notifications.models import Notification
from aidbridge.pagination import page_of
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import url_objects
from tenants.forms import ConfirmForm
from tenants.portal import make_portal, query_filters, require_confirmed

portal = make_portal("notifications", None, "/notifications", home=False)
PAGE_SIZE = 30

# Where each kind of notification sends its reader.
LINKS = {
    "review_overdue": lambda n: url_for("households.index", review="overdue"),
    "emergency_intake": lambda n: url_for("households.show", household_id=n.params["household"]),
    "case_granted": lambda n: url_for("cases.show", household_id=n.params["household"]),
}


@portal.get("/")
def index():
    filters, _errors = query_filters(PageQuery())  # a bad page number shows the first
    page = filters.get("page", 1)
    items, total = page_of(service.mine_query(), page, PAGE_SIZE)
    return render_template(
        "notifications/index.html",
        notifications=items,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        links={n.id: LINKS[n.kind](n) for n in items if n.kind in LINKS},
        confirm=ConfirmForm(),
    )


@portal.post("/<int:notification_id>/read")
@url_objects(notification_id=Notification)
def mark_read(notification: Notification):
    require_confirmed()
    service.mark_read(notification)
    target = LINKS.get(notification.kind)
    return redirect(target(notification) if target else url_for(".index"))


@portal.post("/read")
def mark_all_read():
    require_confirmed()
    service.mark_all_read()
    return redirect(url_for(".index"))


def unread_notifications() -> int:
    """For the layout's menu: how many of the signed-in user's notifications are unread."""
    return service.unread_count()
