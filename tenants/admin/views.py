"""Organisation pages for every tenant type: users and roles, API tokens, audit log."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from aidbridge.accounts import service
from aidbridge.accounts.models import ApiToken, User
from aidbridge.accounts.permissions import ASSIGNABLE_ROLES, Permission, can
from aidbridge.accounts.schemas import (
    PasswordResetSchema,
    TokenCreateSchema,
    UserCreateSchema,
    UserUpdateSchema,
)
from aidbridge.audit.service import events_query
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import url_objects
from tenants.admin.forms import (
    PasswordResetForm,
    TokenCreateForm,
    UserCreateForm,
    UserEditForm,
)
from tenants.forms import ConfirmForm
from tenants.labels import role_label
from tenants.portal import (
    apply_service_error,
    flash_done,
    form_status,
    load_form,
    make_portal,
    require_confirmed,
    requires,
)

portal = make_portal("admin", None, "/org")
AUDIT_PAGE = 50


def _role_choices():
    return [(str(r), role_label(r)) for r in sorted(ASSIGNABLE_ROLES[current_user.tenant.type])]


@portal.get("/users")
def users():
    return render_template(
        "admin/users.html",
        users=db.session.scalars(service.users_query()).all(),
        form=ConfirmForm(),
        may_manage=can(current_user, Permission.manage_users),
    )


@portal.route("/users/new", methods=["GET", "POST"])
@requires(Permission.manage_users)
def new_user():
    form = UserCreateForm()
    form.roles.choices = _role_choices()
    if form.validate_on_submit():
        data = load_form(form, UserCreateSchema())
        if data is not None:
            try:
                user = service.create_user(current_user.tenant, data, actor=current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("User %(name)s created.", name=user.username))
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), form_status(form)


@portal.route("/users/<int:user_id>", methods=["GET", "POST"])
@url_objects(user_id=User)
@requires(Permission.manage_users)
def edit_user(user: User):
    form = _edit_form(user, formdata=None if request.method == "GET" else request.form)
    if form.validate_on_submit():
        data = load_form(form, UserUpdateSchema(), ["full_name", "email", "roles"])
        if data is not None:
            data.setdefault("email", None)
            try:
                service.update_user(current_user.tenant, user, data, actor=current_user)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                flash_done(_("Changes to %(name)s saved.", name=user.username))
                return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, password_form=PasswordResetForm(prefix="pw")
    ), form_status(form)


def _edit_form(user: User, formdata=None) -> UserEditForm:
    """The user's form: as submitted, or (without ``formdata``) as the user now is."""
    form = UserEditForm(formdata=formdata, obj=user)
    form.roles.choices = _role_choices()
    if formdata is None:
        form.roles.data = sorted(str(r) for r in user.roles)
    return form


@portal.post("/users/<int:user_id>/password")
@url_objects(user_id=User)
@requires(Permission.manage_users)
def reset_password(user: User):
    form = PasswordResetForm(prefix="pw")
    data = load_form(form, PasswordResetSchema(), ["password"]) if form.validate() else None
    if data is not None:
        try:
            service.reset_password(current_user.tenant, user, data["password"], actor=current_user)
        except ServiceError as error:
            apply_service_error(form, error)
            data = None
    if data is None:
        return render_template(
            "admin/user_form.html", form=_edit_form(user), user=user, password_form=form
        ), form_status(form)
    flash_done(_("New password set for %(name)s.", name=user.username))
    return redirect(url_for("admin.users"))


@portal.post("/users/<int:user_id>/active")
@url_objects(user_id=User)
@requires(Permission.manage_users)
def set_active(user: User):
    require_confirmed()
    if request.form.get("active") not in {"0", "1"}:
        abort(400)
    active = request.form["active"] == "1"
    try:
        service.set_user_active(current_user.tenant, user, active, actor=current_user)
    except ServiceError as error:
        apply_service_error(ConfirmForm(), error)
    else:
        flash_done(
            _("%(name)s reactivated.", name=user.username)
            if active
            else _("%(name)s deactivated.", name=user.username)
        )
    return redirect(url_for("admin.users"))


@portal.route("/tokens", methods=["GET", "POST"])
def tokens():
    form = TokenCreateForm()
    created = None
    if form.validate_on_submit():
        data = load_form(form, TokenCreateSchema(), ["name", "expires_in_days"])
        if data is not None:
            _token, created = service.create_token(
                current_user, data["name"], data.get("expires_in_days")
            )
            form = TokenCreateForm(formdata=None)
    return render_template(
        "admin/tokens.html",
        form=form,
        created=created,
        confirm=ConfirmForm(),
        tokens=db.session.scalars(service.tokens_query(current_user)).all(),
    ), form_status(form)


@portal.post("/tokens/<int:token_id>/revoke")
@url_objects(token_id=ApiToken)
def revoke_token(token: ApiToken):
    require_confirmed()
    service.revoke_token(token, actor=current_user)
    flash_done(_("Token %(name)s revoked.", name=token.name))
    return redirect(url_for("admin.tokens"))


@portal.get("/audit")
@requires(Permission.read_audit)
def audit():
    try:
        page = PageQuery(only=["page"]).load(request.args.to_dict())["page"]
    except ValidationError:
        abort(400)
    events = list(
        db.session.scalars(events_query().limit(AUDIT_PAGE + 1).offset((page - 1) * AUDIT_PAGE))
    )
    return render_template(
        "admin/audit.html",
        events=events[:AUDIT_PAGE],
        page=page,
        has_more=len(events) > AUDIT_PAGE,
    )
