"""Tariff arithmetic at the weight boundaries, zones at their boundaries, and the data the
zones and addresses come from (no database)."""

from __future__ import annotations

import pytest

from shop.buyers import divisions
from shop.shipping.models import Zone
from shop.shipping.tariff import fee_fen, neighbours, zone_of

FIRST, EXTRA = 800, 300  # ¥8 首重, ¥3 续重


@pytest.mark.parametrize(
    ("weight_g", "expected"),
    [
        (1, FIRST),
        (999, FIRST),
        (1000, FIRST),  # 首重 covers the whole first kilogram
        (1001, FIRST + EXTRA),  # one gram more starts the second kilogram
        (2000, FIRST + EXTRA),
        (2001, FIRST + 2 * EXTRA),
        (10_000, FIRST + 9 * EXTRA),
    ],
)
def test_the_fee_is_the_first_kilogram_and_each_kilogram_begun(
    weight_g: int, expected: int
) -> None:
    assert fee_fen(first_kg_fen=FIRST, extra_kg_fen=EXTRA, weight_g=weight_g) == expected


def test_a_parcel_of_no_weight_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        fee_fen(first_kg_fen=FIRST, extra_kg_fen=EXTRA, weight_g=0)


@pytest.mark.parametrize(
    ("origin", "destination", "zone"),
    [
        ("43", "43", Zone.SAME_PROVINCE),  # 湖南 → 湖南
        ("43", "44", Zone.NEIGHBOURING),  # 湖南 → 广东
        ("43", "11", Zone.FAR),  # 湖南 → 北京
        ("43", "65", Zone.REMOTE),  # 湖南 → 新疆
        ("62", "65", Zone.REMOTE),  # a remote neighbour is priced as remote
        ("65", "65", Zone.SAME_PROVINCE),  # within a remote province it is the same province
        ("44", "46", Zone.FAR),  # 海南 shares no land border
    ],
)
def test_the_zone_follows_the_provinces(origin: str, destination: str, zone: Zone) -> None:
    assert zone_of(origin, destination) is zone


def test_the_neighbour_table_is_symmetric_and_names_known_provinces() -> None:
    table = neighbours()
    known = {p.code for p in divisions.provinces()}
    assert set(table) == known  # every mainland province, and only those
    for province, near in table.items():
        assert province not in near
        for other in near:
            assert province in table[other], (province, other)


def test_districts_come_from_the_division_package() -> None:
    nanshan = divisions.district("440305")
    assert nanshan is not None and nanshan.place == "广东省 深圳市 南山区"
    chaoyang = divisions.district("110105")
    assert chaoyang is not None and chaoyang.place == "北京市 朝阳区"  # no city level
    assert divisions.district("440300") is None  # a city is not a district
    assert divisions.district("999999") is None
    assert any(d.name == "朝阳区" for d in divisions.children("11"))
    assert any(d.name == "深圳市" for d in divisions.children("44"))
    assert any(d.code == "440305" for d in divisions.children("4403"))
