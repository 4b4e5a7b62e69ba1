"""Benchmark: filtered search of the resource pool through the API (issue 3).

Builds a synthetic Nantong pool on PostgreSQL — 2,000 community areas (40 streets of
50 communities in a synthetic district), 50 providers and 100,000 published services
with one to three coverage areas each and their search words — then times a
filtered search (need dimension + household area + assistance category + places
available) through the API, and the same query's bare SQL, and prints p50/p95.

    BENCH_DATABASE_URL=postgresql://postgres@localhost:5432/aidbridge_bench \
        .venv/bin/python benchmarks/pool_search.py [--services 100000] [--queries 300]

The database named by BENCH_DATABASE_URL is emptied and rebuilt (it is created if
missing). Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

STREETS, COMMUNITIES_PER_STREET, PROVIDERS = 40, 50, 50
DISTRICT = "320699"  # synthetic district code inside Nantong (320600)
WORDS = [
    "上门",
    "访视",
    "日间",
    "照护",
    "心理",
    "疏导",
    "学业",
    "辅导",
    "技能",
    "培训",
    "岗位",
    "推荐",
    "康复",
    "法律",
    "援助",
    "慈善",
    "超市",
    "志愿",
    "陪伴",
    "助餐",
    "养老",
    "儿童",
]


def ensure_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def street_code(s: int) -> str:
    """The code of street ``s`` (from 0) of the synthetic district."""
    return f"{DISTRICT}{s + 1:03d}"


def community_code(s: int, c: int) -> str:
    """The code of community ``c`` (from 0) of street ``s``."""
    return f"{street_code(s)}{c + 1:03d}"


def district_areas(streets: int, communities_per_street: int) -> list[dict]:
    """The shipped areas and the synthetic district inside Nantong, with ``streets``
    streets of ``communities_per_street`` communities each, as rows for ``load_areas``."""
    with resources.files("aidbridge.areas").joinpath("data/areas.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.append({"code": DISTRICT, "name": "基准区", "level": "district", "parent_code": "320600"})
    for s in range(streets):
        rows.append(
            {
                "code": street_code(s),
                "name": f"基准街道{s + 1}",
                "level": "street",
                "parent_code": DISTRICT,
            }
        )
        rows += [
            {
                "code": community_code(s, c),
                "name": f"基准社区{s + 1}-{c + 1}",
                "level": "community",
                "parent_code": street_code(s),
            }
            for c in range(communities_per_street)
        ]
    return [{"policy_pack": "", **row} for row in rows]


def build(app, services: int, rng: random.Random) -> None:
    from flask_migrate import upgrade

    from aidbridge.accounts.credit_code import check_character
    from aidbridge.areas.service import load_areas
    from aidbridge.db import FlagSet
    from aidbridge.extensions import db
    from aidbridge.pool.models import TaxonomyTerm
    from aidbridge.pool.search import service_terms
    from aidbridge.pool.taxonomy import load_taxonomy
    from aidbridge.vocab import AssistanceCategory

    upgrade()
    load_areas(district_areas(STREETS, COMMUNITIES_PER_STREET))
    load_taxonomy()
    db.session.commit()  # the bulk inserts below use a connection of their own
    subs = db.session.execute(
        sa.select(TaxonomyTerm.code, TaxonomyTerm.parent_code).where(
            TaxonomyTerm.parent_code.isnot(None)
        )
    ).all()
    streets = [street_code(s) for s in range(STREETS)]
    communities = [
        community_code(s, c) for s in range(STREETS) for c in range(COMMUNITIES_PER_STREET)
    ]
    mask = FlagSet(AssistanceCategory)
    with db.engine.begin() as conn:
        tenant_ids = []
        for p in range(PROVIDERS):
            body = f"5232069{p:010d}"
            tenant_ids.append(
                conn.execute(
                    sa.text(
                        "INSERT INTO tenant (type, name, credit_code, jurisdiction_code, "
                        "policy_pack, status, created_at, updated_at) "
                        "VALUES (:t, :n, :c, '320600', 'nantong', "
                        "'active', now(), now()) RETURNING id"
                    ),
                    {
                        "t": rng.choice(["charity", "agency", "bureau"]),
                        "n": f"基准机构{p}",
                        "c": body + check_character(body),
                    },
                ).scalar()
            )
        chunk = 5000
        for start in range(0, services, chunk):
            rows, areas, terms = [], [], []
            for i in range(start, min(start + chunk, services)):
                sub, dim = rng.choice(subs)
                name = "".join(rng.sample(WORDS, 3)) + f"服务{i}"
                cats = rng.sample(list(AssistanceCategory), rng.choice([0, 1, 2]))
                per = rng.randint(1, 50)
                rows.append(
                    {
                        "id": i + 1,
                        "tenant_id": rng.choice(tenant_ids),
                        "pool": "nantong",
                        "name": name,
                        "description": "".join(rng.sample(WORDS, 6)),
                        "dimension_code": dim,
                        "subcategory_code": sub,
                        "categories": mask.process_bind_param(cats, None),
                        "min_age": None,
                        "max_age": None,
                        "per": per,
                        "available": rng.randint(0, per),
                        "hsds": f"00000000-0000-4000-8000-{i + 1:012d}",
                    }
                )
                for code in {
                    rng.choice(streets if rng.random() < 0.3 else communities)
                    for _ in range(rng.randint(1, 3))
                }:
                    areas.append(
                        {
                            "s": i + 1,
                            "a": code,
                            "t": rows[-1]["tenant_id"],
                            "h": f"00000000-0000-4000-9000-{len(areas) + start * 3:012d}",
                        }
                    )
                terms += [
                    {"s": i + 1, "term": t, "w": w}
                    for t, w in service_terms(name, rows[-1]["description"]).items()
                ]
            conn.execute(
                sa.text(
                    "INSERT INTO service (id, hsds_id, tenant_id, pool, name, description, "
                    "dimension_code, subcategory_code, target_groups, categories, min_age, "
                    "max_age, "
                    "requires_disability, disability_types, eligibility_notes, capacity_unit, "
                    "capacity_period, capacity_per_period, capacity_available, funding, status, "
                    "published_at, created_at, updated_at) VALUES (:id, :hsds, :tenant_id, :pool, "
                    ":name, :description, :dimension_code, :subcategory_code, 0, :categories, "
                    ":min_age, :max_age, false, 0, '', '户次', 'month', :per, :available, "
                    "'own_funds', 'published', now(), now(), now())"
                ),
                rows,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO service_area (service_id, area_code, tenant_id, hsds_id) "
                    "VALUES (:s, :a, :t, :h)"
                ),
                areas,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO service_term (service_id, term, weight) VALUES (:s, :term, :w)"
                ),
                terms,
            )
        conn.execute(sa.text("SELECT setval('service_id_seq', :n)"), {"n": services})
    # What autovacuum does to a live database after a bulk load: statistics and the
    # visibility map (which lets covering indexes answer without the table).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    options = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database the benchmark may empty")
    from aidbridge import create_app
    from aidbridge.config import database_url

    url = database_url(url, Path("."))
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    rng = random.Random(20261123)
    with app.app_context():
        started = time.perf_counter()
        build(app, options.services, rng)
        print(f"built {options.services:,} services in {time.perf_counter() - started:.1f} s")
        run(app, options.queries, rng)


def caseworker_token(tenant_id: int, username: str) -> str:
    """An API token of a new caseworker of the tenant (committed)."""
    from aidbridge.accounts import service as accounts
    from aidbridge.accounts.models import Role, RoleGrant, User
    from aidbridge.extensions import db

    user = User(
        tenant_id=tenant_id,
        username=username,
        full_name="基准",
        password_hash=accounts.hash_password("bench-password"),
    )
    user.role_grants = [RoleGrant(tenant_id=tenant_id, role=Role.caseworker)]
    db.session.add(user)
    db.session.commit()
    _token, plain = accounts.create_token(user, "bench", None)
    db.session.commit()
    return plain


def run(app, queries: int, rng: random.Random) -> None:
    from aidbridge.accounts.models import Tenant
    from aidbridge.extensions import db
    from aidbridge.pool.service import search_pool
    from aidbridge.tenancy import all_tenants, tenant_context

    with all_tenants():
        viewer = db.session.scalars(sa.select(Tenant).order_by(Tenant.id)).first()
        plain = caseworker_token(viewer.id, "bench.viewer")
        dims = [
            c
            for (c,) in db.session.execute(
                sa.text("SELECT code FROM taxonomy_term WHERE parent_code IS NULL")
            )
        ]
    communities = [
        c
        for (c,) in db.session.execute(
            sa.text(f"SELECT code FROM area WHERE code LIKE '{DISTRICT}%' AND level = 'community'")
        )
    ]
    client = app.test_client()
    api_ms, sql_ms, counts = [], [], []
    for _ in range(queries):
        args = {
            "dimension": rng.choice(dims),
            "area": rng.choice(communities),
            "category": rng.choice(["dibao", "low_income", "tekun"]),
            "has_capacity": True,
        }
        url = "/api/v1/pool/services?" + "&".join(f"{k}={str(v).lower()}" for k, v in args.items())
        t0 = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {plain}"})
        api_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.json
        counts.append(response.json["total"])
        with tenant_context(viewer.id):
            query = search_pool(viewer, args).limit(50)
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            connection = db.session.connection()
            t0 = time.perf_counter()
            connection.exec_driver_sql(sql).fetchall()
            sql_ms.append((time.perf_counter() - t0) * 1000)
    print(f"filtered search (dimension + area + category + places), {queries} queries")
    print(f"  API   p50 {statistics.median(api_ms):6.1f} ms   p95 {percentile(api_ms, 95):6.1f} ms")
    print("  (API: token check, validation, count + page, coverage/locations/schedules, JSON)")
    print(f"  SQL   p50 {statistics.median(sql_ms):6.1f} ms   p95 {percentile(sql_ms, 95):6.1f} ms")
    print(f"  matches per query: median {statistics.median(counts):.0f}, max {max(counts)}")


if __name__ == "__main__":
    main()
