"""Purchase of services (ALL-PS-1): a bureau's purchase list, its contracts with
providers, and the deliveries that draw them down.

A contract is the bureau's record. Its provider reads it and records delivery on it:
``find_contract`` finds it for either side and, for the provider, acts in the bureau's
scope for the rest of the request, as an agency does on a granted case. A third
tenant never finds it.

Drawdown is exact under concurrency: every delivery locks the contract row first
(``SELECT … FOR UPDATE`` on PostgreSQL), reads the running totals afresh, checks and
writes in the same transaction; the database's CHECK constraints refuse overspending
should any other path try. (SQLite, in embedded mode, takes no row locks: a second
writer at the same moment fails on the database lock rather than overspend.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.audit import service as audit
from aidbridge.clock import local_today, utcnow
from aidbridge.contracts.coverage import buys, covers
from aidbridge.contracts.models import (
    Contract,
    ContractArea,
    ContractItem,
    ContractStatus,
    Delivery,
    ItemStatus,
    PurchaseItem,
)
from aidbridge.errors import Conflict, InvalidInput
from aidbridge.extensions import db
from aidbridge.households.models import Household
from aidbridge.i18n import N_
from aidbridge.lifecycle import change_status
from aidbridge.pool.models import Funding, Service
from aidbridge.pool.service import areas_inside
from aidbridge.pool.taxonomy import check_subcategory
from aidbridge.tenancy import act_for
from aidbridge.workforce import service as workforce

ITEM_TRANSITIONS = {
    ItemStatus.draft: {ItemStatus.published},
    ItemStatus.published: {ItemStatus.withdrawn},
    ItemStatus.withdrawn: {ItemStatus.published},
}
CONTRACT_TRANSITIONS = {
    ContractStatus.draft: {ContractStatus.active, ContractStatus.closed},
    ContractStatus.active: {ContractStatus.suspended, ContractStatus.closed},
    ContractStatus.suspended: {ContractStatus.active, ContractStatus.closed},
    ContractStatus.closed: set(),
}
ITEM_FIELDS = ("code", "name", "dimension", "subcategory", "unit", "unit_price_fen", "quality")

# --- the purchase list -----------------------------------------------------------------------


def items_query(status: ItemStatus | None = None):
    """The bureau's purchase list (the current tenant's), by code."""
    query = select(PurchaseItem).order_by(PurchaseItem.code, PurchaseItem.id)
    return query if status is None else query.where(PurchaseItem.status == status)


def add_item(data: dict) -> PurchaseItem:
    check_subcategory(data["dimension"], data["subcategory"], "subcategory")
    item = PurchaseItem(status=ItemStatus.draft)
    _set_item(item, data)
    _flush_unique(item, "code", N_("the purchase list already has this code"))
    audit.record(
        "purchase_item.created", "purchase_item", item.id, tenant_id=item.tenant_id,
        after=_item_record(item),
    )  # fmt: skip
    return item


def update_item(item: PurchaseItem, data: dict) -> PurchaseItem:
    """Change an entry; contracts already signed keep the price they were signed at."""
    check_subcategory(
        data.get("dimension", item.dimension),
        data.get("subcategory", item.subcategory_code),
        "subcategory",
    )
    before = _item_record(item)
    _set_item(item, data)
    _flush_unique(item, "code", N_("the purchase list already has this code"))
    audit.record_changes(
        "purchase_item.updated", "purchase_item", item.id, tenant_id=item.tenant_id,
        before=before, after=_item_record(item),
    )  # fmt: skip
    return item


def set_item_status(item: PurchaseItem, status: ItemStatus) -> PurchaseItem:
    """Publish an entry on the purchase list (ALL-PS-1: the list is published), or
    withdraw it: contracts already signed keep it, new ones cannot buy it."""
    changed = change_status(item, status, ITEM_TRANSITIONS, "purchase_item")
    if changed and status == ItemStatus.published and item.published_on is None:
        item.published_on = local_today()
    return item


def _set_item(item: PurchaseItem, data: dict) -> None:
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, "subcategory_code" if name == "subcategory" else name, data[name])


def _item_record(item: PurchaseItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "dimension": str(item.dimension),
        "subcategory": item.subcategory_code,
        "unit": str(item.unit),
        "unit_price_fen": item.unit_price_fen,
        "quality": item.quality,
    }


# --- contracts -------------------------------------------------------------------------------


def create_contract(bureau: Tenant, data: dict) -> Contract:
    """A draft contract; it buys nothing until activated."""
    contract = Contract(
        tenant_id=bureau.id,
        provider_id=_provider(bureau, data["provider_id"]).id,
        status=ContractStatus.draft,
    )
    with db.session.no_autoflush:
        _set_contract(bureau, contract, data)
    _flush_unique(contract, "number", N_("you already have a contract with this number"))
    audit.record(
        "contract.created", "contract", contract.id, tenant_id=bureau.id,
        after=_contract_record(contract),
    )  # fmt: skip
    return contract


def update_contract(bureau: Tenant, contract: Contract, data: dict) -> Contract:
    """Change a contract that is not closed. Once active, what was delivered stands: the
    budget stays at or above what was spent, an item's units at or above those delivered,
    the period around every delivery, and the provider is the one that delivered."""
    contract = _locked(contract)  # no delivery draws it down meanwhile
    if contract.status == ContractStatus.closed:
        raise InvalidInput.field("status", N_("a closed contract is not changed"))
    before = _contract_record(contract)
    # Nothing reaches the database before every check has passed (the database's own
    # checks would answer a budget below what was spent with an error, not a reason).
    with db.session.no_autoflush:
        if "provider_id" in data and data["provider_id"] != contract.provider_id:
            if contract.status != ContractStatus.draft:
                raise InvalidInput.field(
                    "provider_id", N_("the provider is fixed once the contract is active")
                )
            contract.provider_id = _provider(bureau, data["provider_id"]).id
        _set_contract(bureau, contract, data)
        _check_funded_services(contract)
    _flush_unique(contract, "number", N_("you already have a contract with this number"))
    audit.record_changes(
        "contract.updated", "contract", contract.id, tenant_id=contract.tenant_id,
        before=before, after=_contract_record(contract),
    )  # fmt: skip
    return contract


def set_contract_status(contract: Contract, status: ContractStatus, today: date) -> Contract:
    """Activate, suspend, resume or close. Activating needs items, areas and a period not
    yet over, and a provider the staffing rule does not block (NT21-SW-1, CJ21-SW-1…
    where the pack says block; where it says warn, the contract page shows it)."""
    if status == ContractStatus.active and status in CONTRACT_TRANSITIONS[contract.status]:
        _check_activation(contract, today)
    if change_status(contract, status, CONTRACT_TRANSITIONS, "contract"):
        if status == ContractStatus.active and contract.activated_at is None:
            contract.activated_at = utcnow()
        if status == ContractStatus.closed:
            contract.closed_at = utcnow()
    return contract


def _check_activation(contract: Contract, today: date) -> None:
    errors: dict[str, list[str]] = {}
    if not contract.items:
        errors["items"] = [N_("a contract buys at least one item")]
    if not contract.areas:
        errors["areas"] = [N_("a contract covers at least one area")]
    if contract.ends_on < today:
        errors["ends_on"] = [N_("the contract's period is over")]
    provider = db.session.get(Tenant, contract.provider_id)
    if not provider.is_active:
        errors["provider_id"] = [N_("the provider is suspended")]
    elif contract.status == ContractStatus.draft and workforce.is_blocked(provider, today):
        compliance = workforce.compliance(provider, today)
        errors["provider_id"] = [
            N_("the provider does not meet the social-work post requirement"),
            compliance.text(gettext),
        ]
    if errors:
        raise InvalidInput(N_("the contract cannot be activated"), errors)


def _provider(bureau: Tenant, provider_id: int) -> Tenant:
    provider = db.session.scalar(workforce.providers_query(bureau).where(Tenant.id == provider_id))
    if provider is None:
        raise InvalidInput.field("provider_id", N_("no such active charity or agency in your pool"))
    return provider


def _set_contract(bureau: Tenant, contract: Contract, data: dict) -> None:
    for name in (
        "number",
        "title",
        "starts_on",
        "ends_on",
        "budget_fen",
        "funding_source",
        "target_accepted_share",
        "target_completed_share",
        "target_satisfaction",
    ):
        if name in data:
            setattr(contract, name, data[name])
    if contract.ends_on < contract.starts_on:
        raise InvalidInput.field("ends_on", N_("cannot be before the start"))
    if "areas" in data:
        areas = areas_inside(bureau, list(dict.fromkeys(data["areas"])), "areas.{}")
        contract.areas = [ContractArea(tenant_id=bureau.id, area_code=a.code) for a in areas]
    if "items" in data:
        _set_items(contract, data["items"])
    _check_deliveries_fit(contract)


def _set_items(contract: Contract, wanted: list[dict]) -> None:
    """The contract's items as asked: each from the bureau's published list, once; an
    item already delivered stays, with at least its delivered units."""
    listed = {
        item.id: item
        for item in db.session.scalars(
            select(PurchaseItem).where(PurchaseItem.id.in_([w["purchase_item_id"] for w in wanted]))
        )
    }
    current = {item.purchase_item_id: item for item in contract.items}
    errors: dict[str, list[str]] = {}
    kept: list[ContractItem] = []
    seen: set[int] = set()
    for index, asked in enumerate(wanted):
        field = f"items.{index}."
        item_id = asked["purchase_item_id"]
        listed_item = listed.get(item_id)
        if item_id in seen:
            errors[field + "purchase_item_id"] = [N_("this item is already in the contract")]
            continue
        seen.add(item_id)
        line = current.get(item_id)
        if line is None and (listed_item is None or listed_item.status != ItemStatus.published):
            errors[field + "purchase_item_id"] = [N_("not on your published purchase list")]
            continue
        if line is None:
            line = ContractItem(tenant_id=contract.tenant_id, purchase_item=listed_item)
        price = asked.get("unit_price_fen") or line.unit_price_fen or listed_item.unit_price_fen
        if line.units_delivered and price != line.unit_price_fen:
            errors[field + "unit_price_fen"] = [N_("units were delivered at the signed price")]
            continue
        if line.units_reserved and price != line.unit_price_fen:
            errors[field + "unit_price_fen"] = [N_("referrals were matched at the signed price")]
            continue
        if asked["units"] < (line.units_delivered or 0):
            errors[field + "units"] = [N_("fewer than the units already delivered")]
            continue
        if asked["units"] < (line.units_delivered or 0) + (line.units_reserved or 0):
            errors[field + "units"] = [
                N_("fewer than the units delivered and held by matched referrals")
            ]
            continue
        line.unit_price_fen, line.units = price, asked["units"]
        kept.append(line)
    for item_id, line in current.items():
        if item_id not in seen and (line.units_delivered or line.units_reserved):
            errors["items"] = [
                N_("an item with deliveries or matched referrals stays in the contract")
            ]
    if errors:
        raise InvalidInput(N_("some items cannot be bought"), errors)
    contract.items = kept


def _check_deliveries_fit(contract: Contract) -> None:
    """What was delivered stays inside the contract as changed."""
    if contract.id is None:
        return
    if contract.budget_fen < contract.spent_fen:
        raise InvalidInput.field("budget_fen", N_("less than what was already spent"))
    if contract.budget_fen < contract.spent_fen + contract.reserved_fen:
        raise InvalidInput.field(
            "budget_fen", N_("less than what was spent and is held by matched referrals")
        )
    first, last = db.session.execute(
        select(func.min(Delivery.delivered_on), func.max(Delivery.delivered_on)).where(
            Delivery.contract_id == contract.id
        )
    ).one()
    if first is not None and contract.starts_on > first:
        raise InvalidInput.field("starts_on", N_("after a delivery already recorded"))
    if last is not None and contract.ends_on < last:
        raise InvalidInput.field("ends_on", N_("before a delivery already recorded"))


def _flush_unique(obj, field: str, reason: str) -> None:
    """Flush a new or changed row whose ``field`` is unique per bureau: taken is a 409 on
    it, checked first for a clear answer and by the unique key for a request meanwhile
    (the other checks were all made before: the database's remain a safety net)."""
    model = type(obj)
    # The bureau's own rows: the tenant scope sees no other.
    taken = select(model.id).where(
        getattr(model, field) == getattr(obj, field),
        model.id != obj.id if obj.id is not None else true(),
    )
    with db.session.no_autoflush:
        if db.session.scalar(taken.limit(1)) is not None:
            raise Conflict.field(field, reason)
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        raise Conflict.field(field, reason) from None


def _contract_record(contract: Contract) -> dict:
    return {
        "provider_id": contract.provider_id,
        "number": contract.number,
        "title": contract.title,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "budget_fen": contract.budget_fen,
        "funding_source": str(contract.funding_source),
        "targets": [
            None if value is None else str(value)
            for value in (
                contract.target_accepted_share,
                contract.target_completed_share,
                contract.target_satisfaction,
            )
        ],
        "areas": [a.area_code for a in contract.areas],
        "items": [[i.purchase_item_id, i.unit_price_fen, i.units] for i in contract.items],
    }


# --- finding a contract: the bureau's, or the provider's --------------------------------------


def find_contract(viewer: Tenant, contract_id: int) -> Contract | None:
    """The contract as ``viewer`` may see it: its own (the purchasing bureau's), or one
    naming it as provider, for which the rest of the request acts in the bureau's scope
    (what the provider records on it is the bureau's record)."""
    own = db.session.scalar(select(Contract).where(Contract.id == contract_id))
    if own is not None:
        return own
    provided = find_for_provider(viewer, contract_id)
    if provided is not None:
        act_for(provided.tenant_id)
    return provided


def find_for_provider(provider: Tenant, contract_id: int) -> Contract | None:
    """A contract naming ``provider``, read across tenants on purpose (it is the
    bureau's row); no scope changes."""
    return db.session.scalar(
        select(Contract)
        .where(Contract.id == contract_id, Contract.provider_id == provider.id)
        .execution_options(all_tenants=True)
    )


def contracts_query(viewer: Tenant, status: ContractStatus | None = None):
    """A bureau's contracts, or for a provider the contracts naming it; newest first."""
    query = select(Contract).options(joinedload(Contract.provider), joinedload(Contract.bureau))
    if viewer.type == TenantType.bureau:
        query = query.where(Contract.tenant_id == viewer.id)
    else:
        # Loaded in one go (items and areas too): the provider's scope would hide them.
        query = query.where(Contract.provider_id == viewer.id).execution_options(all_tenants=True)
    if status is not None:
        query = query.where(Contract.status == status)
    return query.order_by(Contract.starts_on.desc(), Contract.id.desc())


# --- drawdown --------------------------------------------------------------------------------


def record_delivery(contract: Contract, data: dict, actor) -> Delivery:
    """Record units delivered under the contract and draw it down: units and budget
    remaining stay exact, and never below zero, whoever records at the same moment."""
    contract = _locked(contract)
    item = next((i for i in contract.items if i.id == data["contract_item_id"]), None)
    if item is None:
        raise InvalidInput.field("contract_item_id", N_("not an item of this contract"))
    if contract.status != ContractStatus.active:
        raise InvalidInput.field("status", N_("only an active contract is drawn down"))
    on = data["delivered_on"]
    if not contract.starts_on <= on <= contract.ends_on:
        raise InvalidInput.field("delivered_on", N_("outside the contract's period"))
    if data.get("household_id") is not None and not _household_exists(data["household_id"]):
        raise InvalidInput.field("household_id", N_("no such household"))
    units = data["units"]
    if units > item.units_remaining:
        raise InvalidInput.field("units", N_("more than the units left on this item"))
    amount = units * item.unit_price_fen
    if amount > contract.remaining_fen:
        raise InvalidInput.field("units", N_("more than the budget left on this contract"))
    item.units_delivered += units
    contract.spent_fen += amount
    delivery = Delivery(
        tenant_id=contract.tenant_id,
        contract_id=contract.id,
        contract_item_id=item.id,
        units=units,
        amount_fen=amount,
        delivered_on=on,
        household_id=data.get("household_id"),
        referral_id=data.get("referral_id"),
        note=data.get("note", ""),
        recorded_by_id=actor.id if actor else None,
        recorded_by_name=actor.full_name if actor else "",
        recorded_by_tenant_id=actor.tenant_id if actor else None,
    )
    db.session.add(delivery)
    db.session.flush()
    audit.record(
        "contract.delivery", "contract", contract.id, tenant_id=contract.tenant_id,
        after={"delivery": delivery.id, "item": item.id, "units": units, "amount_fen": amount},
    )  # fmt: skip
    return delivery


def _locked(contract: Contract) -> Contract:
    """The contract with its row locked for this transaction and its totals read afresh."""
    locked = db.session.scalars(
        select(Contract)
        .where(Contract.id == contract.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db.session.scalars(
        select(ContractItem)
        .where(ContractItem.contract_id == contract.id)
        .execution_options(populate_existing=True)
    ).all()
    return locked


def _household_exists(household_id: int) -> bool:
    return db.session.scalar(select(Household.id).where(Household.id == household_id)) is not None


def deliveries_query(contract: Contract):
    return (
        select(Delivery)
        .where(Delivery.contract_id == contract.id)
        .order_by(Delivery.delivered_on.desc(), Delivery.id.desc())
    )


# --- services funded by a contract -----------------------------------------------------------


def fund_service(provider: Tenant, service: Service, contract_id: int | None) -> Service:
    """Link the provider's service to the contract that funds it (or unlink it). A
    contract-funded service is offered only inside the contract's areas, items and
    period: its areas lie inside the contract's, its need is one the contract buys."""
    if contract_id is None:
        service.contract_id = None
    else:
        contract = find_for_provider(provider, contract_id)
        if contract is None:
            raise InvalidInput.field("contract_id", N_("no such contract with you"))
        if contract.status == ContractStatus.closed:
            raise InvalidInput.field("contract_id", N_("the contract is closed"))
        errors = {}
        if not buys(contract, service):
            errors["contract_id"] = [N_("the contract does not buy this service's need")]
        if not covers(contract, [a.area_code for a in service.areas]):
            errors["areas"] = [N_("the service's areas must lie inside the contract's")]
        if errors:
            raise InvalidInput(N_("the contract cannot fund this service"), errors)
        service.contract_id, service.funding = contract.id, Funding.government_purchased
    audit.record(
        "service.funded", "service", service.id, tenant_id=service.tenant_id,
        after={"contract_id": service.contract_id},
    )  # fmt: skip
    return service


def _check_funded_services(contract: Contract) -> None:
    """A change of the contract's areas or items leaves the services it funds inside
    them (they are the provider's rows: read across tenants on purpose)."""
    funded = db.session.scalars(
        select(Service)
        .where(Service.contract_id == contract.id)
        .execution_options(all_tenants=True)
    ).all()
    for service in funded:
        if not buys(contract, service):
            raise InvalidInput.field(
                "items", N_("a service this contract funds needs an item it no longer buys")
            )
        if not covers(contract, [a.area_code for a in service.areas]):
            raise InvalidInput.field(
                "areas", N_("a service this contract funds lies outside these areas")
            )


# --- reading a contract ----------------------------------------------------------------------


@dataclass
class ContractDetail:
    """A contract with its provider's standing against the staffing rule today: at the
    organisation, and among the staff the roster assigns to this contract."""

    contract: Contract
    provider_compliance: object
    staff_compliance: object

    def __getattr__(self, name: str):
        return getattr(self.contract, name)


def detail(contract: Contract, today: date) -> ContractDetail:
    provider = db.session.get(Tenant, contract.provider_id)
    return ContractDetail(
        contract,
        workforce.compliance(provider, today),
        workforce.compliance(provider, today, contract.id),
    )


# --- units held by matched referrals ---------------------------------------------------------


def release_held_unit(item_id: int) -> None:
    """Give back the unit of the item, and its price on the contract's budget, that a
    referral held from its match and ended without using: under the contract's row lock,
    as a delivery takes it. Across tenants on purpose (a provider's answer releases it)."""
    item, contract = ContractItem.__table__, Contract.__table__
    contract_id, price = db.session.execute(
        select(item.c.contract_id, item.c.unit_price_fen).where(item.c.id == item_id)
    ).one()
    db.session.execute(select(contract.c.id).where(contract.c.id == contract_id).with_for_update())
    db.session.execute(
        update(item).where(item.c.id == item_id).values(units_reserved=item.c.units_reserved - 1)
    )
    db.session.execute(
        update(contract)
        .where(contract.c.id == contract_id)
        .values(reserved_fen=contract.c.reserved_fen - price)
    )
