"""Fast unit tests of core helpers: money, geo, time, passwords, transitions, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import CoreError
from core.geo import Point, great_circle_m, offset
from core.labels import Labelled, name_members
from core.money import MoneyError, format_fen, yuan_to_fen
from core.passwords import check_password_rules, hash_password, verify_password
from core.services import normalise_phone
from core.settings import DEVELOPMENT_SECRET_KEY, ConfigurationError, Settings
from core.statemachine import TransitionTable
from core.timeutil import ensure_utc, format_local, to_local


@pytest.mark.parametrize(
    ("text", "fen"), [("12.5", 1250), ("¥3", 300), ("0.01", 1), ("￥ 1,000"[:0] + "1000", 100000)]
)
def test_yuan_to_fen_is_exact(text: str, fen: int) -> None:
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["-1", "1.234", "abc", "", "1e3", "0.1.1"])
def test_yuan_to_fen_refuses_what_is_not_money(text: str) -> None:
    with pytest.raises(MoneyError):
        yuan_to_fen(text)


@given(st.integers(min_value=0, max_value=10**11 - 1))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert yuan_to_fen(format_fen(fen).replace(",", "")) == fen


def test_format_fen_shows_sign_and_two_decimals() -> None:
    assert format_fen(-5) == "-¥0.05"
    assert format_fen(123456) == "¥1,234.56"


def test_great_circle_distance_of_one_degree_of_latitude() -> None:
    assert great_circle_m(Point(28.0, 113.0), Point(29.0, 113.0)) == pytest.approx(111_195, abs=5)


def test_offset_moves_by_the_asked_distance() -> None:
    origin = Point(28.2, 112.9)
    assert great_circle_m(origin, offset(origin, north_m=3000, east_m=4000)) == pytest.approx(
        5000, abs=3
    )


def test_point_refuses_impossible_coordinates() -> None:
    with pytest.raises(ValueError, match="not a coordinate"):
        Point(91, 0)


def test_times_are_utc_and_shown_in_shanghai() -> None:
    moment = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    assert to_local(moment).hour == 0
    assert format_local(moment) == "2026-11-24 00:30"
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize("password", ["short", "12345678", "password", "aaaaaaaaaa", "88888888"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(CoreError):
        check_password_rules(password)


def test_passwords_are_hashed_with_argon2id() -> None:
    hashed = hash_password("稻花香里说丰年")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "稻花香里说丰年")
    assert not verify_password(hashed, "稻花香里说丰年!")
    assert not verify_password("not-a-hash", "x")


@pytest.mark.parametrize(
    "raw", ["13900000001", "139 0000 0001", "+86 139-0000-0001", "008613900000001"]
)
def test_phone_numbers_are_normalised(raw: str) -> None:
    assert normalise_phone(raw) == "13900000001"


@pytest.mark.parametrize("raw", ["12900000001", "1390000000", "abcdefghijk", ""])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(CoreError):
        normalise_phone(raw)


class Light(Labelled):
    RED = "red"
    GREEN = "green"


name_members(Light, {Light.RED: "红灯", Light.GREEN: "绿灯"})


def test_transition_table_refuses_unlisted_moves() -> None:
    table = TransitionTable(
        "红绿灯", {Light.RED: frozenset({Light.GREEN})}, initial=frozenset({Light.RED})
    )
    table.check(Light.RED, Light.GREEN)
    with pytest.raises(CoreError, match="红绿灯现在是“绿灯”，不能改为“红灯”") as refused:
        table.check(Light.GREEN, Light.RED)
    assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET_KEY).check_production()
    with pytest.raises(ConfigurationError, match="STRIPE"):
        Settings(environment="production", secret_key="x" * 40).check_production()
    Settings(
        environment="production",
        secret_key="x" * 40,
        stripe_secret_key="sk_live_x",
        stripe_webhook_secret="whsec_x",
        ratelimit_storage_url="redis://127.0.0.1:6379/1",
    ).check_production()


def test_settings_read_the_environment() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/x", "PORT": "1"})
    assert settings.database_url == "postgresql+psycopg://db/x"
    assert settings.celery_broker_url is None
