"""Candidate generation: from the database to a matching problem, set-based.

A few queries read the scope's open needs (with their households and members), the
pool's published services (with coverage, locations and the contracts funding them)
and the referrals already made; everything after that is numpy over whole arrays,
never a Python loop over pairs:

1. pairs: each need with every service of its dimension covering its area or an area
   above it (a service covering a street covers its communities);
2. the rules (``models.STAGES``, in order) set pairs aside: another sub-category; the
   household's assistance categories, the age and disability of the member concerned
   (for a need of the whole household: of any member); consent to share with a
   non-government provider; a provider that declined the need, or let it expire, does
   not get it again; no duplicate assistance (not a service the member is referred to
   or served by now, nor one that served the need); a provider the staffing rule
   blocks; a contract not active today, or without units or budget left; no places
   left. A service funded by another bureau's contract is not a candidate at all: its
   places and budget are that bureau's to hand out;
3. costs for the pairs left (``costs``); contract items and their contracts as pools;
   the pairs of one member with one service as a group (it serves the member once,
   for whichever need the optimum gives it to).

How many services each rule set aside is counted per need, so that an unmatched need
can say why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
from sqlalchemy import Integer, String, func, select, type_coerce

from aidbridge.accounts.models import Tenant, TenantStatus, TenantType
from aidbridge.areas.models import Area
from aidbridge.areas.service import within
from aidbridge.contracts.models import Contract, ContractItem, ContractStatus, PurchaseItem
from aidbridge.db import FlagSet
from aidbridge.extensions import db
from aidbridge.households.models import Household, Member
from aidbridge.matching import costs
from aidbridge.matching.model import NO_GROUP, NO_POOL, URGENCY_RANK, Problem
from aidbridge.matching.models import STAGES, Reason
from aidbridge.needs.models import Assessment, Need, NeedStatus
from aidbridge.policy.facts import CATEGORY_OF_OUTCOME, Outcome
from aidbridge.pool.models import (
    Service,
    ServiceArea,
    ServiceLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from aidbridge.referrals.models import (
    ACTIVE,
    REFUSED,
    SERVING,
    TOOK_ON,
    Referral,
    ReferralStatus,
)
from aidbridge.vocab import AssistanceCategory, DisabilityType, NeedDimension, Urgency
from aidbridge.workforce import service as workforce

DIMENSIONS = list(NeedDimension)
URGENCIES = {u.value: URGENCY_RANK[u] for u in Urgency}
CATEGORY_BITS = FlagSet(AssistanceCategory)
DISABILITY_BITS = FlagSet(DisabilityType)
NONE = -1
# Ages are whole years: a member's key among the ages of the households is
# household × AGE_SPAN + age.
AGE_SPAN = 256
# Referral states, by what the rules and costs read of them: the provider answered an
# offer (a referral the bureau revoked tells nothing of the provider), and closed one.
ANSWERED = frozenset(
    set(ReferralStatus) - {ReferralStatus.proposed, ReferralStatus.offered, ReferralStatus.revoked}
)
CLOSED = frozenset({ReferralStatus.completed, ReferralStatus.closed_unresolved})


@dataclass(frozen=True)
class Scope:
    """What a run matches: the bureau's open needs in ``area`` (an instant match: only
    ``need_ids``), against the pool as it is on ``today``."""

    bureau: Tenant
    area: Area
    today: date
    need_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Hypothetical:
    """A service that does not exist yet (a contract the bureau might sign): its need,
    the area it would cover and its places, open to every household of that area."""

    dimension: str
    area_code: str
    places: int
    subcategory: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A preview's "what if": places added to services of the pool (by id), and
    hypothetical services."""

    places: Mapping[int, int] = field(default_factory=dict)
    services: tuple[Hypothetical, ...] = ()


@dataclass
class Needs:
    """The scope's open needs, by position."""

    id: np.ndarray
    household_id: np.ndarray
    member_id: np.ndarray  # 0: the household as a whole
    dimension: np.ndarray  # position in DIMENSIONS
    subcategory: np.ndarray  # position in the taxonomy's codes, -1: none
    urgency: np.ndarray  # URGENCY_RANK
    area: np.ndarray  # position in the area index
    consent: np.ndarray  # the household agrees to share with non-government providers
    latitude: np.ndarray  # NaN: unknown
    longitude: np.ndarray
    categories: np.ndarray  # AssistanceCategory bits
    age: np.ndarray  # the member's age; -1 unknown, or a need of the household
    disability: np.ndarray  # DisabilityType bits of the member (household: of any member)
    household: np.ndarray  # the household's position in ``ages``
    ages: np.ndarray  # sorted household × AGE_SPAN + age of every member of known age
    # The same keys of the members with each disability type (DisabilityType order).
    disabled_ages: tuple[np.ndarray, ...] = ()

    def __len__(self) -> int:
        return len(self.id)

    @property
    def owner(self) -> np.ndarray:
        """Who the need is for: the member, or (negative) the household."""
        return np.where(self.member_id != 0, self.member_id, -self.household_id)


@dataclass
class Services:
    """The pool's services that can be candidates, by position (a hypothetical
    service of a preview has a negative id)."""

    id: np.ndarray
    provider_id: np.ndarray
    government: np.ndarray  # its provider is a bureau
    dimension: np.ndarray
    subcategory: np.ndarray
    categories: np.ndarray  # AssistanceCategory bits; 0: any household
    min_age: np.ndarray  # -1: none
    max_age: np.ndarray
    requires_disability: np.ndarray
    disability_types: np.ndarray  # DisabilityType bits; 0: any type
    places: np.ndarray
    contract_id: np.ndarray  # 0: not contract-funded
    item_id: np.ndarray  # the contract item funding it; 0: none buys its need
    price: np.ndarray  # that item's unit price in fen
    contract_ok: np.ndarray  # its contract is active and in its period today
    units_left: np.ndarray  # the item's units neither delivered nor held
    budget_left: np.ndarray  # its contract's budget neither spent nor held, in fen
    blocked: np.ndarray  # the staffing rule blocks its provider

    def __len__(self) -> int:
        return len(self.id)

    @cached_property
    def funded(self) -> np.ndarray:
        # Computed once: the explanations read it for every match.
        return self.contract_id != 0


@dataclass
class Candidates:
    """A scope's matching problem, with what explains it: for every candidate pair (the
    problem's arcs, by position) the parts of its cost, its distance and the area by
    which the service covers the need; for every need how many services of its
    dimension cover its area (``considered``) and how many each rule set aside
    (``removed``: a column per ``STAGES``)."""

    scope: Scope
    weights: dict[str, int]
    problem: Problem
    needs: Needs
    services: Services
    areas: list[str]
    subcategories: list[str]
    parts: dict[str, np.ndarray]
    distance_km: np.ndarray  # NaN: judged by the areas shared instead
    area_gap: np.ndarray  # levels from the need's area up to the area shared
    covering_area: np.ndarray  # position in ``areas``
    considered: np.ndarray
    removed: np.ndarray
    pairs: int
    # How long reading the database and building the arrays took.
    seconds: dict[str, float] = field(default_factory=dict)


def load(
    scope: Scope,
    weights: Mapping[str, int],
    config: Mapping,
    scenario: Scenario | None = None,
    lock: bool = False,
) -> Candidates:
    """The scope's matching problem. ``lock``: lock the candidate services' and their
    contracts' rows for this transaction as they are read (``matching.service``)."""
    started = time.perf_counter()
    read = _read(scope, lock)
    loaded = time.perf_counter()
    candidates = _build(read, weights, config, scenario or Scenario())
    candidates.seconds = {"load": loaded - started, "build": time.perf_counter() - loaded}
    return candidates


@dataclass
class _Read:
    """Everything the problem is built from, as the queries gave it."""

    scope: Scope
    need_rows: list
    paths: dict[str, str]
    subcategories: list[str]
    household_ids: np.ndarray
    member_rows: list
    service_rows: list
    coverage_rows: list
    location_rows: list
    funding: dict
    blocked: set[int]
    history_rows: list
    performance_rows: list


def _read(scope: Scope, lock: bool) -> _Read:
    need_rows = _need_rows(scope)
    offered = _offered(scope, need_rows)
    service_rows = _service_rows(scope.bureau, offered, lock)
    location_rows = db.session.execute(
        select(
            ServiceLocation.service_id,
            ServiceLocation.area_code,
            ServiceLocation.latitude,
            ServiceLocation.longitude,
        )
        .where(ServiceLocation.service_id.in_(offered))
        .execution_options(all_tenants=True)
    ).all()
    household_ids = np.unique(np.array([r.household_id for r in need_rows], dtype=np.int64))
    providers = sorted({r.tenant_id for r in service_rows})
    return _Read(
        scope=scope,
        need_rows=need_rows,
        paths={r.area_code: r.path for r in need_rows}
        | _paths({r.area_code for r in location_rows}),
        subcategories=list(
            db.session.scalars(select(TaxonomyTerm.code).order_by(TaxonomyTerm.code))
        ),
        household_ids=household_ids,
        member_rows=_member_rows(scope, household_ids),
        service_rows=service_rows,
        coverage_rows=db.session.execute(
            select(ServiceArea.service_id, ServiceArea.area_code)
            .where(ServiceArea.service_id.in_(offered))
            .execution_options(all_tenants=True)
        ).all(),
        location_rows=location_rows,
        funding=_funding(scope, service_rows, lock),
        blocked=workforce.blocked_providers(
            scope.bureau.policy_pack,
            {r.tenant_id for r in service_rows if r.contract_id},
            scope.today,
        ),
        history_rows=_history_rows(scope),
        performance_rows=_performance_rows(providers),
    )


def _build(read: _Read, weights, config, scenario: Scenario) -> Candidates:
    scope = read.scope
    index = _AreaIndex(read.paths)
    needs = _needs(read, index)
    services, coverage, locations = _services(read, index, scenario)
    need_pos, service_pos, depth = _covering_pairs(needs, services, coverage, index)
    history = _history(read.history_rows)
    stage = _stages(needs, services, need_pos, service_pos, history)
    set_aside = stage >= 0
    removed = np.bincount(
        need_pos[set_aside] * len(STAGES) + stage[set_aside], minlength=len(needs) * len(STAGES)
    ).reshape(len(needs), len(STAGES))
    kept = ~set_aside
    arc_need, arc_service, depth = need_pos[kept], service_pos[kept], depth[kept]
    distance_km, gap = _distances(needs, services, locations, index, arc_need, arc_service, depth)
    performance = _performance(
        read.performance_rows, services, config["MATCHING_PERFORMANCE_PRIOR"]
    )
    parts = {
        "distance": costs.distance_part(
            np.where(np.isnan(distance_km), costs.km_for_gap(gap), distance_km),
            config["MATCHING_DISTANCE_SCALE_KM"],
        ),
        "performance": performance[arc_service],
        "continuity": np.where(
            _among(
                _key(needs.household_id[arc_need], services.provider_id[arc_service]),
                history.serving,
            ),
            0,
            costs.PART_MAX,
        ).astype(np.int64),
        "price": _price_part(services)[arc_service],
    }
    service_pool, pools = _pools(services, arc_service)
    problem = Problem(
        need_ids=needs.id,
        need_urgency=needs.urgency.astype(np.int8),
        service_ids=services.id,
        service_places=np.maximum(services.places, 0),
        service_pool=service_pool,
        pool_ids=pools[0],
        pool_units=pools[1],
        pool_parent=pools[2],
        arc_need=arc_need,
        arc_service=arc_service,
        arc_cost=costs.total(parts, weights),
        arc_group=_groups(needs, arc_need, arc_service),
    )
    return Candidates(
        scope=scope,
        weights=dict(weights),
        problem=problem,
        needs=needs,
        services=services,
        areas=index.codes,
        subcategories=read.subcategories,
        parts=parts,
        distance_km=distance_km,
        area_gap=gap,
        covering_area=index.lineage[needs.area[arc_need], depth],
        considered=np.bincount(need_pos, minlength=len(needs)),
        removed=removed,
        pairs=len(need_pos),
    )


def _key(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """One int64 for a pair of ids (``high`` may be negative: a household as owner)."""
    return ((np.asarray(high, dtype=np.int64) + 2**31) << 31) | np.asarray(low, dtype=np.int64)


def _among(keys: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is one of ``known`` (sorted and unique, as ``_key``s from
    ``np.unique``): a binary search per key, where ``np.isin`` would sort the millions
    of pairs' keys together with the few known ones."""
    if not len(known):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return known[at] == keys


def _ranges(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every integer of low[i]..high[i]-1, with the i it came from."""
    counts = high - low
    owner = np.repeat(np.arange(len(low)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(low, counts) + offset


# --- areas ---------------------------------------------------------------------------------


class _AreaIndex:
    """Every area on the lineage of the areas given (code → path), by position; row i of
    ``lineage`` is area i's lineage from the root (-1 below its depth). The last row, for
    position -1, is empty."""

    def __init__(self, paths: Mapping[str, str]):
        lineages: dict[str, tuple[str, ...]] = {}
        for path in paths.values():
            codes = tuple(c for c in path.split("/") if c)
            for end in range(1, len(codes) + 1):
                lineages.setdefault(codes[end - 1], codes[:end])
        self.codes = sorted(lineages)
        self.position = {code: i for i, code in enumerate(self.codes)}
        width = max((len(v) for v in lineages.values()), default=1)
        self.lineage = np.full((len(self.codes) + 1, width), NONE, dtype=np.int64)
        for code, lineage in lineages.items():
            self.lineage[self.position[code], : len(lineage)] = [self.position[c] for c in lineage]
        self.depth = (self.lineage >= 0).sum(axis=1) - 1

    def of(self, codes) -> np.ndarray:
        """Positions of ``codes`` (-1 for an area on no lineage)."""
        return np.array([self.position.get(c, NONE) for c in codes], dtype=np.int64)

    def shared_depth(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The depth of the deepest area on both lineages (-1: none)."""
        same = (self.lineage[a] == self.lineage[b]) & (self.lineage[a] >= 0)
        return np.cumprod(same, axis=1).sum(axis=1) - 1


def _paths(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Area.code, Area.path).where(Area.code.in_(codes))).all())


# --- needs ---------------------------------------------------------------------------------


def _open_needs(scope: Scope, *columns):
    """``columns`` of the bureau's open needs in the scope that no active referral serves
    (the bureau's tenant scope applies to every table read here)."""
    served = (
        select(Referral.id).where(Referral.need_id == Need.id, Referral.status.in_(ACTIVE)).exists()
    )
    query = (
        select(*columns)
        .select_from(Need)
        .join(Household, Household.id == Need.household_id)
        .join(Area, Area.code == Household.area_code)
        .join(Assessment, Assessment.id == Need.assessment_id)
        .where(Need.status == NeedStatus.open, within(scope.area), ~served)
    )
    if scope.need_ids is not None:
        query = query.where(Need.id.in_(scope.need_ids))
    return query


def _need_rows(scope: Scope):
    """The open needs with what the rules read of their households and assessments."""
    query = _open_needs(
        scope,
        Need.id,
        Need.household_id,
        func.coalesce(Need.member_id, 0).label("member_id"),
        type_coerce(Need.dimension, String).label("dimension"),
        Need.subcategory_code,
        type_coerce(Need.urgency, String).label("urgency"),
        Household.area_code,
        Area.path,
        type_coerce(Household.outcomes, Integer).label("outcomes"),
        Household.emergency,
        Household.latitude,
        Household.longitude,
        Assessment.consents_to_share,
    )
    return db.session.execute(query.order_by(Need.id)).all()


def _needs(read: _Read, index: _AreaIndex) -> Needs:
    rows, household_ids = read.need_rows, read.household_ids
    members = _members(read.member_rows, household_ids, read.scope.today)
    household = np.searchsorted(
        household_ids, np.array([r.household_id for r in rows], dtype=np.int64)
    )
    member_id = np.array([r.member_id for r in rows], dtype=np.int64)
    is_member = member_id != 0
    # A member need: the member's own age and disability; the household's: any member's.
    member = np.minimum(np.searchsorted(members["id"], member_id), max(len(members["id"]) - 1, 0))
    any_disability = np.zeros(len(household_ids), dtype=np.int64)
    np.bitwise_or.at(any_disability, members["household"], members["disability"])
    if len(members["id"]):
        age = np.where(is_member, members["age"][member], NONE)
        disability = np.where(is_member, members["disability"][member], any_disability[household])
    else:
        age = np.full(len(rows), NONE, dtype=np.int64)
        disability = np.zeros(len(rows), dtype=np.int64)
    outcomes = np.array([r.outcomes or 0 for r in rows], dtype=np.int64)
    emergency = np.array([bool(r.emergency) for r in rows], dtype=bool)
    categories = _category_table()[outcomes] | np.where(
        emergency, CATEGORY_BITS.bit(AssistanceCategory.emergency), 0
    )
    sub = {code: i for i, code in enumerate(read.subcategories)}
    return Needs(
        id=np.array([r.id for r in rows], dtype=np.int64),
        household_id=np.array([r.household_id for r in rows], dtype=np.int64),
        member_id=member_id,
        dimension=np.array(
            [DIMENSIONS.index(NeedDimension(r.dimension)) for r in rows], dtype=np.int64
        ),
        subcategory=np.array([sub.get(r.subcategory_code, NONE) for r in rows], dtype=np.int64),
        urgency=np.array([URGENCIES[r.urgency] for r in rows], dtype=np.int64),
        area=index.of(r.area_code for r in rows),
        consent=np.array([bool(r.consents_to_share) for r in rows], dtype=bool),
        latitude=_degrees(r.latitude for r in rows),
        longitude=_degrees(r.longitude for r in rows),
        categories=categories.astype(np.int64),
        age=age.astype(np.int64),
        disability=disability.astype(np.int64),
        household=household.astype(np.int64),
        ages=members["keys"],
        disabled_ages=members["disabled_keys"],
    )


def _degrees(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _member_rows(scope: Scope, household_ids: np.ndarray) -> list:
    """The members of the needs' households, chosen by the needs' own query in the
    database (a list of a jurisdiction's household ids would cost more to send and
    plan than the query itself); of ``household_ids`` only, should a need have been
    opened since they were read."""
    rows = db.session.execute(
        select(
            Member.id,
            Member.household_id,
            Member.birth_date,
            type_coerce(Member.disability_type, String).label("disability_type"),
        )
        .where(Member.household_id.in_(_open_needs(scope, Need.household_id)))
        .order_by(Member.id)
    ).all()
    wanted = set(household_ids.tolist())
    return [r for r in rows if r.household_id in wanted]


def _members(rows, household_ids: np.ndarray, today: date) -> dict[str, np.ndarray]:
    age = _ages(np.array([r.birth_date or "NaT" for r in rows], dtype="datetime64[D]"), today)
    household = np.searchsorted(
        household_ids, np.array([r.household_id for r in rows], dtype=np.int64)
    )
    known = age >= 0
    keys = household * AGE_SPAN + np.minimum(age, AGE_SPAN - 1)
    disability = np.array(
        [DISABILITY_BITS.bit(r.disability_type) if r.disability_type else 0 for r in rows],
        dtype=np.int64,
    )
    return {
        "id": np.array([r.id for r in rows], dtype=np.int64),
        "household": household.astype(np.int64),
        "age": age,
        "disability": disability,
        "keys": np.sort(keys[known]),
        "disabled_keys": tuple(
            np.sort(keys[known & (disability == DISABILITY_BITS.bit(kind))])
            for kind in DisabilityType
        ),
    }


def _ages(born: np.ndarray, today: date) -> np.ndarray:
    """Whole years on ``today`` (a birthday counts from the day itself); -1 unknown."""
    known = ~np.isnat(born)
    safe = np.where(known, born, np.datetime64("2000-01-01"))
    year = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    month = safe.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (safe - safe.astype("datetime64[M]")).astype(np.int64) + 1
    before_birthday = (today.month < month) | ((today.month == month) & (today.day < day))
    return np.where(known, today.year - year - before_birthday, NONE).astype(np.int64)


def _category_table() -> np.ndarray:
    """The AssistanceCategory bits of every set of Outcome bits."""
    outcomes = list(Outcome)
    table = np.zeros(1 << len(outcomes), dtype=np.int64)
    for mask in range(len(table)):
        for bit, outcome in enumerate(outcomes):
            if mask & (1 << bit):
                table[mask] |= CATEGORY_BITS.bit(CATEGORY_OF_OUTCOME[outcome])
    return table


# --- services ------------------------------------------------------------------------------


def _offered(scope: Scope, need_rows):
    """The ids of the services that can be candidates: the pool's published services of
    active providers (a contract-funded one whose contract is not active is among them:
    the contract rule says why it is set aside); for an instant match, only those of its
    needs' dimensions covering their lineages."""
    query = (
        select(Service.id)
        .join(Tenant, Tenant.id == Service.tenant_id)
        .where(
            Service.pool == scope.bureau.policy_pack,
            Service.status == ServiceStatus.published,
            Tenant.status == TenantStatus.active,
        )
    )
    if scope.need_ids is not None:
        lineage = {code for r in need_rows for code in r.path.split("/") if code}
        query = query.where(
            Service.dimension_code.in_({r.dimension for r in need_rows}),
            Service.id.in_(
                select(ServiceArea.service_id).where(ServiceArea.area_code.in_(lineage))
            ),
        )
    return query


def _service_rows(bureau: Tenant, offered, lock: bool) -> list:
    query = (
        select(
            Service.id,
            Service.tenant_id,
            type_coerce(Tenant.type, String).label("provider_type"),
            Service.dimension_code,
            Service.subcategory_code,
            type_coerce(Service.categories, Integer).label("categories"),
            Service.min_age,
            Service.max_age,
            Service.requires_disability,
            type_coerce(Service.disability_types, Integer).label("disability_types"),
            Service.capacity_available,
            Service.contract_id,
        )
        .join(Tenant, Tenant.id == Service.tenant_id)
        .where(
            Service.id.in_(offered),
            # A service another bureau's contract funds serves that bureau's households:
            # its places and budget are that bureau's to hand out.
            Service.contract_id.is_(None)
            | Service.contract_id.in_(select(Contract.id).where(Contract.tenant_id == bureau.id)),
        )
        .order_by(Service.id)
        .execution_options(all_tenants=True)
    )
    if lock:  # in id order, as every writer of capacity locks them
        query = query.with_for_update(of=Service)
    return db.session.execute(query).all()


def _services(read: _Read, index: _AreaIndex, scenario: Scenario):
    """The candidate services, their coverage (service position, area position) and
    their locations (by service position)."""
    rows, funding, blocked = read.service_rows, read.funding, read.blocked
    extra = scenario.services
    sub = {code: i for i, code in enumerate(read.subcategories)}

    def column(values, hypothetical, dtype):
        return np.array([*values, *(hypothetical(i, h) for i, h in enumerate(extra))], dtype=dtype)

    unfunded = (0, 0, True, 0, 0)
    services = Services(
        id=column((r.id for r in rows), lambda i, h: -(i + 1), np.int64),
        provider_id=column((r.tenant_id for r in rows), lambda i, h: 0, np.int64),
        # A hypothetical service is bought from a charity or agency, as contracts are.
        government=column(
            (r.provider_type == TenantType.bureau for r in rows), lambda i, h: False, bool
        ),
        dimension=column(
            (DIMENSIONS.index(NeedDimension(r.dimension_code)) for r in rows),
            lambda i, h: DIMENSIONS.index(NeedDimension(h.dimension)),
            np.int64,
        ),
        subcategory=column(
            (sub.get(r.subcategory_code, NONE) for r in rows),
            lambda i, h: sub.get(h.subcategory, NONE),
            np.int64,
        ),
        categories=column((r.categories or 0 for r in rows), lambda i, h: 0, np.int64),
        min_age=column((_or_none(r.min_age) for r in rows), lambda i, h: NONE, np.int64),
        max_age=column((_or_none(r.max_age) for r in rows), lambda i, h: NONE, np.int64),
        requires_disability=column(
            (bool(r.requires_disability) for r in rows), lambda i, h: False, bool
        ),
        disability_types=column((r.disability_types or 0 for r in rows), lambda i, h: 0, np.int64),
        places=column(
            (r.capacity_available + scenario.places.get(r.id, 0) for r in rows),
            lambda i, h: h.places,
            np.int64,
        ),
        contract_id=column((r.contract_id or 0 for r in rows), lambda i, h: 0, np.int64),
        item_id=column((funding.get(r.id, unfunded)[0] for r in rows), lambda i, h: 0, np.int64),
        price=column((funding.get(r.id, unfunded)[1] for r in rows), lambda i, h: 0, np.int64),
        contract_ok=column((funding.get(r.id, unfunded)[2] for r in rows), lambda i, h: True, bool),
        units_left=column((funding.get(r.id, unfunded)[3] for r in rows), lambda i, h: 0, np.int64),
        budget_left=column(
            (funding.get(r.id, unfunded)[4] for r in rows), lambda i, h: 0, np.int64
        ),
        blocked=column((r.tenant_id in blocked for r in rows), lambda i, h: False, bool),
    )
    position = {service_id: i for i, service_id in enumerate(services.id.tolist())}
    coverage = [
        (position[s], index.position[a])
        for s, a in read.coverage_rows
        if s in position and a in index.position
    ] + [
        (position[-(i + 1)], index.position[h.area_code])
        for i, h in enumerate(extra)
        if h.area_code in index.position
    ]
    # By service and area only: a service's two points in one area, one without
    # coordinates, must not compare a number with None.
    located = sorted(
        (
            (position[r.service_id], index.position[r.area_code], r.latitude, r.longitude)
            for r in read.location_rows
            if r.service_id in position and r.area_code in index.position
        ),
        key=lambda loc: loc[:2],
    )
    locations = {
        "service": np.array([loc[0] for loc in located], dtype=np.int64),
        "area": np.array([loc[1] for loc in located], dtype=np.int64),
        "latitude": _degrees(loc[2] for loc in located),
        "longitude": _degrees(loc[3] for loc in located),
    }
    return services, np.array(coverage, dtype=np.int64).reshape(-1, 2), locations


def _or_none(value: int | None) -> int:
    return NONE if value is None else value


def _funding(scope: Scope, rows, lock: bool) -> dict[int, tuple[int, int, bool, int, int]]:
    """For each contract-funded service: (the contract item funding it, its price,
    whether the contract is active today, the item's units left, the contract's budget
    left). The item is the contract's item buying the service's need: the one naming its
    sub-category before one for the whole dimension. Contracts are their bureaus' rows,
    read across tenants on purpose: any bureau's households in a contract's areas are
    served by it."""
    contract_ids = sorted({r.contract_id for r in rows if r.contract_id})
    if not contract_ids:
        return {}
    query = (
        select(Contract)
        .where(Contract.id.in_(contract_ids))
        .order_by(Contract.id)
        .execution_options(all_tenants=True)
    )
    if lock:
        query = query.with_for_update(of=Contract)
    contracts = {c.id: c for c in db.session.scalars(query)}
    items: dict[int, list] = {}
    for item in db.session.execute(
        select(
            ContractItem.id,
            ContractItem.contract_id,
            ContractItem.unit_price_fen,
            ContractItem.units,
            ContractItem.units_delivered,
            ContractItem.units_reserved,
            type_coerce(PurchaseItem.dimension, String).label("dimension"),
            PurchaseItem.subcategory_code,
        )
        .join(PurchaseItem, PurchaseItem.id == ContractItem.purchase_item_id)
        .where(ContractItem.contract_id.in_(contract_ids))
        .order_by(ContractItem.id)
        .execution_options(all_tenants=True)
    ):
        items.setdefault(item.contract_id, []).append(item)
    funding = {}
    for row in rows:
        contract = contracts.get(row.contract_id)
        if contract is None:
            continue
        buying = [
            item
            for item in items.get(contract.id, [])
            if item.dimension == row.dimension_code
            and item.subcategory_code in (None, row.subcategory_code)
        ]
        buying.sort(key=lambda item: (item.subcategory_code is None, item.id))
        item = buying[0] if buying else None
        active = (
            contract.status == ContractStatus.active
            and contract.starts_on <= scope.today <= contract.ends_on
        )
        funding[row.id] = (
            item.id if item else 0,
            item.unit_price_fen if item else 0,
            active,
            item.units - item.units_delivered - item.units_reserved if item else 0,
            contract.remaining_fen,
        )
    return funding


# --- pairs and rules -----------------------------------------------------------------------


def _covering_pairs(needs: Needs, services: Services, coverage: np.ndarray, index: _AreaIndex):
    """Every (need, service) of the same dimension where the service covers the need's
    area or an area above it, once, with the depth of the deepest area it covers."""
    width = len(DIMENSIONS)
    keys = coverage[:, 1] * width + services.dimension[coverage[:, 0]]
    order = np.argsort(keys, kind="stable")
    keys, covering_service = keys[order], coverage[order, 0]
    found = [], [], []
    for depth in range(index.lineage.shape[1]):
        area = index.lineage[needs.area, depth]
        on = np.flatnonzero(area >= 0)
        key = area[on] * width + needs.dimension[on]
        owner, at = _ranges(np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right"))
        found[0].append(on[owner])
        found[1].append(covering_service[at])
        found[2].append(np.full(len(at), depth, dtype=np.int64))
    need_pos, service_pos, depth = (np.concatenate(part) for part in found)
    # Sorted by need, service and depth as one int64 key (one sort instead of a lexsort
    # of three keys; needs × services × depths stays far below 2**63), then one pair
    # per need and service: the deepest covering area (sorted last) stays.
    depths, services_count = index.lineage.shape[1], len(services)
    key = np.sort((need_pos * services_count + service_pos) * depths + depth)
    pair = key // depths
    last = np.ones(len(key), dtype=bool)
    last[:-1] = pair[1:] != pair[:-1]
    pair, depth = pair[last], key[last] % depths
    return pair // services_count, pair % services_count, depth


@dataclass
class _History:
    referred: np.ndarray  # keys (owner, service): referred now, or serving it
    served: np.ndarray  # keys (need, service): the service served this need already
    refused: np.ndarray  # keys (need, provider): declined or let expire
    serving: np.ndarray  # keys (household, provider): the provider serves the household


def _history_rows(scope: Scope) -> list:
    """The referrals of the scope's households (the bureau's own, by its tenant scope)."""
    return db.session.execute(
        select(
            Referral.need_id,
            Referral.household_id,
            func.coalesce(Referral.member_id, 0).label("member_id"),
            Referral.service_id,
            Referral.provider_id,
            type_coerce(Referral.status, String).label("status"),
        )
        .join(Household, Household.id == Referral.household_id)
        .join(Area, Area.code == Household.area_code)
        .where(within(scope.area))
    ).all()


def _history(rows) -> _History:
    def keys(pairs) -> np.ndarray:
        pairs = list(pairs)
        if not pairs:
            return np.zeros(0, dtype=np.int64)
        high, low = zip(*pairs, strict=True)
        return np.unique(_key(np.array(high), np.array(low)))

    # No duplicate assistance: a service is not referred to a member (or household) it
    # is referred to or serving now, nor to a need it served; a revoked referral, or
    # one declined or let expire (the provider's own rule below), does not count.
    return _History(
        referred=keys(
            (r.member_id if r.member_id else -r.household_id, r.service_id)
            for r in rows
            if r.status in ACTIVE
        ),
        served=keys((r.need_id, r.service_id) for r in rows if r.status in CLOSED),
        refused=keys((r.need_id, r.provider_id) for r in rows if r.status in REFUSED),
        serving=keys((r.household_id, r.provider_id) for r in rows if r.status in SERVING),
    )


def _stages(needs: Needs, services: Services, need: np.ndarray, service: np.ndarray, history):
    """For each pair, the first rule (position in STAGES) that sets it aside; -1: kept."""
    funded = services.funded[service]
    rules = {
        Reason.subcategory: (needs.subcategory[need] == NONE)
        | (services.subcategory[service] == NONE)
        | (needs.subcategory[need] == services.subcategory[service]),
        Reason.category: (services.categories[service] == 0)
        | ((services.categories[service] & needs.categories[need]) != 0),
        Reason.age: _age_admitted(needs, services, need, service),
        Reason.disability: _disability_admitted(needs, services, need, service),
        Reason.consent: services.government[service] | needs.consent[need],
        Reason.declined_before: ~_among(
            _key(needs.id[need], services.provider_id[service]), history.refused
        ),
        Reason.already_referred: ~(
            _among(_key(needs.owner[need], services.id[service]), history.referred)
            | _among(_key(needs.id[need], services.id[service]), history.served)
        ),
        Reason.provider_blocked: ~(funded & services.blocked[service]),
        Reason.contract_inactive: ~(funded & ~services.contract_ok[service]),
        Reason.contract_units: ~(funded & (services.units_left[service] <= 0)),
        Reason.contract_budget: ~(
            funded & (services.budget_left[service] < services.price[service])
        ),
        Reason.full: services.places[service] > 0,
    }
    stage = np.full(len(need), NONE, dtype=np.int64)
    for reason in reversed(list(rules)):  # the first rule failed wins
        stage[~rules[reason]] = STAGES.index(reason)
    return stage


def _groups(needs: Needs, need: np.ndarray, service: np.ndarray) -> np.ndarray:
    """The pairs of one member (or household) with one service, where it has several
    needs the service could serve, as a group: the service serves it once."""
    key = _key(needs.owner[need], service)
    _, group, count = np.unique(key, return_inverse=True, return_counts=True)
    shared = count[group] > 1
    groups = np.full(len(need), NO_GROUP, dtype=np.int64)
    groups[shared] = np.unique(group[shared], return_inverse=True)[1]
    return groups


def _disability_admitted(needs: Needs, services: Services, need, service) -> np.ndarray:
    """A service for persons with a disability (of its types, if it names any) admits a
    member with one; for a household's need, a member with one who is also of the
    service's age range (the age rule alone would let two different members pass)."""
    types = services.disability_types[service]
    admitted = ~services.requires_disability[service] | (
        (needs.disability[need] != 0) & ((types == 0) | ((types & needs.disability[need]) != 0))
    )
    low, high = services.min_age[service], services.max_age[service]
    both = np.flatnonzero(
        admitted
        & services.requires_disability[service]
        & (needs.member_id[need] == 0)
        & ((low != NONE) | (high != NONE))
    )
    if len(both):
        low = np.maximum(low[both], 0)
        high = np.where(high[both] == NONE, AGE_SPAN - 1, high[both])
        household = needs.household[need[both]]
        found = np.zeros(len(both), dtype=np.int64)
        for kind, keys in zip(DisabilityType, needs.disabled_ages, strict=True):
            wanted = (types[both] == 0) | ((types[both] & DISABILITY_BITS.bit(kind)) != 0)
            found += wanted * (
                np.searchsorted(keys, household * AGE_SPAN + high, "right")
                - np.searchsorted(keys, household * AGE_SPAN + low, "left")
            )
        admitted[both] = found > 0
    return admitted


def _age_admitted(needs: Needs, services: Services, need: np.ndarray, service: np.ndarray):
    """The member concerned is of an age the service takes; for a household's need, one
    of its members is. Unknown ages (an intake without ID numbers) are not admitted
    where the service has an age range."""
    low, high = services.min_age[service], services.max_age[service]
    admitted = (low == NONE) & (high == NONE)
    limited = np.flatnonzero(~admitted)
    low = np.maximum(low[limited], 0)
    high = np.where(high[limited] == NONE, AGE_SPAN - 1, high[limited])
    age = needs.age[need[limited]]
    household = needs.household[need[limited]]
    members_in_range = np.searchsorted(needs.ages, household * AGE_SPAN + high, "right") - (
        np.searchsorted(needs.ages, household * AGE_SPAN + low, "left")
    )
    admitted[limited] = np.where(
        needs.member_id[need[limited]] != 0,
        (age >= 0) & (age >= low) & (age <= high),
        members_in_range > 0,
    )
    return admitted


# --- costs and pools -----------------------------------------------------------------------


def _distances(needs, services, locations, index, need, service, depth):
    """Each pair's distance in km from the home to the service's nearest location, where
    both have coordinates (else NaN), and how many levels up the area tree the home's
    area meets the nearest location's area (a service without locations: the area it
    covers the home by)."""
    located = locations["service"]
    first = np.searchsorted(located, service, "left")
    last = np.searchsorted(located, service, "right")
    pair, at = _ranges(first, last)
    km = np.full(len(need), np.inf)
    np.fmin.at(
        km,
        pair,
        costs.haversine_km(
            needs.latitude[need[pair]],
            needs.longitude[need[pair]],
            locations["latitude"][at],
            locations["longitude"][at],
        ),
    )
    km[np.isinf(km)] = np.nan
    own_depth = index.depth[needs.area[need]]
    gap = own_depth - depth
    by_location = np.full(len(need), np.iinfo(np.int64).max)
    np.minimum.at(
        by_location,
        pair,
        own_depth[pair] - index.shared_depth(needs.area[need[pair]], locations["area"][at]),
    )
    has_location = last > first
    gap[has_location] = by_location[has_location]
    return km, gap


def _performance_rows(providers: list[int]) -> list:
    """Referrals per provider and status, with every bureau (read across tenants: the
    record is the provider's)."""
    if not providers:
        return []
    return db.session.execute(
        select(Referral.provider_id, type_coerce(Referral.status, String), func.count())
        .where(Referral.provider_id.in_(providers))
        .group_by(Referral.provider_id, Referral.status)
        .execution_options(all_tenants=True)
    ).all()


def _performance(rows, services: Services, prior: int) -> np.ndarray:
    """Each service's provider's record as a cost part (``costs.performance_part``)."""
    providers = np.unique(services.provider_id[services.provider_id != 0])
    counts = np.zeros((len(providers), 4), dtype=np.int64)
    for provider, status, n in rows:
        counts[np.searchsorted(providers, provider)] += (
            n * (status in TOOK_ON),
            n * (status in ANSWERED),
            n * (status == ReferralStatus.completed),
            n * (status in CLOSED),
        )
    parts = costs.performance_part(*counts.T, prior=prior)
    # A hypothetical service has no provider yet: it scores as the pool does on average.
    mean = costs.performance_part(*counts.sum(axis=0, keepdims=True).T, prior=0)
    by_service = np.full(len(services), mean[0], dtype=np.int64)
    known = services.provider_id != 0
    by_service[known] = parts[np.searchsorted(providers, services.provider_id[known])]
    return by_service


def _price_part(services: Services) -> np.ndarray:
    """A contract-funded service's unit price against the dearest unit price of the
    services read for the scope (all dimensions: a unit price is the bureau's money
    whatever it buys); 0 for a service that costs the bureau nothing."""
    top = services.price.max(initial=0)
    if top == 0:
        return np.zeros(len(services), dtype=np.int64)
    return np.rint(services.price * costs.PART_MAX / top).astype(np.int64)


def _pools(services: Services, arc_service: np.ndarray):
    """Each service's pool (its contract item), and the pools (ids, units, parents): the
    items with their units left, then their contracts with the matches their budget left
    can fund — all the items' units when the budget covers them, else the budget over
    the dearest item's price (exact when the items are priced alike, and never beyond
    the budget whatever mix is chosen)."""
    service_pool = np.full(len(services), NO_POOL, dtype=np.int64)
    used = np.unique(arc_service[services.funded[arc_service]])
    used = used[services.item_id[used] != 0]
    items, first = np.unique(services.item_id[used], return_index=True)
    service_pool[used] = np.searchsorted(items, services.item_id[used])
    of_item = used[first]  # a service standing for each item
    contracts = np.unique(services.contract_id[of_item])
    item_contract = np.searchsorted(contracts, services.contract_id[of_item])
    units = np.maximum(services.units_left[of_item], 0)
    price = services.price[of_item]
    budget = np.zeros(len(contracts), dtype=np.int64)
    budget[item_contract] = services.budget_left[of_item]
    # Exact integer sums (fen): bincount would add in floating point.
    value = np.zeros(len(contracts), dtype=np.int64)
    np.add.at(value, item_contract, units * price)
    all_units = np.zeros(len(contracts), dtype=np.int64)
    np.add.at(all_units, item_contract, units)
    dearest = np.zeros(len(contracts), dtype=np.int64)
    np.maximum.at(dearest, item_contract, price)
    contract_units = np.where(budget >= value, all_units, budget // np.maximum(dearest, 1))
    pools = (
        np.concatenate([items, contracts]).astype(np.int64),
        np.concatenate([units, contract_units]).astype(np.int64),
        np.concatenate([len(items) + item_contract, np.full(len(contracts), NO_POOL)]).astype(
            np.int64
        ),
    )
    return service_pool, pools
