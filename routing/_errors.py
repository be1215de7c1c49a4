"""Typed errors of the routing package, turned into clear messages at the edge (UI or HTTP 4xx)."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of routing errors; the message is one user-facing line."""


class RoutingConfigError(RoutingError):
    """``geo_data/routing.json`` is missing, malformed, or a value has no documented reason."""


class GraphFormatError(RoutingError):
    """A saved travel graph (``.npz``) is missing, unreadable or inconsistent."""


class OSMImportError(RoutingError):
    """An OpenStreetMap extract cannot be read or holds no drivable road in the area."""


class OutsideServiceAreaError(RoutingError):
    """A point lies outside the city's land plus the service-area buffer (e.g. out in the bay).

    Attributes
    ----------
    lon, lat
        The refused point (EPSG:4326).
    distance_m
        Its distance from the city's land, in metres.
    """

    def __init__(self, message: str, *, lon: float, lat: float, distance_m: float) -> None:
        super().__init__(message)
        self.lon = lon
        self.lat = lat
        self.distance_m = distance_m


class OffNetworkError(RoutingError):
    """A point is too far from the travel graph, or its nearest graph node lies across water.

    Attributes
    ----------
    lon, lat
        The point (EPSG:4326).
    distance_m
        Distance to the nearest graph node in metres (whatever lies between).
    """

    def __init__(self, message: str, *, lon: float, lat: float, distance_m: float) -> None:
        super().__init__(message)
        self.lon = lon
        self.lat = lat
        self.distance_m = distance_m


class UnreachableError(RoutingError):
    """No path connects the two places on the graph (e.g. an island without a connector)."""
