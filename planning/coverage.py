"""Drive-time coverage of stations: service-area bands, shares of land, kelurahan and incidents.

Travel times come from the routing package (``routing.travel.travel_times_from``: one
multi-source Dijkstra from all stations of a kind, stations joined to the graph with
``routing.snap.snap_many``). A place's time is the time of the graph node it snaps to plus the
off-network leg, exactly as for an incident, so the drawn bands and the incident shares agree.

Service areas are drawn from a regular grid (default 100 m) in UTM 51S: every grid cell on land
is snapped to the graph like an incident and gets its travel time; the cells of each band are
merged into polygons and clipped to the city's land (water never counts as covered). The bands'
edges are therefore accurate to about one grid cell. (``routing.travel.isochrones`` draws the
same areas from buffered edges; it is not used here because it is much slower on the
approximate lattice.)

A band ``(lo, hi]`` holds places reached in more than ``lo`` and at most ``hi`` minutes; the
first band starts at 0. Places beyond the last band, not reachable, or not on the network are
*uncovered*.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from planning._errors import InvalidParameterError, NoStationsError
from planning._proj import city_land_utm, geom_to_lonlat, kelurahan_utm, to_lonlat
from planning._raster import raster_polygon

#: Upper edges of the default bands in minutes: 0–4, 4–8, 8–15 (FireCARES-style, plus
#: Kendari Damkar's 15-minute target).
DEFAULT_BANDS_MIN: tuple[float, ...] = (4.0, 8.0, 15.0)
DEFAULT_GRID_M = 100.0
#: Station kinds planners choose from, mapped to facility categories.
STATION_KINDS: Mapping[str, tuple[str, ...]] = {
    "fire": ("fire_post",),
    "ambulance": ("puskesmas", "hospital"),
    "police": ("police_station",),
    "bpbd": ("bpbd_post",),
}
#: The agency whose units are based at each station kind (used when the stations carry no agency).
STATION_KIND_AGENCIES: Mapping[str, tuple[str, ...]] = {
    "fire": ("DAMKAR",),
    "ambulance": ("PSC119",),
    "police": ("POLICE",),
    "bpbd": ("BPBD",),
}
STATION_KIND_LABELS: Mapping[str, tuple[str, str]] = {
    "fire": ("Pos Damkar", "Fire posts"),
    "ambulance": ("Pangkalan ambulans (puskesmas, RS)", "Ambulance bases (puskesmas, hospitals)"),
    "police": ("Kantor polisi (polsek)", "Police stations"),
    "bpbd": ("Pos BPBD", "Disaster agency (BPBD) posts"),
}


def served_incident_types(agencies: Iterable[str], unit_types: Iterable[Mapping[str, Any]],
                          plans: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Incident types that stations of these agencies answer, from the response plans.

    A type is served when its response plan asks for a unit type (not only as a substitute) that
    belongs to one of ``agencies``: fire posts (DAMKAR: fire engine, water tanker, rescue) serve
    fires, floods, fallen trees and animal rescues; a municipal ticket (street light, water
    supply) has no emergency unit in its plan and is never served.

    Parameters
    ----------
    agencies
        Agency codes of the stations (e.g. ``["DAMKAR"]``).
    unit_types
        Rows with ``code, agency_code``.
    plans
        Response-plan rows with ``incident_type, unit_type`` (``unit_type`` None for a type
        without a plan).

    Returns
    -------
    The served type codes, sorted.
    """
    wanted = set(agencies)
    units = {str(u["code"]) for u in unit_types if u.get("agency_code") in wanted}
    return tuple(sorted({str(p["incident_type"]) for p in plans if p.get("unit_type") in units}))


def parse_bands(bands_min: Sequence[float] | str) -> tuple[float, ...]:
    """Validate band upper edges (minutes), e.g. ``"4, 8, 15"`` or ``[4, 8, 15]``.

    Raises
    ------
    InvalidParameterError
        Empty, not increasing, not positive, more than 8 bands or beyond 120 minutes.
    """
    if isinstance(bands_min, str):
        parts = [p for p in bands_min.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise InvalidParameterError(
                f"bands must be numbers of minutes, e.g. '4, 8, 15' (got {bands_min!r})") from None
    else:
        values = [float(v) for v in bands_min]
    if not values:
        raise InvalidParameterError("give at least one band edge in minutes")
    if len(values) > 8:
        raise InvalidParameterError("at most 8 bands")
    if any(not np.isfinite(v) or v <= 0 for v in values) or any(b <= a for a, b in itertools.pairwise(values)):
        raise InvalidParameterError("band edges must be positive and increasing, e.g. 4, 8, 15")
    if values[-1] > 120:
        raise InvalidParameterError("the last band may end at 120 minutes at most")
    return tuple(values)


def band_labels(bands_min: Sequence[float]) -> list[str]:
    """``['0–4 min', '4–8 min', '8–15 min', '> 15 min']``."""
    def fmt(v: float) -> str:
        return f"{v:g}"

    edges = [0.0, *bands_min]
    labels = [f"{fmt(a)}–{fmt(b)} min" for a, b in itertools.pairwise(edges)]
    return [*labels, f"> {fmt(bands_min[-1])} min"]


def band_index(time_s: ArrayLike, bands_min: Sequence[float]) -> NDArray[np.int64]:
    """Band of each time: 0 for ``t <= b0``, i for ``b(i-1) < t <= bi``, ``len(bands)`` beyond.

    NaN and inf (unreached, not on the network) are beyond.
    """
    t = np.asarray(time_s, dtype=np.float64)
    his = np.asarray(bands_min, dtype=np.float64) * 60.0
    idx = np.searchsorted(his, np.where(np.isfinite(t), t, np.inf), side="left")
    return idx.astype(np.int64)


# --- the land grid, snapped once per graph ---------------------------------------------------
@dataclass(frozen=True, eq=False)
class LandGrid:
    """Grid cells (UTM 51S) touching the land, each snapped to a travel graph.

    ``rows, cols`` locate the cells in a ``shape`` grid whose lower-left corner is ``x0_m, y0_m``;
    ``node`` (-1 when not snapped) and ``leg_s`` give the snap of each cell's centre.
    """

    x0_m: float
    y0_m: float
    cell_m: float
    shape: tuple[int, int]
    rows: NDArray[np.int64] = field(repr=False)
    cols: NDArray[np.int64] = field(repr=False)
    node: NDArray[np.int64] = field(repr=False)
    leg_s: NDArray[np.float64] = field(repr=False)
    land_utm: BaseGeometry = field(repr=False)


@lru_cache(maxsize=4)
def land_grid(graph: Any, land_utm: BaseGeometry | None = None, cell_m: float = DEFAULT_GRID_M) -> LandGrid:
    """Snap the centres of the grid cells over ``land_utm`` (default: Kendari) to ``graph``.

    Cached per graph, land and cell size (read-only result).
    """
    from routing.snap import snap_many

    land = city_land_utm() if land_utm is None else land_utm
    if cell_m <= 0:
        raise InvalidParameterError("grid cell size must be positive")
    minx, miny, maxx, maxy = land.bounds
    x0 = float(np.floor(minx / cell_m) * cell_m)
    y0 = float(np.floor(miny / cell_m) * cell_m)
    nx = int(np.ceil((maxx - x0) / cell_m))
    ny = int(np.ceil((maxy - y0) / cell_m))
    cx = x0 + (np.arange(nx) + 0.5) * cell_m
    cy = y0 + (np.arange(ny) + 0.5) * cell_m
    gx, gy = np.meshgrid(cx, cy)
    touching = land.buffer(cell_m * 0.75)  # half a diagonal: every cell that touches the land
    shapely.prepare(touching)
    mask = shapely.contains_xy(touching, gx.ravel(), gy.ravel()).reshape(ny, nx)
    rows, cols = np.nonzero(mask)
    lon, lat = to_lonlat(gx[rows, cols], gy[rows, cols])
    snaps = snap_many(graph, lon, lat)
    node = np.where(snaps.ok, snaps.node, -1).astype(np.int64)
    leg = np.where(snaps.ok, snaps.time_s, np.nan)
    for arr in (rows, cols, node, leg):
        arr.flags.writeable = False
    return LandGrid(x0_m=x0, y0_m=y0, cell_m=float(cell_m), shape=(ny, nx), rows=rows.astype(np.int64),
                    cols=cols.astype(np.int64), node=node, leg_s=leg, land_utm=land)


def _cells_polygon(grid: LandGrid, selected: NDArray[np.bool_]) -> BaseGeometry:
    """Union of the selected grid cells, in UTM."""
    raster = np.zeros(grid.shape, dtype=bool)
    raster[grid.rows[selected], grid.cols[selected]] = True
    return raster_polygon(raster, x0_m=grid.x0_m, y0_m=grid.y0_m, cell_m=grid.cell_m)


def place_times(graph: Any, station_snaps: Any, node: ArrayLike, leg_s: ArrayLike, *,
                limit_s: float | None) -> NDArray[np.float64]:
    """Travel time from the nearest station to places snapped to ``node`` with leg ``leg_s``.

    ``inf`` beyond ``limit_s`` or unreached; NaN where the place is not on the network (node -1).
    """
    from routing.travel import travel_times_from

    tt = travel_times_from(graph, station_snaps, limit_s=limit_s)
    nodes = np.asarray(node, dtype=np.int64)
    ok = nodes >= 0
    out = np.full(nodes.shape, np.nan)
    out[ok] = tt.time_s[nodes[ok]] + np.asarray(leg_s, dtype=np.float64)[ok]
    if limit_s is not None:
        out[ok & (out > limit_s)] = np.inf
    return out


# --- the analysis ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverageResult:
    """Service-area bands of a set of stations.

    Attributes
    ----------
    model
        ``road`` or ``approximate``: which travel model produced the times.
    bands_min
        Upper band edges in minutes.
    labels
        One label per band plus the last one for "beyond".
    polygons
        Per band (and "beyond" last): the land in that band, EPSG:4326.
    uncovered
        Land beyond the last band, unreachable or off the network (same as ``polygons[-1]``).
    stats
        One row per band (and beyond): ``label, area_km2, area_share, kelurahan_n,
        kelurahan_share, incidents_n, incidents_share``.
    kelurahan
        One row per kelurahan: ``kode, nama, kecamatan, area_km2``, the share of its land in
        each band (columns ``band_0`` …, ``beyond``) and ``main_band`` (the band holding most of it).
    stations
        The stations with their snap (``node``, ``ok``, ``reason``).
    incident_band
        Band index of each incident given (``len(bands_min)`` = uncovered).
    incident_time_s
        Travel time from the nearest station to each incident (inf beyond the last band,
        NaN not on the network).
    """

    model: str
    bands_min: tuple[float, ...]
    labels: tuple[str, ...]
    polygons: tuple[BaseGeometry, ...]
    stats: pd.DataFrame
    kelurahan: pd.DataFrame
    stations: pd.DataFrame
    incident_band: NDArray[np.int64] = field(repr=False)
    incident_time_s: NDArray[np.float64] = field(repr=False)
    land_area_km2: float = 0.0
    grid_m: float = DEFAULT_GRID_M
    kind: str | None = None

    @property
    def uncovered(self) -> BaseGeometry:
        return self.polygons[-1]

    def within(self, minutes: float) -> dict[str, float]:
        """Shares of land and incidents within ``minutes`` (must be a band edge)."""
        if minutes not in self.bands_min:
            raise InvalidParameterError(f"{minutes} is not a band edge {self.bands_min}")
        upto = self.bands_min.index(minutes) + 1
        rows = self.stats.iloc[:upto]
        return {"area_share": float(rows["area_share"].sum()),
                "incidents_share": float(rows["incidents_share"].sum())}


def coverage(
    graph: Any,
    stations_lon: ArrayLike,
    stations_lat: ArrayLike,
    *,
    bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
    station_names: Sequence[str] | None = None,
    incidents_lon: ArrayLike = (),
    incidents_lat: ArrayLike = (),
    land_utm: BaseGeometry | None = None,
    areas_utm: pd.DataFrame | None = None,
    grid_m: float = DEFAULT_GRID_M,
    kind: str | None = None,
) -> CoverageResult:
    """Drive-time bands from stations; shares of land, kelurahan and incidents in each band.

    Parameters
    ----------
    graph
        A ``routing.graph.TravelGraph``.
    stations_lon, stations_lat
        Station positions (EPSG:4326).
    bands_min
        Upper band edges in minutes (see :func:`parse_bands`).
    incidents_lon, incidents_lat
        Historical incidents (EPSG:4326) whose shares per band are reported.
    land_utm
        The land to cover, UTM 51S (default: Kendari's land).
    areas_utm
        Areas (``kode, nama, kecamatan, area_km2, geometry`` in UTM 51S) for the per-area table;
        default: the 64 kelurahan.
    grid_m
        Cell size of the grid the bands are drawn from, metres.

    Raises
    ------
    NoStationsError
        No station, or none can be joined to the travel graph.
    """
    from routing.snap import snap_many

    bands = parse_bands(bands_min)
    limit_s = bands[-1] * 60.0
    s_lon = np.atleast_1d(np.asarray(stations_lon, dtype=np.float64))
    s_lat = np.atleast_1d(np.asarray(stations_lat, dtype=np.float64))
    if s_lon.size == 0:
        raise NoStationsError("there is no station of this kind")
    names = list(station_names) if station_names is not None else [f"#{i + 1}" for i in range(s_lon.size)]
    snaps = snap_many(graph, s_lon, s_lat)
    stations = pd.DataFrame({"name": names, "lon": s_lon, "lat": s_lat, "node": snaps.node,
                             "snap_m": snaps.distance_m, "ok": snaps.ok, "reason": list(snaps.reason)})
    if not snaps.ok.any():
        raise NoStationsError("no station of this kind can be joined to the travel network")
    ok_idx = np.flatnonzero(snaps.ok)
    src = type(snaps)(snaps.lon[ok_idx], snaps.lat[ok_idx], snaps.node[ok_idx], snaps.distance_m[ok_idx],
                      snaps.time_s[ok_idx], snaps.ok[ok_idx], tuple(snaps.reason[i] for i in ok_idx))

    grid = land_grid(graph, land_utm, float(grid_m))
    land = grid.land_utm
    cell_t = place_times(graph, src, grid.node, np.nan_to_num(grid.leg_s), limit_s=limit_s)
    cell_band = band_index(cell_t, bands)
    n_bands = len(bands)
    polys_utm: list[BaseGeometry] = []
    covered: BaseGeometry = shapely.Polygon()
    for b in range(n_bands):
        poly = shapely.intersection(_cells_polygon(grid, cell_band == b), land)
        poly = shapely.difference(poly, covered) if not covered.is_empty else poly
        polys_utm.append(poly)
        covered = shapely.union(covered, poly)
    polys_utm.append(shapely.difference(land, covered))
    land_km2 = float(land.area) / 1e6

    # incidents
    i_lon = np.atleast_1d(np.asarray(incidents_lon, dtype=np.float64))
    i_lat = np.atleast_1d(np.asarray(incidents_lat, dtype=np.float64))
    if i_lon.size:
        isnap = snap_many(graph, i_lon, i_lat)
        inc_t = place_times(graph, src, np.where(isnap.ok, isnap.node, -1), isnap.time_s, limit_s=limit_s)
    else:
        inc_t = np.zeros(0)
    inc_band = band_index(inc_t, bands)
    inc_counts = np.bincount(inc_band, minlength=n_bands + 1)

    # per area (kelurahan)
    areas = kelurahan_utm() if areas_utm is None else areas_utm
    geoms = np.asarray(areas.geometry.values)
    table = pd.DataFrame({c: areas[c].to_numpy() for c in ("kode", "nama", "kecamatan") if c in areas.columns})
    table["area_km2"] = shapely.area(geoms) / 1e6
    cols = [f"band_{b}" for b in range(n_bands)] + ["beyond"]
    for col, poly in zip(cols, polys_utm):
        table[col] = shapely.area(shapely.intersection(geoms, poly)) / np.maximum(shapely.area(geoms), 1e-9)
    table["main_band"] = np.argmax(table[cols].to_numpy(), axis=1)
    main_counts = np.bincount(table["main_band"].to_numpy(), minlength=n_bands + 1)

    labels = band_labels(bands)
    area_km2 = np.array([p.area / 1e6 for p in polys_utm])
    stats = pd.DataFrame({
        "label": labels,
        "area_km2": area_km2,
        "area_share": area_km2 / max(land_km2, 1e-9),
        "kelurahan_n": main_counts,
        "kelurahan_share": main_counts / max(len(table), 1),
        "incidents_n": inc_counts,
        "incidents_share": inc_counts / max(int(i_lon.size), 1),
    })
    return CoverageResult(
        model=str(graph.model), bands_min=bands, labels=tuple(labels),
        polygons=tuple(geom_to_lonlat(p) for p in polys_utm), stats=stats, kelurahan=table,
        stations=stations, incident_band=inc_band, incident_time_s=inc_t, land_area_km2=land_km2,
        grid_m=float(grid_m), kind=kind,
    )
