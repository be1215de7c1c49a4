"""Kendari's land in UTM 51S metres: the service area and the water test used by snapping."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from routing._proj import to_lonlat, to_utm
from settings import GEO_DATA_DIR


def _forward(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return to_utm(x, y)


def _inverse(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return to_lonlat(x, y)


def project(geom: BaseGeometry) -> BaseGeometry:
    """A shapely geometry from EPSG:4326 to UTM 51S."""
    return shapely.transform(geom, _forward, interleaved=False)  # type: ignore[arg-type]


def unproject(geom: BaseGeometry) -> BaseGeometry:
    """A shapely geometry from UTM 51S to EPSG:4326."""
    return shapely.transform(geom, _inverse, interleaved=False)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class Land:
    """The city's land (the bay and the sea are outside it), projected and prepared.

    Attributes
    ----------
    land
        City outline, UTM 51S.
    land_tolerant
        ``land`` buffered by the water tolerance: a snap line inside it does not cross water.
    land_strict
        ``land`` buffered by 2 m only: off-road walks around water use it, so that they never
        cross a narrow strait (Pulau Bungkutoko is ~53 m off the mainland).
    solid
        ``land`` without slivers narrower than 40 m (a morphological opening): a point in the
        water is moved to the nearest solid land, not onto a jetty-thin spike of the outline.
    service
        ``land`` buffered by the service-area buffer: incidents outside are refused.
    """

    land: BaseGeometry
    land_tolerant: BaseGeometry
    land_strict: BaseGeometry
    solid: BaseGeometry
    service: BaseGeometry
    service_buffer_m: float
    water_tolerance_m: float

    def contains(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Which points lie on land (the outline itself, no tolerance)."""
        return np.asarray(shapely.contains_xy(self.land, x, y), dtype=bool)

    def in_service_area(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Which points lie within the service area (land plus its buffer)."""
        return np.asarray(shapely.contains_xy(self.service, x, y), dtype=bool)

    def distance_m(self, x: float, y: float) -> float:
        """Distance from a point to the land, metres (0 on land)."""
        return float(shapely.distance(self.land, shapely.Point(x, y)))

    def segments_on_land(
        self, x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64], y1: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Which straight segments stay on land (within the water tolerance)."""
        coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
        lines = shapely.linestrings(coords)
        return np.asarray(shapely.covers(self.land_tolerant, lines), dtype=bool)

    def segments_on_strict_land(
        self, x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64], y1: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Which straight segments stay on land within 2 m (no strait crossed)."""
        coords = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
        return np.asarray(shapely.covers(self.land_strict, shapely.linestrings(coords)), dtype=bool)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Polygon or MultiPolygon as a MultiPolygon (other parts dropped)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polys)


@lru_cache(maxsize=1)
def land_utm(directory: Path = GEO_DATA_DIR) -> MultiPolygon:
    """The city outline (land only) projected to UTM 51S."""
    from layers.geodata import city_outline

    return as_multipolygon(project(city_outline(directory)))


@lru_cache(maxsize=4)
def kendari_land(
    directory: Path = GEO_DATA_DIR, *, service_buffer_m: float = 250.0, water_tolerance_m: float = 30.0
) -> Land:
    """Kendari's :class:`Land` (cached per buffer setting)."""
    land = land_utm(directory)
    tolerant = land.buffer(water_tolerance_m)
    strict = land.buffer(2.0)
    solid = land.buffer(-20.0).buffer(20.0)
    service = land.buffer(service_buffer_m)
    for geom in (land, tolerant, strict, solid, service):
        shapely.prepare(geom)
    return Land(
        land=land,
        land_tolerant=tolerant,
        land_strict=strict,
        solid=solid,
        service=service,
        service_buffer_m=service_buffer_m,
        water_tolerance_m=water_tolerance_m,
    )
