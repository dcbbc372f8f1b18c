"""Which township or station a signed-in user works for (object-level checks of services)."""

from __future__ import annotations

from core.models import Role, User
from logistics.errors import LogisticsError


def dispatcher_township(user: User) -> int:
    """The township a dispatcher works for (their grant carries it)."""
    for grant in user.grants:
        if grant.role == Role.DISPATCHER and grant.township_id is not None:
            return grant.township_id
    raise LogisticsError("no_township")


def agent_village(user: User) -> int:
    """The station (village) of an agent; the first one if they keep several."""
    villages = sorted(user.villages_for(Role.AGENT))
    if not villages:
        raise LogisticsError("no_station")
    return villages[0]
