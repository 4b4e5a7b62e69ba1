"""Matching runs: starting them, running them (a job), matching one need at once, and
previewing what more capacity would serve.

A run loads its scope's candidates (``candidates``), solves the problem exactly
(``solver.solve``; the greedy reference stands in should the solver fail, and its
result is kept beside the optimum to show the gap), and writes what it found: the
matches as proposed referrals, each holding one place of its service and, for a
contract-funded service, one unit of the contract item and its price; every need left
unmatched with its reasons. Nothing is handed out twice: the write locks the services
and contracts it draws on (``SELECT … FOR UPDATE``, in id order), checks that they
still have what the solution takes, and draws them down in the same transaction; a
need gets one active referral, which the database's unique index enforces. When a
concurrent run or instant match took capacity meanwhile, the run loads and solves
again; its last attempt locks the pool's services before it reads them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
from flask import current_app
from sqlalchemy import bindparam, case, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from aidbridge.accounts.models import Tenant, TenantStatus, TenantType, User
from aidbridge.accounts.permissions import Permission
from aidbridge.areas.models import Area, AreaLevel
from aidbridge.areas.service import within
from aidbridge.audit import service as audit
from aidbridge.clock import local_today, utcnow
from aidbridge.contracts.models import Contract, ContractItem, ContractStatus
from aidbridge.errors import Conflict, InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.jobs import claim, enqueue
from aidbridge.matching import candidates as loader
from aidbridge.matching import explain
from aidbridge.matching.candidates import Candidates, Hypothetical, Scenario, Scope
from aidbridge.matching.costs import default_weights
from aidbridge.matching.model import URGENCY_RANK, Problem, Solution
from aidbridge.matching.models import (
    OPEN_STATUSES,
    MatchingRun,
    RunMode,
    RunStatus,
    UnmatchedNeed,
)
from aidbridge.matching.solver import greedy, solve
from aidbridge.needs.models import Need, NeedStatus
from aidbridge.notifications.service import notify
from aidbridge.pool.models import Service, ServiceStatus
from aidbridge.pool.service import published_in_pool
from aidbridge.pool.taxonomy import check_subcategory
from aidbridge.referrals.models import ACTIVE, Referral, ReferralStatus
from aidbridge.referrals.service import bureau_referrals
from aidbridge.tenancy import tenant_context

JOB = "matching.run"
# The write goes by the tables (bulk statements, no ORM bookkeeping).
SERVICE, REFERRAL, UNMATCHED = Service.__table__, Referral.__table__, UnmatchedNeed.__table__
CONTRACT, ITEM, TENANT = Contract.__table__, ContractItem.__table__, Tenant.__table__
# The advisory lock's first key: a bureau's referral writes (the second is its id).
WRITE_LOCK = 6
URGENCIES = [str(u) for u, _rank in sorted(URGENCY_RANK.items(), key=lambda kv: -kv[1])]
RUN_FAILED = N_("the run failed; nothing of it was written")
STALLED = N_("the run stopped before it finished (its worker ended); nothing of it was written")
NEVER_RAN = N_("the run was queued but never started (its job was lost); nothing was written")
NOT_QUEUED = N_("the run could not be queued; nothing was written")


class CapacityChanged(Exception):
    """Between the read and the write, what the solution takes was taken meanwhile."""


# --- starting a run ------------------------------------------------------------------------


def scope_area(bureau: Tenant, area_code: str | None) -> Area:
    """The area a run covers: the bureau's jurisdiction, or an area inside it."""
    if area_code is None:
        return bureau.jurisdiction
    area = db.session.get(Area, area_code)
    if area is None:
        raise InvalidInput.field("area_code", N_("unknown administrative area code"))
    if not bureau.jurisdiction.contains(area):
        raise InvalidInput.field("area_code", N_("outside your organisation's jurisdiction"))
    return area


def run_weights(asked: dict | None) -> dict[str, int]:
    """The settings' weights with those asked for instead (checked by the schema)."""
    return {**default_weights(current_app.config), **(asked or {})}


def start_run(bureau: Tenant, user: User | None, data: dict, mode: RunMode = RunMode.batch):
    """Queue a run for the jurisdiction or an area of it and start its job (on a worker;
    in process without Redis, so the run returned is finished). A scope with a run
    queued or running is refused (409), also when two start at the same moment."""
    area = scope_area(bureau, data.get("area_code"))
    if db.session.scalar(_open_run(area.code)) is not None:
        raise Conflict.field("area_code", N_("a matching run for this area is already under way"))
    run = MatchingRun(
        tenant_id=bureau.id,
        mode=mode,
        area_code=area.code,
        status=RunStatus.queued,
        weights=run_weights(data.get("weights")),
        started_by_id=user.id if user else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        raise Conflict.field(
            "area_code", N_("a matching run for this area is already under way")
        ) from None
    audit.record(
        "matching.run_started", "matching_run", run.id, tenant_id=bureau.id,
        after={"area_code": area.code, "mode": str(mode), "weights": run.weights},
    )  # fmt: skip
    run_id, bureau_id = run.id, bureau.id
    # The job reads the run in a session of its own: commit it first. Nothing is read
    # after the commit until the job has run (on SQLite a read would fix the
    # transaction's view), so what it wrote in process is what is read next.
    db.session.commit()
    try:
        enqueue(JOB, run_id, tenant_id=bureau_id)
    except Exception:
        # Not queued (Redis unreachable): the run must not hold its scope as "queued".
        db.session.rollback()
        _fail(db.session.get(MatchingRun, run_id), NOT_QUEUED)
        db.session.commit()
        raise
    return db.session.get(MatchingRun, run_id)


def _open_run(area_code: str):
    return select(MatchingRun.id).where(
        MatchingRun.area_code == area_code, MatchingRun.status.in_(OPEN_STATUSES)
    )


# --- running it (the job) ------------------------------------------------------------------


def execute(run_id: int) -> RunStatus | None:
    """Run a queued run, in its bureau's scope. Running it again does nothing."""
    run = claim(MatchingRun, run_id, RunStatus.queued, RunStatus.running)
    if run is None:
        return None
    try:
        _match(run, Scope(_bureau(run), run.area, local_today()))
        run.status = RunStatus.succeeded
    except Exception:
        # Nothing of it is kept; the run says so rather than staying "running".
        db.session.rollback()
        current_app.logger.exception("matching run %s failed", run_id)
        run = db.session.get(MatchingRun, run_id)
        run.status, run.error = RunStatus.failed, RUN_FAILED
    run.finished_at = utcnow()
    _tell(run)
    return run.status


def _bureau(run: MatchingRun) -> Tenant:
    return db.session.get(Tenant, run.tenant_id)


def _tell(run: MatchingRun) -> None:
    """The bureau's matchers hear of a finished batch (the nightly one above all)."""
    if run.mode is RunMode.instant:
        return
    counts = run.counts or {}
    notify(
        run.tenant_id,
        Permission.run_matching,
        "matching_run_finished",
        N_("Matching run %(run)s: %(matched)s needs matched, %(unmatched)s unmatched")
        if run.status is RunStatus.succeeded
        else N_("Matching run %(run)s failed: nothing was written"),
        {
            "run": run.id,
            "matched": sum(counts.get("matched", {}).values()),
            "unmatched": sum(counts.get("unmatched", {}).values()),
            "url": f"/matching/runs/{run.id}",
        },
    )


def fail_stalled(now: datetime) -> int:
    """Fail the runs still "running" long after they started — their worker ended
    mid-run, and their transaction, never committed, wrote nothing — and those still
    "queued" as long after they were queued (their job was lost), so that neither keeps
    its scope from the next run. Returns how many."""
    before = now - timedelta(seconds=current_app.config["MATCHING_RUN_STALLED_AFTER"])
    stalled = db.session.scalars(
        select(MatchingRun).where(
            or_(
                (MatchingRun.status == RunStatus.running) & (MatchingRun.started_at < before),
                (MatchingRun.status == RunStatus.queued) & (MatchingRun.created_at < before),
            )
        )
    ).all()
    for run in stalled:
        _fail(run, STALLED if run.status is RunStatus.running else NEVER_RAN, now)
    return len(stalled)


def _fail(run: MatchingRun, why: str, now: datetime | None = None) -> None:
    run.status, run.error, run.finished_at = RunStatus.failed, why, now or utcnow()


def start_nightly_runs(now_local: datetime) -> int:
    """In the configured night hour, a run for each active bureau's jurisdiction, once a
    night (a bureau with a run already under way is left to it). Returns how many."""
    if now_local.hour != current_app.config["MATCHING_NIGHTLY_HOUR"]:
        return 0
    night_began = now_local.replace(hour=0, minute=0, second=0, microsecond=0)
    started = 0
    for bureau in db.session.scalars(
        select(Tenant)
        .where(Tenant.type == TenantType.bureau, Tenant.status == TenantStatus.active)
        .order_by(Tenant.id)
    ).all():
        with tenant_context(bureau.id):
            tonight = db.session.scalar(
                select(MatchingRun.id).where(
                    MatchingRun.mode == RunMode.nightly, MatchingRun.created_at >= night_began
                )
            )
            if tonight is not None or db.session.scalar(_open_run(bureau.jurisdiction_code)):
                continue
            start_run(bureau, None, {}, RunMode.nightly)
            started += 1
    return started


# --- matching ------------------------------------------------------------------------------


def _match(run: MatchingRun, scope: Scope) -> list[dict]:
    """Load, solve and write, again while capacity changes under it (the last attempt
    locks first). Returns the matches written. The run gets its counts and timings."""
    config = current_app.config
    attempts = config["MATCHING_ATTEMPTS"]
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        last = attempt == attempts
        if last:
            _serialise_writes(run.tenant_id)
        found = loader.load(scope, run.weights, config, lock=last)
        timings = dict(found.seconds)
        solution, reference, solver, timings = _solve(found.problem, timings)
        clock = time.perf_counter()
        matched = explain.matches(found, solution, config["MATCHING_ALTERNATIVES"])
        unmatched = explain.unmatched(found, solution)
        timings["explain"] = time.perf_counter() - clock
        clock = time.perf_counter()
        try:
            with db.session.begin_nested():
                _write(run, matched, unmatched)
        except (CapacityChanged, IntegrityError):
            if attempt == attempts:
                raise
            continue
        timings["write"] = time.perf_counter() - clock
        timings["total"] = time.perf_counter() - started
        run.counts = _counts(found, solution, reference, unmatched, attempt)
        run.timings = {name: round(seconds, 3) for name, seconds in timings.items()}
        run.cost, run.solver = solution.cost, solver
        audit.record(
            "matching.run_finished", "matching_run", run.id, tenant_id=run.tenant_id,
            after={"matched": len(matched), "unmatched": len(unmatched)},
        )  # fmt: skip
        return matched
    raise AssertionError("unreachable")


def _solve(problem: Problem, timings: dict) -> tuple[Solution, Solution, str, dict]:
    """The optimum, and the greedy reference beside it (it stands in, should the exact
    solver fail)."""
    clock = time.perf_counter()
    reference = greedy(problem)
    timings["greedy"] = time.perf_counter() - clock
    clock = time.perf_counter()
    try:
        solution, solver = solve(problem), "min_cost_flow"
    except RuntimeError:
        current_app.logger.exception("the min-cost flow failed: the greedy result stands")
        solution, solver = reference, "greedy"
    timings["solve"] = time.perf_counter() - clock
    return solution, reference, solver, timings


def _counts(found: Candidates, solution: Solution, reference: Solution, unmatched, attempt):
    n, m, arcs = found.problem.size

    def by_urgency(s: Solution) -> dict[str, int]:
        return {str(u): s.served_by_urgency.get(rank, 0) for u, rank in URGENCY_RANK.items()}

    return {
        "needs": n,
        "services": m,
        "pairs": found.pairs,
        "candidates": arcs,
        "matched": by_urgency(solution),
        "unmatched": dict(Counter(row["reason"] for row in unmatched)),
        "greedy": {"matched": by_urgency(reference), "cost": reference.cost},
        "attempts": attempt,
    }


def _write(run: MatchingRun, matched: list[dict], unmatched: list[dict]) -> None:
    """Draw down what the matches take (locked, checked afresh) and write the referrals
    and the unmatched needs. Raises CapacityChanged when something was taken meanwhile.
    The services and contracts are other tenants' rows: drawn down across tenants on
    purpose, as booking a place is."""
    _serialise_writes(run.tenant_id)
    places = Counter(row["service_id"] for row in matched)
    # Still offered (published, by an active provider) and with the places taken: a
    # service paused or a provider suspended since the load is "changed" too.
    fresh = dict(
        db.session.execute(
            select(SERVICE.c.id, SERVICE.c.capacity_available)
            .join(TENANT, TENANT.c.id == SERVICE.c.tenant_id)
            .where(
                SERVICE.c.id.in_(sorted(places)),
                SERVICE.c.status == ServiceStatus.published,
                TENANT.c.status == TenantStatus.active,
            )
            .order_by(SERVICE.c.id)
            .with_for_update(of=SERVICE)
        ).all()
    )
    if any(fresh.get(service, 0) < taken for service, taken in places.items()):
        raise CapacityChanged
    _hold_contract_units(
        run, Counter(r["contract_item_id"] for r in matched if r["contract_item_id"])
    )
    if places:
        db.session.execute(
            update(SERVICE)
            .where(SERVICE.c.id == bindparam("b_service"))
            .values(capacity_available=SERVICE.c.capacity_available - bindparam("b_taken")),
            [{"b_service": s, "b_taken": n} for s, n in places.items()],
        )
    now = utcnow()
    if matched:
        db.session.execute(
            insert(REFERRAL),
            [
                {
                    **row,
                    "tenant_id": run.tenant_id,
                    "run_id": run.id,
                    "status": ReferralStatus.proposed,
                    "status_changed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for row in matched
            ],
        )
    if unmatched:
        db.session.execute(
            insert(UNMATCHED),
            [{**row, "tenant_id": run.tenant_id, "run_id": run.id} for row in unmatched],
        )


def _serialise_writes(bureau_id: int) -> None:
    """One writer of a bureau's referrals at a time (PostgreSQL; SQLite writes one at a
    time anyway): a run that took the lock before it read its needs cannot find one of
    them referred meanwhile by another run or instant match of the bureau."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:kind, :bureau)"),
            {"kind": WRITE_LOCK, "bureau": bureau_id},
        )


def _hold_contract_units(run: MatchingRun, units: Counter) -> None:
    """Hold one unit of each contract item per match, and its price on the contract,
    under the contracts' locks (an active contract's, in its period); or raise
    CapacityChanged. Each contract's log says what the run holds of it."""
    if not units:
        return
    lines = db.session.execute(
        select(ITEM.c.id, ITEM.c.contract_id, ITEM.c.unit_price_fen).where(
            ITEM.c.id.in_(sorted(units))
        )
    ).all()
    price = Counter()
    for line in lines:
        price[line.contract_id] += units[line.id] * line.unit_price_fen
    # The contracts first, as a delivery locks them: then their items, read afresh.
    today = local_today()
    contracts = db.session.execute(
        select(
            CONTRACT.c.id,
            CONTRACT.c.tenant_id,
            (CONTRACT.c.budget_fen - CONTRACT.c.spent_fen - CONTRACT.c.reserved_fen).label("left"),
        )
        .where(
            CONTRACT.c.id.in_(sorted(price)),
            CONTRACT.c.status == ContractStatus.active,
            CONTRACT.c.starts_on <= today,
            CONTRACT.c.ends_on >= today,
        )
        .order_by(CONTRACT.c.id)
        .with_for_update()
    ).all()
    left = {c.id: c.left for c in contracts}
    if left.keys() != price.keys():  # a contract suspended or closed meanwhile
        raise CapacityChanged
    units_left = dict(
        db.session.execute(
            select(ITEM.c.id, ITEM.c.units - ITEM.c.units_delivered - ITEM.c.units_reserved).where(
                ITEM.c.id.in_(sorted(units))
            )
        ).all()
    )
    if any(units_left[item] < taken for item, taken in units.items()) or any(
        left[contract] < fen for contract, fen in price.items()
    ):
        raise CapacityChanged
    db.session.execute(
        update(ITEM)
        .where(ITEM.c.id == bindparam("b_item"))
        .values(units_reserved=ITEM.c.units_reserved + bindparam("b_taken")),
        [{"b_item": i, "b_taken": n} for i, n in units.items()],
    )
    db.session.execute(
        update(CONTRACT)
        .where(CONTRACT.c.id == bindparam("b_contract"))
        .values(reserved_fen=CONTRACT.c.reserved_fen + bindparam("b_fen")),
        [{"b_contract": c, "b_fen": f} for c, f in price.items()],
    )
    held: dict[int, dict[str, int]] = {}
    for line in lines:
        held.setdefault(line.contract_id, {})[str(line.id)] = units[line.id]
    for contract in contracts:
        audit.record(
            "contract.units_held", "contract", contract.id, tenant_id=contract.tenant_id,
            after={"run": run.id, "units": held[contract.id], "fen": price[contract.id]},
        )  # fmt: skip


# --- one need at once ----------------------------------------------------------------------


def match_now(bureau: Tenant, need: Need, user: User | None, data: dict) -> MatchingRun:
    """Match one need at once against the capacity left (an emergency, ALL-EM-2): an
    instant run of its own, written with the request. Returns the run (its match, or
    why there is none, is the run's)."""
    if need.status is not NeedStatus.open:
        raise InvalidInput.field("need_id", N_("the need is closed"))
    if _referred(need):
        raise Conflict.field("need_id", N_("the need already has an active referral"))
    household = need.household
    now = utcnow()
    # Finished when it commits, with the request: never an open run of its scope.
    run = MatchingRun(
        tenant_id=bureau.id,
        mode=RunMode.instant,
        area_code=household.area_code,
        status=RunStatus.succeeded,
        weights=run_weights(data.get("weights")),
        started_by_id=user.id if user else None,
        created_at=now,
        started_at=now,
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "matching.run_started", "matching_run", run.id, tenant_id=bureau.id,
        after={"need": need.id, "mode": str(run.mode), "weights": run.weights},
    )  # fmt: skip
    matched = _match(run, Scope(bureau, household.area, local_today(), need_ids=(need.id,)))
    if not matched and _referred(need):  # a run referred it while this one ran
        raise Conflict.field("need_id", N_("the need already has an active referral"))
    run.finished_at = utcnow()
    return run


def _referred(need: Need) -> bool:
    return (
        db.session.scalar(
            select(Referral.id).where(Referral.need_id == need.id, Referral.status.in_(ACTIVE))
        )
        is not None
    )


# --- what if -------------------------------------------------------------------------------


def preview(bureau: Tenant, data: dict) -> dict:
    """How many more needs the scope would have served with more places on services of
    the pool, or with services that do not exist yet (a contract the bureau might sign),
    against the capacity there is now. Writes nothing."""
    area = scope_area(bureau, data.get("area_code"))
    added = _added_places(bureau, data.get("add_places", []))
    hypothetical = tuple(_hypothetical(bureau, data.get("add_services", [])))
    found = loader.load(
        Scope(bureau, area, local_today()),
        run_weights(data.get("weights")),
        current_app.config,
        Scenario(added, hypothetical),
    )
    problem = found.problem
    with_more = solve(problem)
    now = problem.service_places.copy()
    extra = np.array([added.get(int(i), 0) for i in problem.service_ids], dtype=np.int64)
    now = np.maximum(now - extra, 0)
    now[problem.service_ids < 0] = 0
    as_now = solve(replace(problem, service_places=now))
    return {
        "area_code": area.code,
        "needs": len(problem.need_ids),
        "now": _served(found, as_now),
        "with_more": _served(found, with_more),
        "more_served": with_more.served - as_now.served,
        "by_dimension": _by_dimension(found, as_now, with_more),
        "added": _uses(found, added, hypothetical, as_now, with_more),
    }


def _added_places(bureau: Tenant, asked: list[dict]) -> dict[int, int]:
    offered = set(
        db.session.scalars(
            published_in_pool(bureau)
            .with_only_columns(Service.id)
            .where(Service.id.in_([a["service_id"] for a in asked]))
        )
    )
    errors = {
        f"add_places.{i}.service_id": [N_("not a service published in your pool")]
        for i, a in enumerate(asked)
        if a["service_id"] not in offered
    }
    if errors:
        raise InvalidInput(N_("the request has invalid fields"), errors)
    added: Counter = Counter()
    for a in asked:
        added[a["service_id"]] += a["places"]
    return dict(added)


def _hypothetical(bureau: Tenant, asked: list[dict]):
    for i, a in enumerate(asked):
        field = f"add_services.{i}."
        area = db.session.get(Area, a["area_code"])
        if area is None or not bureau.jurisdiction.contains(area):
            raise InvalidInput.field(
                field + "area_code", N_("outside your organisation's jurisdiction")
            )
        check_subcategory(a["dimension"], a.get("subcategory"), field + "subcategory")
        yield Hypothetical(str(a["dimension"]), area.code, a["places"], a.get("subcategory"))


def _served(found: Candidates, solution: Solution) -> dict:
    return {
        "total": solution.served,
        "by_urgency": {
            str(u): solution.served_by_urgency.get(rank, 0) for u, rank in URGENCY_RANK.items()
        },
    }


def _by_dimension(found: Candidates, now: Solution, more: Solution) -> list[dict]:
    dimensions = found.needs.dimension
    problem = found.problem

    def served(solution: Solution) -> np.ndarray:
        return np.bincount(
            dimensions[problem.arc_need[solution.arcs]], minlength=len(loader.DIMENSIONS)
        )

    needs = np.bincount(dimensions, minlength=len(loader.DIMENSIONS))
    before, after = served(now), served(more)
    return [
        {
            "dimension": str(d),
            "needs": int(needs[i]),
            "now": int(before[i]),
            "with_more": int(after[i]),
        }
        for i, d in enumerate(loader.DIMENSIONS)
        if needs[i]
    ]


def _uses(found, added, hypothetical, now: Solution, more: Solution) -> list[dict]:
    """How many matches go through each service given more places, now and then."""
    problem = found.problem

    def used(solution: Solution) -> Counter:
        return Counter(problem.service_ids[problem.arc_service[solution.arcs]].tolist())

    before, after = used(now), used(more)
    rows = [
        {"service_id": service_id, "places": places, "now": before[service_id],
         "with_more": after[service_id]}
        for service_id, places in added.items()
    ]  # fmt: skip
    rows += [
        {"service_id": None, "dimension": h.dimension, "subcategory": h.subcategory,
         "area_code": h.area_code, "places": h.places, "now": 0, "with_more": after[-(i + 1)]}
        for i, h in enumerate(hypothetical)
    ]  # fmt: skip
    return rows


# --- reading -------------------------------------------------------------------------------


def runs_query(args: dict):
    """The bureau's runs, newest first."""
    query = select(MatchingRun).order_by(MatchingRun.created_at.desc(), MatchingRun.id.desc())
    if args.get("status"):
        query = query.where(MatchingRun.status == args["status"])
    if args.get("mode"):
        query = query.where(MatchingRun.mode == args["mode"])
    return query


def matches_query(run: MatchingRun, args: dict):
    """The referrals a run proposed, most urgent first."""
    query = (
        bureau_referrals()
        .where(Referral.run_id == run.id)
        .order_by(_urgency_rank(Referral.urgency), Referral.id)
    )
    if args.get("urgency"):
        query = query.where(Referral.urgency == args["urgency"])
    if args.get("dimension"):
        query = query.join(Need, Need.id == Referral.need_id).where(
            Need.dimension == args["dimension"]
        )
    return query


def unmatched_query(run: MatchingRun, args: dict):
    """The needs a run could not serve, most urgent first."""
    query = (
        select(UnmatchedNeed)
        .where(UnmatchedNeed.run_id == run.id)
        .order_by(_urgency_rank(UnmatchedNeed.urgency), UnmatchedNeed.id)
    )
    for name in ("reason", "dimension", "urgency"):
        if args.get(name):
            query = query.where(getattr(UnmatchedNeed, name) == args[name])
    if args.get("area_code"):
        area = db.session.get(Area, args["area_code"])
        if area is None:
            raise InvalidInput.field("area_code", N_("unknown administrative area code"))
        query = query.join(Area, Area.code == UnmatchedNeed.area_code).where(within(area))
    return query


def unmatched_summary(run: MatchingRun) -> list[dict]:
    """The unmatched needs counted by street, dimension and reason, largest first: "47
    care needs in street X unmatched: capacity" — what to buy next, and where."""
    community = aliased(Area)
    street = case(
        (community.level == AreaLevel.community, community.parent_code), else_=community.code
    ).label("street")
    rows = db.session.execute(
        select(street, UnmatchedNeed.dimension, UnmatchedNeed.reason, func.count())
        .join(community, community.code == UnmatchedNeed.area_code)
        .where(UnmatchedNeed.run_id == run.id)
        .group_by(street, UnmatchedNeed.dimension, UnmatchedNeed.reason)
    ).all()
    names = dict(
        db.session.execute(
            select(Area.code, Area.name).where(Area.code.in_({r.street for r in rows}))
        ).all()
    )
    summary = [
        {
            "area_code": row.street,
            "area_name": names.get(row.street, row.street),
            "dimension": str(row.dimension),
            "reason": str(row.reason),
            "needs": row[3],
        }
        for row in rows
    ]
    return sorted(summary, key=lambda r: (-r["needs"], r["area_code"], r["dimension"]))


def need_matching(need: Need) -> dict:
    """What matching last said of a need: its latest referral with the explanation, and
    the latest run that could not serve it, with why."""
    referral = db.session.scalar(
        bureau_referrals().where(Referral.need_id == need.id).order_by(Referral.id.desc()).limit(1)
    )
    unmatched = db.session.scalar(
        select(UnmatchedNeed)
        .where(UnmatchedNeed.need_id == need.id)
        .order_by(UnmatchedNeed.id.desc())
        .limit(1)
    )
    if referral is not None and unmatched is not None and unmatched.run_id < referral.run_id:
        unmatched = None  # a later run served it
    return {"need": need, "referral": referral, "unmatched": unmatched}


def _urgency_rank(column):
    return case({u: i for i, u in enumerate(URGENCIES)}, value=column)


def instant_result(run: MatchingRun) -> dict:
    """An instant run with its one referral, or its one unmatched need."""
    return {
        "run": run,
        "match": db.session.scalar(bureau_referrals().where(Referral.run_id == run.id)),
        "unmatched": db.session.scalar(select(UnmatchedNeed).where(UnmatchedNeed.run_id == run.id)),
    }
