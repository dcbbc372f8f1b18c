"""Travel on real roads: OpenStreetMap extracts, an OSRM server, the straight line as fallback.

See docs/routing.md ("Roads").
"""

from routing.roads.network import DEFAULT_MAX_SNAP_M, RoadNetwork
from routing.roads.osrm import OSRM_PROFILES, OsrmServer
from routing.roads.profiles import EBIKE, PROFILES, VAN, Profile
from routing.roads.provider import Extract, RoadProvider, TableSource, road_provider
from routing.roads.table import Source, SourceUnavailable, TravelTable

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "EBIKE",
    "OSRM_PROFILES",
    "PROFILES",
    "VAN",
    "Extract",
    "OsrmServer",
    "Profile",
    "RoadNetwork",
    "RoadProvider",
    "Source",
    "SourceUnavailable",
    "TableSource",
    "TravelTable",
    "road_provider",
]
