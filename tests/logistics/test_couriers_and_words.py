"""Courier names as people write them, and times that say which day they are on."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from core.i18n import when
from core.labels import label
from core.timeutil import LOCAL_ZONE
from logistics.couriers import parse_courier
from logistics.intake import parse_manifest
from logistics.models import Courier

HEADER = "tracking_no,courier,recipient_name,recipient_phone,weight_g\n"


@pytest.mark.parametrize(
    ("written", "courier"),
    [
        ("顺丰", Courier.SF),
        ("SF", Courier.SF),
        ("sf", Courier.SF),
        (" 中通 ", Courier.ZTO),
        ("ZTO", Courier.ZTO),
        ("圆通", Courier.YTO),
        ("申通", Courier.STO),
        ("韵达", Courier.YUNDA),
        ("Yunda", Courier.YUNDA),
        ("极兔", Courier.JT),
        ("J&T", Courier.JT),
        ("京东", Courier.JD),
        ("邮政", Courier.EMS),
        ("EMS", Courier.EMS),
    ],
)
def test_couriers_are_known_by_chinese_name_and_by_code(written: str, courier: Courier) -> None:
    assert parse_courier(written) is courier


def test_an_unknown_courier_is_none() -> None:
    assert parse_courier("顺风快递公司") is None


def test_a_manifest_may_name_couriers_in_chinese(app: Flask) -> None:
    text = (
        HEADER + "SF1234567890,顺丰,张三,13900000001,1200\nJT9876543210,极兔,李四,13900000002,800\n"
    )
    with app.test_request_context():
        rows, errors = parse_manifest(text)
    assert errors == []
    assert [row.courier for _, row in rows] == ["SF", "JT"]


def test_couriers_are_shown_in_chinese(app: Flask) -> None:
    with app.test_request_context():
        assert [label(c) for c in (Courier.SF, Courier.JT, Courier.EMS)] == [
            "顺丰",
            "极兔",
            "中国邮政",
        ]
    with app.test_request_context("/?lang=en"):
        assert label(Courier.SF) == "SF Express"


def local(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL_ZONE)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (local(27, 8, 23), "今天 08:23"),
        (local(28, 8, 23), "明天 08:23"),
        (local(26, 21, 5), "昨天 21:05"),
        (local(30, 8, 23), "11月30日 08:23"),
        (local(3, 9, 0, month=1, year=2027), "2027年1月3日 09:00"),
        (None, ""),
    ],
)
def test_times_say_their_day_unless_it_is_today(
    app: Flask, moment: dt.datetime | None, shown: str
) -> None:
    now = local(27, 21, 30)  # 21:30 in the evening
    with app.test_request_context():
        assert when(moment, now) == shown


def test_the_time_filter_is_in_english_on_request(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert when(local(27, 8, 23), local(27, 21, 30)) == "today 08:23"


def test_a_manifest_may_be_headed_in_chinese_as_the_board_names_the_columns(app: Flask) -> None:
    text = "运单号,快递公司,收件人,收件人手机,重量（克）\nSF1234567890,顺丰,张三,13900000001,1200\n"
    with app.test_request_context():
        rows, errors = parse_manifest(text)
        assert errors == []
        assert [(row.tracking_no, row.courier, row.weight_g) for _, row in rows] == [
            ("SF1234567890", "SF", 1200)
        ]
        _, missing = parse_manifest("运单号,快递公司\n")
        assert "收件人 (recipient_name)" in missing[0].error.message
