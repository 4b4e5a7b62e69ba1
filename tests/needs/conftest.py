import pytest

from factories import ENGLISH


@pytest.fixture
def api(api):
    """The caseworker's API in English, so messages read as the code has them."""

    def call(method, url, headers=None, **kwargs):
        return api(method, url, headers={**ENGLISH, **(headers or {})}, **kwargs)

    return call
