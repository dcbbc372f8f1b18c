"""Changing and cancelling a pledge before the deadline, and what the households are told.

Runs on SQLite and PostgreSQL; the card hold uses the real Stripe SDK against localstripe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User
from core.notices.models import Notice, NoticeKind, SmsMessage
from core.timeutil import utcnow
from payments.models import PaymentMethod, PaymentStatus
from payments.stripe_gateway import StripeGateway
from shop.errors import ShopError
from shop.groupbuys import services
from shop.groupbuys.models import GroupBuy, PledgeStatus
from shop.groupbuys.notices import announce_closing_soon
from tests.shop.groupbuys.test_services import _close, _held_pledge


def _cash(db: Session, campaign: GroupBuy, user: User, quantity: int) -> int:
    record = services.pledge(
        db, campaign_id=campaign.id, user=user, quantity=quantity, payment=PaymentMethod.CASH
    )
    return record.id


def _kinds(db: Session, user: User) -> list[NoticeKind]:
    return list(
        db.scalars(select(Notice.kind).where(Notice.user_id == user.id).order_by(Notice.id))
    )


def test_a_pledge_changes_within_the_maximum_and_counts(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign(min_quantity=10, max_quantity=30, per_household_limit=20)
    me, other = villager(), villager()
    mine = _cash(db, campaign, me, 5)
    _cash(db, campaign, other, 20)
    record = services.change_pledge(db, pledge_id=mine, user=me, quantity=10)
    assert (record.quantity, campaign.pledged_quantity) == (10, 30)
    with pytest.raises(ShopError, match="还剩 0袋"):  # 10 + 20 is the maximum already
        services.change_pledge(db, pledge_id=mine, user=me, quantity=11)
    with pytest.raises(ShopError, match="每户限购 20袋"):
        services.change_pledge(db, pledge_id=mine, user=me, quantity=21)
    services.change_pledge(db, pledge_id=mine, user=me, quantity=2)
    assert campaign.pledged_quantity == 22
    with pytest.raises(ShopError):  # another household's pledge
        services.change_pledge(db, pledge_id=mine, user=other, quantity=3)


def test_no_change_or_cancel_after_the_deadline_or_the_close(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign(min_quantity=5)
    me = villager()
    mine = _cash(db, campaign, me, 5)
    later = campaign.deadline + dt.timedelta(minutes=1)
    with pytest.raises(ShopError, match="团购已截止"):
        services.change_pledge(db, pledge_id=mine, user=me, quantity=6, now=later)
    with pytest.raises(ShopError, match="团购已截止"):
        services.cancel_pledge(db, pledge_id=mine, user=me, now=later)
    assert services.claim_for_closing(db, campaign_id=campaign.id, now=utcnow(), early=True)
    with pytest.raises(ShopError, match="团购已截止"):
        services.change_pledge(db, pledge_id=mine, user=me, quantity=4)
    assert campaign.pledged_quantity == 5


def test_cancel_frees_the_units_and_the_household_may_pledge_again(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign()
    me = villager()
    mine = _cash(db, campaign, me, 8)
    cancelled = services.cancel_pledge(db, pledge_id=mine, user=me)
    assert (cancelled.status, campaign.pledged_quantity) == (PledgeStatus.CANCELLED, 0)
    with pytest.raises(ShopError, match="已经结算或取消"):
        services.change_pledge(db, pledge_id=mine, user=me, quantity=3)
    again = _cash(db, campaign, me, 3)
    assert again != mine and campaign.pledged_quantity == 3
    db.expire(campaign, ["pledges"])
    assert [p.id for p in campaign.pledges] == [again]  # the cancelled one does not count
    assert [p.id for p in services.my_pledges(db, user=me)] == [again]


def test_a_card_pledge_may_go_down_not_up_and_cancelling_releases_the_hold(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    stripe_gateway: StripeGateway,
) -> None:
    campaign = make_campaign(min_quantity=5)
    me = villager()
    record, payment = _held_pledge(db, campaign, me, 10)
    with pytest.raises(ShopError, match="只能减少数量"):
        services.change_pledge(db, pledge_id=record.id, user=me, quantity=11)
    services.change_pledge(db, pledge_id=record.id, user=me, quantity=6)
    assert (campaign.pledged_quantity, payment.amount_fen) == (6, 150_000)  # hold kept
    _close(db, campaign)
    assert (payment.status, payment.captured_fen) == (PaymentStatus.SUCCEEDED, 6 * 15_000)

    other_campaign = make_campaign(min_quantity=5)
    record, payment = _held_pledge(db, other_campaign, me, 4)
    assert payment.status is PaymentStatus.AUTHORISED
    services.cancel_pledge(db, pledge_id=record.id, user=me)
    assert payment.status is PaymentStatus.CANCELLED
    assert other_campaign.pledged_quantity == 0


def test_households_hear_of_the_minimum_a_tier_and_the_outcome_once(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign(min_quantity=30, per_household_limit=50)
    first, second = villager(), villager()
    _cash(db, campaign, first, 20)
    assert _kinds(db, first) == []
    late = _cash(db, campaign, second, 30)  # 50: the minimum and the ¥140 tier at once
    assert _kinds(db, first) == [NoticeKind.GROUPBUY_REACHED, NoticeKind.GROUPBUY_TIER]
    assert _kinds(db, second) == [NoticeKind.GROUPBUY_REACHED, NoticeKind.GROUPBUY_TIER]
    services.change_pledge(db, pledge_id=late, user=second, quantity=5)  # back below
    services.change_pledge(db, pledge_id=late, user=second, quantity=30)  # and up again
    assert len(_kinds(db, first)) == 2  # one event, one notice
    tier = db.scalars(
        select(Notice).where(Notice.user_id == first.id, Notice.kind == NoticeKind.GROUPBUY_TIER)
    ).one()
    assert tier.params == {"title": "复合肥 45% 50kg", "price": "¥140.00"}
    assert tier.link == {"endpoint": "groupbuys.detail", "values": {"campaign_id": campaign.id}}

    soon = campaign.deadline - dt.timedelta(hours=2)
    assert announce_closing_soon(db, now=soon) == 1
    assert announce_closing_soon(db, now=soon + dt.timedelta(minutes=10)) == 1
    assert _kinds(db, first).count(NoticeKind.GROUPBUY_CLOSING_SOON) == 1
    assert announce_closing_soon(db, now=campaign.deadline - dt.timedelta(days=2)) == 0

    _close(db, campaign)
    _close_again_is_refused = not services.claim_for_closing(
        db, campaign_id=campaign.id, now=utcnow(), early=True
    )
    assert _close_again_is_refused
    outcome = db.scalars(
        select(Notice).where(
            Notice.user_id == second.id, Notice.kind == NoticeKind.GROUPBUY_SUCCEEDED
        )
    ).one()
    assert outcome.params["amount"] == "¥4,200.00"  # 30 bags at ¥140
    phones = set(db.scalars(select(SmsMessage.phone)))
    assert {first.phone, second.phone} <= phones


def test_a_failed_campaign_tells_every_household(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign()
    me = villager()
    _cash(db, campaign, me, 3)
    _close(db, campaign)
    assert _kinds(db, me) == [NoticeKind.GROUPBUY_FAILED]
