"""Personal data at rest (ALL-OV-3): ID and phone numbers encrypted, found by a keyed
hash, shown masked.

A number is stored three ways, none of them the number: the Fernet token
(AES-128-CBC with HMAC-SHA256, a random IV each time, so equal numbers do not look
equal), an HMAC-SHA256 digest under a key derived from the same secret (equal
numbers have equal digests: exact lookup and the duplicate check without
decrypting), and the masked form people see. Reading the number itself is a
separate, audited act (see the households service).

The key is ``PII_KEY`` (a Fernet key); it is never in the repository. Without it
nothing personal can be written or read, and the error says how to provide one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from aidbridge.config import ConfigError

LOOKUP_INFO = b"aidbridge personal-data lookup v1"


@dataclass(frozen=True)
class Sealed:
    """What is stored for one number."""

    token: str
    digest: str
    masked: str


@lru_cache(maxsize=4)
def _keys(key: str) -> tuple[Fernet, bytes]:
    fernet = Fernet(key)  # checked when the configuration was loaded
    lookup = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LOOKUP_INFO).derive(
        base64.urlsafe_b64decode(key)
    )
    return fernet, lookup


def _configured() -> tuple[Fernet, bytes]:
    key = current_app.config.get("PII_KEY")
    if not key:
        raise ConfigError(
            "no personal-data key: run `flask setup` (embedded mode) or set PII_KEY "
            "(production), e.g. from `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`"
        )
    return _keys(key)


def digest(value: str) -> str:
    """The keyed hash of a (normalised) number, for exact lookup."""
    return hmac.new(_configured()[1], value.encode(), hashlib.sha256).hexdigest()


def seal(value: str, masked: str) -> Sealed:
    fernet, _lookup = _configured()
    return Sealed(fernet.encrypt(value.encode()).decode(), digest(value), masked)


def unseal(token: str) -> str:
    try:
        return _configured()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise ConfigError("PII_KEY does not open this record (was the key changed?)") from None


def seal_file(content: bytes) -> bytes:
    """A file that holds personal data in clear (an upload waiting for its job), encrypted."""
    return _configured()[0].encrypt(content)


def unseal_file(token: bytes) -> bytes:
    try:
        return _configured()[0].decrypt(token)
    except InvalidToken:
        raise ConfigError("PII_KEY does not open this file (was the key changed?)") from None


def mask_id_number(number: str) -> str:
    """3206**********1234: the issuing city and the last four, as counters show it."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678; short numbers keep only their last two."""
    if len(number) < 8:
        return "*" * (len(number) - 2) + number[-2:]
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
