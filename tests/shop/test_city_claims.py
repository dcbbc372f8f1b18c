"""After the sale of a shipped order: the buyer claims damage or spoilage with photos within
48 h of receipt; the station's agent decides a full or partial refund (never more than was
paid) or a resend, once, with who and why recorded. Services on both databases; two agents
deciding one claim at once race for real (threads, committed transactions).

Stripe is the real SDK against localstripe; the parcel goes to the courier through the real
``logistics.outbound``; the sale and the claim are booked in the real ledger."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.accounts import sign_up_buyer
from core.db import transaction
from core.models import County, Household, Role, Township, User, Village
from core.services import create_user, grant_role
from ledger.models import AccountKind, EntryKind, JournalEntry
from ledger.services import available_fen, sale_entry
from payments.services import payment_for
from shop import earnings as shop_earnings
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.handlers import connect_handlers
from shop.orders.models import Order
from shop.shipping import claims
from tests.conftest import password_hash_for_tests
from tests.shop.city_helpers import (
    bring_to_station,
    hand_over,
    paid_ship_order,
    shipped_product,
    ships_from,
)
from tests.shop.storefront_helpers import png_bytes

PASSWORD = "peach-orchard-2026"


@pytest.fixture(autouse=True)
def _handlers() -> None:
    connect_handlers()
    shop_earnings.connect()  # the sale is booked at receipt, a refund after it


def _received_order(session: Session, village: Village, people: dict[str, User]) -> Order:
    """A shipped order of two boxes of eggs (¥76 + ¥20 courier), paid, shipped, received."""
    ships_from(session, village)
    eggs = shipped_product(session, people["farmer"], people["agent"])
    buyer = people["buyer"]
    order = paid_ship_order(session, buyer, eggs, quantity=2)
    bring_to_station(session, order.id, people["agent"])
    hand_over(session, order.id, people["agent"], people["dispatcher"])
    orders.confirm_receipt(session, user=buyer, order_id=order.id)
    return order


@pytest.fixture
def people(
    db: Session, make_user: Callable[..., User], make_village: Callable[..., Village]
) -> dict[str, User]:
    village = make_village("桃花村")
    return {
        "farmer": make_user(Role.FARMER, village=village),
        "agent": make_user(Role.AGENT, village=village),
        "other_agent": make_user(Role.AGENT),
        "dispatcher": make_user(Role.DISPATCHER, village=village),
        "buyer": sign_up_buyer(db, phone="13800138000", password=PASSWORD, name="陈"),
    }


def _claim(db: Session, order: Order, buyer: User, tmp_path: Path, **extra: object) -> claims.Claim:
    return claims.open_claim(
        db,
        buyer=buyer,
        order_id=order.id,
        kind=claims.ClaimKind.DAMAGED,
        description="两盒碎了一半",
        photos=[png_bytes()],
        directory=tmp_path,
        **extra,  # type: ignore[arg-type]
    )


def test_a_partial_refund_never_refunds_more_than_was_paid(
    db: Session,
    people: dict[str, User],
    stripe_gateway: object,
    tmp_path: Path,
) -> None:
    village = people["farmer"].household.village  # type: ignore[union-attr]
    order = _received_order(db, village, people)
    assert order.charged_fen == 7600 + 2000
    claim = _claim(db, order, people["buyer"], tmp_path)
    assert (tmp_path / f"{claim.photos[0]}.jpg").exists()
    with pytest.raises(ShopError) as elsewhere:
        claims.decide_claim(
            db, agent=people["other_agent"], claim_id=claim.id, refund_fen=100, reason="-"
        )
    assert elsewhere.value.code == "claim_not_found"
    for too_much_fen in (9600, 7601):  # goods and courier (the ledger refuses it); a fen over
        with pytest.raises(ShopError) as too_much:
            claims.decide_claim(
                db, agent=people["agent"], claim_id=claim.id, refund_fen=too_much_fen, reason="全退"
            )
        assert too_much.value.code == "claim_refund_range" and "76.00" in too_much.value.message
    decided = claims.decide_claim(
        db, agent=people["agent"], claim_id=claim.id, refund_fen=3800, reason="碎了一盒"
    )
    assert decided.status is claims.ClaimStatus.REFUNDED and decided.refund_fen == 3800
    assert decided.decided_by_id == people["agent"].id and decided.reason == "碎了一盒"
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.refunded_fen == 3800
    _the_seller_paid_back_once(db, order, claim.id, 3800)
    with pytest.raises(ShopError) as again:
        claims.decide_claim(
            db, agent=people["agent"], claim_id=claim.id, refund_fen=100, reason="再退"
        )
    assert again.value.code == "claim_already_decided"
    with pytest.raises(ShopError) as twice:
        _claim(db, order, people["buyer"], tmp_path)
    assert twice.value.code == "claim_exists"


def _the_seller_paid_back_once(db: Session, order: Order, claim_id: int, refund_fen: int) -> None:
    """The seller's ledger shows the claim's refund once: the claim entry, and no refund
    entry from the payment's refund announcement (which found it booked already)."""
    given_back = db.scalars(
        select(JournalEntry).where(
            JournalEntry.seller_id == order.seller_id,
            JournalEntry.kind.in_((EntryKind.CLAIM, EntryKind.REFUND)),
        )
    ).all()
    assert [(entry.kind, entry.event_key) for entry in given_back] == [
        (EntryKind.CLAIM, f"refund:{order.reference}:claim:{claim_id}")
    ]
    sale = sale_entry(db, order.reference)
    assert sale is not None
    sold = -sum(p.amount_fen for p in sale.postings if p.account.kind is AccountKind.SELLER_PAYABLE)
    assert available_fen(db, order.seller_id) == sold - refund_fen


def test_a_claim_comes_within_48_hours_of_receipt_and_may_end_in_a_resend(
    db: Session,
    people: dict[str, User],
    stripe_gateway: object,
    tmp_path: Path,
) -> None:
    village = people["farmer"].household.village  # type: ignore[union-attr]
    order = _received_order(db, village, people)
    late = order.updated_at + claims.CLAIM_WITHIN + dt.timedelta(minutes=1)
    with pytest.raises(ShopError) as too_late:
        _claim(db, order, people["buyer"], tmp_path, now=late)
    assert too_late.value.code == "claim_too_late"
    with pytest.raises(ShopError) as no_photo:
        claims.open_claim(
            db,
            buyer=people["buyer"],
            order_id=order.id,
            kind=claims.ClaimKind.SPOILED,
            description="臭了",
            photos=[],
            directory=tmp_path,
        )
    assert no_photo.value.code == "claim_photos"
    claim = _claim(db, order, people["buyer"], tmp_path)
    decided = claims.decide_claim(
        db, agent=people["agent"], claim_id=claim.id, resend=True, reason="补发两盒"
    )
    assert decided.status is claims.ClaimStatus.RESEND
    payment = payment_for(db, order.reference)
    assert payment is not None and payment.refunded_fen == 0


def _committed_claim(sessions: sessionmaker[Session], tmp_path: Path) -> tuple[int, list[int]]:
    """A received order's claim and the station's two agents, committed."""
    with transaction(sessions) as session:
        village = Village(
            township=Township(
                county=County(name="售后县"), name="镇", hub_address="-", lat=28, lon=112
            ),
            name="售后村",
            station_address="-",
            lat=28,
            lon=112,
        )
        session.add(village)
        session.flush()

        def person(phone: str, role: Role) -> User:
            household = Household(
                village=village, head_name="户", phone=phone, address="1号", lat=28, lon=112
            )
            session.add(household)
            user = create_user(
                session,
                phone=phone,
                name="户",
                password_hash=password_hash_for_tests(),
                household=household,
            )
            grant_role(session, user=user, role=role, village=village)
            return user

        people = {
            "farmer": person("13500000001", Role.FARMER),
            "agent": person("13500000002", Role.AGENT),
            "second_agent": person("13500000003", Role.AGENT),
            "dispatcher": person("13500000004", Role.DISPATCHER),
            "buyer": sign_up_buyer(session, phone="13800138000", password=PASSWORD, name="陈"),
        }
        order = _received_order(session, village, people)
        claim = _claim(session, order, people["buyer"], tmp_path)
        return claim.id, [people["agent"].id, people["second_agent"].id]


def test_two_agents_deciding_one_claim_at_once_decide_once(
    committed_sessions: sessionmaker[Session],
    stripe_gateway: object,
    tmp_path: Path,
) -> None:
    claim_id, agent_ids = _committed_claim(committed_sessions, tmp_path)
    barrier = threading.Barrier(len(agent_ids))

    def decide(agent_id: int) -> str:
        barrier.wait()
        try:
            with transaction(committed_sessions) as session:
                agent = session.get_one(User, agent_id)
                claims.decide_claim(
                    session, agent=agent, claim_id=claim_id, refund_fen=2000, reason="碎了"
                )
                return "decided"
        except ShopError as error:
            return error.code

    with ThreadPoolExecutor(len(agent_ids)) as pool:
        outcomes = sorted(pool.map(decide, agent_ids))
    assert outcomes == ["claim_already_decided", "decided"]
    with transaction(committed_sessions) as session:
        claim = session.get_one(claims.Claim, claim_id)
        payment = payment_for(session, claim.order.reference)
        assert payment is not None and payment.refunded_fen == 2000
        assert claim.decided_by_id in agent_ids
