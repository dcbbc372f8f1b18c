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


class CartQuantityIn(StrictSchema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1000))


class LineOut(Schema):
    product_id = fields.Integer(required=True)
    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price_fen = fields.Integer(required=True)
    total_fen = fields.Integer(required=True)


class OrderOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    total_fen = fields.Integer(required=True)
    delivery = fields.String(required=True)
    payment = fields.String(required=True)
    lines = fields.List(fields.Nested(LineOut), required=True)


class CartOut(Schema):
    lines = fields.List(fields.Nested(LineOut), required=True)
    total_fen = fields.Integer(required=True)
    held_until = fields.DateTime(allow_none=True)
