"""Tenant isolation, enforced by the ORM rather than remembered by callers.

Every tenant-owned model mixes in :class:`TenantOwned`. The current tenant is
resolved once per request (or passed explicitly to a job) and held in a context
variable. Every ORM ``SELECT`` (and bulk ``UPDATE``/``DELETE``) touching a
tenant-owned model is then filtered to that tenant automatically, including
relationship loads; with no tenant in
context such a query raises instead of returning everybody's rows. Writes are
checked at flush: a new row takes the current tenant, and a row of another tenant
cannot be inserted or changed.

Deliberate sharing (a published service in the pool, a referral seen by two
tenants, platform-level sign-in) goes through :func:`all_tenants`, which is
explicit and easy to find.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import abort, g, has_request_context
from sqlalchemy import ForeignKey, event, inspect, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria


class TenantScopeError(RuntimeError):
    """Tenant-owned data was touched without a tenant in scope, or across tenants."""


class _AllTenants:
    def __repr__(self) -> str:
        return "ALL_TENANTS"


ALL_TENANTS = _AllTenants()
_scope: ContextVar[int | _AllTenants | None] = ContextVar("aidbridge_tenant_scope", default=None)


class TenantOwned:
    """Mixin: the row belongs to exactly one tenant."""

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)


def current_tenant_id() -> int:
    scope = _scope.get()
    if not isinstance(scope, int):
        raise TenantScopeError("no single tenant in scope")
    return scope


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run a block as ``tenant_id`` (jobs, services acting for a named tenant)."""
    token = _scope.set(int(tenant_id))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Run a block that deliberately reads across tenants (sign-in, operator, CLI)."""
    token = _scope.set(ALL_TENANTS)
    try:
        yield
    finally:
        _scope.reset(token)


def act_for(tenant_id: int) -> None:
    """For the rest of this request, act in ``tenant_id``'s scope: an agency working on
    a case a bureau granted it reads and writes the bureau's record (see
    ``households.cases``). The request's teardown restores the scope it began with."""
    if not has_request_context() or "tenant_scope" not in g:
        raise TenantScopeError("act_for() is for a signed-in request")
    _scope.set(int(tenant_id))


def enter_tenant(tenant_id: int):
    """Set the scope for the rest of a request; returns the token for :func:`leave`."""
    return _scope.set(int(tenant_id))


def leave(token) -> None:
    _scope.reset(token)


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_reads(state: ORMExecuteState) -> None:
    if state.is_column_load or state.execution_options.get("all_tenants"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = _scope.get()
    if scope is ALL_TENANTS:
        return
    if scope is None:
        # Loading the relationships of an object already held is not a new read
        # across tenants; only top-level queries need a scope.
        if not state.is_relationship_load and _touches_tenant_data(state):
            raise TenantScopeError(
                "query on tenant-owned data with no tenant in scope; "
                "use tenant_context() or all_tenants()"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == scope,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _check_writes(session: Session, flush_context, instances) -> None:
    scope = _scope.get()
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if not isinstance(scope, int):
                raise TenantScopeError(f"new {type(obj).__name__} has no tenant")
            obj.tenant_id = scope
        elif isinstance(scope, int) and obj.tenant_id != scope:
            raise TenantScopeError(f"new {type(obj).__name__} belongs to another tenant")
    if isinstance(scope, int):
        for obj in list(session.dirty) + list(session.deleted):
            if isinstance(obj, TenantOwned) and obj.tenant_id != scope:
                raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")


# Integer keys are 32-bit in PostgreSQL: a larger id in a URL names no row (and
# must not reach the database as an overflow).
MAX_ID = 2**31 - 1


def scoped_get_or_404(model, object_id):
    """The one way views fetch a tenant-owned object by id: foreign rows are 404."""
    from aidbridge.extensions import db

    if not _plausible_id(object_id):
        abort(404)
    key = inspect(model).primary_key[0]
    obj = db.session.scalars(select(model).where(key == object_id)).one_or_none()
    if obj is None:
        abort(404)
    return obj


@dataclass(frozen=True)
class SharedLookup:
    """A URL object readable beyond its owner, by rules of its context (a service
    published into the pool). ``find(id)`` returns it or None; ``model`` tells the
    cross-tenant test what kind of object to try."""

    model: type
    find: Callable[[Any], Any]
    # What the URL carries: an attribute name, or a function of the object (an HSDS
    # route names things by their UUID).
    key: str | Callable[[Any], Any] = "id"
    # The same object for every pool (the need taxonomy's terms). When False, another
    # pool's object is not found, and the cross-tenant test expects a 404 for it.
    shared: bool = False

    def url_value(self, obj) -> Any:
        return self.key(obj) if callable(self.key) else getattr(obj, self.key)


def load_url_objects(models: dict[str, type | SharedLookup], view_args: dict) -> dict:
    """Replace ``<x_id>``/``<x_code>`` arguments by the objects they name, scoped."""
    loaded = dict(view_args)
    for arg, spec in models.items():
        name = arg.removesuffix("_id").removesuffix("_code")
        value = loaded.pop(arg)
        if isinstance(spec, SharedLookup):
            found = spec.find(value) if _plausible_id(value) else None
            if found is None:
                abort(404)
            loaded[name] = found
        else:
            loaded[name] = scoped_get_or_404(spec, value)
    return loaded


def _plausible_id(value) -> bool:
    """Could a row have this key? (An impossible one must not reach the database.)"""
    if isinstance(value, int):
        return 0 < value <= MAX_ID
    if isinstance(value, uuid.UUID):
        return True
    return isinstance(value, str) and value.isprintable() and len(value) <= 100


def url_objects(**models: type):
    """Decorator for page views: ``@url_objects(user_id=User)`` passes ``user=<User>``.

    The mapping is kept on the view so the cross-tenant test knows, for every
    route, which kind of foreign object to try.
    """
    from functools import wraps

    def decorator(view):
        @wraps(view)
        def wrapper(**view_args):
            return view(**load_url_objects(models, view_args))

        wrapper.url_objects = models
        return wrapper

    return decorator
