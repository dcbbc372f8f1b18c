"""What a group-buy tells the households that pledged: a cheaper tier reached, the minimum
reached, closing soon, and how it ended. One notice (and SMS) per household and event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.money import format_fen
from core.notices.models import NoticeKind
from core.notices.services import notify_household
from core.timeutil import format_local
from shop.groupbuys.models import CampaignStatus, GroupBuy, Pledge, PledgeStatus

# "Closing soon" goes out once, this long before the deadline.
CLOSING_SOON = dt.timedelta(hours=24)


def _tell_pledgers(
    session: Session, campaign: GroupBuy, kind: NoticeKind, event: str, **params: str
) -> None:
    for pledge in campaign.pledges:
        _tell(session, pledge, kind, event, **params)


def _tell(session: Session, pledge: Pledge, kind: NoticeKind, event: str, **params: str) -> None:
    notify_household(
        session,
        household_id=pledge.household_id,
        kind=kind,
        event_key=f"groupbuy:{pledge.group_buy_id}:{event}",
        link=("groupbuys.detail", {"campaign_id": pledge.group_buy_id}),
        title=pledge.group_buy.title,
        **params,
    )


def announce_progress(session: Session, campaign: GroupBuy, before: int) -> None:
    """After the pledged total moved from ``before``: a cheaper tier or the minimum reached."""
    after = campaign.pledged_quantity
    if before < campaign.min_quantity <= after:
        _tell_pledgers(session, campaign, NoticeKind.GROUPBUY_REACHED, "reached")
    for tier in campaign.tiers[1:]:
        if before < tier.min_quantity <= after:
            _tell_pledgers(
                session,
                campaign,
                NoticeKind.GROUPBUY_TIER,
                f"tier:{tier.min_quantity}",
                price=format_fen(tier.price_fen),
            )


def announce_outcome(session: Session, campaign: GroupBuy) -> None:
    """The campaign closed: each household learns the price and what it owes, or that it failed."""
    for pledge in campaign.pledges:
        if campaign.status is CampaignStatus.SUCCEEDED and pledge.status is PledgeStatus.CHARGED:
            _tell(
                session,
                pledge,
                NoticeKind.GROUPBUY_SUCCEEDED,
                "succeeded",
                price=format_fen(campaign.final_price_fen or 0),
                amount=format_fen(pledge.final_fen or 0),
            )
        elif campaign.status is CampaignStatus.FAILED:
            _tell(session, pledge, NoticeKind.GROUPBUY_FAILED, "failed")


def announce_closing_soon(session: Session, *, now: dt.datetime) -> int:
    """Open campaigns within a day of their deadline; answers how many were looked at."""
    campaigns = session.scalars(
        select(GroupBuy).where(
            GroupBuy.status == CampaignStatus.OPEN,
            GroupBuy.deadline > now,
            GroupBuy.deadline <= now + CLOSING_SOON,
        )
    ).all()
    for campaign in campaigns:
        _tell_pledgers(
            session,
            campaign,
            NoticeKind.GROUPBUY_CLOSING_SOON,
            "closing-soon",
            deadline=format_local(campaign.deadline, "%m月%d日 %H:%M"),
        )
    return len(campaigns)
