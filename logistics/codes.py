"""Pickup codes, checked in constant time (``logistics.throttle`` limits wrong ones)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from logistics.errors import WrongPickupCode


def check_code(given: str, expected: Iterable[str | None]) -> None:
    """Raise WrongPickupCode unless ``given`` is one of the ``expected`` codes."""
    given = given.strip()
    if not any(secrets.compare_digest(code or "", given) for code in expected):
        raise WrongPickupCode()
