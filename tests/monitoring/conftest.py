"""Monitoring fixtures: a charity of the bureau's pool."""

from __future__ import annotations

import pytest

from aidbridge.accounts.models import TenantType

from factories import make_tenant


@pytest.fixture
def charity(bureau):
    return make_tenant(TenantType.charity, name="南通市慈善总会", jurisdiction="320600")
