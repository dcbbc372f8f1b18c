"""Two apps in one process keep their own payment gateways and run their own inline Celery
tasks: what create_app sets lives in app.extensions, not in module globals."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, current_app

from core.jobs import celery_app
from payments.gateways import installed_gateways
from payments.stripe_gateway import StripeGateway
from shop.app import create_app


@celery_app.task(name="tests.which_app")
def which_app() -> str:
    return str(current_app.config["WHICH"])


def _app(name: str, tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/{name}.sqlite3", "WHICH": name}
    )


def test_each_app_keeps_its_gateways_and_runs_its_tasks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_station_a")
    with_stripe = _app("with-stripe", tmp_path)
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    cash_only = _app("cash-only", tmp_path)  # created last: it used to replace the first's
    assert celery_app.conf.task_always_eager  # no broker: tasks run inline
    with with_stripe.app_context():
        online = installed_gateways().online
        assert isinstance(online, StripeGateway)
        assert which_app.delay().get(timeout=5) == "with-stripe"
    with cash_only.app_context():
        assert installed_gateways().online is None
        assert which_app.delay().get(timeout=5) == "cash-only"
    assert with_stripe.extensions["celery"] is cash_only.extensions["celery"] is celery_app
