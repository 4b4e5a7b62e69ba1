"""One person, one household, also when two bureaus register them at the same moment
(PostgreSQL, real transactions): the database's unique key decides, and the loser is
told where the person is."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.extensions import db
from aidbridge.households import importing, service
from aidbridge.households.models import (
    Household,
    HouseholdImport,
    ImportMode,
    ImportStatus,
    Member,
)
from aidbridge.households.schemas import RegistrationSchema
from aidbridge.tenancy import all_tenants, tenant_context

from concurrency import DONE, at_once
from conftest import TEST_DATABASE_URL
from factories import household_data, make_tenant, member_data, resident_id

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL"),
    pytest.mark.commits,
]
# These tests commit for real (two connections must see each other's rows). They
# delete the households and members they write; the tenants and the audit entries
# stay, because audit entries cannot be deleted (the ORM and the database's
# triggers refuse it) and they refer to their tenant.


def _bureaus(app, *names: str) -> list[int]:
    with app.app_context():
        ids = [make_tenant(TenantType.bureau, name=name).id for name in names]
        db.session.remove()
    return ids


def _register_as(tenant_id: int, household: dict):
    """A registration by the bureau, released with the others once validated."""

    def call(ready) -> None:
        with tenant_context(tenant_id):
            data = RegistrationSchema().load(household)
            ready()
            service.register(db.session.get(Tenant, tenant_id), data)

    return call


def _owners_then_clean_up(app, ids: list[int]) -> list[int]:
    """The bureaus that kept a household; the households and members are deleted."""
    with app.app_context(), all_tenants():
        households = select(Household.id).where(Household.tenant_id.in_(ids))
        owners = list(
            db.session.scalars(select(Household.tenant_id).where(Household.tenant_id.in_(ids)))
        )
        db.session.execute(delete(Member).where(Member.household_id.in_(households)))
        db.session.execute(delete(Household).where(Household.tenant_id.in_(ids)))
        db.session.commit()
    return owners


def test_two_bureaus_registering_one_person_at_once_get_one_household(app):
    ids = _bureaus(app, "并发登记局0", "并发登记局1")
    born = date(1955, 5, 5)
    household = household_data(member_data(born, id_number=resident_id(born)))
    try:
        outcomes = at_once(app, *(_register_as(i, household) for i in ids))
    finally:
        owners = _owners_then_clean_up(app, ids)
    assert outcomes.count(DONE) == 1 and len(owners) == 1
    refused = next(o for o in outcomes if o != DONE)
    assert list(refused) == ["members.0.id_number"]
    assert refused["members.0.id_number"][0].startswith("already registered by another bureau")


def test_an_import_and_a_registration_of_one_person_at_once_write_one(app):
    """The import's write claims its people like a registration: when another bureau
    registers one of them between the import's check and its write, the unique key
    decides and the import writes nothing."""
    importer, registrar = ids = _bureaus(app, "并发导入局甲", "并发导入局乙")
    with app.app_context(), tenant_context(importer):
        record = HouseholdImport(
            tenant_id=importer,
            file_name="race.csv",
            mode=ImportMode.accepted,
            status=ImportStatus.running,
        )
        db.session.add(record)
        db.session.commit()
        record_id = record.id
        db.session.remove()
    born = date(1956, 6, 6)
    head = member_data(born, id_number=resident_id(born))
    household = household_data(head)
    columns = ["household_ref", "area_code", "address", "setting", *head]
    row = {"household_ref": "1", **household, **head}
    raw = ",".join(columns).encode() + b"\n" + ",".join(str(row[c]) for c in columns).encode()

    def import_file(ready) -> None:
        with tenant_context(importer):
            tenant = db.session.get(Tenant, importer)
            checked = importing.check(tenant, importing.read(raw, 10))
            assert len(checked.accepted) == 1  # nobody is registered yet
            ready()
            importing.write(tenant, checked.accepted, db.session.get(HouseholdImport, record_id))

    try:
        outcomes = at_once(app, import_file, _register_as(registrar, household))
    finally:
        owners = _owners_then_clean_up(app, ids)
    assert outcomes.count(DONE) == 1, outcomes
    imported = outcomes[0] == DONE
    assert owners == [importer if imported else registrar]
    reasons = next(iter(next(o for o in outcomes if o != DONE).values()))
    assert reasons[0].startswith("already registered by another bureau")
