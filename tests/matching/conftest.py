"""A small Nantong jurisdiction for the matching tests: a bureau, providers of its pool,
households assessed with open needs, services, and the API as the bureau's caseworker."""

from __future__ import annotations

import pytest

from aidbridge.accounts.models import TenantType

from factories import make_tenant


@pytest.fixture
def api(api_en):
    return api_en


@pytest.fixture
def charity(bureau):
    return make_tenant(TenantType.charity, name="南通市慈善总会", jurisdiction="320600")
