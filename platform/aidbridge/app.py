"""The application factory. It binds extensions and registers blueprints; nothing else.

No connection, migration or write happens here or at import time.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from flask import Flask, request
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from aidbridge.config import load_config
from aidbridge.errors import ServiceError
from aidbridge.extensions import babel, csrf, db, login_manager, migrate
from aidbridge.i18n import select_locale

ROOT = Path(__file__).resolve().parents[2]


# The bounded contexts of the core. Each may have `models`, `api` and `jobs`
# modules; importing them registers tables, API routes and jobs.
CONTEXTS = (
    "areas",
    "accounts",
    "audit",
    "notifications",
    "policy",
    "pool",
    "households",
    "needs",
    "contracts",
    "workforce",
    "referrals",
    "matching",
    "monitoring",
    "exports",
)


def _load(part: str) -> None:
    for context in CONTEXTS:
        name = f"aidbridge.{context}.{part}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        "aidbridge",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    _load("models")
    _load("jobs")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "site.sign_in"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )

    from aidbridge.accounts.identity import init_identity

    init_identity(app)
    _register_blueprints(app)
    _register_errors(app)
    app.after_request(_security_headers)
    app.after_request(_end_transaction)

    from aidbridge.cli import register_cli

    register_cli(app)
    app.jinja_env.globals["get_locale"] = get_locale
    return app


def _register_blueprints(app: Flask) -> None:
    from aidbridge.api import api
    from aidbridge.web.views import site
    from tenants import register_portals

    _load("api")
    importlib.import_module("aidbridge.api.meta")
    from aidbridge.pool.hsds_api import hsds_api

    for blueprint in (api, hsds_api):
        csrf.exempt(blueprint)  # bearer tokens only, never the session cookie
        app.register_blueprint(blueprint)
    app.register_blueprint(site)
    register_portals(app)


def _end_transaction(response):
    """One transaction per request: what a successful request wrote is committed here,
    once; anything else is rolled back (error handlers roll back too)."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _security_headers(response):
    """No framing (clickjacking of the buttons that suspend, deactivate, revoke), no
    MIME sniffing, and nothing personal or secret kept in caches."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _register_errors(app: Flask) -> None:
    from flask import render_template

    from aidbridge.api.errors import error_body, handle_http_error, handle_service_error
    from aidbridge.clients import is_api_request
    from aidbridge.i18n import N_, translate

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if is_api_request():
            return handle_service_error(exc)
        db.session.rollback()
        message = translate(exc.message)
        return render_template("error.html", status=exc.status, message=message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if is_api_request():
            return handle_http_error(exc)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return error_body(500, N_("internal error; nothing was saved"))
        return render_template("error.html", status=500, message=None), 500
