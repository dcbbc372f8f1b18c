"""The errands pages and API through the real app, on SQLite and PostgreSQL: filing, the
member's steps, the agent's hotline filing and return call, access, the ledger, the overdue
list, the monthly report and its CSV, the deadline command."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from core.models import User
from errands.models import Category, ErrandRequest, Grid, RequestStatus, Satisfaction
from errands.services import accept, file_for_self, mark_done
from tests.errands.conftest import Errands

Login = Callable[[User], str]


def _sign_in(client: FlaskClient, login: Login, user: User) -> str:
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": "x"})
    client.delete_cookie("session")
    return login(user)


def test_the_api_files_follows_and_closes(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    token = _sign_in(client, login, w.villager)
    kinds = client.get("/api/v1/requests/categories").get_json()["categories"]
    assert {"code": "certificate", "limit_working_days": 3, "needs_visit": True} | {
        "name": kinds[1]["name"]
    } == kinds[1]
    answer = client.post(
        "/api/v1/requests",
        json={"category": "certificate", "details": "开居住证明"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "filed" and body["assignee"]["id"] == w.member_a.id
    assert dt.datetime.fromisoformat(body["due_at"]) > dt.datetime.now(dt.UTC)
    request_id = body["id"]
    refused = client.post(
        "/api/v1/requests",
        json={"category": "lottery", "details": "x"},
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 422

    token = _sign_in(client, login, w.neighbour)
    assert client.get(f"/api/v1/requests/{request_id}").status_code == 403
    assert client.get("/api/v1/requests/2147483647").status_code == 404

    token = _sign_in(client, login, w.member_b)
    answer = client.post(f"/api/v1/requests/{request_id}/accept", headers={"X-CSRFToken": token})
    assert answer.status_code == 403
    token = _sign_in(client, login, w.member_a)
    answer = client.post(f"/api/v1/requests/{request_id}/accept", headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["status"] == "accepted"
    answer = client.post(
        f"/api/v1/requests/{request_id}/done", json={}, headers={"X-CSRFToken": token}
    )
    assert answer.get_json()["status"] == "done"

    token = _sign_in(client, login, w.agent)
    answer = client.post(
        f"/api/v1/requests/{request_id}/close",
        json={"satisfaction": "satisfied"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "closed" and body["satisfaction"] == "satisfied"
    assert [s["kind"] for s in body["steps"]] == ["filed", "accepted", "done", "closed"]


def test_the_agent_reassigns_and_the_member_starts_through_the_api(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    """Every step of the pages is a call too: the agent's reassignment, the member's start."""
    w = errands
    token = _sign_in(client, login, w.villager)
    filed = client.post(
        "/api/v1/requests",
        json={"category": "repair", "details": "水管漏水"},
        headers={"X-CSRFToken": token},
    ).get_json()
    request_id, reassign = filed["id"], f"/api/v1/requests/{filed['id']}/reassign"
    to_b = {"member_id": w.member_b.id}
    assert client.post(reassign, json=to_b, headers={"X-CSRFToken": token}).status_code == 403

    token = _sign_in(client, login, w.agent)
    nobody = client.post(reassign, json={"member_id": 2**31 - 1}, headers={"X-CSRFToken": token})
    assert nobody.status_code == 404 and nobody.get_json()["error"]["code"] == "member_not_found"
    moved = client.post(reassign, json=to_b, headers={"X-CSRFToken": token})
    assert moved.status_code == 200 and moved.get_json()["assignee"]["id"] == w.member_b.id

    token = _sign_in(client, login, w.member_b)
    start = f"/api/v1/requests/{request_id}/start"
    early = client.post(start, headers={"X-CSRFToken": token})
    assert early.status_code == 409  # accepted first
    client.post(f"/api/v1/requests/{request_id}/accept", headers={"X-CSRFToken": token})
    started = client.post(start, headers={"X-CSRFToken": token})
    assert started.status_code == 200 and started.get_json()["status"] == "in_progress"
    assert [s["kind"] for s in started.get_json()["steps"]] == [
        "filed",
        "reassigned",
        "accepted",
        "started",
    ]


def test_the_openapi_document_has_the_calls(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/{request_id}",
        "/api/v1/requests/categories",
        "/api/v1/requests/{request_id}/accept",
        "/api/v1/requests/{request_id}/start",
        "/api/v1/requests/{request_id}/reassign",
        "/api/v1/requests/{request_id}/done",
        "/api/v1/requests/{request_id}/close",
    ):
        assert path in paths


def test_pages_file_accept_and_close(errands: Errands, client: FlaskClient, login: Login) -> None:
    w = errands
    token = _sign_in(client, login, w.villager)
    page = client.post(
        "/errands/new",
        data={"csrf_token": token, "category": "repair", "details": "屋顶漏雨"},
    )
    assert page.status_code == 302
    request_id = int(page.headers["Location"].rsplit("/", 1)[1])
    assert "屋顶漏雨" in client.get("/errands").get_data(as_text=True)
    own = client.get(f"/errands/{request_id}").get_data(as_text=True)
    assert 'href="/errands">返回我的事项' in own  # the villager's way back to the list

    refused = client.post(
        "/errands/new",
        data={"csrf_token": token, "category": "repair", "details": "  "},
    )
    assert refused.status_code == 422
    assert 'value="repair" required checked' in refused.get_data(as_text=True)

    token = _sign_in(client, login, w.member_b)
    assert "屋顶漏雨" not in client.get("/errands/todo").get_data(as_text=True)
    assert client.get(f"/errands/{request_id}").status_code == 403

    token = _sign_in(client, login, w.member_a)
    assert "屋顶漏雨" in client.get("/errands/todo").get_data(as_text=True)
    member_view = client.get(f"/errands/{request_id}").get_data(as_text=True)
    assert 'href="/errands/todo">返回我负责的事项' in member_view
    for step in ("accept", "start", "done"):
        client.post(f"/errands/{request_id}/{step}", data={"csrf_token": token})
    w.db.expire_all()
    assert w.db.get_one(ErrandRequest, request_id).status == RequestStatus.DONE

    token = _sign_in(client, login, w.villager)
    client.post(
        f"/errands/{request_id}/close", data={"csrf_token": token, "satisfaction": "basically"}
    )
    w.db.expire_all()
    closed = w.db.get_one(ErrandRequest, request_id)
    assert closed.satisfaction == Satisfaction.BASICALLY and closed.satisfaction_by_villager


def test_the_agent_files_from_a_call_reassigns_and_searches(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    token = _sign_in(client, login, w.agent)
    page = client.post(
        "/errands/station",
        data={
            "csrf_token": token,
            "channel": "hotline",
            "phone": w.neighbour.phone,
            "category": "bill_payment",
            "details": "代缴电费两百元",
            "caller_name": "李奶奶的儿子",
            "caller_phone": "13800000000",
            "called_at": "2026-11-27T09:30",
            "callback_by": "2026-11-27T17:00",
            "window_start": "14:00",
            "window_end": "17:30",
        },
        follow_redirects=True,
    )
    assert page.status_code == 200
    request = w.db.scalar(select(ErrandRequest).where(ErrandRequest.details == "代缴电费两百元"))
    assert request is not None and request.caller_name == "李奶奶的儿子"
    assert request.called_at == dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC)
    assert request.assignee_id == w.member_b.id
    assert (request.window_start, request.window_end) == (dt.time(14), dt.time(17, 30))
    client.post(
        f"/errands/{request.id}/reassign", data={"csrf_token": token, "member": w.member_a.id}
    )
    w.db.expire_all()
    assert w.db.get_one(ErrandRequest, request.id).assignee_id == w.member_a.id
    ledger = client.get("/errands/ledger", query_string={"q": "电费"}).get_data(as_text=True)
    assert "代缴电费两百元" in ledger and "李奶奶" in ledger
    nothing = client.get("/errands/ledger", query_string={"q": "没有的事"}).get_data(as_text=True)
    assert "代缴电费两百元" not in nothing
    missing = client.post(
        "/errands/station",
        data={
            "csrf_token": token,
            "channel": "hotline",
            "phone": w.neighbour.phone,
            "category": "other",
            "details": "问事",
        },
    )
    again = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "请填写来电人" in again
    # the form comes back as it was sent: nothing to type twice
    assert '<textarea id="details" name="details" maxlength="500" required>问事</textarea>' in again
    assert f'value="{w.neighbour.phone}"' in again and 'value="other" selected' in again
    assert 'value="hotline" checked' in again
    backwards = client.post(
        "/errands/station",
        data={
            "csrf_token": token,
            "phone": w.neighbour.phone,
            "category": "repair",
            "details": "修门",
            "window_start": "17:00",
            "window_end": "09:00",
        },
    )
    assert backwards.status_code == 422 and "开始早于结束" in backwards.get_data(as_text=True)
    assert 'value="17:00"' in backwards.get_data(as_text=True)


def test_the_monthly_report_and_its_csv(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    filed = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)
    on_time = file_for_self(
        w.db, villager=w.villager, category=Category.CERTIFICATE, details="证明", now=filed
    )
    accept(w.db, member=w.member_a, request_id=on_time.id, now=filed)
    mark_done(w.db, member=w.member_a, request_id=on_time.id, now=filed)
    file_for_self(w.db, villager=w.neighbour, category=Category.OTHER, details="问事", now=filed)
    _sign_in(client, login, w.agent)
    page = client.get("/errands/report", query_string={"month": "2026-10"}).get_data(as_text=True)
    assert 'data-figure="filed">2<' in page
    assert 'data-figure="on_time">1<' in page and 'data-figure="overdue">1<' in page
    answer = client.get("/errands/report.csv", query_string={"month": "2026-10"})
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["分组", "名称", "登记", "已关闭", "按时办结", "超期"]
    assert rows[1][:6] == ["合计", "全部", "2", "0", "1", "1"]
    members = [row[:6] for row in rows if row[0] == "经办人"]
    assert ["经办人", "甲网格员", "1", "0", "1", "0"] in members
    assert ["经办人", "乙网格员", "1", "0", "0", "1"] in members
    assert client.get("/errands/report", query_string={"month": "2026-13"}).status_code == 422


def test_the_overdue_list_for_the_township(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    file_for_self(
        w.db,
        villager=w.villager,
        category=Category.OTHER,
        details="早就该办的事",
        now=dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC),
    )
    _sign_in(client, login, w.dispatcher)
    page = client.get("/errands/overdue").get_data(as_text=True)
    assert "早就该办的事" in page and "甲网格员" in page and "网格村" in page
    assert client.get("/errands/station").status_code == 403


def test_the_check_command_escalates(errands: Errands, app: Flask) -> None:
    file_for_self(
        errands.db,
        villager=errands.villager,
        category=Category.OTHER,
        details="过期的事",
        now=dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC),
    )
    result = app.test_cli_runner().invoke(args=["errands", "check"])
    assert result.exit_code == 0 and "escalated 1" in result.output


def test_the_worker_knows_the_check() -> None:
    import shop.worker

    assert "errands.check_deadlines" in shop.worker.app.tasks
    assert "check-errand-deadlines" in shop.worker.app.conf.beat_schedule


def test_the_agent_makes_a_grid_and_moves_a_household(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    token = _sign_in(client, login, w.agent)
    client.post(
        "/errands/grids",
        data={"csrf_token": token, "name": "三组", "member_phone": w.villager.phone},
    )
    grid = w.db.scalar(select(Grid).where(Grid.name == "三组"))
    assert grid is not None and grid.member_id == w.villager.id  # a party member
    client.post(
        "/errands/grids",
        data={"csrf_token": token, "grid": grid.id, "phones": w.neighbour.phone},
    )
    request = file_for_self(w.db, villager=w.neighbour, category=Category.OTHER, details="问事")
    assert request.grid_id == grid.id and request.assignee_id == w.villager.id
    page = client.post(
        "/errands/grids",
        data={"csrf_token": token, "name": "四组", "member_phone": w.dispatcher.phone},
        follow_redirects=True,
    )
    assert "本村没有这位网格员" in page.get_data(as_text=True)
    assert "三组" in page.get_data(as_text=True)


def test_a_photo_is_kept_and_shown_only_to_those_who_see_the_request(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture, "PNG")
    token = _sign_in(client, login, w.villager)
    page = client.post(
        "/errands/new",
        data={
            "csrf_token": token,
            "category": "repair",
            "details": "水管裂了",
            "photo": (io.BytesIO(picture.getvalue()), "pipe.png"),
        },
        content_type="multipart/form-data",
    )
    request_id = int(page.headers["Location"].rsplit("/", 1)[1])
    [photo] = w.db.get_one(ErrandRequest, request_id).photos
    shown = client.get(f"/errands/photos/{photo.id}")
    assert shown.status_code == 200 and shown.data[:2] == b"\xff\xd8"  # re-encoded as JPEG
    _sign_in(client, login, w.neighbour)
    assert client.get(f"/errands/photos/{photo.id}").status_code == 403


def test_the_station_offers_only_its_service_list(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    token = _sign_in(client, login, w.agent)
    page = client.get("/errands/station").get_data(as_text=True)
    assert '<option value="repair"' in page  # every category until the agent says
    assert 'name="category" value="repair" checked' in page
    client.post(
        "/errands/station/services",
        data={"csrf_token": token, "category": ["certificate", "other"]},
    )
    page = client.get("/errands/station").get_data(as_text=True)
    assert '<option value="repair"' not in page and '<option value="certificate"' in page
    assert 'name="category" value="repair">' in page  # offered again with one tick
    refused = client.post(
        "/errands/station",
        data={
            "csrf_token": token,
            "phone": w.neighbour.phone,
            "category": "repair",
            "details": "修门",
        },
    )
    assert refused.status_code == 422 and "本站不提供“报修”" in refused.get_data(as_text=True)
    emptied = client.post(
        "/errands/station/services", data={"csrf_token": token}, follow_redirects=True
    )
    assert "服务清单至少要留一类事项" in emptied.get_data(as_text=True)

    token = _sign_in(client, login, w.villager)
    form = client.get("/errands/new").get_data(as_text=True)
    assert 'value="certificate"' in form and 'value="repair"' not in form
    refused = client.post(
        "/errands/new", data={"csrf_token": token, "category": "repair", "details": "屋顶漏雨"}
    )
    assert refused.status_code == 422 and "本站不提供“报修”" in refused.get_data(as_text=True)
    kinds = client.get("/api/v1/requests/categories").get_json()["categories"]
    assert [kind["code"] for kind in kinds] == ["certificate", "other"]
    answer = client.post(
        "/api/v1/requests",
        json={"category": "repair", "details": "屋顶漏雨"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "category_not_offered"
    answer = client.post(
        "/api/v1/requests",
        json={"category": "other", "details": "问事"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 201

    _sign_in(client, login, w.dispatcher)  # a villager of another village: its own list
    kinds = client.get("/api/v1/requests/categories").get_json()["categories"]
    assert len(kinds) == len(Category)


def test_the_grid_member_is_marked_a_party_member(
    errands: Errands, client: FlaskClient, login: Login
) -> None:
    w = errands
    token = _sign_in(client, login, w.agent)
    client.post(
        "/errands/grids",
        data={
            "csrf_token": token,
            "name": "三组",
            "member_phone": w.villager.phone,
            "party_member": "1",
        },
    )
    grid = w.db.scalar(select(Grid).where(Grid.name == "三组"))
    assert grid is not None and grid.party_member
    page = client.get("/errands/grids").get_data(as_text=True)
    assert f'{w.villager.name} <span class="badge party-member">党员</span>' in page
    assert f"{w.member_a.name} <span" not in page  # grid A's member is not marked
    client.post(
        "/errands/grids",
        data={
            "csrf_token": token,
            "grid": w.grid_a.id,
            "change": "party_member",
            "party_member": "1",
        },
    )
    w.db.expire_all()
    assert w.db.get_one(Grid, w.grid_a.id).party_member
    request = file_for_self(w.db, villager=w.villager, category=Category.OTHER, details="问事")
    shown = client.get(f"/errands/{request.id}").get_data(as_text=True)
    assert '甲网格员 <span class="badge party-member">党员</span>' in shown
    client.post(
        "/errands/grids", data={"csrf_token": token, "grid": w.grid_a.id, "change": "party_member"}
    )
    w.db.expire_all()
    assert not w.db.get_one(Grid, w.grid_a.id).party_member
    assert "党员" not in client.get(f"/errands/{request.id}").get_data(as_text=True)
