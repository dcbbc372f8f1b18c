"""schemathesis against the app's own OpenAPI document: no 5xx, answers as documented.

RELIABILITY.md item 20. It runs the schemathesis command line (one worker, as measured
in TESTING-NOTES.md) against the live server over loopback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LiveServer


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
