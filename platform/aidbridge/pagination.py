"""One page of a query, and how many rows it has in all."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from aidbridge.extensions import db


def count_rows(query: Select) -> int:
    """The number of rows ``query`` returns. The count keeps the query's execution
    options: a deliberate cross-tenant read (the pool) must be counted as one too."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return db.session.scalar(counted.execution_options(**query.get_execution_options()))


def page_of(query: Select, page: int, per_page: int) -> tuple[list, int]:
    """(the objects of page ``page``, the total)."""
    return list(db.session.scalars(_page(query, page, per_page))), count_rows(query)


def page_of_rows(query: Select, page: int, per_page: int) -> tuple[list, int]:
    """(the rows of page ``page``, each with all its columns, the total)."""
    return list(db.session.execute(_page(query, page, per_page))), count_rows(query)


def _page(query: Select, page: int, per_page: int) -> Select:
    return query.limit(per_page).offset((page - 1) * per_page)
