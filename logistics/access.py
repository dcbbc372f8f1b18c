"""Which township or station a signed-in user works for (object-level checks of services)."""

from __future__ import annotations

from flask_babel import gettext as _

from core.errors import Forbidden
from core.models import Role, User


def dispatcher_township(user: User) -> int:
    """The township a dispatcher works for (their grant carries it)."""
    for grant in user.grants:
        if grant.role == Role.DISPATCHER and grant.township_id is not None:
            return grant.township_id
    raise Forbidden(_("您没有负责的乡镇"))


def agent_village(user: User) -> int:
    """The station (village) of an agent; the first one if they keep several."""
    villages = sorted(user.villages_for(Role.AGENT))
    if not villages:
        raise Forbidden(_("您没有负责的村站"))
    return villages[0]
