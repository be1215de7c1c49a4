"""Projection helpers: EPSG:4326 lon/lat <-> UTM zone 51S (EPSG:32751) metres, and geometries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from layers.projection import UTM_51S, WGS84, to_lonlat, to_utm

__all__ = ["UTM_51S", "WGS84", "city_land_utm", "geom_to_lonlat", "geom_to_utm", "kelurahan_utm",
           "to_lonlat", "to_utm"]


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
