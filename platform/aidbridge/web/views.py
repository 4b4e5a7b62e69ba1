"""Site pages that belong to no portal: sign-in, sign-out, language, landing."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from aidbridge.accounts import service
from aidbridge.accounts.service import SignInRefused
from aidbridge.web.safety import safe_next

site = Blueprint("site", __name__)


class SignInForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=200)])
    # Bounded so that hashing cannot be made to chew on megabytes.
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


def refusal_message(reason: str) -> str:
    return {
        "invalid": _("Wrong username or password."),
        "throttled": _("Too many failed sign-ins. Wait a few minutes and try again."),
        "inactive": _("This account has been deactivated. Ask your administrator."),
        "suspended": _("Your organisation is suspended on this platform."),
    }[reason]


@site.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(current_app.extensions["portal_home"][current_user.tenant.type]))
    return redirect(url_for("site.sign_in"))


@site.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(
                form.username.data, form.password.data, request.remote_addr or "unknown"
            )
        except SignInRefused as refused:
            form.password.errors.append(refusal_message(refused.reason))
            status = 429 if refused.reason == "throttled" else 401
        else:
            # A new session for the new user; only the chosen language carries over.
            language = session.get("language")
            session.clear()
            if language:
                session["language"] = language
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("site.index"))
    elif request.method == "POST":
        status = 400
    return render_template("site/sign_in.html", form=form), status


@site.post("/sign-out")
@login_required
def sign_out():
    service.sign_out(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("site.sign_in"))


@site.post("/language/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("site.index"))
