import pytest


@pytest.fixture
def api(api_en):
    """The needs tests read messages in English, as the code has them."""
    return api_en
