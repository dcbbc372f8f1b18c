"""Managing accounts: the agent registers households and their villagers and resets forgotten
passwords; the admin adds agents and cadres, assigns cadres to villages and disables accounts;
a household register imports from a CSV file, whole or not at all.

Every account made or reset here gets a temporary password that the person must replace at
their next sign-in (``User.must_change_password``, enforced by ``core.access``).
Services: ``session`` first, keyword-only after; they flush, never commit.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError, CunzhanError
from core.models import Household, Role, RoleGrant, User, Village
from core.passwords import check_password_rules, hash_password
from core.services import create_user, end_sessions, grant_role, normalise_phone, set_active

#: Letters and digits that cannot be mistaken for one another when read out or copied.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 10
NAME_MAX, LANE_MAX, DIRECTIONS_MAX = 60, 200, 300
MAX_IMPORT_ROWS = 2_000
#: Column headers of a household register, Chinese or English, to the field they fill.
HEADERS = {
    "姓名": "name",
    "户主": "name",
    "name": "name",
    "手机号": "phone",
    "手机": "phone",
    "phone": "phone",
    "村": "village",
    "村名": "village",
    "village": "village",
    "巷/组": "lane",
    "巷": "lane",
    "组": "lane",
    "地址": "lane",
    "lane": "lane",
    "怎么找到家": "directions",
    "怎么找": "directions",
    "directions": "directions",
}
REQUIRED_COLUMNS = ("name", "phone", "village", "lane")  # a row's phone may be empty
#: Roles the admin gives to staff from the admin pages.
STAFF_ROLES = (Role.AGENT, Role.CADRE)


def temporary_password() -> str:
    """A random password to read out or hand over on paper; it works for one sign-in."""
    while True:
        password = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _issue_temporary(user: User) -> str:
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    return password


@dataclass(frozen=True)
class HouseholdInput:
    name: str
    phone: str  # "" when the household has no phone
    lane: str
    directions: str = ""


@dataclass(frozen=True)
class NewAccount:
    """An account just made or reset, with the temporary password to hand over (shown once)."""

    user: User
    password: str


def _checked(data: HouseholdInput) -> HouseholdInput:
    name, lane, directions = data.name.strip(), data.lane.strip(), data.directions.strip()
    if not name or len(name) > NAME_MAX:
        raise CoreError("name_too_long", n=NAME_MAX)
    if not lane or len(lane) > LANE_MAX:
        raise CoreError("lane_too_long", n=LANE_MAX)
    if len(directions) > DIRECTIONS_MAX:
        raise CoreError("directions_too_long", n=DIRECTIONS_MAX)
    phone = normalise_phone(data.phone) if data.phone.strip() else ""
    return HouseholdInput(name, phone, lane, directions)


def _phone_taken(session: Session, phone: str) -> bool:
    return session.scalar(select(User.id).where(User.phone == phone)) is not None


def _new_household(session: Session, village: Village, data: HouseholdInput) -> NewAccount:
    """A household placed at its village station on the map (nobody has walked to it with a
    GPS yet) and its head's villager account with a temporary password."""
    household = Household(
        village=village,
        head_name=data.name,
        phone=data.phone,
        address=data.lane,
        directions=data.directions,
        lat=village.lat,
        lon=village.lon,
    )
    session.add(household)
    password = temporary_password()
    user = create_user(
        session,
        phone=data.phone or None,
        name=data.name,
        password_hash=hash_password(password),
        household=household,
    )
    user.must_change_password = True
    grant_role(session, user=user, role=Role.VILLAGER, village=village)
    return NewAccount(user, password)


def agent_station(session: Session, agent: User) -> Village:
    """The village whose station the agent keeps (the first if several)."""
    villages = sorted(agent.villages_for(Role.AGENT))
    if not villages:
        raise CoreError("no_station")
    return session.get_one(Village, villages[0])


def register_household(session: Session, *, agent: User, data: HouseholdInput) -> NewAccount:
    """The agent registers a household of their village and its villager's account."""
    village = agent_station(session, agent)
    checked = _checked(data)
    if checked.phone and _phone_taken(session, checked.phone):
        raise CoreError("phone_has_account")
    return _new_household(session, village, checked)


def _may_manage(actor: User, user: User) -> bool:
    """The admin manages everyone; an agent the villagers and farmers of their station."""
    if actor.has_role(Role.ADMIN):
        return True
    if not actor.has_role(Role.AGENT) or user.household is None:
        return False
    staff = {Role.AGENT, Role.CADRE, Role.DISPATCHER, Role.ADMIN}
    return user.household.village_id in actor.villages_for(Role.AGENT) and not (user.roles & staff)


def user_by_phone(session: Session, *, phone: str) -> User:
    user = session.scalar(select(User).where(User.phone == normalise_phone(phone)))
    if user is None:
        raise CoreError("no_account_for_phone")
    return user


def reset_password(session: Session, *, actor: User, user: User) -> NewAccount:
    """A forgotten password: a new temporary one, every session of the user ended."""
    if not _may_manage(actor, user):
        raise CoreError("may_not_reset_password")
    password = _issue_temporary(user)
    end_sessions(session, user=user)
    return NewAccount(user, password)


def set_own_password(session: Session, *, user: User, new_password: str, repeated: str) -> None:
    """The user replaces their (temporary) password; their other sessions end."""
    if new_password != repeated:
        raise CoreError("passwords_differ")
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_sessions(session, user=user)


def sign_up_buyer(session: Session, *, phone: str, password: str, name: str) -> User:
    """A buyer from anywhere (顾客) opens their own account: no household, no village; they
    order produce shipped to the addresses of their address book."""
    clean = name.strip()
    if len(clean) > NAME_MAX:
        raise CoreError("name_too_long", n=NAME_MAX)
    user = create_user(session, phone=phone, name=clean, password=password)
    grant_role(session, user=user, role=Role.BUYER)
    return user


def add_staff(
    session: Session, *, name: str, phone: str, role: Role, village_ids: list[int]
) -> NewAccount:
    """The admin adds an agent (one station) or a cadre (the villages they serve)."""
    if role not in STAFF_ROLES:
        raise CoreError("staff_role_only")
    villages = _villages(session, village_ids)
    if role is Role.AGENT and len(villages) != 1:
        raise CoreError("agent_one_station")
    if not villages:
        raise CoreError("choose_a_village")
    checked_phone = normalise_phone(phone)
    if _phone_taken(session, checked_phone):
        raise CoreError("phone_has_account")
    password = temporary_password()
    user = create_user(
        session, phone=checked_phone, name=name, password_hash=hash_password(password)
    )
    user.must_change_password = True
    for village in villages:
        grant_role(session, user=user, role=role, village=village)
    return NewAccount(user, password)


def _villages(session: Session, village_ids: list[int]) -> list[Village]:
    villages = list(
        session.scalars(select(Village).where(Village.id.in_(village_ids)).order_by(Village.id))
    )
    if len(villages) != len(set(village_ids)):
        raise CoreError("no_such_village")
    return villages


def assign_cadre(session: Session, *, cadre: User, village_ids: list[int]) -> None:
    """The villages a cadre serves from now on (the first in the morning, the second in the
    afternoon: see ``logistics.planning.cadre_shift``)."""
    if not cadre.has_role(Role.CADRE):
        raise CoreError("not_a_cadre")
    if not village_ids:
        raise CoreError("choose_a_village")
    wanted = {v.id: v for v in _villages(session, village_ids)}
    for grant in list(cadre.grants):
        if grant.role == Role.CADRE and grant.village_id not in wanted:
            cadre.grants.remove(grant)
    held = cadre.villages_for(Role.CADRE)
    for village_id, village in wanted.items():
        if village_id not in held:
            grant_role(session, user=cadre, role=Role.CADRE, village=village)
    session.flush()


def disable_account(session: Session, *, actor: User, user: User) -> None:
    """Disable an account: its sessions end at once. The admin cannot lock themself out."""
    if user.id == actor.id:
        raise CoreError("cannot_disable_self")
    set_active(session, user=user, active=False)


def enable_account(session: Session, *, user: User) -> None:
    set_active(session, user=user, active=True)


def cadres(session: Session) -> list[User]:
    """Every cadre, with their villages loaded (the grants load with the user)."""
    return list(
        session.scalars(
            select(User)
            .where(User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.CADRE)))
            .order_by(User.id)
        )
    )


# --- the household register (CSV) --------------------------------------------------


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


class RegisterRejected(CoreError):
    """A register with bad lines: nothing was imported; ``lines`` says what is wrong where."""

    def __init__(self, lines: list[LineError]) -> None:
        super().__init__("register_rejected", n=len(lines))
        self.lines = lines


def _columns(fieldnames: Sequence[str] | None) -> dict[str, str]:
    """Field → the header that holds it, for the headers we know."""
    found: dict[str, str] = {}
    for header in fieldnames or []:
        field = HEADERS.get(header.strip().lower()) or HEADERS.get(header.strip())
        if field and field not in found:
            found[field] = header
    return found


def parse_register(
    text: str, *, villages: dict[str, Village]
) -> tuple[list[tuple[int, Village, HouseholdInput]], list[LineError]]:
    """The register's rows (line number, village, household) and the errors by line.

    ``villages`` are the villages the importer may fill, by name.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = _columns(reader.fieldnames)
    missing = [field for field in REQUIRED_COLUMNS if field not in columns]
    if missing:
        wanted = "、".join(("姓名", "手机号", "村", "巷/组"))
        return [], [LineError(1, str(_l("第一行应是表头，须有这些列：%(cols)s", cols=wanted)))]
    rows: list[tuple[int, Village, HouseholdInput]] = []
    errors: list[LineError] = []
    for row in reader:
        line = reader.line_num
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(LineError(line, str(_l("最多 %(n)d 户", n=MAX_IMPORT_ROWS))))
            break
        try:
            village_name = (row.get(columns["village"]) or "").strip()
            village = villages.get(village_name)
            if village is None:
                raise CoreError("cannot_import_to_village", name=village_name or "（空）")
            data = HouseholdInput(
                name=row.get(columns["name"]) or "",
                phone=row.get(columns["phone"]) or "",
                lane=row.get(columns["lane"]) or "",
                directions=row.get(columns.get("directions", ""), "") or "",
            )
            rows.append((line, village, _checked(data)))
        except CunzhanError as error:
            errors.append(LineError(line, error.message))
    return rows, errors


def import_register(session: Session, *, text: str, villages: list[Village]) -> list[NewAccount]:
    """Every household of the register with its villager's account, or none of them
    (``RegisterRejected`` lists the bad lines: bad fields, a phone twice, a phone that
    already has an account)."""
    rows, errors = parse_register(text, villages={v.name: v for v in villages})
    seen: set[str] = set()
    for line, _village, data in rows:
        if not data.phone:
            continue
        if data.phone in seen or _phone_taken(session, data.phone):
            errors.append(LineError(line, str(_l("手机号重复：%(phone)s", phone=data.phone))))
        seen.add(data.phone)
    if not rows and not errors:
        errors.append(LineError(1, str(_l("文件里没有住户"))))
    if errors:
        raise RegisterRejected(sorted(errors, key=lambda e: e.line))
    made = [_new_household(session, village, data) for _, village, data in rows]
    session.flush()
    return made
