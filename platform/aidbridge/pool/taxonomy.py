"""The managed taxonomy of need dimensions and sub-categories (reference data)."""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import select

from aidbridge.errors import InvalidInput
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.pool.models import TaxonomyTerm


def load_taxonomy() -> int:
    """Insert or update the terms from the shipped file; running it twice changes nothing."""
    source = resources.files("aidbridge.pool").joinpath("data/taxonomy.csv")
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    existing = {t.code: t for t in db.session.scalars(select(TaxonomyTerm))}
    # Dimensions first, so every parent exists before its children.
    for row in sorted(rows, key=lambda r: bool(r["parent_code"])):
        term = existing.get(row["code"]) or TaxonomyTerm(code=row["code"])
        term.parent_code = row["parent_code"] or None
        term.name_zh, term.name_en = row["name_zh"], row["name_en"]
        db.session.add(term)
    db.session.flush()
    return len(rows)


def all_terms() -> list[TaxonomyTerm]:
    """Every term, dimensions and sub-categories, by code (so a dimension's sub-categories
    follow it). Terms are few: callers look them up in the list, and the session holds them
    so that ``term.parent`` and a service's terms load without a query."""
    return list(db.session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.code)))


def dimensions() -> list[TaxonomyTerm]:
    return list(
        db.session.scalars(
            select(TaxonomyTerm)
            .where(TaxonomyTerm.parent_code.is_(None))
            .order_by(TaxonomyTerm.code)
        )
    )


def check_dimension(code: str, field: str) -> None:
    # Terms are few and held by the session's identity map after the first get.
    term = db.session.get(TaxonomyTerm, code)
    if term is None or not term.is_dimension:
        raise InvalidInput.field(field, N_("unknown need dimension"))


def check_subcategory(dimension: str, subcategory: str | None, field: str) -> None:
    if subcategory is not None:
        term = db.session.get(TaxonomyTerm, subcategory)
        if term is None or term.parent_code != dimension:
            raise InvalidInput.field(field, N_("not a sub-category of this dimension"))


def subcategories_by_dimension() -> dict[str, list[TaxonomyTerm]]:
    """Every dimension's sub-categories, by the dimension's code."""
    grouped: dict[str, list[TaxonomyTerm]] = {}
    terms = select(TaxonomyTerm).where(TaxonomyTerm.parent_code.is_not(None))
    for term in db.session.scalars(terms.order_by(TaxonomyTerm.code)):
        grouped.setdefault(term.parent_code, []).append(term)
    return grouped
