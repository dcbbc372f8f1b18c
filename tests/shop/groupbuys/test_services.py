"""Group-buy rules: tiers, pledges, and closing with captures or releases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CoreError
from core.models import Role, User, Village
from core.timeutil import utcnow
from payments.models import Payment, PaymentMethod, PaymentStatus
from payments.services import open_online_intent, payment_for
from payments.stripe_gateway import StripeGateway
from shop.errors import ShopError
from shop.groupbuys import services
from shop.groupbuys.models import CampaignStatus, GroupBuy, Pledge, PledgeStatus
from shop.groupbuys.services import TierSpec


def _held_pledge(
    db: Session, campaign: GroupBuy, user: User, quantity: int
) -> tuple[Pledge, Payment]:
    """An online pledge whose card hold Stripe has confirmed (as Stripe.js would)."""
    record = services.pledge(
        db, campaign_id=campaign.id, user=user, quantity=quantity, payment=PaymentMethod.ONLINE
    )
    payment = payment_for(db, record.subject_ref)
    assert payment is not None
    open_online_intent(db, payment_id=payment.id, payment_method="pm_card_visa")
    return record, payment


def _close(db: Session, campaign: GroupBuy, *, early: bool = True) -> GroupBuy:
    """The closing steps in one transaction (closing.py runs them in several)."""
    assert services.claim_for_closing(db, campaign_id=campaign.id, now=utcnow(), early=early)
    for pledge_id in services.pledge_ids(db, campaign_id=campaign.id):
        services.settle_pledge(db, pledge_id=pledge_id)
    return services.finish_closing(db, campaign_id=campaign.id, now=utcnow())


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "第一档"),
        ([TierSpec(5, 100)], "第一档"),
        ([TierSpec(1, 100), TierSpec(50, 120)], "价格须递减"),
        ([TierSpec(1, 100), TierSpec(1, 90)], "数量须递增"),
        ([TierSpec(1, 0)], "大于 0"),
    ],
)
def test_tiers_must_make_sense(
    make_campaign: Callable[..., GroupBuy], tiers: list[TierSpec], message: str
) -> None:
    with pytest.raises(ShopError, match=message):
        make_campaign(tiers=tiers)


def test_only_the_station_agent_opens_campaigns(
    db: Session,
    station: Village,
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
) -> None:
    from tests.shop.groupbuys.conftest import campaign_in

    outsider = make_user(Role.AGENT, village=make_village())
    with pytest.raises(ShopError):
        campaign_in(db, agent=outsider, village_id=station.id)
    with pytest.raises(ShopError):
        campaign_in(db, agent=make_user(Role.VILLAGER, village=station), village_id=station.id)


def test_deadline_and_quantities_are_checked(make_campaign: Callable[..., GroupBuy]) -> None:
    with pytest.raises(ShopError, match="将来"):
        make_campaign(deadline=utcnow() - dt.timedelta(minutes=1))
    with pytest.raises(ShopError):
        make_campaign(min_quantity=400, max_quantity=300)
    with pytest.raises(ShopError):
        make_campaign(per_household_limit=0)


def test_price_follows_the_tier_reached(make_campaign: Callable[..., GroupBuy]) -> None:
    campaign = make_campaign()
    assert [campaign.price_at(n) for n in (0, 1, 49, 50, 199, 200, 300)] == [
        15_000,
        15_000,
        15_000,
        14_000,
        14_000,
        13_200,
        13_200,
    ]


def test_pledges_count_and_the_price_drops_at_a_tier(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign()
    for _ in range(3):
        services.pledge(
            db, campaign_id=campaign.id, user=villager(), quantity=16, payment=PaymentMethod.CASH
        )
    assert (campaign.pledged_quantity, campaign.current_price_fen) == (48, 15_000)
    services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=2, payment=PaymentMethod.CASH
    )
    assert (campaign.pledged_quantity, campaign.current_price_fen) == (50, 14_000)
    assert campaign.next_tier() == campaign.tiers[2]


def test_pledge_rules(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    make_user: Callable[..., User],
    make_village: Callable[..., Village],
) -> None:
    campaign = make_campaign(min_quantity=10, max_quantity=50)
    household = villager()
    with pytest.raises(ShopError, match="每户限购"):
        services.pledge(
            db, campaign_id=campaign.id, user=household, quantity=21, payment=PaymentMethod.CASH
        )
    services.pledge(
        db, campaign_id=campaign.id, user=household, quantity=20, payment=PaymentMethod.CASH
    )
    with pytest.raises(ShopError, match="已经参加"):
        services.pledge(
            db, campaign_id=campaign.id, user=household, quantity=1, payment=PaymentMethod.CASH
        )
    services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=20, payment=PaymentMethod.CASH
    )
    with pytest.raises(ShopError, match="还剩 10"):
        services.pledge(
            db, campaign_id=campaign.id, user=villager(), quantity=20, payment=PaymentMethod.CASH
        )
    assert campaign.pledged_quantity == 40
    stranger = make_user(Role.VILLAGER, village=make_village())
    with pytest.raises(ShopError):
        services.pledge(
            db, campaign_id=campaign.id, user=stranger, quantity=1, payment=PaymentMethod.CASH
        )


def test_card_pledges_only_when_the_hold_outlives_the_deadline(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    stripe_gateway: StripeGateway,
) -> None:
    long_campaign = make_campaign(deadline=utcnow() + dt.timedelta(days=10))
    assert not services.card_pledges_allowed(long_campaign)
    with pytest.raises(ShopError, match="只收现金"):
        services.pledge(
            db,
            campaign_id=long_campaign.id,
            user=villager(),
            quantity=1,
            payment=PaymentMethod.ONLINE,
        )
    short = make_campaign(deadline=utcnow() + dt.timedelta(days=3))
    record = services.pledge(
        db, campaign_id=short.id, user=villager(), quantity=3, payment=PaymentMethod.ONLINE
    )
    payment = payment_for(db, record.subject_ref)
    assert payment is not None
    assert payment.amount_fen == 3 * 15_000  # held at the highest tier price


def test_success_captures_every_pledge_at_the_final_price(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    stripe_gateway: StripeGateway,
) -> None:
    campaign = make_campaign()
    online, payment = _held_pledge(db, campaign, villager(), 10)
    cash = services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=20, payment=PaymentMethod.CASH
    )
    for _ in range(2):
        services.pledge(
            db, campaign_id=campaign.id, user=villager(), quantity=20, payment=PaymentMethod.CASH
        )
    assert campaign.pledged_quantity == 70
    _close(db, campaign)
    assert (campaign.status, campaign.final_price_fen) == (CampaignStatus.SUCCEEDED, 14_000)
    assert (payment.status, payment.amount_fen, payment.captured_fen) == (
        PaymentStatus.SUCCEEDED,
        150_000,
        140_000,
    )  # the rest of the hold released
    assert online.status is PledgeStatus.CHARGED
    assert online.saving_fen == 10 * 16_000 - 140_000
    cash_payment = payment_for(db, cash.subject_ref)
    assert cash_payment is not None
    assert (cash_payment.status, cash_payment.amount_fen) == (PaymentStatus.AWAITING_CASH, 280_000)


def test_failure_releases_every_hold(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    stripe_gateway: StripeGateway,
) -> None:
    campaign = make_campaign()
    _, payment = _held_pledge(db, campaign, villager(), 5)
    services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=5, payment=PaymentMethod.CASH
    )
    _close(db, campaign)
    assert campaign.status is CampaignStatus.FAILED
    assert payment.status is PaymentStatus.CANCELLED
    assert {p.status for p in campaign.pledges} == {PledgeStatus.RELEASED}
    with pytest.raises(CoreError):
        services.finish_closing(db, campaign_id=campaign.id, now=utcnow())


def test_a_campaign_is_not_closed_before_its_deadline_unless_asked(
    db: Session, make_campaign: Callable[..., GroupBuy]
) -> None:
    campaign = make_campaign()
    assert not services.claim_for_closing(db, campaign_id=campaign.id, now=utcnow())
    assert services.due_campaign_ids(db, now=utcnow()) == []
    later = utcnow() + dt.timedelta(days=4)
    assert services.due_campaign_ids(db, now=later) == [campaign.id]
    assert services.claim_for_closing(db, campaign_id=campaign.id, now=later)
    assert not services.claim_for_closing(db, campaign_id=campaign.id, now=later)


def test_a_pledge_after_the_close_is_refused_with_409(
    db: Session, make_campaign: Callable[..., GroupBuy], villager: Callable[..., User]
) -> None:
    campaign = make_campaign()
    assert services.claim_for_closing(db, campaign_id=campaign.id, now=utcnow(), early=True)
    with pytest.raises(ShopError, match="已截止"):
        services.pledge(
            db, campaign_id=campaign.id, user=villager(), quantity=1, payment=PaymentMethod.CASH
        )
    assert campaign.pledged_quantity == 0


def test_demo_group_buys(db: Session) -> None:
    from core.demo import build_township
    from shop.groupbuys.demo import load_groupbuy_demo

    demo = build_township(db, seed=3)
    load_groupbuy_demo(db, demo)
    campaigns = services.campaigns_for(db, user=demo.agents[0])
    assert [c.status for c in campaigns] == [  # the one to join first, then the latest past
        CampaignStatus.OPEN,
        CampaignStatus.FAILED,
        CampaignStatus.SUCCEEDED,
    ]
    open_one = campaigns[0]
    assert open_one.pledged_quantity == 46  # four bags short of the ¥140 tier
    assert campaigns[2].final_price_fen == 14_000


def test_receiving_the_goods_books_stock_and_sends_door_shares(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    agent: User,
) -> None:
    import inventory.services as inventory
    from inventory.models import MovementKind, StockMovement
    from logistics.models import Parcel
    from shop.groupbuys.fulfilment import receive_goods
    from shop.groupbuys.models import Delivery

    campaign = make_campaign(min_quantity=5, delivery=Delivery.DOOR, unit_weight_g=40_000)
    near, far = villager(), villager()
    services.pledge(db, campaign_id=campaign.id, user=near, quantity=5, payment=PaymentMethod.CASH)
    services.pledge(db, campaign_id=campaign.id, user=far, quantity=1, payment=PaymentMethod.CASH)
    with pytest.raises(CoreError):
        receive_goods(db, campaign_id=campaign.id, agent=agent)  # still open
    _close(db, campaign)
    receive_goods(db, campaign_id=campaign.id, agent=agent)
    assert campaign.status is CampaignStatus.FULFILLED
    station = inventory.station_location(db, village_id=campaign.village_id)
    assert inventory.available(db, sku=campaign.sku, location_id=station.id) == 0
    kinds = sorted(
        m.kind
        for m in db.scalars(
            select(StockMovement).where(
                StockMovement.reference.in_(
                    [f"groupbuy:{campaign.id}", *[p.subject_ref for p in campaign.pledges]]
                )
            )
        )
    )
    assert kinds.count(MovementKind.RECEIPT) == 1 and kinds.count(MovementKind.SALE) == 2
    parcels = db.scalars(select(Parcel).where(Parcel.tracking_no.like("pledge:%"))).all()
    # 5 bags of 40 kg are three e-bike loads (2 + 2 + 1); 1 bag is one.
    assert sorted(p.weight_g for p in parcels) == [40_000, 40_000, 80_000, 80_000]


def test_an_unconfirmed_card_pledge_does_not_count_and_is_released(
    db: Session,
    make_campaign: Callable[..., GroupBuy],
    villager: Callable[..., User],
    stripe_gateway: StripeGateway,
) -> None:
    campaign = make_campaign(min_quantity=10)
    abandoned = services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=8, payment=PaymentMethod.ONLINE
    )  # the payer never finished the card step
    held, payment = _held_pledge(db, campaign, villager(), 6)
    services.pledge(
        db, campaign_id=campaign.id, user=villager(), quantity=5, payment=PaymentMethod.CASH
    )
    _close(db, campaign)
    assert (campaign.counted_quantity, campaign.status) == (11, CampaignStatus.SUCCEEDED)
    assert abandoned.status is PledgeStatus.RELEASED
    abandoned_payment = payment_for(db, abandoned.subject_ref)
    assert abandoned_payment is not None
    assert abandoned_payment.status is PaymentStatus.CANCELLED
    assert (held.status, payment.captured_fen) == (PledgeStatus.CHARGED, 6 * 15_000)
