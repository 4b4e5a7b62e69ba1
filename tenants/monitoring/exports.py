"""The monitoring pages' tables as files: each table's headers and rows in the reader's
language, built only when asked for, written as CSV (UTF-8 with a byte-order mark, so
that spreadsheets read the Chinese) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.clock import local_day
from aidbridge.exports.models import Export
from aidbridge.exports.service import register_builder
from aidbridge.extensions import db
from aidbridge.households.service import reviews_by_street
from aidbridge.money import fen_to_yuan
from aidbridge.monitoring import service
from aidbridge.monitoring.schemas import MonitoringPageQuery
from aidbridge.monitoring.service import Filters
from aidbridge.pagination import count_rows
from aidbridge.referrals.models import CaseOutcome, DeclineReason, ReferralStatus
from tenants.labels import (
    BURN,
    CASE_OUTCOME,
    DECLINE_REASON,
    NEED_DIMENSION,
    REFERRAL_STATUS,
    URGENCY,
    why_unmatched,
)
from tenants.portal import _

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Table = tuple[list[str], Iterable[list]]
# The monitoring tables' names as the core's export job knows them ("monitoring.referrals").
PREFIX = "monitoring."


def funnel(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    found = service.referral_measures(viewer, filters)
    rows = [
        (_("Offered"), found["offered"]),
        (_("Taken on"), found["took_on"]),
        (_("Acceptance rate"), found["acceptance_rate"]),
        (_("Completion rate"), found["completion_rate"]),
        (_("Loop closure"), found["loop_closure_rate"]),
        (_("Hours to accept (median)"), found["hours_to_accept"]["median"]),
        (_("Hours to accept (90th percentile)"), found["hours_to_accept"]["p90"]),
        (_("Days to first service (median)"), found["days_to_first_service"]["median"]),
        (_("Days to first service (90th percentile)"), found["days_to_first_service"]["p90"]),
        (_("Satisfaction"), found["satisfaction"]),
        (_("Re-referred"), found["re_referral_rate"]),
        *((str(REFERRAL_STATUS[s]), found["by_status"][str(s)]) for s in ReferralStatus),
        *((str(DECLINE_REASON[r]), found["declined_by_reason"][str(r)]) for r in DeclineReason),
        *((str(CASE_OUTCOME[o]), found["outcomes"][str(o)]) for o in CaseOutcome),
    ]
    return [_("Measure"), _("Value")], [[k, "" if v is None else v] for k, v in rows]


def contracts(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [
        _("Contract"),
        _("Title"),
        _("Units"),
        _("Units delivered"),
        _("Budget (yuan)"),
        _("Spent (yuan)"),
        _("Time elapsed"),
        _("Burn"),
    ]
    return headers, (
        [
            m["number"],
            m["title"],
            m["units"],
            m["delivered"],
            fen_to_yuan(m["budget_fen"]),
            fen_to_yuan(m["spent_fen"]),
            m["elapsed_share"],
            str(BURN[m["burn"]]),
        ]
        for m in service.drawdowns(viewer, today, filters.provider_id)
    )


def staffing(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [_("Provider"), _("Rule"), _("Share"), _("Threshold"), _("Compliant")]
    return headers, (
        [r["provider"].name, c.rule, c.share, c.min_share, _("yes") if c.compliant else _("no")]
        for r in service.staffing(viewer, today, filters.provider_id)
        if (c := r["compliance"]) is not None
    )


def providers(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [
        _("Provider"),
        _("Offered"),
        _("Taken on"),
        _("Declined"),
        _("Expired"),
        _("Completed"),
        _("Acceptance rate"),
        _("Completion rate"),
        _("Satisfaction"),
    ]
    names = ("provider_name", "offered", "took_on", "declined", "expired", "completed")
    return headers, (
        [*(c[n] for n in names), c["acceptance_rate"], c["completion_rate"], c["satisfaction"]]
        for c in service.provider_scorecards(viewer, filters)
    )


def unmet(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [
        _("Street"),
        _("Need"),
        _("Urgency"),
        _("Number of needs"),
        _("Oldest (days)"),
        _("Mean (days)"),
        _("Why unmatched"),
    ]
    return headers, (
        [
            g["street_name"],
            str(NEED_DIMENSION[g["dimension"]]),
            str(URGENCY[g["urgency"]]),
            g["needs"],
            g["oldest_days"],
            g["mean_age_days"],
            "; ".join(f"{why_unmatched(r)}: {n}" for r, n in g["reasons"].items()),
        ]
        for g in service.unmet_needs(viewer, filters, today)
    )


def unmet_areas(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [_("Community"), _("Number of needs"), _("Emergency or priority"), _("Oldest (days)")]
    return headers, (
        [c["area_name"], c["needs"], c["urgent"], c["oldest_days"]]
        for c in service.unmet_by_community(viewer, filters, today, args.get("urgency"))
    )


def unmet_needs(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [
        _("Need"),
        _("Household"),
        _("Community"),
        _("Need dimension"),
        _("Urgency"),
        _("Opened"),
        _("Days open"),
        _("Why unmatched"),
    ]
    return headers, (
        [
            n.need_id,
            n.household_id,
            n.area_name,
            str(NEED_DIMENSION[n.dimension]),
            str(URGENCY[n.urgency]),
            n.opened_on,
            n.age,
            why_unmatched(n.reason),
        ]
        for n in db.session.execute(_unmet_listed(viewer, filters, args, today))
    )


def reviews(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [_("Street"), _("Households"), _("Due soon"), _("Overdue")]
    return headers, (
        [r["street_name"], r["households"], r["due"], r["overdue"]]
        for r in reviews_by_street(today)
    )


def referrals(viewer: Tenant, filters: Filters, args: dict, today: date) -> Table:
    headers = [
        _("No."),
        _("Offered"),
        _("Need"),
        _("Urgency"),
        _("Community"),
        _("Provider") if viewer.type is TenantType.bureau else _("Bureau"),
        _("Service"),
        _("Contract"),
        _("Status"),
        _("Reason or outcome"),
        _("Satisfaction"),
    ]
    return headers, (
        [
            r.id,
            format_datetime(r.offered_at, "yyyy-MM-dd HH:mm"),
            str(NEED_DIMENSION[r.dimension]),
            str(URGENCY[r.urgency]),
            r.area_name,
            r.other_side,
            r.service_name,
            r.contract_number or "",
            str(REFERRAL_STATUS[r.status]),
            _ended(r),
            r.satisfaction or "",
        ]
        for r in db.session.execute(_referrals_behind(viewer, filters, args, today))
    )


def _referrals_behind(viewer: Tenant, filters: Filters, args: dict, today: date):
    return service.referrals_behind(viewer, filters, args)


def _unmet_listed(viewer: Tenant, filters: Filters, args: dict, today: date):
    return service.unmet_needs_listed(viewer, filters, today, args.get("urgency"))


# The tables that list rows one by one, by their query: a long one goes through the queue.
LISTS = {"referrals": _referrals_behind, "unmet_needs": _unmet_listed}


def _ended(row) -> str:
    if row.decline_reason:
        return str(DECLINE_REASON[row.decline_reason])
    return str(CASE_OUTCOME[row.outcome]) if row.outcome else ""


Builder = Callable[[Tenant, Filters, dict, date], Table]
# Every table of the monitoring pages, with its title; those of the needs and households
# are a bureau's.
TABLES: dict[str, tuple[str, Builder]] = {
    "funnel": (_l("Referral funnel"), funnel),
    "contracts": (_l("Active contracts"), contracts),
    "staffing": (_l("Social-work post shares"), staffing),
    "referrals": (_l("Referrals behind the figures"), referrals),
}
BUREAU_TABLES: dict[str, tuple[str, Builder]] = {
    "providers": (_l("Providers side by side"), providers),
    "unmet": (_l("Unmet needs: what to buy next"), unmet),
    "unmet_areas": (_l("Unmet needs by community"), unmet_areas),
    "unmet_needs": (_l("Unmet needs, one by one"), unmet_needs),
    "reviews": (_l("Reviews due and overdue by street"), reviews),
}


def tables_for(viewer: Tenant) -> dict[str, Builder]:
    tables = {**TABLES, **(BUREAU_TABLES if viewer.type is TenantType.bureau else {})}
    return {name: build for name, (_title, build) in tables.items()}


def length(name: str, viewer: Tenant, filters: Filters, args: dict, today: date) -> int:
    """How many rows the table ``name`` has (a list's count; a summary is short)."""
    if name not in LISTS:
        return 0
    return count_rows(LISTS[name](viewer, filters, args, today))


def build_file(
    name: str, kind: str, viewer: Tenant, filters: Filters, args: dict, today: date
) -> tuple[str, int, bytes]:
    """The table ``name`` as a ``kind`` file: (its name, how many rows, the file)."""
    headers, rows = tables_for(viewer)[name](viewer, filters, args, today)
    counted = _Counted(rows)
    content = _csv(headers, counted) if kind == "csv" else _xlsx(headers, counted, name)
    return f"{name}-{filters.since}-{filters.until}.{kind}", counted.n, content


class _Counted:
    """The rows, counted as they are written."""

    def __init__(self, rows: Iterable[list]):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def build_queued(export: Export) -> tuple[str, int, bytes]:
    """A queued export of a monitoring table, as the page that asked for it would have
    built it: for its tenant, with its query string, as of the day it was asked."""
    viewer = db.session.get(Tenant, export.tenant_id)
    today = local_day(export.created_at)
    args = MonitoringPageQuery().load(export.args)
    filters = service.filters_of(args, today)
    name = export.table.removeprefix(PREFIX)
    return build_file(name, export.format, viewer, filters, args, today)


def register_exports(app) -> None:
    """Let the core's export job build the monitoring tables, and the pages name them."""
    titles = {}
    for name, (title, _build) in {**TABLES, **BUREAU_TABLES}.items():
        register_builder(app, PREFIX + name, build_queued)
        titles[PREFIX + name] = title
    app.jinja_env.globals["EXPORT_TABLE"] = titles


# What a spreadsheet takes for the start of a formula. The files hold names other
# organisations typed (a service, a provider): "=HYPERLINK(…)" must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv(headers: list[str], rows: Iterable[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append([_text_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet, value):
    """A string openpyxl would store as a formula, stored as the text it is."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell
