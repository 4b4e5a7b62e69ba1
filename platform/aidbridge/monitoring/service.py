"""Monitoring purchased services (ALL-PS-1, ALL-OV-5): measures computed from the
records, set-based in the database (counts, sums and percentiles are SQL; no rows are
loaded into Python to be counted).

The referral measures are of the referrals between the viewer and the other side (a
bureau's, or a provider's), offered in the period, narrowed by contract, provider,
need dimension and area; a contract's measures are of its drawdown against its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, Float, Integer, case, cast, func, literal, select

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.areas.models import Area
from aidbridge.areas.service import within
from aidbridge.clock import add_months
from aidbridge.contracts.models import Contract, ContractItem, ContractStatus, Delivery
from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.households.models import Household
from aidbridge.i18n import N_
from aidbridge.matching.models import UnmatchedNeed
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.referrals.models import (
    ACTIVE,
    TOOK_ON,
    CaseOutcome,
    DeclineReason,
    Referral,
    ReferralStatus,
    ServiceRecord,
)
from aidbridge.tenancy import all_tenants
from aidbridge.vocab import Severity
from aidbridge.workforce import service as workforce
from aidbridge.workforce.models import ComplianceSnapshot

# Percentiles reported for the times to accept and to first service.
PERCENTILES = {"median": (1, 2), "p90": (9, 10)}
SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True)
class Filters:
    """What the measures are of: referrals offered from ``since`` to ``until`` (local
    days, both included), of one contract, provider, need dimension or area."""

    since: date
    until: date
    contract_id: int | None = None
    provider_id: int | None = None
    dimension: str | None = None
    area_code: str | None = None


def filters_of(args: dict, today: date) -> Filters:
    """The query's filters, the period defaulting to this month up to today; an area
    that does not exist is refused on its field."""
    if args.get("area_code") and db.session.get(Area, args["area_code"]) is None:
        raise InvalidInput.field("area_code", N_("no such area"))
    since = args.get("since") or today.replace(day=1)
    return Filters(
        since=since,
        until=args.get("until") or max(today, since),
        contract_id=args.get("contract_id"),
        provider_id=args.get("provider_id"),
        dimension=args.get("dimension"),
        area_code=args.get("area_code"),
    )


def referral_measures(viewer: Tenant, filters: Filters) -> dict:
    """The referral funnel: how many were offered and how each ended, the acceptance,
    completion and loop-closure rates, the times to accept and to first service, the
    outcomes, satisfaction, severity change and re-referrals. Read across tenants on
    purpose (a provider's referrals are the bureaus' rows): ``_referrals`` keeps to
    those between the viewer and the other side."""
    with all_tenants():
        return _referral_measures(viewer, filters)


def _referral_measures(viewer: Tenant, filters: Filters) -> dict:
    scope = _referrals(viewer, filters).subquery()
    status = scope.c.status
    counts = db.session.execute(
        select(
            func.count(),
            *(func.count(case((status == s, 1))) for s in ReferralStatus),
            func.count(case((scope.c.outcome.is_not(None), 1))),
            func.avg(cast(scope.c.satisfaction, Float)),
            func.count(scope.c.satisfaction),
        )
    ).one()
    offered, *by_status, with_outcome, satisfaction, rated = counts
    by_status = dict(zip(ReferralStatus, by_status, strict=True))
    took_on = sum(by_status[s] for s in TOOK_ON)
    answered = took_on + by_status[ReferralStatus.declined] + by_status[ReferralStatus.expired]
    closed = by_status[ReferralStatus.completed] + by_status[ReferralStatus.closed_unresolved]
    return {
        "offered": offered,
        "by_status": {str(s): n for s, n in by_status.items()},
        "took_on": took_on,
        "declined_by_reason": _grouped(scope, scope.c.decline_reason, DeclineReason),
        "outcomes": _grouped(scope, scope.c.outcome, CaseOutcome),
        "acceptance_rate": _share(took_on, answered),
        "completion_rate": _share(by_status[ReferralStatus.completed], closed),
        "loop_closure_rate": _share(with_outcome, took_on),
        "hours_to_accept": _percentiles(
            select(_seconds(scope.c.answered_at, scope.c.offered_at) / 3600).where(
                status.in_(TOOK_ON)
            )
        ),
        "days_to_first_service": _percentiles(_days_to_first_service(scope)),
        "satisfaction": _round(satisfaction, "0.01") if rated else None,
        "rated": rated,
        "severity": _severity_change(scope),
        "re_referral_rate": _re_referral_rate(scope),
    }


def _referrals(viewer: Tenant, f: Filters):
    """The referrals the measures are of: those between the viewer and the other side."""
    side = (
        Referral.tenant_id == viewer.id
        if viewer.type is TenantType.bureau
        else Referral.provider_id == viewer.id
    )
    start, end = _utc_day(f.since), _utc_day(f.until + timedelta(days=1))
    query = select(Referral).where(side, Referral.offered_at >= start, Referral.offered_at < end)
    if f.contract_id is not None:
        query = query.where(Referral.contract_id == f.contract_id)
    if f.provider_id is not None:
        query = query.where(Referral.provider_id == f.provider_id)
    if f.dimension is not None or f.area_code is not None:
        query = query.join(Need, Need.id == Referral.need_id)
        if f.dimension is not None:
            query = query.where(Need.dimension == f.dimension)
        if f.area_code is not None:
            query = (
                query.join(Household, Household.id == Referral.household_id)
                .join(Area, Area.code == Household.area_code)
                .where(within(db.session.get(Area, f.area_code)))
            )
    return query


def _grouped(scope, column, enum) -> dict[str, int]:
    rows = dict(
        db.session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ).all()
    )
    return {str(member): rows.get(member, 0) for member in enum}


def _days_to_first_service(scope):
    """Whole days from the day a referral was taken on, where the users are, to the day of
    its first service: a record is dated, not timed, so a visit the same day is 0."""
    first = (
        select(
            ServiceRecord.referral_id.label("referral_id"),
            func.min(ServiceRecord.served_on).label("served_on"),
        )
        .group_by(ServiceRecord.referral_id)
        .subquery()
    )
    return (
        select(_days_between(first.c.served_on, _local_day(scope.c.answered_at)))
        .select_from(scope)
        .join(first, first.c.referral_id == scope.c.id)
    )


def _severity_change(scope) -> dict[str, int]:
    """Closed cases whose need was re-assessed at closing: improved, unchanged, worse."""
    before = case(SEVERITY_RANK, value=scope.c.severity_before)
    after = case(SEVERITY_RANK, value=scope.c.severity_after)
    improved, same, worse = db.session.execute(
        select(
            func.count(case((after < before, 1))),
            func.count(case((after == before, 1))),
            func.count(case((after > before, 1))),
        ).where(scope.c.severity_after.is_not(None))
    ).one()
    return {"improved": improved, "unchanged": same, "worse": worse}


def _re_referral_rate(scope) -> Decimal | None:
    """The share of needs referred more than once in the period (an offer declined,
    expired or withdrawn and offered again)."""
    per_need = select(scope.c.need_id, func.count().label("n")).group_by(scope.c.need_id).subquery()
    needs, again = db.session.execute(
        select(func.count(), func.count(case((per_need.c.n > 1, 1))))
    ).one()
    return _share(again, needs)


# --- contracts -------------------------------------------------------------------------------


def contract_measures(contract: Contract, today: date) -> dict:
    """Units delivered against contracted and budget spent against the total, per item
    and in all; the burn rate against the time elapsed (on track within the setting
    MONITORING_BURN_TOLERANCE of it, else behind or ahead); the contract's targets
    against its referrals' actuals."""
    items = [
        {
            "item_id": line.id,
            "name": line.purchase_item.name,
            "units": line.units,
            "delivered": line.units_delivered,
            "held": line.units_reserved,
            "unit_price_fen": line.unit_price_fen,
        }
        for line in contract.items
    ]
    funnel = referral_measures(
        db.session.get(Tenant, contract.tenant_id),
        Filters(contract.starts_on, max(today, contract.starts_on), contract.id),
    )
    return {
        "contract_id": contract.id,
        "items": items,
        "units": sum(i["units"] for i in items),
        "delivered": sum(i["delivered"] for i in items),
        "budget_fen": contract.budget_fen,
        "spent_fen": contract.spent_fen,
        "held_fen": contract.reserved_fen,
        **_burn(
            contract.starts_on, contract.ends_on, contract.spent_fen, contract.budget_fen, today
        ),
        "targets": {
            "accepted_share": _target(contract.target_accepted_share, funnel["acceptance_rate"]),
            "completed_share": _target(contract.target_completed_share, funnel["completion_rate"]),
            "satisfaction": _target(contract.target_satisfaction, funnel["satisfaction"]),
        },
    }


def _target(target, actual) -> dict | None:
    if target is None:
        return None
    return {"target": target, "actual": actual, "met": actual is not None and actual >= target}


# --- helpers ---------------------------------------------------------------------------------


def _percentiles(durations) -> dict[str, Decimal | None]:
    """Nearest-rank percentiles of a one-column query, in one SQL statement on both
    databases: rank the values and keep those at ranks ⌈p × n⌉ (integer arithmetic:
    (a·n + b − 1) // b)."""
    values = durations.subquery()
    (column,) = values.c
    ranked = select(
        column.label("value"),
        func.row_number().over(order_by=column).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    wanted = [(a * ranked.c.n + b - 1) // b for a, b in PERCENTILES.values()]
    found: dict[str, Decimal | None] = dict.fromkeys(PERCENTILES)
    for value, rank, n in db.session.execute(
        select(ranked.c.value, ranked.c.rank, ranked.c.n).where(ranked.c.rank.in_(wanted))
    ):
        for name, (a, b) in PERCENTILES.items():
            if rank == (a * n + b - 1) // b:
                found[name] = _round(value, "0.1")
    return found


def _seconds(later, earlier):
    """``later − earlier`` in seconds, as each database computes it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _local_day(moment_column):
    """A UTC timestamp column as the date it falls on where the users are."""
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone, moment_column), Date)
    # SQLite knows no zones: the zone's offset now (mainland China keeps no summer time).
    offset = datetime.now(ZoneInfo(zone)).utcoffset().total_seconds()
    return func.date(moment_column, f"{int(offset):+d} seconds")


def _days_between(later, earlier):
    """Whole days from the date ``earlier`` to the date ``later``, as each database counts."""
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _utc_day(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), zone)


def _share(part: int, whole: int) -> Decimal | None:
    return _round(Decimal(part) / Decimal(whole)) if whole else None


def _round(value, places: str = "0.0001") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- unmet needs -----------------------------------------------------------------------------


def unmet_needs(bureau: Tenant, filters: Filters, today: date) -> list[dict]:
    """The bureau's open needs that no active referral serves, by street, need dimension
    and urgency: how many, how long open (the oldest and on average, in days), and why
    the latest matching run that considered each could not serve it — the map of what
    to buy next. ``filters``: dimension and area (the period does not apply: a need is
    unmet now)."""
    served = (
        select(Referral.id).where(Referral.need_id == Need.id, Referral.status.in_(ACTIVE)).exists()
    )
    latest = (
        select(UnmatchedNeed.need_id, func.max(UnmatchedNeed.run_id).label("run_id"))
        .group_by(UnmatchedNeed.need_id)
        .subquery()
    )
    reason = (
        select(UnmatchedNeed.need_id, UnmatchedNeed.reason)
        .join(
            latest,
            (latest.c.need_id == UnmatchedNeed.need_id) & (latest.c.run_id == UnmatchedNeed.run_id),
        )
        .subquery()
    )
    age = _days_between(literal(today, Date), Need.opened_on)
    street = Area.parent_code
    query = (
        select(
            street.label("street_code"),
            Need.dimension,
            Need.urgency,
            reason.c.reason,
            func.count().label("needs"),
            func.max(age).label("oldest_days"),
            func.sum(age).label("days"),
        )
        .select_from(Need)
        .join(Household, Household.id == Need.household_id)
        .join(Area, Area.code == Household.area_code)
        .outerjoin(reason, reason.c.need_id == Need.id)
        .where(Need.tenant_id == bureau.id, Need.status == NeedStatus.open, ~served)
        .group_by(street, Need.dimension, Need.urgency, reason.c.reason)
    )
    if filters.dimension is not None:
        query = query.where(Need.dimension == filters.dimension)
    if filters.area_code is not None:
        query = query.where(within(db.session.get(Area, filters.area_code)))
    groups: dict[tuple, dict] = {}
    for row in db.session.execute(query):
        key = (row.street_code, str(row.dimension), str(row.urgency))
        group = groups.setdefault(
            key,
            {"street_code": key[0], "dimension": key[1], "urgency": key[2], "needs": 0,
             "oldest_days": 0, "days": 0, "reasons": {}},
        )  # fmt: skip
        group["needs"] += row.needs
        group["oldest_days"] = max(group["oldest_days"], int(row.oldest_days))
        group["days"] += int(row.days)
        group["reasons"][str(row.reason) if row.reason else "not_matched_yet"] = row.needs
    names = dict(
        db.session.execute(
            select(Area.code, Area.name).where(Area.code.in_({k[0] for k in groups}))
        ).all()
    )
    found = []
    for group in groups.values():
        days = group.pop("days")
        found.append(
            {
                **group,
                "street_name": names.get(group["street_code"], group["street_code"]),
                "mean_age_days": _round(Decimal(days) / group["needs"], "0.1"),
            }
        )
    urgency_rank = {"emergency": 0, "priority": 1, "routine": 2}
    return sorted(found, key=lambda g: (urgency_rank[g["urgency"]], -g["needs"], g["street_code"]))


# --- staffing and review work ----------------------------------------------------------------

TREND_MONTHS = 6  # months of each provider's social-work post share shown beside today's


def staffing(viewer: Tenant, today: date) -> list[dict]:
    """Each provider's social-work post share against its threshold today (a bureau's
    pool's providers, short of their share first; a provider: itself), with its monthly
    record of the last months from the snapshots the daily job keeps."""
    if viewer.type is TenantType.bureau:
        rows = workforce.providers_overview(viewer, today)
    else:
        rows = [{"provider": viewer, "compliance": workforce.compliance(viewer, today)}]
    since = add_months(today.replace(day=1), -(TREND_MONTHS - 1))
    ids = [row["provider"].id for row in rows]
    trend: dict[int, dict[date, ComplianceSnapshot]] = {}
    for snapshot in db.session.scalars(
        select(ComplianceSnapshot)
        .where(ComplianceSnapshot.tenant_id.in_(ids), ComplianceSnapshot.month >= since)
        .execution_options(all_tenants=True)  # the providers' rows, read on purpose
    ):
        trend.setdefault(snapshot.tenant_id, {})[snapshot.month] = snapshot
    months = [add_months(since, k) for k in range(TREND_MONTHS)]
    return [
        {
            **row,
            "months": [
                (month, _snapshot_share(trend.get(row["provider"].id, {}).get(month)))
                for month in months
            ],
        }
        for row in rows
    ]


def _snapshot_share(snapshot) -> dict | None:
    if snapshot is None:
        return None
    share = (
        _round(Decimal(snapshot.numerator) / Decimal(snapshot.denominator))
        if snapshot.denominator
        else None
    )
    return {"share": share, "min_share": snapshot.min_share, "compliant": snapshot.compliant}


# --- a contract's report for a period ---------------------------------------------------------

REPORT_DELIVERIES = 500  # deliveries listed in a printed report (the totals count all)


def contract_report(contract: Contract, filters: Filters, today: date) -> dict:
    """What a contract's printed report for a period holds: its drawdown to date, the
    units and amounts delivered in the period per item (summed in SQL) and the first
    REPORT_DELIVERIES deliveries, and the funnel of its referrals offered in the period."""
    in_period = (
        Delivery.contract_id == contract.id,
        Delivery.delivered_on >= filters.since,
        Delivery.delivered_on <= filters.until,
    )
    per_item = db.session.execute(
        select(Delivery.contract_item_id, func.sum(Delivery.units), func.sum(Delivery.amount_fen))
        .where(*in_period)
        .group_by(Delivery.contract_item_id)
    ).all()
    delivered = {item: (units, fen) for item, units, fen in per_item}
    deliveries = db.session.scalars(
        select(Delivery)
        .where(*in_period)
        .order_by(Delivery.delivered_on, Delivery.id)
        .limit(REPORT_DELIVERIES)
    ).all()
    funnel = referral_measures(
        db.session.get(Tenant, contract.tenant_id),
        Filters(filters.since, filters.until, contract_id=contract.id),
    )
    return {
        "measures": contract_measures(contract, today),
        "in_period": {
            "items": [
                {"item_id": i, "units": u, "amount_fen": f} for i, (u, f) in delivered.items()
            ],
            "units": sum(u for u, _f in delivered.values()),
            "amount_fen": sum(f for _u, f in delivered.values()),
        },
        "deliveries": deliveries,
        "deliveries_listed_all": len(deliveries) < REPORT_DELIVERIES,
        "funnel": funnel,
    }


# --- providers side by side -------------------------------------------------------------------


def provider_scorecards(bureau: Tenant, filters: Filters) -> list[dict]:
    """Each provider the bureau referred to in the period, with its figures side by
    side: offered, taken on, declined, expired, completed, the acceptance and completion
    rates and the mean satisfaction — grouped in SQL, the busiest first."""
    with all_tenants():
        scope = _referrals(bureau, filters).subquery()
        status = scope.c.status
        rows = db.session.execute(
            select(
                scope.c.provider_id,
                func.count(),
                func.count(case((status.in_(TOOK_ON), 1))),
                func.count(case((status == ReferralStatus.declined, 1))),
                func.count(case((status == ReferralStatus.expired, 1))),
                func.count(case((status == ReferralStatus.completed, 1))),
                func.count(case((status == ReferralStatus.closed_unresolved, 1))),
                func.avg(cast(scope.c.satisfaction, Float)),
            ).group_by(scope.c.provider_id)
        ).all()
        names = dict(
            db.session.execute(
                select(Tenant.id, Tenant.name).where(Tenant.id.in_([r[0] for r in rows]))
            ).all()
        )
    cards = []
    for provider_id, offered, took_on, declined, expired, completed, unresolved, mean in rows:
        cards.append(
            {
                "provider_id": provider_id,
                "provider_name": names.get(provider_id, ""),
                "offered": offered,
                "took_on": took_on,
                "declined": declined,
                "expired": expired,
                "completed": completed,
                "acceptance_rate": _share(took_on, took_on + declined + expired),
                "completion_rate": _share(completed, completed + unresolved),
                "satisfaction": _round(mean, "0.01") if mean is not None else None,
            }
        )
    return sorted(cards, key=lambda c: (-c["offered"], c["provider_name"]))


def drawdowns(viewer: Tenant, today: date) -> list[dict]:
    """The viewer's active contracts (a bureau's, or those naming the provider) with
    their units, spending and burn, summed in one SQL statement: the dashboard's list.
    Read across tenants on purpose for a provider (the contracts are the bureaus')."""
    visible = (
        Contract.tenant_id == viewer.id
        if viewer.type is TenantType.bureau
        else Contract.provider_id == viewer.id
    )
    rows = db.session.execute(
        select(
            Contract.id,
            Contract.number,
            Contract.title,
            Contract.budget_fen,
            Contract.spent_fen,
            Contract.starts_on,
            Contract.ends_on,
            func.sum(ContractItem.units).label("units"),
            func.sum(ContractItem.units_delivered).label("delivered"),
        )
        .join(ContractItem, ContractItem.contract_id == Contract.id)
        .where(visible, Contract.status == ContractStatus.active)
        .group_by(Contract.id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .execution_options(all_tenants=True)
    ).all()
    return [
        {
            "contract_id": row.id,
            "number": row.number,
            "title": row.title,
            "units": int(row.units),
            "delivered": int(row.delivered),
            "budget_fen": row.budget_fen,
            "spent_fen": row.spent_fen,
            **_burn(row.starts_on, row.ends_on, row.spent_fen, row.budget_fen, today),
        }
        for row in rows
    ]


def _burn(starts_on: date, ends_on: date, spent_fen: int, budget_fen: int, today: date) -> dict:
    """The share of the budget spent beside the share of the period elapsed: on track
    within MONITORING_BURN_TOLERANCE of it, else behind or ahead."""
    days = (ends_on - starts_on).days + 1
    elapsed = Decimal(min(max((today - starts_on).days + 1, 0), days)) / Decimal(days)
    spent = Decimal(spent_fen) / Decimal(budget_fen)
    tolerance = Decimal(str(current_app.config["MONITORING_BURN_TOLERANCE"]))
    burn = (
        "behind"
        if spent < elapsed - tolerance
        else "ahead"
        if spent > elapsed + tolerance
        else "on_track"
    )
    return {"elapsed_share": _round(elapsed), "spent_share": _round(spent), "burn": burn}
