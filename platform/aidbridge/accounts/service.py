"""Tenants, users, roles, passwords, API tokens and sign-in: every rule and write.

Writes flush; the request commits. The exceptions commit at once on purpose: a
sign-in attempt and its audit entry, and a token's last use, must persist whatever
the response.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from aidbridge.accounts.models import (
    ApiToken,
    LoginAttempt,
    Role,
    RoleGrant,
    Tenant,
    TenantStatus,
    TenantType,
    User,
)
from aidbridge.accounts.permissions import ASSIGNABLE_ROLES, Permission, can
from aidbridge.areas.service import get_area, pack_for_area
from aidbridge.audit import service as audit
from aidbridge.clock import utcnow
from aidbridge.errors import Conflict, Forbidden, InvalidInput, NotFound
from aidbridge.extensions import db
from aidbridge.i18n import N_
from aidbridge.schemas import CONTROL_CHARACTERS
from aidbridge.tenancy import all_tenants, tenant_context

# argon2id with the library's current recommended parameters (RFC 9106).
_hasher = PasswordHasher()
TOKEN_PREFIX = "abt_"


# --- passwords ---------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(8))


# --- snapshots for the audit log ---------------------------------------------------------


def tenant_snapshot(tenant: Tenant) -> dict:
    return {
        "type": str(tenant.type),
        "name": tenant.name,
        "credit_code": tenant.credit_code,
        "jurisdiction_code": tenant.jurisdiction_code,
        "policy_pack": tenant.policy_pack,
        "status": str(tenant.status),
    }


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "active": user.active,
        "roles": sorted(str(r) for r in user.roles),
    }


# --- tenants (platform operator) ---------------------------------------------------------


def create_tenant(data: dict) -> tuple[Tenant, User]:
    """Create a tenant and its first administrator, in one transaction."""
    jurisdiction = get_area(data["jurisdiction_code"])
    if jurisdiction is None:
        raise InvalidInput.field("jurisdiction_code", N_("unknown administrative area code"))
    pack = data.get("policy_pack") or pack_for_area(jurisdiction)
    if pack is None:
        raise InvalidInput.field(
            "policy_pack", N_("no policy pack covers this jurisdiction; name one explicitly")
        )
    with all_tenants():
        if db.session.scalar(select(Tenant.id).where(Tenant.credit_code == data["credit_code"])):
            raise Conflict.field("credit_code", N_("a tenant with this credit code already exists"))
        _check_username_free(data["admin"]["username"], field="admin.username")
    tenant = Tenant(
        type=TenantType(data["type"]),
        name=data["name"],
        credit_code=data["credit_code"],
        jurisdiction_code=jurisdiction.code,
        policy_pack=pack,
        status=TenantStatus.active,
    )
    db.session.add(tenant)
    _flush_or_conflict({"credit_code": "credit_code"})
    with tenant_context(tenant.id):
        admin = _new_user(tenant, data["admin"], roles={Role.admin}, field="admin.username")
        audit.record(
            "tenant.created",
            "tenant",
            tenant.id,
            tenant_id=tenant.id,
            after=tenant_snapshot(tenant),
        )
        audit.record(
            "user.created", "user", admin.id, tenant_id=tenant.id, after=user_snapshot(admin)
        )
        db.session.flush()
    return tenant, admin


def set_tenant_status(tenant: Tenant, status: TenantStatus) -> Tenant:
    if tenant.type == TenantType.operator and status == TenantStatus.suspended:
        raise Forbidden.field(
            "status", N_("the platform operator's own organisation cannot be suspended")
        )
    if tenant.status == status:
        return tenant
    before = tenant_snapshot(tenant)
    tenant.status = status
    with tenant_context(tenant.id):
        audit.record(
            f"tenant.{'suspended' if status == TenantStatus.suspended else 'activated'}",
            "tenant",
            tenant.id,
            tenant_id=tenant.id,
            before={"status": before["status"]},
            after={"status": str(status)},
        )
        db.session.flush()
    return tenant


def tenants_query():
    """All tenants (the operator's view), with their jurisdiction loaded."""
    return (
        select(Tenant)
        .options(joinedload(Tenant.jurisdiction))
        .order_by(Tenant.type, Tenant.name, Tenant.id)
    )


# --- users (tenant admin) -------------------------------------------------------------------


def _check_username_free(username: str, field: str = "username") -> None:
    with all_tenants():
        taken = db.session.scalar(select(User.id).where(User.username == username.lower()))
    if taken:
        raise Conflict.field(field, N_("this username is already taken"))


def _check_roles(
    tenant: Tenant, roles: set[Role], actor: User | None, current: frozenset[Role] = frozenset()
) -> None:
    """Roles must suit the tenant; the operator role changes hands only between operators.

    ``actor`` None is the system itself (the command line, the demo loader).
    """
    if not roles:
        raise InvalidInput.field("roles", N_("give the user at least one role"))
    refused = sorted(str(r) for r in roles - ASSIGNABLE_ROLES[tenant.type])
    if refused:
        raise InvalidInput.field(
            "roles", f"not available to this organisation: {', '.join(refused)}"
        )
    if Role.operator in (roles ^ current):
        _require_operator(actor, "roles")


def _require_operator(actor: User | None, field: str) -> None:
    if actor is not None and Role.operator not in actor.roles:
        raise Forbidden.field(
            field, N_("only a platform operator may do this to an operator's account")
        )


def _new_user(tenant: Tenant, data: dict, roles: set[Role], field: str = "username") -> User:
    """Add a user; a username taken meanwhile by a concurrent request is a 409 on ``field``
    (the request's name for it: "admin.username" when a tenant is created)."""
    user = User(
        tenant_id=tenant.id,
        username=data["username"],
        full_name=data["full_name"],
        email=data.get("email"),
        password_hash=hash_password(data["password"]),
        active=True,
    )
    user.role_grants = [RoleGrant(tenant_id=tenant.id, role=r) for r in sorted(roles)]
    db.session.add(user)
    _flush_or_conflict({"username": field})
    return user


def create_user(tenant: Tenant, data: dict, actor: User | None) -> User:
    roles = {Role(r) for r in data["roles"]}
    _check_roles(tenant, roles, actor)
    _check_username_free(data["username"])
    user = _new_user(tenant, data, roles)
    audit.record("user.created", "user", user.id, tenant_id=tenant.id, after=user_snapshot(user))
    db.session.flush()
    return user


def update_user(tenant: Tenant, user: User, data: dict, actor: User | None) -> User:
    before = user_snapshot(user)
    if "roles" in data:
        roles = {Role(r) for r in data["roles"]}
        _check_roles(tenant, roles, actor, user.roles)
        dropping_admin = Role.admin in user.roles and Role.admin not in roles
        if dropping_admin and actor is not None and user.id == actor.id:
            raise InvalidInput.field("roles", N_("you cannot remove your own administrator role"))
        if Role.admin not in roles:
            _keep_one_admin(user)
        user.role_grants = [RoleGrant(tenant_id=tenant.id, role=r) for r in sorted(roles)]
    for name in ("full_name", "email"):
        if name in data:
            setattr(user, name, data[name])
    audit.record_changes(
        "user.updated",
        "user",
        user.id,
        tenant_id=tenant.id,
        before=before,
        after=user_snapshot(user),
    )
    db.session.flush()
    return user


def _keep_one_admin(user: User, field: str = "roles") -> None:
    """A tenant must keep at least one active administrator."""
    if Role.admin not in user.roles or not user.active:
        return
    others = db.session.scalar(
        select(func.count(User.id))
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.admin, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise InvalidInput.field(
            field, N_("the organisation must keep at least one active administrator")
        )


def set_user_active(tenant: Tenant, user: User, active: bool, actor: User) -> User:
    if Role.operator in user.roles:
        _require_operator(actor, "active")
    if user.active == active:
        return user
    if not active:
        if user.id == actor.id:
            raise InvalidInput.field("active", N_("you cannot deactivate your own account"))
        _keep_one_admin(user, "active")
        user.session_version += 1
        _revoke_all_tokens(user)
    user.active = active
    audit.record(
        "user.activated" if active else "user.deactivated",
        "user",
        user.id,
        tenant_id=tenant.id,
        before={"active": not active},
        after={"active": active},
    )
    db.session.flush()
    return user


def reset_password(tenant: Tenant, user: User, password: str, actor: User | None) -> User:
    if Role.operator in user.roles:
        _require_operator(actor, "password")
    user.password_hash = hash_password(password)
    # Existing sessions of this user end; tokens stay (they are revoked separately).
    user.session_version += 1
    audit.record("user.password_reset", "user", user.id, tenant_id=tenant.id)
    db.session.flush()
    return user


def users_query():
    """The current tenant's users, active first."""
    return select(User).order_by(User.active.desc(), User.username)


def _flush_or_conflict(fields: dict[str, str]) -> None:
    """Flush; a unique constraint lost to a concurrent request is a clean 409 on the
    request's field (``fields`` maps each unique column to the field that carried it)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        detail = str(exc.orig).lower()
        field = next((f for column, f in fields.items() if column in detail), None)
        if field is None:
            raise
        raise Conflict.field(field, N_("already taken")) from exc


# --- API tokens -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough (a slow one would add nothing).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: User, name: str, expires_in_days: int | None, made_with: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the plain value is returned once and never stored.

    A token made with another token expires no later than that one, so a leaked
    short-lived token cannot be turned into a permanent one.
    """
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    if made_with is not None and made_with.expires_at is not None:
        expires_at = min(filter(None, (expires_at, made_with.expires_at)))
    token = ApiToken(
        tenant_id=user.tenant_id,
        user_id=user.id,
        name=name,
        prefix=plain[:12],
        digest=_digest(plain),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token.created",
        "api_token",
        token.id,
        tenant_id=user.tenant_id,
        after={
            "name": name,
            "user": user.username,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    db.session.flush()
    return token, plain


def revoke_token(token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token: one's own, or any of the tenant's as a user manager."""
    if token.user_id != actor.id and not can(actor, Permission.manage_users):
        raise NotFound(N_("no such object"))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "token.revoked",
            "api_token",
            token.id,
            tenant_id=token.tenant_id,
            after={"name": token.name, "prefix": token.prefix},
        )
        db.session.flush()
    return token


def _revoke_all_tokens(user: User) -> None:
    now = utcnow()
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


def tokens_query(user: User):
    """The user's tokens; a user manager sees every token of the tenant."""
    query = (
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if not can(user, Permission.manage_users):
        query = query.where(ApiToken.user_id == user.id)
    return query


# How stale "last used" may be: writing it on every call would cost a write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def valid_token(plain: str) -> ApiToken | None:
    """The token, if it is valid and its user and tenant are active. Marks it used."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    with all_tenants():
        token = db.session.scalar(
            select(ApiToken)
            .where(ApiToken.digest == _digest(plain))
            .options(joinedload(ApiToken.user).joinedload(User.tenant))
        )
        now = utcnow()
        if token is None or token.revoked_at is not None:
            return None
        if token.expires_at is not None and token.expires_at <= now:
            return None
        user = token.user
        if not user.active or not user.tenant.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            token.last_used_at = now
            db.session.commit()
    return token


# --- sign-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInRefused(Exception):
    reason: str  # invalid | throttled | inactive | suspended


def _recent_failures(column, value: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    )


def authenticate(username: str, password: str, address: str) -> User:
    """Check a sign-in; raises :class:`SignInRefused`.

    Every attempt is recorded, as a failure, *before* anything is checked, so that
    concurrent attempts all count against the limits; a success then marks its own
    row. These records commit whatever the outcome: a refused sign-in must leave
    its trace.
    """
    config = current_app.config
    key = username.strip().lower()
    clean_key = CONTROL_CHARACTERS.sub("", key)[: LoginAttempt.username.type.length]
    address = (address or "unknown")[: LoginAttempt.address.type.length]
    attempt = LoginAttempt(username=clean_key, address=address, succeeded=False, at=utcnow())
    db.session.add(attempt)
    db.session.commit()

    since = utcnow() - config["LOGIN_WINDOW"]
    user = None
    if clean_key == key:  # a name with control characters or too long names nobody
        with all_tenants():
            user = db.session.scalar(select(User).where(User.username == key))
    if (
        _recent_failures(LoginAttempt.username, clean_key, since)
        > config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginAttempt.address, address, since)
        > config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        refusal = "throttled"
    elif user is None:
        _burn_time(password)
        refusal = "invalid"
    elif not password_matches(user, password):
        refusal = "invalid"
    elif not user.active:
        refusal = "inactive"
    elif not user.tenant.is_active:
        refusal = "suspended"
    else:
        refusal = None

    if refusal is None:
        attempt.succeeded = True
    if user is not None:
        with tenant_context(user.tenant_id):
            if refusal is None:
                user.last_login_at = utcnow()
            audit.record(
                "auth.signed_in" if refusal is None else "auth.sign_in_failed",
                "user",
                user.id,
                tenant_id=user.tenant_id,
                actor=user,
                after=None if refusal is None else {"reason": refusal},
            )
            db.session.commit()
    else:
        db.session.commit()
    if refusal:
        raise SignInRefused(refusal)
    return user


def _burn_time(password: str) -> None:
    """Verify against a throw-away hash so "no such user" takes as long as a wrong password."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)


def sign_out(user: User) -> None:
    """End the user's sessions: the signed cookie alone would stay valid until it expires."""
    with tenant_context(user.tenant_id):
        user.session_version += 1
        audit.record("auth.signed_out", "user", user.id, tenant_id=user.tenant_id, actor=user)
        db.session.flush()


def purge_login_attempts(older_than: timedelta | None = None) -> int:
    """Housekeeping job: attempts outside the throttling window serve no purpose."""
    window = older_than or current_app.config["LOGIN_WINDOW"]
    result = db.session.execute(
        LoginAttempt.__table__.delete().where(LoginAttempt.at < utcnow() - window)
    )
    db.session.flush()
    return result.rowcount
