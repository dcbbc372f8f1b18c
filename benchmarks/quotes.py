"""Shipping quotes: 10,000 carts quoted the way the ship checkout and the API quote them.

Run ``python -m benchmarks.quotes`` (``--quick`` for 200 carts). On a fresh SQLite file the
demo township's storefront and its shipping tariffs are loaded (``shop.demo``'s own steps,
without its orders); then each cart (1 to 4 shipped products of any station, 1 to 5 of each)
is quoted to a district drawn from every zone of the tariff, one ``shipping.quote`` call per
cart, as a buyer's checkout does. The time per quote is the number that matters; the full run
writes ``benchmarks/results/quotes.md``.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import tempfile
import time

from sqlalchemy import select

from benchmarks.command_line import run_from_command_line
from core.db import make_engine, make_sessionmaker, transaction
from core.demo import build_township
from shop.buyers.models import Address
from shop.catalog.models import ListingStatus, Product
from shop.models_registry import metadata
from shop.orders.demo import load_storefront_demo
from shop.shipping import services
from shop.shipping.demo import load_shipping_demo

FULL, QUICK = 10_000, 200
#: A quote is on the checkout page's path: well under what a person notices.
TARGET_MS_PER_QUOTE = 20.0
#: Districts in every zone from the demo's 湖南 stations: same province, neighbours, far, remote.
DISTRICTS = ("430102", "440305", "420102", "110105", "310104", "510107", "650102", "540102")


def _carts(products: list[int], count: int, rng: random.Random) -> list[list[services.ShipLine]]:
    carts = []
    for _ in range(count):
        chosen = rng.sample(products, k=min(len(products), rng.randint(1, 4)))
        carts.append([services.ShipLine(pid, rng.randint(1, 5)) for pid in chosen])
    return carts


def run(count: int, *, seed: int = 2026) -> dict[str, float | int]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/quotes.sqlite3")
        metadata.create_all(engine)
        sessions = make_sessionmaker(engine)
        with transaction(sessions) as session:
            demo = build_township(session, seed=seed)
            load_storefront_demo(session, demo)
            load_shipping_demo(session, demo)
        with transaction(sessions) as session:
            shipped = list(
                session.scalars(
                    select(Product.id).where(Product.ships, Product.status == ListingStatus.LISTED)
                )
            )
            carts = _carts(shipped, count, rng)
            addresses = [Address(division_code=code) for code in DISTRICTS]  # never stored
            times: list[float] = []
            parcels = refused = 0
            for n, cart in enumerate(carts):
                began = time.perf_counter()
                quote = services.quote(session, lines=cart, address=addresses[n % len(DISTRICTS)])
                times.append(time.perf_counter() - began)
                parcels += len(quote.parcels)
                refused += len(quote.refused)
        engine.dispose()
    times.sort()
    return {
        "shipped products in the demo": len(shipped),
        "carts quoted": count,
        "total (s)": round(sum(times), 2),
        "ms per quote, mean": round(1000 * statistics.fmean(times), 2),
        "ms per quote, p95": round(1000 * times[int(0.95 * (len(times) - 1))], 2),
        "parcels quoted (one per sending station)": parcels,
        "lines refused (perishable too far)": refused,
    }


def report(results: dict[str, float | int]) -> str:
    mean = float(results["ms per quote, mean"])
    lines = [
        f"# Shipping quotes: {int(results['carts quoted']):,} carts",
        "",
        f"SQLite, one process; {platform.python_version()} on {os.cpu_count()} cores"
        f" ({platform.machine()}). The demo township's storefront and tariffs; each cart"
        " quoted with one `shop.shipping.services.quote` call.",
        "",
        "| measure | value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in results.items()),
        "",
        f"Target: under {TARGET_MS_PER_QUOTE:.0f} ms per quote —"
        f" {'met' if mean < TARGET_MS_PER_QUOTE else 'MISSED'} ({mean} ms).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    run_from_command_line(
        __doc__,
        quick_help=f"{QUICK} carts",
        result_file="quotes.md",
        report_of=lambda quick: report(run(QUICK if quick else FULL)),
    )


if __name__ == "__main__":
    main()
