"""What logistics announces; ``shop`` connects its handlers (logistics imports no shop code).

Every signal is sent with the parcel (or uplink) as sender and ``session=`` the session of the
transaction, so a handler's writes commit or roll back together with the event.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

parcel_delivered = _signals.signal("parcel-delivered")
parcel_picked_up = _signals.signal("parcel-picked-up")
parcel_failed = _signals.signal("parcel-failed")
uplink_collected = _signals.signal("uplink-collected")
#: An outbound parcel went to a courier: ``order_id=``, ``courier=`` (a ``Courier``) and
#: ``waybill=`` besides ``session=``.
outbound_handed_over = _signals.signal("outbound-handed-over")
#: The cadre did a stop's task (an errand, a care visit: ``logistics.extra_stops``); sent with
#: the ``StopTask`` as sender, ``cadre_id=``, ``at=`` and ``raised=`` (``(category, details)``
#: of a request the household raised at the visit, or None) besides ``session=``.
stop_visited = _signals.signal("stop-visited")
