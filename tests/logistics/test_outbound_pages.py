"""The agent's outbound section of the station desk and the dispatcher's handover page,
through the real app (forms, the label PDF, the manifest CSV, the waybill import)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pypdf
from flask.testing import FlaskClient

import routing
from core.models import Role, User
from logistics import outbound, planning
from logistics.models import Courier, OutboundParcel, OutboundStatus
from logistics.outbound import parcels
from tests.logistics.conftest import World
from tests.logistics.test_outbound import open_order


def test_the_agent_receives_packs_prints_and_loads_the_van(
    world: World, client: FlaskClient, login: Callable[[User], str], make_user: Any
) -> None:
    farmer = make_user(Role.FARMER, village=world.village, name="农户老李")
    parcel_id = open_order(world, farmer)
    token = login(world.agent)
    desk = client.get("/station").get_data(as_text=True)
    assert "寄往城市的订单（1）" in desk and "农户已送到村站" in desk
    client.post(f"/station/outbound/{parcel_id}/receive", data={"csrf_token": token})
    refused = client.post(
        f"/station/outbound/{parcel_id}/pack",
        data={"csrf_token": token, "weight_kg": "2,5"},
        follow_redirects=True,
    )
    assert "重量应在 1 克到 100 公斤之间" in refused.get_data(as_text=True)
    client.post(
        f"/station/outbound/{parcel_id}/pack", data={"csrf_token": token, "weight_kg": "2.68"}
    )
    parcel = world.db.get_one(OutboundParcel, parcel_id)
    world.fresh()
    assert (parcel.status, parcel.packed_weight_g) == (OutboundStatus.PACKED, 2_680)
    pdf = client.get(f"/station/outbound/{parcel_id}/label.pdf")
    assert pdf.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert parcel.number in text and "138****5678" in text
    client.post("/station/outbound/van", data={"csrf_token": token, "parcel": str(parcel_id)})
    world.fresh()
    assert parcel.status is OutboundStatus.ON_VAN


def test_another_stations_agent_gets_no_label(
    world: World,
    client: FlaskClient,
    login: Callable[[User], str],
    make_user: Any,
    make_village: Any,
) -> None:
    farmer = make_user(Role.FARMER, village=world.village)
    parcel_id = open_order(world, farmer)
    login(make_user(Role.AGENT, village=make_village()))
    assert client.get(f"/station/outbound/{parcel_id}/label.pdf").status_code == 404


def test_the_dispatcher_receives_prints_downloads_and_records_waybills(
    world: World, client: FlaskClient, login: Callable[[User], str], make_user: Any
) -> None:
    farmer = make_user(Role.FARMER, village=world.village)
    ids = [open_order(world, farmer, order_id) for order_id in (8001, 8002)]
    for parcel_id in ids:
        parcels.receive_goods(
            world.db, agent=world.agent, village_id=world.village.id, parcel_id=parcel_id
        )
        parcels.pack(
            world.db, agent=world.agent, village_id=world.village.id, parcel_id=parcel_id,
            weight_g=1_200,
        )  # fmt: skip
    parcels.load_on_van(world.db, agent=world.agent, village_id=world.village.id, parcel_ids=ids)
    token = login(world.dispatcher)
    assert "干线车上，待到镇中心（2）" in client.get("/dispatch/outbound").get_data(as_text=True)
    client.post(
        "/dispatch/outbound/arrived", data={"csrf_token": token, "parcel": [str(i) for i in ids]}
    )
    sheet = client.get("/dispatch/outbound/sheet").get_data(as_text=True)
    assert "快递交接单" in sheet and "共 2 件" in sheet and "138****5678" in sheet
    manifest = client.get("/dispatch/outbound/manifest.csv")
    assert manifest.mimetype == "text/csv"
    lines = manifest.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("包裹号,订单号,寄件村站")
    assert len(lines) == 3
    client.post(
        f"/dispatch/outbound/{ids[0]}/waybill",
        data={"csrf_token": token, "courier": "SF", "waybill": "sf7000000001"},
    )
    second = world.db.get_one(OutboundParcel, ids[1])
    upload = f"包裹号,快递公司,运单号\n{second.number},韵达快递,4312000000001\n"
    client.post(
        "/dispatch/outbound/waybills",
        data={"csrf_token": token, "waybills": (io.BytesIO(upload.encode()), "back.csv")},
        content_type="multipart/form-data",
    )
    world.fresh()
    handed = client.get("/dispatch/outbound").get_data(as_text=True)
    assert "今天已交快递（2）" in handed
    assert 'href="https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF7000000001"' in handed
    first = outbound.tracking_for_order(world.db, 8001)
    assert first is not None and first.waybill == "SF7000000001"
    assert (second.courier, second.waybill) == (Courier.YUNDA, "4312000000001")
    bad = client.post(
        "/dispatch/outbound/waybills",
        data={"csrf_token": token, "waybills": (io.BytesIO(upload.encode()), "back.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "第 2 行" in bad.get_data(as_text=True)


def test_the_cadre_sees_which_order_to_collect(
    world: World, client: FlaskClient, login: Callable[[User], str], make_user: Any
) -> None:
    farmer = make_user(Role.FARMER, village=world.village, name="农户老李")
    open_order(world, farmer, 9001)
    outbound.request_collection(world.db, order_id=9001)
    plan = planning.prepare(world.db, village_id=world.village.id, day=world.today)
    assert plan is not None
    [stop] = plan.problem.stops
    assert stop.pickup == (2_400, 0)
    planning.apply_plan(
        world.db,
        plan=plan,
        solution=routing.solve(plan.problem, routing.SolveOptions(1.0, workers=1)),
    )
    login(world.cadre)
    html = client.get("/cadre/today").get_data(as_text=True)
    assert "寄往城市的订单 9001号" in html
    assert "约 2.4 公斤" in html
