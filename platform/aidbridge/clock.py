"""Time: stored in UTC, dates as people see them in the platform's zone."""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the platform's users are (e.g. for 'verified on')."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_day(moment: datetime) -> date:
    """The date a UTC ``moment`` falls on where the platform's users are."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday counts from the day itself)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# The years whose holidays the installed calendar knows (it refuses any other year).
CALENDAR_YEARS = frozenset(day.year for day in chinese_calendar.holidays)


def is_working_day(day: date) -> bool:
    """A working day on the mainland calendar: the State Council's public holidays and
    make-up working days (调休) as ``chinesecalendar`` knows them, with the local changes
    of the settings (``HOLIDAYS``, ``WORKDAYS``); Monday to Friday in a year it does not
    know yet."""
    config = current_app.config
    if day in config["HOLIDAYS"]:
        return False
    if day in config["WORKDAYS"]:
        return True
    if day.year in CALENDAR_YEARS:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(moment: datetime, days: int) -> datetime:
    """``days`` working days after ``moment``, at the same clock time where the users
    are (a Friday afternoon's offer with two days is due on Tuesday afternoon). A moment
    on a day off counts from the start of the next working day (a Saturday's offer with
    one day is due at the end of Monday)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = moment.astimezone(zone)
    if not is_working_day(local.date()):
        day = local.date() + timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
        local = datetime.combine(day, time(0), zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return datetime.combine(day, local.timetz()).astimezone(UTC)
