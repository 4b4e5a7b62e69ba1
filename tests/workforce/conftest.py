"""Providers and API callers for the workforce tests."""

from __future__ import annotations

import pytest

from aidbridge.accounts.models import Role, TenantType

from factories import make_tenant, make_user


@pytest.fixture
def agency(db):
    """A Nantong social-work agency (NT21-SW-1: 30 % of all posts; the pack blocks)."""
    return make_tenant(TenantType.agency, name="崇川区启航社会工作服务中心")


@pytest.fixture
def agency_api(agency, as_user):
    """The agency's admin: keeps the roster and may read holders' ID numbers."""
    return as_user(make_user(agency, Role.admin))
