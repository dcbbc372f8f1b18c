"""When the factory's goods reach the station: receipt and one sale per household in the
inventory ledger, a delivery item per household for door delivery, campaign fulfilled.

The pledge is the household's order in a group-buy: it carries the quantity, the final
tier price and its own payment, so no second shop order (with a second payment) is made.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

import inventory.services as inventory
from core.models import Role, User
from logistics.intake import MAX_WEIGHT_G, add_delivery_item
from shop.errors import ShopError
from shop.groupbuys.models import (
    CAMPAIGN_TRANSITIONS,
    CampaignStatus,
    Delivery,
    GroupBuy,
    Pledge,
    PledgeStatus,
)


def receive_goods(session: Session, *, campaign_id: int, agent: User) -> GroupBuy:
    """Record the factory delivery and hand each household its share (shelf or door)."""
    campaign = session.get(GroupBuy, campaign_id)
    if campaign is None:
        raise ShopError("campaign_not_found")
    if campaign.village_id not in agent.villages_for(Role.AGENT):
        raise ShopError("station_agent_only")
    CAMPAIGN_TRANSITIONS.check(campaign.status, CampaignStatus.FULFILLED)
    shares = [p for p in campaign.pledges if p.status is PledgeStatus.CHARGED]
    station = inventory.station_location(session, village_id=campaign.village_id)
    inventory.receive(
        session,
        sku=campaign.sku,
        location_id=station.id,
        quantity=sum(p.quantity for p in shares),
        actor_id=agent.id,
        reason=f"团购到货：{campaign.title} (group-buy delivery)",
        reference=f"groupbuy:{campaign.id}",
    )
    inventory.reserve(
        session,
        lines=[
            inventory.StockLine(campaign.sku, station.id, p.quantity, p.subject_ref) for p in shares
        ],
        reference="",
        expires_at=None,
        actor_id=agent.id,
    )
    for share in shares:
        inventory.commit(session, reference=share.subject_ref, actor_id=agent.id)
        if campaign.delivery is Delivery.DOOR:
            _send_to_door(session, campaign, share)
    campaign.move_to(CampaignStatus.FULFILLED)
    session.flush()
    return campaign


def _send_to_door(session: Session, campaign: GroupBuy, share: Pledge) -> None:
    """One delivery item per load a cadre can carry (a share of 20 bags is several)."""
    per_load = max(1, MAX_WEIGHT_G // campaign.unit_weight_g)
    for number, first in enumerate(range(0, share.quantity, per_load), 1):
        units = min(per_load, share.quantity - first)
        add_delivery_item(
            session,
            household_id=share.household_id,
            reference=f"{share.subject_ref}#{number}",
            description=f"{campaign.title} ×{units}{campaign.unit}",
            weight_g=units * campaign.unit_weight_g,
        )
