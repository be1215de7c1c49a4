"""Name a point the way a planner says it: its kelurahan and the nearest well-known facility.

``Kel. Lalolara, dekat Puskesmas Abeli`` (nearer than 1 km) or ``Kel. Lalolara, 1,8 km dari
Puskesmas Abeli``. Landmarks are facilities whose location is known (``location_confidence``
not ``approximate``): a post known only by its kecamatan is no landmark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from i18n import tr
from planning._format import num
from planning._proj import to_utm

#: Closer than this, a landmark is "near" (``dekat``); farther, the distance is given.
NEAR_M = 1000.0


@dataclass(frozen=True)
class Place:
    """Where a point lies: kelurahan and kecamatan (None off every kelurahan), the nearest landmark
    and its distance; ``n`` numbers points whose label would otherwise repeat (0 = unique)."""

    kelurahan: str | None
    kecamatan: str | None
    landmark: str | None = None
    landmark_m: float | None = None
    n: int = 0


def _key(place: Place) -> tuple[Any, ...]:
    dist = None if place.landmark_m is None else ("near" if place.landmark_m < NEAR_M
                                                  else round(place.landmark_m / 100.0))
    return (place.kelurahan, place.landmark, dist)


def kelurahan_at(lon: ArrayLike, lat: ArrayLike, areas: Any = None) -> list[tuple[str | None, str | None]]:
    """``(kelurahan, kecamatan)`` of each point (``None, None`` outside every kelurahan).

    ``areas``: a GeoDataFrame with ``nama, kecamatan`` in EPSG:4326 (default: the 64 kelurahan).
    """
    import shapely

    if areas is None:
        from layers.geodata import kelurahan

        areas = kelurahan()
    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    out: list[tuple[str | None, str | None]] = [(None, None)] * x.size
    found = np.zeros(x.size, dtype=bool)
    for name, kec, geom in zip(areas["nama"], areas["kecamatan"], areas.geometry):
        hit = shapely.contains_xy(geom, x, y) & ~found
        for i in np.flatnonzero(hit):
            out[int(i)] = (str(name), str(kec))
        found |= hit
    return out


def landmarks_of(facilities: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The facilities that can serve as landmarks (a known location and a name)."""
    return [f for f in facilities if f.get("name") and f.get("location_confidence") != "approximate"
            and f.get("lon") is not None and f.get("lat") is not None]


def locate(lon: ArrayLike, lat: ArrayLike, landmarks: Sequence[Mapping[str, Any]] = (), *,
           areas: Any = None) -> tuple[Place, ...]:
    """The :class:`Place` of each point: kelurahan, nearest landmark (``name, lon, lat``) and distance."""
    x_lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y_lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    kel = kelurahan_at(x_lon, y_lat, areas)
    marks = landmarks_of(landmarks)
    near: list[tuple[str | None, float | None]] = [(None, None)] * x_lon.size
    if marks and x_lon.size:
        px, py = to_utm(x_lon, y_lat)
        mx, my = to_utm([float(m["lon"]) for m in marks], [float(m["lat"]) for m in marks])
        d = np.hypot(px[:, None] - mx[None, :], py[:, None] - my[None, :])
        best = np.argmin(d, axis=1)
        near = [(str(marks[int(j)]["name"]), float(d[i, j])) for i, j in enumerate(best)]
    places = [Place(kelurahan=k, kecamatan=c, landmark=m, landmark_m=dm) for (k, c), (m, dm) in zip(kel, near)]
    counts = Counter(_key(p) for p in places)
    seen: Counter[tuple[Any, ...]] = Counter()
    numbered = []
    for p in places:
        key = _key(p)
        if counts[key] > 1:
            seen[key] += 1
            p = Place(p.kelurahan, p.kecamatan, p.landmark, p.landmark_m, n=seen[key])
        numbered.append(p)
    return tuple(numbered)


def place_label(place: Place, lang: str) -> str:
    """``Kel. Lalolara, dekat Puskesmas Abeli`` / ``Kel. Lalolara, near Puskesmas Abeli``."""
    area = f"Kel. {place.kelurahan}" if place.kelurahan else tr("Di luar batas kelurahan", "Outside the kelurahan",
                                                                 lang)
    if place.landmark and place.landmark_m is not None:
        if place.landmark_m < NEAR_M:
            where = tr(f"dekat {place.landmark}", f"near {place.landmark}", lang)
        else:
            km = num(place.landmark_m / 1000.0, lang, 1)
            where = tr(f"{km} km dari {place.landmark}", f"{km} km from {place.landmark}", lang)
        label = f"{area}, {where}"
    elif place.kecamatan:
        label = f"{area} (Kec. {place.kecamatan})"
    else:
        label = area
    return f"{label} ({place.n})" if place.n else label
