"""One strict integer parser for everything a caller types: paths, queries, forms and CSV.

``str.isdigit()`` accepts "²" and "٣", ``int()`` accepts "٣" and "1_000", and neither bounds
the value, so a 20-digit id reached the database and came back as a 500. Here a number is
ASCII digits only (at most 10 of them: nothing we store is larger) and must lie within the
column's range, or the caller gets a 4xx: ``parse_int`` raises a 422 (``CoreError`` code
``not_a_whole_number``, or the caller's own error) and the
``int`` URL converter does not match (404).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import request
from werkzeug.routing import IntegerConverter, Map

from core.errors import CoreError, CunzhanError

ID_MAX = 2**31 - 1  # ids and counts are INTEGER columns: 32-bit signed on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(
    raw: str | None,
    *,
    low: int = 0,
    high: int = ID_MAX,
    error: Callable[[], CunzhanError] | None = None,
) -> int:
    """``raw`` (surrounding spaces allowed) as an int in ``low..high``; otherwise raises
    ``error()`` when given, else ``CoreError("not_a_whole_number")`` naming the range."""
    text = (raw or "").strip()
    if _DIGITS.fullmatch(text) and low <= int(text) <= high:
        return int(text)
    raise error() if error else CoreError("not_a_whole_number", low=low, high=high)


def query_int(name: str, *, low: int = 1, high: int = ID_MAX) -> int | None:
    """The query parameter ``name`` parsed strictly, or None when it is absent or empty."""
    raw = request.args.get(name, "")
    return parse_int(raw, low=low, high=high) if raw.strip() else None


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits, 0..ID_MAX unless the rule says otherwise,
    so an id too large for the column is a 404 before any query runs."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
