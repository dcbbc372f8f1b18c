"""What the order flow announces, each with ``order=`` and ``session=``.

``order_packed``: a seller packed an order (door-delivery orders become logistics delivery
items). ``order_ready``: a pickup order is on the buyer's station shelf. ``order_picked_up``:
the buyer collected it. Notices to the buyer hang on these.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_packed = _signals.signal("order-packed")
order_ready = _signals.signal("order-ready")
order_picked_up = _signals.signal("order-picked-up")
