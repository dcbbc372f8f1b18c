"""The postings the outbound-shipping code calls: a shipping fee collected and paid to the
courier, and a claim refunded after receipt (all of it from the seller's payable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import User, Village
from core.timeutil import utcnow
from ledger.errors import LedgerError
from ledger.figures import figures
from ledger.models import AccountKind, EntryKind, JournalEntry, PayoutMethod, Posting
from ledger.services import (
    account_balance,
    available_fen,
    post_claim_refund,
    post_shipping_collected,
    post_shipping_paid,
)
from ledger.settlement import pay_out, settle_week
from payments import services as payments
from tests.ledger.test_events import _cash_order, _connected, _hand_over, people  # noqa: F401
from tests.shop.storefront_helpers import listed_product

SIGNATURE = "M10 10L20 20L30 25"


def _balanced(db: Session) -> bool:
    return not db.scalars(
        select(Posting.entry_id)
        .group_by(Posting.entry_id)
        .having(func.sum(Posting.amount_fen) != 0)
    ).all()


def test_a_shipping_fee_is_collected_once_and_paid_to_the_courier(
    db: Session, make_village: Callable[..., Village]
) -> None:
    station = make_village()
    first = post_shipping_collected(db, order_id=41, station_id=station.id, fee_fen=1200)
    again = post_shipping_collected(db, order_id=41, station_id=station.id, fee_fen=1200)
    assert first.id == again.id and first.event_key == "shipping:order:41"
    assert first.kind is EntryKind.SHIPPING and first.seller_id is None
    post_shipping_collected(db, order_id=42, station_id=station.id, fee_fen=800)
    paid = post_shipping_paid(db, handover_id=7, station_id=station.id, fee_fen=1500)
    assert paid.event_key == "courier:handover:7"
    assert post_shipping_paid(db, handover_id=7, station_id=station.id, fee_fen=1500).id == paid.id
    # Shipped orders are paid online: the fees landed in Stripe, the courier was paid from it.
    assert account_balance(db, AccountKind.SHIPPING_COLLECTED, station.id) == -2000
    assert account_balance(db, AccountKind.SHIPPING_PAID, station.id) == 1500
    assert account_balance(db, AccountKind.PLATFORM_ONLINE, 0) == 2000 - 1500
    assert _balanced(db)
    with pytest.raises(LedgerError) as refused:
        post_shipping_paid(db, handover_id=8, station_id=station.id, fee_fen=0)
    assert refused.value.code == "amount_not_positive"


def test_a_claim_comes_out_of_the_sellers_payable_and_the_refund_is_not_booked_twice(
    db: Session,
    people: dict[str, User],  # noqa: F811
) -> None:
    farmer, agent = people["farmer"], people["agent"]
    product = listed_product(db, farmer, agent, price_fen=1000)
    order = _cash_order(db, people, product.id, 3)
    _hand_over(db, people, order)
    assert available_fen(db, farmer.id) == 3000  # own village: no commission
    claim = post_claim_refund(
        db, claim_id=5, order_id=order.id, seller_id=farmer.id, amount_fen=1200
    )
    # The claim's money goes back through payments: the refund announcement finds it booked.
    payments.refund_payment(db, subject_ref=order.reference, amount_fen=1200, actor=agent)
    entries = db.scalars(
        select(JournalEntry).where(JournalEntry.seller_id == farmer.id).order_by(JournalEntry.id)
    ).all()
    assert [e.kind for e in entries] == [EntryKind.SALE, EntryKind.CLAIM]
    assert claim.event_key == f"refund:order:{order.id}:claim:5"
    assert available_fen(db, farmer.id) == 1800
    assert account_balance(db, AccountKind.STATION_TILL, order.station_village_id) == 1800
    assert figures(db, seller_id=farmer.id).refunds_fen == 1200
    with pytest.raises(LedgerError) as refused:
        post_claim_refund(db, claim_id=6, order_id=order.id, seller_id=farmer.id, amount_fen=1801)
    assert refused.value.code == "claim_too_large"
    assert _balanced(db)


def test_a_claim_after_the_payout_carries_a_negative_balance(
    db: Session,
    people: dict[str, User],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    farmer, agent = people["farmer"], people["agent"]
    product = listed_product(db, farmer, agent, price_fen=2000)
    order = _cash_order(db, people, product.id, 1)
    _hand_over(db, people, order)
    now = utcnow()
    (statement,) = settle_week(db, week_start=now.date(), now=now + dt.timedelta(days=8))
    pay_out(
        db, agent=agent, statement_id=statement.id, method=PayoutMethod.CASH, signature=SIGNATURE
    )
    assert available_fen(db, farmer.id) == 0
    post_claim_refund(db, claim_id=9, order_id=order.id, seller_id=farmer.id, amount_fen=500)
    assert available_fen(db, farmer.id) == -500
    assert account_balance(db, AccountKind.STATION_TILL, order.station_village_id) == -500
    later = now + dt.timedelta(days=7)  # the next week opens negative
    (carried,) = settle_week(db, week_start=later.date(), now=later + dt.timedelta(days=8))
    assert (carried.opening_fen, carried.closing_fen) == (-500, -500)
