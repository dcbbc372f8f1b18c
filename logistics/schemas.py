"""Marshmallow schemas of the logistics API: strict inputs, plain outputs.

Pickup codes never appear in a cadre's or an agent's output: only the recipient is shown one.
"""

from __future__ import annotations

from flask import current_app, url_for
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.schemas import StrictSchema
from logistics.codes import offline_check, stop_salt
from logistics.models import Courier, FailureReason, Priority, Stop, StopStatus


class HouseholdOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="head_name")
    phone = fields.String(required=True)
    address = fields.String(required=True)
    directions = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ParcelBrief(Schema):
    id = fields.Integer(required=True)
    courier = fields.String(required=True)
    tracking_no = fields.String(required=True)
    description = fields.String(required=True)
    weight_g = fields.Integer(required=True)
    status = fields.String(required=True)
    priority = fields.String(required=True)


class UplinkBrief(Schema):
    id = fields.Integer(required=True)
    description = fields.String(required=True)
    estimated_weight_g = fields.Integer(required=True)
    weight_g = fields.Integer(allow_none=True)
    perishable = fields.Boolean(required=True)
    status = fields.String(required=True)


class TaskBrief(Schema):
    """An errand or a visit at the stop: what to bring, what to collect."""

    reference = fields.String(required=True)
    title = fields.String(required=True)
    bring = fields.String(required=True)
    collect = fields.String(required=True)
    visited = fields.Boolean(allow_none=True)
    note = fields.String(required=True)


class StopOut(Schema):
    id = fields.Integer(required=True)
    sequence = fields.Integer(required=True)
    status = fields.String(required=True)
    eta = fields.AwareDateTime(required=True)
    failure_reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True, attribute="skip_note")
    collected_weight_g = fields.Integer(allow_none=True)
    handed_to = fields.String(allow_none=True)
    photo_url = fields.Function(
        lambda s: url_for("cadre.stop_photo", stop_id=s.id) if s.photo else None, allow_none=True
    )
    household = fields.Nested(HouseholdOut, required=True)
    parcels = fields.List(fields.Nested(ParcelBrief), required=True)
    uplinks = fields.List(fields.Nested(UplinkBrief), required=True)
    tasks = fields.List(fields.Nested(TaskBrief), required=True)


def stop_code_check(stop: Stop) -> dict[str, object] | None:
    """What the phone needs to check a pickup code offline (a salt and hashes, no code)."""
    if stop.status is not StopStatus.PENDING:
        return None
    salt = stop_salt(str(current_app.secret_key).encode(), stop.id)
    return offline_check(salt, (p.pickup_code for p in stop.parcels))


class RoundStopOut(StopOut):
    """A stop of today's round, with the offline pickup-code check (docs/cadre-offline.md)."""

    code_check = fields.Function(stop_code_check, allow_none=True)


class RoundOut(Schema):
    id = fields.Integer(required=True)
    village = fields.Function(lambda r: r.village.name, required=True)
    village_id = fields.Integer(required=True)
    status = fields.String(required=True)
    trip = fields.Integer(required=True)
    departure = fields.AwareDateTime(required=True)
    return_at = fields.AwareDateTime(required=True)
    expected_return = fields.AwareDateTime(
        required=True, metadata={"description": "return_at, later by the delay the cadre runs"}
    )
    distance_m = fields.Integer(required=True)
    stops = fields.List(fields.Nested(RoundStopOut), required=True)


class TodayOut(Schema):
    rounds = fields.List(fields.Nested(RoundOut), required=True)


EVENT_TYPES = ["delivered", "failed", "collected", "visited", "wrong_code", "moved"]


class StopEventIn(StrictSchema):
    """A result, a code refused offline (``wrong_code`` + ``pickup_code``), or a new place in
    the round (``moved`` + ``position``, 1 = first). ``visited`` (with a ``note``, and
    ``raised_category`` + ``raised_details`` for a request raised at a care visit) completes
    the stop's errands and visits. A delivery is proved by ``pickup_code``,
    ``signature`` (SVG path) or ``photo`` (base64 image, with ``handed_to``: a neighbour)."""

    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    at = fields.AwareDateTime(required=True)
    pickup_code = fields.String(validate=validate.Regexp(r"^\d{6}$", error="6 digits"))
    signature = fields.String(validate=validate.Length(min=1, max=20_000))
    reason = fields.String(validate=validate.OneOf([r.value for r in FailureReason]))
    weight_g = fields.Integer(strict=True, validate=validate.Range(min=1, max=100_000))
    position = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000))
    photo = fields.String(validate=validate.Length(min=64, max=5_000_000))
    handed_to = fields.String(validate=validate.Length(min=1, max=60))
    note = fields.String(validate=validate.Length(max=200))
    raised_category = fields.String(validate=validate.Length(min=1, max=30))
    raised_details = fields.String(validate=validate.Length(min=1, max=500))

    @validates_schema
    def _needs(self, data: dict[str, object], **_: object) -> None:
        needed = {"wrong_code": "pickup_code", "moved": "position"}.get(str(data.get("type")))
        if needed and data.get(needed) is None:
            raise ValidationError("required for this type", needed)


class StopEventOut(Schema):
    key = fields.String(required=True)
    type = fields.String(required=True)
    stop = fields.Nested(StopOut, required=True)


class StopConflictDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    stop = fields.Nested(StopOut)


class StopConflictOut(Schema):
    error = fields.Nested(StopConflictDetail, required=True)


class MyParcelOut(Schema):
    """A recipient's own parcel: the only place a pickup code is shown."""

    id = fields.Integer(required=True)
    courier = fields.String(required=True)
    tracking_no = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    pickup_code = fields.String(allow_none=True)
    shelf = fields.String(allow_none=True)
    station = fields.String(allow_none=True)
    door_eta = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)


class MyParcelsOut(Schema):
    parcels = fields.List(fields.Nested(MyParcelOut), required=True)


class ParcelIn(StrictSchema):
    courier = fields.String(
        required=True, validate=validate.OneOf([c.value for c in Courier if c != Courier.STATION])
    )
    tracking_no = fields.String(required=True, validate=validate.Length(min=6, max=40))
    recipient_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    recipient_phone = fields.String(required=True, validate=validate.Length(min=11, max=20))
    weight_g = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000))
    description = fields.String(load_default="", validate=validate.Length(max=200))
    priority = fields.String(
        load_default=Priority.NORMAL.value, validate=validate.OneOf([p.value for p in Priority])
    )


class ParcelOut(ParcelBrief):
    recipient_name = fields.String(required=True)
    household_id = fields.Integer(allow_none=True)
    village_id = fields.Integer(allow_none=True)


class ManifestIn(StrictSchema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))


class ImportOut(Schema):
    imported = fields.Integer(required=True)
    unmatched = fields.Integer(required=True)


class VillageProgress(Schema):
    village_id = fields.Integer(required=True)
    village = fields.String(required=True)
    delivered = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    rounds = fields.Integer(required=True)


class BoardOut(Schema):
    day = fields.Date(required=True)
    villages = fields.List(fields.Nested(VillageProgress), required=True)
    downlink = fields.Integer(required=True)
    uplink = fields.Integer(required=True)
    history = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw()), required=True)
