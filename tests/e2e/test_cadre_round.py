"""The cadre's day on a real phone browser (Chromium, Pixel 7), offline in the middle of it.

A cadre signs in and opens today's round; the signal drops; a reload is served by the service
worker; three stops are confirmed with pickup codes and one is recorded as failed while offline;
the signal returns and the outbox replays; the dispatcher's board shows the four results and
the villager sees the parcel delivered. Also: the first load weighs at most 150 KB, and logout
clears the cache and the outbox (RELIABILITY.md 25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import User, Village
from core.timeutil import local_today
from logistics.models import Round, RoundStatus, Stop, StopStatus
from logistics.tracking import village_progress
from tests.conftest import LiveServer

FIRST_LOAD_LIMIT = 150 * 1024


@dataclass(frozen=True)
class PlannedStop:
    id: int
    code: str
    household_id: int
    village_id: int
    tracking_no: str


def _database(live_server: LiveServer) -> DatabaseState:
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    return state


def pending_stops(live_server: LiveServer, cadre_phone: str, count: int) -> list[PlannedStop]:
    """The first pending stops (one parcel or more) of the cadre's first round today."""
    with transaction(_database(live_server).write_sessions) as session:
        cadre = session.scalars(select(User).where(User.phone == cadre_phone)).one()
        round_ = session.scalars(
            select(Round)
            .where(Round.cadre_id == cadre.id, Round.day == local_today())
            .where(Round.status == RoundStatus.PLANNED)
            .order_by(Round.departure)
        ).first()
        assert round_ is not None, "the demo plans rounds for every cadre"
        stops = [s for s in round_.stops if s.status is StopStatus.PENDING and s.parcels]
        assert len(stops) >= count
        return [
            PlannedStop(
                s.id,
                s.parcels[0].pickup_code or "",
                s.household_id,
                round_.village_id,
                s.parcels[0].tracking_no,
            )
            for s in stops[:count]
        ]


def stop_statuses(live_server: LiveServer, ids: list[int]) -> list[str]:
    with transaction(_database(live_server).write_sessions) as session:
        return [session.get_one(Stop, i).status.value for i in ids]


def progress_of(live_server: LiveServer, village_id: int) -> tuple[int, int]:
    with transaction(_database(live_server).write_sessions) as session:
        township_id = session.get_one(Village, village_id).township_id
        row = next(
            p
            for p in village_progress(session, township_id=township_id, day=local_today())
            if p.village.id == village_id
        )
        return row.delivered, row.failed


def sign_in(page: Page, base: str, phone: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{then}")


def transferred_bytes(page: Page, url: str) -> int:
    """Bytes on the wire for loading ``url``, from Chromium's own network accounting."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    sizes: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = int(event["encodedDataLength"])

    session.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle")
    session.detach()
    return sum(sizes.values())


def wait_until_controlled(page: Page, seconds: float = 10) -> None:
    """Poll from Python: wait_for_function evaluates strings, which the strict CSP forbids."""
    for _ in range(int(seconds * 10)):
        if page.evaluate("() => navigator.serviceWorker.controller !== null"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


def test_a_cadre_works_offline_and_the_results_reach_the_dispatcher_and_the_villager(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 1)
    stops = pending_stops(live_server, cadre, 4)
    village_id = stops[0].village_id
    delivered_before, failed_before = progress_of(live_server, village_id)

    sign_in(page, base, cadre, "/")
    weight = transferred_bytes(page, f"{base}/cadre/today")
    assert 0 < weight <= FIRST_LOAD_LIMIT, f"first load transferred {weight} bytes"
    expect(page.get_by_role("heading", name="今天的配送路线")).to_be_visible()
    wait_until_controlled(page)

    context.set_offline(True)
    page.reload()  # no network: the service worker answers
    expect(page.locator(f"#stop-{stops[0].id}")).to_be_visible()
    expect(page.locator("#net-state")).to_have_text("离线")

    for stop in stops[:3]:
        card = page.locator(f"#stop-{stop.id}")
        card.locator("input[name=pickup_code]").fill(stop.code)
        card.get_by_role("button", name="确认送达").click()
        expect(card.locator("[data-state]")).to_have_text("待上传")
    failing = page.locator(f"#stop-{stops[3].id}")
    failing.locator("select[name=reason]").select_option("not_home")
    failing.get_by_role("button", name="记录未送达").click()
    expect(page.locator("#outbox-count")).to_have_text("4")
    assert stop_statuses(live_server, [s.id for s in stops]) == ["pending"] * 4

    context.set_offline(False)  # the signal returns: the outbox replays
    expect(page.locator("#outbox-count")).to_have_text("0", timeout=30_000)
    for stop in stops[:3]:
        expect(page.locator(f"#stop-{stop.id} [data-state]")).to_have_text("已送达")
    expect(failing.locator("[data-state]")).to_have_text("未送达")
    assert stop_statuses(live_server, [s.id for s in stops]) == ["delivered"] * 3 + ["failed"]

    dispatcher = context.browser.new_context(**_phone_free_context())  # type: ignore[union-attr]
    board = dispatcher.new_page()
    sign_in(board, base, demo_phone(4, 1), "/dispatch")
    row = board.locator(f'.village-card[data-village="{_village_name(live_server, village_id)}"]')
    expect(row.locator(".delivered")).to_have_text(str(delivered_before + 3))
    expect(row.locator(".failed")).to_have_text(str(failed_before + 1))
    dispatcher.close()

    villager = context.browser.new_context(**_phone_free_context())  # type: ignore[union-attr]
    mine = villager.new_page()
    sign_in(mine, base, _phone_of_household(live_server, stops[0].household_id), "/parcels")
    parcel = mine.locator(".parcel", has_text=stops[0].tracking_no)
    expect(parcel.locator(".status")).to_have_text("已送到家")
    villager.close()


def test_logout_clears_the_cached_round_and_the_outbox(page: Page, live_server: LiveServer) -> None:
    base = live_server.url
    sign_in(page, base, demo_phone(3, 2), "/cadre/today")
    wait_until_controlled(page)
    page.wait_for_timeout(500)  # the worker finishes filling its cache after taking control
    assert f"{base}/cadre/today" in page.evaluate(_CACHED_URLS)
    assert page.evaluate(_HAS_OUTBOX)
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/login")
    # The login page may put the shared stylesheet back; nothing of the round stays.
    assert [u for u in page.evaluate(_CACHED_URLS) if "/static/" not in u] == []
    assert not page.evaluate(_HAS_OUTBOX)
    page.goto(f"{base}/cadre/today")
    assert "/login" in page.url  # nothing of the round is served to the next person


_CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) { urls.push(request.url); }
  }
  return urls;
}"""
_HAS_OUTBOX = "indexedDB.databases().then(dbs => dbs.some(d => d.name === 'cunzhan-outbox'))"


def _phone_free_context() -> dict[str, Any]:
    return {"locale": "zh-CN"}


def _village_name(live_server: LiveServer, village_id: int) -> str:
    with transaction(_database(live_server).write_sessions) as session:
        return session.get_one(Village, village_id).name


def _phone_of_household(live_server: LiveServer, household_id: int) -> str:
    with transaction(_database(live_server).write_sessions) as session:
        user = session.scalars(select(User).where(User.household_id == household_id)).first()
        assert user is not None, "the demo gives every household head an account"
        return user.phone


def test_a_recipient_signs_on_the_screen(page: Page, live_server: LiveServer) -> None:
    base, cadre = live_server.url, demo_phone(3, 3)
    [stop] = pending_stops(live_server, cadre, 1)
    sign_in(page, base, cadre, "/cadre/today")
    card = page.locator(f"#stop-{stop.id}")
    card.get_by_role("button", name="改用签名").click()
    box = card.locator("canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
    page.mouse.up()
    card.get_by_role("button", name="签名确认送达").click()
    expect(card.locator("[data-state]")).to_have_text("已送达", timeout=15_000)
    assert stop_statuses(live_server, [stop.id]) == ["delivered"]
    with transaction(_database(live_server).write_sessions) as session:
        signature = session.get_one(Stop, stop.id).signature
    assert signature is not None and signature.startswith("M") and "L" in signature
