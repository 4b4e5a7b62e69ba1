"""A bureau's matching in the pages: its runs and what each found (the matches with
why, the needs left unmatched with why not), what matching last said of one need, and
what more capacity would serve. Thin: the core matches and explains; these pages word it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from aidbridge.accounts.models import Tenant, TenantType
from aidbridge.accounts.permissions import Permission, can
from aidbridge.areas.models import LEVEL_ORDER, Area
from aidbridge.contracts.models import Contract
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.matching import service
from aidbridge.matching.costs import WEIGHTS
from aidbridge.matching.models import MatchingRun, Reason, RunMode, RunStatus
from aidbridge.matching.schemas import (
    MatchQuery,
    PreviewInputSchema,
    RunInputSchema,
    RunQuery,
    UnmatchedQuery,
)
from aidbridge.needs.models import Need
from aidbridge.pagination import page_of
from aidbridge.pool.models import Service, TaxonomyTerm
from aidbridge.pool.service import published_in_pool
from aidbridge.pool.taxonomy import subcategories_by_dimension
from aidbridge.referrals.models import ACTIVE
from aidbridge.referrals.service import service_names
from aidbridge.schemas import flatten_messages
from aidbridge.tenancy import url_objects
from aidbridge.vocab import NeedDimension, Urgency
from tenants.forms import ConfirmForm, area_choices
from tenants.labels import NEED_DIMENSION, REASON, term_label
from tenants.matching.forms import PREVIEW_ROWS, PreviewForm, RunForm
from tenants.portal import (
    _,
    apply_service_error,
    flash_done,
    form_status,
    load_values,
    make_portal,
    put_errors,
    query_filters,
    require_confirmed,
    requires,
    typed_number,
)

portal = make_portal("matching", {TenantType.bureau}, "/matching", False)
PAGE_SIZE = 25
RUN = {"run_id": MatchingRun}
NEED = {"need_id": Need}


@portal.before_request
@requires(Permission.read_matching)
def _readers_only():
    """Matching is the bureau's: those who read it, and those who run it."""


# --- runs ------------------------------------------------------------------------------------


@portal.get("/")
def index():
    form = RunForm(formdata=None)
    _defaults(form)
    return _index(form)


@portal.post("/")
@requires(Permission.run_matching)
def start():
    form = RunForm()
    form.area_code.choices = _scope_choices()
    if form.validate_on_submit():
        data = load_values(form, RunInputSchema(), _run_values(form))
        if data is not None:
            try:
                run = service.start_run(current_user.tenant, current_user, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                if run.status in (RunStatus.queued, RunStatus.running):
                    flash_done(_("The run has started; reload this page to see what it found."))
                elif run.status is RunStatus.succeeded:
                    flash_done(_("The run has finished."))
                return redirect(url_for(".run", run_id=run.id))
    return _index(form)


def _index(form):
    filters, errors = query_filters(RunQuery())
    page = filters.get("page", 1)
    runs, total = page_of(service.runs_query(filters), page, PAGE_SIZE)
    return render_template(
        "matching/index.html",
        runs=runs,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=request.args,
        errors=errors,
        modes=list(RunMode),
        statuses=list(RunStatus),
        form=form,
        weights=WEIGHTS,
        may_run=can(current_user, Permission.run_matching),
    ), form_status(form)


@portal.get("/runs/<int:run_id>")
@url_objects(**RUN)
def run(run: MatchingRun):
    filters, errors = query_filters(MatchQuery())
    page = filters.get("page", 1)
    matches, total = page_of(service.matches_query(run, filters), page, PAGE_SIZE)
    return render_template(
        "matching/run.html",
        run=run,
        totals=_totals(run),
        gap=_gap(run),
        summary=service.unmatched_summary(run),
        matches=matches,
        names=_names(matches),
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=dict(request.args.items(), run_id=run.id),
        errors=errors,
        urgencies=list(Urgency),
        dimensions=list(NeedDimension),
        weights=WEIGHTS,
        confirm=ConfirmForm(),
    )


@portal.get("/runs/<int:run_id>/unmatched")
@url_objects(**RUN)
def unmatched(run: MatchingRun):
    filters, errors = query_filters(UnmatchedQuery())
    page = filters.get("page", 1)
    items, total = [], 0
    if not errors:
        try:
            query = service.unmatched_query(run, filters)
        except ServiceError as error:
            errors = error.errors
        else:
            items, total = page_of(query, page, PAGE_SIZE)
    area = db.session.get(Area, filters["area_code"]) if filters.get("area_code") else None
    return render_template(
        "matching/unmatched.html",
        run=run,
        unmatched=items,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=dict(request.args.items(), run_id=run.id),
        errors=errors,
        area=area,
        reasons=list(Reason),
        urgencies=list(Urgency),
        dimensions=list(NeedDimension),
    )


def _totals(run: MatchingRun) -> dict:
    counts = run.counts or {}
    return {
        "matched": sum(counts.get("matched", {}).values()),
        "unmatched": sum(counts.get("unmatched", {}).values()),
    }


def _gap(run: MatchingRun) -> dict | None:
    """The optimum beside the greedy reference: how many more needs it serves, and how
    much less it costs (a share of the greedy's cost)."""
    counts = run.counts or {}
    greedy = counts.get("greedy")
    if not greedy or run.cost is None:
        return None
    served = sum(counts.get("matched", {}).values())
    greedy_served = sum(greedy["matched"].values())
    return {
        "served": served,
        "greedy_served": greedy_served,
        "greedy_matched": greedy["matched"],
        "more": served - greedy_served,
        "cost": run.cost,
        "greedy_cost": greedy["cost"],
        "cheaper": (greedy["cost"] - run.cost) / greedy["cost"] if greedy["cost"] else None,
    }


def _names(referrals) -> dict:
    """What the explanations name by code or id, by name: the covering areas, the
    services' sub-categories, the alternatives' services and providers, the contracts."""
    areas, terms, services, providers, contracts = set(), set(), set(), set(), set()
    for referral in referrals:
        if referral.contract_id:
            contracts.add(referral.contract_id)
        explanation = referral.explanation or {}
        rules = explanation.get("rules", {})
        areas.add(rules.get("covers"))
        terms.add(rules.get("subcategory"))
        if rules.get("contract"):
            contracts.add(rules["contract"]["id"])
        for other in explanation.get("alternatives", []):
            services.add(other["service_id"])
            providers.add(other["provider_id"])
    return {
        "areas": _pairs(select(Area.code, Area.name).where(Area.code.in_(areas - {None}))),
        "terms": {
            t.code: t
            for t in db.session.scalars(
                select(TaxonomyTerm).where(TaxonomyTerm.code.in_(terms - {None}))
            )
        },
        "services": service_names(services),
        "providers": _pairs(select(Tenant.id, Tenant.name).where(Tenant.id.in_(providers))),
        "contracts": _pairs(select(Contract.id, Contract.number).where(Contract.id.in_(contracts))),
    }


def _pairs(query) -> dict:
    return dict(db.session.execute(query).all())


# --- the run form ----------------------------------------------------------------------------


def _scope_choices() -> list[tuple[str, str]]:
    """The bureau's jurisdiction and every area inside it."""
    jurisdiction = current_user.tenant.jurisdiction
    levels = tuple(LEVEL_ORDER[LEVEL_ORDER.index(jurisdiction.level) :])
    return area_choices(levels, inside=jurisdiction)


def _defaults(form) -> None:
    form.area_code.choices = _scope_choices()
    form.area_code.data = current_user.tenant.jurisdiction_code
    for name, weight in service.run_weights(None).items():
        form[f"weights_{name}"].data = str(weight)


def _run_values(form) -> dict:
    """The form as the API's body: a blank weight is the settings' own."""
    weights = {name: typed_number(form[f"weights_{name}"].data) for name in WEIGHTS}
    return {
        "area_code": form.area_code.data or None,
        "weights": {name: value for name, value in weights.items() if value is not None},
    }


# --- one need --------------------------------------------------------------------------------


@portal.get("/needs/<int:need_id>")
@url_objects(**NEED)
def need(need: Need):
    return _need_page(need)


@portal.post("/needs/<int:need_id>/match")
@url_objects(**NEED)
@requires(Permission.run_matching)
def match_now(need: Need):
    require_confirmed()
    confirm = ConfirmForm()
    try:
        run = service.match_now(current_user.tenant, need, current_user, {})
    except ServiceError as error:
        apply_service_error(confirm, error)
        return _need_page(need, form_status(confirm))
    result = service.instant_result(run)
    if result["match"] is not None:
        match = result["match"]
        flash_done(
            _(
                "Matched to %(service)s (%(provider)s).",
                service=match.service.name,
                provider=match.provider.name,
            )
        )
    else:
        flash(_("Not matched: %(reason)s.", reason=REASON[result["unmatched"].reason]), "error")
    return redirect(url_for(".need", need_id=need.id))


def _need_page(need: Need, status: int = 200):
    said = service.need_matching(need)
    referral = said["referral"]
    return render_template(
        "matching/need.html",
        need=need,
        referral=referral,
        referral_run=db.session.get(MatchingRun, referral.run_id) if referral else None,
        unmatched=said["unmatched"],
        names=_names([referral] if referral else []),
        referred=referral is not None and referral.status in ACTIVE,
        confirm=ConfirmForm(),
        may_run=can(current_user, Permission.run_matching),
    ), status


# --- what if ---------------------------------------------------------------------------------


@portal.route("/preview", methods=["GET", "POST"])
@requires(Permission.run_matching)
def preview():
    form = PreviewForm(formdata=None if request.method == "GET" else request.form)
    _preview_choices(form)
    result = None
    if request.method == "GET":
        _defaults(form)
    elif form.validate_on_submit():
        values, row_of = _preview_values(form)
        try:
            result = service.preview(current_user.tenant, PreviewInputSchema().load(values))
        except ValidationError as exc:
            put_errors(form, _on_form(flatten_messages(exc.messages), row_of))
        except ServiceError as error:
            error.errors = _on_form(error.errors, row_of)
            apply_service_error(form, error)
    return render_template(
        "matching/preview.html",
        form=form,
        rows=PREVIEW_ROWS,
        weights=WEIGHTS,
        result=result,
        added=_added(result["added"]) if result else [],
        area=db.session.get(Area, result["area_code"]) if result else None,
    ), form_status(form)


def _preview_choices(form) -> None:
    scope = _scope_choices()
    form.area_code.choices = scope
    offered = db.session.execute(
        published_in_pool(current_user.tenant)
        .with_only_columns(Service.id, Service.name, Tenant.name)
        .order_by(Service.name, Service.id)
    ).all()
    services = [("", ""), *((str(i), f"{name} · {provider}") for i, name, provider in offered)]
    dimensions = [("", ""), *((str(d), str(NEED_DIMENSION[d])) for d in NeedDimension)]
    children = subcategories_by_dimension()
    subcategories = [
        ("", _("(any of the dimension)")),
        *(
            (t.code, f"{NEED_DIMENSION[d]} · {term_label(t)}")
            for d in NeedDimension
            for t in children.get(str(d), [])
        ),
    ]
    for j in range(PREVIEW_ROWS):
        form[f"add_places_{j}_service_id"].choices = services
        form[f"add_services_{j}_dimension"].choices = dimensions
        form[f"add_services_{j}_subcategory"].choices = subcategories
        form[f"add_services_{j}_area_code"].choices = [("", ""), *scope]


def _preview_values(form) -> tuple[dict, dict[str, dict[int, int]]]:
    """The form as the API's body (rows left blank left out), and the page row each row
    of the body came from."""
    values = _run_values(form)
    row_of: dict[str, dict[int, int]] = {"add_places": {}, "add_services": {}}
    places, services = [], []
    for j in range(PREVIEW_ROWS):
        prefix = f"add_places_{j}_"
        row = {
            "service_id": typed_number(form[prefix + "service_id"].data),
            "places": typed_number(form[prefix + "places"].data),
        }
        if any(v is not None for v in row.values()):
            row_of["add_places"][len(places)] = j
            places.append({k: v for k, v in row.items() if v is not None})
        prefix = f"add_services_{j}_"
        row = {
            "dimension": form[prefix + "dimension"].data or None,
            "area_code": form[prefix + "area_code"].data or None,
            "places": typed_number(form[prefix + "places"].data),
        }
        if any(v is not None for v in row.values()):
            row_of["add_services"][len(services)] = j
            row = {k: v for k, v in row.items() if v is not None}
            row["subcategory"] = form[prefix + "subcategory"].data or None
            services.append(row)
    values.update(add_places=places, add_services=services)
    return values, row_of


def _on_form(errors: dict, row_of: dict[str, dict[int, int]]) -> dict:
    """Messages by the form's fields: the body's i-th row on its page row; "add
    something" on the first row."""
    placed = {}
    for key, reasons in errors.items():
        parts = key.split(".")
        if parts[0] in row_of:
            if len(parts) == 1:
                first = "service_id" if parts[0] == "add_places" else "dimension"
                parts = [parts[0], "0", first]
            elif parts[1].isdigit():
                parts[1] = str(row_of[parts[0]].get(int(parts[1]), parts[1]))
        placed[".".join(parts)] = reasons
    return placed


def _added(rows: list[dict]) -> list[dict]:
    """Each added row of a preview with what it names, by name."""
    names = service_names(r["service_id"] for r in rows if r["service_id"])
    codes = {r["area_code"] for r in rows if not r["service_id"]}
    areas = _pairs(select(Area.code, Area.name).where(Area.code.in_(codes)))
    subcategories = {r.get("subcategory") for r in rows} - {None}
    terms = {
        t.code: t
        for t in db.session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.code.in_(subcategories))
        )
    }
    shown = []
    for r in rows:
        if r["service_id"]:
            label = names.get(r["service_id"], str(r["service_id"]))
        else:
            term = terms.get(r.get("subcategory"))
            need = term_label(term) if term else str(NEED_DIMENSION[r["dimension"]])
            label = _(
                "A new %(need)s service in %(area)s",
                need=need,
                area=areas.get(r["area_code"], r["area_code"]),
            )
        shown.append({**r, "label": label})
    return shown
