"""A bureau's households: register, keep the facts, decide, read the rule trace."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from aidbridge.accounts.models import TenantType
from aidbridge.accounts.permissions import Permission
from aidbridge.areas.models import AreaLevel
from aidbridge.clock import local_today
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.households import cases, service
from aidbridge.households.models import (
    ITEM_TYPES,
    CaseGrant,
    EconomicItem,
    Household,
    ItemKind,
    Member,
)
from aidbridge.households.schemas import (
    CaseGrantInputSchema,
    DecisionInputSchema,
    HouseholdChangeSchema,
    HouseholdQuery,
    IntakeMemberSchema,
    ItemInputSchema,
    MemberChangeSchema,
    MemberInputSchema,
    RegistrationSchema,
)
from aidbridge.i18n import translate
from aidbridge.money import MoneyFormatError, parse_yuan
from aidbridge.needs import service as needs
from aidbridge.needs.schemas import EmergencyIntakeSchema, EmergencyNeedSchema
from aidbridge.pagination import page_of
from aidbridge.policy.facts import Outcome
from aidbridge.pool.taxonomy import subcategories_by_dimension
from aidbridge.tenancy import url_objects
from aidbridge.vocab import (
    DisabilityType,
    EmploymentStatus,
    LabourCapacity,
    NeedDimension,
    Relation,
    SchoolStage,
    SelfCare,
    Setting,
    Severity,
    Supporter,
)
from tenants.forms import ConfirmForm, area_choices, enum_choices
from tenants.households.assessments import add_assessment_pages
from tenants.households.forms import (
    CaseGrantForm,
    DecisionForm,
    EmergencyIntakeForm,
    HouseholdForm,
    ItemForm,
    MemberForm,
    RegistrationForm,
    need_severities,
)
from tenants.labels import (
    DISABILITY_TYPE,
    EMPLOYMENT,
    ITEM_KIND,
    ITEM_TYPE,
    LABOUR_CAPACITY,
    RELATION,
    SCHOOL_STAGE,
    SELF_CARE,
    SETTING,
    SUPPORTER,
    term_label,
)
from tenants.portal import (
    _,
    apply_service_error,
    flash_done,
    form_status,
    form_values,
    load_form,
    load_values,
    make_portal,
    query_filters,
    require_confirmed,
    requires,
)

portal = make_portal("households", {TenantType.bureau}, "/households", home=False)
PAGE_SIZE = 25
HOUSEHOLD = {"household_id": Household}
# The item form asks for "kind:type" in one list and for yuan, not fen.
ITEM_FORM_FIELDS = {"kind": "type", "amount_fen": "amount"}


@portal.before_request
@requires(Permission.register_households)
def _keepers_only():
    """Monitors read through the API and reports; these pages are for those who keep them."""


# --- choices ---------------------------------------------------------------------------------


def _areas(levels: tuple[AreaLevel, ...]):
    return area_choices(levels, inside=current_user.tenant.jurisdiction)


def _household_choices(form) -> None:
    form.area_code.choices = [("", ""), *_areas((AreaLevel.community,))]
    form.setting.choices = enum_choices(Setting, SETTING)


def _member_choices(form, prefix: str = "") -> None:
    choices = {
        "relation": enum_choices(Relation, RELATION),
        "labour_capacity": enum_choices(LabourCapacity, LABOUR_CAPACITY),
        "employment": enum_choices(EmploymentStatus, EMPLOYMENT),
        "school_stage": enum_choices(SchoolStage, SCHOOL_STAGE, blank=True),
        "disability_type": enum_choices(DisabilityType, DISABILITY_TYPE, blank=True),
        "disability_grade": [("", _("(none)")), *((str(g), str(g)) for g in range(1, 5))],
        "self_care": enum_choices(SelfCare, SELF_CARE),
        "supporter": enum_choices(Supporter, SUPPORTER),
    }
    for name, options in choices.items():
        form[prefix + name].choices = options


def _item_choices(form, household: Household) -> None:
    form.type.choices = {
        str(ITEM_KIND[kind]): [
            (f"{kind}:{code}", str(ITEM_TYPE[kind][code])) for code in ITEM_TYPES[kind]
        ]
        for kind in ItemKind
    }
    form.member_id.choices = [
        ("", _("(household)")),
        *((str(m.id), m.name) for m in household.members),
    ]


def _grant_choices(form) -> None:
    agencies = db.session.scalars(cases.agencies_query(current_user.tenant))
    form.agency_id.choices = [("", ""), *((str(a.id), a.name) for a in agencies)]


# --- list ------------------------------------------------------------------------------------


@portal.get("/")
def index():
    filters, errors = query_filters(HouseholdQuery())
    items, total = [], 0
    if not errors:
        try:
            query = service.households_query(filters, local_today())
        except ServiceError as error:
            errors = error.errors
        else:
            items, total = page_of(query, filters.get("page", 1), PAGE_SIZE)
    return render_template(
        "households/index.html",
        households=items,
        total=total,
        errors=errors,
        args=request.args,
        page=filters.get("page", 1),
        page_size=PAGE_SIZE,
        streets=_areas((AreaLevel.street,)),
        outcomes=list(Outcome),
        today=local_today(),
    )


@portal.get("/reviews")
def reviews():
    return render_template(
        "households/reviews.html",
        streets=service.reviews_by_street(local_today()),
        notice_days=current_app.config["REVIEW_NOTICE_DAYS"],
    )


# --- registration and changes ----------------------------------------------------------------


@portal.route("/new", methods=["GET", "POST"])
def register():
    form = RegistrationForm()
    _household_choices(form)
    _member_choices(form, "members_0_")
    if request.method == "GET":
        form.registered_on.data = local_today()
        form.members_0_relation.data = str(Relation.head)
    if form.validate_on_submit():
        schema = RegistrationSchema()
        values = form_values(form, schema)
        values["members"] = [form_values(form, MemberInputSchema(), prefix="members_0_")]
        data = load_values(form, schema, values)
        if data is not None:
            try:
                household = service.register(current_user.tenant, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Household registered."))
                return redirect(url_for(".show", household_id=household.id))
    return render_template("households/register.html", form=form), form_status(form)


@portal.route("/emergency", methods=["GET", "POST"])
@requires(Permission.take_in_emergency)
def take_in_emergency():
    form = EmergencyIntakeForm()
    _household_choices(form)
    form.members_0_labour_capacity.choices = enum_choices(LabourCapacity, LABOUR_CAPACITY)
    form.members_0_employment.choices = enum_choices(EmploymentStatus, EMPLOYMENT)
    form.need_subcategory.choices = [
        ("", _("any emergency service")),
        *((t.code, term_label(t)) for t in subcategories_by_dimension()[NeedDimension.emergency]),
    ]
    form.need_severity.choices = need_severities()
    if request.method == "GET":
        form.need_severity.data = str(Severity.severe)
    if form.validate_on_submit():
        schema = EmergencyIntakeSchema()
        values = form_values(form, schema)
        person = form_values(form, IntakeMemberSchema(), prefix="members_0_")
        values["members"] = [{**person, "relation": str(Relation.head)}]
        values["need"] = form_values(form, EmergencyNeedSchema(), prefix="need_")
        data = load_values(form, schema, values)
        if data is not None:
            try:
                assessment = needs.take_in_emergency(current_user.tenant, data, current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Taken in: the emergency need is open. Complete the record later."))
                return redirect(url_for(".show", household_id=assessment.household_id))
    return render_template("households/emergency.html", form=form), form_status(form)


@portal.route("/<int:household_id>/edit", methods=["GET", "POST"])
@url_objects(**HOUSEHOLD)
def edit(household: Household):
    form = HouseholdForm(obj=household)
    _household_choices(form)
    if request.method == "GET":
        form.setting.data = str(household.setting)
        form.phone.data = ""  # a number is never put back into a page; blank keeps it
    if form.validate_on_submit():
        values = form_values(form, HouseholdChangeSchema())
        if not form.phone.data:
            values.pop("phone", None)
        data = load_values(form, HouseholdChangeSchema(), values)
        if data is not None:
            try:
                service.update_household(current_user.tenant, household, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Saved."))
                return redirect(url_for(".show", household_id=household.id))
    return render_template("households/edit.html", form=form, household=household), form_status(
        form
    )


@portal.route("/<int:household_id>/members/new", methods=["GET", "POST"])
@url_objects(**HOUSEHOLD)
def add_member(household: Household):
    return _member_page(household, None)


@portal.route("/<int:household_id>/members/<int:member_id>/edit", methods=["GET", "POST"])
@url_objects(household_id=Household, member_id=Member)
def edit_member(household: Household, member: Member):
    return _member_page(household, service.part_of(household, member))


def _member_page(household: Household, member: Member | None):
    form = MemberForm(obj=member)
    _member_choices(form)
    if request.method == "GET" and member is not None:
        form.id_number.data = ""  # blank keeps the number on file
        for name in ("relation", "labour_capacity", "employment", "self_care", "supporter"):
            form[name].data = str(getattr(member, name))
        for name in ("school_stage", "disability_type", "disability_grade"):
            value = getattr(member, name)
            form[name].data = "" if value is None else str(value)
    if form.validate_on_submit():
        schema = MemberInputSchema() if member is None else MemberChangeSchema()
        values = form_values(form, schema)
        if member is not None and not form.id_number.data:
            values.pop("id_number", None)
        data = load_values(form, schema, values)
        if data is not None:
            try:
                if member is None:
                    service.add_member(household, data)
                else:
                    service.update_member(member, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Saved."))
                return redirect(url_for(".show", household_id=household.id))
    return render_template(
        "households/member_form.html", form=form, household=household, member=member
    ), form_status(form)


# --- the household page ---------------------------------------------------------------------


@portal.get("/<int:household_id>")
@url_objects(**HOUSEHOLD)
def show(household: Household):
    return _show(household)


def _show(household: Household, item_form=None, decision_form=None, grant_form=None, revealed=None):
    if item_form is None:
        item_form = ItemForm(formdata=None)
    _item_choices(item_form, household)
    if decision_form is None:
        decision_form = DecisionForm(formdata=None, decided_on=local_today())
    if grant_form is None:
        grant_form = CaseGrantForm(formdata=None)
    _grant_choices(grant_form)
    decisions = db.session.scalars(service.decisions_query(household)).all()
    status = max(form_status(item_form), form_status(decision_form), form_status(grant_form))
    return render_template(
        "households/show.html",
        household=household,
        decisions=decisions,
        latest_assessment=needs.latest_assessment(household),
        open_needs=needs.open_needs_of(household),
        members={m.id: m for m in household.members},
        item_form=item_form,
        decision_form=decision_form,
        grants=db.session.scalars(cases.grants_query(household)).all(),
        grant_form=grant_form,
        confirm=ConfirmForm(),
        revealed=revealed or {},
        today=local_today(),
    ), status


@portal.post("/<int:household_id>/items")
@url_objects(**HOUSEHOLD)
def add_item(household: Household):
    form = ItemForm()
    _item_choices(form, household)
    if form.validate_on_submit():
        kind, _sep, code = (form.type.data or "").partition(":")
        values = form_values(form, ItemInputSchema())
        values.update(kind=kind, type=code)
        try:
            values["amount_fen"] = parse_yuan(form.amount.data or "")
        except MoneyFormatError as exc:
            form.amount.errors = [*form.amount.errors, translate(str(exc))]
            return _show(household, item_form=form)
        data = load_values(form, ItemInputSchema(), values, ITEM_FORM_FIELDS)
        if data is not None:
            try:
                service.add_item(household, data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Recorded."))
                return redirect(url_for(".show", household_id=household.id))
    return _show(household, item_form=form)


@portal.post("/<int:household_id>/items/<int:item_id>/remove")
@url_objects(household_id=Household, item_id=EconomicItem)
def remove_item(household: Household, item: EconomicItem):
    require_confirmed()
    service.remove_item(service.part_of(household, item))
    flash_done(_("Removed."))
    return redirect(url_for(".show", household_id=household.id))


@portal.post("/<int:household_id>/decisions")
@url_objects(**HOUSEHOLD)
def decide(household: Household):
    form = DecisionForm()
    if form.validate_on_submit():
        data = load_form(form, DecisionInputSchema())
        if data is not None:
            try:
                service.decide(household, data["decided_on"], current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Decided. The rule trace is below."))
                return redirect(url_for(".show", household_id=household.id) + "#decision")
    return _show(household, decision_form=form)


# --- agencies assisting with the assessment --------------------------------------------------


@portal.post("/<int:household_id>/grants")
@requires(Permission.grant_cases)
@url_objects(**HOUSEHOLD)
def grant_case(household: Household):
    form = CaseGrantForm()
    _grant_choices(form)
    if form.validate_on_submit():
        data = load_form(form, CaseGrantInputSchema())
        if data is not None:
            try:
                cases.grant(current_user.tenant, household, data, current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("The agency may now assess this household."))
                return redirect(url_for(".show", household_id=household.id) + "#grants")
    return _show(household, grant_form=form)


@portal.post("/<int:household_id>/grants/<int:grant_id>/end")
@requires(Permission.grant_cases)
@url_objects(household_id=Household, grant_id=CaseGrant)
def end_grant(household: Household, grant: CaseGrant):
    require_confirmed()
    try:
        cases.end(service.part_of(household, grant), current_user)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(_("The agency's access to this household has ended."))
    return redirect(url_for(".show", household_id=household.id) + "#grants")


# --- numbers in full (each reading logged) --------------------------------------------------


@portal.post("/<int:household_id>/members/<int:member_id>/id-number")
@requires(Permission.read_personal_data)
@url_objects(household_id=Household, member_id=Member)
def reveal_id_number(household: Household, member: Member):
    require_confirmed()
    number = service.reveal_id_number(service.part_of(household, member))
    return _show(household, revealed={f"member-{member.id}": number})


@portal.post("/<int:household_id>/phone")
@requires(Permission.read_personal_data)
@url_objects(**HOUSEHOLD)
def reveal_phone(household: Household):
    require_confirmed()
    return _show(household, revealed={"phone": service.reveal_phone(household)})


# The needs assessment and bulk import pages join this portal.
from tenants.households import imports  # noqa: E402, F401

add_assessment_pages(portal)
