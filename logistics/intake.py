"""Intake at the township hub: single parcels, couriers' CSV manifests, the unmatched queue.

A parcel is matched to a household by the recipient's phone; one with no household (or
several households on that phone) waits in the unmatched queue for the dispatcher.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CunzhanError
from core.models import Household, Village
from core.parse import parse_int
from core.services import normalise_phone
from core.timeutil import utcnow
from logistics.couriers import parse_courier
from logistics.depot import put_on_shelf
from logistics.errors import LogisticsError
from logistics.models import Courier, Parcel, ParcelStatus, Priority, Uplink

TRACKING_PATTERN = re.compile(r"^[A-Za-z0-9\-]{6,40}$")
MAX_WEIGHT_G = 100_000
MAX_MANIFEST_ROWS = 5_000
TRACKING_MAX = 40
MAX_REFERENCE = 60
MANIFEST_COLUMNS = ("tracking_no", "courier", "recipient_name", "recipient_phone", "weight_g")
#: A manifest may be headed in Chinese, as the board names the columns, or in the couriers'
#: English field names; both read the same.
CHINESE_COLUMNS = {
    "运单号": "tracking_no",
    "快递公司": "courier",
    "收件人": "recipient_name",
    "收件人手机": "recipient_phone",
    "重量（克）": "weight_g",
    "重量(克)": "weight_g",
    "物品": "description",
}
_CHINESE_NAME = {key: name for name, key in reversed(CHINESE_COLUMNS.items())}


@dataclass(frozen=True)
class ParcelInput:
    courier: str
    tracking_no: str
    recipient_name: str
    recipient_phone: str
    weight_g: int
    description: str = ""
    priority: str = Priority.NORMAL.value


@dataclass(frozen=True)
class LineError:
    line: int
    error: CunzhanError

    @property
    def message(self) -> str:
        return self.error.message


class ManifestRejected(LogisticsError):
    """A manifest with bad lines: nothing was imported; ``lines`` says what is wrong where."""

    def __init__(self, lines: list[LineError]) -> None:
        super().__init__("manifest_rejected", count=len(lines))
        self.lines = lines


@dataclass(frozen=True)
class ImportResult:
    parcels: list[Parcel]

    @property
    def unmatched(self) -> int:
        return sum(1 for p in self.parcels if p.household_id is None)


def _checked(data: ParcelInput) -> ParcelInput:
    """The input with normalised fields, or an error naming the first problem."""
    courier = parse_courier(data.courier)
    if courier is None:
        raise LogisticsError("unknown_courier", courier=data.courier)
    if courier is Courier.STATION:
        raise LogisticsError("station_courier")
    tracking = data.tracking_no.strip()
    if not TRACKING_PATTERN.match(tracking):
        raise LogisticsError("bad_tracking_no")
    name = data.recipient_name.strip()
    if not name or len(name) > 60:
        raise LogisticsError("bad_recipient_name")
    if not 0 < data.weight_g <= MAX_WEIGHT_G:
        raise LogisticsError("bad_weight")
    try:
        priority = Priority(data.priority)
    except ValueError:
        raise LogisticsError("unknown_priority", priority=data.priority) from None
    return ParcelInput(
        courier=courier.value,
        tracking_no=tracking,
        recipient_name=name,
        recipient_phone=normalise_phone(data.recipient_phone),
        weight_g=data.weight_g,
        description=data.description.strip()[:200],
        priority=priority.value,
    )


def _household_by_phone(session: Session, township_id: int, phone: str) -> Household | None:
    """The one household of the township with this phone; None if none or several."""
    found = session.scalars(
        select(Household)
        .join(Village, Household.village_id == Village.id)
        .where(Household.phone == phone, Village.township_id == township_id)
        .limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def _exists(session: Session, courier: str, tracking_no: str) -> bool:
    query = select(Parcel.id).where(Parcel.courier == courier, Parcel.tracking_no == tracking_no)
    return session.scalar(query) is not None


def _new_parcel(
    session: Session, township_id: int, data: ParcelInput, status: ParcelStatus
) -> Parcel:
    household = _household_by_phone(session, township_id, data.recipient_phone)
    parcel = Parcel(
        courier=Courier(data.courier),
        tracking_no=data.tracking_no,
        recipient_name=data.recipient_name,
        recipient_phone=data.recipient_phone,
        weight_g=data.weight_g,
        description=data.description,
        priority=Priority(data.priority),
        household_id=household.id if household else None,
        village_id=household.village_id if household else None,
        township_id=township_id,
        status=status,
    )
    session.add(parcel)
    return parcel


def register_parcel(session: Session, *, township_id: int, data: ParcelInput) -> Parcel:
    """One parcel entered or scanned at the hub: it is physically there."""
    checked = _checked(data)
    if _exists(session, checked.courier, checked.tracking_no):
        raise LogisticsError("tracking_no_taken")
    parcel = _new_parcel(session, township_id, checked, ParcelStatus.AT_TOWNSHIP_HUB)
    session.flush()
    return parcel


def parse_manifest(text: str) -> tuple[list[tuple[int, ParcelInput]], list[LineError]]:
    """Rows of a courier's CSV manifest (header line required) with their line numbers, and
    the errors by line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    reader.fieldnames = [
        CHINESE_COLUMNS.get(name.strip(), name.strip()) for name in reader.fieldnames or []
    ]
    missing = [c for c in MANIFEST_COLUMNS if c not in reader.fieldnames]
    if missing:
        names = ", ".join(f"{_CHINESE_NAME[c]} ({c})" for c in missing)
        return [], [LineError(1, LogisticsError("missing_columns", columns=names))]
    rows: list[tuple[int, ParcelInput]] = []
    errors: list[LineError] = []
    for row in reader:
        line = reader.line_num
        if len(rows) + len(errors) >= MAX_MANIFEST_ROWS:
            errors.append(LineError(line, LogisticsError("too_many_rows", rows=MAX_MANIFEST_ROWS)))
            break
        try:
            rows.append((line, _checked(_row_input(row))))
        except CunzhanError as error:
            errors.append(LineError(line, error))
    return rows, errors


def _row_input(row: dict[str, str | None]) -> ParcelInput:
    weight = parse_int(row.get("weight_g"), error=lambda: LogisticsError("weight_not_whole"))
    return ParcelInput(
        courier=row.get("courier") or "",
        tracking_no=row.get("tracking_no") or "",
        recipient_name=row.get("recipient_name") or "",
        recipient_phone=row.get("recipient_phone") or "",
        weight_g=weight,
        description=row.get("description") or "",
    )


def import_manifest(session: Session, *, township_id: int, text: str) -> ImportResult:
    """Import every row as announced, or nothing: bad rows raise ``ManifestRejected``."""
    rows, errors = parse_manifest(text)
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        key = (row.courier, row.tracking_no)
        if key in seen or _exists(session, *key):
            errors.append(
                LineError(number, LogisticsError("duplicate_tracking_no", tracking_no=key[1]))
            )
        seen.add(key)
    if not rows and not errors:
        errors.append(LineError(1, LogisticsError("empty_manifest")))
    if errors:
        raise ManifestRejected(sorted(errors, key=lambda e: e.line))
    parcels = [_new_parcel(session, township_id, r, ParcelStatus.ANNOUNCED) for _, r in rows]
    session.flush()
    return ImportResult(parcels)


def _parcel_in_township(session: Session, parcel_id: int, township_id: int) -> Parcel:
    parcel = session.get(Parcel, parcel_id)
    if parcel is None or parcel.township_id != township_id:
        raise LogisticsError("parcel_not_found")
    return parcel


def scan_arrival(session: Session, *, township_id: int, tracking_no: str) -> Parcel:
    """An announced parcel scanned at the hub."""
    parcel = session.scalar(
        select(Parcel).where(
            Parcel.tracking_no == tracking_no.strip(), Parcel.township_id == township_id
        )
    )
    if parcel is None:
        raise LogisticsError("tracking_no_not_announced")
    parcel.move_to(ParcelStatus.AT_TOWNSHIP_HUB)
    session.flush()
    return parcel


def match_parcel(
    session: Session, *, township_id: int, parcel_id: int, household_id: int
) -> Parcel:
    """Resolve a parcel of the unmatched queue by hand."""
    parcel = _parcel_in_township(session, parcel_id, township_id)
    if parcel.status not in (ParcelStatus.ANNOUNCED, ParcelStatus.AT_TOWNSHIP_HUB):
        raise LogisticsError("parcel_left_hub")
    household = session.get(Household, household_id)
    if household is None or household.village.township_id != township_id:
        raise LogisticsError("household_not_in_township")
    parcel.household_id = household.id
    parcel.village_id = household.village_id
    session.flush()
    return parcel


def match_parcel_by_phone(
    session: Session, *, township_id: int, parcel_id: int, phone: str
) -> Household:
    """Resolve a parcel of the unmatched queue to the one household with this phone; two
    households sharing it are refused, as at intake, rather than one of them picked."""
    household = _household_by_phone(session, township_id, normalise_phone(phone))
    if household is None:
        raise LogisticsError("phone_not_one_household")
    match_parcel(session, township_id=township_id, parcel_id=parcel_id, household_id=household.id)
    return household


def unmatched_parcels(session: Session, *, township_id: int) -> list[Parcel]:
    return list(
        session.scalars(
            select(Parcel)
            .where(Parcel.township_id == township_id, Parcel.household_id.is_(None))
            .where(Parcel.status.in_([ParcelStatus.ANNOUNCED, ParcelStatus.AT_TOWNSHIP_HUB]))
            .order_by(Parcel.id)
        )
    )


def station_tracking_no(reference: str) -> str:
    """The shop's reference as a tracking number: itself when it fits, otherwise a prefix and
    a digest, so that two long references never share a number."""
    if len(reference) <= TRACKING_MAX:
        return reference
    digest = hashlib.sha256(reference.encode()).hexdigest()[:12]
    return f"{reference[: TRACKING_MAX - 13]}-{digest}"


def add_delivery_item(
    session: Session,
    *,
    household_id: int,
    reference: str,
    description: str,
    weight_g: int,
    priority: Priority = Priority.PAID_DOOR,
) -> Parcel:
    """A packed shop order or group-buy share to carry to a household (called by shop).

    The goods are already at the household's village station, so the item starts on the
    depot shelf with a pickup code, ready for the next round.
    """
    household = session.get(Household, household_id)
    if household is None:
        raise LogisticsError("household_not_found")
    if not 0 < weight_g <= MAX_WEIGHT_G:
        raise LogisticsError("bad_weight")
    if not 0 < len(reference) <= MAX_REFERENCE:
        raise LogisticsError("bad_reference")
    tracking_no = station_tracking_no(reference)
    if _exists(session, Courier.STATION.value, tracking_no):
        raise LogisticsError("reference_in_delivery")
    parcel = Parcel(
        courier=Courier.STATION,
        tracking_no=tracking_no,
        recipient_name=household.head_name,
        recipient_phone=household.phone,
        weight_g=weight_g,
        description=description[:200],
        priority=priority,
        household_id=household.id,
        village_id=household.village_id,
        township_id=household.village.township_id,
        status=ParcelStatus.AT_VILLAGE_DEPOT,
        reference=reference,
        received_at=utcnow(),
    )
    session.add(parcel)
    session.flush()
    put_on_shelf(session, parcels=[parcel])
    return parcel


def announce_uplink(
    session: Session,
    *,
    household_id: int,
    description: str,
    estimated_weight_g: int,
    perishable: bool = False,
) -> Uplink:
    """A farmer's produce to collect on the next round (called by shop for farmers' orders)."""
    household = session.get(Household, household_id)
    if household is None:
        raise LogisticsError("household_not_found")
    if not 0 < estimated_weight_g <= MAX_WEIGHT_G:
        raise LogisticsError("bad_weight")
    if not description.strip():
        raise LogisticsError("produce_description_required")
    uplink = Uplink(
        household_id=household.id,
        village_id=household.village_id,
        description=description.strip()[:200],
        estimated_weight_g=estimated_weight_g,
        perishable=perishable,
    )
    session.add(uplink)
    session.flush()
    return uplink
