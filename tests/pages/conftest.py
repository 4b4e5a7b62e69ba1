"""Page tests act as a user of the bureau who is signed in."""

from __future__ import annotations

from datetime import date

import pytest

from aidbridge.accounts.models import Role

from factories import (
    frail_parent_data,
    household_data,
    make_user,
    member_data,
    register_household,
    sign_in,
)


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


@pytest.fixture
def household(bureau):
    """The bureau's household: a mother of 79 in full care with no legal supporter able
    to support, and her son, employed."""
    return register_household(
        bureau,
        household_data(
            member_data(date(1980, 1, 1), employment="employed"),
            frail_parent_data(date(1947, 2, 1)),
        ),
    )
