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
from aidbridge.pool.models import Service
from aidbridge.referrals.models import (
    ACTIVE,
    TOOK_ON,
    CaseOutcome,
    DeclineReason,
    Referral,
    ReferralStatus,
)
from aidbridge.tenancy import all_tenants
from aidbridge.vocab import Severity, Urgency
from aidbridge.workforce import service as workforce
from aidbridge.workforce.models import ComplianceSnapshot

# Percentiles reported for the times to accept and to first service.
PERCENTILES = {"median": (1, 2), "p90": (9, 10)}
SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}
URGENCY_RANK = {Urgency.emergency: 0, Urgency.priority: 1, Urgency.routine: 2}


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
    status, reason, outcome = scope.c.status, scope.c.decline_reason, scope.c.outcome
    before = case(SEVERITY_RANK, value=scope.c.severity_before)
    after = case(SEVERITY_RANK, value=scope.c.severity_after)
    # One pass over the period's referrals for every count (the percentiles and the
    # re-referrals need statements of their own).
    counted = {
        "offered": func.count(),
        **{f"status:{s}": func.count(case((status == s, 1))) for s in ReferralStatus},
        **{f"reason:{r}": func.count(case((reason == r, 1))) for r in DeclineReason},
        **{f"outcome:{o}": func.count(case((outcome == o, 1))) for o in CaseOutcome},
        "with_outcome": func.count(outcome),
        "satisfaction": func.avg(cast(scope.c.satisfaction, Float)),
        "rated": func.count(scope.c.satisfaction),
        # Closed cases whose need was re-assessed at closing.
        "improved": func.count(case((after < before, 1))),
        "unchanged": func.count(case((after == before, 1))),
        "worse": func.count(case((after > before, 1))),
    }
    found = dict(zip(counted, db.session.execute(select(*counted.values())).one(), strict=True))
    by_status = {s: found[f"status:{s}"] for s in ReferralStatus}
    took_on = sum(by_status[s] for s in TOOK_ON)
    answered = took_on + by_status[ReferralStatus.declined] + by_status[ReferralStatus.expired]
    closed = by_status[ReferralStatus.completed] + by_status[ReferralStatus.closed_unresolved]
    return {
        "offered": found["offered"],
        "by_status": {str(s): n for s, n in by_status.items()},
        "took_on": took_on,
        "declined_by_reason": {str(r): found[f"reason:{r}"] for r in DeclineReason},
        "outcomes": {str(o): found[f"outcome:{o}"] for o in CaseOutcome},
        "acceptance_rate": _share(took_on, answered),
        "completion_rate": _share(by_status[ReferralStatus.completed], closed),
        "loop_closure_rate": _share(found["with_outcome"], took_on),
        "hours_to_accept": _percentiles(
            select(_seconds(scope.c.answered_at, scope.c.offered_at) / 3600).where(
                status.in_(TOOK_ON)
            )
        ),
        "days_to_first_service": _percentiles(_days_to_first_service(scope)),
        "satisfaction": _round(found["satisfaction"], "0.01") if found["rated"] else None,
        "rated": found["rated"],
        "severity": {k: found[k] for k in ("improved", "unchanged", "worse")},
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


def _days_to_first_service(scope):
    """Whole days from the day a referral was taken on, where the users are, to the day of
    its first service (kept on the referral): a record is dated, not timed, so a visit
    the same day is 0."""
    first = scope.c.first_served_on
    return select(_days_between(first, _local_day(scope.c.answered_at))).where(first.is_not(None))


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


def _unmet_scope(bureau: Tenant, filters: Filters, today: date, urgency=None):
    """The bureau's open needs that no active referral serves (of one urgency when
    given), with their household's community, age in days and why the latest matching
    run that considered each could not serve it: what the unmet-needs figures count and
    list."""
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
    query = (
        select(
            Need.id.label("need_id"),
            Need.household_id,
            Household.area_code,
            Area.parent_code.label("street_code"),
            Need.dimension,
            Need.urgency,
            Need.opened_on,
            _days_between(literal(today, Date), Need.opened_on).label("age"),
            reason.c.reason,
        )
        .select_from(Need)
        .join(Household, Household.id == Need.household_id)
        .join(Area, Area.code == Household.area_code)
        .outerjoin(reason, reason.c.need_id == Need.id)
        .where(Need.tenant_id == bureau.id, Need.status == NeedStatus.open, ~served)
    )
    if filters.dimension is not None:
        query = query.where(Need.dimension == filters.dimension)
    if filters.area_code is not None:
        query = query.where(within(db.session.get(Area, filters.area_code)))
    if urgency is not None:
        query = query.where(Need.urgency == urgency)
    return query


def unmet_needs(bureau: Tenant, filters: Filters, today: date) -> list[dict]:
    """The bureau's unmet needs by street, need dimension and urgency: how many, how long
    open (the oldest and on average, in days), and why unmatched — the map of what to buy
    next. ``filters``: dimension and area (the period does not apply: a need is unmet
    now)."""
    needs = _unmet_scope(bureau, filters, today).subquery()
    query = select(
        needs.c.street_code,
        needs.c.dimension,
        needs.c.urgency,
        needs.c.reason,
        func.count().label("needs"),
        func.max(needs.c.age).label("oldest_days"),
        func.sum(needs.c.age).label("days"),
    ).group_by(needs.c.street_code, needs.c.dimension, needs.c.urgency, needs.c.reason)
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
        reasons = sorted(group.pop("reasons").items(), key=lambda r: (-r[1], r[0]))
        found.append(
            {
                **group,
                "street_name": names.get(group["street_code"], group["street_code"]),
                "mean_age_days": _round(Decimal(days) / group["needs"], "0.1"),
                "reasons": dict(reasons),  # the most needs first
            }
        )
    return sorted(found, key=lambda g: (URGENCY_RANK[g["urgency"]], -g["needs"], g["street_code"]))


def unmet_by_community(bureau: Tenant, filters: Filters, today: date, urgency=None) -> list[dict]:
    """The unmet needs of an area by community: how many, how many urgent (emergency or
    priority), the oldest's age — the area breakdown, the most first."""
    needs = _unmet_scope(bureau, filters, today, urgency).subquery()
    urgent = needs.c.urgency.in_((Urgency.emergency, Urgency.priority))
    rows = db.session.execute(
        select(
            needs.c.area_code,
            Area.name,
            func.count().label("needs"),
            func.count(case((urgent, 1))).label("urgent"),
            func.max(needs.c.age).label("oldest_days"),
        )
        .join(Area, Area.code == needs.c.area_code)
        .group_by(needs.c.area_code, Area.name)
        .order_by(func.count().desc(), needs.c.area_code)
    ).all()
    return [
        {
            "area_code": row.area_code,
            "area_name": row.name,
            "needs": row.needs,
            "urgent": row.urgent,
            "oldest_days": int(row.oldest_days),
        }
        for row in rows
    ]


def unmet_needs_listed(bureau: Tenant, filters: Filters, today: date, urgency=None):
    """The unmet needs themselves, as rows for a table (the need, its household and
    community, urgency, when opened and why unmatched), the most urgent and oldest
    first."""
    query = _unmet_scope(bureau, filters, today, urgency)
    needs = query.subquery()
    rank = case(URGENCY_RANK, value=needs.c.urgency)
    return (
        select(needs, Area.name.label("area_name"))
        .join(Area, Area.code == needs.c.area_code)
        .order_by(rank, needs.c.opened_on, needs.c.need_id)
    )


# --- staffing and review work ----------------------------------------------------------------

TREND_MONTHS = 6  # months of each provider's social-work post share shown beside today's


def staffing(viewer: Tenant, today: date, provider_id: int | None = None) -> list[dict]:
    """Each provider's social-work post share against its threshold today (a bureau's
    pool's providers, short of their share first, or the one given; a provider: itself),
    with its monthly record of the last months from the snapshots the daily job keeps."""
    if viewer.type is TenantType.bureau:
        rows = workforce.providers_overview(viewer, today)
    else:
        rows = [{"provider": viewer, "compliance": workforce.compliance(viewer, today)}]
    if provider_id is not None:
        rows = [row for row in rows if row["provider"].id == provider_id]
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


# --- the referrals behind a figure ----------------------------------------------------------


def referrals_behind(viewer: Tenant, filters: Filters, subset: dict):
    """The referrals a figure counts, as rows for a table, the latest offered first: the
    period's (the same scope as the figures, so the list holds exactly what the number
    counts), narrowed by ``subset`` to one ``status``, those ``taken_on``, one
    ``decline_reason`` or one ``outcome``. No names: the need, the community, the other
    side, the service and the contract. Read across tenants on purpose, as the figures."""
    query = _referrals(viewer, filters)
    if subset.get("status") is not None:
        query = query.where(Referral.status == subset["status"])
    if subset.get("taken_on"):
        query = query.where(Referral.status.in_(TOOK_ON))
    for name in ("decline_reason", "outcome"):
        if subset.get(name) is not None:
            query = query.where(getattr(Referral, name) == subset[name])
    found = query.subquery()
    other_side = found.c.provider_id if viewer.type is TenantType.bureau else found.c.tenant_id
    return (
        select(
            found.c.id,
            found.c.offered_at,
            Need.dimension,
            found.c.urgency,
            Area.name.label("area_name"),
            Tenant.name.label("other_side"),
            Service.name.label("service_name"),
            Contract.number.label("contract_number"),
            found.c.status,
            found.c.decline_reason,
            found.c.outcome,
            found.c.satisfaction,
        )
        .join(Need, Need.id == found.c.need_id)
        .join(Household, Household.id == found.c.household_id)
        .join(Area, Area.code == Household.area_code)
        .join(Tenant, Tenant.id == other_side)
        .join(Service, Service.id == found.c.service_id)
        .outerjoin(Contract, Contract.id == found.c.contract_id)
        .order_by(found.c.offered_at.desc(), found.c.id.desc())
        .execution_options(all_tenants=True)
    )


def filter_names(viewer: Tenant, filters: Filters) -> dict[str, str]:
    """What the filters name, as a list's caption says it: the provider, the contract
    (when the viewer is a party to it) and the area."""
    names = {}
    if filters.provider_id is not None and (provider := find_provider(viewer, filters.provider_id)):
        names["provider"] = provider.name
    if filters.contract_id is not None:
        number = db.session.scalar(
            select(Contract.number)
            .where(Contract.id == filters.contract_id, _party_to(viewer))
            .execution_options(all_tenants=True)  # a provider's contracts are the bureaus'
        )
        if number is not None:
            names["contract"] = number
    if filters.area_code is not None:
        names["area"] = db.session.get(Area, filters.area_code).name
    return names


def _party_to(viewer: Tenant):
    return (
        Contract.tenant_id == viewer.id
        if viewer.type is TenantType.bureau
        else Contract.provider_id == viewer.id
    )


def find_provider(viewer: Tenant, provider_id: int) -> Tenant | None:
    """The provider whose scorecard ``viewer`` may read: for a bureau, a charity or agency
    of its pool; for a provider, itself only."""
    if viewer.type is TenantType.bureau:
        return workforce.find_provider(viewer, provider_id)
    return viewer if provider_id == viewer.id else None


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


def drawdowns(viewer: Tenant, today: date, provider_id: int | None = None) -> list[dict]:
    """The viewer's active contracts (a bureau's, or those naming the provider; of one
    provider when given) with their units, spending and burn, summed in one SQL
    statement: the dashboard's list. Read across tenants on purpose for a provider (the
    contracts are the bureaus')."""
    visible = _party_to(viewer)
    if provider_id is not None:
        visible = visible & (Contract.provider_id == provider_id)
    rows = db.session.execute(
        select(
            Contract.id,
            Contract.provider_id,
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
            "provider_id": row.provider_id,
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
