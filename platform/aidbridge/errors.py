"""Errors a service raises so that API and pages can name the field and the reason."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be carried out, with a status and per-field messages."""

    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    @classmethod
    def field(cls, name: str, reason: str) -> ServiceError:
        return cls(reason, {name: [reason]})


class InvalidInput(ServiceError):
    status = 422


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404
