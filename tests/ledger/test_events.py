"""Business events reach the ledger through the signals shop connects (as create_app does)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role, User, Village
from core.timeutil import utcnow
from ledger.earnings import earnings_of
from ledger.models import AccountKind, EntryKind, JournalEntry
from ledger.services import account_balance, available_fen
from payments import services as payments
from payments.models import PaymentMethod
from shop import earnings as shop_earnings
from shop.groupbuys import services as groupbuys
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from shop.orders.models import Delivery, Order
from tests.shop.groupbuys.conftest import campaign_in
from tests.shop.storefront_helpers import listed_product


@pytest.fixture(autouse=True)
def _connected() -> None:
    connect_handlers()
    shop_earnings.connect()


@pytest.fixture
def people(make_user: Callable[..., User], make_village: Callable[..., Village]) -> dict[str, User]:
    village = make_village()
    return {
        "farmer": make_user(Role.FARMER, village=village, name="王农户"),
        "agent": make_user(Role.AGENT, village=village, name="李代办"),
        "villager": make_user(Role.VILLAGER, village=village, name="张村民"),
    }


def _cash_order(db: Session, people: dict[str, User], product_id: int, quantity: int) -> Order:
    (order,) = orders.place_orders(
        db,
        buyer=people["villager"],
        placed_by=people["villager"],
        lines=[orders.LineInput(product_id, quantity)],
        delivery=Delivery.PICKUP,
        payment=PaymentMethod.CASH,
    )
    return order


def _hand_over(db: Session, people: dict[str, User], order: Order) -> None:
    agent = people["agent"]
    orders.pack(db, seller=people["farmer"], order_id=order.id)
    orders.mark_ready_for_pickup(db, agent=agent, order_id=order.id)
    orders.collect_cash(db, agent=agent, order_id=order.id)
    orders.hand_over(db, agent=agent, order_id=order.id, pickup_code=order.pickup_code or "")


def test_an_order_is_booked_when_picked_up_and_a_later_refund_reverses_it(
    db: Session, people: dict[str, User]
) -> None:
    farmer = people["farmer"]
    # The farmer's own village is the station's: local produce, no commission by default.
    product = listed_product(db, farmer, people["agent"], price_fen=1000)
    order = _cash_order(db, people, product.id, 3)
    assert earnings_of(db, seller_id=farmer.id).pending_fen == 3000
    _hand_over(db, people, order)
    (entry,) = db.scalars(select(JournalEntry).where(JournalEntry.seller_id == farmer.id))
    assert entry.kind is EntryKind.SALE and entry.event_key == f"sale:{order.reference}"
    assert "桃源香米×3" in entry.memo
    assert available_fen(db, farmer.id) == 3000
    assert account_balance(db, AccountKind.STATION_TILL, order.station_village_id) == 3000
    assert earnings_of(db, seller_id=farmer.id).pending_fen == 0
    # A claim after the goods were handed over: the station gives 10 yuan back.
    payments.refund_payment(db, subject_ref=order.reference, amount_fen=1000)
    assert available_fen(db, farmer.id) == 2000
    assert account_balance(db, AccountKind.STATION_TILL, order.station_village_id) == 2000


def test_an_order_refunded_before_it_is_final_is_never_booked(
    db: Session, people: dict[str, User]
) -> None:
    product = listed_product(db, people["farmer"], people["agent"], price_fen=800)
    order = _cash_order(db, people, product.id, 1)
    orders.pack(db, seller=people["farmer"], order_id=order.id)
    orders.mark_ready_for_pickup(db, agent=people["agent"], order_id=order.id)
    orders.collect_cash(db, agent=people["agent"], order_id=order.id)
    orders.cancel(db, user=people["agent"], order_id=order.id)  # the cash goes back
    assert (
        db.scalar(select(JournalEntry).where(JournalEntry.seller_id == people["farmer"].id)) is None
    )
    assert earnings_of(db, seller_id=people["farmer"].id).pending_fen == 0


def test_a_cash_pledge_is_booked_to_the_organiser_when_its_cash_is_taken(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> None:
    station = make_village()
    agent = make_user(Role.AGENT, village=station, name="代办员")
    villager = make_user(Role.VILLAGER, village=station)
    campaign = campaign_in(db, agent=agent, village_id=station.id, min_quantity=1)
    pledged = groupbuys.pledge(
        db, campaign_id=campaign.id, user=villager, quantity=2, payment=PaymentMethod.CASH
    )
    assert groupbuys.claim_for_closing(db, campaign_id=campaign.id, now=utcnow(), early=True)
    groupbuys.settle_pledge(db, pledge_id=pledged.id)
    assert available_fen(db, agent.id) == 0  # charged, but the cash is taken at pickup
    payment = payments.get_payment(db, pledged.subject_ref)
    payments.record_cash(db, payment_id=payment.id, amount_fen=payment.amount_fen, agent=agent)
    final = 2 * 15_000
    assert available_fen(db, agent.id) == final - final * 500 // 10_000
    assert account_balance(db, AccountKind.STATION_TILL, station.id) == final
