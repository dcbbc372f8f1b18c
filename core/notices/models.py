"""A notice for one user, and the outbox row of the SMS that carries it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, enum_column_type
from core.statemachine import StatusMachine, TransitionTable
from core.timeutil import utcnow


class NoticeKind(StrEnum):
    PARCEL_ON_SHELF = "parcel_on_shelf"
    DELIVERY_TODAY = "delivery_today"
    ORDER_PACKED = "order_packed"
    ORDER_READY = "order_ready"
    GROUPBUY_TIER = "groupbuy_tier"
    GROUPBUY_REACHED = "groupbuy_reached"
    GROUPBUY_SUCCEEDED = "groupbuy_succeeded"
    GROUPBUY_FAILED = "groupbuy_failed"
    GROUPBUY_CLOSING_SOON = "groupbuy_closing_soon"
    LISTING_APPROVED = "listing_approved"
    LISTING_RETURNED = "listing_returned"
    ERRAND_DUE_SOON = "errand_due_soon"
    ERRAND_OVERDUE = "errand_overdue"
    ERRAND_DONE = "errand_done"
    SHIP_OVERDUE_BUYER = "ship_overdue_buyer"  # the seller missed the deadline: refunded
    SHIP_OVERDUE_SELLER = "ship_overdue_seller"


class Notice(Base):
    """What a user is told. ``event_key`` names the event, so one event makes one notice."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key"),
        Index("ix_notice_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(enum_column_type(NoticeKind))
    event_key: Mapped[str] = mapped_column(String(120))
    # The values the kind's message template is filled with (strings, as SMS templates want).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Where the notice leads: {"endpoint": ..., "values": {...}}, built into a URL when shown.
    link: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None]


class SmsStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt at ``next_attempt_at``
    SENDING = "sending"  # claimed by one sender; claimable again only after its lease
    SENT = "sent"
    FAILED = "failed"  # the provider refused every attempt
    CAPPED = "capped"  # the phone had its daily number of messages: in-app only


SMS_TRANSITIONS = TransitionTable(
    "sms",
    {
        SmsStatus.PENDING: frozenset({SmsStatus.SENDING, SmsStatus.CAPPED}),
        SmsStatus.SENDING: frozenset(
            {SmsStatus.SENT, SmsStatus.PENDING, SmsStatus.FAILED, SmsStatus.CAPPED}
        ),
    },
    initial=frozenset({SmsStatus.PENDING}),
)


class SmsMessage(StatusMachine[SmsStatus], Base):
    """The outbox: one row per notice to send, so a retry never sends a second message."""

    __tablename__ = "sms_message"
    transitions = SMS_TRANSITIONS
    __table_args__ = (Index("ix_sms_message_phone_attempt", "phone", "last_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str] = mapped_column(String(11))
    status: Mapped[SmsStatus] = mapped_column(
        enum_column_type(SmsStatus), default=SmsStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
