"""Time: stored in UTC, dates as people see them in the platform's zone."""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the platform's users are (e.g. for 'verified on')."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday counts from the day itself)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
