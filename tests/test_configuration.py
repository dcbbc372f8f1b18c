"""Every configuration variable README.md lists is read from the environment and takes effect:
set each one alone, build the app (or load gunicorn.conf.py), and see it in the result."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.photos import photo_dir
from core.settings import Settings
from ledger.services import stripe_fee_bp
from shop.app import create_app

ROOT = Path(__file__).resolve().parent.parent

#: variable -> (value set, Settings field, value expected there)
SETTINGS: dict[str, tuple[str, str, Any]] = {
    "DATABASE_URL": ("sqlite:///elsewhere.sqlite3", "database_url", "sqlite:///elsewhere.sqlite3"),
    "SECRET_KEY": ("k" * 40, "secret_key", "k" * 40),
    "RATELIMIT_STORAGE_URL": ("memory://set-here", "ratelimit_storage_url", "memory://set-here"),
    "CELERY_BROKER_URL": ("redis://127.0.0.1:1/0", "celery_broker_url", "redis://127.0.0.1:1/0"),
    "CELERY_VISIBILITY_TIMEOUT": ("30", "celery_visibility_timeout", 30.0),
    "STRIPE_SECRET_KEY": ("sk_test_env", "stripe_secret_key", "sk_test_env"),
    "STRIPE_PUBLISHABLE_KEY": ("pk_test_env", "stripe_publishable_key", "pk_test_env"),
    "STRIPE_WEBHOOK_SECRET": ("whsec_env", "stripe_webhook_secret", "whsec_env"),
    "STRIPE_API_BASE": ("http://127.0.0.1:1", "stripe_api_base", "http://127.0.0.1:1"),
    "STRIPE_JS_URL": ("http://127.0.0.1:1/v3/", "stripe_js_url", "http://127.0.0.1:1/v3/"),
    "STRIPE_PAYMENT_METHODS": ("card, alipay", "stripe_payment_methods", ("card", "alipay")),
    "OSRM_URL": ("http://127.0.0.1:5001", "osrm_url", "http://127.0.0.1:5001"),
    "ROADS_DIR": ("/srv/maps", "roads_dir", Path("/srv/maps")),
    "ROAD_TABLES_DIR": ("/srv/tables", "road_tables_dir", Path("/srv/tables")),
    "TRUSTED_PROXIES": ("2", "trusted_proxies", 2),
    "DATABASE_CONNECT_TIMEOUT": ("7", "database_connect_timeout", 7.0),
    "DATABASE_STATEMENT_TIMEOUT": ("0", "database_statement_timeout", None),
    "SMS_DAILY_CAP": ("3", "sms_daily_cap", 3),
    "ALIYUN_SMS_ACCESS_KEY_ID": ("id-env", "aliyun_sms_access_key_id", "id-env"),
    "ALIYUN_SMS_ACCESS_KEY_SECRET": ("secret-env", "aliyun_sms_access_key_secret", "secret-env"),
    "ALIYUN_SMS_SIGN_NAME": ("村站", "aliyun_sms_sign_name", "村站"),
    "ALIYUN_SMS_TEMPLATE_CODES": (
        "order_ready=SMS_1",
        "aliyun_sms_template_codes",
        "order_ready=SMS_1",
    ),
    "ALIYUN_SMS_ENDPOINT": ("sms.example.test", "aliyun_sms_endpoint", "sms.example.test"),
    "STOREFRONT_CACHE_SECONDS": ("12", "storefront_cache_seconds", 12.0),
    "CACHE_REDIS_URL": ("redis://127.0.0.1:1/2", "cache_redis_url", "redis://127.0.0.1:1/2"),
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only what the test sets: none of the variables above from the machine."""
    for name in [*SETTINGS, "CUNZHAN_ENV", "CUNZHAN_INSTANCE_DIR", "CUNZHAN_PHOTO_DIR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a default SQLite file would land here, not in the tree
    return monkeypatch


def built() -> Flask:
    return create_app({"TESTING": True})


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_variable_reaches_the_apps_settings(
    environment: pytest.MonkeyPatch, name: str
) -> None:
    value, field, expected = SETTINGS[name]
    assert getattr(built().config["CUNZHAN_SETTINGS"], field) != expected  # not the default
    environment.setenv(name, value)
    assert getattr(built().config["CUNZHAN_SETTINGS"], field) == expected


def test_the_cache_seconds_reach_the_apps_config(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("STOREFRONT_CACHE_SECONDS", "0")
    assert built().config["STOREFRONT_CACHE_SECONDS"] == 0
    environment.setenv("STOREFRONT_CACHE_SECONDS", "30")
    assert built().config["STOREFRONT_CACHE_SECONDS"] == 30
    # An explicit create_app() argument still wins (the tests rely on it).
    assert create_app({"STOREFRONT_CACHE_SECONDS": 1}).config["STOREFRONT_CACHE_SECONDS"] == 1


#: Read elsewhere than Settings, each with its own test below.
OTHER_VARIABLES = {
    "CUNZHAN_ENV",
    "CUNZHAN_INSTANCE_DIR",
    "CUNZHAN_PHOTO_DIR",
    "CUNZHAN_STRIPE_FEE_BP",
}
GUNICORN_VARIABLES = {
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_TIMEOUT",
}


def test_every_variable_the_readme_lists_is_tested_here() -> None:
    rows = [
        line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `")
    ]
    listed = {
        name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    assert {"DATABASE_URL", "GUNICORN_BIND", "CACHE_REDIS_URL"} <= listed  # the table is read
    assert listed - {*SETTINGS, *OTHER_VARIABLES, *GUNICORN_VARIABLES} == set()


def test_production_is_chosen_by_cunzhan_env(environment: pytest.MonkeyPatch) -> None:
    assert built().config["SESSION_COOKIE_SECURE"] is False
    for name, value in {
        "CUNZHAN_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
    }.items():
        environment.setenv(name, value)
    app = built()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    # Production shares the storefront cache: the throttles' Redis unless CACHE_REDIS_URL.
    assert app.config["CUNZHAN_SETTINGS"].public_cache_redis_url == "redis://127.0.0.1:6379/15"


def test_the_instance_and_photo_folders(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environment.setenv("CUNZHAN_INSTANCE_DIR", str(tmp_path / "inst"))
    app = built()
    settings: Settings = app.config["CUNZHAN_SETTINGS"]
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'cunzhan.sqlite3'}"
    with app.app_context():
        assert photo_dir() == tmp_path / "inst" / "photos"
        environment.setenv("CUNZHAN_PHOTO_DIR", str(tmp_path / "pics"))
        assert photo_dir() == tmp_path / "pics"


def test_the_stripe_fee_rate(environment: pytest.MonkeyPatch) -> None:
    assert stripe_fee_bp() == 340
    environment.setenv("CUNZHAN_STRIPE_FEE_BP", "290")
    assert stripe_fee_bp() == 290


def test_gunicorn_reads_its_variables(environment: pytest.MonkeyPatch) -> None:
    values = {
        "GUNICORN_BIND": ("0.0.0.0:9000", "bind", ["0.0.0.0:9000"]),
        "GUNICORN_WORKERS": ("2", "workers", 2),
        "GUNICORN_THREADS": ("8", "threads", 8),
        "GUNICORN_KEEPALIVE": ("5", "keepalive", 5),
        "GUNICORN_TIMEOUT": ("60", "timeout", 60),
    }
    for name, (value, _, _) in values.items():
        environment.setenv(name, value)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert {setting: config[setting] for _, setting, _ in values.values()} == {
        setting: expected for _, setting, expected in values.values()
    }
