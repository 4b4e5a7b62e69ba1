"""Two requests writing the same thing at the same moment (PostgreSQL, real
transactions): the database's unique key decides, and the loser is told on the field
it sent, as if the check before it had seen the winner."""

from __future__ import annotations

import pytest

from aidbridge.accounts import service as accounts
from aidbridge.accounts.models import TenantType, User
from aidbridge.accounts.schemas import TenantCreateSchema
from aidbridge.extensions import db
from aidbridge.policy import service as policy
from aidbridge.tenancy import all_tenants

from concurrency import DONE, at_once, suspend_tenants
from conftest import TEST_DATABASE_URL
from factories import credit_code, make_tenant, make_user, next_nantong_pack

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
# What these tests commit stays (published versions and audit entries are final); the
# names and the far-off version are their own.


def test_two_tenants_created_at_once_with_one_admin_username_get_one(app):
    def create(code: str):
        payload = {
            "type": "agency",
            "name": f"并发社工中心{code[-4:]}",
            "credit_code": code,
            "jurisdiction_code": "320613",
            "admin": {"username": "race.admin", "full_name": "郑红", "password": "long-enough-pw"},
        }

        def call(ready) -> None:
            with all_tenants():
                data = TenantCreateSchema().load(payload)
                ready()
                accounts.create_tenant(data)

        return call

    codes = credit_code("52320613MJ"), credit_code("52320613MK")
    try:
        outcomes = at_once(app, *(create(code) for code in codes))
    finally:
        suspend_tenants(app, *(f"并发社工中心{code[-4:]}" for code in codes))
    assert outcomes.count(DONE) == 1, outcomes
    assert list(next(o for o in outcomes if o != DONE)) == ["admin.username"]
    with app.app_context(), all_tenants():
        assert db.session.query(User).filter_by(username="race.admin").count() == 1


def test_two_operators_publishing_one_version_at_once_publish_it_once(app):
    with app.app_context():
        operators = [make_user(make_tenant(TenantType.operator), "operator").id for _ in "ab"]
        db.session.remove()
    text = next_nantong_pack("2090", "2090-01-01")

    def publish(operator_id: int):
        def call(ready) -> None:
            with all_tenants():
                operator = db.session.get(User, operator_id)
                ready()
                policy.publish(text, operator)

        return call

    outcomes = at_once(app, *(publish(o) for o in operators))
    assert outcomes.count(DONE) == 1, outcomes
    # Refused by the unique key on the version; or, should the winner commit between
    # the loser's two checks, by the start that is no longer after the latest one.
    assert list(next(o for o in outcomes if o != DONE)) in (["version"], ["starts_on"])
