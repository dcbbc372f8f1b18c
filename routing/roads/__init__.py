"""Travel on real roads: OpenStreetMap extracts, an OSRM server, the straight line as fallback.

See docs/routing.md ("Roads").
"""

from routing.roads.network import DEFAULT_MAX_SNAP_M, RoadNetwork
from routing.roads.profiles import EBIKE, PROFILES, VAN, Profile
from routing.roads.table import Source, SourceUnavailable, TravelTable

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "EBIKE",
    "PROFILES",
    "VAN",
    "Profile",
    "RoadNetwork",
    "Source",
    "SourceUnavailable",
    "TravelTable",
]
