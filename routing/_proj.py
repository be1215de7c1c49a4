"""Projection helpers for routing (the shared ones live in :mod:`layers.projection`)."""

from layers.projection import UTM_51S, WGS84, to_lonlat, to_utm

__all__ = ["UTM_51S", "WGS84", "to_lonlat", "to_utm"]
