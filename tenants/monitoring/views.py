"""The monitoring dashboard: the referral funnel of a period with its rates and times,
declines and outcomes as bar charts (SVG drawn on the server, numbers beside them), the
contracts' drawdown and burn, and the unmet needs. Thin: the measures are the core's."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Response, abort, render_template, request
from flask_login import current_user
from marshmallow import ValidationError
from openpyxl import Workbook

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import local_today
from aidbridge.contracts.api import CONTRACT
from aidbridge.errors import ServiceError
from aidbridge.households.service import reviews_by_street
from aidbridge.money import fen_to_yuan
from aidbridge.monitoring import service
from aidbridge.monitoring.schemas import MeasureQuery
from aidbridge.referrals.models import CaseOutcome, DeclineReason, ReferralStatus
from aidbridge.tenancy import url_objects
from aidbridge.vocab import NeedDimension
from tenants.labels import CASE_OUTCOME, DECLINE_REASON, NEED_DIMENSION, REFERRAL_STATUS, URGENCY
from tenants.portal import _, make_portal, requires

portal = make_portal(
    "monitoring", {TenantType.bureau, TenantType.charity, TenantType.agency}, "/monitoring", False
)


@portal.before_request
@requires(Permission.read_monitoring)
def _readers_only():
    """Those who read the measures of purchased services."""


def _filters(today):
    """The query's filters (an export's ``table`` and ``format`` aside)."""
    raw = {k: v for k, v in request.args.items() if v != "" and k not in EXPORT_ARGS}
    try:
        args, errors = MeasureQuery().load(raw), {}
    except ValidationError as exc:
        args, errors = {}, exc.messages
    try:
        return service.filters_of(args, today), errors
    except ServiceError as error:
        return service.filters_of({}, today), error.errors


@portal.get("/")
def index():
    today = local_today()
    filters, errors = _filters(today)
    viewer = current_user.tenant
    funnel = service.referral_measures(viewer, filters)
    bureau = viewer.type is TenantType.bureau
    return render_template(
        "monitoring/index.html",
        filters=filters,
        errors=errors,
        args=request.args,
        filter_args={k: v for k, v in request.args.items() if v and k not in EXPORT_ARGS},
        funnel=funnel,
        charts=_charts(funnel),
        contracts=service.drawdowns(viewer, today),
        unmet=service.unmet_needs(viewer, filters, today) if bureau else None,
        staffing=service.staffing(viewer, today),
        scorecards=service.provider_scorecards(viewer, filters) if bureau else None,
        reviews=reviews_by_street(today) if bureau else None,
        dimensions=list(NeedDimension),
    ), 422 if errors else 200


def _charts(funnel: dict) -> dict[str, list[tuple[str, int]]]:
    """The bar charts' rows: (label in the reader's language, number)."""
    return {
        "status": [
            (str(REFERRAL_STATUS[s]), funnel["by_status"][str(s)])
            for s in ReferralStatus
            if s is not ReferralStatus.proposed
        ],
        "declines": [
            (str(DECLINE_REASON[r]), funnel["declined_by_reason"][str(r)]) for r in DeclineReason
        ],
        "outcomes": [(str(CASE_OUTCOME[o]), funnel["outcomes"][str(o)]) for o in CaseOutcome],
    }


@portal.get("/contracts/<int:contract_id>/report")
@url_objects(**CONTRACT)
def contract_report(contract):
    """A contract's report for a period, for print (the page's own print styles)."""
    today = local_today()
    filters, errors = _filters(today)
    return render_template(
        "monitoring/contract_report.html",
        contract=contract,
        filters=filters,
        errors=errors,
        report=service.contract_report(contract, filters, today),
        today=today,
    ), 422 if errors else 200


# --- exports ---------------------------------------------------------------------------------

EXPORT_ARGS = ("table", "format")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@portal.get("/export")
def export():
    """A table of the dashboard, with its filters, as CSV (UTF-8 with a byte-order mark,
    so that spreadsheets read the Chinese) or XLSX."""
    today = local_today()
    filters, errors = _filters(today)
    tables = _tables(current_user.tenant, filters, today)
    name, kind = request.args.get("table"), request.args.get("format", "csv")
    if errors or name not in tables or kind not in FORMATS:
        abort(404)
    headers, rows = tables[name]
    content = _csv(headers, rows) if kind == "csv" else _xlsx(headers, rows, name)
    filename = f"{name}-{filters.since}-{filters.until}.{kind}"
    return Response(
        content,
        mimetype=FORMATS[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _tables(viewer, filters, today) -> dict[str, tuple[list[str], list[list]]]:
    """Each table of the dashboard as (headers, rows), in the reader's language."""
    bureau = viewer.type is TenantType.bureau
    funnel = service.referral_measures(viewer, filters)
    tables = {
        "funnel": (
            [_("Measure"), _("Value")],
            [[label, "" if value is None else value] for label, value in _funnel_rows(funnel)],
        ),
        "contracts": (
            [
                _("Contract"),
                _("Title"),
                _("Units"),
                _("Units delivered"),
                _("Budget (yuan)"),
                _("Spent (yuan)"),
                _("Time elapsed"),
                _("Burn"),
            ],
            [
                [
                    m["number"],
                    m["title"],
                    m["units"],
                    m["delivered"],
                    fen_to_yuan(m["budget_fen"]),
                    fen_to_yuan(m["spent_fen"]),
                    m["elapsed_share"],
                    m["burn"],
                ]
                for m in service.drawdowns(viewer, today)
            ],
        ),
        "staffing": (
            [_("Provider"), _("Rule"), _("Share"), _("Threshold"), _("Compliant")],
            [
                [r["provider"].name, c.rule, c.share, c.min_share, c.compliant]
                for r in service.staffing(viewer, today)
                if (c := r["compliance"]) is not None
            ],
        ),
    }
    if bureau:
        tables["providers"] = (
            [
                _("Provider"),
                _("Offered"),
                _("Taken on"),
                _("Declined"),
                _("Expired"),
                _("Completed"),
                _("Acceptance rate"),
                _("Completion rate"),
                _("Satisfaction"),
            ],
            [
                [
                    c["provider_name"],
                    c["offered"],
                    c["took_on"],
                    c["declined"],
                    c["expired"],
                    c["completed"],
                    c["acceptance_rate"],
                    c["completion_rate"],
                    c["satisfaction"],
                ]
                for c in service.provider_scorecards(viewer, filters)
            ],
        )
        tables["unmet"] = (
            [
                _("Street"),
                _("Need"),
                _("Urgency"),
                _("Needs"),
                _("Oldest (days)"),
                _("Mean (days)"),
                _("Why unmatched"),
            ],
            [
                [
                    g["street_name"],
                    str(NEED_DIMENSION[g["dimension"]]),
                    str(URGENCY[g["urgency"]]),
                    g["needs"],
                    g["oldest_days"],
                    g["mean_age_days"],
                    "; ".join(f"{r}: {n}" for r, n in g["reasons"].items()),
                ]
                for g in service.unmet_needs(viewer, filters, today)
            ],
        )
        tables["reviews"] = (
            [_("Street"), _("Households"), _("Due soon"), _("Overdue")],
            [
                [r["street_name"], r["households"], r["due"], r["overdue"]]
                for r in reviews_by_street(today)
            ],
        )
    return tables


def _funnel_rows(funnel: dict) -> list[tuple[str, object]]:
    return [
        (_("Offered"), funnel["offered"]),
        (_("Acceptance rate"), funnel["acceptance_rate"]),
        (_("Completion rate"), funnel["completion_rate"]),
        (_("Loop closure"), funnel["loop_closure_rate"]),
        (_("Hours to accept (median)"), funnel["hours_to_accept"]["median"]),
        (_("Hours to accept (90th percentile)"), funnel["hours_to_accept"]["p90"]),
        (_("Days to first service (median)"), funnel["days_to_first_service"]["median"]),
        (_("Days to first service (90th percentile)"), funnel["days_to_first_service"]["p90"]),
        (_("Satisfaction"), funnel["satisfaction"]),
        (_("Re-referred"), funnel["re_referral_rate"]),
        *((str(REFERRAL_STATUS[s]), funnel["by_status"][str(s)]) for s in ReferralStatus),
        *((str(DECLINE_REASON[r]), funnel["declined_by_reason"][str(r)]) for r in DeclineReason),
        *((str(CASE_OUTCOME[o]), funnel["outcomes"][str(o)]) for o in CaseOutcome),
    ]


def _csv(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(headers: list[str], rows: list[list], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
