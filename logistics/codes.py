"""Pickup codes of parcels and shop orders: made at random, checked in constant time
(``logistics.throttle`` limits wrong ones)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from logistics.errors import WrongPickupCode


def new_code(taken: Iterable[str | None] = ()) -> str:
    """A random 6-digit pickup code that is none of ``taken``."""
    taken = set(taken)
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


def check_code(given: str, expected: Iterable[str | None]) -> None:
    """Raise WrongPickupCode unless ``given`` is one of the ``expected`` codes."""
    given = given.strip()
    if not any(secrets.compare_digest(code or "", given) for code in expected):
        raise WrongPickupCode()
