"""Reviews: due and overdue per street, and the periodic job that notes overdue
households and tells each bureau's keepers once per household and review date."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aidbridge.accounts.models import Role, TenantType
from aidbridge.jobs import enqueue
from aidbridge.notifications.models import Notification

from factories import (
    ENGLISH,
    bearer,
    household_data,
    make_tenant,
    make_token,
    make_user,
    sign_in,
)

TODAY = date.today()


def _household(api, area_code: str, review: str | None) -> int:
    data = household_data(area_code=area_code)
    response = api("POST", "/households", json=data)
    assert response.status_code == 201, response.json
    household = response.json["id"]
    if review:
        changed = api("PATCH", f"/households/{household}", json={"next_review_on": review})
        assert changed.status_code == 200, changed.json
    return household


def _days(n: int) -> str:
    return date.fromordinal(TODAY.toordinal() + n).isoformat()


@pytest.fixture
def streets(api):
    """和平桥街道: one overdue, one due in 10 days, one in a year; 城东街道: one overdue."""
    return {
        "overdue": _household(api, "320613001001", "2026-11-03"),
        "due": _household(api, "320613001002", _days(10)),
        "later": _household(api, "320613001003", _days(365)),
        "east": _household(api, "320613002001", "2026-11-03"),
    }


def test_reviews_are_counted_per_street(api, streets):
    body = api("GET", "/households/reviews").json
    assert body["notice_days"] == 30
    rows = {s["street_code"]: s for s in body["streets"]}
    assert rows["320613001"] == {
        "street_code": "320613001",
        "street_name": "和平桥街道",
        "households": 3,
        "due": 1,
        "overdue": 1,
    }
    assert (rows["320613002"]["overdue"], rows["320613002"]["due"]) == (1, 0)
    listed = api("GET", "/households?area_code=320613001&review=overdue").json["items"]
    assert [h["id"] for h in listed] == [streets["overdue"]]


def test_the_job_tells_each_keeper_once_per_household_and_review_date(
    app, api, streets, bureau, caseworker, db
):
    # Ids: the job runs in its own session, as a worker would.
    keepers = {caseworker.id, make_user(bureau, Role.assessor).id}
    make_user(bureau, Role.monitor)  # oversees, does not keep households
    make_user(make_tenant(TenantType.bureau), Role.caseworker)  # another bureau's

    assert enqueue("households.note_overdue_reviews") == 2
    notes = db.session.scalars(select(Notification)).all()
    assert {n.user_id for n in notes} == keepers
    assert {n.params["count"] for n in notes} == {2} and {n.kind for n in notes} == {
        "review_overdue"
    }

    assert enqueue("households.note_overdue_reviews") == 0  # safe to run twice
    # The review is moved but is still past: that is news again.
    api("PATCH", f"/households/{streets['due']}", json={"next_review_on": "2026-11-04"})
    assert enqueue("households.note_overdue_reviews") == 1
    assert len(db.session.scalars(select(Notification)).all()) == 4


def test_a_user_reads_and_marks_their_notifications(client, api, streets, bureau, caseworker):
    colleague = bearer(make_token(make_user(bureau, Role.assessor)))
    enqueue("households.note_overdue_reviews")
    listed = api("GET", "/notifications?unread=true", headers=ENGLISH).json
    assert listed["total"] == 1
    note = listed["items"][0]
    assert note["text"] == "2 households are overdue for review" and note["read_at"] is None
    chinese = api("GET", "/notifications").json["items"][0]["text"]
    assert chinese == "2 户家庭已逾期未复核"

    # A colleague's notification, even in the same bureau, does not exist for you.
    url = f"/api/v1/notifications/{note['id']}/read"
    assert client.post(url, headers=colleague).status_code == 404

    marked = api("POST", f"/notifications/{note['id']}/read")
    assert marked.status_code == 200 and marked.json["read_at"]
    assert api("GET", "/notifications?unread=true").json["total"] == 0
    assert client.post("/api/v1/notifications/read", headers=colleague).json == {"marked": 1}


def test_the_pages_show_reviews_by_street_and_notifications(client, streets, caseworker, db):
    caseworker_id = caseworker.id
    sign_in(client, caseworker)
    enqueue("households.note_overdue_reviews")
    page = client.get("/households/reviews").get_data(as_text=True)
    assert "和平桥街道" in page and "城东街道" in page
    assert "/households/?area_code=320613001&amp;review=overdue" in page
    home = client.get("/bureau/").get_data(as_text=True)
    assert 'aria-label="1 条未读"' in home
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "2 户家庭已逾期未复核" in listing
    notification = db.session.scalar(
        select(Notification).where(Notification.user_id == caseworker_id)
    )
    looked = client.post(f"/notifications/{notification.id}/read")
    assert looked.status_code == 302 and looked.headers["Location"].endswith(
        "/households/?review=overdue"
    )
    assert 'aria-label="1 条未读"' not in client.get("/bureau/").get_data(as_text=True)
