"""Projection helpers: EPSG:4326 lon/lat <-> UTM zone 51S (EPSG:32751) metres."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

WGS84 = "EPSG:4326"
#: UTM zone 51S: measure every distance and area in this CRS.
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
