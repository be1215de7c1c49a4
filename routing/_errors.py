"""Typed errors of the routing package, turned into clear messages at the edge (UI or HTTP 4xx).

Every error carries a stable ``code`` (a short machine-readable reason) next to its English
message, so that the user interface can show the reason in the user's language.
"""

from __future__ import annotations

from typing import ClassVar


class RoutingError(Exception):
    """Base class of routing errors; the message is one user-facing line.

    Attributes
    ----------
    code
        Stable reason code (``"routing_error"``, ``"open_water"``, ``"off_network"`` ...).
    """

    code: ClassVar[str] = "routing_error"


class RoutingConfigError(RoutingError):
    """``geo_data/routing.json`` (or a road-class file) is missing, malformed, or a value has no reason."""

    code: ClassVar[str] = "config"


class GraphFormatError(RoutingError):
    """A saved travel graph (``.npz``) is missing, unreadable or inconsistent."""

    code: ClassVar[str] = "graph_format"


class RoadImportError(RoutingError):
    """A road layer cannot be read, or holds no drivable road in the area."""

    code: ClassVar[str] = "road_import"


class OSMImportError(RoadImportError):
    """An OpenStreetMap extract cannot be read or holds no drivable road in the area."""

    code: ClassVar[str] = "osm_import"


class CorrectionError(RoutingError):
    """A network correction (connector, closure, speed factor) is invalid."""

    code: ClassVar[str] = "correction"


class OutsideServiceAreaError(RoutingError):
    """A point lies outside the city's land plus the service-area buffer (e.g. out in the bay).

    Attributes
    ----------
    lon, lat
        The refused point (EPSG:4326).
    distance_m
        Its distance from the city's land, in metres.
    reason_code
        ``"open_water"`` (in the bay or at sea, off the city's shore) or
        ``"outside_service_area"`` (beyond the city's boundary on the mainland side or far away).
    """

    code: ClassVar[str] = "outside_service_area"

    def __init__(self, message: str, *, lon: float, lat: float, distance_m: float,
                 reason_code: str = "outside_service_area") -> None:
        super().__init__(message)
        self.lon = lon
        self.lat = lat
        self.distance_m = distance_m
        self.reason_code = reason_code


class OffNetworkError(RoutingError):
    """A point cannot be joined to the travel graph (too far, or only water in between).

    Attributes
    ----------
    lon, lat
        The point (EPSG:4326).
    distance_m
        Distance to the nearest graph node in metres (whatever lies between).
    reason_code
        ``"off_network"`` (too far from any road), ``"boat_only"`` (land that no road or
        connector reaches, e.g. an island) or ``"invalid_position"``.
    """

    code: ClassVar[str] = "off_network"

    def __init__(self, message: str, *, lon: float, lat: float, distance_m: float,
                 reason_code: str = "off_network") -> None:
        super().__init__(message)
        self.lon = lon
        self.lat = lat
        self.distance_m = distance_m
        self.reason_code = reason_code


class UnreachableError(RoutingError):
    """No path connects the two places on the graph (e.g. an island without a connector)."""

    code: ClassVar[str] = "unreachable"
