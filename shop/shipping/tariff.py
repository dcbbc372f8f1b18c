"""Tariff arithmetic and zones, with no database: the rules a courier's price list states."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from shop.shipping.models import Zone

FIRST_WEIGHT_G = 1000  # 首重: the first kilogram
STEP_WEIGHT_G = 1000  # 续重: charged per further kilogram begun
PROVINCES_FILE = Path(__file__).parent / "data" / "provinces.json"


def fee_fen(*, first_kg_fen: int, extra_kg_fen: int, weight_g: int) -> int:
    """首重 covers up to 1 kg; each kilogram begun above it costs 续重 (1001 g is 2 kg)."""
    if weight_g < 1:
        raise ValueError("a parcel weighs at least one gram")
    above = max(0, weight_g - FIRST_WEIGHT_G)
    started_kg = -(-above // STEP_WEIGHT_G)
    return first_kg_fen + started_kg * extra_kg_fen


@cache
def _provinces() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    data = json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))
    neighbours = {code: frozenset(near) for code, near in data["neighbours"].items()}
    return neighbours, frozenset(data["remote"])


def neighbours() -> dict[str, frozenset[str]]:
    return _provinces()[0]


def zone_of(origin_province: str, destination_province: str) -> Zone:
    """Same province first, then remote, then neighbouring, else far."""
    near, remote = _provinces()
    if origin_province == destination_province:
        return Zone.SAME_PROVINCE
    if destination_province in remote:
        return Zone.REMOTE
    if destination_province in near.get(origin_province, frozenset()):
        return Zone.NEIGHBOURING
    return Zone.FAR
