"""The card hold of an online pledge, asked for once the pledge is committed."""

from __future__ import annotations

from flask import current_app

from core.errors import Conflict
from core.flask_db import unit_of_work
from payments.services import open_online_intent, payment_for


def request_card_hold(subject_ref: str) -> bool:
    """Ask the provider for the hold in a transaction of its own (the pledge and its
    idempotency key are already on disk). False when the provider could not be reached:
    the pledge stands, and its pay page offers a retry with the same key."""
    try:
        with unit_of_work() as session:
            payment = payment_for(session, subject_ref)
            if payment is not None:
                open_online_intent(session, payment_id=payment.id)
    except Conflict as error:
        current_app.logger.warning("card hold for %s not opened: %s", subject_ref, error.message)
        return False
    return True
