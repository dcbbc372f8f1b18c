"""The cadre's day on a real phone browser (Chromium, Pixel 7), offline in the middle of it.

A cadre signs in and opens today's round; the signal drops; a reload is served by the service
worker; three stops are confirmed with pickup codes and one is recorded as failed while offline;
the signal returns and the outbox replays; the dispatcher's board shows the four results and
the villager sees the parcel delivered. Also: the first load weighs at most 150 KB; signing out
never loses the outbox without asking twice and reaches the server even from a phone without
signal; a wrong code is refused offline; the outbox survives a browser restart and a new
service worker; a signal that carries nothing ("lie-fi") is told apart from a real one.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Playwright, Route, expect
from sqlalchemy import func, select

from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from core.models import User, Village
from core.photos import default_photo_dir, photo_path
from core.timeutil import local_today
from logistics.models import Round, RoundStatus, Stop, StopEvent, StopStatus, UplinkStatus
from logistics.tracking import village_progress
from logistics.views import STATIC
from tests.conftest import LiveServer, phone_of
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.phone import SCREENSHOTS, shot, sign_in

FIRST_LOAD_LIMIT = 150 * 1024


@dataclass(frozen=True)
class OpenStop:
    id: int
    code: str | None
    household_id: int
    village_id: int
    tracking_no: str | None
    pending: bool  # else delivered, with produce to collect or a visit to make


def _database(live_server: LiveServer) -> DatabaseState:
    state: DatabaseState = live_server.app.extensions[EXTENSION_KEY]
    return state


def open_stops(live_server: LiveServer, cadre_phone: str) -> list[OpenStop]:
    """The cadre's stops still to serve today, in the order the page shows them."""
    with transaction(_database(live_server).write_sessions) as session:
        cadre = session.scalars(select(User).where(User.phone == cadre_phone)).one()
        rounds = session.scalars(
            select(Round)
            .where(Round.cadre_id == cadre.id, Round.day == local_today())
            .where(Round.status != RoundStatus.CANCELLED)
            .order_by(Round.departure, Round.id)
        )
        found = []
        for round_ in rounds:
            for s in round_.stops:
                produce = any(u.status is UplinkStatus.WAITING for u in s.uplinks)
                if s.status is StopStatus.PENDING or (s.status is StopStatus.DELIVERED and produce):
                    first = s.parcels[0] if s.parcels else None
                    found.append(
                        OpenStop(
                            s.id,
                            first.pickup_code if first else None,
                            s.household_id,
                            round_.village_id,
                            first.tracking_no if first else None,
                            s.status is StopStatus.PENDING,
                        )
                    )
        return found


def stop_statuses(live_server: LiveServer, ids: list[int]) -> list[str]:
    with transaction(_database(live_server).write_sessions) as session:
        return [session.get_one(Stop, i).status.value for i in ids]


def session_epoch(live_server: LiveServer, phone: str) -> int:
    with transaction(_database(live_server).write_sessions) as session:
        return session.scalars(select(User).where(User.phone == phone)).one().session_epoch


def progress_of(live_server: LiveServer, village_id: int) -> tuple[int, int]:
    with transaction(_database(live_server).write_sessions) as session:
        township_id = session.get_one(Village, village_id).township_id
        row = next(
            p
            for p in village_progress(session, township_id=township_id, day=local_today())
            if p.village.id == village_id
        )
        return row.delivered, row.failed


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
            page.wait_for_timeout(300)  # the worker finishes filling its cache
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


@contextlib.contextmanager
def replaced_view(app: Flask, endpoint: str, view: Callable[..., Any]) -> Iterator[None]:
    """Serve ``endpoint`` with ``view`` meanwhile (a new release, an outage), then restore."""
    original = app.view_functions[endpoint]
    app.view_functions[endpoint] = functools.wraps(original)(view)  # keeps its access rule
    try:
        yield
    finally:
        app.view_functions[endpoint] = original


def server_busy(**_url_values: object) -> tuple[str, int]:
    """A 503 in place of any view (the stop-event call has the stop's id in its URL)."""
    return "", 503


def cadre_shot(page: Page, name: str) -> None:
    """``shot`` with the layout rules held on everything this page owns. The shared site
    header (the layout engineer's, reworked on another branch) is left out until that
    branch is merged: drop the ``exempt`` line then."""
    exempt = "document.querySelector('header.topbar')?.setAttribute('data-layout-exempt', '')"
    page.evaluate(exempt)
    shot(page, name)


def card(page: Page, stop: OpenStop) -> Any:
    return page.locator(f"#stop-{stop.id}")


def first_parcel_stop_on_top(page: Page, live_server: LiveServer, cadre: str) -> OpenStop:
    """The cadre's first stop with parcels still to deliver (earlier journeys may have
    reordered or served some, and a stop only to collect produce or visit may come first),
    brought to the top."""
    stop = next(s for s in open_stops(live_server, cadre) if s.code and s.pending)
    shown = card(page, stop)
    if "is-next" not in (shown.get_attribute("class") or ""):
        shown.get_by_role("button", name="先去这家").click()
        _wait_until_the_server_has_the_move(page, live_server, stop.id)
    expect(shown).to_have_class(re.compile(r"\bis-next\b"))
    return stop


def _wait_until_the_server_has_the_move(page: Page, live_server: LiveServer, stop_id: int) -> None:
    """The new order reaches the server before a test goes offline (or its outbox would hold
    the move beside the result the test counts)."""
    moved = select(func.count(StopEvent.id)).where(
        StopEvent.stop_id == stop_id, StopEvent.type == "moved"
    )
    for _ in range(100):
        with transaction(_database(live_server).write_sessions) as session:
            if session.scalar(moved):
                expect_bar(page, r"^已同步")
                return
        page.wait_for_timeout(100)
    raise AssertionError("the phone never sent the new order of the stops")


def deliver_with_code(page: Page, stop: OpenStop, code: str | None = None) -> None:
    """Type the code the recipient reads out on the next stop's card and confirm."""
    shown = card(page, stop)
    expect(shown).to_have_class(re.compile(r"\bis-next\b"))
    shown.get_by_label("取件码").fill(code or stop.code or "")
    shown.get_by_role("button", name="确认送达").click()


def record_failure(page: Page, stop: OpenStop) -> None:
    shown = card(page, stop)
    expect(shown).to_have_class(re.compile(r"\bis-next\b"))
    shown.locator("select[name=reason]").select_option("not_home")
    shown.get_by_role("button", name="记录未送达").click()


def expect_bar(page: Page, pattern: str, timeout: float = 10_000) -> None:
    expect(page.locator("#sync-state")).to_have_text(re.compile(pattern), timeout=timeout)


def sign_out_button(page: Page) -> Any:
    return page.get_by_role("button", name="退出登录")


def test_a_cadre_works_offline_and_the_results_reach_the_dispatcher_and_the_villager(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 1)
    stops = open_stops(live_server, cadre)[:4]
    assert all(s.code for s in stops), "the demo gives cadre 1 parcels at every stop"
    village_id = stops[0].village_id
    delivered_before, failed_before = progress_of(live_server, village_id)

    sign_in(page, base, cadre)
    weight = transferred_bytes(page, f"{base}/cadre/today")
    assert 0 < weight <= FIRST_LOAD_LIMIT, f"first load transferred {weight} bytes"
    expect(page.get_by_role("heading", name="今天的配送路线")).to_be_visible()
    expect_bar(page, r"^已同步 \d\d:\d\d$")
    wait_until_controlled(page)
    expect(card(page, stops[0])).to_have_class(re.compile(r"\bis-next\b"))
    cadre_shot(page, "cadre-01-next-stop")

    context.set_offline(True)
    page.reload()  # no network: the service worker answers
    expect(card(page, stops[0])).to_be_visible()

    for n, stop in enumerate(stops[:3], start=1):
        deliver_with_code(page, stop)
        expect(card(page, stop).locator("[data-state]")).to_have_text("待上传")
        # What the phone recorded, not the form: the stop is done here, the next one is up.
        expect(card(page, stop).locator("[data-recorded]")).to_have_text(
            "本机已记录：已送达，等待上传"
        )
        expect(card(page, stop).get_by_role("button", name="确认送达")).to_be_hidden()
        expect_bar(page, rf"^{n} 条待上传，最近一次尝试 \d\d:\d\d$")
    record_failure(page, stops[3])
    expect_bar(page, r"^4 条待上传，最近一次尝试 \d\d:\d\d$")
    cadre_shot(page, "cadre-02-offline-four-waiting")
    assert stop_statuses(live_server, [s.id for s in stops]) == ["pending"] * 4

    context.set_offline(False)  # the signal returns: the outbox replays at once
    expect_bar(page, r"^已同步 \d\d:\d\d$", timeout=5_000)
    for stop in stops[:3]:
        expect(card(page, stop).locator("[data-state]")).to_have_text("已送达")
    expect(card(page, stops[3]).locator("[data-state]")).to_have_text("未送达")
    assert stop_statuses(live_server, [s.id for s in stops]) == ["delivered"] * 3 + ["failed"]

    dispatcher = context.browser.new_context(locale="zh-CN")  # type: ignore[union-attr]
    board = dispatcher.new_page()
    sign_in(board, base, demo_phone(4, 1), then="/dispatch")
    row = board.locator(f'.village-card[data-village="{_village_name(live_server, village_id)}"]')
    expect(row.locator(".delivered")).to_have_text(str(delivered_before + 3))
    expect(row.locator(".failed")).to_have_text(str(failed_before + 1))
    dispatcher.close()

    villager = context.browser.new_context(locale="zh-CN")  # type: ignore[union-attr]
    mine = villager.new_page()
    household_phone = _phone_of_household(live_server, stops[0].household_id)
    sign_in(mine, base, household_phone, then="/parcels")
    parcel = mine.locator(".parcel", has_text=stops[0].tracking_no or "")
    expect(parcel.locator(".status")).to_have_text("已送到家")
    villager.close()


def test_signing_out_with_unsent_results_asks_twice_and_loses_nothing(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 1)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stops = open_stops(live_server, cadre)[:3]
    context.set_offline(True)
    deliver_with_code(page, stops[0])
    record_failure(page, stops[1])
    deliver_with_code(page, stops[2])
    expect_bar(page, r"^3 条待上传")

    dialog = page.get_by_role("dialog")
    sign_out_button(page).click()  # asked, and the cadre stays
    expect(dialog).to_contain_text("还有 3 条记录没上传到服务器")
    expect(dialog.get_by_role("button")).to_have_text(["先不退出", "仍然退出"])
    cadre_shot(page, "cadre-03-sign-out-asks")
    page.screenshot(path=str(SCREENSHOTS / "cadre-03-sign-out-asks-screen.png"))  # as seen
    dialog.get_by_role("button", name="先不退出").click()
    expect(dialog).to_be_hidden()

    sign_out_button(page).click()  # "sign out anyway", then the count is named: stays again
    dialog.get_by_role("button", name="仍然退出").click()
    expect(dialog).to_contain_text("确定丢掉这 3 条没上传的记录并退出吗？")
    expect(dialog.get_by_role("button")).to_have_text(["先不退出", "丢掉 3 条并退出"])
    page.screenshot(path=str(SCREENSHOTS / "cadre-03-sign-out-asks-twice-screen.png"))
    dialog.get_by_role("button", name="先不退出").click()
    expect(dialog).to_be_hidden()
    assert page.url == f"{base}/cadre/today"

    context.set_offline(False)
    expect_bar(page, r"^已同步", timeout=5_000)
    statuses = stop_statuses(live_server, [s.id for s in stops])
    assert statuses == ["delivered", "failed", "delivered"]


def test_discarding_offline_signs_out_on_the_server_at_the_next_contact(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 4)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    epoch = session_epoch(live_server, cadre)
    context.set_offline(True)
    record_failure(page, stop)
    expect_bar(page, r"^1 条待上传")

    sign_out_button(page).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="仍然退出").click()
    dialog.get_by_role("button", name="丢掉 1 条并退出").click()
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.get_by_role("heading", name="今天的配送路线")).to_be_hidden()
    cadre_shot(page, "cadre-04-signed-out-offline")
    assert session_epoch(live_server, cadre) == epoch  # the server has not heard yet

    context.set_offline(False)  # the next contact ends the session on the server
    page.wait_for_url(re.compile(r"/login"), timeout=20_000)
    assert session_epoch(live_server, cadre) == epoch + 1
    assert stop_statuses(live_server, [stop.id]) == ["pending"]  # discarded, as chosen twice
    assert not page.evaluate(_HAS_OUTBOX)
    page.goto(f"{base}/cadre/today")
    assert "/login" in page.url


def test_a_sign_out_question_open_when_the_signal_returns_uploads_and_signs_out(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    """Asked about an unsent result, the cadre waits; the signal returns, the result is sent,
    and the question (now untrue) is not left on the screen: the sign-out goes on."""
    base, cadre = live_server.url, demo_phone(3, 5)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    context.set_offline(True)
    record_failure(page, stop)
    expect_bar(page, r"^1 条待上传")
    sign_out_button(page).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("还有 1 条记录没上传到服务器")

    context.set_offline(False)
    page.wait_for_url(re.compile(r"/login"), timeout=20_000)
    assert stop_statuses(live_server, [stop.id]) == ["failed"]


def test_sign_out_with_an_empty_outbox_clears_the_cached_round(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    sign_in(page, base, demo_phone(3, 2), then="/cadre/today")
    wait_until_controlled(page)
    assert f"{base}/cadre/today" in page.evaluate(_CACHED_URLS)
    assert page.evaluate(_HAS_OUTBOX)
    sign_out_button(page).click()
    page.wait_for_url(f"{base}/login")
    # The login page may put the shared stylesheet back; nothing of the round stays.
    assert [u for u in page.evaluate(_CACHED_URLS) if "/static/" not in u] == []
    assert not page.evaluate(_HAS_OUTBOX)
    page.goto(f"{base}/cadre/today")
    assert "/login" in page.url  # nothing of the round is served to the next person

    sign_in(page, base, demo_phone(3, 2), then="/cadre/today")  # the next morning
    expect(page.locator("main > .flash")).to_have_text("登录成功")
    page.context.set_offline(True)
    page.reload()  # the copy kept on the phone carries no one-time note
    expect(page.locator("#cadre")).to_be_visible()
    expect(page.locator("main > .flash")).to_have_count(0)


def test_a_wrong_code_is_refused_on_the_spot_without_signal_and_counted_later(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 6)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    wrong = "123456" if stop.code != "123456" else "654321"
    context.set_offline(True)
    deliver_with_code(page, stop, wrong)
    shown = card(page, stop)
    expect(shown.locator("[data-message]")).to_have_text(
        "取件码不对，请再问一次收件人（还可以试 4 次）"
    )
    expect(shown.locator("[data-state]")).to_have_text("待送")
    expect(shown.get_by_role("button", name="确认送达")).to_be_visible()
    cadre_shot(page, "cadre-05-wrong-code-offline")
    deliver_with_code(page, stop)  # the right one is taken
    expect(shown.locator("[data-state]")).to_have_text("待上传")

    context.set_offline(False)
    expect_bar(page, r"^已同步", timeout=5_000)
    assert stop_statuses(live_server, [stop.id]) == ["delivered"]
    with transaction(_database(live_server).write_sessions) as session:
        tries = select(func.count(StopEvent.id)).where(
            StopEvent.stop_id == stop.id, StopEvent.type == "wrong_code"
        )
        assert session.scalar(tries) == 1


def test_the_cadre_puts_a_stop_off_till_later_and_the_server_learns_it(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 6)
    sign_in(page, base, cadre, then="/cadre/today")
    first, second, *_ = open_stops(live_server, cadre)
    context.set_offline(True)
    expect(card(page, first)).to_have_class(re.compile(r"\bis-next\b"))
    card(page, first).get_by_role("button", name="这家稍后再去").click()
    expect(card(page, second)).to_have_class(re.compile(r"\bis-next\b"))
    expect(card(page, first)).to_have_class(re.compile(r"\bis-later\b"))
    expect_bar(page, r"^1 条待上传")
    context.set_offline(False)
    expect_bar(page, r"^已同步", timeout=5_000)
    with transaction(_database(live_server).write_sessions) as session:
        moved, now_next = session.get_one(Stop, first.id), session.get_one(Stop, second.id)
        assert moved.sequence == len(moved.round.stops)
        assert now_next.sequence < moved.sequence and now_next.eta <= moved.eta


def test_a_signal_that_carries_nothing_is_not_taken_for_a_connection(
    page: Page, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 4)
    sign_in(page, base, cadre, then="/cadre/today")
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    hanging: list[Route] = []
    page.route(
        "**/api/v1/**", lambda route: hanging.append(route)
    )  # requests leave and never come back
    record_failure(page, stop)
    assert page.evaluate("navigator.onLine")
    expect_bar(page, r"^1 条待上传，最近一次尝试 \d\d:\d\d$")
    cadre_shot(page, "cadre-06-lie-fi")
    assert stop_statuses(live_server, [stop.id]) == ["pending"]
    page.unroute("**/api/v1/**")  # requests answer again
    expect_bar(page, r"^已同步", timeout=5_000)
    assert stop_statuses(live_server, [stop.id]) == ["failed"]


def test_a_neighbour_takes_the_parcels_offline_with_a_photo_as_proof(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 5)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = next(s for s in open_stops(live_server, cadre) if s.code and s.pending)
    shown = card(page, stop)
    if "is-next" not in (shown.get_attribute("class") or ""):
        shown.get_by_role("button", name="先去这家").click()
    context.set_offline(True)
    shown.get_by_role("button", name="收件人不在，邻居代收").click()
    shown.get_by_label("代收人姓名").fill("隔壁王婶")
    picture = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 120, 40)).save(picture, "JPEG")  # a camera-sized shot
    shown.get_by_label("拍一张包裹在代收人手里的照片").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()}
    )
    cadre_shot(page, "cadre-10-neighbour-photo")
    shown.get_by_role("button", name="拍照确认送达").click()
    expect(shown.locator("[data-recorded]")).to_have_text(
        "本机已记录：隔壁王婶 代收（有照片），等待上传"
    )
    context.set_offline(False)
    expect_bar(page, r"^已同步", timeout=10_000)
    with transaction(_database(live_server).write_sessions) as session:
        delivered = session.get_one(Stop, stop.id)
        assert delivered.status is StopStatus.DELIVERED and delivered.handed_to == "隔壁王婶"
        name = delivered.photo
    assert name is not None
    with Image.open(photo_path(default_photo_dir(), name)) as stored:
        assert max(stored.size) <= 1280  # made small on the phone before upload


@pytest.fixture
def phone_profile(playwright: Playwright, tmp_path: Path) -> Iterator[Callable[[], BrowserContext]]:
    """A Pixel 7 browser with a profile on disk: close it and open it again, IndexedDB and the
    service worker stay (storage_state does not carry IndexedDB)."""
    device = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}
    opened: list[BrowserContext] = []

    def launch() -> BrowserContext:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            locale="zh-CN",
            **device,
        )
        opened.append(context)
        return context

    yield launch
    for context in opened:
        context.close()


def test_the_outbox_survives_closing_and_reopening_the_browser(
    phone_profile: Callable[[], BrowserContext], live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 3)
    browser = phone_profile()
    page = browser.new_page()
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    first, second, *_ = open_stops(live_server, cadre)
    browser.set_offline(True)
    record_failure(page, first)
    record_failure(page, second)
    expect_bar(page, r"^2 条待上传")
    browser.close()

    browser = phone_profile()  # the same phone, the browser started again, still no signal
    browser.set_offline(True)
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"{base}/cadre/today")
    expect_bar(page, r"^2 条待上传")
    browser.set_offline(False)  # the signal returns while the page is open
    if not any(c["name"] == "session" for c in browser.cookies()):
        # The session cookie ended with the browser: the items wait for the cadre to sign in.
        expect_bar(page, r"^登录已结束：2 条保存在手机里，请重新登录后上传$")
        cadre_shot(page, "cadre-11-sign-in-again")
        page.get_by_role("link", name="重新登录").click()
        page.get_by_label("手机号").fill(cadre)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/cadre/today")
    expect_bar(page, r"^已同步", timeout=10_000)
    assert stop_statuses(live_server, [first.id, second.id]) == ["failed", "failed"]


def test_the_outbox_survives_a_new_version_of_the_service_worker(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 2)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    context.set_offline(True)
    record_failure(page, stop)
    expect_bar(page, r"^1 条待上传")
    app = live_server.app

    def next_worker() -> Response:  # what a new release serves: other bytes, other cache
        script = (STATIC / "sw.js").read_text(encoding="utf-8")
        response = Response(
            script.replace("cunzhan-cadre-v", "cunzhan-cadre-next-v"), mimetype="text/javascript"
        )
        response.headers.update({"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})
        return response

    with (
        replaced_view(app, "cadre.service_worker", next_worker),
        replaced_view(app, "logistics_api.ping", server_busy),  # the outbox keeps waiting
    ):
        context.set_offline(False)
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        for _ in range(100):  # the new worker installs, then activates, drops old caches
            names = page.evaluate("caches.keys()")
            if names == [n for n in names if "cunzhan-cadre-next-v" in n] and names:
                break
            page.wait_for_timeout(100)
        assert any("cunzhan-cadre-next-v" in n for n in names), names
        assert not any(re.fullmatch(r"cunzhan-cadre-v\d+", n) for n in names), names
        page.reload()
        expect_bar(page, r"^1 条待上传，最近一次尝试")
        assert stop_statuses(live_server, [stop.id]) == ["pending"]  # still in the outbox
    expect_bar(page, r"^已同步", timeout=20_000)
    assert stop_statuses(live_server, [stop.id]) == ["failed"]


def test_the_outbox_survives_a_new_deployment_of_the_page(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 1)
    sign_in(page, base, cadre, then="/cadre/today")
    wait_until_controlled(page)
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    context.set_offline(True)
    record_failure(page, stop)
    expect_bar(page, r"^1 条待上传")
    app = live_server.app
    today = app.view_functions["cadre.today"]

    def next_release() -> str:
        return str(today()).replace('id="cadre"', 'id="cadre" data-release="next"')

    with replaced_view(app, "cadre.today", next_release):
        with replaced_view(app, "logistics_api.ping", server_busy):  # the API is not back yet
            context.set_offline(False)
            page.reload()  # the new release of the page comes from the server
            expect(page.locator("#cadre")).to_have_attribute("data-release", "next")
            expect_bar(page, r"^1 条待上传，最近一次尝试")
            assert stop_statuses(live_server, [stop.id]) == ["pending"]
        expect_bar(page, r"^已同步", timeout=20_000)
    assert stop_statuses(live_server, [stop.id]) == ["failed"]


def test_a_server_error_keeps_the_result_for_the_next_try(
    page: Page, live_server: LiveServer
) -> None:
    base, cadre = live_server.url, demo_phone(3, 6)
    sign_in(page, base, cadre, then="/cadre/today")
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    with replaced_view(live_server.app, "logistics_api.stop_event", server_busy):
        record_failure(page, stop)
        expect_bar(page, r"^1 条待上传，最近一次尝试")
        expect(card(page, stop).locator("[data-state]")).to_have_text("待上传")
    expect_bar(page, r"^已同步", timeout=10_000)
    assert stop_statuses(live_server, [stop.id]) == ["failed"]
    why = card(page, stop).locator("[data-recorded]")
    expect(why).to_have_text("家里没人")  # a stop not delivered still says why
    page.reload()
    expect(why).to_have_text("家里没人")


def test_the_page_and_the_print_sheet_fit_a_phone_in_english_too(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    sign_in(page, base, demo_phone(3, 5), then="/cadre/today")
    cadre_shot(page, "cadre-07-today")
    page.get_by_role("link", name="打印路单").first.click()
    expect(page.get_by_role("heading", name=re.compile("配送路单"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 412
    cadre_shot(page, "cadre-08-print-sheet")
    page.emulate_media(media="print")  # on paper: A5 (148 mm = 559 px) and A4 (794 px) wide
    for paper, width in (("a5", 559), ("a4", 794)):
        page.set_viewport_size({"width": width, "height": 1000})
        assert page.evaluate(_PRINT_PROBLEMS) == [], paper
        page.screenshot(path=str(SCREENSHOTS / f"cadre-08-print-sheet-{paper}.png"), full_page=True)
    page.emulate_media(media="screen")
    page.go_back()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Today's delivery round")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#sync-state")).to_have_text(re.compile(r"^Synced \d\d:\d\d$"))
    cadre_shot(page, "cadre-09-today-english")


# On paper: nothing wider than the sheet, no text under 14 px (QR codes are pictures).
_PRINT_PROBLEMS = """() => {
  const problems = [];
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) {
    problems.push("wider than the paper");
  }
  for (const el of document.querySelectorAll("body *:not(svg):not(svg *)")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(getComputedStyle(el).fontSize) < 14) problems.push(el.textContent.trim());
  }
  return problems;
}"""

_CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) { urls.push(request.url); }
  }
  return urls;
}"""
_HAS_OUTBOX = "indexedDB.databases().then(dbs => dbs.some(d => d.name === 'cunzhan-outbox'))"


def _village_name(live_server: LiveServer, village_id: int) -> str:
    with transaction(_database(live_server).write_sessions) as session:
        return session.get_one(Village, village_id).name


def _phone_of_household(live_server: LiveServer, household_id: int) -> str:
    with transaction(_database(live_server).write_sessions) as session:
        user = session.scalars(select(User).where(User.household_id == household_id)).first()
        assert user is not None, "the demo gives every household head an account"
        return phone_of(user)


def test_a_recipient_signs_on_the_screen(page: Page, live_server: LiveServer) -> None:
    base, cadre = live_server.url, demo_phone(3, 3)
    sign_in(page, base, cadre, then="/cadre/today")
    stop = first_parcel_stop_on_top(page, live_server, cadre)
    shown = card(page, stop)
    shown.get_by_role("button", name="改用签名").click()
    pad = shown.locator("canvas")
    pad.scroll_into_view_if_needed()  # the mouse draws in the viewport: the pad must be in it
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
    page.mouse.up()
    shown.get_by_role("button", name="签名确认送达").click()
    expect(shown.locator("[data-state]")).to_have_text("已送达", timeout=15_000)
    assert stop_statuses(live_server, [stop.id]) == ["delivered"]
    with transaction(_database(live_server).write_sessions) as session:
        signature = session.get_one(Stop, stop.id).signature
    assert signature is not None and signature.startswith("M") and "L" in signature
