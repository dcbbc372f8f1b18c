"""Who may use which road, and how fast: one profile per kind of vehicle.

Speeds are km/h by OSM ``highway`` class. A class missing from a profile is not used by it.
E-bikes (GB 17761-2018 caps them at 25 km/h) may ride tracks and paths but not motorways; the
van may not use tracks, paths or cycleways and keeps to one-way streets. E-bikes are taken to
ride both ways on one-way village lanes (``honours_oneway=False``), as they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: The speed at which the way from the road to the door is walked (4.5 km/h).
WALKING_KMH = 4.5


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    speeds_kmh: Mapping[str, float] = field(hash=False)  # a dict: equality still sees it
    honours_oneway: bool
    #: ``access``-like tags that, set to ``no``/``private``, shut a way to this profile.
    access_keys: tuple[str, ...]

    def speed_of(self, highway: str) -> float | None:
        """km/h on this class of road, or None when this vehicle may not use it."""
        return self.speeds_kmh.get(highway)

    def fingerprint(self) -> str:
        """Everything that changes a matrix, for the disk cache key."""
        speeds = ",".join(f"{k}={v}" for k, v in sorted(self.speeds_kmh.items()))
        return f"{self.name}|{speeds}|{self.honours_oneway}|{self.access_keys}|{WALKING_KMH}"


EBIKE = Profile(
    "ebike",
    {
        "trunk": 25,
        "trunk_link": 25,
        "primary": 25,
        "primary_link": 25,
        "secondary": 25,
        "secondary_link": 25,
        "tertiary": 22,
        "tertiary_link": 22,
        "unclassified": 20,
        "road": 20,
        "residential": 18,
        "living_street": 10,
        "service": 12,
        "cycleway": 18,
        "track": 12,
        "path": 8,
    },
    honours_oneway=False,
    access_keys=("access", "vehicle", "bicycle"),
)

VAN = Profile(
    "van",
    {
        "motorway": 90,
        "motorway_link": 50,
        "trunk": 70,
        "trunk_link": 40,
        "primary": 55,
        "primary_link": 35,
        "secondary": 45,
        "secondary_link": 30,
        "tertiary": 35,
        "tertiary_link": 25,
        "unclassified": 30,
        "road": 25,
        "residential": 25,
        "living_street": 10,
        "service": 15,
    },
    honours_oneway=True,
    access_keys=("access", "vehicle", "motor_vehicle", "motorcar"),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (EBIKE, VAN)}
