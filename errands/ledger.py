"""Reading the requests: the ledger (台账) search, the overdue list and the monthly report.

The monthly report counts the requests *filed* in the month (local time): how many, how many
closed, done within their limit, overdue (done late, or still open past the limit), and the
households' satisfaction, per village, category and member.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session, selectinload

from core.models import Household
from core.timeutil import LOCAL_ZONE, utcnow
from errands.errors import ErrandError
from errands.models import OPEN_STATUSES, ErrandRequest, RequestStep, Satisfaction

LEDGER_LIMIT = 100
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# Loaded with every request listed: its timeline (and who took each step), household,
# member and village.
WITH_TIMELINE = (
    selectinload(ErrandRequest.steps).selectinload(RequestStep.actor),
    selectinload(ErrandRequest.household),
    selectinload(ErrandRequest.assignee),
    selectinload(ErrandRequest.village),
)


def search(
    session: Session, *, village_ids: Sequence[int], text: str = "", limit: int = LEDGER_LIMIT
) -> list[ErrandRequest]:
    """The villages' requests, newest first; ``text`` matches the number, the details, the
    household's name or phone."""
    query = (
        select(ErrandRequest)
        .join(Household, Household.id == ErrandRequest.household_id)
        .where(ErrandRequest.village_id.in_(village_ids))
    )
    text = text.strip()[:60]
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                cast(ErrandRequest.id, String) == text,
                ErrandRequest.details.ilike(pattern),
                Household.head_name.ilike(pattern),
                Household.phone.ilike(pattern),
            )
        )
    query = query.order_by(ErrandRequest.filed_at.desc(), ErrandRequest.id.desc()).limit(limit)
    return list(session.scalars(query.options(*WITH_TIMELINE)))


def overdue(
    session: Session, *, village_ids: Sequence[int], now: dt.datetime | None = None
) -> list[ErrandRequest]:
    """Open requests past their limit, by village, member and due time."""
    query = (
        select(ErrandRequest)
        .where(
            ErrandRequest.village_id.in_(village_ids),
            ErrandRequest.status.in_(OPEN_STATUSES),
            ErrandRequest.due_at < (now or utcnow()),
        )
        .order_by(ErrandRequest.village_id, ErrandRequest.assignee_id, ErrandRequest.due_at)
    )
    return list(session.scalars(query.options(*WITH_TIMELINE)))


# --- the monthly report ---------------------------------------------------------------


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """``2026-11`` as the first day of that month; the current month when not given."""
    if not value:
        return today.replace(day=1)
    match = _MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ErrandError("bad_month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(month, dt.time(0), tzinfo=LOCAL_ZONE)
    end = dt.datetime.combine(following, dt.time(0), tzinfo=LOCAL_ZONE)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass
class Tally:
    filed: int = 0
    closed: int = 0
    on_time: int = 0
    overdue: int = 0
    satisfaction: dict[Satisfaction, int] = field(
        default_factory=lambda: dict.fromkeys(Satisfaction, 0)
    )

    def count(self, request: ErrandRequest, now: dt.datetime) -> None:
        self.filed += 1
        self.closed += request.closed_at is not None
        on_time = request.on_time()
        self.on_time += on_time is True
        self.overdue += on_time is False or (on_time is None and request.due_at < now)
        if request.satisfaction is not None:
            self.satisfaction[request.satisfaction] += 1

    @property
    def rated(self) -> int:
        return sum(self.satisfaction.values())

    @property
    def satisfaction_percent(self) -> int | None:
        """Satisfied or basically satisfied, of those who answered."""
        if not self.rated:
            return None
        pleased = self.rated - self.satisfaction[Satisfaction.DISSATISFIED]
        return round(100 * pleased / self.rated)


@dataclass
class MonthlyReport:
    month: dt.date
    total: Tally
    by_village: dict[str, Tally]
    by_category: dict[str, Tally]
    by_member: dict[str, Tally]

    def sections(self) -> Iterable[tuple[str, dict[str, Tally]]]:
        return (
            ("village", self.by_village),
            ("category", self.by_category),
            ("member", self.by_member),
        )


def monthly_report(
    session: Session,
    *,
    village_ids: Sequence[int],
    month: dt.date,
    unassigned: str,
    now: dt.datetime | None = None,
) -> MonthlyReport:
    """The month's requests of the villages, counted as the module says."""
    now = now or utcnow()
    start, end = _month_bounds(month)
    requests = session.scalars(
        select(ErrandRequest)
        .where(
            ErrandRequest.village_id.in_(village_ids),
            ErrandRequest.filed_at >= start,
            ErrandRequest.filed_at < end,
        )
        .order_by(ErrandRequest.id)
        .options(*WITH_TIMELINE)
    )
    total = Tally()
    groups: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for request in requests:
        total.count(request, now)
        groups["village"][request.village.name].count(request, now)
        groups["category"][request.category.label].count(request, now)
        member = request.assignee.name if request.assignee else unassigned
        groups["member"][member].count(request, now)
    return MonthlyReport(
        month=month,
        total=total,
        by_village=dict(sorted(groups["village"].items())),
        by_category=dict(sorted(groups["category"].items())),
        by_member=dict(sorted(groups["member"].items())),
    )
