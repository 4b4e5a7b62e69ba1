"""Every API error is JSON: ``{"status", "message", "errors": {field: [reasons]}}``."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from aidbridge.errors import ServiceError
from aidbridge.extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/hsds/")


def error_body(status: int, message: str, errors: dict | None = None):
    return jsonify({"status": status, "message": message, "errors": errors or {}}), status


def handle_service_error(exc: ServiceError):
    db.session.rollback()  # nothing half-written
    return error_body(exc.status, exc.message, exc.errors)


def handle_http_error(exc: HTTPException):
    return error_body(exc.code or 500, exc.description or exc.name)
