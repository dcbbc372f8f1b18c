"""Every benchmark's command line: --quick only prints; a full run keeps its report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import command_line


@pytest.mark.parametrize(("argv", "kept"), [(["--quick"], False), ([], True)])
def test_a_full_run_keeps_its_report_and_a_quick_one_only_prints(
    argv: list[str],
    kept: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(command_line, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(sys, "argv", ["bench", *argv])
    command_line.run_from_command_line(
        "A benchmark.", quick_help="a look", result_file="b.md", report_of=lambda q: f"# {q}\n"
    )
    written = tmp_path / "results" / "b.md"
    assert capsys.readouterr().out == f"# {not kept}\n\n"
    assert written.is_file() is kept and (not kept or written.read_text() == "# False\n")
