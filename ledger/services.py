"""Posting business events to the ledger. Plain functions: they flush, never commit.

Every event posts ONE balanced entry under a unique ``event_key`` ("sale:order:12",
"refund:order:12:500", "payout:statement:3"): posting the same event again returns the
entry already there, and two workers racing to post it leave exactly one (the loser's
savepoint rolls back on the unique key and it reads the winner's entry).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger import integrity  # noqa: F401 - the insert-only guard and triggers
from ledger.commission import SaleLine, commission_for, share_of
from ledger.errors import LedgerError
from ledger.models import PLATFORM, Account, AccountKind, EntryKind, JournalEntry, Posting
from payments.models import PaymentMethod
from payments.services import payment_for, provider_fee_fen


def stripe_fee_bp() -> int:
    """The rate Stripe's fee is booked at where the charge reports none (localstripe has no
    balance transactions), in basis points of the amount, rounded down; see docs/ledger.md.
    ``CUNZHAN_STRIPE_FEE_BP`` (340 = 3.4 %), read when used, not at import."""
    return int(os.environ.get("CUNZHAN_STRIPE_FEE_BP") or 340)


@dataclass(frozen=True)
class Leg:
    kind: AccountKind
    owner_id: int
    amount_fen: int  # + debit, - credit


def account(session: Session, kind: AccountKind, owner_id: int) -> Account:
    """The account, opened on first use (racing openers leave one row)."""
    query = select(Account).where(Account.kind == kind, Account.owner_id == owner_id)
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            created = Account(kind=kind, owner_id=owner_id)
            session.add(created)
            session.flush()
        return created
    except IntegrityError:
        return session.scalars(query).one()


def entry_for(session: Session, event_key: str) -> JournalEntry | None:
    return session.scalar(select(JournalEntry).where(JournalEntry.event_key == event_key))


def post(
    session: Session,
    *,
    event_key: str,
    kind: EntryKind,
    legs: Sequence[Leg],
    seller_id: int | None = None,
    village_id: int | None = None,
    memo: str = "",
) -> JournalEntry:
    """Post one balanced entry for a business event, once."""
    legs = [leg for leg in legs if leg.amount_fen != 0]
    if not legs or sum(leg.amount_fen for leg in legs) != 0:
        raise LedgerError("unbalanced")
    existing = entry_for(session, event_key)
    if existing is not None:
        return existing
    accounts = [account(session, leg.kind, leg.owner_id) for leg in legs]
    try:
        with session.begin_nested():
            entry = JournalEntry(
                event_key=event_key,
                kind=kind,
                seller_id=seller_id,
                village_id=village_id,
                memo=memo[:200],
            )
            session.add(entry)
            session.flush()
            session.add_all(
                Posting(entry_id=entry.id, account_id=acc.id, amount_fen=leg.amount_fen)
                for acc, leg in zip(accounts, legs, strict=True)
            )
            session.flush()
    except IntegrityError:
        winner = entry_for(session, event_key)
        if winner is None:
            raise
        return winner
    session.refresh(entry)
    return entry


def stripe_fee_fen(session: Session, subject_ref: str, total_fen: int) -> int:
    """Stripe's fee from the charge's balance transaction; where there is none (localstripe)
    or Stripe cannot be asked, ``stripe_fee_bp()`` of the total, rounded down."""
    payment = payment_for(session, subject_ref)
    reported = provider_fee_fen(payment) if payment is not None else None
    if reported is None:
        return share_of(total_fen, stripe_fee_bp())
    return min(max(reported, 0), total_fen)


def _receipt_legs(
    session: Session, subject_ref: str, method: PaymentMethod, village_id: int, total_fen: int
) -> list[Leg]:
    """Where the buyer's money landed: the station's till, or Stripe less its fee."""
    if method is PaymentMethod.CASH:
        return [Leg(AccountKind.STATION_TILL, village_id, total_fen)]
    fee = stripe_fee_fen(session, subject_ref, total_fen)
    return [
        Leg(AccountKind.PLATFORM_ONLINE, PLATFORM, total_fen - fee),
        Leg(AccountKind.PLATFORM_FEES, PLATFORM, fee),
    ]


def post_sale(
    session: Session,
    *,
    subject_ref: str,
    kind: EntryKind = EntryKind.SALE,
    seller_id: int,
    village_id: int,
    method: PaymentMethod,
    lines: Sequence[SaleLine],
    memo: str = "",
) -> JournalEntry:
    """A sale became final: the buyer's money is split into the seller's share and the
    station's commission."""
    total = sum(line.amount_fen for line in lines)
    if total <= 0:
        raise LedgerError("amount_not_positive")
    already = entry_for(session, f"{kind.value}:{subject_ref}")
    if already is not None:
        return already  # before asking Stripe for its fee again
    commission = commission_for(session, village_id=village_id, lines=list(lines))
    legs = [
        *_receipt_legs(session, subject_ref, method, village_id, total),
        Leg(AccountKind.SELLER_PAYABLE, seller_id, -(total - commission)),
        Leg(AccountKind.STATION_COMMISSION, village_id, -commission),
    ]
    return post(
        session,
        event_key=f"{kind.value}:{subject_ref}",
        kind=kind,
        legs=legs,
        seller_id=seller_id,
        village_id=village_id,
        memo=memo,
    )


def sale_entry(session: Session, subject_ref: str) -> JournalEntry | None:
    return session.scalar(
        select(JournalEntry).where(
            JournalEntry.event_key.in_((f"sale:{subject_ref}", f"pledge:{subject_ref}"))
        )
    )


def _sum_on(entry: JournalEntry, kind: AccountKind) -> int:
    return sum(p.amount_fen for p in entry.postings if p.account.kind is kind)


def refunded_so_far(session: Session, subject_ref: str) -> int:
    """Gross refunded against a sale: what its refund entries took back from the seller
    and the station."""
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .join(Account, Posting.account_id == Account.id)
        .where(
            JournalEntry.event_key.like(f"refund:{subject_ref}:%"),
            Account.kind.in_((AccountKind.SELLER_PAYABLE, AccountKind.STATION_COMMISSION)),
        )
    )
    return int(total or 0)


def post_refund(
    session: Session, *, subject_ref: str, refunded_total_fen: int, method: PaymentMethod
) -> JournalEntry | None:
    """Money given back after the sale was booked, up to ``refunded_total_fen`` in all.

    The commission goes back in proportion, computed on the running total and rounded
    down, so a sale refunded in full returns exactly its commission. Nothing is posted
    for a subject that was never booked (refunded before it became final)."""
    sale = sale_entry(session, subject_ref)
    if sale is None or sale.seller_id is None or sale.village_id is None:
        return None
    share = -_sum_on(sale, AccountKind.SELLER_PAYABLE)
    commission = -_sum_on(sale, AccountKind.STATION_COMMISSION)
    total = share + commission
    before = refunded_so_far(session, subject_ref)
    if not before < refunded_total_fen <= total:
        return None  # nothing new (a repeated announcement), or more than was sold
    amount = refunded_total_fen - before
    commission_back = commission * refunded_total_fen // total - commission * before // total
    money = (
        AccountKind.STATION_TILL if method is PaymentMethod.CASH else AccountKind.PLATFORM_REFUNDS
    )
    money_owner = sale.village_id if method is PaymentMethod.CASH else PLATFORM
    return post(
        session,
        event_key=f"refund:{subject_ref}:{refunded_total_fen}",
        kind=EntryKind.REFUND,
        legs=[
            Leg(AccountKind.SELLER_PAYABLE, sale.seller_id, amount - commission_back),
            Leg(AccountKind.STATION_COMMISSION, sale.village_id, commission_back),
            Leg(money, money_owner, -amount),
        ],
        seller_id=sale.seller_id,
        village_id=sale.village_id,
        memo=sale.memo,
    )


def account_balance(session: Session, kind: AccountKind, owner_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(Account, Posting.account_id == Account.id)
        .where(Account.kind == kind, Account.owner_id == owner_id)
    )
    return int(total or 0)


def available_fen(session: Session, seller_id: int) -> int:
    """What the platform owes the seller now (negative after a refund of paid-out money)."""
    return -account_balance(session, AccountKind.SELLER_PAYABLE, seller_id)


# --- shipping and claims (called by the outbound-shipping code) ------------------------


def _paid_in_cash(session: Session, subject_ref: str) -> bool:
    payment = payment_for(session, subject_ref)
    return payment is not None and payment.method is PaymentMethod.CASH


def post_shipping_collected(
    session: Session, *, order_id: int, station_id: int, fee_fen: int
) -> JournalEntry:
    """A buyer paid the shipping fee of a shipped order: into the platform's Stripe account
    (or the station's till for a cash payment), owed to the station's shipping account.
    Post it when the order's payment succeeds; key ``shipping:order:N``."""
    if fee_fen <= 0:
        raise LedgerError("amount_not_positive")
    subject_ref = f"order:{order_id}"
    money = (
        Leg(AccountKind.STATION_TILL, station_id, fee_fen)
        if _paid_in_cash(session, subject_ref)
        else Leg(AccountKind.PLATFORM_ONLINE, PLATFORM, fee_fen)
    )
    return post(
        session,
        event_key=f"shipping:{subject_ref}",
        kind=EntryKind.SHIPPING,
        legs=[money, Leg(AccountKind.SHIPPING_COLLECTED, station_id, -fee_fen)],
        village_id=station_id,
        memo=f"订单 {order_id} 运费",
    )


def post_shipping_paid(
    session: Session, *, handover_id: int, station_id: int, fee_fen: int
) -> JournalEntry:
    """The courier was paid for a handover of the station's parcels: from the platform's
    account (couriers invoice the platform), charged to the station's shipping costs, so
    a station's shipping margin is its collected minus its paid. Key
    ``courier:handover:N``."""
    if fee_fen <= 0:
        raise LedgerError("amount_not_positive")
    return post(
        session,
        event_key=f"courier:handover:{handover_id}",
        kind=EntryKind.SHIPPING,
        legs=[
            Leg(AccountKind.SHIPPING_PAID, station_id, fee_fen),
            Leg(AccountKind.PLATFORM_ONLINE, PLATFORM, -fee_fen),
        ],
        village_id=station_id,
        memo=f"交接 {handover_id} 快递费",
    )


def post_claim_refund(
    session: Session, *, claim_id: int, order_id: int, seller_id: int, amount_fen: int
) -> JournalEntry:
    """Money given back on a buyer's claim after receipt. All of it comes out of the
    seller's payable (the station keeps its commission: the goods were the seller's); if
    the seller was already paid out, their balance goes negative and the next statement
    carries it. Key ``refund:order:N:claim:M``: it counts as refunded for the order, so
    when the claim's money then goes back through ``payments.refund_payment`` in the same
    transaction, the refund announcement finds it booked and posts nothing more. Call
    this first, then refund the payment."""
    if amount_fen <= 0:
        raise LedgerError("amount_not_positive")
    subject_ref = f"order:{order_id}"
    sale = sale_entry(session, subject_ref)
    if sale is not None:
        sold = -_sum_on(sale, AccountKind.SELLER_PAYABLE) - _sum_on(
            sale, AccountKind.STATION_COMMISSION
        )
        if refunded_so_far(session, subject_ref) + amount_fen > sold:
            raise LedgerError("claim_too_large")
    station_id = sale.village_id if sale is not None else None
    money = (
        Leg(AccountKind.STATION_TILL, station_id, -amount_fen)
        if station_id is not None and _paid_in_cash(session, subject_ref)
        else Leg(AccountKind.PLATFORM_REFUNDS, PLATFORM, -amount_fen)
    )
    return post(
        session,
        event_key=f"refund:{subject_ref}:claim:{claim_id}",
        kind=EntryKind.CLAIM,
        legs=[Leg(AccountKind.SELLER_PAYABLE, seller_id, amount_fen), money],
        seller_id=seller_id,
        village_id=station_id,
        memo=sale.memo if sale is not None else f"订单 {order_id}",
    )
