"""The tenant scope is enforced by the ORM, not by each caller."""

import pytest
from sqlalchemy import select, update

from aidbridge.accounts.models import User
from aidbridge.tenancy import TenantScopeError, all_tenants, tenant_context

from factories import make_tenant, make_user


@pytest.fixture
def two_tenants(db):
    a, b = make_tenant(), make_tenant()
    return a, make_user(a), b, make_user(b)


def _reset_scope():
    """Leave the test body's all-tenants scope, as a request or job starts."""
    from aidbridge import tenancy

    return tenancy._scope.set(None)


def test_reads_see_only_the_current_tenant(db, two_tenants):
    a, user_a, _b, user_b = two_tenants
    with tenant_context(a.id):
        users = db.session.scalars(select(User)).all()
    assert user_a in users and user_b not in users


def test_relationship_loads_are_scoped_too(db, two_tenants):
    a, user_a, _b, user_b = two_tenants
    with tenant_context(a.id):
        found = db.session.scalars(select(User).where(User.id.in_([user_a.id, user_b.id]))).all()
    assert [u.id for u in found] == [user_a.id]


def test_a_query_with_no_tenant_in_scope_raises(db, two_tenants):
    from aidbridge import tenancy

    token = _reset_scope()
    try:
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(User)).all()
    finally:
        tenancy._scope.reset(token)


def test_bulk_update_cannot_reach_another_tenant(db, two_tenants):
    a, _user_a, _b, user_b = two_tenants
    with tenant_context(a.id):
        db.session.execute(update(User).values(full_name="changed"))
        db.session.commit()
    db.session.expire_all()
    assert user_b.full_name != "changed"


def test_writing_another_tenants_row_is_refused(db, two_tenants):
    a, _user_a, _b, user_b = two_tenants
    with tenant_context(a.id):
        user_b.full_name = "hijacked"
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()


def test_new_rows_take_the_current_tenant(db, two_tenants):
    from aidbridge.accounts.models import RoleGrant

    a, user_a, _b, _user_b = two_tenants
    with tenant_context(a.id):
        grant = RoleGrant(user_id=user_a.id, role="assessor")
        db.session.add(grant)
        db.session.flush()
        assert grant.tenant_id == a.id
    db.session.rollback()


def test_all_tenants_is_explicit(db, two_tenants):
    _a, user_a, _b, user_b = two_tenants
    with all_tenants():
        ids = set(db.session.scalars(select(User.id)))
    assert {user_a.id, user_b.id} <= ids
