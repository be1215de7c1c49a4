"""Travel time over land and bridges, and the nearest suitable unit (issue 3).

One graph type (:class:`routing.graph.TravelGraph`) from two sources: an OpenStreetMap road
graph (``python -m routing.osm_import``) or, without road data, an approximate land lattice with
bridge connectors. Every ETA says which model produced it. See ``docs/routing.md``.
"""

from routing._errors import (
    GraphFormatError,
    OffNetworkError,
    OSMImportError,
    OutsideServiceAreaError,
    RoutingConfigError,
    RoutingError,
    UnreachableError,
)
from routing.config import RoutingConfig, load_config
from routing.graph import TravelGraph, load_graph, read_graph, save_graph
from routing.recommend import (
    BusyUnit,
    Candidate,
    PlanItem,
    Recommendation,
    UnitPosition,
    plan_from_catalog,
    plan_from_rows,
    recommend,
)
from routing.snap import SnappedPoint, Snaps, snap_many, snap_point
from routing.travel import Route, TravelTimes, isochrones, route, travel_times_from

__all__ = [
    "BusyUnit",
    "Candidate",
    "GraphFormatError",
    "OSMImportError",
    "OffNetworkError",
    "OutsideServiceAreaError",
    "PlanItem",
    "Recommendation",
    "Route",
    "RoutingConfig",
    "RoutingConfigError",
    "RoutingError",
    "SnappedPoint",
    "Snaps",
    "TravelGraph",
    "TravelTimes",
    "UnitPosition",
    "UnreachableError",
    "isochrones",
    "load_config",
    "load_graph",
    "plan_from_catalog",
    "plan_from_rows",
    "read_graph",
    "recommend",
    "route",
    "save_graph",
    "snap_many",
    "snap_point",
    "travel_times_from",
]
