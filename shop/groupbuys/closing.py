"""Closing a campaign across several transactions, so no provider call runs inside a
long-held lock: claim (one winner), settle each pledge on its own, then finish.

A run that fails part-way leaves the campaign ``closing``; settled pledges stay settled
and a later run (after the lease) resumes with the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.errors import CunzhanError
from core.timeutil import utcnow
from shop.groupbuys import services
from shop.groupbuys.models import CampaignStatus


@dataclass
class CloseResult:
    claimed: bool
    status: CampaignStatus | None = None
    settled: int = 0
    problems: list[str] = field(default_factory=list)


def close_campaign(
    sessions: sessionmaker[Session],
    campaign_id: int,
    *,
    now: dt.datetime | None = None,
    early: bool = False,
) -> CloseResult:
    now = now or utcnow()
    with transaction(sessions) as session:
        if not services.claim_for_closing(session, campaign_id=campaign_id, now=now, early=early):
            return CloseResult(claimed=False)
        pledge_ids = services.pledge_ids(session, campaign_id=campaign_id)
    result = CloseResult(claimed=True, status=CampaignStatus.CLOSING)
    for pledge_id in pledge_ids:
        try:
            with transaction(sessions) as session:
                services.settle_pledge(session, pledge_id=pledge_id)
            result.settled += 1
        except CunzhanError as error:
            result.problems.append(f"pledge {pledge_id}: {error.message}")
    if result.problems:
        return result
    with transaction(sessions) as session:
        campaign = services.finish_closing(session, campaign_id=campaign_id, now=now)
        result.status = campaign.status
    return result


def close_due_campaigns(
    sessions: sessionmaker[Session], *, now: dt.datetime | None = None
) -> list[CloseResult]:
    now = now or utcnow()
    with transaction(sessions) as session:
        due = services.due_campaign_ids(session, now=now)
        lapsing = services.lapsing_campaign_ids(session, now=now)
    return [close_campaign(sessions, campaign_id, now=now) for campaign_id in due] + [
        close_campaign(sessions, campaign_id, now=now, early=True)
        for campaign_id in lapsing
        if campaign_id not in due
    ]
