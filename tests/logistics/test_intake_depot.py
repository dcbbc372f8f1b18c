"""Intake at the hub (single, CSV manifest, unmatched queue) and work at the village depot."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from logistics import depot, intake
from logistics.errors import LogisticsError
from logistics.intake import ManifestRejected, ParcelInput
from logistics.models import BatchStatus, Parcel, ParcelStatus, StopStatus
from tests.logistics.conftest import World

HEADER = "tracking_no,courier,recipient_name,recipient_phone,weight_g\n"


def _input(phone: str, tracking: str = "YT1234567890") -> ParcelInput:
    return ParcelInput("yto", tracking, "王建国", phone, 2_000)


def test_a_parcel_entered_at_the_hub_is_matched_by_phone(world: World) -> None:
    home = world.household(1)
    parcel = intake.register_parcel(
        world.db, township_id=world.village.township_id, data=_input("+86 136 0000 0001")
    )
    assert (parcel.household_id, parcel.village_id) == (home.id, world.village.id)
    assert parcel.status is ParcelStatus.AT_TOWNSHIP_HUB
    with pytest.raises(LogisticsError, match="已经登记过"):
        intake.register_parcel(
            world.db, township_id=world.village.township_id, data=_input("13600000001")
        )


def test_an_unknown_phone_goes_to_the_unmatched_queue_and_is_resolved_by_hand(
    world: World,
) -> None:
    township = world.village.township_id
    parcel = intake.register_parcel(world.db, township_id=township, data=_input("13888888888"))
    assert intake.unmatched_parcels(world.db, township_id=township) == [parcel]
    home = world.household(2)
    intake.match_parcel(world.db, township_id=township, parcel_id=parcel.id, household_id=home.id)
    assert parcel.household_id == home.id
    assert intake.unmatched_parcels(world.db, township_id=township) == []


def test_matching_by_hand_refuses_a_phone_two_households_share(world: World) -> None:
    township = world.village.township_id
    parcel = intake.register_parcel(world.db, township_id=township, data=_input("13888888888"))
    first, second = world.household(3), world.household(4)
    second.phone = first.phone
    world.db.flush()
    with pytest.raises(LogisticsError, match="只用这个手机号"):
        intake.match_parcel_by_phone(
            world.db, township_id=township, parcel_id=parcel.id, phone=first.phone
        )
    assert parcel.household_id is None
    third = world.household(5)
    matched = intake.match_parcel_by_phone(
        world.db, township_id=township, parcel_id=parcel.id, phone=f" {third.phone} "
    )
    assert matched == third and parcel.household_id == third.id


def test_a_manifest_imports_every_row_as_announced(world: World) -> None:
    world.household(3)
    text = HEADER + "SF0000000001,SF,住户3,13600000003,1200\nJD0000000002,jd,某人,13999999999,800\n"
    result = intake.import_manifest(world.db, township_id=world.village.township_id, text=text)
    assert [p.status for p in result.parcels] == [ParcelStatus.ANNOUNCED] * 2
    assert result.unmatched == 1
    scanned = intake.scan_arrival(
        world.db, township_id=world.village.township_id, tracking_no="SF0000000001"
    )
    assert scanned.status is ParcelStatus.AT_TOWNSHIP_HUB


def test_a_manifest_with_bad_lines_imports_nothing_and_names_each_line(world: World) -> None:
    text = (
        HEADER
        + "SF0000000001,SF,住户3,13600000003,1200\n"  # line 2: fine
        + "SF0000000002,DHL,住户3,13600000003,1200\n"  # line 3: unknown courier
        + "SF0000000003,SF,住户3,12345,1200\n"  # line 4: bad phone
        + "SF0000000004,SF,住户3,13600000003,heavy\n"  # line 5: weight not a number
        + "SF0000000001,SF,住户3,13600000003,1200\n"  # line 6: duplicate of line 2
    )
    with pytest.raises(ManifestRejected) as rejected:
        intake.import_manifest(world.db, township_id=world.village.township_id, text=text)
    assert [e.line for e in rejected.value.lines] == [3, 4, 5, 6]
    assert "快递公司" in rejected.value.lines[0].message
    assert world.db.scalar(select(func.count(Parcel.id))) == 0


def test_a_manifest_without_the_columns_is_refused(world: World) -> None:
    with pytest.raises(ManifestRejected) as rejected:
        intake.import_manifest(world.db, township_id=world.village.township_id, text="a,b\n1,2\n")
    assert "缺少列" in rejected.value.lines[0].message


def test_consolidation_receipt_shelf_and_pickup(world: World) -> None:
    homes = [world.household(n) for n in range(1, 4)]
    hub = [world.parcel(h, ParcelStatus.AT_TOWNSHIP_HUB) for h in homes]
    [batch] = depot.consolidate(world.db, township_id=world.village.township_id, day=world.today)
    assert batch.parcels == hub and batch.trunk_sequence == 1 and batch.trunk_eta is not None
    received = depot.receive_batch(
        world.db,
        village_id=world.village.id,
        batch_id=batch.id,
        parcel_ids=[hub[0].id, hub[1].id],
    )
    assert batch.status is BatchStatus.RECEIVED
    assert [p.status for p in hub] == [ParcelStatus.AT_VILLAGE_DEPOT] * 2 + [
        ParcelStatus.AT_TOWNSHIP_HUB
    ]
    codes = {p.pickup_code for p in received}
    assert len(codes) == 2 and all(c and len(c) == 6 and c.isdigit() for c in codes)
    assert {p.shelf for p in received} == {"A-01", "A-02"}
    with pytest.raises(LogisticsError, match="取件码不对"):
        depot.hand_over(world.db, village_id=world.village.id, parcel_id=hub[0].id, pickup_code="x")
    depot.hand_over(
        world.db,
        village_id=world.village.id,
        parcel_id=hub[0].id,
        pickup_code=str(hub[0].pickup_code),
    )
    assert hub[0].status is ParcelStatus.PICKED_UP and hub[0].finished_at is not None


def test_picking_up_at_the_station_takes_the_parcel_off_a_planned_round(world: World) -> None:
    round_ = world.round(1)
    stop = round_.stops[0]
    parcel = stop.parcels[0]
    depot.hand_over(
        world.db,
        village_id=world.village.id,
        parcel_id=parcel.id,
        pickup_code=str(parcel.pickup_code),
    )
    assert stop.status is StopStatus.SKIPPED and stop.parcels == []


def test_shop_deliveries_arrive_on_the_shelf(world: World) -> None:
    from logistics.services import add_delivery_item

    home = world.household(9)
    parcel = add_delivery_item(
        world.db,
        household_id=home.id,
        reference="ORDER-42",
        description="化肥 2 袋",
        weight_g=80_000,
    )
    assert parcel.status is ParcelStatus.AT_VILLAGE_DEPOT and parcel.pickup_code
    with pytest.raises(LogisticsError, match="已经在配送中"):
        add_delivery_item(
            world.db, household_id=home.id, reference="ORDER-42", description="x", weight_g=1
        )
    long = "GROUPBUY-2026-compound-fertiliser-village-0001-share"
    first = add_delivery_item(
        world.db, household_id=home.id, reference=f"{long}#1", description="x", weight_g=1
    )
    second = add_delivery_item(
        world.db, household_id=home.id, reference=f"{long}#2", description="x", weight_g=1
    )
    assert first.tracking_no != second.tracking_no and len(first.tracking_no) <= 40
    assert second.reference == f"{long}#2"


def test_the_agent_scans_parcels_in_one_by_one(world: World) -> None:
    homes = [world.household(n) for n in range(1, 3)]
    first, second = (world.parcel(h, ParcelStatus.AT_TOWNSHIP_HUB) for h in homes)
    [batch] = depot.consolidate(world.db, township_id=world.village.township_id, day=world.today)
    depot.receive_scanned(world.db, village_id=world.village.id, tracking_no=first.tracking_no)
    assert first.status is ParcelStatus.AT_VILLAGE_DEPOT and first.pickup_code
    assert batch.status is BatchStatus.IN_TRANSIT
    with pytest.raises(LogisticsError, match="在途批次里没有"):
        depot.receive_scanned(
            world.db, village_id=world.village.id + 1, tracking_no=second.tracking_no
        )
    depot.receive_scanned(world.db, village_id=world.village.id, tracking_no=second.tracking_no)
    assert batch.status is BatchStatus.RECEIVED
