"""The outbound half of 农产品进城 as the shop calls it (logistics imports no shop code).

The shop opens a parcel for each paid order that ships, asks for a collection for the farmer,
follows it for the buyer and cancels it with the order; it hears of the handover to the courier
through ``logistics.signals.outbound_handed_over``. See docs/outbound.md.
"""

from logistics.outbound.parcels import cancel_outbound, open_outbound, request_collection
from logistics.outbound.tracking import Tracking, tracking_for_order

__all__ = [
    "Tracking",
    "cancel_outbound",
    "open_outbound",
    "request_collection",
    "tracking_for_order",
]
