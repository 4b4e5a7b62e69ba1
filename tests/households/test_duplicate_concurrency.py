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


def test_an_import_and_a_registration_of_one_person_at_once_write_one(app):
    """The import's write claims its people like a registration: when another bureau
    registers one of them between the import's check and its write, the unique key
    decides and the import writes nothing."""
    with app.app_context():
        importer, registrar = (
            make_tenant(TenantType.bureau, name=f"并发导入局{i}") for i in "甲乙"
        )
        ids = importer.id, registrar.id
        with tenant_context(importer.id):
            record = HouseholdImport(
                tenant_id=importer.id,
                file_name="race.csv",
                mode=ImportMode.accepted,
                status=ImportStatus.running,
            )
            db.session.add(record)
            db.session.commit()
            record_id = record.id
        db.session.remove()
    born = date(1956, 6, 6)
    number = resident_id(born)
    head = member_data(born, id_number=number)
    household = household_data(head)
    columns = ["household_ref", "area_code", "address", "setting", *head]
    row = {"household_ref": "1", **household, **head}
    raw = ",".join(columns).encode() + b"\n" + ",".join(str(row[c]) for c in columns).encode()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name: str, tenant_id: int, write) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}), tenant_context(tenant_id):
            try:
                write(db.session.get(Tenant, tenant_id), barrier.wait)
                db.session.commit()
                outcomes[name] = "written"
            except Conflict as refused:
                db.session.rollback()
                outcomes[name] = refused.errors
            finally:
                db.session.remove()

    def import_file(tenant, ready) -> None:
        checked = importing.check(tenant, importing.read(raw, 10))
        assert len(checked.accepted) == 1  # nobody is registered yet
        ready()
        importing.write(tenant, checked.accepted, db.session.get(HouseholdImport, record_id))

    def register(tenant, ready) -> None:
        data = RegistrationSchema().load(household)
        ready()
        service.register(tenant, data)

    threads = [
        threading.Thread(target=run, args=("import", ids[0], import_file)),
        threading.Thread(target=run, args=("register", ids[1], register)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context(), all_tenants():
            kept = db.session.scalars(
                select(Household.tenant_id).where(Household.tenant_id.in_(ids))
            )
            kept = list(kept)
    finally:
        with app.app_context(), all_tenants():
            households = select(Household.id).where(Household.tenant_id.in_(ids))
            db.session.execute(delete(Member).where(Member.household_id.in_(households)))
            db.session.execute(delete(Household).where(Household.tenant_id.in_(ids)))
            db.session.commit()
    assert list(outcomes.values()).count("written") == 1, outcomes
    loser = next(name for name, outcome in outcomes.items() if outcome != "written")
    assert kept == [ids[1] if loser == "import" else ids[0]]
    reasons = next(iter(outcomes[loser].values()))
    assert reasons[0].startswith("already registered by another bureau")
