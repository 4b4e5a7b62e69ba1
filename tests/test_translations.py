"""The committed compiled catalogue is the one its .po compiles to (so installs that do
not run `make` still speak Chinese), and every message is translated."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[1] / "platform/aidbridge/translations/zh/LC_MESSAGES"


def test_compiled_catalogue_matches_its_source():
    with open(CATALOGUE / "messages.po", "rb") as po, open(CATALOGUE / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    untranslated = [m.id for m in source if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    assert untranslated == []
    expected = {_forms(m.id): _forms(m.string) for m in source if m.id}
    assert {_forms(m.id): _forms(m.string) for m in compiled if m.id} == expected


def _forms(text) -> tuple:
    """A message's text, or its plural forms, alike from a .po and a .mo."""
    return tuple(text) if isinstance(text, list | tuple) else (text,)
