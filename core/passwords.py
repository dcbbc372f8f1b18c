"""Password rules (at least 8 characters, no common ones) and argon2id hashing."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import CoreError

MIN_LENGTH = 8
MAX_LENGTH = 128
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" profile


@cache
def _common_passwords() -> frozenset[str]:
    text = files("core").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_rules(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise CoreError("password_too_short", length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise CoreError("password_too_long", length=MAX_LENGTH)
    if password.lower() in _common_passwords() or len(set(password)) < 3:
        raise CoreError("password_too_common")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
