"""Referrals in the pages: a bureau's referrals (and those waiting for an outcome) with
offering and revoking; a provider's inbox with accepting and declining; the case page
where its social workers record what they did and close it. Thin: the core decides
who sees what (``referrals.service.view``) and what is allowed."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from aidbridge.accounts.models import TenantType, User
from aidbridge.accounts.permissions import Permission, can
from aidbridge.clock import local_today, utcnow
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.matching.models import MatchingRun
from aidbridge.pagination import page_of
from aidbridge.referrals import service
from aidbridge.referrals.api import REFERRAL
from aidbridge.referrals.models import (
    CaseOutcome,
    DeclineReason,
    RecordKind,
    Referral,
    ReferralStatus,
)
from aidbridge.referrals.schemas import (
    CloseInputSchema,
    DeclineInputSchema,
    RecordInputSchema,
    ReferralQuery,
    RevokeInputSchema,
)
from aidbridge.tenancy import all_tenants, url_objects
from aidbridge.vocab import NeedDimension, Severity, Urgency
from tenants.forms import ConfirmForm, enum_choices
from tenants.labels import CASE_OUTCOME, DECLINE_REASON, RECORD_KIND, SEVERITY
from tenants.portal import (
    _,
    apply_service_error,
    flash_done,
    form_status,
    form_values,
    load_values,
    make_portal,
    query_filters,
    require_confirmed,
    requires,
    typed_number,
)
from tenants.referrals.forms import AcceptForm, CloseForm, DeclineForm, RecordForm, RevokeForm

portal = make_portal(
    "referrals", {TenantType.bureau, TenantType.charity, TenantType.agency}, "/referrals", False
)
PAGE_SIZE = 25


@portal.before_request
@requires(Permission.read_referrals)
def _readers_only():
    """Both sides of a referral, those who may read them."""


@portal.get("/")
def index():
    filters, errors = query_filters(ReferralQuery())
    page = filters.get("page", 1)
    referrals, total = page_of(
        service.referrals_query(current_user.tenant, filters), page, PAGE_SIZE
    )
    return render_template(
        "referrals/index.html",
        referrals=[service.view(r, current_user.tenant) for r in referrals],
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=request.args,
        errors=errors,
        statuses=list(ReferralStatus),
        urgencies=list(Urgency),
        dimensions=list(NeedDimension),
        bureau=current_user.tenant.type is TenantType.bureau,
    )


@portal.get("/<int:referral_id>")
@url_objects(**REFERRAL)
def show(referral: Referral):
    return _show(referral)


@portal.post("/<int:referral_id>/phone")
@url_objects(**REFERRAL)
def reveal_phone(referral: Referral):
    require_confirmed()
    try:
        phone = service.reveal_phone(referral, current_user)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
        return _show(referral, error.status)
    return _show(referral, phone=phone)


def _show(referral: Referral, status: int = 200, forms: dict | None = None, phone=None):
    seen = service.view(referral, current_user.tenant)
    provider_side = referral.provider_id == current_user.tenant_id
    return render_template(
        "referrals/show.html",
        referral=referral,
        seen=seen,
        provider_side=provider_side,
        may_offer=can(current_user, Permission.offer_referrals),
        may_answer=can(current_user, Permission.answer_referrals) and provider_side,
        confirm=ConfirmForm(),
        phone=phone,
        **(forms or _forms(referral)),
    ), status


def _forms(referral: Referral, **posted) -> dict:
    """Every form of the page, blank but for the one ``posted``, with its choices."""
    forms = {
        "revoke_form": RevokeForm(formdata=None),
        # Who serves: by default the one accepting, then the case's social worker.
        "accept_form": AcceptForm(formdata=None, worker_id=str(current_user.id)),
        "decline_form": DeclineForm(formdata=None),
        "record_form": RecordForm(
            formdata=None,
            served_on=local_today(),
            worker_id=str(referral.worker_id or current_user.id),
        ),
        "close_form": CloseForm(formdata=None),
        **posted,
    }
    provider_side = referral.provider_id == current_user.tenant_id
    _choices(forms, _workers(referral) if provider_side else [])
    return forms


def _workers(referral: Referral) -> list[User]:
    """The provider's active users, for the social worker a case is assigned to."""
    with all_tenants():  # the request acts in the bureau's scope
        return db.session.scalars(
            select(User)
            .where(User.tenant_id == referral.provider_id, User.active.is_(True))
            .order_by(User.full_name, User.id)
        ).all()


def _choices(forms: dict, workers: list[User]) -> None:
    people = [(str(w.id), w.full_name) for w in workers]
    forms["accept_form"].worker_id.choices = people
    forms["record_form"].worker_id.choices = people
    forms["decline_form"].reason.choices = enum_choices(DeclineReason, DECLINE_REASON, blank=True)
    forms["record_form"].kind.choices = enum_choices(RecordKind, RECORD_KIND)
    forms["close_form"].status.choices = [
        (str(ReferralStatus.completed), _("Completed: the household was served")),
        (str(ReferralStatus.closed_unresolved), _("Closed unresolved: it could not be served")),
    ]
    forms["close_form"].outcome.choices = enum_choices(CaseOutcome, CASE_OUTCOME)
    forms["close_form"].satisfaction.choices = [("", _("not given"))] + [
        (str(n), str(n)) for n in range(5, 0, -1)
    ]
    forms["close_form"].severity.choices = [("", _("not re-assessed"))] + [
        (str(s), str(SEVERITY[s])) for s in Severity
    ]


# --- the bureau's moves ------------------------------------------------------------------------


@portal.post("/<int:referral_id>/offer")
@url_objects(**REFERRAL)
@requires(Permission.offer_referrals)
def offer(referral: Referral):
    require_confirmed()
    try:
        service.offer(referral, current_user, utcnow())
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
        return _show(referral, error.status)
    flash_done(_("Offered to the provider."))
    return redirect(url_for(".show", referral_id=referral.id))


@portal.post("/runs/<int:run_id>/offer")
@url_objects(run_id=MatchingRun)
@requires(Permission.offer_referrals)
def offer_run(run: MatchingRun):
    require_confirmed()
    done = service.offer_run(run.id, current_user, utcnow())
    flash_done(_("%(offered)s referrals offered to their providers.", offered=done["offered"]))
    if done["left"]:
        left = len(done["left"])
        flash_done(_("%(left)s left proposed: no consent to share with the provider.", left=left))
    return redirect(url_for("referrals.index", status="offered"))


@portal.post("/<int:referral_id>/revoke")
@url_objects(**REFERRAL)
@requires(Permission.offer_referrals)
def revoke(referral: Referral):
    form = RevokeForm()
    forms = _forms(referral, revoke_form=form)
    data = _submitted(form, RevokeInputSchema())
    if data is not None and _done(
        form, lambda: service.revoke(referral, data["note"], current_user, utcnow())
    ):
        flash_done(_("The referral is withdrawn."))
        return redirect(url_for(".show", referral_id=referral.id))
    return _show(referral, form_status(form), forms)


# --- the provider's moves ----------------------------------------------------------------------


@portal.post("/<int:referral_id>/accept")
@url_objects(**REFERRAL)
@requires(Permission.answer_referrals)
def accept(referral: Referral):
    form = AcceptForm()
    forms = _forms(referral, accept_form=form)
    if form.validate_on_submit() and _done(
        form,
        lambda: service.accept(referral, typed_number(form.worker_id.data), current_user, utcnow()),
    ):
        flash_done(_("Accepted: the case is yours."))
        return redirect(url_for(".show", referral_id=referral.id))
    return _show(referral, form_status(form), forms)


@portal.post("/<int:referral_id>/decline")
@url_objects(**REFERRAL)
@requires(Permission.answer_referrals)
def decline(referral: Referral):
    form = DeclineForm()
    forms = _forms(referral, decline_form=form)
    data = _submitted(form, DeclineInputSchema())
    if data is not None and _done(
        form, lambda: service.decline(referral, data, current_user, utcnow())
    ):
        flash_done(_("Declined: the need goes back to matching."))
        return redirect(url_for(".index"))
    return _show(referral, form_status(form), forms)


@portal.post("/<int:referral_id>/records")
@url_objects(**REFERRAL)
@requires(Permission.answer_referrals)
def record(referral: Referral):
    form = RecordForm()
    forms = _forms(referral, record_form=form)
    data = _submitted(form, RecordInputSchema(), numbers=("units", "minutes", "worker_id"))
    if data is not None and _done(
        form, lambda: service.record_service(referral, data, current_user, utcnow())
    ):
        flash_done(_("Service recorded."))
        return redirect(url_for(".show", referral_id=referral.id) + "#records")
    return _show(referral, form_status(form), forms)


@portal.post("/<int:referral_id>/close")
@url_objects(**REFERRAL)
@requires(Permission.answer_referrals)
def close(referral: Referral):
    form = CloseForm()
    forms = _forms(referral, close_form=form)
    data = _submitted(form, CloseInputSchema(), numbers=("satisfaction",))
    if data is not None and _done(
        form, lambda: service.close(referral, data, current_user, utcnow())
    ):
        flash_done(_("The case is closed."))
        return redirect(url_for(".show", referral_id=referral.id))
    return _show(referral, form_status(form), forms)


def _submitted(form, schema, numbers: tuple[str, ...] = ()) -> dict | None:
    """The form as the API's body, checked by its schema (messages on the fields)."""
    if not form.validate_on_submit():
        return None
    values = form_values(form, schema)
    for name in numbers:
        if values.get(name) is not None:
            values[name] = typed_number(values[name])
    if "served_on" in values and values["served_on"] is not None:
        values["served_on"] = values["served_on"].isoformat()
    return load_values(form, schema, values)


def _done(form, move) -> bool:
    """Make the move; a refusal goes on the form (and the request is rolled back)."""
    try:
        move()
    except ServiceError as error:
        apply_service_error(form, error)
        return False
    return True
