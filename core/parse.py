"""One strict integer parser for everything a caller types: paths, queries, forms and CSV.

``str.isdigit()`` accepts "²" and "٣", ``int()`` accepts "٣" and "1_000", and neither bounds
the value, so a 20-digit id reached the database and came back as a 500. Here a number is
ASCII digits only (at most 10 of them: nothing we store is larger) and must lie within the
column's range, or the caller gets a 4xx: ``parse_int`` raises ``InvalidInput`` (422) and the
``int`` URL converter does not match (404).
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map

from core.errors import InvalidInput

ID_MAX = 2**31 - 1  # ids and counts are INTEGER columns: 32-bit signed on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(raw: str | None, *, low: int = 0, high: int = ID_MAX, message: object = None) -> int:
    """``raw`` (surrounding spaces allowed) as an int in ``low..high``, or ``InvalidInput``."""
    text = (raw or "").strip()
    if _DIGITS.fullmatch(text) and low <= int(text) <= high:
        return int(text)
    default = _l("请填写 %(low)s 到 %(high)s 之间的整数", low=low, high=high)
    raise InvalidInput(str(message or default))


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
