"""500 checkouts from 32 threads against a stock of 100, with real commits, on SQLite and
PostgreSQL: nothing oversold, left + sold == 100, no "database is locked" (RELIABILITY 1, 5)."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from core.db import make_engine, make_sessionmaker, transaction
from core.models import County, Township, Village
from inventory import services as inv
from inventory.errors import OutOfStock
from inventory.models import StockLevel
from shop.models_registry import metadata
from tests.conftest import ThrowawayDatabases

CHECKOUTS = 500
THREADS = 32
STOCK = 100


def _station(session_factory) -> int:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        township = Township(
            county=County(name="并发县"), name="并发镇", hub_address="镇", lat=28.0, lon=112.0
        )
        village = Village(
            township=township, name="并发村", station_address="村委会", lat=28.0, lon=112.0
        )
        session.add(village)
        session.flush()
        return inv.station_location(session, village_id=village.id).id


@pytest.mark.slow
def test_concurrent_checkouts_never_oversell(backend: str, databases: ThrowawayDatabases) -> None:
    engine = make_engine(databases.new_url(backend), pool_size=THREADS, max_overflow=0)
    metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    location = _station(factory)
    skus = ["product:1", "product:2"]
    with transaction(factory) as session:
        for sku in skus:
            inv.receive(session, sku=sku, location_id=location, quantity=STOCK, actor_id=None)

    def checkout(number: int) -> str:
        # Two-line orders in both orders of lines: locks must still be taken in id order.
        lines = [inv.StockLine(sku, location, 1) for sku in skus]
        random.Random(number).shuffle(lines)
        try:
            with transaction(factory) as session:
                inv.reserve(session, lines=lines, reference=f"order:{number}", expires_at=None)
                inv.commit(session, reference=f"order:{number}")
        except OutOfStock:
            return "sold out"
        except Exception as error:
            return f"error: {error}"
        return "sold"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = Counter(pool.map(checkout, range(CHECKOUTS)))
    assert outcomes == {"sold": STOCK, "sold out": CHECKOUTS - STOCK}, outcomes
    with transaction(factory) as session:
        for stock in session.scalars(select(StockLevel)):
            assert (stock.on_hand, stock.reserved) == (0, 0)
            assert inv.ledger_totals(session, level_id=stock.id) == (0, 0)
    engine.dispose()
