"""The month benchmark runs on a tiny township and reports each day and the month."""

from __future__ import annotations

from benchmarks.errands_month import Size, report, run


def test_the_month_benchmark_reports_each_day_and_the_extra_distance() -> None:
    size = Size(villages=2, households=8, days=2, requests=6, care_households=2, seconds=0.1)
    days = run(size)
    assert [d.day.isoformat() for d in days] == ["2026-11-02", "2026-11-03"]
    assert sum(d.errand_stops for d in days) <= 6 and sum(d.care_stops for d in days) <= 2
    for day in days:
        assert day.stops >= day.errand_stops and day.with_km >= 0 and day.without_km >= 0
        assert day.extra_km == round(day.with_km - day.without_km, 1)
    text = report(size, days)
    lines = text.splitlines()
    assert lines[0].startswith("# Errands benchmark")
    assert sum(line.startswith("| 2026-11-0") for line in lines) == 2
    for row in ("planning per day, median (s)", "km with visits", "extra km for the visits"):
        assert any(line.startswith(f"| {row} |") for line in lines), row
