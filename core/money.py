"""Money is an integer number of fen (分); 100 fen make one yuan. No floats near money."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
_YUAN_PATTERN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


class MoneyError(ValueError):
    """A text that should be an amount of money is not one."""


def yuan_to_fen(text: str) -> int:
    """Parse a yuan amount typed by a person (``"12.5"``, ``"¥3"``) into fen, exactly."""
    cleaned = text.strip().removeprefix("¥").removeprefix("￥").strip()
    if not _YUAN_PATTERN.match(cleaned):
        raise MoneyError(f"not an amount in yuan with at most two decimals: {text!r}")
    try:
        return int(Decimal(cleaned) * FEN_PER_YUAN)
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes it
        raise MoneyError(str(error)) from error


def format_fen(fen: int) -> str:
    """Show fen as yuan the way Chinese shops do: ``¥12.50``, ``-¥0.05``."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{rest:02d}"


