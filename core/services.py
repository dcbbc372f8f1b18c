"""Account services: create users, grant roles, authenticate, end sessions.

Plain functions: ``session`` first, keyword-only after; they flush, never commit.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Household, Role, RoleGrant, Township, User, Village
from core.passwords import check_password_rules, hash_password, needs_rehash, verify_password

PHONE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")


@cache
def _dummy_hash() -> str:
    """Verified against when the phone is unknown, so that a wrong phone costs as much
    time as a wrong password and does not reveal which phones have accounts."""
    return hash_password("timing-equaliser-not-a-password")


def normalise_phone(raw: str) -> str:
    """Accept ``139 0000 0001``, ``+86 13900000001`` and the like; return 11 digits."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not PHONE_PATTERN.match(digits):
        raise CoreError("invalid_phone")
    return digits


def create_user(
    session: Session,
    *,
    phone: str | None,
    name: str,
    password: str | None = None,
    password_hash: str | None = None,
    household: Household | None = None,
) -> User:
    """Create an account. Pass ``password`` (checked and hashed) or a ready ``password_hash``.

    ``phone`` None: a villager without a phone, whose account nobody can sign in to."""
    if phone is not None:
        phone = normalise_phone(phone)
    if not name.strip():
        raise CoreError("name_required")
    if phone and session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise CoreError("phone_taken")
    if password_hash is None:
        if password is None:
            raise CoreError("password_required")
        check_password_rules(password)
        password_hash = hash_password(password)
    user = User(phone=phone, name=name.strip(), password_hash=password_hash, household=household)
    session.add(user)
    session.flush()
    return user


def grant_role(
    session: Session,
    *,
    user: User,
    role: Role,
    village: Village | None = None,
    township_id: int | None = None,
    county_id: int | None = None,
) -> RoleGrant:
    grant = RoleGrant(
        role=role,
        village_id=village.id if village else None,
        township_id=township_id,
        county_id=county_id,
    )
    user.grants.append(grant)
    session.flush()
    return grant


def authenticate(session: Session, *, phone: str, password: str) -> User:
    """The active user with this phone and password, or ``CoreError("bad_credentials")``."""
    try:
        phone = normalise_phone(phone)
    except CoreError:
        user = None
    else:
        user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        verify_password(_dummy_hash(), password)
        raise CoreError("bad_credentials")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise CoreError("bad_credentials")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def end_sessions(session: Session, *, user: User) -> None:
    """Invalidate every session cookie the user holds (logout everywhere)."""
    user.session_epoch += 1
    session.flush()


def set_active(session: Session, *, user: User, active: bool) -> None:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    user.is_active = active
    if not active:
        end_sessions(session, user=user)
    session.flush()


def change_password(session: Session, *, user: User, new_password: str) -> None:
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(session, user=user)


#: What a township may name as its OpenStreetMap extract: a plain file name in ROADS_DIR.
OSM_EXTRACT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.osm(\.pbf)?")


def road_extracts(roads_dir: Path) -> list[str]:
    """The extracts in the roads folder that a township may name (none when there is none)."""
    if not roads_dir.is_dir():
        return []
    return sorted(
        p.name for p in roads_dir.iterdir() if p.is_file() and OSM_EXTRACT_NAME.fullmatch(p.name)
    )


def set_road_extract(session: Session, *, township_id: int, name: str, roads_dir: Path) -> Township:
    """Name the township's road map ("" for none: its rounds are planned on straight lines)."""
    township = session.get(Township, township_id)
    if township is None:
        raise CoreError("no_such_township")
    if name and name not in road_extracts(roads_dir):
        raise CoreError("no_such_road_extract", name=name)
    township.osm_extract = name
    session.flush()
    return township
