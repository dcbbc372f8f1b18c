"""Accounts, journal entries and their postings; weekly statements and payouts.

Postings are signed fen: positive debits, negative credits. A seller's payable account
is a liability, so what the platform owes a seller is minus its balance. Entries and
postings are insert-only (see ``ledger.integrity``); a correction is a new entry.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, enum_column_type
from core.labels import name_reference_kind
from core.timeutil import utcnow

PLATFORM = 0  # owner_id of the platform's own accounts


class AccountKind(StrEnum):
    SELLER_PAYABLE = "seller_payable"  # owner: the seller's user id
    STATION_TILL = "station_till"  # owner: the station's village id
    STATION_COMMISSION = "station_commission"  # owner: the station's village id
    PLATFORM_ONLINE = "platform_online"  # receipts in the platform's Stripe account
    PLATFORM_FEES = "platform_fees"  # Stripe's fees, the platform's expense
    PLATFORM_REFUNDS = "platform_refunds"  # online money given back to buyers
    SHIPPING_COLLECTED = "shipping_collected"  # owner: the station; fees buyers paid (credit)
    SHIPPING_PAID = "shipping_paid"  # owner: the station; what its parcels cost at the courier


class EntryKind(StrEnum):
    SALE = "sale"  # an order completed (picked up or delivered)
    PLEDGE = "pledge"  # a group-buy pledge charged at its final price
    REFUND = "refund"  # money given back after the sale was booked
    PAYOUT = "payout"  # the seller took their money
    CLAIM = "claim"  # money given back on a buyer's claim after receipt, all from the seller
    SHIPPING = "shipping"  # a shipping fee collected from a buyer, or paid to the courier


ENTRY_KIND_NAMES = {
    EntryKind.SALE: _l("订单完成"),
    EntryKind.PLEDGE: _l("团购成交"),
    EntryKind.REFUND: _l("退款"),
    EntryKind.PAYOUT: _l("提现"),
    EntryKind.CLAIM: _l("售后理赔"),
    EntryKind.SHIPPING: _l("运费"),
}


class Account(Base):
    __tablename__ = "ledger_account"
    __table_args__ = (UniqueConstraint("kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column_type(AccountKind))
    owner_id: Mapped[int]


class JournalEntry(Base):
    """One business event's balanced postings; ``event_key`` makes posting it twice fail."""

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_seller_created", "seller_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column_type(EntryKind))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    # The business event in words for the seller's page, e.g. "订单 12：青菜×3".
    memo: Mapped[str] = mapped_column(String(200), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )


class Posting(Base):
    __tablename__ = "posting"
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount_fen: Mapped[int]

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")


class CommissionRate(Base):
    """What a station keeps of a sale, in basis points (1/100 of a percent).

    ``category`` "*" covers every category without a row of its own; ``local_rate_bp``
    applies to produce grown in the station's own village (often 0)."""

    __tablename__ = "commission_rate"
    __table_args__ = (
        UniqueConstraint("village_id", "category"),
        CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_range"),
        CheckConstraint("local_rate_bp BETWEEN 0 AND 10000", name="local_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    category: Mapped[str] = mapped_column(String(30))
    rate_bp: Mapped[int]
    local_rate_bp: Mapped[int]


class Statement(Base):
    """A seller's closed week (Monday to Sunday, Asia/Shanghai); one per seller and week."""

    __tablename__ = "ledger_statement"
    __table_args__ = (UniqueConstraint("seller_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    week_start: Mapped[dt.date]
    opening_fen: Mapped[int]
    sales_fen: Mapped[int]
    commission_fen: Mapped[int]
    refunds_fen: Mapped[int]
    payouts_fen: Mapped[int]
    closing_fen: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    payout: Mapped[Payout | None] = relationship(back_populates="statement")

    @property
    def week_end(self) -> dt.date:
        """The week's last day (Sunday)."""
        return self.week_start + dt.timedelta(days=6)


class PayoutMethod(StrEnum):
    CASH = "cash"  # at the station counter, signed for on the screen
    TRANSFER = "transfer"  # bank or WeChat transfer, with its reference


PAYOUT_METHOD_NAMES = {PayoutMethod.CASH: _l("现金"), PayoutMethod.TRANSFER: _l("转账")}
# The daily cash statement lists payouts by reference ("payout:7").
name_reference_kind("payout", _l("付给卖家 %(id)s号"))


class Payout(Base):
    """Money handed to a seller against a statement: at most one per statement."""

    __tablename__ = "ledger_payout"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("ledger_statement.id"), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    method: Mapped[PayoutMethod] = mapped_column(enum_column_type(PayoutMethod))
    amount_fen: Mapped[int]
    reference: Mapped[str] = mapped_column(String(100), default="")
    # The seller's strokes on the counter's screen as an SVG path ("M10 20L12 24...").
    signature: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    statement: Mapped[Statement] = relationship(back_populates="payout")
