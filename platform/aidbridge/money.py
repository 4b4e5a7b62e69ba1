"""Money: integer fen in storage and arithmetic, yuan with two decimals for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100


def yuan_to_fen(yuan: Decimal) -> int:
    """12.345 yuan is 1235 fen (half up, as a cashier rounds)."""
    return int((Decimal(yuan) * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int | None) -> str:
    """¥1,234.50 — for templates."""
    return "" if fen is None else f"¥{fen_to_yuan(fen):,}"
