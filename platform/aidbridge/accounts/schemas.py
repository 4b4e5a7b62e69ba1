"""Marshmallow schemas for tenants, users and tokens. Pure: no queries, no request."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates

from aidbridge.accounts.credit_code import credit_code_error
from aidbridge.accounts.models import Role, TenantStatus, TenantType
from aidbridge.i18n import N_
from aidbridge.schemas import InputSchema

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,79}$",
    error=N_("3–80 letters, digits or . _ - @, starting with a letter or digit"),
)
PASSWORD = validate.Length(min=10, max=200, error=N_("must be 10 to 200 characters"))
EMAIL_LENGTH = validate.Length(max=200)
ONE_ROLE = validate.Length(min=1, error=N_("give the user at least one role"))
AREA_CODE = validate.Regexp(r"^\d{6}(\d{3}){0,2}$", error=N_("an area code has 6, 9 or 12 digits"))


class TenantSchema(Schema):
    id = fields.Integer(dump_only=True)
    type = fields.Enum(TenantType)
    name = fields.String()
    credit_code = fields.String()
    jurisdiction_code = fields.String()
    jurisdiction_name = fields.Function(lambda t: t.jurisdiction.name)
    policy_pack = fields.String()
    status = fields.Enum(TenantStatus)
    created_at = fields.AwareDateTime()


class AccountSchema(InputSchema):
    # Stored in lower case: sign-in names are not case-sensitive.
    username = fields.String(required=True, validate=USERNAME)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(load_default=None, allow_none=True, validate=EMAIL_LENGTH)
    password = fields.String(required=True, load_only=True, validate=PASSWORD)

    @post_load
    def _lower_username(self, data, **kwargs):
        data["username"] = data["username"].lower()
        return data


class TenantCreateSchema(InputSchema):
    type = fields.Enum(
        TenantType,
        required=True,
        validate=validate.OneOf([TenantType.bureau, TenantType.charity, TenantType.agency]),
    )
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    # Checked by credit_code_error, whose messages say what exactly is wrong.
    credit_code = fields.String(
        required=True,
        metadata={"description": "统一社会信用代码 (GB 32100-2015), check character verified"},
    )
    jurisdiction_code = fields.String(required=True, validate=AREA_CODE)
    policy_pack = fields.String(load_default=None, validate=validate.Length(max=40))
    admin = fields.Nested(AccountSchema, required=True)

    @pre_load
    def _trim_credit_code(self, data, **kwargs):
        # A code copied from a certificate often brings spaces along: page and API alike.
        if isinstance(data, dict) and isinstance(data.get("credit_code"), str):
            data = {**data, "credit_code": data["credit_code"].strip()}
        return data

    @validates("credit_code")
    def _credit_code(self, value: str, **kwargs) -> None:
        error = credit_code_error(value)
        if error:
            raise ValidationError(error)


class TenantStatusSchema(InputSchema):
    status = fields.Enum(TenantStatus, required=True)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    roles = fields.Function(lambda u: sorted(str(r) for r in u.roles))
    last_login_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class UserCreateSchema(AccountSchema):
    roles = fields.List(
        fields.Enum(Role),
        required=True,
        validate=ONE_ROLE,
    )


class UserUpdateSchema(InputSchema):
    full_name = fields.String(validate=validate.Length(min=1, max=100))
    email = fields.Email(allow_none=True, validate=EMAIL_LENGTH)
    roles = fields.List(
        fields.Enum(Role),
        validate=ONE_ROLE,
    )


class UserActiveSchema(InputSchema):
    active = fields.Boolean(required=True)


class PasswordResetSchema(InputSchema):
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "first characters, to tell tokens apart"})
    username = fields.Function(lambda t: t.user.username)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class TokenCreateSchema(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )


class TokenCreatedSchema(TokenSchema):
    token = fields.String(metadata={"description": "the token itself: shown this once only"})


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    tenant = fields.Nested(TenantSchema)
    permissions = fields.List(fields.String())
