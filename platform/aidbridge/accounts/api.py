"""API routes: the signed-in user, tenants (operator), users (tenant admin), tokens."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from aidbridge.accounts import service
from aidbridge.accounts.models import ApiToken, Tenant, TenantStatus, User
from aidbridge.accounts.permissions import Permission, can
from aidbridge.accounts.schemas import (
    MeSchema,
    PasswordResetSchema,
    TenantCreateSchema,
    TenantSchema,
    TenantStatusSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenSchema,
    UserActiveSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from aidbridge.api import endpoint

# --- the signed-in user --------------------------------------------------------------------------


@endpoint(
    "/me",
    summary="The user the token belongs to, its tenant and permissions",
    tag="account",
    response=MeSchema,
)
def me():
    return {
        "user": current_user,
        "tenant": current_user.tenant,
        "permissions": sorted(str(p) for p in Permission if can(current_user, p)),
    }


@endpoint("/tenant", summary="The caller's own tenant", tag="account", response=TenantSchema)
def own_tenant():
    return current_user.tenant


# --- tenants: platform operator ------------------------------------------------------------------


@endpoint(
    "/tenants",
    summary="List tenants",
    tag="tenants",
    response=TenantSchema,
    many=True,
    permission=Permission.manage_tenants,
)
def list_tenants(args):
    return service.tenants_query()


@endpoint(
    "/tenants",
    "POST",
    summary="Create a tenant and its first administrator",
    tag="tenants",
    body=TenantCreateSchema,
    response=TenantSchema,
    status=201,
    permission=Permission.manage_tenants,
    errors=(409,),
)
def create_tenant(data):
    tenant, _admin = service.create_tenant(data)
    return tenant


@endpoint(
    "/tenants/<int:tenant_id>",
    summary="One tenant",
    tag="tenants",
    response=TenantSchema,
    permission=Permission.manage_tenants,
    load={"tenant_id": Tenant},
)
def get_tenant(tenant):
    return tenant


@endpoint(
    "/tenants/<int:tenant_id>/status",
    "PUT",
    summary="Suspend or reactivate a tenant",
    tag="tenants",
    body=TenantStatusSchema,
    response=TenantSchema,
    permission=Permission.manage_tenants,
    load={"tenant_id": Tenant},
)
def set_tenant_status(tenant, data):
    return service.set_tenant_status(tenant, TenantStatus(data["status"]))


# --- users: tenant admin -------------------------------------------------------------------------


@endpoint(
    "/users", summary="Users of the caller's tenant", tag="users", response=UserSchema, many=True
)
def list_users(args):
    return service.users_query()


@endpoint(
    "/users",
    "POST",
    summary="Create a user",
    tag="users",
    body=UserCreateSchema,
    response=UserSchema,
    status=201,
    permission=Permission.manage_users,
    errors=(409,),
)
def create_user(data):
    return service.create_user(current_user.tenant, data, actor=current_user)


@endpoint(
    "/users/<int:user_id>",
    summary="One user",
    tag="users",
    response=UserSchema,
    load={"user_id": User},
)
def get_user(user):
    return user


@endpoint(
    "/users/<int:user_id>",
    "PATCH",
    summary="Change a user's name, e-mail or roles",
    tag="users",
    body=UserUpdateSchema,
    response=UserSchema,
    permission=Permission.manage_users,
    load={"user_id": User},
)
def update_user(user, data):
    return service.update_user(current_user.tenant, user, data, actor=current_user)


@endpoint(
    "/users/<int:user_id>/active",
    "PUT",
    summary="Deactivate or reactivate a user",
    tag="users",
    body=UserActiveSchema,
    response=UserSchema,
    permission=Permission.manage_users,
    load={"user_id": User},
)
def set_user_active(user, data):
    return service.set_user_active(current_user.tenant, user, data["active"], actor=current_user)


@endpoint(
    "/users/<int:user_id>/password",
    "PUT",
    summary="Set a new password for a user",
    tag="users",
    body=PasswordResetSchema,
    status=204,
    permission=Permission.manage_users,
    load={"user_id": User},
)
def reset_password(user, data):
    service.reset_password(current_user.tenant, user, data["password"], actor=current_user)


# --- API tokens ----------------------------------------------------------------------------------


@endpoint(
    "/tokens",
    summary="Your API tokens (an administrator sees the tenant's)",
    tag="tokens",
    response=TokenSchema,
    many=True,
)
def list_tokens(args):
    return service.tokens_query(current_user)


@endpoint(
    "/tokens",
    "POST",
    summary="Create an API token for yourself; shown once",
    tag="tokens",
    body=TokenCreateSchema,
    response=TokenCreatedSchema,
    status=201,
)
def create_token(data):
    token, plain = service.create_token(
        current_user, data["name"], data["expires_in_days"], made_with=g.api_token
    )
    token.token = plain
    return token


@endpoint(
    "/tokens/<int:token_id>",
    "DELETE",
    summary="Revoke an API token",
    tag="tokens",
    status=204,
    load={"token_id": ApiToken},
)
def revoke_token(token):
    service.revoke_token(token, actor=current_user)
