"""The ledger postings of shipped orders, in one place for the merge.

Another branch adds ``ledger.services.post_shipping_collected(session, *, order_id,
station_id, fee_fen)`` and ``post_claim_refund(session, *, claim_id, order_id, seller_id,
amount_fen)``. Until it is merged this branch's ledger has neither, and these calls post
nothing (they answer False); once merged they post through the ledger's own functions.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import services as ledger


def shipping_collected(session: Session, *, order_id: int, station_id: int, fee_fen: int) -> bool:
    """Book the courier fee a paid shipped order collected for its station."""
    post = getattr(ledger, "post_shipping_collected", None)
    if post is None or fee_fen == 0:
        return False
    post(session, order_id=order_id, station_id=station_id, fee_fen=fee_fen)
    return True


def claim_refund(
    session: Session, *, claim_id: int, order_id: int, seller_id: int, amount_fen: int
) -> bool:
    """Book a claim's refund against the seller's earnings."""
    post = getattr(ledger, "post_claim_refund", None)
    if post is None:
        return False
    post(session, claim_id=claim_id, order_id=order_id, seller_id=seller_id, amount_fen=amount_fen)
    return True
