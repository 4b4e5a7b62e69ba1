"""Policy packs as people read them: the versions of a jurisdiction, the standards and
rules of one, and (for the platform operator) publishing a new version."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from aidbridge.accounts.permissions import Permission, can
from aidbridge.clock import local_today
from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.i18n import translate
from aidbridge.policy import service as policy
from aidbridge.policy.models import PolicyPackVersion
from aidbridge.policy.schemas import PackPublishSchema
from aidbridge.tenancy import url_objects
from tenants.policy.forms import PackPublishForm
from tenants.portal import (
    apply_service_error,
    flash_done,
    form_status,
    load_form,
    make_portal,
    requires,
)

portal = make_portal("policy", None, "/policy")


@portal.get("/")
def packs():
    everyone = can(current_user, Permission.publish_policy)
    jurisdiction = None if everyone else current_user.tenant.policy_pack
    versions = db.session.scalars(policy.versions_query(jurisdiction)).all()
    today = local_today()
    # Newest first per jurisdiction: the first that has started is the one in force.
    in_force: dict[str, int] = {}
    for version in versions:
        if version.starts_on <= today:
            in_force.setdefault(version.jurisdiction, version.id)
    return render_template(
        "policy/packs.html", versions=versions, in_force=set(in_force.values()), today=today
    )


@portal.get("/<int:pack_id>")
@url_objects(pack_id=PolicyPackVersion)
def pack(pack: PolicyPackVersion):
    return render_template("policy/pack.html", **policy.describe(pack))


@portal.route("/new", methods=["GET", "POST"])
@requires(Permission.publish_policy)
def publish():
    form = PackPublishForm()
    if form.validate_on_submit() and _read_file(form):
        data = load_form(form, PackPublishSchema(), ["text"])
        if data is not None:
            try:
                version = policy.publish(data["text"], current_user)
            except ServiceError as error:
                # A pack's errors name paths inside the file: show them on the text.
                apply_service_error(form, _on_text(error))
            else:
                flash_done(
                    _(
                        "%(name)s published; it applies from %(day)s.",
                        name=version.name,
                        day=version.starts_on.isoformat(),
                    )
                )
                return redirect(url_for("policy.pack", pack_id=version.id))
    return render_template("policy/publish.html", form=form), form_status(form)


def _read_file(form: PackPublishForm) -> bool:
    """An uploaded file replaces the text; one that is not UTF-8 (a BOM is allowed) is
    refused on its field."""
    if not form.file.data:
        return True
    try:
        form.text.data = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors = [*form.file.errors, _("the file is not UTF-8 text")]
        return False
    return True


def _on_text(error: ServiceError) -> ServiceError:
    form_fields = {"text", "file"}
    if set(error.errors) <= form_fields:
        return error
    lines = [
        f"{path}: {translate(reason)}"
        for path, reasons in error.errors.items()
        for reason in reasons
    ]
    return type(error)(error.message, {"text": lines})
