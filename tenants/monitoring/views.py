"""The monitoring pages: the dashboard (the referral funnel of a period with its rates
and times, bar charts drawn as SVG on the server with the numbers beside them, the
providers, the contracts' drawdown and burn, post shares, reviews, unmet needs), the
referrals behind each figure, a provider's scorecard, the unmet needs of an area, a
contract's report (HTML and PDF) and the tables' exports, long ones through the queue.
Thin: the measures are the core's, the files ``exports``'."""

from __future__ import annotations

from dataclasses import asdict, replace

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from marshmallow import ValidationError

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.clock import local_today
from aidbridge.contracts.api import CONTRACT
from aidbridge.errors import ServiceError
from aidbridge.exports import service as export_service
from aidbridge.exports.models import Export, ExportStatus
from aidbridge.households.service import reviews_by_street
from aidbridge.monitoring import service
from aidbridge.monitoring.schemas import MonitoringPageQuery
from aidbridge.pagination import page_of, page_of_rows
from aidbridge.referrals.models import CaseOutcome, DeclineReason, ReferralStatus
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup, url_objects
from aidbridge.vocab import NeedDimension, Urgency
from tenants.forms import ConfirmForm
from tenants.labels import CASE_OUTCOME, DECLINE_REASON, REFERRAL_STATUS
from tenants.monitoring import exports, report_pdf
from tenants.portal import make_portal, query_filters, require_confirmed, requires

portal = make_portal(
    "monitoring", {TenantType.bureau, TenantType.charity, TenantType.agency}, "/monitoring", False
)


PAGE_SIZE = 50
# An export's own arguments (and its form's token), beside the filters of its table.
EXPORT_ARGS = ("table", "format", "csrf_token")
CHART_ROWS = 15  # communities drawn in the unmet needs' chart (the table lists them all)
# What narrows the referrals behind a figure, beside the measures' filters.
NARROWERS = ("status", "taken_on", "decline_reason", "outcome")
# The provider of a scorecard: for a bureau, one of its pool's; for a provider, itself.
SCORECARD_PROVIDER = SharedLookup(
    Tenant, lambda provider_id: service.find_provider(current_user.tenant, provider_id)
)


@portal.before_request
@requires(Permission.read_monitoring)
def _readers_only():
    """Those who read the measures of purchased services."""


def _raw_args(source) -> dict[str, str]:
    """The filters as given (an export's own arguments, and the form's token, aside)."""
    return {k: v for k, v in source.items() if v != "" and k not in EXPORT_ARGS}


def _query(today, source=None):
    """The query string (or a form carrying it): (the measures' filters, the rest of it —
    which referrals or needs a list shows, the page —, errors by field)."""
    raw = _raw_args(request.args if source is None else source)
    try:
        args, errors = MonitoringPageQuery().load(raw), {}
    except ValidationError as exc:
        args, errors = {}, exc.messages
    try:
        return service.filters_of(args, today), args, errors
    except ServiceError as error:
        return service.filters_of({}, today), {}, error.errors


def _filter_args(filters: service.Filters) -> dict:
    """The filters as a query string's arguments, the period always spelt out so that a
    link shows what the figure it comes from counted, even on another day."""
    return {k: v for k, v in asdict(filters).items() if v is not None}


def _links(filters: service.Filters):
    """``behind(**narrower)``: the address of the referrals behind a figure, with the
    page's filters and ``narrower``'s (a provider, a status, a reason…)."""
    base = _filter_args(filters)

    def behind(**narrower) -> str:
        return url_for("monitoring.referrals", **{**base, **narrower})

    return behind


def _page(template: str, filters, errors, **context):
    return render_template(
        template,
        filters=filters,
        errors=errors,
        args=request.args,
        filter_args=_filter_args(filters),
        behind=_links(filters),
        dimensions=list(NeedDimension),
        **context,
    ), 422 if errors else 200


@portal.get("/")
def index():
    today = local_today()
    filters, _args, errors = _query(today)
    viewer = current_user.tenant
    funnel = service.referral_measures(viewer, filters)
    bureau = viewer.type is TenantType.bureau
    return _page(
        "monitoring/index.html",
        filters,
        errors,
        funnel=funnel,
        charts=_charts(funnel, _links(filters)),
        contracts=service.drawdowns(viewer, today, filters.provider_id),
        unmet=service.unmet_needs(viewer, filters, today) if bureau else None,
        staffing=service.staffing(viewer, today, filters.provider_id),
        scorecards=service.provider_scorecards(viewer, filters) if bureau else None,
        reviews=reviews_by_street(today) if bureau else None,
    )


@portal.get("/referrals")
def referrals():
    """The referrals behind a figure of the dashboard: the same filters, narrowed to a
    status, those taken on, a decline reason or an outcome; each links to its page."""
    filters, args, errors = _query(local_today())
    query = service.referrals_behind(current_user.tenant, filters, args)
    narrowed = {k: args[k] for k in NARROWERS if args.get(k)}
    return _page(
        "monitoring/referrals.html",
        filters,
        errors,
        **_listed(query, args.get("page", 1), errors),
        narrowed=narrowed,
        export_query={**_filter_args(filters), **narrowed},
        keep=_kept(("provider_id", "contract_id", *NARROWERS), errors),
        names=service.filter_names(current_user.tenant, filters),
    )


def _listed(query, page: int, errors: dict) -> dict:
    """A page of a list's rows, with what the pager needs; none while the filters are
    wrong (the list would not be the one asked for)."""
    rows, total = ([], 0) if errors else page_of_rows(query, page, PAGE_SIZE)
    return {"rows": rows, "total": total, "page": page, "page_size": PAGE_SIZE}


def _kept(names, errors) -> dict:
    """The query's arguments ``names`` that a page's filter form carries through (a
    wrong one too, to say what is wrong with it)."""
    return {n: request.args[n] for n in names if request.args.get(n) or n in errors}


@portal.get("/unmet")
def unmet():
    """The unmet needs of an area: by community (the area breakdown, with a chart) and
    one by one, the most urgent and oldest first, each linked to its household."""
    viewer = current_user.tenant
    if viewer.type is not TenantType.bureau:
        abort(404)  # the needs are the bureau's
    today = local_today()
    filters, args, errors = _query(today)
    urgency = args.get("urgency")
    listed = service.unmet_needs_listed(viewer, filters, today, urgency)
    communities = [] if errors else service.unmet_by_community(viewer, filters, today, urgency)
    return _page(
        "monitoring/unmet.html",
        filters,
        errors,
        **_listed(listed, args.get("page", 1), errors),
        export_query={**_filter_args(filters), **({"urgency": urgency} if urgency else {})},
        communities=communities,
        chart=[(c["area_name"], c["needs"], None) for c in communities[:CHART_ROWS]],
        names=service.filter_names(viewer, filters),
        urgencies=list(Urgency),
    )


@portal.get("/providers/<int:provider_id>")
@url_objects(provider_id=SCORECARD_PROVIDER)
def provider(provider):
    """A provider's scorecard: its referral funnel for the period, its contracts' drawdown
    and its social-work post share with the monthly trend."""
    today = local_today()
    filters, _args, errors = _query(today)
    filters = replace(filters, provider_id=provider.id)
    viewer = current_user.tenant
    funnel = service.referral_measures(viewer, filters)
    return _page(
        "monitoring/provider.html",
        filters,
        errors,
        provider=provider,
        funnel=funnel,
        charts=_charts(funnel, _links(filters)),
        contracts=service.drawdowns(viewer, today, provider.id),
        staffing=service.staffing(viewer, today, provider.id),
    )


def _charts(funnel: dict, behind) -> dict[str, list[tuple[str, int, str]]]:
    """The bar charts' rows: (label in the reader's language, number, the address of the
    referrals it counts)."""
    return {
        "status": [
            (str(REFERRAL_STATUS[s]), funnel["by_status"][str(s)], behind(status=s))
            for s in ReferralStatus
            if s is not ReferralStatus.proposed
        ],
        "declines": [
            (
                str(DECLINE_REASON[r]),
                funnel["declined_by_reason"][str(r)],
                behind(decline_reason=r),
            )
            for r in DeclineReason
        ],
        "outcomes": [
            (str(CASE_OUTCOME[o]), funnel["outcomes"][str(o)], behind(outcome=o))
            for o in CaseOutcome
        ],
    }


@portal.get("/contracts/<int:contract_id>/report")
@url_objects(**CONTRACT)
def contract_report(contract):
    """A contract's report for a period, for print (the page's own print styles)."""
    today = local_today()
    filters, _args, errors = _query(today)
    return render_template(
        "monitoring/contract_report.html",
        contract=contract,
        filters=filters,
        filter_args=_filter_args(filters),
        errors=errors,
        report=service.contract_report(contract, filters, today),
        today=today,
    ), 422 if errors else 200


@portal.get("/contracts/<int:contract_id>/report.pdf")
@url_objects(**CONTRACT)
def contract_report_pdf(contract):
    """The same report as a PDF file."""
    today = local_today()
    filters, _args, errors = _query(today)
    if errors:
        return _refused(errors)
    report = service.contract_report(contract, filters, today)
    content = report_pdf.contract_report_pdf(contract, filters, report, today)
    name = f"contract-{contract.id}-{filters.since}-{filters.until}.pdf"
    return _download(name, "application/pdf", content)


# --- exports ---------------------------------------------------------------------------------


@portal.get("/export")
def export():
    """A table of the monitoring pages, with their filters, as CSV or XLSX. A list longer
    than MONITORING_EXPORT_INLINE_ROWS is prepared by the queue: the page asks first."""
    today = local_today()
    filters, args, errors = _query(today)
    viewer = current_user.tenant
    name, kind = _table_asked(request.args, viewer)
    if errors:
        return _refused(errors)
    rows = exports.length(name, viewer, filters, args, today)
    if rows > current_app.config["MONITORING_EXPORT_INLINE_ROWS"]:
        return render_template(
            "monitoring/export_queue.html",
            table=name,
            kind=kind,
            rows=rows,
            asked=_raw_args(request.args),
            filters=filters,
            confirm=ConfirmForm(),
        )
    file_name, _rows, content = exports.build_file(name, kind, viewer, filters, args, today)
    return _download(file_name, exports.FORMATS[kind], content)


@portal.post("/exports")
def queue_export():
    """Prepare a long export on the queue; its page says when it is ready."""
    require_confirmed()
    _filters, _args, errors = _query(local_today(), request.form)
    name, kind = _table_asked(request.form, current_user.tenant)
    if errors:
        return _refused(errors)
    prepared = export_service.request_export(
        current_user, exports.PREFIX + name, kind, _raw_args(request.form), str(get_locale())
    )
    return redirect(url_for("monitoring.prepared", export_id=prepared.id))


@portal.get("/exports")
def prepared_exports():
    """The organisation's prepared exports, the latest first, to download while kept."""
    filters, _errors = query_filters(PageQuery())  # a bad page number shows the first
    page = filters.get("page", 1)
    prepared, total = page_of(export_service.recent(), page, PAGE_SIZE)
    return render_template(
        "monitoring/exports.html",
        prepared=prepared,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=request.args,
    )


@portal.get("/exports/<int:export_id>")
@url_objects(export_id=Export)
def prepared(export):
    """A prepared export: refreshing itself while it is built, then its file."""
    return render_template("monitoring/export.html", export=export)


@portal.get("/exports/<int:export_id>/file")
@url_objects(export_id=Export)
def prepared_file(export):
    if export.status is not ExportStatus.ready:
        abort(404)
    return _download(export.file_name, exports.FORMATS[export.format], export.content)


def _table_asked(source, viewer) -> tuple[str, str]:
    """The table and format asked for: one the viewer may export, or a 404."""
    name, kind = source.get("table"), source.get("format", "csv")
    if name not in exports.tables_for(viewer) or kind not in exports.FORMATS:
        abort(404)
    return name, kind


def _refused(errors: dict):
    """An export whose filters are wrong: each field and why, and no file."""
    return render_template("monitoring/export_refused.html", errors=errors), 422


def _download(filename: str, mimetype: str, content: bytes) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
