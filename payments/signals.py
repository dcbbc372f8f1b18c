"""What payments announces; shop connects these to orders and pledges.

Each signal is sent with ``payment=`` (the Payment) and ``session=`` (the open session),
so receivers change their own records inside the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

payment_authorised = _signals.signal("payment-authorised")
payment_succeeded = _signals.signal("payment-succeeded")
payment_failed = _signals.signal("payment-failed")
payment_cancelled = _signals.signal("payment-cancelled")
payment_refunded = _signals.signal("payment-refunded")
