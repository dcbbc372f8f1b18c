"""Group-buy API schemas: the shapes DESIGN.md lists, strict on input."""

from __future__ import annotations

from marshmallow import fields, validate

from core.schemas import StrictSchema
from payments.models import PaymentMethod
from shop.groupbuys.models import CampaignStatus
from shop.groupbuys.services import MAX_QUANTITY


class TierOut(StrictSchema):
    min_quantity = fields.Integer(required=True)
    price_fen = fields.Integer(required=True)


class GroupBuyOut(StrictSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    unit = fields.String(required=True)
    tiers = fields.List(fields.Nested(TierOut), required=True)
    pledged_quantity = fields.Integer(required=True)
    min_quantity = fields.Integer(required=True)
    max_quantity = fields.Integer(required=True)
    per_household_limit = fields.Integer(required=True)
    current_price_fen = fields.Integer(required=True)
    shop_price_fen = fields.Integer(required=True)
    deadline = fields.AwareDateTime(required=True)
    status = fields.Enum(CampaignStatus, by_value=True, required=True)
    card_pledges = fields.Boolean(required=True, metadata={"description": "online pledges taken"})


class GroupBuyList(StrictSchema):
    items = fields.List(fields.Nested(GroupBuyOut), required=True)


class GroupBuyQuery(StrictSchema):
    status = fields.Enum(CampaignStatus, by_value=True)


class PledgeIn(StrictSchema):
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY)
    )
    payment = fields.Enum(PaymentMethod, by_value=True, required=True)


class PledgeOut(StrictSchema):
    id = fields.Integer(required=True)
    group_buy_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)
    payment = fields.String(required=True, attribute="payment_method")
    status = fields.String(required=True)
    authorised_fen = fields.Integer(allow_none=True)
    final_fen = fields.Integer(allow_none=True)
    saving_fen = fields.Integer(required=True)
    client_secret = fields.String(
        allow_none=True,
        metadata={"description": "for Stripe.js to confirm an online pledge on the phone"},
    )
