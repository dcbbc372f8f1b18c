"""Requests from filing to closing, on SQLite and PostgreSQL: routing to the grid's member,
the state machine, reassigning, the timeline, the working-day clock and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core import accounts
from core.accounts import HouseholdInput
from core.errors import CoreError
from core.notices.models import Notice, NoticeKind
from errands.access import visible_request
from errands.errors import ErrandError
from errands.models import Category, Channel, ErrandRequest, RequestStatus, Satisfaction, StepKind
from errands.services import (
    Hotline,
    accept,
    close,
    file_for_self,
    file_request,
    mark_done,
    offered_categories,
    reassign,
    set_offered_categories,
    station_household,
)
from errands.workdays import add_working_days, due_moment, is_working_day
from tests.conftest import phone_of
from tests.errands.conftest import Errands

FRIDAY_NOON = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def _file(w: Errands) -> ErrandRequest:
    return file_for_self(
        w.db,
        villager=w.villager,
        category=Category.CERTIFICATE,
        details="开低保证明",
        now=FRIDAY_NOON,
    )


def _status(request: ErrandRequest) -> RequestStatus:
    """Read anew (mypy would keep the status narrowed by an earlier assert)."""
    return request.status


def test_a_request_goes_to_the_grid_member_with_its_clock(errands: Errands) -> None:
    request = _file(errands)
    assert request.assignee_id == errands.member_a.id
    assert request.grid_id == errands.grid_a.id
    assert request.status == RequestStatus.FILED
    assert request.channel == Channel.PHONE_APP
    assert request.needs_visit and request.service_minutes == 10
    # 3 working days after Friday 27 Nov: Mon, Tue, Wed → due at the end of Wed 2 Dec.
    assert request.due_at == dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)
    assert request.remind_at == FRIDAY_NOON + (request.due_at - FRIDAY_NOON) * 0.8
    assert [s.kind for s in request.steps] == [StepKind.FILED]
    assert request.steps[0].actor_id == errands.villager.id


def test_weekends_and_public_holidays_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2026, 11, 28))  # a Saturday
    assert not is_working_day(dt.date(2026, 10, 1))  # National Day
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)
    assert add_working_days(dt.date(2026, 9, 30), 1) > dt.date(2026, 10, 7)
    # A year not announced yet: weekends only.
    assert add_working_days(dt.date(2027, 12, 31), 1) == dt.date(2028, 1, 3)
    assert due_moment(FRIDAY_NOON, 1) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)


def test_accept_do_and_close_record_who_and_when(errands: Errands) -> None:
    w = errands
    request = _file(w)
    accept(w.db, member=w.member_a, request_id=request.id, now=FRIDAY_NOON)
    mark_done(w.db, member=w.member_a, request_id=request.id, note="已送到家", now=FRIDAY_NOON)
    assert request.status == RequestStatus.DONE and request.on_time()
    done_notice = w.db.scalar(select(Notice).where(Notice.user_id == w.villager.id))
    assert done_notice is not None and done_notice.kind == NoticeKind.ERRAND_DONE
    close(w.db, actor=w.agent, request_id=request.id, satisfaction=Satisfaction.SATISFIED)
    assert _status(request) == RequestStatus.CLOSED
    assert request.satisfaction == Satisfaction.SATISFIED
    assert request.satisfaction_by_villager is False  # the agent's return call
    kinds = [(s.kind, s.actor_id) for s in request.steps]
    assert kinds == [
        (StepKind.FILED, w.villager.id),
        (StepKind.ACCEPTED, w.member_a.id),
        (StepKind.DONE, w.member_a.id),
        (StepKind.CLOSED, w.agent.id),
    ]


def test_the_villager_closes_their_own_with_satisfaction(errands: Errands) -> None:
    w = errands
    request = _file(w)
    accept(w.db, member=w.member_a, request_id=request.id)
    mark_done(w.db, member=w.member_a, request_id=request.id)
    close(w.db, actor=w.villager, request_id=request.id, satisfaction=Satisfaction.BASICALLY)
    assert request.satisfaction_by_villager is True


def test_the_state_machine_refuses_skipped_steps(errands: Errands) -> None:
    w = errands
    request = _file(w)
    with pytest.raises(CoreError) as refused:
        mark_done(w.db, member=w.member_a, request_id=request.id)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(CoreError):
        close(w.db, actor=w.agent, request_id=request.id, satisfaction=Satisfaction.SATISFIED)


def test_only_the_assignee_accepts_and_the_agent_reassigns(errands: Errands) -> None:
    w = errands
    request = _file(w)
    with pytest.raises(ErrandError) as refused:
        accept(w.db, member=w.member_b, request_id=request.id)
    assert refused.value.code == "not_yours"
    accept(w.db, member=w.member_a, request_id=request.id)
    reassign(w.db, agent=w.agent, request_id=request.id, member_id=w.member_b.id)
    assert request.status == RequestStatus.FILED and request.assignee_id == w.member_b.id
    accept(w.db, member=w.member_b, request_id=request.id)
    assert [s.kind for s in request.steps][-2:] == [StepKind.REASSIGNED, StepKind.ACCEPTED]
    with pytest.raises(ErrandError) as stranger:
        reassign(w.db, agent=w.agent, request_id=request.id, member_id=w.neighbour.id)
    assert stranger.value.code == "member_not_found"


def test_the_agent_files_a_hotline_call_for_a_household(errands: Errands) -> None:
    w = errands
    household = station_household(w.db, agent=w.agent, who=phone_of(w.neighbour))
    called = FRIDAY_NOON - dt.timedelta(minutes=5)
    request = file_request(
        w.db,
        filed_by=w.agent,
        household=household,
        category=Category.REPAIR,
        details="水泵坏了",
        channel=Channel.HOTLINE,
        hotline=Hotline("李奶奶", "13700000004", called, FRIDAY_NOON + dt.timedelta(hours=2)),
        now=FRIDAY_NOON,
    )
    assert request.assignee_id == w.member_b.id and request.caller_name == "李奶奶"
    with pytest.raises(ErrandError) as no_caller:
        file_request(
            w.db,
            filed_by=w.agent,
            household=household,
            category=Category.REPAIR,
            details="水泵坏了",
            channel=Channel.HOTLINE,
        )
    assert no_caller.value.code == "caller_required"
    with pytest.raises(ErrandError):
        station_household(w.db, agent=w.agent, who="13999999999")


def test_the_station_finds_a_household_by_phone_or_by_its_heads_name(errands: Errands) -> None:
    """An old villager living alone may have no phone: the counter names the head instead."""
    w = errands
    home = accounts.register_household(
        w.db, agent=w.agent, data=HouseholdInput(name="孙奶奶", phone="", lane="后山 2 号")
    ).user.household
    assert station_household(w.db, agent=w.agent, who=" 孙奶奶 ") is home
    accounts.register_household(
        w.db, agent=w.agent, data=HouseholdInput(name="孙奶奶", phone="", lane="河边 5 号")
    )
    with pytest.raises(ErrandError) as shared:
        station_household(w.db, agent=w.agent, who="孙奶奶")
    assert shared.value.code == "household_name_shared"
    with pytest.raises(ErrandError) as nobody:
        station_household(w.db, agent=w.agent, who="没这个人")
    assert nobody.value.code == "household_not_found"


def test_each_sees_only_their_own(errands: Errands) -> None:
    w = errands
    mine = _file(w)
    theirs = file_for_self(w.db, villager=w.neighbour, category=Category.OTHER, details="问事")
    for user in (w.villager, w.member_a, w.agent, w.dispatcher):
        assert visible_request(w.db, user, mine.id) is mine
    for user, other in ((w.villager, theirs), (w.member_a, theirs), (w.neighbour, mine)):
        with pytest.raises(ErrandError) as refused:
            visible_request(w.db, user, other.id)
        assert refused.value.code == "not_yours"
    with pytest.raises(ErrandError) as missing:
        visible_request(w.db, w.villager, 2**31 - 1)
    assert missing.value.code == "request_not_found"


def test_details_are_required(errands: Errands) -> None:
    with pytest.raises(ErrandError) as refused:
        file_for_self(errands.db, villager=errands.villager, category=Category.OTHER, details=" ")
    assert refused.value.code == "details_required"


def test_the_station_offers_only_its_service_list_but_a_visit_is_recorded(
    errands: Errands,
) -> None:
    w = errands
    offered = set_offered_categories(w.db, agent=w.agent, categories=[Category.OTHER])
    assert offered == [Category.OTHER]
    with pytest.raises(ErrandError) as refused:
        file_for_self(w.db, villager=w.villager, category=Category.REPAIR, details="修门")
    assert refused.value.code == "category_not_offered" and refused.value.status == 422
    raised = file_request(
        w.db,
        filed_by=w.member_a,
        household=w.villager.household,  # type: ignore[arg-type]
        category=Category.REPAIR,
        details="走访时说门坏了",
        channel=Channel.VISIT,
    )
    assert raised.category is Category.REPAIR
    with pytest.raises(ErrandError) as emptied:
        set_offered_categories(w.db, agent=w.agent, categories=[])
    assert emptied.value.code == "no_category_offered"
    assert offered_categories(w.db, w.village.id) == [Category.OTHER]
    assert offered_categories(w.db, w.dispatcher.household.village_id) == list(Category)  # type: ignore[union-attr]
