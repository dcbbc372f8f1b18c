"""Pickup codes of parcels and shop orders: made at random, checked in constant time
(``logistics.throttle`` limits wrong ones).

The cadre's phone checks a code without signal against ``offline_check``: a salt per stop
(unpredictable: an HMAC of the stop under the app's secret key, stable so that the page and the
round API agree) and SHA-256(salt + code) of each parcel's code, never the code itself.
What that protects and what it does not is in docs/cadre-offline.md.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from logistics.errors import WrongPickupCode

SALT_BYTES = 16


def new_code(taken: Iterable[str | None] = ()) -> str:
    """A random 6-digit pickup code that is none of ``taken``."""
    taken = set(taken)
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


def is_right(given: str, expected: Iterable[str | None]) -> bool:
    given = given.strip()
    return any(secrets.compare_digest(code or "", given) for code in expected)


def check_code(given: str, expected: Iterable[str | None]) -> None:
    """Raise WrongPickupCode unless ``given`` is one of the ``expected`` codes."""
    if not is_right(given, expected):
        raise WrongPickupCode()


def code_hash(salt: str, code: str) -> str:
    """What the phone computes with WebCrypto: hex SHA-256 of the salt then the code."""
    return hashlib.sha256(f"{salt}{code}".encode()).hexdigest()


def stop_salt(secret: bytes, stop_id: int) -> str:
    return hmac.new(secret, f"pickup-code-salt:{stop_id}".encode(), "sha256").hexdigest()[
        : 2 * SALT_BYTES
    ]


def offline_check(salt: str, codes: Iterable[str | None]) -> dict[str, object] | None:
    """The salt and the salted hash of each code (sorted, so order tells nothing)."""
    present = [code for code in codes if code]
    if not present:
        return None
    return {"salt": salt, "hashes": sorted({code_hash(salt, code) for code in present})}
