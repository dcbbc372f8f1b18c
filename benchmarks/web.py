"""Web load: the storefront page and the product API beside a bare Flask "hello" app.

Run ``python -m benchmarks.web`` (``--quick`` for a short smoke run). Both apps are served
the same way on loopback: gunicorn, the same number of sync workers, one machine. The
Cunzhan app runs on a fresh SQLite file holding 10,000 listed products. Two measurements:

* throughput: Debian's ``wrk`` (``apt-get install wrk``) with 50 connections and no pause,
  for a fixed time per URL; requests per second, p95 latency at saturation, and the ratio
  to the bare app's requests per second;
* 50 concurrent users: 50 threads that each request, then think 0.5-1.5 s (as locust users
  would), for a fixed time; the p95 latency a person on the page sees.

Targets (DESIGN.md): at least a third of the bare app's requests per second; p95 under
50 ms at 50 concurrent users. The full run writes ``benchmarks/results/web.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.db import make_engine, make_sessionmaker, transaction
from core.demo import build_township
from core.models import User
from inventory import services as inventory
from inventory.models import MovementKind, StockLevel, StockMovement
from shop.catalog.models import Category, ListingStatus, Product, Unit, sku_of
from shop.models_registry import metadata

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = 10_000
WORKERS = 2
CONNECTIONS = 50
USERS = 50
USER_TIMEOUT = 10  # seconds a person waits for the page
LUA_P95 = (
    "done = function(s, latency, r) "
    'io.write(string.format("P95_US %d\\n", latency:percentile(95))) end\n'
)

hello_app = Flask("hello")


@hello_app.route("/")
def hello() -> str:
    return "hello"


@dataclass(frozen=True)
class Result:
    name: str
    rps: float
    p95_ms: float  # at saturation (wrk)
    user_p95_ms: float  # 50 users with think time


def seed(database_url: str) -> int:
    """10,000 listed products of 30 farmers, each with stock and its receipt in the ledger;
    returns the first product's id."""
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with transaction(make_sessionmaker(engine)) as session:
        demo = build_township(session, seed=7)
        session.execute(insert(Product), _product_rows(session, demo.farmers))
        rows = session.execute(select(Product.id, Product.location_id).order_by(Product.id)).all()
        levels = session.scalars(
            insert(StockLevel).returning(StockLevel.id),
            [
                {"sku": sku_of(pid), "location_id": loc, "on_hand": 100, "reserved": 0}
                for pid, loc in rows
            ],
        ).all()
        session.execute(
            insert(StockMovement),
            [
                {
                    "stock_level_id": level_id,
                    "kind": MovementKind.RECEIPT,
                    "on_hand_delta": 100,
                    "reserved_delta": 0,
                    "reference": "benchmark",
                    "reason": "seed",
                }
                for level_id in levels
            ],
        )
    engine.dispose()
    product_id: int = rows[0][0]
    return product_id


def _product_rows(session: Session, farmers: list[User]) -> list[dict[str, object]]:
    rng = random.Random(1)
    names = (
        "香米",
        "咸鸭蛋",
        "莲藕",
        "水蜜桃",
        "绿茶",
        "土鸡蛋",
        "红薯粉",
        "腊肉",
        "蜂蜜",
        "菜籽油",
    )
    homes = {f.id: f.household.village_id for f in farmers if f.household is not None}
    locations = {
        village: inventory.station_location(session, village_id=village).id
        for village in set(homes.values())
    }
    rows: list[dict[str, object]] = []
    for number in range(PRODUCTS):
        farmer = farmers[number % len(farmers)]
        rows.append(
            {
                "seller_id": farmer.id,
                "origin_village_id": homes[farmer.id],
                "location_id": locations[homes[farmer.id]],
                "title": f"{rng.choice(names)}{number}",
                "description": "本地特产",
                "category": rng.choice(list(Category)),
                "unit": rng.choice(list(Unit)),
                "price_fen": rng.randint(100, 20_000),
                "status": ListingStatus.LISTED,
            }
        )
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """gunicorn serving ``target`` on a free loopback port, stopped on exit."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [
                gunicorn,
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str) -> None:
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server at {self.url} did not answer {path}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url: str, seconds: int, lua: Path) -> tuple[float, float]:
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p95 = int(re.search(r"P95_US (\d+)", output).group(1)) / 1000  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error answers")
    return rps, p95


def users(url: str, seconds: int) -> float:
    """p95 (ms) seen by USERS people who each request, then think 0.5-1.5 s."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def person(number: int) -> None:
        rng = random.Random(number)
        time.sleep(rng.uniform(0, 1))
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=USER_TIMEOUT) as response:
                    response.read()
            except OSError:  # no answer in time: the person waited that long for nothing
                pass
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
            time.sleep(rng.uniform(0.5, 1.5))

    threads = [threading.Thread(target=person, args=(n,)) for n in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statistics.quantiles(latencies, n=20)[18]


def measure(name: str, url: str, seconds: int, lua: Path) -> Result:
    rps, p95 = wrk(url, seconds, lua)
    return Result(name, rps, p95, users(url, seconds))


def table(results: list[Result]) -> str:
    bare = results[0].rps
    lines = [
        "| endpoint | req/s (wrk, 50 conn) | p95 ms, saturated | p95 ms, 50 users | vs bare |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        cells = (
            r.name,
            f"{r.rps:,.0f}",
            f"{r.p95_ms:.1f}",
            f"{r.user_p95_ms:.1f}",
            f"{r.rps / bare:.2f}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per measurement, no results file")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    seconds = 3 if args.quick else 15
    with tempfile.TemporaryDirectory(prefix="cunzhan-bench-") as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        began = time.monotonic()
        product_id = seed(database_url)
        print(f"seeded {PRODUCTS:,} listed products in {time.monotonic() - began:.1f} s")
        lua = Path(tmp) / "p95.lua"
        lua.write_text(LUA_P95)
        env = {"DATABASE_URL": database_url, "SECRET_KEY": "b" * 40, "CUNZHAN_PHOTO_DIR": tmp}
        bare = Server("benchmarks.web:hello_app", {})
        shop = Server("shop.app:create_app()", env)
        uncached = Server("shop.app:create_app()", {**env, "STOREFRONT_CACHE_SECONDS": "0"})
        try:
            bare.wait("/")
            shop.wait("/products")
            uncached.wait("/products")
            results = [
                measure("bare Flask hello", bare.url + "/", seconds, lua),
                measure("GET /products (catalog page)", shop.url + "/products", seconds, lua),
                measure(
                    "GET /products, no cache (STOREFRONT_CACHE_SECONDS=0)",
                    uncached.url + "/products",
                    seconds,
                    lua,
                ),
                measure(
                    "GET /products?q=香米 (search)",
                    shop.url + "/products?q=%E9%A6%99%E7%B1%B3",
                    seconds,
                    lua,
                ),
                measure(
                    f"GET /api/v1/products/{product_id}",
                    f"{shop.url}/api/v1/products/{product_id}",
                    seconds,
                    lua,
                ),
                measure("GET /api/v1/products", shop.url + "/api/v1/products", seconds, lua),
            ]
        finally:
            bare.stop()
            shop.stop()
            uncached.stop()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    report = table(results) + f"\n\nLoad average when it finished (1, 5, 15 min): {load}."
    print(report)
    if not args.quick:
        header = (
            f"# Web load ({time.strftime('%Y-%m-%d')})\n\n"
            f"`python -m benchmarks.web` on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; gunicorn {WORKERS} sync workers for both apps, "
            f"SQLite with {PRODUCTS:,} listed products; wrk {CONNECTIONS} connections for "
            f"{seconds} s per URL; then {USERS} users thinking 0.5-1.5 s between requests. "
            "The cache is each worker's memory (no CACHE_REDIS_URL); the uncached row is a "
            "second server with STOREFRONT_CACHE_SECONDS=0.\n"
            "Targets: ratio >= 0.33, p95 < 50 ms at 50 users.\n\n"
        )
        (ROOT / "benchmarks" / "results" / "web.md").write_text(header + report + "\n")


if __name__ == "__main__":
    main()
