"""schemathesis against the app's own OpenAPI document: no 5xx, answers as documented.

RELIABILITY.md item 20. Signed out, it runs the schemathesis command line (one worker, as
measured in TESTING-NOTES.md) against the live server over loopback. Signed in (issue #12),
it runs schemathesis' Python API against the WSGI app of a demo township of its own, once as
each role, with the not-a-server-error, status-code and response-schema checks: any 5xx fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from core.db import transaction
from core.demo import DEMO_PASSWORD, demo_phone
from core.flask_db import EXTENSION_KEY, DatabaseState
from shop.app import create_app
from shop.demo import load_demo
from shop.models_registry import metadata
from tests.conftest import LiveServer, ThrowawayDatabases, app_config

# Accounts the browser journeys do not use, so nothing here changes what they see.
ROLE_PHONES = {
    "villager": demo_phone(0, 77),
    "farmer": demo_phone(1, 27),
    "agent": demo_phone(2, 11),
    "cadre": demo_phone(3, 4),
    "dispatcher": demo_phone(4, 1),
}
EXAMPLES_PER_OPERATION = 15  # 16 operations x 5 roles x 15: about a minute on two cores
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Signing in again or out would change the session the run is signed in with.
SESSION_PATHS = ("/api/v1/auth/login", "/api/v1/auth/logout")


@pytest.mark.slow
def test_schemathesis_finds_no_failures(live_server: LiveServer, tmp_path: Path) -> None:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a dev dependency"
    result = subprocess.run(
        [
            command,
            "run",
            f"{live_server.url}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "40",
            "--workers",
            "1",
            "--seed",
            "2026",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def fuzzed_app(databases: ThrowawayDatabases) -> Iterator[Flask]:
    """A demo township of its own: the run places orders, pledges and parcels at will."""
    app = create_app(app_config(databases.new_url("sqlite")))
    state: DatabaseState = app.extensions[EXTENSION_KEY]
    metadata.create_all(state.engine)
    with transaction(state.write_sessions) as session:
        load_demo(session)
    yield app
    state.engine.dispose()


def _signed_in(app: Flask, phone: str) -> tuple[dict[str, str], dict[str, str]]:
    """The session cookie and the CSRF header of a fresh sign-in."""
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"phone": phone, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    cookie = client.get_cookie("session")
    assert cookie is not None
    # The WSGI transport does not undo gzip as an HTTP client does: ask for plain bodies.
    headers = {"X-CSRFToken": answer.get_json()["csrf_token"], "Accept-Encoding": "identity"}
    return {"session": cookie.value}, headers


@pytest.mark.slow
@pytest.mark.parametrize("role", sorted(ROLE_PHONES))
def test_schemathesis_signed_in_finds_no_server_error(fuzzed_app: Flask, role: str) -> None:
    cookies, headers = _signed_in(fuzzed_app, ROLE_PHONES[role])
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)
    failures: list[str] = []
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would be a broken document
        if operation.path in SESSION_PATHS:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case[Any]) -> None:
            response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
            statuses.add(response.status_code)

        try:
            call()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:1500])
    assert failures == [], "\n\n".join(failures)
    assert 401 not in statuses, "the run was not signed in"
