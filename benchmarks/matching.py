"""Benchmark: a matching run end to end on PostgreSQL (issue 6).

Builds a synthetic Nantong jurisdiction in an emptied database — a district of streets
and communities sized to the needs, one bureau, 50–200 providers (charities, agencies,
a few government offices) with their rosters, households with members (a share with
coordinates), one assessment each and open need items (70 % routine, 25 % priority,
5 % emergency; a share tied to a member), published services of the pool with
coverage (communities and streets) chosen so that each need has about ``--per-need``
candidates after the rules, some with category, age or disability limits, a third
funded by active purchase-of-service contracts, half of them located, places for
about 90 % of the needs (some where few needs can use them: about 80 % are matched),
and the referrals of an earlier run (ended ones, and active ones whose needs are not
matched again) — with bulk COPY. Then it runs matching
through the real service (``matching.service.start_run``, the job run in process:
load, build, greedy, solve, explain, write) and prints the run's sizes, the time of
each phase (``run.timings``), the wall time around ``start_run``, the peak memory,
the needs matched by urgency and unmatched by reason, and the objective (the cost of
the pairs chosen, once the most needs of each urgency are served) beside the greedy
reference's, with the targets. Last, every service gets one place more and 50 needs the
run left unmatched are matched at once (``match_now``), each timed as a request.

    BENCH_DATABASE_URL=postgresql://postgres@localhost:5432/aidbridge_bench \\
        .venv/bin/python benchmarks/matching.py [--needs 10000 100000] \\
        [--services 1000 10000] [--per-need 20]

By default two sizes run in sequence, 10,000 needs × 1,000 services and 100,000 ×
10,000, each in a freshly rebuilt database. Each build and each run is a process of
its own, so that the peak memory printed is the matching run's (with the app's
imports), not the generator's. The database named by BENCH_DATABASE_URL is emptied
and rebuilt (it is created if missing). Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import os
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from household_import import make_app
from pool_search import DISTRICT, community_code, district_areas, ensure_database, street_code

SEED = 20261204
COMMUNITIES_PER_STREET = 20
NEEDS_PER_STREET = 2_000  # about 60 households with open needs per community
BUREAU_ID, EARLIER_RUN_ID = 1, 1
# Shares of the need dimensions (needs and services alike).
DIMENSION_SHARES = {
    "material": 20,
    "care": 15,
    "health": 12,
    "employment": 10,
    "education": 10,
    "psychological": 8,
    "social_support": 8,
    "housing": 6,
    "emergency": 6,
    "legal": 5,
}
URGENCIES = (("routine", 0.70), ("priority", 0.25), ("emergency", 0.05))
PLACES_SHARE = 0.9  # places, in all, for this share of each dimension's needs
FUNDED_SHARE = 1 / 3  # services funded by a contract item
ENDED_SHARE = 0.10  # needs with an ended referral of the earlier run (rules: history)
SERVED_SHARE = 0.03  # needs, beyond --needs, served by an active referral (not matched)
CATEGORIES = ("dibao", "low_income", "tekun", "expenditure_type")
DECLINE_REASONS = ("no_capacity", "not_eligible", "cannot_contact", "household_refused")
DISABILITIES = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
NANTONG = (31.98, 120.89)  # latitude, longitude of the synthetic district's corner
# The targets (issue 6, a 2-core machine), by size: end to end, solve, peak memory.
TARGETS = {
    (10_000, 1_000): {"total": 3.0},
    (100_000, 10_000): {"total": 30.0, "solve": 10.0, "memory_mb": 1536},
}


# --- the database ----------------------------------------------------------------------------


def copy(conn, table: str, columns: str, rows) -> int:
    """COPY rows (tuples in the order of ``columns``) into ``table``."""
    cursor = conn.connection.driver_connection.cursor()
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)
            count += 1
    return count


def setup_reference_data(streets: int) -> None:
    """The schema, the shipped areas and a synthetic district, the taxonomy and the
    shipped policy packs."""
    from flask_migrate import upgrade

    from aidbridge.areas.service import load_areas
    from aidbridge.extensions import db
    from aidbridge.policy.service import install_shipped_packs
    from aidbridge.pool.taxonomy import load_taxonomy

    # The migrations log every revision they apply: not figures (this process only
    # builds, so nothing else is silenced).
    logging.disable(logging.INFO)
    upgrade()
    load_areas(district_areas(streets, COMMUNITIES_PER_STREET))
    load_taxonomy()
    install_shipped_packs()
    db.session.commit()  # the bulk inserts below use a connection of their own


# --- the synthetic jurisdiction --------------------------------------------------------------


class Jurisdiction:
    """The synthetic data, as rows for COPY, and what the sizing needs to know."""

    def __init__(self, needs: int, services: int, per_need: int, today: date, subcategories):
        self.rng = random.Random(SEED + needs + services)
        self.n_needs, self.n_services, self.per_need = needs, services, per_need
        self.today = today
        self.now = datetime.now(UTC)
        self.subcategories = subcategories  # dimension → sub-category codes
        self.streets = max(2, round(needs / NEEDS_PER_STREET))
        self.communities = self.streets * COMMUNITIES_PER_STREET
        self.dimensions = list(DIMENSION_SHARES)
        self.dimension_weights = list(DIMENSION_SHARES.values())
        grid = math.ceil(math.sqrt(self.streets))
        # Community centres: streets on a 2.5 km grid, communities within 1 km of theirs.
        self.centre = [
            (
                NANTONG[0] + (s // grid) * 0.0225 + self.rng.uniform(-0.009, 0.009),
                NANTONG[1] + (s % grid) * 0.0265 + self.rng.uniform(-0.0106, 0.0106),
            )
            for s in range(self.streets)
            for _c in range(COMMUNITIES_PER_STREET)
        ]

    # -- tenants ------------------------------------------------------------------------------

    def tenants(self) -> None:
        from aidbridge.accounts.credit_code import check_character

        rng = self.rng
        providers = min(max(self.n_services // 50, 50), 200)
        self.provider_type = {}
        self.blocked = set()  # below the social-work share: no contract-funded matches
        rows = [(BUREAU_ID, "bureau", "南通市基准民政局", "11", "")]
        for p in range(providers):
            kind = rng.choices(("charity", "agency", "bureau"), (45, 45, 10))[0]
            tenant_id = BUREAU_ID + 1 + p
            self.provider_type[tenant_id] = kind
            name = {"charity": "慈善会", "agency": "社工服务中心", "bureau": "街道社会事务办"}[kind]
            prefix = {"charity": "53", "agency": "52", "bureau": "11"}[kind]
            rows.append((tenant_id, kind, f"基准{name}{p + 1}", prefix, p + 1))
            if kind != "bureau" and rng.random() < 0.05:
                self.blocked.add(tenant_id)
        self.tenant_rows = []
        for tenant_id, kind, name, prefix, number in rows:
            body = f"{prefix}{DISTRICT}{number or 0:09d}"
            self.tenant_rows.append(
                (tenant_id, kind, name, body + check_character(body), "320600", "nantong",
                 "active", self.now, self.now)
            )  # fmt: skip
        self.providers = sorted(self.provider_type)
        self.non_government = [p for p in self.providers if self.provider_type[p] != "bureau"]
        # Rosters: 4 social-work posts of 10 (NT21-SW-1: 30 %), or 1 of 10 (blocked).
        self.post_rows = []
        started = self.today - timedelta(days=400)
        for tenant_id in self.non_government:
            social = 1 if tenant_id in self.blocked else 4
            for k in range(10):
                certified = k < social
                self.post_rows.append(
                    (len(self.post_rows) + 1, "社工" if certified else "辅助岗",
                     "social_work" if certified else "support", True, f"基准{tenant_id}-{k}",
                     "social_worker" if certified else None,
                     f"S{tenant_id:05d}{k:02d}" if certified else None,
                     started if certified else None, started, "nantong", self.now, tenant_id)
                )  # fmt: skip

    # -- households, members, assessments, needs ----------------------------------------------

    def households(self, pack_version_id: int) -> None:
        rng, today = self.rng, self.today
        category_bit = {c: 1 << i for i, c in enumerate(("dibao", "tekun", "low_income",
                        "expenditure_type", "emergency"))}  # fmt: skip
        outcome_bit = {o: 1 << i for i, o in enumerate(("dibao", "low_income", "expenditure_type",
                       "gradual_exit", "emergency", "tekun", "individual_inclusion"))}  # fmt: skip
        self.household_rows, self.member_rows, self.assessment_rows, self.need_rows = [], [], [], []
        # What the sizing reads: per household (community, categories, consent, members),
        # per member (age, disability bit), per need (household, member, dimension, sub).
        self.hh_community, self.hh_categories, self.hh_consent, self.hh_members = [], [], [], []
        self.member_age, self.member_disability = [], []
        self.needs = []  # (household, member or -1, dimension, subcategory or None, urgency)
        wanted = round(self.n_needs * (1 + SERVED_SHARE))
        while len(self.needs) < wanted:
            h = len(self.hh_community)
            household_id = h + 1
            community = rng.randrange(self.communities)
            outcome = rng.choices(
                (("dibao",), ("low_income",), ("expenditure_type",), ("dibao", "tekun"), ()),
                (55, 22, 8, 5, 10),
            )[0]
            emergency = rng.random() < 0.03
            categories = 0
            for o in outcome:
                categories |= category_bit[o]
            if emergency:
                categories |= category_bit["emergency"]
            consent = rng.random() < 0.9
            located = rng.random() < 0.6
            lat, lng = self.centre[community]
            registered = today - timedelta(days=rng.randrange(30, 1500))
            area_code = community_code(*divmod(community, COMMUNITIES_PER_STREET))
            self.household_rows.append(
                (household_id, "nantong", area_code, f"基准路{household_id}号",
                 rng.choice(("urban", "urban", "rural")), registered, registered, emergency,
                 False, sum(outcome_bit[o] for o in outcome), 0, BUREAU_ID, self.now, self.now,
                 round(lat + rng.uniform(-0.004, 0.004), 6) if located else None,
                 round(lng + rng.uniform(-0.005, 0.005), 6) if located else None)
            )  # fmt: skip
            self.hh_community.append(community)
            self.hh_categories.append(categories)
            self.hh_consent.append(consent)
            self.hh_members.append(self._members(household_id))
            assessed_on = today - timedelta(days=rng.randrange(1, 120))
            assessment_id = household_id
            self.assessment_rows.append(
                (assessment_id, household_id, 1, assessed_on, pack_version_id,
                 rng.randint(1, 4), rng.randint(0, 30), "[]", consent, "", self.now, BUREAU_ID,
                 "基准评估员")
            )  # fmt: skip
            count = rng.choices((1, 2, 3), (5, 3, 2))[0]
            dimensions = set()
            while len(dimensions) < count:  # one need per dimension in a household
                dimensions.add(rng.choices(self.dimensions, self.dimension_weights)[0])
            for dimension in sorted(dimensions):
                if len(self.needs) == wanted:
                    break
                member = self._member_for(h, dimension) if rng.random() < 0.4 else -1
                subs = self.subcategories[dimension]
                sub = rng.choice(subs) if subs and rng.random() < 0.7 else None
                urgency = rng.choices([u for u, _ in URGENCIES], [s for _, s in URGENCIES])[0]
                self.needs.append((h, member, dimension, sub, urgency))
                self.need_rows.append(
                    (len(self.needs), household_id, self.member_rows[member][0]
                     if member >= 0 else None, dimension, sub,
                     rng.choices(("mild", "moderate", "severe"), (3, 5, 2))[0], urgency, "",
                     "open", assessment_id, assessment_id, assessed_on, BUREAU_ID, self.now,
                     self.now)
                )  # fmt: skip
        # The needs an active referral of the earlier run serves: not in this run.
        self.served = set(self.rng.sample(range(len(self.needs)), len(self.needs) - self.n_needs))

    def _members(self, household_id: int) -> list[int]:
        rng, today = self.rng, self.today
        size = rng.choices((1, 2, 3, 4), (3, 3, 2, 2))[0]
        head_age = rng.randint(25, 85)
        ages = [head_age]
        relations = ["head"]
        if size >= 2:
            ages.append(max(20, head_age + rng.randint(-5, 5)))
            relations.append("spouse")
        for _ in range(size - 2):
            if head_age < 60 and rng.random() < 0.75:
                ages.append(rng.randint(0, min(17, max(0, head_age - 20))))
                relations.append("child")
            else:
                ages.append(min(100, head_age + rng.randint(20, 30)))
                relations.append("parent")
        positions = []
        for age, relation in zip(ages, relations, strict=True):
            born = None
            if rng.random() < 0.95:  # an intake without ID numbers leaves the age unknown
                born = today - timedelta(days=age * 365 + rng.randrange(365))
            disability = rng.choice(DISABILITIES) if rng.random() < 0.08 else None
            working = 16 <= age < 60
            self.member_rows.append(
                (len(self.member_rows) + 1, household_id, "nantong",
                 rng.choice(SURNAMES) + "某" + str(len(relations)), born,
                 rng.choice(("male", "female")), relation,
                 "full" if working and not disability else "none",
                 rng.choice(("employed", "flexible", "unemployed")) if working
                 else "not_in_labour_force",
                 ("primary" if age < 12 else "junior_secondary" if age < 15
                  else "senior_secondary") if 6 <= age < 18 else None,
                 disability, rng.randint(1, 4) if disability else None, rng.random() < 0.1,
                 "full_care" if age >= 80 else "half_care" if age >= 70 else "self_care",
                 rng.choice(("able", "unable", "none")), False, False, BUREAU_ID)
            )  # fmt: skip
            positions.append(len(self.member_rows) - 1)
            self.member_age.append(age if born else -1)
            self.member_disability.append(1 << DISABILITIES.index(disability) if disability else 0)
        return positions

    def _member_for(self, h: int, dimension: str) -> int:
        """The member a need of the dimension is for (-1: the household as a whole)."""
        members = self.hh_members[h]
        fits = {
            "care": lambda age: age >= 60,
            "education": lambda age: 0 <= age < 18,
            "employment": lambda age: 16 <= age < 60,
        }.get(dimension, lambda age: True)
        suited = [m for m in members if fits(self.member_age[m])]
        return self.rng.choice(suited) if suited else -1

    # -- contracts and services ---------------------------------------------------------------

    def services(self) -> None:
        """The services' attributes (coverage and places come after the sizing)."""
        rng = self.rng
        contracts = max(5, self.n_services // 60)
        self.contracts = []  # (provider, active)
        for k in range(contracts):
            compliant = [p for p in self.non_government if p not in self.blocked]
            provider = rng.choice(self.non_government if k % 10 == 9 else compliant)
            self.contracts.append((provider, k % 20 != 7))  # one in twenty suspended
        self.svc = []
        for _j in range(self.n_services):
            dimension = rng.choices(self.dimensions, self.dimension_weights)[0]
            contract = rng.randrange(contracts) if rng.random() < FUNDED_SHARE else None
            provider = self.contracts[contract][0] if contract is not None else None
            provider = provider or rng.choice(self.providers)
            subs = self.subcategories[dimension]
            sub = rng.choice(subs) if subs and rng.random() < 0.6 else None
            categories = 0
            if rng.random() < 0.2:
                for c in rng.sample(CATEGORIES, rng.choice((1, 2))):
                    categories |= 1 << ("dibao", "tekun", "low_income",
                                        "expenditure_type").index(c)  # fmt: skip
            low = high = None
            if dimension == "care" and rng.random() < 0.3:
                low = 60
            elif dimension == "education" and rng.random() < 0.4:
                low, high = 6, 18
            elif dimension == "employment" and rng.random() < 0.3:
                low, high = 16, 60
            elif rng.random() < 0.05:
                low = 18
            requires = sub == "health.rehabilitation" and rng.random() < 0.5
            requires |= dimension == "care" and rng.random() < 0.05
            types = 1 << rng.randrange(len(DISABILITIES)) if requires and rng.random() < 0.3 else 0
            self.svc.append(
                {
                    "provider": provider,
                    "government": self.provider_type[provider] == "bureau",
                    "dimension": dimension,
                    "sub": sub,
                    "categories": categories,
                    "low": low,
                    "high": high,
                    "requires": requires,
                    "types": types,
                    "contract": contract,
                    "full": rng.random() < 0.04,  # no places left
                }
            )

    def admitted(self, need: int, j: int) -> bool:
        """The engine's rules for one pair (to size the coverage; the run says how many
        candidates there really are)."""
        h, member, _dimension, sub, _urgency = self.needs[need]
        s = self.svc[j]
        if sub and s["sub"] and sub != s["sub"]:
            return False
        if s["categories"] and not s["categories"] & self.hh_categories[h]:
            return False
        if s["low"] is not None or s["high"] is not None:
            low, high = s["low"] or 0, 255 if s["high"] is None else s["high"]
            ages = [self.member_age[member]] if member >= 0 else [
                self.member_age[m] for m in self.hh_members[h]]  # fmt: skip
            if not any(age >= 0 and low <= age <= high for age in ages):
                return False
        if s["requires"]:
            members = [member] if member >= 0 else self.hh_members[h]
            disability = 0
            for m in members:
                disability |= self.member_disability[m]
            if not disability or (s["types"] and not s["types"] & disability):
                return False
        if not s["government"] and not self.hh_consent[h]:
            return False
        if s["contract"] is not None:
            provider, active = self.contracts[s["contract"]]
            if provider in self.blocked or not active:
                return False
        return not s["full"]

    def coverage(self) -> None:
        """Areas for each service so that a need has about ``per_need`` candidates: a
        dimension's pairs per need are the sum of its services' shares of the district
        (a street 1/streets, a community 1/communities), so each service draws a share
        around per_need / (pass rate × services of the dimension)."""
        rng = self.rng
        run_needs = [i for i in range(len(self.needs)) if i not in self.served]
        by_dimension = defaultdict(list)
        for i in run_needs:
            by_dimension[self.needs[i][2]].append(i)
        services_of = defaultdict(list)
        for j, s in enumerate(self.svc):
            services_of[s["dimension"]].append(j)
        self.pass_rate = {}
        for dimension, services in services_of.items():
            needs = by_dimension.get(dimension) or [0]
            sample = [(rng.choice(needs), rng.choice(services)) for _ in range(3000)]
            rate = sum(self.admitted(i, j) for i, j in sample) / len(sample)
            self.pass_rate[dimension] = max(rate, 0.05)
        # Needs of the run by dimension and community, to give each service its places.
        counts = Counter((self.needs[i][2], self.hh_community[self.needs[i][0]]) for i in run_needs)
        C = COMMUNITIES_PER_STREET
        self.areas_of = []  # per service: codes
        self.streets_of = []  # per service: the streets its areas lie in (contract areas)
        covered = []
        self.covering = defaultdict(list)  # (dimension, community) → services covering it
        for j, s in enumerate(self.svc):
            dimension = s["dimension"]
            mean = self.per_need / self.pass_rate[dimension] / len(services_of[dimension])
            share = mean * self.streets * rng.uniform(0.4, 1.6)  # in streets
            home = rng.randrange(self.streets)
            communities = []
            if share >= self.streets:
                codes, streets = [DISTRICT], list(range(self.streets))
                communities = list(range(self.communities))
            else:
                whole = int(share)
                streets = [(home + k) % self.streets for k in range(whole)]
                codes = [street_code(st) for st in streets]
                communities = [st * C + c for st in streets for c in range(C)]
                part = round((share - whole) * C) or (0 if whole else 1)
                if part:
                    st = (home + whole) % self.streets
                    first = rng.randrange(C)
                    some = [st * C + (first + k) % C for k in range(part)]
                    codes += [community_code(st, c % C) for c in some]
                    communities += some
                    streets.append(st)
            self.areas_of.append(codes)
            self.streets_of.append(streets)
            covered.append(sum(counts[dimension, c] for c in communities))
            for c in communities:
                self.covering[dimension, c].append(j)
        # Places: a service's share of the needs it covers, drawn about PLACES_SHARE of
        # each dimension's needs in all (some services have none left).
        raw = [
            0.0 if s["full"] else covered[j] * rng.uniform(0.5, 1.5) for j, s in enumerate(self.svc)
        ]
        total = Counter()
        for j, s in enumerate(self.svc):
            total[s["dimension"]] += raw[j]
        needs_of = Counter(self.needs[i][2] for i in run_needs)
        self.places = [
            round(raw[j] * PLACES_SHARE * needs_of[s["dimension"]] / total[s["dimension"]])
            if total[s["dimension"]]
            else 0
            for j, s in enumerate(self.svc)
        ]

    def service_rows(self) -> None:
        rng = self.rng
        standard_price = {d: 2_000 + 1_000 * k for k, d in enumerate(self.dimensions)}
        self.purchase_item_rows = [
            (k + 1, f"PI-{k + 1:03d}", f"基准购买项目{d}", d, None, "session", standard_price[d],
             "", "published", self.today - timedelta(days=400), BUREAU_ID, self.now, self.now)
            for k, d in enumerate(self.dimensions)
        ]  # fmt: skip
        # Contract items: what the contract's services of each dimension can place, with
        # room to spare (a fifth of the items tight); budgets for all the units (a fifth
        # of the contracts short).
        places = defaultdict(int)
        areas = defaultdict(set)
        for j, s in enumerate(self.svc):
            if s["contract"] is not None:
                places[s["contract"], s["dimension"]] += self.places[j]
                areas[s["contract"]].update(self.streets_of[j])
        self.contract_rows, self.contract_area_rows, self.contract_item_rows = [], [], []
        self.item_of = {}
        started = self.today - timedelta(days=180)
        for k, (provider, active) in enumerate(self.contracts):
            dims = sorted(d for c, d in places if c == k) or [rng.choice(self.dimensions)]
            value = 0
            for d in dims:
                item_id = len(self.contract_item_rows) + 1
                price = int(round(standard_price[d] * rng.uniform(0.8, 1.2), -2))
                factor = 0.6 if rng.random() < 0.2 else 1.25
                units = max(1, math.ceil(places[k, d] * factor))
                value += units * price
                self.item_of[k, d] = item_id
                self.contract_item_rows.append(
                    (item_id, k + 1, self.dimensions.index(d) + 1, price, units, 0, BUREAU_ID, 0)
                )
            budget = max(1, round(value * (0.75 if rng.random() < 0.2 else 1.0)))
            self.contract_rows.append(
                (k + 1, provider, f"NT-BENCH-{k + 1:04d}", f"基准购买服务合同{k + 1}", started,
                 started + timedelta(days=365), budget, 0, "special_funds",
                 "active" if active else "suspended", self.now, BUREAU_ID, self.now, self.now, 0)
            )  # fmt: skip
            codes = (
                [DISTRICT]
                if len(areas[k]) == self.streets
                else [street_code(st) for st in sorted(areas[k])] or [DISTRICT]
            )
            self.contract_area_rows += [(k + 1, code, BUREAU_ID) for code in codes]
        self.service_rows_, self.service_area_rows, self.location_rows = [], [], []
        for j, s in enumerate(self.svc):
            service_id = j + 1
            per_period = self.places[j] + rng.randint(1, max(2, self.places[j] // 2))
            contract = s["contract"]
            self.service_rows_.append(
                (service_id, f"00000000-0000-4000-8000-{service_id:012d}", "nantong",
                 f"基准服务{service_id}", "", s["dimension"], s["sub"], 0, s["categories"],
                 s["low"], s["high"], s["requires"], s["types"], "", "户次", "month", per_period,
                 self.places[j],
                 "government_purchased" if contract is not None else "own_funds",
                 None if contract is None else contract + 1, "published", self.now,
                 s["provider"], self.now, self.now)
            )  # fmt: skip
            for code in self.areas_of[j]:
                self.service_area_rows.append(
                    (service_id, code,
                     f"00000000-0000-4000-9000-{len(self.service_area_rows) + 1:012d}",
                     s["provider"])
                )  # fmt: skip
            if rng.random() < 0.5:  # located: one or two service points in its streets
                street = rng.choice(self.streets_of[j])
                # Two points of a service are in two communities: two in the same one,
                # one without coordinates, fail the run (the loader sorts Decimal with
                # None; see the report of issue 6's benchmark).
                points = rng.sample(range(COMMUNITIES_PER_STREET), rng.choice((1, 1, 1, 2)))
                for c in points:
                    lat, lng = self.centre[street * COMMUNITIES_PER_STREET + c]
                    has = rng.random() < 0.85
                    location_id = len(self.location_rows) + 1
                    self.location_rows.append(
                        (location_id, f"00000000-0000-4000-a000-{location_id:012d}", service_id,
                         f"基准服务点{location_id}", community_code(street, c), "基准路1号",
                         round(lat + rng.uniform(-0.003, 0.003), 6) if has else None,
                         round(lng + rng.uniform(-0.003, 0.003), 6) if has else None,
                         s["provider"])
                    )  # fmt: skip

    def referral_rows(self) -> None:
        """The earlier run's referrals: active ones for the served needs, ended ones
        (declined, expired, completed, …) for a share of the others — to unfunded
        services covering the need."""
        rng = self.rng
        self.referrals = []
        ended = ("declined", "expired", "completed", "closed_unresolved", "revoked")
        for i, (h, member, dimension, _sub, urgency) in enumerate(self.needs):
            if i in self.served:
                status = rng.choice(("accepted", "in_service"))
            elif rng.random() < ENDED_SHARE:
                status = rng.choices(ended, (30, 15, 30, 10, 15))[0]
            else:
                continue
            options = [
                j for j in self.covering[dimension, self.hh_community[h]]
                if self.svc[j]["contract"] is None
            ]  # fmt: skip
            if not options:
                options = [j for j, s in enumerate(self.svc) if s["dimension"] == dimension]
                options = [j for j in options if self.svc[j]["contract"] is None] or options[:1]
            j = rng.choice(options)
            changed = self.now - timedelta(days=rng.randrange(1, 60))
            # A provider that declines says why (the schema requires it); drawn from no
            # random numbers, so the rest of the data stays as it was.
            reason = DECLINE_REASONS[i % len(DECLINE_REASONS)] if status == "declined" else None
            # A closed case has its outcome (the schema requires it).
            outcome = "resolved" if status in ("completed", "closed_unresolved") else None
            self.referrals.append(
                (len(self.referrals) + 1, i + 1, h + 1,
                 self.member_rows[member][0] if member >= 0 else None, j + 1,
                 self.svc[j]["provider"], EARLIER_RUN_ID, urgency, status, changed, 0, "{}",
                 BUREAU_ID, changed, changed, reason, "", outcome, "")
            )  # fmt: skip


def build(url: str, needs: int, services: int, per_need: int) -> None:
    """Empty the database and build the jurisdiction (run in a process of its own)."""
    from aidbridge.clock import local_today
    from aidbridge.extensions import db

    started = time.perf_counter()
    ensure_database(url)
    app = make_app(url)
    with app.app_context():
        streets = max(2, round(needs / NEEDS_PER_STREET))
        setup_reference_data(streets)
        today = local_today()
        subcategories = defaultdict(list)
        for code, parent in db.session.execute(
            sa.text("SELECT code, parent_code FROM taxonomy_term WHERE parent_code IS NOT NULL")
        ):
            subcategories[parent].append(code)
        pack_version_id = db.session.scalar(
            sa.text(
                "SELECT id FROM policy_pack_version WHERE jurisdiction = 'nantong' "
                "AND starts_on <= :today ORDER BY starts_on DESC LIMIT 1"
            ),
            {"today": today},
        )
        db.session.remove()
        world = Jurisdiction(needs, services, per_need, today, dict(subcategories))
        world.tenants()
        world.households(pack_version_id)
        world.services()
        world.coverage()
        world.service_rows()
        world.referral_rows()
        generated = time.perf_counter() - started
        weights = '{"distance": 50, "performance": 20, "continuity": 20, "price": 10}'
        with db.engine.begin() as conn:
            tables = [
                ("tenant", "id, type, name, credit_code, jurisdiction_code, policy_pack, status, "
                 "created_at, updated_at", world.tenant_rows),
                ("post", "id, title, category, full_time, holder_name, qualification, "
                 "certificate_number, certified_on, starts_on, pool, created_at, tenant_id",
                 world.post_rows),
                ("household", "id, jurisdiction, area_code, address, setting, registered_on, "
                 "checks_authorised_on, emergency, exit_requested, outcomes, benefit_fen, "
                 "tenant_id, created_at, updated_at, latitude, longitude", world.household_rows),
                ("member", "id, household_id, jurisdiction, name, birth_date, sex, relation, "
                 "labour_capacity, employment, school_stage, disability_type, disability_grade, "
                 "major_illness, self_care, supporter, institutional_care, applies_individually, "
                 "tenant_id", world.member_rows),
                ("assessment", "id, household_id, version, assessed_on, pack_version_id, grade, "
                 "points, grade_steps, consents_to_share, note, assessed_at, tenant_id, "
                 "assessed_by_name", world.assessment_rows),
                ("need", "id, household_id, member_id, dimension, subcategory_code, severity, "
                 "urgency, note, status, opened_by_id, assessment_id, opened_on, tenant_id, "
                 "created_at, updated_at", world.need_rows),
                ("purchase_item", "id, code, name, dimension, subcategory_code, unit, "
                 "unit_price_fen, quality, status, published_on, tenant_id, created_at, "
                 "updated_at", world.purchase_item_rows),
                ("contract", "id, provider_id, number, title, starts_on, ends_on, budget_fen, "
                 "spent_fen, funding_source, status, activated_at, tenant_id, created_at, "
                 "updated_at, reserved_fen", world.contract_rows),
                ("contract_area", "contract_id, area_code, tenant_id", world.contract_area_rows),
                ("contract_item", "id, contract_id, purchase_item_id, unit_price_fen, units, "
                 "units_delivered, tenant_id, units_reserved", world.contract_item_rows),
                ("service", "id, hsds_id, pool, name, description, dimension_code, "
                 "subcategory_code, target_groups, categories, min_age, max_age, "
                 "requires_disability, disability_types, eligibility_notes, capacity_unit, "
                 "capacity_period, capacity_per_period, capacity_available, funding, contract_id, "
                 "status, published_at, tenant_id, created_at, updated_at", world.service_rows_),
                ("service_area", "service_id, area_code, hsds_id, tenant_id",
                 world.service_area_rows),
                ("service_location", "id, hsds_id, service_id, name, area_code, address, "
                 "latitude, longitude, tenant_id", world.location_rows),
                ("matching_run", "id, mode, area_code, status, weights, created_at, started_at, "
                 "finished_at, solver, tenant_id",
                 [(EARLIER_RUN_ID, "batch", "320600", "succeeded", weights,
                   world.now - timedelta(days=60), world.now - timedelta(days=60),
                   world.now - timedelta(days=60), "min_cost_flow", BUREAU_ID)]),
                ("referral", "id, need_id, household_id, member_id, service_id, provider_id, "
                 "run_id, urgency, status, status_changed_at, cost, explanation, tenant_id, "
                 "created_at, updated_at, decline_reason, decline_note, outcome, outcome_note",
                 world.referrals),
            ]  # fmt: skip
            for table, columns, rows in tables:
                copy(conn, table, columns, rows)
            for table in [t for t, _c, _r in tables if t not in ("contract_area", "service_area")]:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                    )
                )
        # What autovacuum does to a live database after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    funded = sum(s["contract"] is not None for s in world.svc)
    print(
        f"{needs:,} needs × {services:,} services: {len(world.household_rows):,} households "
        f"({len(world.member_rows):,} members), {world.communities:,} communities in "
        f"{world.streets} streets, {len(world.providers)} providers "
        f"({len(world.blocked)} below the social-work share), {len(world.contracts)} contracts "
        f"funding {funded:,} services, {len(world.location_rows):,} service points, "
        f"{len(world.referrals):,} earlier referrals",
        flush=True,
    )
    rates = ", ".join(f"{d} {r:.0%}" for d, r in sorted(world.pass_rate.items()))
    print(f"  pairs admitted by the rules (sizing estimate): {rates}", flush=True)
    print(
        f"  built in {time.perf_counter() - started:.1f} s (generated in {generated:.1f} s)",
        flush=True,
    )


# --- the run ---------------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def match(url: str, needs: int, services: int) -> None:
    """Run matching for the bureau's jurisdiction through the service and print what the
    run recorded (run in a process of its own)."""
    from aidbridge.accounts.models import Tenant
    from aidbridge.extensions import db
    from aidbridge.matching.service import start_run
    from aidbridge.tenancy import tenant_context

    app = make_app(url)
    with app.app_context(), tenant_context(BUREAU_ID):
        bureau = db.session.get(Tenant, BUREAU_ID)
        before = peak_mb()
        started = time.perf_counter()
        run = start_run(bureau, None, {})
        wall = time.perf_counter() - started
        peak = peak_mb()
        written = db.session.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM referral WHERE run_id = :r), "
                "(SELECT count(*) FROM unmatched_need WHERE run_id = :r)"
            ),
            {"r": run.id},
        ).one()
        report(run, wall, before, peak, written, TARGETS.get((needs, services), {}))


INSTANT_NEEDS = 50  # needs the batch run left unmatched, each matched at once
INSTANT_TARGET_MS = 200  # with 10,000 services in the pool (issue 6)


def instant(url: str, needs: int, services: int) -> None:
    """After the batch run: every service gets one place more (a provider's new month),
    and needs it left unmatched are matched one at a time, each as an emergency's
    request would (``match_now``, committed), timed one by one."""
    from aidbridge.accounts.models import Tenant
    from aidbridge.extensions import db
    from aidbridge.matching.service import match_now
    from aidbridge.needs.models import Need
    from aidbridge.tenancy import tenant_context

    app = make_app(url)
    with app.app_context(), tenant_context(BUREAU_ID):
        db.session.execute(
            sa.text(
                "UPDATE service SET capacity_available = capacity_available + 1"
                " WHERE capacity_available < capacity_per_period"
            )
        )
        db.session.commit()
        need_ids = db.session.scalars(
            sa.text(
                "SELECT need_id FROM unmatched_need WHERE run_id = (SELECT max(id) FROM"
                " matching_run) AND reason = 'capacity_taken' ORDER BY need_id LIMIT :n"
            ),
            {"n": INSTANT_NEEDS},
        ).all()
        bureau = db.session.get(Tenant, BUREAU_ID)
        seconds, matched = [], 0
        for need_id in need_ids:
            started = time.perf_counter()
            run = match_now(bureau, db.session.get(Need, need_id), None, {})
            db.session.commit()
            seconds.append(time.perf_counter() - started)
            matched += sum(run.counts["matched"].values())
    ms = sorted(1000 * x for x in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    met = ""
    if services >= 10_000:
        met = (
            f"   target < {INSTANT_TARGET_MS} ms: {'met' if p95 < INSTANT_TARGET_MS else 'MISSED'}"
        )
    print(
        f"  instant     {len(ms)} needs matched at once ({matched} served): "
        f"p50 {ms[len(ms) // 2]:.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms{met}"
    )


def report(run, wall: float, before: float, peak: float, written, target: dict) -> None:
    if str(run.status) != "succeeded":
        print(f"  run {run.id} {run.status}: {run.error}")
        return
    counts, timings = run.counts, run.timings
    n, pairs, arcs = counts["needs"], counts["pairs"], counts["candidates"]
    print(
        f"  run: {n:,} needs, {counts['services']:,} services, {pairs:,} pairs "
        f"({pairs / max(n, 1):.1f} per need), {arcs:,} candidate pairs after the rules "
        f"({arcs / max(n, 1):.1f} per need), attempts {counts['attempts']}"
    )

    def against(name: str, seconds: float) -> str:
        if name not in target:
            return ""
        met = "met" if seconds < target[name] else "MISSED"
        return f"   target < {target[name]:g} s: {met}"

    phases = (
        ("load", "reading the database"),
        ("build", "the problem in numpy"),
        ("greedy", "the reference"),
        ("solve", "min-cost flows"),
        ("explain", "matches and unmatched needs"),
        ("write", "referrals, unmatched needs, capacity"),
        ("total", "the job's phases"),
    )
    for name, what in phases:
        seconds = timings.get(name, 0.0)
        print(f"  {name:8} {seconds:7.2f} s   {what:38}{against(name, seconds)}".rstrip())
    # The end-to-end target holds for the wall time too: the job's phases and the rest.
    wall_line = f"  {'wall':8} {wall:7.2f} s   {'end to end, around start_run':38}"
    print(wall_line + against("total", wall))
    memory = f"  peak memory {peak:,.0f} MB ({before:,.0f} MB before the run)"
    if "memory_mb" in target:
        met = "met" if peak < target["memory_mb"] else "MISSED"
        memory += f"   target < {target['memory_mb'] / 1024:g} GB: {met}"
    print(memory)

    def by_urgency(matched: dict) -> str:
        total = sum(matched.values())
        parts = ", ".join(f"{u} {matched.get(u, 0):,}" for u, _share in reversed(URGENCIES))
        return f"{total:,} ({total / max(n, 1):.1%}): {parts}"

    greedy = counts["greedy"]
    print(f"  matched     {by_urgency(counts['matched'])}   objective {run.cost:,}")
    # The objective is the cost of the pairs chosen, once the most needs of each urgency
    # are served: the greedy's is lower when it serves fewer.
    fewer = sum(counts["matched"].values()) - sum(greedy["matched"].values())
    gap = (greedy["cost"] - run.cost) / run.cost if run.cost else 0.0
    print(
        f"  greedy      {by_urgency(greedy['matched'])}   objective {greedy['cost']:,} "
        f"({gap:+.1%}, serving {fewer:,} fewer)"
    )
    unmatched = sorted(counts["unmatched"].items(), key=lambda kv: -kv[1])
    print(
        f"  unmatched   {sum(counts['unmatched'].values()):,}: "
        + ", ".join(f"{reason} {k:,}" for reason, k in unmatched)
    )
    print(f"  written     {written[0]:,} referrals, {written[1]:,} unmatched needs")


# --- main ------------------------------------------------------------------------------------


def in_process(target, *args) -> None:
    """Run ``target`` in a fresh process (spawned: nothing inherited) and wait for it."""
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join()
    if process.exitcode != 0:
        sys.exit(f"{target.__name__} failed (exit code {process.exitcode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--services", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--per-need", type=int, default=20, help="candidates per need (target)")
    options = parser.parse_args()
    if len(options.needs) != len(options.services):
        parser.error("give as many --services as --needs (one size each)")
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database the benchmark may empty")
    from aidbridge.config import database_url

    url = database_url(url, Path("."))
    for k, (needs, services) in enumerate(zip(options.needs, options.services, strict=True)):
        if k:
            print()
        in_process(build, url, needs, services, options.per_need)
        in_process(match, url, needs, services)
        in_process(instant, url, needs, services)


if __name__ == "__main__":
    main()
