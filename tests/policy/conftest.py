"""The shipped policy packs, parsed once."""

from __future__ import annotations

import pytest

from aidbridge.policy.pack import read_pack, shipped_pack_files


@pytest.fixture(scope="session")
def packs():
    return {name: read_pack(text, name)[1] for name, text in shipped_pack_files().items()}
