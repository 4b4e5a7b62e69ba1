"""A small Nantong jurisdiction for the matching tests: a bureau, providers of its pool,
households assessed with open needs, services, and the API as the bureau's caseworker."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(api_en):
    return api_en
