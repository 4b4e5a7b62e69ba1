"""One person, one household, also when two bureaus register them at the same moment
(PostgreSQL, real transactions): the database's unique key decides, and the loser is
told where the person is."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from conftest import TEST_DATABASE_URL
from sqlalchemy import delete, select

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.errors import Conflict
from aidbridge.extensions import db
from aidbridge.households import service
from aidbridge.households.models import Household, Member
from aidbridge.households.schemas import RegistrationSchema
from aidbridge.tenancy import all_tenants, tenant_context

from factories import household_data, make_tenant, member_data, resident_id

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL")


def test_two_bureaus_registering_one_person_at_once_get_one_household(app):
    with app.app_context():
        bureaus = [make_tenant(TenantType.bureau, name=f"并发登记局{i}") for i in range(2)]
        ids = [b.id for b in bureaus]
        db.session.remove()
    number = resident_id(date(1955, 5, 5))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def register(tenant_id: int) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}), tenant_context(tenant_id):
            try:
                tenant = db.session.get(Tenant, tenant_id)
                data = RegistrationSchema().load(
                    household_data(member_data(date(1955, 5, 5), id_number=number))
                )
                barrier.wait()
                service.register(tenant, data)
                db.session.commit()
                outcomes.append("registered")
            except Conflict as refused:
                db.session.rollback()
                outcomes.append(refused.errors)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(i,)) for i in ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with app.app_context(), all_tenants():
            households = select(Household.id).where(Household.tenant_id.in_(ids))
            db.session.execute(delete(Member).where(Member.household_id.in_(households)))
            db.session.execute(delete(Household).where(Household.tenant_id.in_(ids)))
            db.session.commit()
    assert outcomes.count("registered") == 1
    refused = [o for o in outcomes if o != "registered"]
    assert len(refused) == 1
    assert list(refused[0]) == ["members.0.id_number"]
    assert refused[0]["members.0.id_number"][0].startswith("already registered by another bureau")
