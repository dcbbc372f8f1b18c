"""Notices: one event makes one notice and one SMS, however often it is announced or retried;
the daily cap per phone; retries after a provider failure; the page lists and marks read.

The SMS provider is a stand-in here (no network): a recording sender in most tests, and for
Alibaba Cloud the real SDK client pointed at a local HTTP server that answers like the
service (the real service cannot be reached from this machine).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction
from core.models import User
from core.notices import services
from core.notices.models import Notice, NoticeKind, SmsMessage, SmsStatus
from core.notices.services import SmsJob, notify
from core.notices.sms import EXTENSION_KEY, AliyunSms, SmsError, parse_template_codes
from core.notices.tasks import send_one
from core.services import create_user
from core.timeutil import utcnow
from tests.conftest import password_hash_for_tests


def later() -> dt.datetime:
    """A moment just after the rows made so far (their first attempt is due at once)."""
    return utcnow() + dt.timedelta(seconds=5)


class RecordingSms:
    """A stand-in provider: records what it was asked to send; fails the first ``fail`` calls."""

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[SmsJob] = []
        self.fail = fail

    def send(self, job: SmsJob) -> str:
        if self.fail:
            self.fail -= 1
            raise SmsError("provider unreachable")
        self.sent.append(job)
        return f"stand-in-{len(self.sent)}"


def _parcel_notice(session: Session, user_id: int, key: str = "parcel:1:shelf") -> None:
    notify(
        session,
        user_id=user_id,
        kind=NoticeKind.PARCEL_ON_SHELF,
        event_key=key,
        link=("tracking.my_parcels", {}),
        station="青山村村站",
        shelf="A-01",
        code="123456",
    )


def test_one_event_makes_one_notice_and_one_sms(
    db: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _parcel_notice(db, user.id)
    _parcel_notice(db, user.id)  # announced again: a retried request, a resumed job
    assert db.scalar(select(func.count(Notice.id)).where(Notice.user_id == user.id)) == 1
    assert db.scalar(select(func.count(SmsMessage.id)).where(SmsMessage.phone == user.phone)) == 1
    notice = db.scalars(select(Notice).where(Notice.user_id == user.id)).one()
    assert notice.params == {"station": "青山村村站", "shelf": "A-01", "code": "123456"}
    assert services.unread_count(db, user_id=user.id) == 1


@pytest.fixture
def villager(committed_sessions: sessionmaker[Session]) -> User:
    with transaction(committed_sessions) as session:
        return create_user(
            session, phone="13911112222", name="王大妈", password_hash=password_hash_for_tests()
        )


def _outbox(sessions: sessionmaker[Session]) -> list[SmsMessage]:
    with transaction(sessions) as session:
        return list(session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def test_sent_once_even_when_sent_again_or_notified_again(
    committed_sessions: sessionmaker[Session], villager: User
) -> None:
    with transaction(committed_sessions) as session:
        _parcel_notice(session, villager.id)
    [message] = _outbox(committed_sessions)
    sender = RecordingSms()
    for _ in range(3):  # a duplicate dispatch, the beat sweep, a redelivered task
        send_one(committed_sessions, message.id, sender=sender, daily_cap=10, now=later())
    with transaction(committed_sessions) as session:
        _parcel_notice(session, villager.id)
    assert len(sender.sent) == 1
    assert (
        sender.sent[0].text == "您的包裹已到青山村村站，货架 A-01，取件码 123456，请凭取件码自取。"
    )
    [message] = _outbox(committed_sessions)
    assert (message.status, message.provider_id, message.attempts) == (
        SmsStatus.SENT,
        "stand-in-1",
        1,
    )


def test_retried_after_a_provider_failure(
    committed_sessions: sessionmaker[Session], villager: User
) -> None:
    with transaction(committed_sessions) as session:
        _parcel_notice(session, villager.id)
    [message] = _outbox(committed_sessions)
    sender = RecordingSms(fail=1)
    retry_in = send_one(committed_sessions, message.id, sender=sender, daily_cap=10, now=later())
    assert retry_in == services.FIRST_RETRY
    [message] = _outbox(committed_sessions)
    assert (message.status, message.attempts, message.error) == (
        SmsStatus.PENDING,
        1,
        "provider unreachable",
    )
    # Not due yet: nothing happens before the delay has passed.
    assert (
        send_one(committed_sessions, message.id, sender=sender, daily_cap=10, now=later()) is None
    )
    assert sender.sent == []
    with transaction(committed_sessions) as session:
        assert services.due_sms_ids(session, now=later() + retry_in) == [message.id]
    send_one(committed_sessions, message.id, sender=sender, daily_cap=10, now=later() + retry_in)
    [message] = _outbox(committed_sessions)
    assert (message.status, message.attempts, len(sender.sent)) == (SmsStatus.SENT, 2, 1)


def test_gives_up_after_the_last_attempt(
    committed_sessions: sessionmaker[Session], villager: User
) -> None:
    with transaction(committed_sessions) as session:
        _parcel_notice(session, villager.id)
    [message] = _outbox(committed_sessions)
    sender, when = RecordingSms(fail=services.MAX_ATTEMPTS), later()
    for _ in range(services.MAX_ATTEMPTS):
        delay = send_one(committed_sessions, message.id, sender=sender, daily_cap=10, now=when)
        when += delay or dt.timedelta(0)
    [message] = _outbox(committed_sessions)
    assert (message.status, message.attempts) == (SmsStatus.FAILED, services.MAX_ATTEMPTS)


def test_daily_cap_per_phone(committed_sessions: sessionmaker[Session], villager: User) -> None:
    with transaction(committed_sessions) as session:
        for number in range(3):
            _parcel_notice(session, villager.id, key=f"parcel:{number}:shelf")
    sender = RecordingSms()
    for message in _outbox(committed_sessions):
        send_one(committed_sessions, message.id, sender=sender, daily_cap=2, now=later())
    statuses = [m.status for m in _outbox(committed_sessions)]
    assert statuses == [SmsStatus.SENT, SmsStatus.SENT, SmsStatus.CAPPED]
    # The next local day the phone may receive messages again.
    with transaction(committed_sessions) as session:
        _parcel_notice(session, villager.id, key="parcel:9:shelf")
    tomorrow = later() + dt.timedelta(days=1)
    send_one(
        committed_sessions,
        _outbox(committed_sessions)[-1].id,
        sender=sender,
        daily_cap=2,
        now=tomorrow,
    )
    assert len(sender.sent) == 3
    with transaction(committed_sessions) as session:  # every notice is still in the app
        assert services.unread_count(session, user_id=villager.id) == 4


def test_sms_goes_out_after_the_transaction_commits(
    app: Flask, db: Session, make_user: Callable[..., User]
) -> None:
    from core.flask_db import unit_of_work

    sender = RecordingSms()
    app.extensions[EXTENSION_KEY] = sender
    user = make_user()
    with app.test_request_context(method="POST"), unit_of_work() as session:
        _parcel_notice(session, user.id)
        assert sender.sent == []  # nothing leaves before the commit
    assert [job.phone for job in sender.sent] == [user.phone]
    with app.test_request_context(method="POST"):
        from core.flask_db import get_session

        try:
            with unit_of_work() as session:
                _parcel_notice(session, user.id, key="parcel:2:shelf")
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
        get_session().commit()
    assert len(sender.sent) == 1  # a rolled-back notice sends nothing


def test_the_page_lists_and_marks_read(
    client: FlaskClient, db: Session, make_user: Callable[..., User], login: Callable[[User], str]
) -> None:
    user = make_user()
    _parcel_notice(db, user.id)
    db.flush()
    login(user)
    home = client.get("/").get_data(as_text=True)
    assert "新消息（1）" in home and "取件码 123456" in home
    page = client.get("/notices").get_data(as_text=True)
    assert "取件码 123456" in page and "notice-unread" in page
    assert 'href="/parcels"' in page
    assert services.unread_count(db, user_id=user.id) == 0
    again = client.get("/notices").get_data(as_text=True)
    assert "取件码 123456" in again and "notice-unread" not in again
    assert "新消息" not in client.get("/").get_data(as_text=True)


# --- Alibaba Cloud SMS: the real SDK against a local stand-in of the service -------------


class _StandIn(BaseHTTPRequestHandler):
    answers: list[dict[str, Any]] = []  # noqa: RUF012 - set per test
    seen: list[dict[str, list[str]]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode()
        fields = parse_qs(urlsplit(self.path).query) | parse_qs(body)
        fields |= {name.lower(): [value] for name, value in self.headers.items()}
        type(self).seen.append(fields)
        payload = json.dumps(type(self).answers.pop(0)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def aliyun_stand_in() -> Iterator[tuple[str, type[_StandIn]]]:
    server = HTTPServer(("127.0.0.1", 0), _StandIn)
    _StandIn.answers, _StandIn.seen = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}", _StandIn
    server.shutdown()


def _aliyun(endpoint: str) -> AliyunSms:
    return AliyunSms(
        access_key_id="test-key-id",
        access_key_secret="test-key-secret",
        sign_name="村站",
        template_codes=parse_template_codes("parcel_on_shelf=SMS_100001, order_ready=SMS_100002"),
        endpoint=endpoint,
        protocol="http",
    )


def _job(kind: NoticeKind = NoticeKind.PARCEL_ON_SHELF) -> SmsJob:
    return SmsJob(
        sms_id=7,
        phone="13911112222",
        kind=kind,
        params={"station": "青山村村站", "shelf": "A-01", "code": "123456"},
        text="…",
        out_id="notice-7",
    )


def test_aliyun_sends_the_kinds_template_with_its_params(
    aliyun_stand_in: tuple[str, type[_StandIn]],
) -> None:
    endpoint, stand_in = aliyun_stand_in
    stand_in.answers.append({"Code": "OK", "Message": "OK", "BizId": "900^1", "RequestId": "r1"})
    assert _aliyun(endpoint).send(_job()) == "900^1"
    [request] = stand_in.seen
    assert request["x-acs-action"] == ["SendSms"]
    assert request["PhoneNumbers"] == ["13911112222"]
    assert request["SignName"] == ["村站"]
    assert request["TemplateCode"] == ["SMS_100001"]
    assert request["OutId"] == ["notice-7"]
    assert json.loads(request["TemplateParam"][0])["code"] == "123456"
    assert request["authorization"][0].startswith("ACS3-HMAC-SHA256 Credential=test-key-id,")


def test_aliyun_refusal_and_missing_template_are_failures_to_retry(
    aliyun_stand_in: tuple[str, type[_StandIn]],
) -> None:
    endpoint, stand_in = aliyun_stand_in
    stand_in.answers.append(
        {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": "r2"}
    )
    with pytest.raises(SmsError, match="BUSINESS_LIMIT_CONTROL"):
        _aliyun(endpoint).send(_job())
    with pytest.raises(SmsError, match="no Aliyun template"):
        _aliyun(endpoint).send(_job(NoticeKind.LISTING_APPROVED))


def test_settings_choose_aliyun_only_with_every_key() -> None:
    from core.notices.sms import ConsoleSms, sender_for
    from core.settings import Settings

    partial = Settings.from_env({"ALIYUN_SMS_ACCESS_KEY_ID": "id"})
    assert isinstance(sender_for(partial), ConsoleSms)
    full = Settings.from_env(
        {
            "ALIYUN_SMS_ACCESS_KEY_ID": "id",
            "ALIYUN_SMS_ACCESS_KEY_SECRET": "secret",
            "ALIYUN_SMS_SIGN_NAME": "村站",
            "ALIYUN_SMS_TEMPLATE_CODES": "parcel_on_shelf=SMS_1",
            "SMS_DAILY_CAP": "3",
        }
    )
    assert isinstance(sender_for(full), AliyunSms) and full.sms_daily_cap == 3
