"""Every API error is JSON: ``{"status", "message", "errors": {field: [reasons]}}``."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from aidbridge.errors import ServiceError
from aidbridge.extensions import db
from aidbridge.i18n import N_, translate, translate_errors


def error_body(status: int, message: str, errors: dict | None = None):
    body = {
        "status": status,
        "message": translate(message),
        "errors": translate_errors(errors or {}),
    }
    return jsonify(body), status


def handle_service_error(exc: ServiceError):
    db.session.rollback()  # nothing half-written
    return error_body(exc.status, exc.message, exc.errors)


# Short messages for the statuses the API answers without a service error.
HTTP_MESSAGES = {
    400: N_("bad request"),
    404: N_("no such object"),
    405: N_("method not allowed on this resource"),
    415: N_("send the body as application/json"),
}


def handle_http_error(exc: HTTPException):
    code = exc.code or 500
    return error_body(code, HTTP_MESSAGES.get(code, exc.description or exc.name))
