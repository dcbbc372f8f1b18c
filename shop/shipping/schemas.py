"""Marshmallow schemas of the shipping API: quotes and the station's tariff."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import StrictSchema
from shop.orders.schemas import ID, LineIn
from shop.shipping.models import Zone

FEN = validate.Range(min=0, max=100_000)


class QuoteIn(StrictSchema):
    lines = fields.List(
        fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=50)
    )
    address_id = fields.Integer(required=True, strict=True, validate=ID)


class RefusalOut(Schema):
    product_id = fields.Integer(required=True)
    reason = fields.String(required=True)


class QuoteOut(Schema):
    fee_fen = fields.Integer(required=True, metadata={"description": "the courier, in fen"})
    arrival_days = fields.Integer(
        required=True, metadata={"description": "days from payment to the door (0: none ship)"}
    )
    refused = fields.List(fields.Nested(RefusalOut), required=True)


class RateIO(StrictSchema):
    zone = fields.String(required=True, validate=validate.OneOf([z.value for z in Zone]))
    first_kg_fen = fields.Integer(required=True, strict=True, validate=FEN)
    extra_kg_fen = fields.Integer(required=True, strict=True, validate=FEN)
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))


class TariffIO(StrictSchema):
    province_code = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{2}$"))
    rates = fields.List(
        fields.Nested(RateIO), required=True, validate=validate.Length(min=4, max=4)
    )
