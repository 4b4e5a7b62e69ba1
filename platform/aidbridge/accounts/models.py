"""Tenants, their users and roles, API tokens, sign-in attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aidbridge.areas.models import Area
from aidbridge.db import Timestamped, enum_column
from aidbridge.extensions import db
from aidbridge.tenancy import TenantOwned


class TenantType(StrEnum):
    bureau = "bureau"
    charity = "charity"
    agency = "agency"
    # The platform operator's own organisation: it creates and suspends tenants.
    operator = "operator"


class TenantStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class Role(StrEnum):
    admin = "admin"
    caseworker = "caseworker"
    assessor = "assessor"
    monitor = "monitor"
    operator = "operator"


class Tenant(Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[TenantType] = mapped_column(enum_column(TenantType, "tenant_type", length=20))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("area.code"), index=True)
    policy_pack: Mapped[str] = mapped_column(String(40))
    status: Mapped[TenantStatus] = mapped_column(
        enum_column(TenantStatus, "tenant_status", length=20), default=TenantStatus.active
    )

    jurisdiction: Mapped[Area] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.active

    def __repr__(self) -> str:
        return f"<Tenant {self.id} {self.type} {self.name}>"


class User(UserMixin, TenantOwned, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Sign-in names are unique across the platform: one account, one tenant.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Bumped on password reset and deactivation so existing sessions end.
    session_version: Mapped[int] = mapped_column(default=1)

    tenant: Mapped[Tenant] = relationship()
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    @property
    def is_active(self) -> bool:  # flask-login: inactive users cannot sign in
        return self.active

    def get_id(self) -> str:
        # The session version invalidates sessions after a password reset.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class RoleGrant(TenantOwned, db.Model):
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role", length=20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_grants")


class ApiToken(TenantOwned, Timestamped, db.Model):
    """A bearer token for the REST API. Only its SHA-256 digest is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Every sign-in attempt, for throttling; kept for the throttling window only.

    Not tenant-owned: a failed attempt may name no account at all.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime]

    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )


__all__ = [
    "ApiToken",
    "LoginAttempt",
    "Role",
    "RoleGrant",
    "Tenant",
    "TenantStatus",
    "TenantType",
    "User",
]
