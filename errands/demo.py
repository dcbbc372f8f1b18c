"""Demo errands: two grids per village (the first answered by the village's cadre, the second
by a party member among the villagers), and in the first villages requests in every state,
one of them past its limit and escalated. On the third cadre's afternoon round (13900000303,
their second village), an accepted certificate errand to collect documents for and care-visit
households, planned again with them (every other round stays as the logistics demo planned
it: the browser journeys count on those stops)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import DemoTownship
from core.models import Household, Role, User
from core.timeutil import local_today, utcnow
from errands import visits
from errands.deadlines import check_deadlines
from errands.grids import create_grid, put_households
from errands.models import CareHousehold, CareReason, Category, Channel, Satisfaction
from errands.services import Hotline, accept, close, file_for_self, file_request, mark_done, start
from logistics import planning
from logistics.demo import DEMO_PLAN
from logistics.models import DeliveryWindow

VILLAGES_WITH_REQUESTS = 3
# (category, details, how far it got, days ago it was filed)
SAMPLES = (
    (Category.CERTIFICATE, "孩子上学要开居住证明", "filed", 0),
    (Category.INSURANCE, "帮忙续交今年的城乡居民医保", "accepted", 1),
    (Category.REPAIR, "屋后的水泵不出水了", "in_progress", 2),
    (Category.SHOPPING, "腿脚不便，请帮买米和食用油", "done", 1),
    (Category.BILL_PAYMENT, "代缴这个月的电费", "closed", 3),
    (Category.FARMING_ADVICE, "水稻叶子发黄，想测一下土", "closed", 6),
    (Category.OTHER, "问一下危房改造补贴怎么申请", "filed", 14),  # long past its limit
)


def _cadre_of(demo: DemoTownship, village_id: int) -> User:
    return next(c for c in demo.cadres if village_id in c.villages_for(Role.CADRE))


def _grids(session: Session, demo: DemoTownship) -> dict[int, list[User]]:
    """Make the grids; answers each village's villagers (with a household) in order."""
    homes: dict[int, list[Household]] = defaultdict(list)
    for household in demo.households:
        homes[household.village_id].append(household)
    villagers: dict[int, list[User]] = defaultdict(list)
    for user in demo.villagers:
        if user.household is not None:
            villagers[user.household.village_id].append(user)
    for village in demo.villages:
        households = homes[village.id]
        half = len(households) // 2
        party_member = villagers[village.id][-1]
        first = create_grid(
            session, village_id=village.id, name="一组", member_id=_cadre_of(demo, village.id).id
        )
        second = create_grid(session, village_id=village.id, name="二组", member_id=party_member.id)
        put_households(session, grid=first, household_ids=[h.id for h in households[:half]])
        put_households(session, grid=second, household_ids=[h.id for h in households[half:]])
    return villagers


def _walk(session: Session, request_id: int, member: User, stage: str, at: dt.datetime) -> None:
    """Take a filed request as far as ``stage`` (closed after a return call)."""
    order = ("accepted", "in_progress", "done", "closed")
    steps = order[: order.index(stage) + 1] if stage in order else ()
    if "accepted" in steps:
        accept(session, member=member, request_id=request_id, now=at + dt.timedelta(hours=1))
    if "in_progress" in steps:
        start(session, member=member, request_id=request_id, now=at + dt.timedelta(hours=2))
    if "done" in steps:
        mark_done(session, member=member, request_id=request_id, now=at + dt.timedelta(hours=20))


def load_errands_demo(session: Session, demo: DemoTownship) -> None:
    villagers = _grids(session, demo)
    now = utcnow()
    for village, agent in zip(demo.villages[:VILLAGES_WITH_REQUESTS], demo.agents, strict=False):
        people = villagers[village.id]
        for number, (category, details, stage, days_ago) in enumerate(SAMPLES):
            villager = people[(number * 3 + 1) % len(people)]
            filed_at = now - dt.timedelta(days=days_ago, hours=2)
            if number % 2:
                request = file_for_self(
                    session, villager=villager, category=category, details=details, now=filed_at
                )
            else:
                assert villager.household is not None
                request = file_request(
                    session,
                    filed_by=agent,
                    household=villager.household,
                    category=category,
                    details=details,
                    channel=Channel.HOTLINE,
                    hotline=Hotline(villager.name, villager.household.phone, filed_at),
                    now=filed_at,
                )
            member = session.get_one(User, request.assignee_id)
            _walk(session, request.id, member, stage, filed_at)
            if stage == "closed":
                close(
                    session,
                    actor=agent,
                    request_id=request.id,
                    satisfaction=Satisfaction.SATISFIED if number % 3 else Satisfaction.BASICALLY,
                    now=filed_at + dt.timedelta(days=1),
                )
    check_deadlines(session, now=now)
    _on_the_round(session, demo, now)


# (reason, every N days, days since the last visit or None): the first two are due today.
CARES = (
    (CareReason.ELDERLY_ALONE, 7, None),
    (CareReason.DISABLED, 14, 15),
    (CareReason.IN_DIFFICULTY, 30, 3),  # visited 3 days ago: not due
)


#: The cadre (1-based, as in the demo phone numbers) whose rounds carry the demo's visits.
CADRE_WITH_VISITS = 3


def _on_the_round(session: Session, demo: DemoTownship, now: dt.datetime) -> None:
    """An accepted certificate errand to collect documents for, and care households, in the
    second village of one cadre, whose round of today is planned again to carry them."""
    visits.connect()  # as the app does at start-up (the demo may load without it)
    village_id = max(demo.cadres[CADRE_WITH_VISITS - 1].villages_for(Role.CADRE))
    villages = [v for v in demo.villages if v.id == village_id]
    agents = {v: a for a in demo.agents for v in a.villages_for(Role.AGENT)}
    for village in villages:
        agent = agents[village.id]
        # households without a delivery window: any time of the cadre's shift suits them
        windowed = set(session.scalars(select(DeliveryWindow.household_id)))
        homes = [h for h in demo.households if h.village_id == village.id and h.id not in windowed]
        request = file_request(
            session,
            filed_by=agent,
            household=homes[0],
            category=Category.CERTIFICATE,
            details="开无犯罪记录证明，材料请上门来取",
            channel=Channel.COUNTER,
            now=now - dt.timedelta(hours=3),
        )
        member = session.get_one(User, request.assignee_id)
        accept(session, member=member, request_id=request.id, now=now - dt.timedelta(hours=2))
        for home, (reason, every_days, days_ago) in zip(homes[-len(CARES) :], CARES, strict=True):
            visited = None if days_ago is None else now - dt.timedelta(days=days_ago)
            session.add(
                CareHousehold(
                    household_id=home.id,
                    village_id=village.id,
                    reason=reason,
                    every_days=every_days,
                    marked_by_id=agent.id,
                    marked_at=now - dt.timedelta(days=30),
                    last_visited_at=visited,
                )
            )
    session.flush()
    runs = planning.start_runs(session, village_ids=[v.id for v in villages], day=local_today())
    planning.plan_runs_inline(session, runs=runs, options=DEMO_PLAN)
