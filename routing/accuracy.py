"""How good are the ETAs: predicted travel times against recorded en-route → on-scene times.

Pure computation (no database): the caller passes the trips of closed incidents as arrays —
where each unit set off (its position at dispatch, or its home station), the incident's
place, the recorded travel time and the WITA hour it set off — and gets

* :func:`predict_trips` — the travel time the network predicts for each trip, with the speed
  factors in force at the trip's hour (not at the time the report is made), and the road
  class of the edge the incident joins;
* :func:`summarise` — per group (kecamatan, road class, hour band): the median ratio
  recorded / predicted and the 90th percentile of the absolute error;
* :func:`fit_band_factors` — per WITA hour band a speed factor (median predicted / recorded,
  bounded to :data:`FACTOR_BOUNDS`) which, stored as a speed-factor correction for every road
  class, makes the median trip of that band come out as recorded.

Trips are grouped by the node their origin joins: one Dijkstra run per distinct origin node
(or, when the incidents join fewer distinct nodes, one per incident node on the reversed
graph), per distinct set of speed factors in force, origins batched into vectorised scipy
calls: 5,000 trips from a few dozen stations take a fraction of a second. A run budget
(``max_runs``) bounds the time when every trip starts somewhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.config import RoutingConfig, load_config
from routing.corrections import LINK_CLASS, SpeedFactor
from routing.graph import TravelGraph
from routing.snap import AUTO, LandArg, snap_many

#: WITA hour bands ``[start, end)`` the report and the fitted factors use.
HOUR_BANDS: tuple[tuple[int, int], ...] = ((0, 6), (6, 9), (9, 16), (16, 19), (19, 24))
#: A fitted factor is kept within these bounds (a wilder value means bad data, not traffic).
FACTOR_BOUNDS: tuple[float, float] = (0.3, 1.5)
#: Fewest trips in a band for a fitted factor.
MIN_TRIPS_FOR_FACTOR = 20
#: Origins per vectorised Dijkstra call (bounds the distance matrix held at once).
_CHUNK = 64
#: A class name for edges of a graph without road classes.
_NO_CLASS = {"approximate": "lattice", "road": "road"}


def band_of(hours: ArrayLike) -> NDArray[np.int64]:
    """Index into :data:`HOUR_BANDS` of each WITA hour (0–24, fractions allowed)."""
    h = np.mod(np.asarray(hours, dtype=np.float64), 24.0)
    starts = np.array([b[0] for b in HOUR_BANDS], dtype=np.float64)
    return (np.searchsorted(starts, h, side="right") - 1).astype(np.int64)


def band_label(band: int) -> str:
    """``"06–09"`` for a band index."""
    start, end = HOUR_BANDS[band]
    return f"{start:02d}–{end:02d}"


@dataclass(frozen=True, eq=False)
class Predictions:
    """Predicted travel time per trip.

    Attributes
    ----------
    predicted_s
        Seconds (``nan`` where no prediction: a point off the network, no route).
    ok
        Whether a prediction exists.
    road_class
        Per trip, the road class of the edge the incident joins (``""`` when not joined).
    dijkstra_runs
        Single-source runs made (per distinct speed-factor set: the distinct origin nodes, or the
        distinct incident nodes on the reversed graph when there are fewer).
    skipped
        Trips left without a prediction because the run budget (``max_runs``) was spent.
    """

    predicted_s: NDArray[np.float64]
    ok: NDArray[np.bool_]
    road_class: tuple[str, ...]
    dijkstra_runs: int
    skipped: int = 0


def _edge_class_names(graph: TravelGraph) -> NDArray[Any]:
    """Road class name of every edge."""
    if graph.edge_class is None:
        return np.full(graph.n_edges, _NO_CLASS.get(graph.model, "road"), dtype=object)
    names = np.array([*graph.road_classes, "?"], dtype=object)
    return names[np.minimum(graph.edge_class, len(graph.road_classes))]


def _factor_scale(names: NDArray[Any], factors: Sequence[tuple[str, float]]) -> NDArray[np.float64]:
    """Per edge, the multiplier on travel time of these (class, factor) pairs (times are divided by a factor)."""
    scale = np.ones(names.shape[0])
    for road_class, factor in factors:
        mask = slice(None) if road_class == "*" else names == road_class
        scale[mask] /= float(factor)
    return scale


def _applied_factors(graph: TravelGraph) -> list[tuple[str, float]]:
    """The speed factors already applied to ``graph`` (``meta["corrections"]``)."""
    out = []
    for entry in graph.meta.get("corrections", []):
        if entry.get("kind") == "speed_factor" and entry.get("applied") and entry.get("factor"):
            out.append((str(entry.get("road_class") or "*"), float(entry["factor"])))
    return out


def _in_band(factor: SpeedFactor, hours: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each WITA hour lies in the factor's band (the rule of :meth:`SpeedFactor.active`)."""
    h = np.mod(hours, 24.0)
    if factor.start_hour < factor.end_hour:
        return (h >= factor.start_hour) & (h < factor.end_hour)
    return (h >= factor.start_hour) | (h < factor.end_hour)


def _incident_edge_class(graph: TravelGraph, names: NDArray[Any], kind: Sequence[str], node: NDArray[np.int64],
                         edge_fwd: NDArray[np.int64] | None, edge_bwd: NDArray[np.int64] | None) -> list[str]:
    """The class of the edge each incident joins: its segment, or the fastest road into its node."""
    m = graph.n_edges
    best_in = np.full(graph.n_nodes, -1, dtype=np.int64)
    if m:
        speed = graph.length_m / graph.time_s
        link = names == LINK_CLASS
        order = np.lexsort((-speed, link, graph.indices))  # per head: real roads first, fastest first
        heads = graph.indices[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = heads[1:] != heads[:-1]
        best_in[heads[first]] = order[first]
    out = []
    for i, k in enumerate(kind):
        edge = -1
        if k == "segment" and edge_fwd is not None and edge_bwd is not None:
            edge = int(edge_fwd[i]) if edge_fwd[i] >= 0 else int(edge_bwd[i])
        elif k and node[i] >= 0:
            edge = int(best_in[node[i]])
        out.append(str(names[edge]) if edge >= 0 else "")
    return out


def predict_trips(
    graph: TravelGraph,
    origin_lon: ArrayLike,
    origin_lat: ArrayLike,
    dest_lon: ArrayLike,
    dest_lat: ArrayLike,
    *,
    hours: ArrayLike | None = None,
    speed_factors: Sequence[SpeedFactor] = (),
    limit_s: float | None = None,
    max_runs: int | None = None,
    config: RoutingConfig | None = None,
    land: LandArg = AUTO,
) -> Predictions:
    """Predicted travel time of each trip over ``graph``.

    Parameters
    ----------
    graph
        The network in use (as corrected now: connectors and closures in force are kept).
    origin_lon, origin_lat, dest_lon, dest_lat
        Where each trip started (the unit) and ended (the incident), EPSG:4326.
    hours
        WITA hour each trip started (0–24). With ``speed_factors``, the factors in force at
        that hour replace the ones applied to ``graph`` (which are those of the moment it was
        built); without ``hours`` the graph's times are used as they are.
    speed_factors
        Every stored speed factor (active or not at the time the graph was built).
    limit_s
        Search limit (default ``recommend.max_eta_s``); farther trips get no prediction.
    max_runs
        Most Dijkstra runs (each ~1–2 ms on the city's networks); past it the trips of the
        least-used start nodes get no prediction (``skipped``). ``None``: no limit.
    config
        Routing configuration (``routing.json`` when omitted).
    land
        Land for the water test of the snaps (:func:`routing.snap.snap_many`).

    Returns
    -------
    Predictions
        Per trip: origin leg + network time + incident leg (joining legs as the recommendation
        counts them), the incident's road class, and how many Dijkstra runs it took.
    """
    cfg = config or load_config()
    olon = np.atleast_1d(np.asarray(origin_lon, dtype=np.float64))
    olat = np.atleast_1d(np.asarray(origin_lat, dtype=np.float64))
    dlon = np.atleast_1d(np.asarray(dest_lon, dtype=np.float64))
    dlat = np.atleast_1d(np.asarray(dest_lat, dtype=np.float64))
    count = olon.shape[0]
    if not (olat.shape[0] == dlon.shape[0] == dlat.shape[0] == count):
        raise ValueError("origin and destination arrays differ in length")
    predicted = np.full(count, np.nan)
    if count == 0 or graph.n_nodes == 0:
        return Predictions(predicted, np.zeros(count, dtype=bool), tuple("" for _ in range(count)), 0)
    origins = snap_many(graph, olon, olat, config=cfg, land=land)
    dests = snap_many(graph, dlon, dlat, config=cfg, land=land)
    names = _edge_class_names(graph)
    kinds = dests.kind if dests.kind is not None else tuple("node" if o else "" for o in dests.ok.tolist())
    road_class = _incident_edge_class(graph, names, kinds, dests.node, dests.edge_fwd, dests.edge_bwd)
    usable = origins.ok & dests.ok
    # speed factors: undo those applied when the graph was built, apply those of each trip's hour
    signature = np.zeros(count, dtype=np.int64)
    sets: list[list[tuple[str, float]]] = [_applied_factors(graph)]
    if hours is not None and speed_factors:
        h = np.atleast_1d(np.asarray(hours, dtype=np.float64))
        active = np.column_stack([_in_band(f, h) for f in speed_factors])
        keys, signature = np.unique(active, axis=0, return_inverse=True)
        signature = signature.reshape(-1).astype(np.int64)
        sets = [[(f.road_class, f.factor) for f, on in zip(speed_factors, row) if on] for row in keys]
        undo = 1.0 / _factor_scale(names, _applied_factors(graph))
    else:
        undo = np.ones(graph.n_edges)
    limit = float(cfg.max_eta_s if limit_s is None else limit_s)
    runs = 0
    budget = np.inf if max_runs is None else int(max_runs)
    skipped = np.zeros(count, dtype=bool)
    o_leg = origins.time_s
    d_leg = dests.time_s
    for s, factors in enumerate(sets):
        trips = np.flatnonzero(usable & (signature == s))
        if trips.size == 0:
            continue
        if hours is not None and speed_factors:
            times = graph.time_s * undo * _factor_scale(names, factors)
            forward = csr_matrix((times, graph.indices, graph.indptr), shape=(graph.n_nodes, graph.n_nodes))
        else:
            forward = graph.times
        # one run per distinct origin node, or (fewer) per distinct incident node on the reversed graph
        o_nodes, d_nodes = origins.node[trips], dests.node[trips]
        reverse = np.unique(d_nodes).size < np.unique(o_nodes).size
        if reverse:
            matrix = forward.T.tocsr() if forward is not graph.times else graph.times_rev
            start_of, end_of = d_nodes, o_nodes
        else:
            matrix, start_of, end_of = forward, o_nodes, d_nodes
        starts, row, sizes = np.unique(start_of, return_inverse=True, return_counts=True)
        row = row.reshape(-1)
        room = budget - runs
        if starts.size > room:  # over the run budget: keep the busiest starts (ties in a fixed random order)
            shuffle = np.random.default_rng(0).permutation(starts.size)
            keep_idx = shuffle[np.argsort(-sizes[shuffle], kind="stable")][: max(int(room), 0)]
            keep = np.zeros(starts.size, dtype=bool)
            keep[keep_idx] = True
            kept = keep[row]
            skipped[trips[~kept]] = True
            new_index = np.cumsum(keep) - 1
            trips, end_of, row, starts = trips[kept], end_of[kept], new_index[row[kept]], starts[keep]
        for c0 in range(0, starts.size, _CHUNK):
            chunk = starts[c0:c0 + _CHUNK]
            dist = np.atleast_2d(dijkstra(matrix, directed=True, indices=chunk, limit=limit))
            runs += chunk.size
            mine = (row >= c0) & (row < c0 + chunk.size)
            sel = trips[mine]
            predicted[sel] = o_leg[sel] + dist[row[mine] - c0, end_of[mine]] + d_leg[sel]
    ok = np.isfinite(predicted) & (predicted > 0)
    predicted[~ok] = np.nan
    return Predictions(predicted, ok, tuple(road_class), runs, int(skipped.sum()))


@dataclass(frozen=True)
class GroupStats:
    """Accuracy of one group of trips.

    Attributes
    ----------
    key
        The group (kecamatan name, road class, hour band label; ``""`` for all trips).
    trips
        Trips with a prediction.
    median_ratio
        Median of recorded / predicted (above 1: trips take longer than predicted).
    p90_abs_error_s
        90th percentile of ``|recorded - predicted|``, seconds.
    median_recorded_s, median_predicted_s
        Medians of the two times, seconds.
    """

    key: str
    trips: int
    median_ratio: float | None
    p90_abs_error_s: float | None
    median_recorded_s: float | None
    median_predicted_s: float | None

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None, digits: int) -> float | None:
            return None if v is None else round(v, digits)

        return {"key": self.key, "trips": self.trips, "median_ratio": r(self.median_ratio, 3),
                "p90_abs_error_s": r(self.p90_abs_error_s, 1), "median_recorded_s": r(self.median_recorded_s, 1),
                "median_predicted_s": r(self.median_predicted_s, 1)}


def _stats(key: str, predicted: NDArray[np.float64], recorded: NDArray[np.float64]) -> GroupStats:
    if predicted.size == 0:
        return GroupStats(key, 0, None, None, None, None)
    return GroupStats(key, int(predicted.size), float(np.median(recorded / predicted)),
                      float(np.percentile(np.abs(recorded - predicted), 90)),
                      float(np.median(recorded)), float(np.median(predicted)))


def summarise(predicted: ArrayLike, recorded: ArrayLike, keys: Sequence[str] | None = None,
              *, order: Sequence[str] | None = None) -> list[GroupStats]:
    """Accuracy per group (all trips together when ``keys`` is None); trips without a prediction are left out.

    Parameters
    ----------
    predicted, recorded
        Seconds per trip (``nan`` predicted: left out).
    keys
        Group of each trip.
    order
        Groups to list first, in this order (e.g. the hour bands); the others follow by trips, most first.
    """
    p = np.asarray(predicted, dtype=np.float64)
    r = np.asarray(recorded, dtype=np.float64)
    good = np.isfinite(p) & np.isfinite(r) & (p > 0) & (r > 0)
    if keys is None:
        return [_stats("", p[good], r[good])]
    k = np.asarray(list(keys), dtype=object)
    groups, inverse = np.unique(k[good].astype(str), return_inverse=True)
    pg, rg = p[good], r[good]
    out = [_stats(str(g), pg[inverse == i], rg[inverse == i]) for i, g in enumerate(groups)]
    rank = {g: i for i, g in enumerate(order or ())}
    out.sort(key=lambda s: (rank.get(s.key, len(rank)), -s.trips, s.key))
    return out


@dataclass(frozen=True)
class BandFit:
    """A fitted speed factor for one WITA hour band.

    Attributes
    ----------
    band
        Index into :data:`HOUR_BANDS`.
    trips
        Trips of the band with a prediction.
    raw
        Median predicted / recorded (``None`` with too few trips).
    factor
        ``raw`` bounded to :data:`FACTOR_BOUNDS` and rounded to 2 decimals; ``None`` with fewer
        than ``min_trips`` trips. Stored as a speed factor for every road class in the band, it
        multiplies with the factors already in force there.
    bounded
        Whether the bounds changed ``raw``.
    """

    band: int
    trips: int
    raw: float | None
    factor: float | None
    bounded: bool

    @property
    def start_hour(self) -> int:
        return HOUR_BANDS[self.band][0]

    @property
    def end_hour(self) -> int:
        return HOUR_BANDS[self.band][1]

    @property
    def label(self) -> str:
        return band_label(self.band)

    def to_dict(self) -> dict[str, Any]:
        return {"band": self.label, "start_hour": self.start_hour, "end_hour": self.end_hour, "trips": self.trips,
                "raw_factor": None if self.raw is None else round(self.raw, 3), "factor": self.factor,
                "bounded": self.bounded}


def fit_band_factors(predicted: ArrayLike, recorded: ArrayLike, hours: ArrayLike, *,
                     min_trips: int = MIN_TRIPS_FOR_FACTOR,
                     bounds: tuple[float, float] = FACTOR_BOUNDS) -> list[BandFit]:
    """Per hour band, the speed factor that makes the median trip come out as recorded.

    A factor ``f`` divides travel times, so ``f = median(predicted / recorded)``: trips that
    take 25 % longer than predicted give 0.8.
    """
    p = np.asarray(predicted, dtype=np.float64)
    r = np.asarray(recorded, dtype=np.float64)
    band = band_of(hours)
    good = np.isfinite(p) & np.isfinite(r) & (p > 0) & (r > 0)
    lo, hi = bounds
    out = []
    for b in range(len(HOUR_BANDS)):
        sel = good & (band == b)
        n = int(sel.sum())
        if n < max(1, min_trips):
            out.append(BandFit(b, n, None, None, False))
            continue
        raw = float(np.median(p[sel] / r[sel]))
        factor = round(min(hi, max(lo, raw)), 2)
        out.append(BandFit(b, n, raw, factor, not lo <= raw <= hi))
    return out


def stats_to_dicts(rows: Sequence[GroupStats]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    return [s.to_dict() for s in rows]


def band_keys(hours: ArrayLike) -> list[str]:
    """The band label of each hour (for :func:`summarise`)."""
    return [band_label(int(b)) for b in band_of(hours)]


def band_order() -> list[str]:
    """Band labels in the order of the day."""
    return [band_label(b) for b in range(len(HOUR_BANDS))]


def factors_in_band(factors: Sequence[SpeedFactor], band: int) -> list[Mapping[str, Any]]:
    """The stored speed factors in force at the middle of a band (what a fitted factor multiplies with)."""
    start, end = HOUR_BANDS[band]
    mid = np.array([(start + end) / 2.0])
    return [f.describe() for f in factors if bool(_in_band(f, mid)[0])]


__all__ = [
    "FACTOR_BOUNDS", "HOUR_BANDS", "MIN_TRIPS_FOR_FACTOR", "BandFit", "GroupStats", "Predictions", "band_keys",
    "band_label", "band_of", "band_order", "factors_in_band", "fit_band_factors", "predict_trips", "stats_to_dicts",
    "summarise",
]
