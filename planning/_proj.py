"""Projection helpers: EPSG:4326 lon/lat <-> UTM zone 51S (EPSG:32751) metres, and geometries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

WGS84 = "EPSG:4326"
#: UTM zone 51S: every distance and area in the planning package is measured in this CRS.
UTM_51S = "EPSG:32751"


@lru_cache(maxsize=1)
def _forward() -> Transformer:
    return Transformer.from_crs(WGS84, UTM_51S, always_xy=True)


@lru_cache(maxsize=1)
def _inverse() -> Transformer:
    return Transformer.from_crs(UTM_51S, WGS84, always_xy=True)


def to_utm(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project lon/lat (degrees) to UTM 51S easting/northing (metres)."""
    x, y = _forward().transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unproject UTM 51S easting/northing (metres) to lon/lat (degrees)."""
    lon, lat = _inverse().transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def geom_to_utm(geom: Any) -> Any:
    """A shapely geometry in lon/lat, projected to UTM 51S."""
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(to_utm(xy[:, 0], xy[:, 1])))


def geom_to_lonlat(geom: Any) -> Any:
    """A shapely geometry in UTM 51S, unprojected to lon/lat."""
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=1)
def city_land_utm() -> Any:
    """The city's land (dissolved outline) in UTM 51S, prepared for fast point tests."""
    import shapely

    from layers.geodata import city_outline

    land = geom_to_utm(city_outline())
    shapely.prepare(land)
    return land


@lru_cache(maxsize=1)
def kelurahan_utm() -> Any:
    """The 64 kelurahan as a GeoDataFrame in UTM 51S (``kode, nama, kecamatan, area_km2``)."""
    from layers.geodata import kelurahan

    return kelurahan().to_crs(UTM_51S)
