"""The audit log is append-only, in the ORM and in the database itself."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from aidbridge.audit.models import AuditEvent, AuditLogIsAppendOnly

from factories import bearer, make_tenant, make_token, make_user


@pytest.fixture
def event(client, db):
    admin = make_user(make_tenant(), "admin")
    client.post(
        "/api/v1/users",
        headers=bearer(make_token(admin)),
        json={
            "username": "li.si",
            "full_name": "李四",
            "password": "long-enough-pw",
            "roles": ["assessor"],
        },
    )
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).one()


def test_changes_record_who_what_before_after_when(event):
    assert event.actor_name and event.target_type == "user" and event.after["username"] == "li.si"
    assert event.at.tzinfo is not None


def test_the_orm_refuses_to_change_or_delete_events(db, event):
    event.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'forged'",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_too(db, event, statement):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement))
    assert db.session.get(AuditEvent, event.id).action == "user.created"


def test_audit_api_is_filtered_and_paginated(client, db):
    admin = make_user(make_tenant(), "admin")
    headers = bearer(make_token(admin))
    for name in ("a.one", "a.two"):
        client.post(
            "/api/v1/users",
            headers=headers,
            json={
                "username": name,
                "full_name": name,
                "password": "long-enough-pw",
                "roles": ["monitor"],
            },
        )
    page = client.get("/api/v1/audit?action=user.created&per_page=1", headers=headers).json
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["after"]["username"] == "a.two"  # newest first
