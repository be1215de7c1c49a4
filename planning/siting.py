"""Where new posts help most: the maximal covering location problem (MCLP), solved exactly.

Demand is the historical incidents (each counts 1). An incident is *covered* by a site when the
travel time from the site to the incident (``routing.travel.travel_times_from`` from the snapped
site, plus the incident's off-network leg) is at most ``T`` minutes — the same rule the coverage
bands use. Incidents already covered by today's stations count as covered.

The model (Church & ReVelle 1974), solved with PuLP's bundled CBC to proven optimality::

    maximise   Σ_i w_i y_i
    subject to y_i <= Σ_{j covers i} x_j + Σ_{s covers i} z_s     for every demand group i
               Σ_j x_j = k + (|S| - Σ_s z_s)                        (new posts, plus moved ones)
               Σ_s z_s >= |S| - r                                   (at most r posts relocated)
               x_j, z_s ∈ {0, 1},  0 <= y_i <= 1

with ``z_s`` fixed to 1 unless relocation is asked for (``r = 1``). Incidents with the same set
of covering sites are merged into one demand group (weight = their number) first: an exact
reduction that keeps the model small whatever the number of incidents.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from planning._errors import InvalidParameterError, NoIncidentsError, NoStationsError, SolverError
from planning._places import Place, locate, place_label
from planning._proj import city_land_utm, to_lonlat

DEFAULT_MAX_MINUTES = 8.0
DEFAULT_GRID_SPACING_M = 2000.0
CANDIDATE_SOURCES = ("kelurahan", "grid", "clicked")
MAX_K = 10
MAX_CANDIDATES = 500
SOLVER_TIME_LIMIT_S = 60


@dataclass(frozen=True)
class Candidates:
    """Candidate sites: short names, lon/lat (EPSG:4326) and, when known, where each lies.

    ``places`` (one :class:`planning._places.Place` per site, or empty) names a site by its
    kelurahan and nearest landmark; :func:`with_places` fills it in.
    """

    names: tuple[str, ...]
    lon: NDArray[np.float64] = field(repr=False)
    lat: NDArray[np.float64] = field(repr=False)
    source: str = "clicked"
    places: tuple[Place, ...] = ()

    def __len__(self) -> int:
        return len(self.names)


def with_places(candidates: Candidates, landmarks: Sequence[Any] = (), *, areas: Any = None) -> Candidates:
    """The same candidates with their kelurahan and nearest landmark (facilities with a known location)."""
    places = locate(candidates.lon, candidates.lat, landmarks, areas=areas) if len(candidates) else ()
    return replace(candidates, places=places)


def site_label(row: Any, lang: str) -> str:
    """A candidate (a row of :attr:`SitingResult.candidates`) in words: ``Kel. Lalolara, dekat
    Puskesmas Abeli``; a clicked point keeps its number first (``P2: Kel. …``)."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    kel, mark = get("kelurahan"), get("landmark")
    if not isinstance(kel, str) and not isinstance(mark, str):
        return str(get("name"))
    dist = get("landmark_m")
    n = get("place_n")
    place = Place(kelurahan=kel if isinstance(kel, str) else None,
                  kecamatan=get("kecamatan") if isinstance(get("kecamatan"), str) else None,
                  landmark=mark if isinstance(mark, str) else None,
                  landmark_m=float(dist) if dist is not None and np.isfinite(dist) else None,
                  n=int(n) if n is not None and np.isfinite(n) else 0)
    label = place_label(place, lang)
    return f"{get('name')}: {label}" if get("source") == "clicked" else label


@lru_cache(maxsize=1)
def kelurahan_candidates() -> Candidates:
    """One candidate per kelurahan: a representative point of its polygon (always inside it)."""
    from layers.geodata import kelurahan

    kel = kelurahan()
    pts = kel.geometry.representative_point()
    places = tuple(Place(kelurahan=str(n), kecamatan=str(k)) for n, k in zip(kel["nama"], kel["kecamatan"]))
    return Candidates(names=tuple(f"Kel. {n}" for n in kel["nama"]),
                      lon=pts.x.to_numpy(dtype=np.float64), lat=pts.y.to_numpy(dtype=np.float64),
                      source="kelurahan", places=places)


def grid_candidates(spacing_m: float = DEFAULT_GRID_SPACING_M) -> Candidates:
    """Candidates on a square grid (UTM 51S) over the city's land, ``spacing_m`` apart."""
    import shapely

    if not 250 <= spacing_m <= 20_000:
        raise InvalidParameterError("grid spacing must be between 250 m and 20 km")
    land = city_land_utm()
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(land, gx.ravel(), gy.ravel())
    lon, lat = to_lonlat(gx.ravel()[inside], gy.ravel()[inside])
    places = locate(lon, lat)
    return Candidates(names=tuple(place_label(p, "id") for p in places), lon=lon, lat=lat, source="grid",
                      places=places)


def clicked_candidates(points: Sequence[Sequence[float]]) -> Candidates:
    """Candidates the planner clicked on the map: ``[(lon, lat), ...]``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2) if len(points) else np.zeros((0, 2))
    names = tuple(f"P{i + 1}" for i in range(len(pts)))
    return Candidates(names=names, lon=pts[:, 0].copy(), lat=pts[:, 1].copy(), source="clicked")


# --- the solver -----------------------------------------------------------------------------
@dataclass(frozen=True)
class MclpSolution:
    """An optimal MCLP solution.

    Attributes
    ----------
    chosen
        Indices of the chosen candidates (ascending).
    removed
        Indices of existing stations given up (relocated), empty without relocation.
    covered, baseline, total
        Demand weight covered by the solution, by today's stations, and in all.
    optimal
        CBC proved optimality.
    """

    chosen: tuple[int, ...]
    removed: tuple[int, ...]
    covered: float
    baseline: float
    total: float
    optimal: bool
    solve_s: float
    n_groups: int

    @property
    def gain(self) -> float:
        return self.covered - self.baseline


def _groups(cover: NDArray[np.bool_], weights: NDArray[np.float64]) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Merge demand rows with identical coverage patterns (weights summed); drop uncoverable rows."""
    if cover.shape[0] == 0:
        return cover, weights
    packed = np.packbits(cover, axis=1)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=weights, minlength=uniq.shape[0]).astype(np.float64)
    rows = np.unpackbits(uniq, axis=1, count=cover.shape[1]).astype(np.bool_)
    keep = rows.any(axis=1) & (summed > 0)
    return rows[keep], summed[keep]


def solve_mclp(
    candidate_cover: ArrayLike,
    weights: ArrayLike,
    k: int,
    *,
    existing_cover: ArrayLike | None = None,
    relocate: int = 0,
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
) -> MclpSolution:
    """Solve the MCLP exactly.

    Parameters
    ----------
    candidate_cover
        Boolean ``(n_demand, n_candidates)``: candidate j covers demand i.
    weights
        Demand weights ``(n_demand,)`` (e.g. 1 per incident).
    k
        Number of new posts.
    existing_cover
        Boolean ``(n_demand, n_existing)`` for today's stations (or ``(n_demand,)`` for their
        union when no relocation is asked for).
    relocate
        How many existing stations may be moved to a candidate (0 or 1 in the UI).

    Raises
    ------
    InvalidParameterError, SolverError
    """
    import pulp

    cand = np.asarray(candidate_cover, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    if cand.ndim != 2 or cand.shape[0] != w.shape[0]:
        raise InvalidParameterError("candidate cover must be (n_demand, n_candidates) and match the weights")
    n_dem, n_cand = cand.shape
    if not 1 <= k <= n_cand:
        raise InvalidParameterError(f"k must be between 1 and the number of candidates ({n_cand})")
    if existing_cover is None:
        exist = np.zeros((n_dem, 0), dtype=bool)
    else:
        exist = np.asarray(existing_cover, dtype=bool)
        exist = exist.reshape(n_dem, -1)
    n_exist = exist.shape[1]
    if relocate < 0 or relocate > n_exist:
        raise InvalidParameterError("cannot relocate more stations than exist")
    if relocate and k + relocate > n_cand:
        raise InvalidParameterError("not enough candidates for the new and the relocated posts")
    total = float(w.sum())
    baseline = float(w[exist.any(axis=1)].sum()) if n_exist else 0.0
    t0 = time.perf_counter()
    if relocate == 0:
        # existing coverage is fixed: drop demand it already covers, and the existing columns
        free = ~exist.any(axis=1)
        rows, gw = _groups(cand[free], w[free])
        ex_rows = np.zeros((rows.shape[0], 0), dtype=bool)
        n_var_exist = 0
    else:
        rows_all, gw = _groups(np.hstack([cand, exist]), w)
        rows, ex_rows = rows_all[:, :n_cand], rows_all[:, n_cand:]
        n_var_exist = n_exist

    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [prob.add_variable(f"x{j}", cat="Binary") for j in range(n_cand)]
    z = [prob.add_variable(f"z{s}", cat="Binary") for s in range(n_var_exist)]
    y = [prob.add_variable(f"y{i}", lowBound=0, upBound=1) for i in range(rows.shape[0])]
    prob += pulp.lpSum(float(gw[i]) * y[i] for i in range(len(y)))
    for i in range(len(y)):
        terms = [x[j] for j in np.flatnonzero(rows[i])]
        terms += [z[s] for s in np.flatnonzero(ex_rows[i])] if n_var_exist else []
        prob += y[i] <= pulp.lpSum(terms)
    if n_var_exist:
        prob += pulp.lpSum(x) + pulp.lpSum(z) == k + n_var_exist
        prob += pulp.lpSum(z) >= n_var_exist - relocate
    else:
        prob += pulp.lpSum(x) == k
    with warnings.catch_warnings():
        # PuLP 3.3 marks its bundled CBC as going away in PuLP 4 (pinned here); it is the solver we ship.
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=int(max(time_limit_s, 1)))
    try:
        prob.solve(solver)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the CBC solver failed: {exc}") from exc
    status = pulp.LpStatus.get(prob.status, str(prob.status))
    if status != "Optimal":
        raise SolverError(f"the solver ended with status {status!r}")
    chosen = tuple(j for j in range(n_cand) if (x[j].value() or 0) > 0.5)
    removed = tuple(s for s in range(n_var_exist) if (z[s].value() or 0) < 0.5)
    kept = np.ones(n_exist, dtype=bool)
    kept[list(removed)] = False
    covered_mask = cand[:, list(chosen)].any(axis=1) if chosen else np.zeros(n_dem, dtype=bool)
    if n_exist:
        covered_mask |= exist[:, kept].any(axis=1)
    return MclpSolution(chosen=chosen, removed=removed, covered=float(w[covered_mask].sum()),
                        baseline=baseline, total=total, optimal=True,
                        solve_s=time.perf_counter() - t0, n_groups=int(rows.shape[0]))


# --- siting on the travel graph -------------------------------------------------------------
@dataclass(frozen=True)
class SitingResult:
    """A what-if: the best k new posts (and optionally one moved post) for demand within T.

    ``candidates`` lists every candidate with ``name, lon, lat, ok, reason, alone_n`` (incidents
    it would newly cover on its own) and ``chosen``; ``existing`` lists today's stations with
    ``removed`` (relocated away); shares are of the incidents given.
    """

    model: str
    max_minutes: float
    k: int
    relocate: bool
    candidates: pd.DataFrame
    existing: pd.DataFrame
    n_incidents: int
    baseline_n: int
    covered_n: int
    solution: MclpSolution
    candidate_source: str = "clicked"

    @property
    def baseline_share(self) -> float:
        return self.baseline_n / self.n_incidents if self.n_incidents else 0.0

    @property
    def covered_share(self) -> float:
        return self.covered_n / self.n_incidents if self.n_incidents else 0.0

    @property
    def gain_n(self) -> int:
        return self.covered_n - self.baseline_n

    @property
    def chosen(self) -> pd.DataFrame:
        return self.candidates[self.candidates["chosen"]]


def _cover_columns(graph: Any, lon: NDArray[np.float64], lat: NDArray[np.float64],
                   inc_node: NDArray[np.int64], inc_leg: NDArray[np.float64], limit_s: float
                   ) -> tuple[NDArray[np.bool_], Any]:
    """Per site, which incidents it reaches within ``limit_s`` (sites that cannot be snapped: none)."""
    from routing.snap import snap_many
    from routing.travel import travel_times_from

    snaps = snap_many(graph, lon, lat)
    cover = np.zeros((inc_node.shape[0], lon.shape[0]), dtype=bool)
    on = inc_node >= 0
    for j in np.flatnonzero(snaps.ok):
        one = type(snaps)(snaps.lon[j:j + 1], snaps.lat[j:j + 1], snaps.node[j:j + 1],
                          snaps.distance_m[j:j + 1], snaps.time_s[j:j + 1], snaps.ok[j:j + 1],
                          (snaps.reason[j],))
        tt = travel_times_from(graph, one, limit_s=limit_s)
        t = np.full(inc_node.shape, np.inf)
        t[on] = tt.time_s[inc_node[on]] + inc_leg[on]
        cover[:, j] = t <= limit_s
    return cover, snaps


def site_stations(
    graph: Any,
    *,
    candidates: Candidates,
    incidents_lon: ArrayLike,
    incidents_lat: ArrayLike,
    existing_lon: ArrayLike = (),
    existing_lat: ArrayLike = (),
    existing_names: Sequence[str] | None = None,
    k: int = 1,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    relocate: bool = False,
) -> SitingResult:
    """Choose ``k`` new posts among ``candidates`` to cover the most incidents within ``max_minutes``.

    Raises
    ------
    NoIncidentsError
        No incident to cover.
    InvalidParameterError
        k out of range, T out of range, or too few candidates on the network.
    """
    from routing.snap import snap_many

    if not 1 <= int(k) <= MAX_K:
        raise InvalidParameterError(f"k must be between 1 and {MAX_K}")
    if not 1 <= float(max_minutes) <= 60:
        raise InvalidParameterError("T must be between 1 and 60 minutes")
    if len(candidates) == 0:
        raise InvalidParameterError("there are no candidate sites")
    if len(candidates) > MAX_CANDIDATES:
        raise InvalidParameterError(f"at most {MAX_CANDIDATES} candidate sites")
    i_lon = np.atleast_1d(np.asarray(incidents_lon, dtype=np.float64))
    i_lat = np.atleast_1d(np.asarray(incidents_lat, dtype=np.float64))
    if i_lon.size == 0:
        raise NoIncidentsError("no incidents match the filters, so there is no demand to cover")
    limit_s = float(max_minutes) * 60.0
    isnap = snap_many(graph, i_lon, i_lat)
    inc_node = np.where(isnap.ok, isnap.node, -1).astype(np.int64)
    inc_leg = np.where(isnap.ok, isnap.time_s, np.nan)

    cand_cover, csnaps = _cover_columns(graph, candidates.lon, candidates.lat, inc_node, inc_leg, limit_s)
    e_lon = np.atleast_1d(np.asarray(existing_lon, dtype=np.float64))
    e_lat = np.atleast_1d(np.asarray(existing_lat, dtype=np.float64))
    e_names = list(existing_names) if existing_names is not None else [f"S{i + 1}" for i in range(e_lon.size)]
    exist_cover, esnaps = _cover_columns(graph, e_lon, e_lat, inc_node, inc_leg, limit_s)
    if relocate and e_lon.size == 0:
        raise NoStationsError("there is no existing station to relocate")
    ok = np.asarray(csnaps.ok, dtype=bool)
    if ok.sum() < int(k) + int(bool(relocate)):
        raise InvalidParameterError(
            f"only {int(ok.sum())} candidate sites lie on the travel network; k = {k} is too many")
    weights = np.ones(i_lon.size)
    sol = solve_mclp(cand_cover[:, ok], weights, int(k), existing_cover=exist_cover,
                     relocate=1 if relocate else 0)
    ok_idx = np.flatnonzero(ok)
    chosen_idx = {int(ok_idx[j]) for j in sol.chosen}
    already = np.asarray(exist_cover.any(axis=1) if e_lon.size else np.zeros(i_lon.size), dtype=bool)
    alone = (cand_cover & ~already[:, None]).sum(axis=0)
    cand_table = pd.DataFrame({
        "name": list(candidates.names), "lon": candidates.lon, "lat": candidates.lat, "ok": ok,
        "reason": list(csnaps.reason), "alone_n": alone.astype(np.int64),
        "chosen": [j in chosen_idx for j in range(len(candidates))],
        "source": candidates.source,
    })
    if len(candidates.places) == len(candidates):
        cand_table["kelurahan"] = [p.kelurahan for p in candidates.places]
        cand_table["kecamatan"] = [p.kecamatan for p in candidates.places]
        cand_table["landmark"] = [p.landmark for p in candidates.places]
        cand_table["landmark_m"] = [np.nan if p.landmark_m is None else p.landmark_m for p in candidates.places]
        cand_table["place_n"] = [p.n for p in candidates.places]
    existing = pd.DataFrame({
        "name": e_names, "lon": e_lon, "lat": e_lat, "ok": np.asarray(esnaps.ok, dtype=bool),
        "covers_n": exist_cover.sum(axis=0).astype(np.int64),
        "removed": [s in set(sol.removed) for s in range(e_lon.size)],
    })
    return SitingResult(model=str(graph.model), max_minutes=float(max_minutes), k=int(k),
                        relocate=bool(relocate), candidates=cand_table, existing=existing,
                        n_incidents=int(i_lon.size), baseline_n=round(sol.baseline),
                        covered_n=round(sol.covered), solution=sol,
                        candidate_source=candidates.source)


def point_from_click(point: Any) -> tuple[float, float] | None:
    """lon/lat of a plotly map click: the point's own lon/lat, or the centre of a clicked H3 cell."""
    import h3

    if not isinstance(point, dict):
        return None
    if point.get("lon") is not None and point.get("lat") is not None:
        return float(point["lon"]), float(point["lat"])
    loc = point.get("location")
    if isinstance(loc, str) and h3.is_valid_cell(loc):
        lat, lon = h3.cell_to_latlng(loc)
        return round(float(lon), 6), round(float(lat), 6)
    return None
