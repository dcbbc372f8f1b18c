"""Marshmallow schemas of the cart and order API: unknown fields refused, integers strict."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import StrictSchema
from payments.models import PaymentMethod
from shop.orders.models import Delivery

QUANTITY = validate.Range(min=1, max=1000)
ID = validate.Range(min=1, max=2**31 - 1)


class LineIn(StrictSchema):
    product_id = fields.Integer(required=True, strict=True, validate=ID)
    quantity = fields.Integer(required=True, strict=True, validate=QUANTITY)


class OrderIn(StrictSchema):
    lines = fields.List(
        fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=50)
    )
    delivery = fields.String(required=True, validate=validate.OneOf([d.value for d in Delivery]))
    payment = fields.String(
        required=True, validate=validate.OneOf([m.value for m in PaymentMethod])
    )
    address_id = fields.Integer(
        strict=True, validate=ID, metadata={"description": "delivery ship: one of the caller's"}
    )


class CartQuantityIn(StrictSchema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1000))


class LineOut(Schema):
    product_id = fields.Integer(required=True)
    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price_fen = fields.Integer(required=True)
    total_fen = fields.Integer(required=True)


class StationOut(Schema):
    """The buyer's own village station, where the order is collected or delivered from."""

    village_id = fields.Integer(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    hours = fields.String(required=True)


class OrderOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    total_fen = fields.Integer(required=True)
    delivery = fields.String(required=True)
    payment = fields.String(required=True)
    station = fields.Nested(StationOut, required=True)
    route = fields.String(
        required=True, metadata={"description": "same_station, cadre or hub: how goods come"}
    )
    expected_on = fields.Date(allow_none=True, metadata={"description": "day due at the station"})
    pickup_code = fields.String(
        allow_none=True, metadata={"description": "pickup orders: told at the counter"}
    )
    lines = fields.List(fields.Nested(LineOut), required=True)
    shipping_fee_fen = fields.Integer(required=True, metadata={"description": "0 unless shipped"})
    address_id = fields.Integer(allow_none=True)
    ready_by = fields.DateTime(
        allow_none=True, metadata={"description": "shipped: the goods due at the station"}
    )
    shipment_status = fields.String(
        allow_none=True, metadata={"description": "shipped: the parcel's state, in words"}
    )
    courier = fields.String(allow_none=True, metadata={"description": "once handed over"})
    waybill = fields.String(allow_none=True, metadata={"description": "once handed over"})
    tracking_url = fields.String(allow_none=True, metadata={"description": "once handed over"})


class CartOut(Schema):
    lines = fields.List(fields.Nested(LineOut), required=True)
    total_fen = fields.Integer(required=True)
    held_until = fields.DateTime(allow_none=True)
