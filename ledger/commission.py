"""What a station keeps of a sale, and Stripe's fee, in integer fen.

Rounding rule: a fee or a commission is ``amount × rate_bp / 10000`` rounded DOWN to the
fen (in the payer's favour: the seller for commission, the platform for the fee); the
seller's share is the order's total minus the commission, so the parts always add up to
the total and no fen is created or lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import CommissionRate

BASIS_POINTS = 10_000
DEFAULT_RATE_BP = 500  # 5 % where a station has set nothing
DEFAULT_LOCAL_RATE_BP = 0  # a station's own village's produce: nothing by default
ANY_CATEGORY = "*"


@dataclass(frozen=True)
class SaleLine:
    """What the ledger needs to know of an order line (it does not know products)."""

    category: str
    origin_village_id: int
    amount_fen: int


def share_of(amount_fen: int, rate_bp: int) -> int:
    """``amount × rate`` in fen, rounded down; exact in integers."""
    if amount_fen < 0 or not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError("amount must be >= 0 and the rate within 0..10000 bp")
    return amount_fen * rate_bp // BASIS_POINTS


def rate_for(session: Session, *, village_id: int, category: str, local: bool) -> int:
    rows = {
        row.category: row
        for row in session.scalars(
            select(CommissionRate).where(
                CommissionRate.village_id == village_id,
                CommissionRate.category.in_((category, ANY_CATEGORY)),
            )
        )
    }
    row = rows.get(category) or rows.get(ANY_CATEGORY)
    if row is None:
        return DEFAULT_LOCAL_RATE_BP if local else DEFAULT_RATE_BP
    return row.local_rate_bp if local else row.rate_bp


def commission_for(session: Session, *, village_id: int, lines: list[SaleLine]) -> int:
    """The station's commission on a sale: each line at its category's rate, rounded
    down per line (so a cheap line may carry none)."""
    return sum(
        share_of(
            line.amount_fen,
            rate_for(
                session,
                village_id=village_id,
                category=line.category,
                local=line.origin_village_id == village_id,
            ),
        )
        for line in lines
    )


def set_rate(
    session: Session, *, village_id: int, category: str, rate_bp: int, local_rate_bp: int
) -> CommissionRate:
    row = session.scalar(
        select(CommissionRate).where(
            CommissionRate.village_id == village_id, CommissionRate.category == category
        )
    )
    if row is None:
        row = CommissionRate(village_id=village_id, category=category)
        session.add(row)
    row.rate_bp, row.local_rate_bp = rate_bp, local_rate_bp
    session.flush()
    return row
