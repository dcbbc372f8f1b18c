"""Handing the hub's outbound parcels to a courier: the CSV manifest the courier takes (Chinese
headers, as couriers' systems import them) and the waybill numbers the courier gives back,
typed one by one or imported from the courier's CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy.orm import Session

from core.errors import CunzhanError
from core.labels import describe_reference
from core.models import User
from core.parse import parse_int
from logistics.errors import LogisticsError
from logistics.intake import MAX_MANIFEST_ROWS, LineError, ManifestRejected
from logistics.models import OutboundParcel
from logistics.outbound.label import masked_phone
from logistics.outbound.parcels import hand_to_courier, parse_waybill
from logistics.outbound.tracking import kilograms

MANIFEST_HEADERS = (
    "包裹号",
    "订单号",
    "寄件村站",
    "收件人",
    "收件电话",
    "行政区划代码",
    "收件地址",
    "重量(公斤)",
    "快递公司",
    "运单号",
)
#: The columns a courier's CSV of waybills needs (any others are ignored).
WAYBILL_COLUMNS = ("包裹号", "快递公司", "运单号")


def manifest_csv(parcels: Iterable[OutboundParcel]) -> str:
    """The parcels handed over, one row each; UTF-8 with a BOM so that Excel reads Chinese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(MANIFEST_HEADERS)
    for parcel in parcels:
        writer.writerow(
            (
                parcel.number,
                describe_reference(f"order:{parcel.order_id}"),
                f"{parcel.station.township.name}{parcel.station.name}村站",
                parcel.recipient,
                masked_phone(parcel.phone),
                parcel.division_code,
                parcel.street,
                kilograms(parcel.packed_weight_g or parcel.weight_g),
                parcel.courier.label if parcel.courier else "",
                parcel.waybill or "",
            )
        )
    return out.getvalue()


def parcel_id_of(number: str) -> int:
    """``CZ00000042`` → 42; anything else is no parcel of the hub."""
    text = number.strip().upper()
    if not text.startswith("CZ"):
        raise LogisticsError("outbound_not_at_hub")
    return parse_int(text[2:], low=1, error=lambda: LogisticsError("outbound_not_at_hub"))


def import_waybills(
    session: Session, *, dispatcher: User, township_id: int, text: str
) -> list[OutboundParcel]:
    """Hand over every parcel of the courier's CSV with its waybill, or none: a bad row raises
    ``ManifestRejected`` naming each line and what is wrong there (the caller's transaction
    rolls back, with whatever the good rows changed)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in WAYBILL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ManifestRejected(
            [LineError(1, LogisticsError("missing_columns", columns="、".join(missing)))]
        )
    handed: list[OutboundParcel] = []
    errors: list[LineError] = []
    for row in reader:
        if len(handed) + len(errors) >= MAX_MANIFEST_ROWS:
            too_many = LogisticsError("too_many_rows", rows=MAX_MANIFEST_ROWS)
            errors.append(LineError(reader.line_num, too_many))
            break
        try:
            handed.append(_hand_over_row(session, dispatcher, township_id, row))
        except CunzhanError as error:
            errors.append(LineError(reader.line_num, error))
    if not handed and not errors:
        errors.append(LineError(1, LogisticsError("empty_manifest")))
    if errors:
        raise ManifestRejected(errors)
    return handed


def _hand_over_row(
    session: Session, dispatcher: User, township_id: int, row: dict[str, str | None]
) -> OutboundParcel:
    parcel_id = parcel_id_of(row.get("包裹号") or "")
    courier, waybill = parse_waybill(row.get("快递公司") or "", row.get("运单号") or "")
    return hand_to_courier(
        session,
        dispatcher=dispatcher,
        township_id=township_id,
        parcel_id=parcel_id,
        courier=courier,
        waybill=waybill,
    )
