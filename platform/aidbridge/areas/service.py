"""Reading and loading the administrative-area tree."""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import select

from aidbridge.areas.models import LEVEL_ORDER, Area, AreaLevel
from aidbridge.extensions import db


def get_area(code: str) -> Area | None:
    return db.session.get(Area, code)


def pack_for_area(area: Area) -> str | None:
    """The policy pack of the nearest area, at or above this one, that issues one."""
    codes = area.lineage
    rows = db.session.execute(
        select(Area.code, Area.policy_pack).where(
            Area.code.in_(codes), Area.policy_pack.isnot(None)
        )
    ).all()
    packs = dict(rows)
    for code in reversed(codes):
        if code in packs:
            return packs[code]
    return None


def within(area: Area):
    """A filter for 'this area or anything inside it'."""
    return Area.path.startswith(area.path)


def load_areas(rows: list[dict] | None = None) -> int:
    """Insert or update areas from rows (default: the shipped reference file).

    Parents are loaded before children, so the file may be in any order.
    Returns the number of areas written.
    """
    if rows is None:
        source = resources.files("aidbridge.areas").joinpath("data/areas.csv")
        with source.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    rows = sorted(rows, key=lambda r: LEVEL_ORDER.index(AreaLevel(r["level"])))
    existing = {area.code: area for area in db.session.scalars(select(Area))}
    for row in rows:
        parent = existing.get(row["parent_code"]) if row["parent_code"] else None
        if row["parent_code"] and parent is None:
            raise ValueError(f"area {row['code']}: unknown parent_code {row['parent_code']}")
        area = existing.get(row["code"]) or Area(code=row["code"])
        area.name = row["name"]
        area.level = AreaLevel(row["level"])
        area.parent_code = parent.code if parent else None
        area.path = (parent.path if parent else "/") + row["code"] + "/"
        area.policy_pack = row.get("policy_pack") or None
        existing[area.code] = area
        db.session.add(area)
    db.session.flush()
    return len(rows)
