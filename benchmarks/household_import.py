"""Benchmark: bulk import of households (issue 4) — 10,000 households in under 60 s.

Builds files of synthetic Nantong households (one to four members each, 2.5 on
average, valid ID numbers with their check characters, the shipped communities of
南通市) as CSV (UTF-8) and XLSX, and imports them into a bureau's register on SQLite
(a temporary file) and, with BENCH_DATABASE_URL, on PostgreSQL:

* through the service, timing each phase: reading the file, checking every row
  (schema, communities, people already registered, ID and phone numbers encrypted),
  writing the households in one flush and committing;
* through the API as a bureau would (POST /api/v1/households/import?mode=accepted,
  the job run in process): upload, encryption of the upload, the job, the report.

Each import brings new people, so the later ones check against a fuller register.

    .venv/bin/python benchmarks/household_import.py [--households 10000]
    BENCH_DATABASE_URL=postgresql://postgres@localhost:5432/aidbridge_bench \\
        .venv/bin/python benchmarks/household_import.py [--households 10000]

The database named by BENCH_DATABASE_URL is emptied and rebuilt (it is created if
missing). Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from pool_search import caseworker_token, ensure_database

PII_KEY = "t3Qm0n6bKp2GQe3v9Vf0lq5JcY1pWm8Zx4sR7dH2aLk="  # benchmark data only
SIZES = (1, 2, 3, 4)
SIZE_WEIGHTS = (2, 3, 3, 2)  # 2.5 members on average
RELATIONS = ("户主", "配偶", "子女", "父母")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


class People:
    """Unique, valid resident ID numbers, never the same twice in a run."""

    def __init__(self, rng: random.Random):
        from aidbridge.resident_id import check_character

        self.rng, self.check, self.used = rng, check_character, set()

    def number(self, born: date) -> str:
        while True:
            body = f"320613{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            if body not in self.used:
                self.used.add(body)
                return body + self.check(body)


def rows(households: int, communities: list[str], people: People, rng: random.Random):
    """The file's rows (Chinese headers), one per member."""
    from aidbridge.households.importing import COLUMNS

    yield [c.header for c in COLUMNS]
    codes = [c.code for c in COLUMNS]
    for ref in range(1, households + 1):
        size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
        adult = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        for position in range(size):
            born = adult if position < 2 else date(2005, 1, 1) + timedelta(rng.randrange(5000))
            first = position == 0
            row = {
                "household_ref": f"H{ref}",
                "area_code": rng.choice(communities) if first else "",
                "address": f"和平路{ref}号" if first else "",
                "setting": rng.choice(("城市", "农村")) if first else "",
                "phone": f"138{rng.randrange(10**8):08d}" if first else "",
                "checks_authorised_on": "2026/11/2" if first else "",
                "registered_on": "2026-11-02" if first else "",
                "name": rng.choice(SURNAMES) + "某" + str(position),
                "id_number": people.number(born),
                "relation": RELATIONS[position],
                "labour_capacity": rng.choice(("有劳动能力", "部分丧失劳动能力", "full")),
                "employment": rng.choice(("失业", "灵活就业", "employed")),
                "major_illness": rng.choice(("是", "否", "")),
            }
            if position >= 2:
                row.update(labour_capacity="完全丧失劳动能力", employment="非劳动力")
                row["school_stage"] = rng.choice(("小学", "初中", "高中"))
            yield [row.get(code, "") for code in codes]


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(table: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def setup(app):
    """The schema, the area tree, and a Nantong bureau with a caseworker and a token."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from aidbridge.accounts.models import Tenant, TenantType, User
    from aidbridge.areas.models import Area, AreaLevel
    from aidbridge.areas.service import load_areas
    from aidbridge.extensions import db
    from aidbridge.tenancy import all_tenants

    upgrade()
    load_areas()
    with all_tenants():
        bureau = Tenant(
            type=TenantType.bureau,
            name="南通市基准民政局",
            credit_code="11320600MB0000000Y",
            jurisdiction_code="320600",
            policy_pack="nantong",
        )
        db.session.add(bureau)
        db.session.commit()
        plain = caseworker_token(bureau.id, "bench.importer")
        user = db.session.scalars(select(User).where(User.username == "bench.importer")).one()
    communities = db.session.scalars(
        select(Area.code).where(Area.level == AreaLevel.community, Area.code.like("3206%"))
    ).all()
    return bureau.id, user.id, plain, list(communities)


def through_service(tenant_id: int, user_id: int, raw: bytes, name: str) -> dict[str, float]:
    from aidbridge.accounts.models import Tenant
    from aidbridge.extensions import db
    from aidbridge.households import importing
    from aidbridge.households.models import HouseholdImport, ImportMode
    from aidbridge.tenancy import tenant_context

    times = {}
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        record = HouseholdImport(
            tenant_id=tenant_id, created_by_id=user_id, file_name=name, mode=ImportMode.accepted
        )
        db.session.add(record)
        db.session.commit()
        started = time.perf_counter()
        table = importing.read(raw, 100_000)
        times["read"] = time.perf_counter() - started
        checked = importing.check(tenant, table)
        times["check"] = time.perf_counter() - started - times["read"]
        assert not checked.errors, list(checked.errors.items())[:3]
        mark = time.perf_counter()
        importing.write(tenant, checked.accepted, record)
        db.session.commit()
        times["write"] = time.perf_counter() - mark
        times["total"] = time.perf_counter() - started
    db.session.remove()
    return times


def through_api(app, token: str, raw: bytes, name: str) -> float:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/households/import?mode=accepted&file_name={name}",
        data=raw,
        content_type="text/csv" if name.endswith(".csv") else "application/octet-stream",
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = time.perf_counter() - started
    body = response.json
    assert response.status_code == 202 and body["status"] == "imported", body
    return elapsed


def make_app(url: str):
    """The app on the database at ``url``, with the benchmarks' PII key, running jobs in
    process."""
    from aidbridge import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "PII_KEY": PII_KEY,
            "JOBS_IN_PROCESS": True,
            "REDIS_URL": None,
        }
    )


def bench(url: str, label: str, households: int) -> None:
    app = make_app(url)
    rng = random.Random(20261123)
    with app.app_context():
        tenant_id, user_id, token, communities = setup(app)
        people = People(rng)
        print(f"{label}: {households:,} households per file, {len(communities)} communities")
        for fmt, encode in (("csv", as_csv), ("xlsx", as_xlsx)):
            table = list(rows(households, communities, people, rng))
            raw = encode(table)
            members = len(table) - 1
            mb = len(raw) / 2**20
            times = through_service(tenant_id, user_id, raw, f"bench.{fmt}")
            phases = "   ".join(f"{name} {seconds:5.1f} s" for name, seconds in times.items())
            print(f"  service {fmt:4}  {members:,} members, {mb:4.1f} MB   {phases}")
        for fmt, encode in (("csv", as_csv), ("xlsx", as_xlsx)):
            raw = encode(list(rows(households, communities, people, rng)))
            elapsed = through_api(app, token, raw, f"bench.{fmt}")
            print(
                f"  API     {fmt:4}  upload, job and report                                "
                f"        total {elapsed:5.1f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    options = parser.parse_args()
    from aidbridge.config import database_url

    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", options.households)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        url = database_url(url, Path("."))
        ensure_database(url)
        bench(url, "PostgreSQL", options.households)
    else:
        print("PostgreSQL: set BENCH_DATABASE_URL to a database the benchmark may empty")


if __name__ == "__main__":
    main()
