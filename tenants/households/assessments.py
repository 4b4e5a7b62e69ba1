"""Needs assessment pages: the proposal to confirm, edit or add to, and each assessment
with its grade and the change per dimension (CN21-AS-1). The same pages serve a bureau's
households portal and an agency's cases (one assessment every agency uses)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from aidbridge.accounts.permissions import Permission
from aidbridge.clock import local_today
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.households.api import CASE
from aidbridge.households.models import Household
from aidbridge.households.service import part_of
from aidbridge.needs import service
from aidbridge.needs.models import Assessment
from aidbridge.needs.schemas import AssessmentInputSchema
from aidbridge.pool.taxonomy import subcategories_by_dimension
from aidbridge.schemas import flatten_messages
from aidbridge.tenancy import url_objects
from aidbridge.vocab import NeedDimension, Severity, Urgency
from tenants.forms import enum_choices
from tenants.households.forms import assessment_form, need_severities
from tenants.labels import NEED_DIMENSION, SEVERITY, URGENCY, term_label
from tenants.portal import _, apply_service_error, flash_done, form_status, put_errors, requires

DIMENSIONS = tuple(NeedDimension)
# Blank rows under the proposed needs, for needs the assessor adds.
BLANK_ROWS = 3
MAX_ROWS = 100


def add_assessment_pages(blueprint) -> None:
    """Put the assessment pages under a blueprint whose ``show`` is the household's page."""
    blueprint.add_url_rule(
        "/<int:household_id>/assessments/new", view_func=assess, methods=["GET", "POST"]
    )
    blueprint.add_url_rule(
        "/<int:household_id>/assessments/<int:assessment_id>", view_func=assessment
    )


@requires(Permission.assess_needs)
@url_objects(**CASE)
def assess(household: Household):
    if request.method == "POST":
        rows = _posted_rows()
        form = assessment_form(len(DIMENSIONS), rows)
        _choices(form, household, rows)
        if form.validate_on_submit():
            values, row_of = _values(form, rows)
            try:
                data = AssessmentInputSchema().load(values)
                assessment = service.assess(household, data, current_user)
            except ValidationError as exc:
                put_errors(form, _on_rows(flatten_messages(exc.messages), row_of))
            except ServiceError as error:
                error.errors = _on_rows(error.errors, row_of)
                apply_service_error(form, error)
            else:
                flash_done(_("Assessment recorded; its needs are open."))
                return redirect(
                    url_for(".assessment", household_id=household.id, assessment_id=assessment.id)
                )
    # The proposal is shown beside the form (and fills it on GET); a saved POST needs none.
    proposal = service.proposal(household, None)
    if request.method == "GET":
        form = _proposed_form(household, proposal)
    return render_template(
        "households/assess.html",
        form=form,
        household=household,
        proposal=proposal,
        members={m.id: m for m in household.members},
        dimensions=DIMENSIONS,
        rows=int(form.rows.data),
    ), form_status(form)


@requires(Permission.read_households)
@url_objects(**CASE, assessment_id=Assessment)
def assessment(household: Household, assessment: Assessment):
    detail = service.detail(part_of(household, assessment))
    history = db.session.scalars(service.assessments_query(household)).all()
    return render_template(
        "households/assessment.html", household=household, detail=detail, history=history
    )


# --- the form ------------------------------------------------------------------------------


def _proposed_form(household: Household, proposal: dict):
    """The form filled with what the facts suggest: every proposed need ticked."""
    needs = proposal["needs"]
    rows = len(needs) + BLANK_ROWS
    form = assessment_form(len(DIMENSIONS), rows, formdata=None)
    _choices(form, household, rows)
    form.assessed_on.data = local_today()
    form.rows.data = str(rows)
    for i, rating in enumerate(proposal["ratings"]):
        form[f"ratings_{i}_severity"].data = str(rating["severity"])
        form[f"ratings_{i}_urgency"].data = str(rating["urgency"])
    for j, need in enumerate(needs):
        prefix = f"needs_{j}_"
        form[prefix + "include"].data = True
        form[prefix + "subcategory"].data = need.subcategory
        form[prefix + "member_id"].data = need.member or ""
        form[prefix + "severity"].data = str(need.severity)
        form[prefix + "urgency"].data = str(need.urgency)
        form[prefix + "yearly_target"].data = str(need.yearly_target or "")
    for j in range(len(needs), rows):
        form[f"needs_{j}_severity"].data = str(Severity.moderate)
    return form


def _posted_rows() -> int:
    try:
        rows = int(request.form.get("rows", ""))
    except ValueError:
        abort(400)
    if not 0 <= rows <= MAX_ROWS:
        abort(400)
    return rows


def _choices(form, household: Household, rows: int) -> None:
    severities = enum_choices(Severity, SEVERITY)
    urgencies = enum_choices(Urgency, URGENCY)
    for i in range(len(DIMENSIONS)):
        form[f"ratings_{i}_severity"].choices = severities
        form[f"ratings_{i}_urgency"].choices = urgencies
    terms = _terms()
    members = [("", _("(household)")), *((str(m.id), m.name) for m in household.members)]
    for j in range(rows):
        form[f"needs_{j}_subcategory"].choices = terms
        form[f"needs_{j}_member_id"].choices = members
        form[f"needs_{j}_severity"].choices = need_severities()
        form[f"needs_{j}_urgency"].choices = urgencies


def _terms() -> dict[str, list[tuple[str, str]]]:
    """Sub-categories grouped by dimension, each group led by "any service" of it."""
    children = subcategories_by_dimension()
    return {
        str(NEED_DIMENSION[d]): [
            (str(d), _("%(dimension)s: any service", dimension=NEED_DIMENSION[d])),
            *((t.code, term_label(t)) for t in children.get(str(d), [])),
        ]
        for d in DIMENSIONS
    }


def _values(form, rows: int) -> tuple[dict, dict[int, int]]:
    """The form as the API's body, and which page row each need of the body came from."""
    ratings = [
        {
            "dimension": str(dimension),
            "severity": form[f"ratings_{i}_severity"].data,
            "urgency": form[f"ratings_{i}_urgency"].data,
            "note": form[f"ratings_{i}_note"].data or "",
        }
        for i, dimension in enumerate(DIMENSIONS)
    ]
    needs, row_of = [], {}
    for j in range(rows):
        prefix = f"needs_{j}_"
        if not form[prefix + "include"].data:
            continue
        term = form[prefix + "subcategory"].data or ""
        dimension, _dot, sub = term.partition(".")
        need = {
            "dimension": dimension,
            "subcategory": term if sub else None,
            "member_id": form[prefix + "member_id"].data or None,
            "severity": form[prefix + "severity"].data,
            "urgency": form[prefix + "urgency"].data,
            "note": form[prefix + "note"].data or "",
        }
        target = (form[prefix + "yearly_target"].data or "").strip()
        if target:
            need["yearly_target"] = target
        row_of[len(needs)] = j
        needs.append(need)
    values = {
        "assessed_on": form.assessed_on.data,
        "consents_to_share": form.consents_to_share.data,
        "note": form.note.data or "",
        "ratings": ratings,
        "needs": needs,
    }
    return values, row_of


def _on_rows(errors: dict[str, list[str]], row_of: dict[int, int]) -> dict[str, list[str]]:
    """Messages about the body's i-th need, put on the page row it came from (the
    dimension is chosen with the sub-category there)."""
    placed = {}
    for key, reasons in errors.items():
        parts = key.split(".")
        if parts[0] == "needs" and len(parts) == 3 and parts[1].isdigit():
            parts[1] = str(row_of.get(int(parts[1]), parts[1]))
            if parts[2] == "dimension":
                parts[2] = "subcategory"
        placed[".".join(parts)] = reasons
    return placed
