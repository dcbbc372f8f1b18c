"""An errand on the cadre's round, on a real phone browser (Chromium, Pixel 7, 412 px, Chinese).

The station's agent files a certificate errand for a household that has parcels waiting; its
grid member accepts it; the village is planned again (as 重新规划 does): the household is one
stop with its parcels and the errand, showing what to bring and what to collect. The cadre,
without signal, records the errand done with a note and hands over the parcel with its code;
the signal returns, the outbox replays, and the request is done with the cadre's steps on its
timeline, which the agent sees.

This file runs before test_cadre_round.py on the shared demo server, while the third cadre's
morning round has not set off yet (a round under way is never planned again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

import routing
from core.db import transaction
from core.demo import demo_phone
from core.models import Role, User
from core.timeutil import local_today
from errands.models import Category, Channel, ErrandRequest, RequestStatus, StepKind
from errands.services import accept, file_request
from logistics import planning
from logistics.models import Round, RoundStatus, Stop, StopStatus
from tests.conftest import LiveServer, phone_of
from tests.e2e.phone import shot, sign_in
from tests.e2e.test_cadre_round import _database, cadre_shot, expect_bar, wait_until_controlled

CADRE = demo_phone(3, 3)


@dataclass(frozen=True)
class Errand:
    stop_id: int
    request_id: int
    code: str  # of a parcel at the same stop
    agent_phone: str


def _errand_at_a_parcel_stop(live_server: LiveServer) -> Errand:
    """File and accept a certificate errand for a household on the cadre's first round that
    has a parcel, and plan its village again."""
    with transaction(_database(live_server).write_sessions) as session:
        cadre = session.scalars(select(User).where(User.phone == CADRE)).one()
        first = session.scalars(
            select(Round)
            .where(Round.cadre_id == cadre.id, Round.day == local_today())
            .where(Round.status == RoundStatus.PLANNED)
            .order_by(Round.departure)
        ).first()
        assert first is not None, "the third cadre's morning round has not set off"
        home = next(s.household for s in first.stops if s.parcels and not s.tasks)
        agent = next(
            u
            for u in session.scalars(select(User).where(User.phone.like("139000002%")))
            if first.village_id in u.villages_for(Role.AGENT)
        )
        request = file_request(
            session,
            filed_by=agent,
            household=home,
            category=Category.CERTIFICATE,
            details="开低保证明，请上门收材料",
            channel=Channel.COUNTER,
        )
        assert request.assignee is not None
        accept(session, member=request.assignee, request_id=request.id)
        [run] = planning.start_runs(session, village_ids=[first.village_id], day=local_today())
        options = routing.SolveOptions(seconds=1.0, workers=1)
        planning.plan_run(session, run=run, options=options)
        stop = session.scalars(
            select(Stop)
            .join(Round)
            .where(Stop.household_id == home.id, Stop.status == StopStatus.PENDING)
            .where(Round.status == RoundStatus.PLANNED)
        ).one()
        assert [t.reference for t in stop.tasks] == [request.reference] and stop.parcels
        code = stop.parcels[0].pickup_code
        assert code is not None
        return Errand(stop.id, request.id, code, phone_of(agent))


def test_the_cadre_does_an_errand_offline_with_the_parcels_and_the_request_is_done(
    page: Page,
    context: BrowserContext,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
) -> None:
    base = live_server.url
    errand = _errand_at_a_parcel_stop(live_server)
    stop_id, request_id = errand.stop_id, errand.request_id

    sign_in(page, base, CADRE, then="/cadre/today")
    wait_until_controlled(page)
    expect_bar(page, r"^已同步 \d\d:\d\d$")
    shown = page.locator(f"#stop-{stop_id}")
    if "is-next" not in (shown.get_attribute("class") or ""):
        shown.get_by_role("button", name="先去这家").click()  # online: the order syncs at once
    expect(shown).to_have_class(re.compile(r"\bis-next\b"))
    expect(shown.locator(".tasks")).to_contain_text("开具证明：开低保证明，请上门收材料")
    expect(shown.locator(".collect")).to_have_text("带回：开证明要用的身份证、户口本复印件")
    expect(shown.locator(".parcels li")).not_to_have_count(0)
    expect_bar(page, r"^已同步 \d\d:\d\d$")
    cadre_shot(page, "cadre-errand-01-stop-with-parcels-and-errand")

    context.set_offline(True)
    expect(shown.get_by_role("button", name="记录未送达")).to_be_visible()
    shown.get_by_label("取件码").fill(errand.code)
    shown.get_by_role("button", name="确认送达").click()
    expect(shown.locator("[data-recorded]")).to_have_text("本机已记录：已送达，等待上传")
    # The parcels are handed over: what is left is the errand, and the not-done button says so.
    expect(shown).to_have_class(re.compile(r"\bis-next\b"))
    expect(shown.get_by_role("button", name="记录没办成")).to_be_visible()
    expect(shown.get_by_role("button", name="记录未送达")).to_have_count(0)
    shown.get_by_label("走访记录（可不填）").fill("身份证、户口本复印件已收")
    shown.get_by_role("button", name="已办好，记录走访").click()
    expect(shown.get_by_role("button", name="已办好，记录走访")).to_be_hidden()
    expect_bar(page, r"^2 条待上传，最近一次尝试 \d\d:\d\d$")
    cadre_shot(page, "cadre-errand-02-offline-recorded")
    with transaction(_database(live_server).write_sessions) as session:
        assert session.get_one(ErrandRequest, request_id).status is RequestStatus.ACCEPTED

    context.set_offline(False)
    expect_bar(page, r"^已同步 \d\d:\d\d$", timeout=10_000)
    expect(shown.locator("[data-state]")).to_have_text("已送达")
    with transaction(_database(live_server).write_sessions) as session:
        request = session.get_one(ErrandRequest, request_id)
        assert request.status is RequestStatus.DONE
        cadre = session.scalars(select(User).where(User.phone == CADRE)).one()
        steps = [(s.kind, s.actor_id, s.note) for s in request.steps[-2:]]
        assert steps == [
            (StepKind.STARTED, cadre.id, "上门办理（配送路线）"),
            (StepKind.DONE, cadre.id, "身份证、户口本复印件已收"),
        ]
        assert session.get_one(Stop, stop_id).status is StopStatus.DELIVERED

    agent = browser.new_context(**browser_context_args)
    desk = agent.new_page()
    sign_in(desk, base, errand.agent_phone)
    desk.goto(f"{base}/errands/{request_id}")
    expect(desk.locator("p.status")).to_contain_text("已办结，待回访")
    expect(desk.locator(".timeline")).to_contain_text("身份证、户口本复印件已收")
    shot(desk, "cadre-errand-03-agent-sees-it-done")
    agent.close()
