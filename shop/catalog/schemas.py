"""Marshmallow schemas of the catalog API: strict query input, plain output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import StrictSchema
from shop.catalog.models import Category


class ProductQuery(StrictSchema):
    q = fields.String(load_default="", validate=validate.Length(max=60))
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    village = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    ships = fields.Boolean(metadata={"description": "true: only what ships by courier"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class ProductOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    price_fen = fields.Integer(required=True)
    unit = fields.String(required=True)
    stock = fields.Integer(required=True)
    village = fields.String(required=True)
    farmer = fields.String(required=True)
    ships = fields.Boolean(required=True)
    packed_weight_g = fields.Integer(allow_none=True)
    max_journey_days = fields.Integer(
        allow_none=True, metadata={"description": "perishables: the longest journey in days"}
    )


class ProductDetailOut(ProductOut):
    description = fields.String(required=True)
    category = fields.String(required=True)
    photos = fields.List(fields.String(), required=True)


class ProductPageOut(Schema):
    items = fields.List(fields.Nested(ProductOut), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
