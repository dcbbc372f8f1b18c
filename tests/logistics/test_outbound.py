"""Outbound parcels (农产品进城): the shop's interface, every move with its history, the
collection on a round, the label PDF, the courier manifest and the waybill import."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pypdf
import pytest
from sqlalchemy import select

import routing
from core.errors import CoreError
from core.models import Role, User, Village
from core.timeutil import utcnow
from logistics import depot, outbound, signals
from logistics.errors import LogisticsError
from logistics.intake import ManifestRejected
from logistics.models import (
    Courier,
    OutboundParcel,
    OutboundStatus,
    ParcelStatus,
    Round,
    RoundStatus,
    Stop,
    StopStatus,
    Uplink,
    UplinkStatus,
)
from logistics.outbound import handover, label, parcels
from logistics.outbound.tracking import kilograms
from logistics.rounds import EventInput, record_event
from logistics.timing import instant
from logistics.tracking import batches_to_receive
from tests.logistics.conftest import World

ADDRESS = "广东省深圳市南山区粤海街道科技园路1号2栋301室"


@pytest.fixture
def farmer(world: World, make_user: Any) -> User:
    user: User = make_user(Role.FARMER, village=world.village, name="农户老李")
    return user


def open_order(world: World, farmer: User, order_id: int = 7001, grams: int = 2_400) -> int:
    return outbound.open_outbound(
        world.db,
        order_id=order_id,
        station_id=world.village.id,
        seller_user_id=farmer.id,
        recipient="王小明",
        phone="13812345678",
        division_code="440305",
        street=ADDRESS,
        weight_g=grams,
        ready_by=utcnow() + dt.timedelta(days=2),
    )


def packed(world: World, farmer: User, order_id: int = 7001) -> OutboundParcel:
    parcel_id = open_order(world, farmer, order_id)
    parcels.receive_goods(
        world.db, agent=world.agent, village_id=world.village.id, parcel_id=parcel_id
    )
    return parcels.pack(
        world.db,
        agent=world.agent,
        village_id=world.village.id,
        parcel_id=parcel_id,
        weight_g=2_680,
    )


def at_hub(world: World, farmer: User, order_id: int = 7001) -> OutboundParcel:
    parcel = packed(world, farmer, order_id)
    township = world.village.township_id
    parcels.load_on_van(
        world.db, agent=world.agent, village_id=world.village.id, parcel_ids=[parcel.id]
    )
    parcels.receive_at_hub(
        world.db, dispatcher=world.dispatcher, township_id=township, parcel_ids=[parcel.id]
    )
    return parcel


def test_opening_is_idempotent_per_order(world: World, farmer: User) -> None:
    first = open_order(world, farmer)
    assert open_order(world, farmer) == first
    assert world.db.scalars(select(OutboundParcel).where(OutboundParcel.order_id == 7001)).all()
    tracking = outbound.tracking_for_order(world.db, 7001)
    assert tracking is not None
    assert tracking.status is OutboundStatus.AWAITING_GOODS
    assert len(tracking.steps) == 1
    assert outbound.tracking_for_order(world.db, 99_999) is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("phone", "12", "bad_phone"),
        ("division_code", "4403", "bad_division_code"),
        ("street", "  ", "bad_street"),
        ("recipient", "", "bad_recipient"),
        ("weight_g", 0, "bad_weight"),
        ("station_id", 987_654, "station_not_found"),
    ],
)
def test_opening_refuses_bad_input(
    world: World, farmer: User, field: str, value: object, code: str
) -> None:
    good: dict[str, Any] = {
        "order_id": 7002,
        "station_id": world.village.id,
        "seller_user_id": farmer.id,
        "recipient": "王小明",
        "phone": "13812345678",
        "division_code": "440305",
        "street": ADDRESS,
        "weight_g": 1000,
        "ready_by": utcnow(),
    }
    with pytest.raises(LogisticsError) as raised:
        outbound.open_outbound(world.db, **(good | {field: value}))
    assert raised.value.code == code


def test_from_the_station_to_the_courier_with_history_and_signal(
    world: World, farmer: User
) -> None:
    heard: list[dict[str, Any]] = []

    def listen(sender: OutboundParcel, **kwargs: Any) -> None:
        heard.append({"sender": sender, **kwargs})

    parcel = at_hub(world, farmer)
    with signals.outbound_handed_over.connected_to(listen):
        parcels.hand_to_courier(
            world.db,
            dispatcher=world.dispatcher,
            township_id=world.village.township_id,
            parcel_id=parcel.id,
            courier=Courier.SF,
            waybill="SF1234567890",
        )
    assert heard == [
        {
            "sender": parcel,
            "session": world.db,
            "order_id": 7001,
            "courier": Courier.SF,
            "waybill": "SF1234567890",
        }
    ]
    statuses = [e.status for e in parcel.history]
    assert statuses == [
        OutboundStatus.AWAITING_GOODS,
        OutboundStatus.AT_STATION,
        OutboundStatus.PACKED,
        OutboundStatus.ON_VAN,
        OutboundStatus.AT_HUB,
        OutboundStatus.HANDED_TO_COURIER,
    ]
    actors = [e.actor_id for e in parcel.history]
    assert (
        actors == [None, world.agent.id, world.agent.id, world.agent.id] + [world.dispatcher.id] * 2
    )
    tracking = outbound.tracking_for_order(world.db, 7001)
    assert tracking is not None
    assert tracking.courier == "顺丰"
    assert tracking.waybill == "SF1234567890"
    assert tracking.tracking_url == (
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
    )
    words = [text for _, text in tracking.steps]
    assert words[2] == "村站已称重打包，2.68 公斤"
    assert words[-1] == "已交给顺丰，运单号 SF1234567890"
    assert all(
        at.tzinfo is not None and at.utcoffset() == dt.timedelta(0) for at, _ in tracking.steps
    )


def test_a_waybill_is_used_once_per_courier(world: World, farmer: User) -> None:
    first, second = at_hub(world, farmer, 7001), at_hub(world, farmer, 7002)
    township = world.village.township_id
    parcels.hand_to_courier(
        world.db, dispatcher=world.dispatcher, township_id=township, parcel_id=first.id,
        courier=Courier.SF, waybill="SF1234567890",
    )  # fmt: skip
    with pytest.raises(LogisticsError) as raised:
        parcels.hand_to_courier(
            world.db, dispatcher=world.dispatcher, township_id=township, parcel_id=second.id,
            courier=Courier.SF, waybill="SF1234567890",
        )  # fmt: skip
    assert raised.value.code == "waybill_taken"


def test_another_station_cannot_touch_the_parcel(
    world: World, farmer: User, make_village: Any
) -> None:
    parcel_id = open_order(world, farmer)
    other = make_village()
    with pytest.raises(LogisticsError) as raised:
        parcels.receive_goods(world.db, agent=world.agent, village_id=other.id, parcel_id=parcel_id)
    assert raised.value.code == "outbound_not_at_station"


def test_cancel_until_the_van_takes_it(world: World, farmer: User) -> None:
    parcel = packed(world, farmer, 7001)
    outbound.cancel_outbound(world.db, order_id=7001)
    outbound.cancel_outbound(world.db, order_id=7001)  # again: nothing more happens
    assert parcel.status is OutboundStatus.CANCELLED
    late = at_hub(world, farmer, 7002)
    with pytest.raises(CoreError):
        outbound.cancel_outbound(world.db, order_id=7002)
    assert late.status is OutboundStatus.AT_HUB


def test_collection_becomes_produce_to_collect_on_the_round(world: World, farmer: User) -> None:
    parcel_id = open_order(world, farmer)
    outbound.request_collection(world.db, order_id=7001)
    outbound.request_collection(world.db, order_id=7001)  # asking twice asks once
    parcel = world.db.get_one(OutboundParcel, parcel_id)
    uplink = parcel.uplink
    assert uplink is not None
    assert world.db.scalars(
        select(Uplink).where(Uplink.household_id == farmer.household_id)
    ).all() == [uplink]
    assert uplink.estimated_weight_g == 2_400
    assert uplink.village_id == world.village.id
    round_ = _collection_round(world, farmer, uplink)
    record_event(
        world.db,
        cadre=world.cadre,
        stop_id=round_.stops[0].id,
        key="collect-7001",
        event=EventInput(type="collected", at=utcnow(), weight_g=2_500),
    )
    assert uplink.status is UplinkStatus.COLLECTED
    assert parcel.status is OutboundStatus.AT_STATION
    assert parcel.history[-1].actor_id == world.cadre.id
    tracking = outbound.tracking_for_order(world.db, 7001)
    assert tracking is not None
    assert [t for _, t in tracking.steps][1:] == [
        "农户已约村干部上门收货",
        f"农产品已到{world.village.name}村站",
    ]


def test_cancelling_withdraws_a_collection_not_yet_under_way(world: World, farmer: User) -> None:
    parcel_id = open_order(world, farmer)
    outbound.request_collection(world.db, order_id=7001)
    outbound.cancel_outbound(world.db, order_id=7001)
    world.db.flush()
    assert world.db.get_one(OutboundParcel, parcel_id).uplink is None
    assert (
        world.db.scalars(select(Uplink).where(Uplink.household_id == farmer.household_id)).all()
        == []
    )


def test_the_label_pdf_says_who_and_where(world: World, farmer: User) -> None:
    parcel = packed(world, farmer)
    pdf = label.labels_pdf([label.label_text(parcel)])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert (round(width_mm), round(height_mm)) == (100, 150)
    text = "".join(page.extract_text().split())  # the address wraps over lines
    assert parcel.number in text
    assert "王小明138****5678" in text
    assert "13812345678" not in text
    assert ADDRESS in text
    assert f"{world.village.name}村站" in text
    assert "2.68公斤" in text
    resources: Any = page["/Resources"]
    fonts = [str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()]
    assert any(name.startswith("/STSong-Light") for name in fonts)  # the built-in CID font


def test_weights_read_as_the_scale_shows_them() -> None:
    assert [kilograms(g) for g in (2_550, 2_400, 3_000, 2_995, 1, 1_004)] == [
        "2.55",
        "2.4",
        "3",
        "3",
        "0",
        "1",
    ]


def test_phones_are_masked_as_couriers_print_them() -> None:
    assert label.masked_phone("13812345678") == "138****5678"
    assert label.masked_phone("0755-86001234") == "075*****1234"


def test_the_manifest_has_chinese_headers_and_one_row_per_parcel(
    world: World, farmer: User
) -> None:
    parcel = at_hub(world, farmer)
    text = handover.manifest_csv([parcel])
    assert text.startswith(
        "\ufeff包裹号,订单号,寄件村站,收件人,收件电话,行政区划代码,收件地址,重量(公斤),快递公司,运单号"
    )
    row = text.splitlines()[1].split(",")
    assert row[0] == parcel.number
    assert row[3:8] == ["王小明", "138****5678", "440305", ADDRESS, "2.68"]


def test_waybills_imported_from_the_couriers_csv(world: World, farmer: User) -> None:
    first, second = at_hub(world, farmer, 7001), at_hub(world, farmer, 7002)
    csv_text = (
        "\ufeff运单号,快递公司,包裹号,备注\n"
        f"SF1000000001,顺丰速运,{first.number},\n"
        f" 78000001 ,中通, {second.number},易碎\n"
    )
    handed = handover.import_waybills(
        world.db, dispatcher=world.dispatcher, township_id=world.village.township_id, text=csv_text
    )
    assert handed == [first, second]
    assert (first.courier, first.waybill) == (Courier.SF, "SF1000000001")
    assert (second.courier, second.waybill) == (Courier.ZTO, "78000001")
    assert second.status is OutboundStatus.HANDED_TO_COURIER


def test_a_bad_row_rejects_the_import_and_names_the_line(world: World, farmer: User) -> None:
    first = at_hub(world, farmer, 7001)
    csv_text = (
        f"包裹号,快递公司,运单号\n{first.number},顺丰,SF1000000001\n"
        "CZ99999999,飞鸽,12\nCZ99999999,顺丰,SF1000000002\n"
        "CZ9999999999999,顺丰,SF1000000003\n"  # beyond any id the database holds
    )
    with pytest.raises(ManifestRejected) as raised:
        handover.import_waybills(
            world.db,
            dispatcher=world.dispatcher,
            township_id=world.village.township_id,
            text=csv_text,
        )
    found = [(e.line, e.error.code) for e in raised.value.lines]
    assert found == [(3, "unknown_courier"), (4, "outbound_not_at_hub"), (5, "outbound_not_at_hub")]
    with pytest.raises(ManifestRejected) as missing:
        handover.import_waybills(
            world.db,
            dispatcher=world.dispatcher,
            township_id=world.village.township_id,
            text="运单号\n1\n",
        )
    assert missing.value.lines[0].error.code == "missing_columns"


def test_the_trunk_van_picks_up_packed_parcels_and_its_plan_validates(
    world: World, farmer: User
) -> None:
    """Real OR-Tools: the van's day with a village that only has parcels to take back."""
    collecting_only = Village(
        township_id=world.village.township_id,
        name="东山村",
        station_address="东山村村委会",
        lat=world.village.lat + 0.03,
        lon=world.village.lon - 0.02,
    )
    world.db.add(collecting_only)
    world.db.flush()
    seller = world.db.get_one(User, farmer.id)
    parcel_id = outbound.open_outbound(
        world.db,
        order_id=7100,
        station_id=collecting_only.id,
        seller_user_id=seller.id,
        recipient="王小明",
        phone="13812345678",
        division_code="440305",
        street=ADDRESS,
        weight_g=5_000,
        ready_by=utcnow(),
    )
    agent = world.agent
    parcels.receive_goods(world.db, agent=agent, village_id=collecting_only.id, parcel_id=parcel_id)
    parcels.pack(
        world.db, agent=agent, village_id=collecting_only.id, parcel_id=parcel_id, weight_g=5_200
    )
    world.parcel(world.household(1), status=ParcelStatus.AT_TOWNSHIP_HUB)

    township = world.village.township
    problem = depot.trunk_problem(
        township, [world.village, collecting_only], [(1_500, 1), (0, 0)], [(0, 0), (5_200, 1)]
    )
    solution = routing.solve(problem, routing.SolveOptions(1.0, workers=1))
    assert routing.validate(problem, solution).ok
    assert solution.served() == 2 and not solution.dropped

    batches = depot.consolidate(world.db, township_id=township.id, day=world.today)
    by_village = {b.village_id: b for b in batches}
    assert sorted(b.trunk_sequence for b in batches) == [1, 2]
    assert (len(by_village[world.village.id].parcels), by_village[world.village.id].pickups) == (
        1,
        0,
    )
    assert (
        len(by_village[collecting_only.id].parcels),
        by_village[collecting_only.id].pickups,
    ) == (0, 1)
    # A visit that only collects has nothing for the agent to sign for.
    assert batches_to_receive(world.db, village_id=collecting_only.id) == []


def test_the_qr_code_is_drawn_as_runs_of_dark_modules() -> None:
    row = [True, True, False, True, False, False, True, True, True]
    assert label._dark_runs(row) == [(0, 2), (3, 1), (6, 3)]
    rebuilt = [False] * len(row)
    for start, length in label._dark_runs(row):
        rebuilt[start : start + length] = [True] * length
    assert rebuilt == row


def _collection_round(world: World, farmer: User, uplink: Uplink) -> Round:
    assert farmer.household_id is not None
    round_ = Round(
        day=world.today,
        village_id=world.village.id,
        vehicle_id=world.vehicle.id,
        cadre_id=world.cadre.id,
        departure=instant(world.today, 8 * 3600),
        return_at=instant(world.today, 12 * 3600),
    )
    round_.stops.append(
        Stop(household_id=farmer.household_id, sequence=1, eta=utcnow(), uplinks=[uplink])
    )
    world.db.add(round_)
    world.db.flush()
    return round_


def test_cancelling_takes_a_planned_collection_off_its_round(world: World, farmer: User) -> None:
    parcel_id = open_order(world, farmer)
    outbound.request_collection(world.db, order_id=7001)
    uplink = world.db.get_one(OutboundParcel, parcel_id).uplink
    assert uplink is not None
    round_ = _collection_round(world, farmer, uplink)
    outbound.cancel_outbound(world.db, order_id=7001)
    world.db.flush()
    assert round_.stops[0].status is StopStatus.SKIPPED
    assert round_.stops[0].uplinks == []


def test_a_collection_under_way_cannot_be_cancelled(world: World, farmer: User) -> None:
    parcel_id = open_order(world, farmer)
    outbound.request_collection(world.db, order_id=7001)
    uplink = world.db.get_one(OutboundParcel, parcel_id).uplink
    assert uplink is not None
    round_ = _collection_round(world, farmer, uplink)
    round_.move_to(RoundStatus.STARTED)
    with pytest.raises(LogisticsError) as raised:
        outbound.cancel_outbound(world.db, order_id=7001)
    assert raised.value.code == "collection_on_round"


def test_goods_brought_to_the_station_end_the_collection_even_under_way(
    world: World, farmer: User
) -> None:
    parcel_id = open_order(world, farmer)
    outbound.request_collection(world.db, order_id=7001)
    parcel = world.db.get_one(OutboundParcel, parcel_id)
    assert parcel.uplink is not None
    round_ = _collection_round(world, farmer, parcel.uplink)
    round_.move_to(RoundStatus.STARTED)
    parcels.receive_goods(
        world.db, agent=world.agent, village_id=world.village.id, parcel_id=parcel_id
    )
    world.db.flush()
    assert parcel.status is OutboundStatus.AT_STATION and parcel.uplink is None
    assert round_.stops[0].status is StopStatus.SKIPPED
    assert round_.stops[0].skip_note == "农户已自己送到村站"
