"""The services other packages call (``shop`` hands over packed orders and group-buy goods).

The services themselves live by subject: ``intake`` (hub), ``depot`` (station), ``planning``,
``rounds`` (the cadre's confirmations) and ``tracking`` (read-only views).
"""

from __future__ import annotations

from logistics.intake import add_delivery_item
from logistics.models import Priority

__all__ = ["Priority", "add_delivery_item"]
