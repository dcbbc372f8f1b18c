"""The services other packages call: ``shop`` hands over packed orders and group-buy goods
(``add_delivery_item``), shows their buyer the code the cadre asks for at the door
(``door_code``) and farmers' produce to send out (``announce_uplink``), and listens to
``logistics.signals`` for what happened to them.

The services themselves live by subject: ``intake`` (hub), ``depot`` (station), ``planning``,
``rounds`` (the cadre's confirmations) and ``tracking`` (read-only views).
"""

from __future__ import annotations

from logistics.intake import add_delivery_item, announce_uplink
from logistics.models import Priority
from logistics.tracking import door_code

__all__ = ["Priority", "add_delivery_item", "announce_uplink", "door_code"]
