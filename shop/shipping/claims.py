"""After the sale: within 48 hours of receipt the buyer may claim damage or spoilage with
photos; the station's agent decides once, recorded with who and why: a full or partial
refund (through payments, at most the goods' price not yet refunded: the courier fee
stays paid) or a resend.

Two agents deciding one claim at once decide once: the decision is a conditional UPDATE of
the open claim, and only the agent whose UPDATE changed the row goes on to refund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, enum_column_type, rows_matched
from core.labels import Labelled, name_members
from core.models import Role, User
from core.photos import store_photo
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import ensure_utc, utcnow
from ledger import services as ledger
from payments import services as payments
from shop.errors import ShopError
from shop.orders.models import Delivery, Order, OrderStatus

CLAIM_WITHIN = dt.timedelta(hours=48)
MAX_CLAIM_PHOTOS = 6
TEXT_MAX = 300


class ClaimKind(Labelled):
    DAMAGED = "damaged"
    SPOILED = "spoiled"


class ClaimStatus(Labelled):
    OPEN = "open"
    REFUNDED = "refunded"
    RESEND = "resend"


CLAIM_KIND_NAMES = name_members(
    ClaimKind, {ClaimKind.DAMAGED: _l("破损"), ClaimKind.SPOILED: _l("变质")}
)
CLAIM_STATUS_NAMES = name_members(
    ClaimStatus,
    {
        ClaimStatus.OPEN: _l("待村站处理"),
        ClaimStatus.REFUNDED: _l("已退款"),
        ClaimStatus.RESEND: _l("补发"),
    },
)


#: An agent decides an open claim once: a refund or a resend. The decision is taken with a
#: conditional UPDATE (``status = open``), so two agents deciding at once decide once.
CLAIM_TRANSITIONS = TransitionTable(
    _l("售后申请"),
    {ClaimStatus.OPEN: frozenset({ClaimStatus.REFUNDED, ClaimStatus.RESEND})},
    initial=frozenset({ClaimStatus.OPEN}),
)


class Claim(StatusMachine[ClaimStatus], Base):
    __tablename__ = "ship_claim"
    transitions = CLAIM_TRANSITIONS
    __table_args__ = (CheckConstraint("refund_fen >= 0", name="refund_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), unique=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_column_type(ClaimKind))
    description: Mapped[str] = mapped_column(String(TEXT_MAX))
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)  # names in core.photos
    status: Mapped[ClaimStatus] = mapped_column(
        enum_column_type(ClaimStatus), default=ClaimStatus.OPEN
    )
    refund_fen: Mapped[int] = mapped_column(default=0)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str] = mapped_column(String(TEXT_MAX), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()


def claim_of(session: Session, order_id: int) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.order_id == order_id))


def may_claim(order: Order, now: dt.datetime | None = None) -> bool:
    """A received shipped order within ``CLAIM_WITHIN`` of its receipt."""
    return (
        order.delivery is Delivery.SHIP
        and order.status is OrderStatus.RECEIVED
        and (now or utcnow()) - ensure_utc(order.updated_at) <= CLAIM_WITHIN
    )


def station_claims(session: Session, *, agent: User) -> Sequence[Claim]:
    """The open claims on the orders of the agent's station, oldest first."""
    return session.scalars(
        select(Claim)
        .join(Order, Claim.order_id == Order.id)
        .where(
            Order.station_village_id.in_(agent.villages_for(Role.AGENT)),
            Claim.status == ClaimStatus.OPEN,
        )
        .order_by(Claim.id)
    ).all()


def open_claim(
    session: Session,
    *,
    buyer: User,
    order_id: int,
    kind: ClaimKind,
    description: str,
    photos: list[bytes],
    directory: Path,
    now: dt.datetime | None = None,
) -> Claim:
    """The buyer's claim on a received shipped order, within 48 h of receipt, with 1 to 6
    photos (re-encoded by ``core.photos``)."""
    order = session.get(Order, order_id)
    if order is None or order.buyer_id != buyer.id or order.delivery is not Delivery.SHIP:
        raise ShopError("order_not_found")
    if order.status is not OrderStatus.RECEIVED:
        raise ShopError("claim_after_receipt")
    if not may_claim(order, now):
        raise ShopError("claim_too_late")
    text = description.strip()
    if not text or len(text) > TEXT_MAX:
        raise ShopError("claim_description", most=TEXT_MAX)
    if not 1 <= len(photos) <= MAX_CLAIM_PHOTOS:
        raise ShopError("claim_photos", most=MAX_CLAIM_PHOTOS)
    if session.scalar(select(Claim.id).where(Claim.order_id == order.id)) is not None:
        raise ShopError("claim_exists")
    names = [store_photo(directory, data).name for data in photos]
    claim = Claim(order_id=order.id, kind=kind, description=text, photos=names)
    session.add(claim)
    session.flush()
    return claim


def _station_claim(session: Session, agent: User, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.order.station_village_id not in agent.villages_for(Role.AGENT):
        raise ShopError("claim_not_found")
    return claim


def refundable_fen(session: Session, order: Order) -> int:
    """What a claim may still give back: the goods' price, not the courier fee (the courier
    was paid to carry the parcel, and ``ledger.post_claim_refund`` takes a claim all from
    the seller's sale, which is the goods), never more than was captured and not refunded."""
    payment = payments.get_payment(session, order.reference)
    return min(order.total_fen, payment.captured_fen) - payment.refunded_fen


def decide_claim(
    session: Session,
    *,
    agent: User,
    claim_id: int,
    resend: bool = False,
    refund_fen: int = 0,
    reason: str,
) -> Claim:
    """The agent's decision, once: refund ``refund_fen`` (full or partial, at most
    ``refundable_fen``) or resend the goods; who and why are recorded."""
    claim = _station_claim(session, agent, claim_id)
    why = reason.strip()
    if not why or len(why) > TEXT_MAX:
        raise ShopError("claim_reason", most=TEXT_MAX)
    order = claim.order
    refundable = refundable_fen(session, order)
    if not resend and not 0 < refund_fen <= refundable:
        raise ShopError("claim_refund_range", most=f"{refundable / 100:.2f}")
    decided = session.execute(
        update(Claim)
        .where(Claim.id == claim.id, Claim.status == ClaimStatus.OPEN)
        .values(
            status=ClaimStatus.RESEND if resend else ClaimStatus.REFUNDED,
            refund_fen=0 if resend else refund_fen,
            decided_by_id=agent.id,
            decided_at=utcnow(),
            reason=why,
        )
        .execution_options(synchronize_session=False)
    )
    if rows_matched(decided) != 1:
        raise ShopError("claim_already_decided")
    session.refresh(claim)
    if not resend:
        # The ledger first: the refund's announcement then finds the amount booked for
        # this claim and posts nothing more (the other way round books it twice).
        ledger.post_claim_refund(
            session,
            claim_id=claim.id,
            order_id=order.id,
            seller_id=order.seller_id,
            amount_fen=refund_fen,
        )
        payments.refund_payment(
            session, subject_ref=order.reference, amount_fen=refund_fen, actor=agent
        )
    session.flush()
    return claim
