"""What the order flow announces. ``order_packed`` is sent with ``order=`` and ``session=``
when a seller packs an order; door-delivery orders become logistics delivery items."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_packed = _signals.signal("order-packed")
