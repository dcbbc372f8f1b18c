"""Marshmallow schemas of the earnings API (plain output)."""

from __future__ import annotations

from marshmallow import Schema, fields


class WeekOut(Schema):
    week_start = fields.Date(required=True, metadata={"description": "the local Monday"})
    sales_fen = fields.Integer(required=True)
    commission_fen = fields.Integer(required=True)
    refunds_fen = fields.Integer(required=True)
    payouts_fen = fields.Integer(required=True)
    earned_fen = fields.Integer(
        required=True, metadata={"description": "sales less commission and refunds"}
    )


class EarningsOut(Schema):
    pending_fen = fields.Integer(
        required=True, metadata={"description": "the seller's share of sales not yet final"}
    )
    available_fen = fields.Integer(
        required=True, metadata={"description": "owed to the seller now; negative after a refund"}
    )
    paid_out_fen = fields.Integer(required=True)
    commission_fen = fields.Integer(required=True, metadata={"description": "kept by stations"})
    weeks = fields.List(fields.Nested(WeekOut), required=True)
