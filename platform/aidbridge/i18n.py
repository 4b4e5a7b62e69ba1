"""Interface language.

Message ids are English and stay plain strings in schemas and services (which
must not depend on a request). ``N_`` marks them for the catalogue; they are
translated where text meets a person: API error bodies and form errors.
"""

from __future__ import annotations

import re

from flask import current_app, request, session
from flask_babel import gettext

from aidbridge.clients import is_api_request


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it."""
    return message


# marshmallow's own messages that our schemas can produce, so the catalogue has them.
LIBRARY_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid string."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Unknown field."),
    N_("Invalid input type."),
)
# Messages that carry a value (from marshmallow and from pure validators), as a
# pattern and the catalogue entry that renders it.
PARAMETRISED = (
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), N_("Must be one of: %(choices)s.")),
    (re.compile(r"^must be (?P<n>\d+) characters$"), N_("must be %(n)s characters")),
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        N_("Length must be between %(min)s and %(max)s."),
    ),
    (
        re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"),
        N_("Shorter than minimum length %(min)s."),
    ),
    (
        re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"),
        N_("Longer than maximum length %(max)s."),
    ),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) "
            r"and less than or equal to (?P<max>\S+)\.$"
        ),
        N_("Must be between %(min)s and %(max)s."),
    ),
    (
        re.compile(r"^check character should be '(?P<char>.)'$"),
        N_("check character should be '%(char)s'"),
    ),
    (
        re.compile(r"^contains a character not allowed: '(?P<char>.)'$"),
        N_("contains a character not allowed: '%(char)s'"),
    ),
    (
        re.compile(r"^must use upper-case letters: '(?P<char>.)'$"),
        N_("must use upper-case letters: '%(char)s'"),
    ),
    (
        re.compile(r"^already registered in household (?P<household>\d+)$"),
        N_("already registered in household %(household)s"),
    ),
    (
        re.compile(r"^already registered by another bureau: (?P<bureau>.*)$"),
        N_("already registered by another bureau: %(bureau)s"),
    ),
    (
        re.compile(r"^the same person is also on line (?P<lines>[\d, ]+)$"),
        N_("the same person is also on line %(lines)s"),
    ),
    (
        re.compile(r"^differs from line (?P<line>\d+) of the same household$"),
        N_("differs from line %(line)s of the same household"),
    ),
    (
        re.compile(r"^more than (?P<rows>\d+) rows: split the file$"),
        N_("more than %(rows)s rows: split the file"),
    ),
    (
        re.compile(r"^the file is larger than (?P<mb>\d+) MB$"),
        N_("the file is larger than %(mb)s MB"),
    ),
    (
        re.compile(r"^must be after the last assessment, on (?P<day>[\d-]+)$"),
        N_("must be after the last assessment, on %(day)s"),
    ),
    (
        re.compile(r"^at least (?P<n>\d+) a year \((?P<rule>[A-Z0-9-]+)\)$"),
        N_("at least %(n)s a year (%(rule)s)"),
    ),
    (
        re.compile(r"^not available to this organisation: (?P<roles>.*)$"),
        N_("not available to this organisation: %(roles)s"),
    ),
    (
        re.compile(r"^already held on post (?P<post>\d+)$"),
        N_("already held on post %(post)s"),
    ),
)


def translate(message: str) -> str:
    for pattern, msgid in PARAMETRISED:
        match = pattern.match(message)
        if match:
            return gettext(msgid, **match.groupdict())
    return gettext(message)


def translate_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [translate(str(m)) for m in messages] for field, messages in errors.items()}


def select_locale() -> str:
    """The language chosen in the session; for the API, the client's Accept-Language."""
    config = current_app.config
    languages = config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if is_api_request():
        return request.accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]
    return config["BABEL_DEFAULT_LOCALE"]
