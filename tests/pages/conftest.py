"""Page tests act as a user of the bureau who is signed in."""

from __future__ import annotations

import pytest

from aidbridge.accounts.models import Role

from factories import make_user, sign_in


@pytest.fixture
def signed_in(client, bureau):
    """Sign in a new user of the bureau with these roles: ``signed_in(Role.assessor)``."""

    def user_with(*roles: Role):
        user = make_user(bureau, *roles)
        sign_in(client, user)
        return user

    return user_with


@pytest.fixture
def worker(signed_in):
    """The bureau's caseworker, signed in."""
    return signed_in(Role.caseworker)


@pytest.fixture
def assessor(signed_in):
    """The bureau's assessor, signed in."""
    return signed_in(Role.assessor)
