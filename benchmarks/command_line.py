"""What every benchmark's ``python -m benchmarks.<name>`` does: a ``--quick`` run for a look,
printed only; a full run printed and kept in ``benchmarks/results/``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def run_from_command_line(
    doc: str | None, *, quick_help: str, result_file: str, report_of: Callable[[bool], str]
) -> None:
    """Parse ``--quick``, build the report (``report_of(quick)``), print it and, for a full
    run, write it to ``benchmarks/results/<result_file>``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    quick = bool(parser.parse_args().quick)
    text = report_of(quick)
    print(text)
    if not quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / result_file).write_text(text, encoding="utf-8")
