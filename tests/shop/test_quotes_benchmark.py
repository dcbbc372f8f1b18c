"""The quoting benchmark runs on a few carts and reports the time per quote."""

from __future__ import annotations

from benchmarks.quotes import report, run


def test_the_quote_benchmark_quotes_every_cart_and_reports_per_quote() -> None:
    results = run(20)
    assert results["carts quoted"] == 20 and results["shipped products in the demo"] > 0
    assert int(results["parcels quoted (one per sending station)"]) >= 1
    assert 0 < float(results["ms per quote, mean"]) <= float(results["total (s)"]) * 1000
    lines = report(results).splitlines()
    assert lines[0] == "# Shipping quotes: 20 carts"
    assert any(line.startswith("| ms per quote, p95 |") for line in lines)
    assert lines[-1].startswith("Target: under 20 ms per quote")
