"""The group-buy calls of the public API (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.access import require_account, signed_in
from core.flask_db import get_session
from core.idempotency import IdempotencyKeyHeader, apply_once, replayed_header
from core.schemas import ErrorSchema
from payments.models import PaymentMethod
from payments.services import payment_for
from payments.views import request_online_intents
from shop.groupbuys import services
from shop.groupbuys.models import GroupBuy, Pledge
from shop.groupbuys.schemas import GroupBuyList, GroupBuyOut, GroupBuyQuery, PledgeIn, PledgeOut

blueprint = Blueprint(
    "groupbuys_api",
    __name__,
    url_prefix="/api/v1/group-buys",
    description="化肥团购 (fertiliser group-buys)",
)


def campaign_payload(campaign: GroupBuy) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "unit": campaign.unit,
        "tiers": campaign.tiers,
        "pledged_quantity": campaign.pledged_quantity,
        "min_quantity": campaign.min_quantity,
        "max_quantity": campaign.max_quantity,
        "per_household_limit": campaign.per_household_limit,
        "current_price_fen": campaign.current_price_fen,
        "shop_price_fen": campaign.shop_price_fen,
        "deadline": campaign.deadline,
        "status": campaign.status,
        "card_pledges": services.card_pledges_allowed(campaign),
    }


def pledge_payload(pledge: Pledge) -> dict[str, Any]:
    payment = payment_for(get_session(), pledge.subject_ref)
    online = payment is not None and pledge.payment_method is PaymentMethod.ONLINE
    return {
        "id": pledge.id,
        "group_buy_id": pledge.group_buy_id,
        "quantity": pledge.quantity,
        "payment_method": pledge.payment_method.value,
        "status": pledge.status.value,
        "authorised_fen": payment.amount_fen if online and payment else None,
        "final_fen": pledge.final_fen,
        "saving_fen": pledge.saving_fen,
        "client_secret": payment.client_secret if online and payment else None,
    }


@blueprint.route("")
@blueprint.arguments(GroupBuyQuery, location="query")
@blueprint.response(200, GroupBuyList)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@signed_in
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    """Campaigns of the villages the caller belongs to."""
    campaigns = services.campaigns_for(
        get_session(), user=require_account(), status=query.get("status")
    )
    return {"items": [campaign_payload(c) for c in campaigns]}


@blueprint.route("/<int:campaign_id>")
@blueprint.response(200, GroupBuyOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such campaign for the caller")
@signed_in
def get_campaign(campaign_id: int) -> dict[str, Any]:
    campaign = services.get_campaign(get_session(), campaign_id=campaign_id, user=require_account())
    return campaign_payload(campaign)


@blueprint.route("/<int:campaign_id>/pledges", methods=["POST"])
@blueprint.arguments(IdempotencyKeyHeader, location="headers", as_kwargs=True)
@blueprint.arguments(PledgeIn)
@blueprint.response(201, PledgeOut)
@blueprint.alt_response(401, schema=ErrorSchema, description="not signed in")
@blueprint.alt_response(403, schema=ErrorSchema, description="not a household of this village")
@blueprint.alt_response(404, schema=ErrorSchema, description="no such campaign for the caller")
@blueprint.alt_response(
    409, schema=ErrorSchema, description="closed, over the maximum, pledged, or key reused"
)
@signed_in
def create_pledge(body: dict[str, Any], campaign_id: int, key: str | None = None) -> Any:
    """Pledge for the caller's household; online pledges hold the top tier price.

    Send ``Idempotency-Key`` so that a retry after a lost answer makes no second pledge: it
    answers the pledge the first call made, as it is now."""
    user = require_account()

    def pledge(session: Session) -> dict[str, Any]:
        made = services.pledge(
            session,
            campaign_id=campaign_id,
            user=user,
            quantity=body["quantity"],
            payment=body["payment"],
        )
        return {"pledge_id": made.id}

    answer = apply_once(pledge, user_id=user.id)
    made = get_session().get_one(Pledge, answer.body["pledge_id"])
    if made.payment_method is PaymentMethod.ONLINE:
        request_online_intents([made.subject_ref])
    return pledge_payload(made), answer.status, replayed_header(answer)
