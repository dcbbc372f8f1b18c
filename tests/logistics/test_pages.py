"""The pages render what their readers need, and the dispatcher's forms work end to end."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.models import User
from logistics.models import Parcel, ParcelStatus
from logistics.throttle import WRONG_CODES_PER_WINDOW
from tests.logistics.conftest import World


def test_the_cadre_page_lists_stops_with_links_map_and_no_pickup_codes(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    round_ = world.round(3)
    login(world.cadre)
    page = client.get("/cadre/today")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="stop stop-pending"') == 3
    first = round_.stops[0].household
    assert f"tel:{first.phone}" in html
    assert f"uri.amap.com/marker?position={first.lon},{first.lat}" in html
    assert "api.map.baidu.com/marker" in html
    assert html.count('class="mark mark-pending"') == 3  # the SVG sketch map
    assert all(str(s.parcels[0].pickup_code) not in html for s in round_.stops)
    assert "<script>" not in html and "style=" not in html  # strict CSP: no inline code
    printed = client.get(f"/cadre/rounds/{round_.id}/print").get_data(as_text=True)
    assert printed.count("<svg") == 3  # a QR code per parcel


def test_the_service_worker_is_served_for_the_whole_site(client: FlaskClient) -> None:
    response = client.get("/cadre/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert "Content-Security-Policy" in response.headers


def test_the_dispatcher_imports_a_manifest_or_sees_each_bad_line(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    token = login(world.dispatcher)
    bad = "tracking_no,courier,recipient_name,recipient_phone,weight_g\nSF00000001,XX,王,1,5\n"
    response = client.post(
        "/dispatch/manifest",
        data={"csrf_token": token, "manifest": (io.BytesIO(bad.encode()), "m.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "未知快递公司" in response.get_data(as_text=True)
    good = bad.replace("XX,王,1,5", "SF,王,13600000001,5")
    response = client.post(
        "/dispatch/manifest",
        data={"csrf_token": token, "manifest": (io.BytesIO(good.encode()), "m.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    world.fresh()
    assert world.db.scalar(select(func.count(Parcel.id))) == 1
    board = client.get("/dispatch").get_data(as_text=True)
    assert "待匹配收件户（1）" in board and "<svg" in board


def test_the_station_receives_a_batch_and_hands_over_with_the_code(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    home = world.household(1)
    parcel = world.parcel(home, ParcelStatus.AT_TOWNSHIP_HUB)
    token = login(world.dispatcher)
    assert client.post("/dispatch/consolidate", data={"csrf_token": token}).status_code == 302
    token = login(world.agent)
    world.fresh()
    desk = client.get("/station").get_data(as_text=True)
    assert parcel.tracking_no in desk
    batch_id = parcel.batch_id
    client.post(
        f"/station/batches/{batch_id}/receive", data={"csrf_token": token, "parcel": parcel.id}
    )
    world.fresh()
    assert parcel.status is ParcelStatus.AT_VILLAGE_DEPOT and parcel.pickup_code
    assert parcel.pickup_code not in client.get("/station").get_data(as_text=True)
    client.post(
        f"/station/parcels/{parcel.id}/hand-over",
        data={"csrf_token": token, "pickup_code": parcel.pickup_code},
    )
    world.fresh()
    assert parcel.status is ParcelStatus.PICKED_UP


def test_the_station_refuses_a_parcels_code_after_five_wrong_ones(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    guessed, other = (world.parcel(world.household(n)) for n in (1, 2))
    token = login(world.agent)
    wrong = "000000" if guessed.pickup_code != "000000" else "111111"

    def hand_over(parcel: Parcel, code: str) -> str:
        response = client.post(
            f"/station/parcels/{parcel.id}/hand-over",
            data={"csrf_token": token, "pickup_code": code},
            follow_redirects=True,
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)

    for _ in range(WRONG_CODES_PER_WINDOW):
        assert "取件码不对" in hand_over(guessed, wrong)
    assert "请15分钟后再试" in hand_over(guessed, guessed.pickup_code or "")
    hand_over(other, other.pickup_code or "")
    world.fresh()
    assert guessed.status is ParcelStatus.AT_VILLAGE_DEPOT
    assert other.status is ParcelStatus.PICKED_UP


def test_the_dispatcher_plans_every_village_from_the_board(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    for number in range(1, 4):
        world.parcel(world.household(number))
    token = login(world.dispatcher)
    assert client.post("/dispatch/plan", data={"csrf_token": token}).status_code == 302
    board = client.get("/api/v1/dispatch/board").get_json()
    [village] = [v for v in board["villages"] if v["village_id"] == world.village.id]
    assert (village["rounds"], village["pending"]) == (1, 3)
    assert len(board["history"]) == 30


def test_the_cadre_page_and_round_are_gzipped_for_clients_that_accept_it(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    import gzip

    world.round(5)
    login(world.cadre)
    for path in ("/cadre/today", "/api/v1/rounds/today"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.get_data()) == plain.get_data()
        assert len(packed.get_data()) < len(plain.get_data()) / 3


def test_the_board_reads_each_villages_planning_progress_from_a_small_endpoint(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    from core.models import Household
    from logistics.models import DeliveryWindow

    homes = [world.household(number) for number in range(1, 3)]
    for home in homes:
        world.parcel(home)
    world.db.add(DeliveryWindow(household_id=homes[1].id, start_minute=20 * 60, end_minute=21 * 60))
    world.db.flush()
    token = login(world.dispatcher)
    assert client.post("/dispatch/plan", data={"csrf_token": token}).status_code == 302
    progress = client.get("/dispatch/progress").get_json()
    assert progress["busy"] is False
    html = progress["html"]
    assert f'data-village="{world.village.name}" data-plan="done"' in html
    assert f"{world.village.name} · 留站自取的住户（1）" in html
    left: Household = homes[1]
    assert f"{left.head_name}（{world.village.name}）：希望送达时间不在干部出车时段" in html
    assert "第 1 趟" in html and "第 2 趟" not in html
    # Planning the village again while a run is still queued is refused, not doubled.
    from logistics import planning

    planning.start_runs(world.db, village_ids=[world.village.id], day=world.today)
    world.db.flush()
    board = client.post("/dispatch/plan", data={"csrf_token": token}, follow_redirects=True)
    assert "正在规划，请等规划完再试" in board.get_data(as_text=True)


def test_the_villager_reads_where_the_parcel_really_is(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """A failed parcel is on the cadre's bike until the round is over, then on the shelf;
    the time to the door carries its day."""
    from core.timeutil import utcnow
    from logistics import rounds
    from logistics.models import Stop
    from logistics.rounds import EventInput
    from logistics.timing import instant

    round_ = world.round(1)
    home = world.villager.household
    assert home is not None
    mine = world.parcel(home)
    round_.stops.append(
        Stop(household_id=home.id, sequence=2, eta=instant(world.today, 9 * 3600), parcels=[mine])
    )
    world.db.flush()
    login(world.villager)
    assert "预计送到家：今天 09:00" in client.get("/parcels").get_data(as_text=True)
    first, second = round_.stops
    at = utcnow()
    rounds.record_event(
        world.db,
        cadre=world.cadre,
        stop_id=second.id,
        key="k-words-0002",
        event=EventInput(type="failed", at=at, reason="not_home"),
    )
    world.db.flush()
    page = client.get("/parcels").get_data(as_text=True)
    assert "这次没送到，包裹还在送货车上" in page and "家里没人" in page
    assert "已放回村站货架" not in page
    # The round's last stop is done: the round is over and the parcel back on the shelf.
    rounds.record_event(
        world.db,
        cadre=world.cadre,
        stop_id=first.id,
        key="k-words-0001",
        event=EventInput(type="delivered", at=at, pickup_code=first.parcels[0].pickup_code),
    )
    world.db.flush()
    page = client.get("/parcels").get_data(as_text=True)
    assert "这次没送到，已放回村站货架，可来取" in page and "在送货车上" not in page


def _place_of(page: str, parcel: Parcel) -> str:
    """The words /parcels shows for where this parcel is."""
    found = re.search(
        rf'data-parcel-id="{parcel.id}">.*?<p class="status"[^>]*>(.*?)</p>', page, re.S
    )
    assert found, parcel.id
    return found.group(1).strip()


def test_after_a_replan_the_parcel_page_tells_where_each_parcel_is(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """Issue 11: after a re-plan /parcels said "在送货车上" for a parcel whose round had not
    left. Now: at the station until its round sets off, on the bike while it is out, back on
    the shelf only once the cadre is back."""
    from core.timeutil import utcnow
    from logistics import rounds
    from logistics.models import RoundStatus
    from logistics.rounds import EventInput
    from logistics.timing import instant
    from tests.logistics.conftest import plan

    home = world.villager.household
    assert home is not None
    neighbour = world.household(1)
    on_bike, ahead = world.parcel(home), world.parcel(neighbour)
    [first] = plan(world)
    login(world.villager)
    assert _place_of(client.get("/parcels").get_data(as_text=True), on_bike).startswith("已到村站")
    ahead_stop = ahead.stop
    assert ahead_stop is not None
    rounds.record_event(
        world.db,
        cadre=world.cadre,
        stop_id=ahead_stop.id,
        key="k-place-0001",
        event=EventInput(type="delivered", at=utcnow(), pickup_code=ahead.pickup_code),
    )
    assert first.status is RoundStatus.STARTED
    later = world.parcel(home)  # arrives at the station while the cadre is out
    plan(world, now=instant(world.today, 9 * 3600 + 600))
    world.db.flush()
    page = client.get("/parcels").get_data(as_text=True)
    for parcel in (on_bike, later):  # on the bike exactly when its round is out
        assert parcel.stop is not None
        out = parcel.stop.round.status is RoundStatus.STARTED
        assert _place_of(page, parcel).startswith("在送货车上") == out, parcel.tracking_no
    assert on_bike.stop is not None and on_bike.stop.round is first
    assert _place_of(page, on_bike).startswith("在送货车上")
    assert later.stop is not None and later.stop.round.status is RoundStatus.PLANNED
    assert _place_of(page, later).startswith("已到村站")
    on_bike_stop = on_bike.stop
    rounds.record_event(
        world.db,
        cadre=world.cadre,
        stop_id=on_bike_stop.id,
        key="k-place-0002",
        event=EventInput(type="failed", at=utcnow(), reason="not_home"),
    )
    world.db.flush()
    page = client.get("/parcels").get_data(as_text=True)
    assert first.status is RoundStatus.COMPLETED  # its last stop is done: the cadre is back
    assert _place_of(page, on_bike) == "这次没送到，已放回村站货架，可来取"


def test_once_every_village_is_planned_the_board_says_how_it_went(
    world: World, client: FlaskClient, login: Callable[[User], str]
) -> None:
    """The message "正在规划 2 个村的路线" gives way to the outcome, failures named, once no
    village of that planning is queued or solving (dispatch.js swaps it in place)."""
    from urllib.parse import parse_qs, urlsplit

    from core.models import Village

    world.parcel(world.household(1))
    no_bike = Village(
        township_id=world.village.township_id,
        name="无车村",
        station_address="村委会",
        lat=28.22,
        lon=112.92,
    )
    world.db.add(no_bike)
    world.db.flush()
    token = login(world.dispatcher)
    asked = client.post("/dispatch/plan", data={"csrf_token": token})
    [since] = parse_qs(urlsplit(asked.location).query)["since"]
    board = client.get(asked.location).get_data(as_text=True)  # the tests plan at once
    assert '<p class="flash flash-planning" role="status">正在规划 2 个村的路线' in board
    outcome = "2 个村已规划完，1 个失败：无车村（无车村没有干部的车辆）"
    assert f'data-outcome="{outcome}"' in board
    assert client.get(f"/dispatch/progress?since={since}").get_json()["outcome"] == outcome
    assert client.get("/dispatch/progress").get_json()["outcome"] is None  # nothing asked
