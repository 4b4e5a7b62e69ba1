"""Money: integer fen in storage and arithmetic, yuan with two decimals for people."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from aidbridge.i18n import N_

FEN_PER_YUAN = 100


def yuan_to_fen(yuan: Decimal) -> int:
    """12.345 yuan is 1235 fen (half up, as a cashier rounds)."""
    return int((Decimal(yuan) * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int | None) -> str:
    """¥1,234.50 — for templates."""
    return "" if fen is None else f"¥{fen_to_yuan(fen):,}"


# What people type for an amount in yuan: 1530, 1530.5, 1,530.50, ¥1530, 1530元.
_YUAN = re.compile(r"^[¥￥]?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\s*元?$")


class MoneyFormatError(ValueError):
    pass


def parse_yuan(text: str) -> int:
    """An amount in yuan as a person writes it, in fen; anything else (another
    currency, three decimals, a minus sign) is refused rather than guessed at."""
    cleaned = text.strip()
    if not _YUAN.match(cleaned):
        raise MoneyFormatError(N_("an amount in yuan such as 1530.50"))
    digits = cleaned.lstrip("¥￥").rstrip("元").strip().replace(",", "")
    return yuan_to_fen(Decimal(digits))
