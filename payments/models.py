"""A payment per order or pledge, the idempotency ledger of provider calls, and the
webhook events already applied."""

from __future__ import annotations

import datetime as dt
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.db import Base, enum_column_type
from core.labels import Labelled, name_members
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow
from payments import signals


class PaymentMethod(Labelled):
    CASH = "cash"  # paid at the station counter, recorded by the agent
    ONLINE = "online"  # card, Alipay or WeChat Pay through Stripe


name_members(PaymentMethod, {PaymentMethod.CASH: _l("现金"), PaymentMethod.ONLINE: _l("在线支付")})


class CaptureMode(Labelled):
    AUTOMATIC = "automatic"  # shop orders: charged at once
    MANUAL = "manual"  # group-buy pledges: held, captured at the final tier price


name_members(
    CaptureMode, {CaptureMode.AUTOMATIC: _l("立即扣款"), CaptureMode.MANUAL: _l("先冻结后扣款")}
)


class PaymentStatus(Labelled):
    AWAITING_CASH = "awaiting_cash"
    REQUIRES_PAYMENT = "requires_payment"  # online: waiting for the payer (or a retry)
    AUTHORISED = "authorised"  # held on the card, not yet captured
    SUCCEEDED = "succeeded"  # money received (captured_fen of it)
    CANCELLED = "cancelled"
    REFUNDED = "refunded"  # everything captured was given back


name_members(
    PaymentStatus,
    {
        PaymentStatus.AWAITING_CASH: _l("待收现金"),
        PaymentStatus.REQUIRES_PAYMENT: _l("待支付"),
        PaymentStatus.AUTHORISED: _l("已冻结"),
        PaymentStatus.SUCCEEDED: _l("已付款"),
        PaymentStatus.CANCELLED: _l("已取消"),
        PaymentStatus.REFUNDED: _l("已退款"),
    },
)


PAYMENT_TRANSITIONS = TransitionTable(
    _l("付款"),
    {
        PaymentStatus.AWAITING_CASH: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}),
        PaymentStatus.REQUIRES_PAYMENT: frozenset(
            {PaymentStatus.AUTHORISED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
        ),
        PaymentStatus.AUTHORISED: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}),
        PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.REFUNDED}),
    },
    initial=frozenset({PaymentStatus.AWAITING_CASH, PaymentStatus.REQUIRES_PAYMENT}),
)


_ANNOUNCE = {
    PaymentStatus.AUTHORISED: signals.payment_authorised,
    PaymentStatus.SUCCEEDED: signals.payment_succeeded,
    PaymentStatus.CANCELLED: signals.payment_cancelled,
    PaymentStatus.REFUNDED: signals.payment_refunded,
}


class Payment(StatusMachine[PaymentStatus], Base):
    __tablename__ = "payment"
    transitions = PAYMENT_TRANSITIONS
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("captured_fen >= 0 AND captured_fen <= amount_fen", name="captured_within"),
        CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= captured_fen", name="refunded_within"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What is paid for, e.g. "order:12" or "pledge:7": one payment per subject.
    subject_ref: Mapped[str] = mapped_column(String(60), unique=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_column_type(PaymentMethod))
    capture_mode: Mapped[CaptureMode] = mapped_column(enum_column_type(CaptureMode))
    status: Mapped[PaymentStatus] = mapped_column(enum_column_type(PaymentStatus), index=True)
    amount_fen: Mapped[int]
    captured_fen: Mapped[int] = mapped_column(default=0)
    refunded_fen: Mapped[int] = mapped_column(default=0)
    # Random, fixed at creation: idempotency keys derive from it, so a retry after a lost
    # answer repeats the key while a new payment (even one reusing a rolled-back id) does not.
    key_seed: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    provider_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(200))
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    failure_message: Mapped[str | None] = mapped_column(String(300))
    capture_before: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    operations: Mapped[list[PaymentOperation]] = relationship(
        back_populates="payment", order_by="PaymentOperation.id"
    )

    @property
    def balance_fen(self) -> int:
        return self.captured_fen - self.refunded_fen

    def after_move(self, previous: PaymentStatus) -> None:
        """Tell shop (orders, pledges) in the same transaction, the new status written."""
        announce = _ANNOUNCE.get(self.status)
        session = object_session(self)
        assert session is not None, "a payment moves inside the session that loaded it"
        session.flush()
        if announce is not None:
            announce.send(None, payment=self, session=session)


class OperationAction(Labelled):
    CREATE = "create"
    CAPTURE = "capture"
    CANCEL = "cancel"
    REFUND = "refund"
    COLLECT_CASH = "collect_cash"
    REFUND_CASH = "refund_cash"


name_members(
    OperationAction,
    {
        OperationAction.CREATE: _l("创建"),
        OperationAction.CAPTURE: _l("扣款"),
        OperationAction.CANCEL: _l("取消"),
        OperationAction.REFUND: _l("退款"),
        OperationAction.COLLECT_CASH: _l("收现金"),
        OperationAction.REFUND_CASH: _l("退现金"),
    },
)


class PaymentOperation(Base):
    """One call to a gateway, recorded with its idempotency key before the call is made."""

    __tablename__ = "payment_operation"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    action: Mapped[OperationAction] = mapped_column(enum_column_type(OperationAction))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    amount_fen: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    payment: Mapped[Payment] = relationship(back_populates="operations")


class WebhookEvent(Base):
    """A provider event, stored in the same transaction as its effect: applied once."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
