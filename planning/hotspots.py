"""Where incidents concentrate: H3 counts, Getis-Ord Gi* hot/cold spots, kernel density, emerging hotspots.

Method (stated in the UI, the report and ``docs/planning.md``):

* **Study area**: every H3 cell of the chosen resolution whose centre lies on the city's land
  (``h3.geo_to_cells`` of the dissolved city outline), plus any cell holding an incident (piers,
  stilt houses just off the shore). Cells with no incident count as zero: Gi* compares each
  neighbourhood with the whole city, empty land included.
* **Weights**: H3 ring-1 contiguity — a cell's neighbourhood is itself and its six adjacent
  cells (binary weights, self included, i.e. Gi* "star"). Cells with no neighbour in the study
  area (slivers of small islands) are left out of the test and reported as not tested.
* **Statistic**: ``esda.G_Local(counts, w, transform="B", star=True, permutations=999, seed=…)``.
* **Significance**: from esda's conditional-permutation pseudo p-value ``p_sim`` (folded: it
  measures the tail on the side of the observed value): 99 % when ``p_sim <= 0.01``, 95 % when
  ``<= 0.05``, 90 % when ``<= 0.10``. The direction (hot or cold) is the sign of the Gi* z-score
  ``Zs``. No correction for multiple tests is applied (as in ArcGIS "Hot Spot Analysis" without
  FDR); read single significant cells with care, clusters of them are the finding.
* **Kernel density**: a Gaussian kernel with a fixed bandwidth in metres, computed on a regular
  grid in UTM 51S (EPSG:32751) by binning the points and convolving with the kernel
  (binned KDE; error below the grid cell size), masked to land, in incidents per km².
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import h3
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from planning._errors import InvalidParameterError, NoIncidentsError
from planning._proj import city_land_utm, to_lonlat, to_utm

#: H3 resolutions offered: 8 (~0.74 km² per cell, edge ~530 m) and 9 (~0.105 km², edge ~200 m).
H3_RESOLUTIONS = (8, 9)
DEFAULT_RESOLUTION = 9
DEFAULT_PERMUTATIONS = 999
#: Fixed seed of the permutation inference, so that a result can be reproduced.
DEFAULT_SEED = 112
#: (confidence %, largest pseudo p-value) from strongest to weakest.
CONFIDENCE_LEVELS: tuple[tuple[int, float], ...] = ((99, 0.01), (95, 0.05), (90, 0.10))
#: Classes in display order; ``hot_99`` … ``cold_99``; ``ns`` not significant, ``nt`` not tested.
HOTSPOT_CLASSES = ("hot_99", "hot_95", "hot_90", "ns", "cold_90", "cold_95", "cold_99", "nt")
DEFAULT_BANDWIDTH_M = 400.0
DEFAULT_KDE_CELL_M = 100.0
#: How far off the land an incident may lie and still be counted in the density grid's mask.
KDE_LAND_BUFFER_M = 250.0


# --- H3 cells -------------------------------------------------------------------------------
def _check_resolution(resolution: int) -> int:
    res = int(resolution)
    if not 0 <= res <= 15:
        raise InvalidParameterError(f"H3 resolution must be 0–15, got {resolution}")
    return res


def cells_of_points(lon: ArrayLike, lat: ArrayLike, resolution: int) -> NDArray[np.object_]:
    """The H3 cell (string id) of each lon/lat point."""
    res = _check_resolution(resolution)
    lo = np.asarray(lon, dtype=np.float64).tolist()
    la = np.asarray(lat, dtype=np.float64).tolist()
    to_cell = h3.latlng_to_cell
    return np.array([to_cell(b, a, res) for a, b in zip(lo, la)], dtype=object)


@lru_cache(maxsize=4)
def land_cells(resolution: int) -> tuple[str, ...]:
    """H3 cells whose centre lies on Kendari's land (the dissolved city outline), sorted."""
    from layers.geodata import city_outline

    return tuple(sorted(h3.geo_to_cells(city_outline(), _check_resolution(resolution))))


def cell_counts(cells: ArrayLike, study: Sequence[str] = ()) -> pd.Series:
    """Count points per cell over the study cells (zeros kept) plus any other cell with points.

    Returns a Series indexed by cell id (sorted), dtype float64.
    """
    observed = pd.Series(np.asarray(cells, dtype=object)).value_counts()
    index = sorted(set(study) | set(observed.index))
    return observed.reindex(index, fill_value=0).astype(np.float64).rename("count")


def ring_neighbours(cells: Sequence[str]) -> dict[str, list[str]]:
    """Ring-1 neighbourhoods *including the cell itself*, restricted to ``cells``.

    Cells left with no neighbour but themselves are dropped, repeatedly (a neighbour that is
    dropped can isolate another), so every remaining cell has at least one real neighbour.
    """
    keep = set(cells)
    while True:
        neigh = {c: sorted(n for n in h3.grid_disk(c, 1) if n in keep) for c in keep}
        isolated = {c for c, ns in neigh.items() if len(ns) < 2}
        if not isolated:
            return {c: neigh[c] for c in sorted(neigh)}
        keep -= isolated


def ring_weights(cells: Sequence[str]) -> Any:
    """libpysal binary weights of H3 ring-1 contiguity with the self-weight on the diagonal (Gi*).

    Returns a ``libpysal.weights.W`` whose ``id_order`` is the sorted tested cells.
    """
    from libpysal.weights import W

    neigh = ring_neighbours(cells)
    return W(neigh, id_order=sorted(neigh), silence_warnings=True)


def classify(z: ArrayLike, p: ArrayLike) -> NDArray[np.object_]:
    """Hot/cold class per cell from the z-score sign and the pseudo p-value."""
    z_a = np.asarray(z, dtype=np.float64)
    p_a = np.asarray(p, dtype=np.float64)
    out = np.full(z_a.shape, "ns", dtype=object)
    for conf, alpha in reversed(CONFIDENCE_LEVELS):  # weakest first, strongest overwrites
        sig = p_a <= alpha
        out[sig & (z_a > 0)] = f"hot_{conf}"
        out[sig & (z_a < 0)] = f"cold_{conf}"
    return out


def signed_confidence(klass: ArrayLike) -> NDArray[np.int64]:
    """``hot_95`` → 95, ``cold_90`` → −90, ``ns``/``nt`` → 0."""
    values = []
    for k in np.asarray(klass, dtype=object):
        kind, _, conf = str(k).partition("_")
        values.append(int(conf) if kind == "hot" else -int(conf) if kind == "cold" else 0)
    return np.array(values, dtype=np.int64)


def getis_ord(counts: pd.Series, *, permutations: int = DEFAULT_PERMUTATIONS,
              seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Gi* of ``counts`` (indexed by H3 cell) on ring-1 contiguity.

    Returns
    -------
    DataFrame indexed like ``counts`` with ``count``, ``gi`` (G*), ``z`` (analytical z-score),
    ``p_sim`` (pseudo p-value, NaN for untested cells), ``klass`` (one of HOTSPOT_CLASSES) and
    ``confidence`` (signed: +99 … −99, 0).
    """
    from esda import G_Local

    if permutations < 99:
        raise InvalidParameterError("use at least 99 permutations for 90 % significance")
    if float(counts.sum()) <= 0:
        raise NoIncidentsError("no incidents match the filters")
    w = ring_weights(list(counts.index))
    out = pd.DataFrame({"count": counts.astype(np.float64)})
    out["gi"] = np.nan
    out["z"] = np.nan
    out["p_sim"] = np.nan
    out["klass"] = "nt"
    tested = list(w.id_order)
    if len(tested) < 3:
        raise NoIncidentsError("the study area is too small for Gi*")
    y = counts.loc[tested].to_numpy(dtype=np.float64)
    if float(y.sum()) <= 0:
        raise NoIncidentsError("no incidents fall in cells that have neighbours")
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        # esda warns that its default alternative will change; G_Local offers no way to choose it and
        # uses the folded ("directed") p_sim described above.
        warnings.filterwarnings("ignore", message="The alternative hypothesis for conditional randomization",
                                category=DeprecationWarning)
        g = G_Local(y, w, transform="B", star=True, permutations=int(permutations), seed=int(seed),
                    n_jobs=1, keep_simulations=False)
    out.loc[tested, "gi"] = np.asarray(g.Gs, dtype=np.float64)
    out.loc[tested, "z"] = np.asarray(g.Zs, dtype=np.float64)
    out.loc[tested, "p_sim"] = np.asarray(g.p_sim, dtype=np.float64)
    out.loc[tested, "klass"] = classify(g.Zs, g.p_sim)
    out["confidence"] = signed_confidence(out["klass"])
    return out


@dataclass(frozen=True)
class HotspotResult:
    """Gi* per H3 cell for one set of incidents.

    ``cells`` is indexed by H3 id with ``count, gi, z, p_sim, klass, confidence``;
    ``point_cells`` (when known) is the cell of each incident, in input order.
    """

    resolution: int
    cells: pd.DataFrame
    n_incidents: int
    permutations: int
    seed: int
    weights: str = "H3 ring-1 contiguity (binary, self included)"
    significance: str = "conditional-permutation pseudo p-value (esda p_sim); sign of the Gi* z-score"
    point_cells: NDArray[np.object_] | None = field(default=None, repr=False, compare=False)

    def class_counts(self) -> dict[str, int]:
        """How many cells fall in each class (all classes present, zeros included)."""
        vc = self.cells["klass"].value_counts()
        return {k: int(vc.get(k, 0)) for k in HOTSPOT_CLASSES}


def hotspots(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    study: Sequence[str] | None = None,
) -> HotspotResult:
    """Count incidents on H3 cells and run Gi* over the city's land.

    Parameters
    ----------
    lon, lat
        Incident coordinates, EPSG:4326.
    resolution
        H3 resolution (8 or 9 in the UI).
    study
        Cells that make up the study area; default: :func:`land_cells`.
    """
    lo = np.asarray(lon, dtype=np.float64)
    if lo.size == 0:
        raise NoIncidentsError("no incidents match the filters")
    cells = cells_of_points(lo, lat, resolution)
    counts = cell_counts(cells, land_cells(resolution) if study is None else study)
    table = getis_ord(counts, permutations=permutations, seed=seed)
    return HotspotResult(resolution=int(resolution), cells=table, n_incidents=int(lo.size),
                         permutations=int(permutations), seed=int(seed), point_cells=cells)


# --- emerging hotspots ----------------------------------------------------------------------
EMERGING_CLASSES = ("new_hot", "intensifying_hot", "weakening_hot", "ended_hot",
                    "new_cold", "intensifying_cold", "weakening_cold", "ended_cold", "unchanged")


def _change(before: int, after: int) -> str:
    if after > 0:
        if before <= 0:
            return "new_hot"
        return "intensifying_hot" if after > before else "weakening_hot" if after < before else "unchanged"
    if after < 0:
        if before >= 0:
            return "new_cold"
        return "intensifying_cold" if after < before else "weakening_cold" if after > before else "unchanged"
    if before > 0:
        return "ended_hot"
    if before < 0:
        return "ended_cold"
    return "unchanged"


def emerging_hotspots(
    lon_before: ArrayLike, lat_before: ArrayLike, lon_after: ArrayLike, lat_after: ArrayLike, *,
    resolution: int = DEFAULT_RESOLUTION, permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Gi* for two periods on the same cells, and how each cell's class changed.

    Returns
    -------
    DataFrame indexed by cell with ``count_before, count_after, klass_before, klass_after,
    confidence_before, confidence_after, change`` (one of EMERGING_CLASSES); cells that keep
    their class are ``unchanged``.
    """
    cb = cells_of_points(lon_before, lat_before, resolution)
    ca = cells_of_points(lon_after, lat_after, resolution)
    study = sorted(set(land_cells(resolution)) | set(cb) | set(ca))
    if len(cb) == 0 or len(ca) == 0:
        raise NoIncidentsError("both periods need incidents to compare")
    before = getis_ord(cell_counts(cb, study), permutations=permutations, seed=seed)
    after = getis_ord(cell_counts(ca, study), permutations=permutations, seed=seed)
    out = pd.DataFrame({
        "count_before": before["count"], "count_after": after["count"],
        "klass_before": before["klass"], "klass_after": after["klass"],
        "confidence_before": before["confidence"], "confidence_after": after["confidence"],
    })
    out["change"] = [_change(int(b), int(a)) for b, a in zip(out["confidence_before"], out["confidence_after"])]
    return out


# --- counts by kelurahan --------------------------------------------------------------------
def kelurahan_counts(kelurahan_kode: ArrayLike, kelurahan: pd.DataFrame) -> pd.DataFrame:
    """Incidents per kelurahan (all 64 listed, zeros included), per km² and as a share.

    Parameters
    ----------
    kelurahan_kode
        The kelurahan code of each incident (set by the database's spatial join; None when
        the incident lies outside every kelurahan).
    kelurahan
        ``layers.geodata.kelurahan()`` (``kode, nama, kecamatan, area_km2``).
    """
    codes = pd.Series(np.asarray(kelurahan_kode, dtype=object)).dropna()
    vc = codes.value_counts()
    out = pd.DataFrame({
        "kode": kelurahan["kode"].to_numpy(), "nama": kelurahan["nama"].to_numpy(),
        "kecamatan": kelurahan["kecamatan"].to_numpy(), "area_km2": kelurahan["area_km2"].to_numpy(),
    })
    out["count"] = out["kode"].map(vc).fillna(0).astype(np.int64)
    out["per_km2"] = out["count"] / out["area_km2"]
    total = max(len(np.asarray(kelurahan_kode)), 1)
    out["share"] = out["count"] / total
    return out.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)


def clustered_hot(cells: pd.DataFrame) -> pd.Series:
    """Whether each cell is a hot spot with at least one hot neighbour (part of a cluster).

    A single significant cell among non-significant ones is often chance (no multiple-testing
    correction is applied); clusters of them are the finding. Returns a boolean Series indexed
    like ``cells``.
    """
    hot = set(cells.index[cells["klass"].astype(str).str.startswith("hot")])
    flags = [c in hot and any(n in hot for n in h3.grid_disk(c, 1) if n != c) for c in cells.index]
    return pd.Series(flags, index=cells.index, dtype=bool)


def hot_kelurahan(point_cells: ArrayLike, point_kelurahan: ArrayLike, cells: pd.DataFrame,
                  kelurahan: pd.DataFrame, *, clustered_only: bool = True) -> pd.DataFrame:
    """Where the incidents of the significant hot cells happened, by kelurahan.

    With ``clustered_only`` (default) only hot cells with a hot neighbour count
    (:func:`clustered_hot`).

    Parameters
    ----------
    point_cells, point_kelurahan
        The H3 cell and the kelurahan code of each incident.
    cells
        The Gi* table (:attr:`HotspotResult.cells`, with ``confidence``).
    kelurahan
        ``kode, nama, kecamatan`` of every kelurahan.

    Returns
    -------
    DataFrame with ``kode, nama, kecamatan, count`` (incidents in hot cells) and ``confidence``
    (the strongest hot confidence among them), most incidents first; empty without hot cells.
    """
    confidence = cells["confidence"].where(clustered_hot(cells), 0) if clustered_only else cells["confidence"]
    conf = pd.Series(np.asarray(point_cells, dtype=object)).map(confidence).fillna(0).to_numpy()
    frame = pd.DataFrame({"kode": np.asarray(point_kelurahan, dtype=object), "confidence": conf})
    frame = frame[(frame["confidence"] > 0) & frame["kode"].notna()]
    grouped = frame.groupby("kode").agg(count=("confidence", "size"), confidence=("confidence", "max"))
    names = kelurahan.set_index("kode")[["nama", "kecamatan"]]
    out = grouped.join(names, how="inner").reset_index()
    out["count"] = out["count"].astype(np.int64)
    out["confidence"] = out["confidence"].astype(np.int64)
    return out.sort_values(["count", "nama"], ascending=[False, True], kind="stable").reset_index(drop=True)[
        ["kode", "nama", "kecamatan", "count", "confidence"]]


# --- kernel density -------------------------------------------------------------------------
@dataclass(frozen=True)
class KdeGrid:
    """A density surface on a regular UTM 51S grid.

    ``density[r, c]`` is incidents per km² at the centre of the cell whose lower-left corner is
    ``(x0_m + c * cell_m, y0_m + r * cell_m)`` (row 0 is the southern edge); NaN off land.
    """

    x0_m: float
    y0_m: float
    cell_m: float
    bandwidth_m: float
    density: NDArray[np.float64] = field(repr=False)
    n_points: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.density.shape[0]), int(self.density.shape[1]))

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """x and y (UTM metres) of the cell centres, as 1-D axes."""
        ny, nx = self.shape
        return (self.x0_m + (np.arange(nx, dtype=np.float64) + 0.5) * self.cell_m,
                self.y0_m + (np.arange(ny, dtype=np.float64) + 0.5) * self.cell_m)

    def corners_lonlat(self) -> list[list[float]]:
        """The grid's four outer corners in lon/lat: top-left, top-right, bottom-right, bottom-left."""
        ny, nx = self.shape
        x1, y1 = self.x0_m + nx * self.cell_m, self.y0_m + ny * self.cell_m
        lon, lat = to_lonlat([self.x0_m, x1, x1, self.x0_m], [y1, y1, self.y0_m, self.y0_m])
        return [[float(a), float(b)] for a, b in zip(lon, lat)]

    def value_at(self, x_m: ArrayLike, y_m: ArrayLike) -> NDArray[np.float64]:
        """Density of the cell containing each point (NaN outside the grid or off land)."""
        x = np.asarray(x_m, dtype=np.float64)
        y = np.asarray(y_m, dtype=np.float64)
        c = np.floor((x - self.x0_m) / self.cell_m).astype(np.int64)
        r = np.floor((y - self.y0_m) / self.cell_m).astype(np.int64)
        ny, nx = self.shape
        inside = (c >= 0) & (c < nx) & (r >= 0) & (r < ny)
        out = np.full(x.shape, np.nan)
        out[inside] = self.density[r[inside], c[inside]]
        return out


def _grid_frame(cell_m: float) -> tuple[float, float, int, int]:
    minx, miny, maxx, maxy = city_land_utm().bounds
    xs, ys = np.array([minx, maxx]), np.array([miny, maxy])
    pad = 1000.0
    x0 = np.floor((xs.min() - pad) / cell_m) * cell_m
    y0 = np.floor((ys.min() - pad) / cell_m) * cell_m
    nx = int(np.ceil((xs.max() + pad - x0) / cell_m))
    ny = int(np.ceil((ys.max() + pad - y0) / cell_m))
    return float(x0), float(y0), nx, ny


@lru_cache(maxsize=4)
def _land_mask(cell_m: float) -> tuple[float, float, NDArray[np.bool_]]:
    import shapely

    x0, y0, nx, ny = _grid_frame(cell_m)
    outline = city_land_utm().buffer(KDE_LAND_BUFFER_M)
    shapely.prepare(outline)
    cx = x0 + (np.arange(nx) + 0.5) * cell_m
    cy = y0 + (np.arange(ny) + 0.5) * cell_m
    gx, gy = np.meshgrid(cx, cy)
    mask = shapely.contains_xy(outline, gx.ravel(), gy.ravel()).reshape(ny, nx)
    mask.flags.writeable = False
    return x0, y0, mask


def kde_grid(
    x_m: ArrayLike,
    y_m: ArrayLike,
    *,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    cell_m: float = DEFAULT_KDE_CELL_M,
    frame: tuple[float, float, int, int] | None = None,
    mask: NDArray[np.bool_] | None = None,
) -> KdeGrid:
    """Gaussian kernel density of points (UTM metres) on a grid, in points per km².

    The points are binned on the grid and convolved with a Gaussian of standard deviation
    ``bandwidth_m`` (``scipy.ndimage.gaussian_filter``, truncated at 4 σ); mass that falls
    outside the grid is lost. By default the grid covers the city with a 1 km margin and is
    masked to land (plus 250 m); pass ``frame=(x0, y0, nx, ny)`` (and optionally ``mask``) for
    another grid.
    """
    from scipy.ndimage import gaussian_filter

    if bandwidth_m <= 0 or cell_m <= 0:
        raise InvalidParameterError("bandwidth and cell size must be positive")
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    if frame is None:
        x0, y0, land = _land_mask(float(cell_m))
        ny, nx = land.shape
        mask = land if mask is None else mask
    else:
        x0, y0, nx, ny = frame
    counts, _, _ = np.histogram2d(y, x, bins=[ny, nx],
                                  range=[[y0, y0 + ny * cell_m], [x0, x0 + nx * cell_m]])
    smooth = gaussian_filter(counts, sigma=bandwidth_m / cell_m, mode="constant", truncate=4.0)
    density = smooth / (cell_m * cell_m / 1e6)
    if mask is not None:
        density = np.where(mask, density, np.nan)
    density.flags.writeable = False
    return KdeGrid(x0_m=float(x0), y0_m=float(y0), cell_m=float(cell_m), bandwidth_m=float(bandwidth_m),
                   density=density, n_points=int(x.size))


def kde(lon: ArrayLike, lat: ArrayLike, *, bandwidth_m: float = DEFAULT_BANDWIDTH_M,
        cell_m: float = DEFAULT_KDE_CELL_M) -> KdeGrid:
    """Kernel density of lon/lat points over Kendari's land (projects to UTM 51S first)."""
    x, y = to_utm(lon, lat)
    return kde_grid(x, y, bandwidth_m=bandwidth_m, cell_m=cell_m)


# --- geometry for drawing and export --------------------------------------------------------
def cells_geojson(table: pd.DataFrame, columns: Sequence[str] = ()) -> dict[str, Any]:
    """H3 cells of ``table`` (indexed by cell id) as a GeoJSON FeatureCollection (lon/lat)."""
    feats = []
    cols = list(columns)
    records = table[cols].to_dict("records") if cols else [{} for _ in range(len(table))]
    for cell, props in zip(table.index, records):
        ring = [[round(lng, 6), round(lt, 6)] for lt, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        clean = {k: (None if isinstance(v, float) and not np.isfinite(v) else
                     v.item() if hasattr(v, "item") else v) for k, v in props.items()}
        feats.append({"type": "Feature", "id": cell, "properties": {"h3": cell, **clean},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats}


def kde_bands(grid: KdeGrid, fractions: Sequence[float] = (0.1, 0.25, 0.5, 0.75)) -> list[tuple[float, Any]]:
    """Density contours as nested polygons (lon/lat): the land where density >= f × the top value.

    The top value is the 99.5th percentile of the positive densities (as in the drawn heat
    layer). Returns ``[(threshold per km², geometry), ...]`` from the lowest threshold up.
    """
    from planning._proj import geom_to_lonlat
    from planning._raster import raster_polygon

    d = np.nan_to_num(grid.density, nan=0.0)
    positive = d[d > 0]
    if positive.size == 0:
        return []
    top = float(np.quantile(positive, 0.995))
    out = []
    for f in sorted(fractions):
        level = f * top
        poly = raster_polygon(d >= level, x0_m=grid.x0_m, y0_m=grid.y0_m, cell_m=grid.cell_m)
        out.append((level, geom_to_lonlat(poly.simplify(grid.cell_m / 2))))
    return out
