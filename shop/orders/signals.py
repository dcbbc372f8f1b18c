"""What the order flow announces, with ``order=`` and ``session=``. ``order_packed``: a
seller packed an order (door-delivery orders become logistics delivery items).
``order_completed``: the order became final (picked up or delivered): the ledger books it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_packed = _signals.signal("order-packed")
order_completed = _signals.signal("order-completed")
