"""Marshmallow schemas of the address book and divisions API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.schemas import StrictSchema


class AddressIn(StrictSchema):
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=30))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    division_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{6}$"),
        metadata={"description": "the 6-digit GB/T 2260 code of the district (区/县)"},
    )
    street = fields.String(required=True, validate=validate.Length(min=1, max=120))


class AddressOut(Schema):
    id = fields.Integer(required=True)
    recipient = fields.String(required=True)
    phone = fields.String(required=True)
    division_code = fields.String(required=True)
    province = fields.String(required=True)
    city = fields.String(required=True, metadata={"description": "empty in a municipality"})
    district = fields.String(required=True)
    street = fields.String(required=True)


class AddressListOut(Schema):
    items = fields.List(fields.Nested(AddressOut), required=True)


class DivisionQuery(StrictSchema):
    parent = fields.String(
        load_default="",
        validate=validate.Regexp(r"^([0-9]{2}|[0-9]{4})?$"),
        metadata={"description": "empty: provinces; 2 digits: its cities; 4: its districts"},
    )


class DivisionOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DivisionListOut(Schema):
    items = fields.List(fields.Nested(DivisionOut), required=True)
