"""The nearest suitable units for an incident, ranked by travel time, against its response plan.

One Dijkstra run from the incident on the *reversed* graph gives every unit's travel time to
the incident at once (plus each unit's and the incident's off-network legs). The run uses
lexicographic weights (time first, then length), so each unit's road distance comes out of
the same run. Route geometry is drawn only for the best few units of each plan item.

Pure: no database, no Dash. The caller passes the plan (from ``response_plans``) and the unit
positions (last reported position, or the home station when there is none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from routing._errors import OffNetworkError
from routing.config import RoutingConfig, load_config
from routing.corrections import corrections_used
from routing.graph import LEXI_SCALE, TIME_RESOLUTION_S, RoutingModel, TravelGraph
from routing.snap import AUTO, LandArg, SnappedPoint, Snaps, snap_many, snap_point
from routing.travel import partial_lonlat, same_segment_time
from settings import ROOT_DIR

CATALOG_FILE = ROOT_DIR / "incidents" / "catalog.json"
#: scipy's marker for "no predecessor".
NO_PREDECESSOR = -9999
AVAILABLE = "available"
_COORD_DIGITS = 6


@dataclass(frozen=True)
class PlanItem:
    """One line of a response plan (run card): how many units of a type, and who may stand in."""

    unit_type: str
    unit_count: int
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitPosition:
    """A unit and where it is.

    Attributes
    ----------
    position_source
        ``"reported"`` (last reported position) or ``"station"`` (home station, no report).
    """

    unit_id: int | str
    callsign: str
    unit_type: str
    agency_code: str
    status: str
    lon: float
    lat: float
    position_source: str = "reported"


@dataclass(frozen=True)
class BusyUnit:
    """A committed unit with the expected time until it is free (offered when a plan falls short)."""

    unit: UnitPosition
    free_in_s: float


@dataclass(frozen=True)
class Candidate:
    """One unit's travel to the incident.

    ``eta_s`` and ``distance_m`` include both off-network legs; for a busy unit ``eta_s`` also
    includes ``free_in_s``. A unit that cannot reach has ``reachable=False``, ``eta_s=None``,
    a ``reason`` and a ``reason_code`` (``"off_network"``, ``"boat_only"``,
    ``"separate_land"``, ``"no_open_road"``, ``"beyond_limit"``).
    ``snap`` says how the unit's position was joined to the network; ``corrections`` lists
    the connectors (bridges, ferries) its drawn route uses.
    """

    unit_id: int | str
    callsign: str
    unit_type: str
    agency_code: str
    status: str
    position_source: str
    lon: float
    lat: float
    reachable: bool
    eta_s: float | None
    distance_m: float | None
    unit_snap_m: float | None
    unit_snap_s: float | None
    reason: str | None = None
    free_in_s: float | None = None
    route: Mapping[str, Any] | None = None
    reason_code: str | None = None
    snap: Mapping[str, Any] | None = None
    corrections: tuple[Mapping[str, Any], ...] | None = None

    @property
    def off_road_m(self) -> float:
        """Length of the unit's off-road leg (0 when it joined a road within the snapping limit)."""
        return float((self.snap or {}).get("off_road_m") or 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (rounded: seconds to 0.1, metres to 1)."""
        return {
            "unit_id": self.unit_id,
            "callsign": self.callsign,
            "unit_type": self.unit_type,
            "agency_code": self.agency_code,
            "status": self.status,
            "position_source": self.position_source,
            "position": {"lon": round(self.lon, _COORD_DIGITS), "lat": round(self.lat, _COORD_DIGITS)},
            "reachable": self.reachable,
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "distance_m": None if self.distance_m is None else round(self.distance_m),
            "snap_distance_m": None if self.unit_snap_m is None else round(self.unit_snap_m),
            "free_in_s": None if self.free_in_s is None else round(self.free_in_s, 1),
            "reason": self.reason,
            "route": None if self.route is None else dict(self.route),
            "reason_code": self.reason_code,
            "off_road_m": round(self.off_road_m),
            "snap": None if self.snap is None else dict(self.snap),
            "corrections_used": None if self.corrections is None else [dict(c) for c in self.corrections],
        }


@dataclass(frozen=True)
class PlanFill:
    """How one plan item is filled: the chosen units and every candidate of its type, ranked."""

    unit_type: str
    required: int
    filled: int
    selected: tuple[int | str, ...]
    candidates: tuple[Candidate, ...]

    @property
    def missing(self) -> int:
        return self.required - self.filled

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit_type": self.unit_type,
            "required": self.required,
            "filled": self.filled,
            "missing": self.missing,
            "selected": list(self.selected),
            "candidates": [
                {"unit_id": c.unit_id, "callsign": c.callsign, "eta_s": round(c.eta_s or 0.0, 1),
                 "distance_m": round(c.distance_m or 0.0), "selected": c.unit_id in self.selected}
                for c in self.candidates
            ],
        }


@dataclass(frozen=True)
class Unfilled:
    """A plan item that cannot be filled with available units of its type."""

    unit_type: str
    required: int
    filled: int
    message: str

    @property
    def missing(self) -> int:
        return self.required - self.filled

    def to_dict(self) -> dict[str, Any]:
        return {"unit_type": self.unit_type, "required": self.required, "filled": self.filled,
                "missing": self.missing, "message": self.message}


@dataclass(frozen=True)
class Substitute:
    """An offer for a missing unit: another type that may serve, or a busy unit of the type.

    Attributes
    ----------
    kind
        ``"substitute_type"`` (available unit of a type the plan allows instead) or
        ``"busy_unit"`` (unit of the required type, ETA = time to become free + travel).
    """

    for_unit_type: str
    kind: str
    candidate: Candidate

    def to_dict(self) -> dict[str, Any]:
        return {"for_unit_type": self.for_unit_type, "kind": self.kind, **self.candidate.to_dict()}


@dataclass(frozen=True)
class Recommendation:
    """Ranked units for one incident, against its response plan.

    Attributes
    ----------
    routing_model
        ``"road"`` or ``"approximate"``: which model produced every ETA here.
    candidates
        All available units of the plan's types, reachable ones by ``eta_s`` then the
        unreachable ones (with a reason).
    access
        ``"road"``, or ``"boat_only"`` when no road, bridge or ferry joins the incident's land
        to the rest of the network (Pulau Bungkutoko without a ferry connector).
    network
        Source, licence and attribution of the network's data (shown with every ETA).
    corrections
        The corrections applied to the network (connectors, closures, speed factors).
    """

    incident_id: int | str | None
    routing_model: RoutingModel
    routing_source: str
    incident: SnappedPoint
    plan: tuple[PlanFill, ...]
    candidates: tuple[Candidate, ...]
    unfilled: tuple[Unfilled, ...]
    substitutes: tuple[Substitute, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    access: str = "road"
    network: Mapping[str, Any] = field(default_factory=dict)
    corrections: tuple[Mapping[str, Any], ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every plan item can be filled with available units of its own type."""
        return not self.unfilled

    def to_dict(self) -> dict[str, Any]:
        """The API shape: ``{"incident_id", "routing", "plan", "candidates", ...}`` (JSON-ready)."""
        return {
            "incident_id": self.incident_id,
            "routing": self.routing_model,
            "routing_source": self.routing_source,
            "incident": {
                "lon": round(self.incident.lon, _COORD_DIGITS),
                "lat": round(self.incident.lat, _COORD_DIGITS),
                "snap_distance_m": round(self.incident.distance_m) if np.isfinite(self.incident.distance_m) else None,
                "snap_time_s": round(self.incident.leg_time_s, 1),
            },
            "complete": self.complete,
            "plan": [p.to_dict() for p in self.plan],
            "candidates": [c.to_dict() for c in self.candidates],
            "unfilled": [u.to_dict() for u in self.unfilled],
            "substitutes": [s.to_dict() for s in self.substitutes],
            "notes": list(self.notes),
            "access": self.access,
            "off_road_m": round(self.incident.off_road_m),
            "snap": self.incident.to_dict(),
            "network": dict(self.network),
            "corrections": [dict(c) for c in self.corrections],
        }


# -- plans ----------------------------------------------------------------------------------
def plan_from_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[PlanItem, ...]:
    """Plan items from ``response_plans`` rows or catalog entries (``unit_type``, ``unit_count``, ``substitutes``)."""
    return tuple(
        PlanItem(str(r["unit_type"]), int(r["unit_count"]), tuple(str(s) for s in (r.get("substitutes") or ())))
        for r in rows
    )


def plan_from_catalog(incident_type: str, *, path: Path = CATALOG_FILE) -> tuple[PlanItem, ...]:
    """The response plan of ``incident_type`` in ``incidents/catalog.json`` (the seed data).

    Raises
    ------
    KeyError
        Unknown incident type.
    """
    catalog = json.loads(Path(path).read_text(encoding="utf-8"))
    for entry in catalog["incident_types"]:
        if entry["code"] == incident_type:
            return plan_from_rows(entry.get("plan", []))
    raise KeyError(f"unknown incident type {incident_type!r}")


# -- the computation ------------------------------------------------------------------------
def _weight(time_s: float, length_m: float) -> float:
    """Lexicographic weight of a partial edge (whole centiseconds, whole decimetres)."""
    return float(np.rint(time_s / TIME_RESOLUTION_S) * LEXI_SCALE + np.rint(length_m * 10.0))


def _decode(weight: float) -> tuple[float, float]:
    ticks = np.floor(weight / LEXI_SCALE)
    return float(ticks * TIME_RESOLUTION_S), float((weight - ticks * LEXI_SCALE) / 10.0)


@dataclass(frozen=True, eq=False)
class _Run:
    """One Dijkstra run towards the incident (reversed graph), from its joining ends."""

    dist_w: NDArray[np.float64]
    pred: NDArray[np.int32]
    ends: Mapping[int, float]


def _incident_run(graph: TravelGraph, inc: SnappedPoint, limit_w: float) -> _Run:
    """Weights from every node to the incident's joining point (partial edges as head starts)."""
    ends: dict[int, float] = {}
    for node, t, m in inc.inbound(graph):
        w = _weight(t - inc.leg_time_s, m - inc.distance_m)
        ends[node] = min(ends.get(node, np.inf), w)
    if len(ends) == 1 and next(iter(ends.values())) == 0.0:
        (node,) = ends
        dist_w, pred = dijkstra(graph.lexi_rev, directed=True, indices=node, return_predecessors=True, limit=limit_w)
        return _Run(dist_w, pred.astype(np.int32), ends)
    n = graph.n_nodes
    mat = graph.lexi_rev
    nodes = np.array(list(ends), dtype=np.int64)
    weights = np.maximum(np.array([ends[k] for k in nodes.tolist()]), 1.0)  # explicit zeros are no edge
    indptr = np.concatenate([mat.indptr, [mat.indptr[-1] + nodes.size]])
    indices = np.concatenate([mat.indices, nodes.astype(mat.indices.dtype)])
    data = np.concatenate([mat.data, weights])
    augmented = sp.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist_w, pred = dijkstra(augmented, directed=True, indices=n, return_predecessors=True, limit=limit_w)
    pred = pred[:n].astype(np.int32)
    pred[pred == n] = NO_PREDECESSOR
    return _Run(dist_w[:n], pred, ends)


def _unit_weights(graph: TravelGraph, snaps: Snaps, run: _Run,
                  inc: SnappedPoint) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per unit: the best weight to the incident (without the two straight legs) and the end node used.

    The end is -2 when the unit reaches the incident along their shared segment.
    """
    count = len(snaps)
    best = np.full(count, np.inf)
    via = np.full(count, -1, dtype=np.int64)
    if count == 0:
        return best, via
    ok = snaps.ok
    node = np.where(ok, snaps.node, 0)
    dist_w = run.dist_w
    if snaps.kind is None:
        best[ok] = dist_w[node[ok]]
        via[ok] = node[ok]
        return best, via
    seg = np.array([k == "segment" for k in snaps.kind], dtype=bool) & ok
    plain = ok & ~seg
    best[plain] = dist_w[node[plain]]
    via[plain] = node[plain]
    for j in np.flatnonzero(seg).tolist():
        point = snaps[j]
        for end, t, m in point.outbound(graph):
            w = _weight(t - point.leg_time_s, m - point.distance_m) + dist_w[end]
            if w < best[j]:
                best[j], via[j] = w, end
        if inc.kind == "segment":
            direct = same_segment_time(graph, point, inc)
            if direct is not None and _weight(*direct) <= best[j]:
                best[j], via[j] = _weight(*direct), -2
    return best, via


def _route_geojson(graph: TravelGraph, run: _Run, unit: SnappedPoint, via: int, inc: SnappedPoint,
                   start: tuple[float, float], end: tuple[float, float]) -> tuple[dict[str, Any], list[int]]:
    """GeoJSON LineString from the unit's position along the shortest-path tree to the incident.

    Returns the line and the node path it follows.
    """
    parts: list[NDArray[np.float64]] = [np.array([start])]
    path: list[int] = []
    if via == -2:  # along the shared segment
        parts += [partial_lonlat(graph, unit, unit.node)[:1], partial_lonlat(graph, inc, inc.node)[:1]]
    else:
        path = [via]
        pred = run.pred
        while pred[path[-1]] >= 0:
            path.append(int(pred[path[-1]]))
        parts += [partial_lonlat(graph, unit, via)[::-1], graph.path_lonlat(path), partial_lonlat(graph, inc, path[-1])]
    parts.append(np.array([end]))
    coords = np.round(np.concatenate(parts), _COORD_DIGITS)
    keep = np.ones(coords.shape[0], dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    coords = coords[keep]
    if coords.shape[0] == 1:
        coords = np.vstack([coords, coords])
    return {"type": "LineString", "coordinates": coords.tolist()}, path


def _applied_corrections(graph: TravelGraph) -> tuple[Mapping[str, Any], ...]:
    keys = ("kind", "name", "id", "origin", "source", "reason", "note", "starts_at", "ends_at", "factor",
            "road_class")
    return tuple({k: c[k] for k in keys if k in c} for c in graph.meta.get("corrections", []) if c.get("applied"))


def _network_info(graph: TravelGraph) -> dict[str, Any]:
    info = dict(graph.network_info)
    return {"model": graph.model, "source": info.get("source", graph.source), "licence": info.get("licence"),
            "attribution": info.get("attribution")}


def _boat_only(graph: TravelGraph, incident: tuple[float, float], plan: Sequence[PlanItem],
               units: Sequence[UnitPosition], incident_id: int | str | None, error: OffNetworkError) -> Recommendation:
    """The answer for an incident on land that no road, bridge or ferry reaches."""
    lon, lat = float(incident[0]), float(incident[1])
    inc = SnappedPoint(lon, lat, -1, float(error.distance_m), 0.0, False, reason=str(error), kind="",
                       reason_code="boat_only")
    wanted = {p.unit_type for p in plan}
    reason = "the incident is on land that no road, bridge or ferry reaches: reachable by boat only"
    cands = tuple(
        Candidate(u.unit_id, u.callsign, u.unit_type, u.agency_code, u.status, u.position_source, u.lon, u.lat,
                  False, None, None, None, None, reason, reason_code="boat_only")
        for u in sorted((u for u in units if u.status == AVAILABLE and u.unit_type in wanted),
                        key=lambda u: str(u.unit_id))
    )
    unfilled = tuple(Unfilled(p.unit_type, p.unit_count, 0, f"{p.unit_type}: reachable by boat only")
                     for p in plan)
    fills = tuple(PlanFill(p.unit_type, p.unit_count, 0, (), tuple(c for c in cands if c.unit_type == p.unit_type))
                  for p in plan)
    return Recommendation(
        incident_id=incident_id, routing_model=graph.model, routing_source=graph.source, incident=inc,
        plan=fills, candidates=cands, unfilled=unfilled, substitutes=(),
        notes=("reachable by boat only: no road, bridge or ferry connector reaches this land",),
        access="boat_only", network=_network_info(graph), corrections=_applied_corrections(graph),
    )


def recommend(
    graph: TravelGraph,
    incident: tuple[float, float],
    plan: Sequence[PlanItem],
    units: Sequence[UnitPosition],
    *,
    incident_id: int | str | None = None,
    busy: Sequence[BusyUnit] = (),
    config: RoutingConfig | None = None,
    route_top_n: int | None = None,
    land: LandArg = AUTO,
) -> Recommendation:
    """Rank the suitable available units for an incident and fill its response plan.

    Parameters
    ----------
    graph
        The travel graph (:func:`routing.network.load_network`, corrections applied).
    incident
        ``(lon, lat)`` of the incident, EPSG:4326.
    plan
        The incident type's response plan.
    units
        Candidate units with positions; only ``status == "available"`` ones are ranked.
    incident_id
        Echoed in the result.
    busy
        Committed units with their expected time to become free; offered as substitutes when
        a plan item cannot be filled.
    config
        Routing configuration (``routing.json`` when omitted).
    route_top_n
        Route geometry for this many best units per plan item (``recommend.route_top_n``).
    land
        Land for the water test (see :func:`routing.snap.snap_many`).

    Returns
    -------
    Recommendation
        JSON-ready through :meth:`Recommendation.to_dict`. An incident on land that nothing
        reaches (an island without a ferry) gives ``access="boat_only"``, not an error.

    Raises
    ------
    OutsideServiceAreaError
        The incident lies outside the city's land plus the service-area buffer (open water).
    OffNetworkError
        The incident cannot be joined to the travel network (e.g. a graph without geography
        and the incident far from it).
    """
    cfg = config or load_config()
    top_n = cfg.route_top_n if route_top_n is None else int(route_top_n)
    lon0, lat0 = float(incident[0]), float(incident[1])
    try:
        inc = snap_point(graph, lon0, lat0, config=cfg, land=land, require_service_area=True)
    except OffNetworkError as exc:
        if exc.reason_code == "boat_only":
            return _boat_only(graph, incident, plan, units, incident_id, exc)
        raise

    plan_types = [p.unit_type for p in plan]
    sub_types = {s for p in plan for s in p.substitutes}
    wanted = set(plan_types) | sub_types
    pool = [u for u in units if u.status == AVAILABLE and u.unit_type in wanted]
    busy_pool = [b for b in busy if b.unit.unit_type in set(plan_types)]
    everyone = pool + [b.unit for b in busy_pool]
    notes: list[str] = []

    limit_s = max(cfg.max_eta_s - inc.leg_time_s, 0.0)
    limit_s = graph.lexi_limit_s(limit_s)
    limit_w = (np.floor(limit_s / TIME_RESOLUTION_S) + 1) * LEXI_SCALE
    run = _incident_run(graph, inc, limit_w)

    snaps = snap_many(graph, [u.lon for u in everyone], [u.lat for u in everyone], config=cfg, land=land)
    node_w, via = _unit_weights(graph, snaps, run, inc)
    # decode the lexicographic weights (exact: integers below 2**53, powers-of-two divisions)
    finite_w = np.where(np.isfinite(node_w), node_w, 0.0)
    ticks = np.floor(finite_w / LEXI_SCALE)
    graph_t = (ticks * TIME_RESOLUTION_S).tolist()
    graph_d = ((finite_w - ticks * LEXI_SCALE) / 10.0).tolist()

    ok_l = snaps.ok.tolist()
    node_l = snaps.node.tolist()
    snap_m_l = snaps.distance_m.tolist()
    leg_s_l = (snaps.leg_s if snaps.leg_s is not None else snaps.time_s).tolist()
    reached_l = np.isfinite(node_w).tolist()
    codes = snaps.reason_code or tuple(None for _ in range(len(snaps)))
    infos = snaps.to_dicts()
    comp = graph.component
    closures = any(c.get("kind") == "closure" and c.get("applied") for c in graph.meta.get("corrections", []))
    beyond = f"more than {cfg.max_eta_s / 60:.0f} min from the incident"
    apart = "no road or bridge connects the unit's position to the incident (separate land pieces)"
    closed = "no open road connects the unit's position to the incident (roads closed)"
    inc_leg_s, inc_leg_m = inc.leg_time_s, float(inc.distance_m)

    def candidate(j: int, free_in_s: float | None = None) -> Candidate:
        u = everyone[j]
        head = (u.unit_id, u.callsign, u.unit_type, u.agency_code, u.status, u.position_source, u.lon, u.lat)
        if not ok_l[j]:
            code = codes[j] or "off_network"
            return Candidate(*head, False, None, None, None, None,
                             f"position not on the travel network: {snaps.reason[j]}", free_in_s,
                             reason_code=code)
        snap_m, snap_s = snap_m_l[j], leg_s_l[j]
        info = infos[j]
        if not reached_l[j]:
            far = comp is not None and comp[node_l[j]] != comp[inc.node]
            if far:
                return Candidate(*head, False, None, None, snap_m, snap_s, apart, free_in_s,
                                 reason_code="separate_land", snap=info)
            text, code = (closed, "no_open_road") if closures else (beyond, "beyond_limit")
            return Candidate(*head, False, None, None, snap_m, snap_s, text, free_in_s, reason_code=code, snap=info)
        travel = graph_t[j] + snap_s + inc_leg_s
        if travel > cfg.max_eta_s:
            return Candidate(*head, False, None, None, snap_m, snap_s, beyond, free_in_s,
                             reason_code="beyond_limit", snap=info)
        return Candidate(*head, True, travel + (free_in_s or 0.0), graph_d[j] + snap_m + inc_leg_m,
                         snap_m, snap_s, None, free_in_s, snap=info)

    def rank_key(c: Candidate) -> tuple[float, float, str]:
        return (c.eta_s if c.eta_s is not None else np.inf,
                c.distance_m if c.distance_m is not None else np.inf, str(c.unit_id))

    available = [candidate(j) for j in range(len(pool))]
    pool_idx = {u.unit_id: j for j, u in enumerate(pool)}
    busy_idx = {b.unit.unit_id: len(pool) + k for k, b in enumerate(busy_pool)}
    by_type: dict[str, list[Candidate]] = {}
    for c in sorted((c for c in available if c.reachable), key=rank_key):
        by_type.setdefault(c.unit_type, []).append(c)

    used: set[int | str] = set()
    fills: list[tuple[PlanItem, list[Candidate], list[Candidate]]] = []
    for item in plan:
        ranked = [c for c in by_type.get(item.unit_type, []) if c.unit_id not in used]
        chosen = ranked[: item.unit_count]
        used.update(c.unit_id for c in chosen)
        fills.append((item, ranked, chosen))

    # substitutes for the shortfall
    unfilled: list[Unfilled] = []
    substitutes: list[Substitute] = []
    short = any(len(chosen) < item.unit_count for item, _, chosen in fills)
    busy_cands = [candidate(len(pool) + k, free_in_s=b.free_in_s) for k, b in enumerate(busy_pool)] if short else []
    offered: set[int | str] = set()
    for item, _ranked, chosen in fills:
        if len(chosen) >= item.unit_count:
            continue
        missing = item.unit_count - len(chosen)
        subs = [c for t in item.substitutes for c in by_type.get(t, [])
                if c.unit_id not in used and c.unit_id not in offered]
        subs.sort(key=rank_key)
        subs = subs[: max(cfg.substitutes_top_n, missing)]
        late = sorted((c for c in busy_cands if c.reachable and c.unit_type == item.unit_type
                       and c.unit_id not in offered), key=rank_key)[: cfg.substitutes_top_n]
        offers = [Substitute(item.unit_type, "substitute_type", c) for c in subs]
        offers += [Substitute(item.unit_type, "busy_unit", c) for c in late]
        offers.sort(key=lambda s: rank_key(s.candidate))
        offered.update(s.candidate.unit_id for s in offers)
        substitutes.extend(offers)
        have = f"{len(chosen)} of {item.unit_count}"
        if offers:
            message = (f"{item.unit_type}: only {have} available and reachable; "
                       f"{len(offers)} substitute offer(s) listed")
        else:
            message = f"{item.unit_type}: only {have} available and reachable; no substitute available"
        unfilled.append(Unfilled(item.unit_type, item.unit_count, len(chosen), message))

    # route geometry for the best few per plan item and for the offers
    incident_pt = (lon0, lat0)

    def with_route(c: Candidate, *, is_busy: bool = False) -> Candidate:
        if not c.reachable:
            return c
        j = (busy_idx if is_busy else pool_idx)[c.unit_id]
        line, path = _route_geojson(graph, run, snaps[j], int(via[j]), inc, (c.lon, c.lat), incident_pt)
        return replace(c, route=line, corrections=tuple(corrections_used(graph, path)))

    plan_out: list[PlanFill] = []
    routed_ids: dict[int | str, Candidate] = {}
    for item, ranked, chosen in fills:
        top = [with_route(c) for c in ranked[: max(top_n, len(chosen))]]
        for c in top:
            routed_ids[c.unit_id] = c
        plan_out.append(PlanFill(item.unit_type, item.unit_count, len(chosen),
                                 tuple(c.unit_id for c in chosen), tuple(top + ranked[len(top):])))
    substitutes = [
        replace(s, candidate=routed_ids[s.candidate.unit_id] if s.candidate.unit_id in routed_ids
                else with_route(s.candidate, is_busy=s.kind == "busy_unit"))
        for s in substitutes
    ]

    plan_type_set = set(plan_types)
    suitable = [routed_ids.get(c.unit_id, c) for c in available if c.unit_type in plan_type_set]
    reach = sorted((c for c in suitable if c.reachable), key=rank_key)
    unreach = sorted((c for c in suitable if not c.reachable), key=lambda c: str(c.unit_id))
    if inc.kind == "off_road":
        notes.append(f"incident is off-road {inc.distance_m / 1000:.1f} km from the nearest road; "
                     f"{inc.leg_time_s:.0f} s added for that leg at {cfg.off_road_speed_kmh:g} km/h")
    elif inc.distance_m > 0:
        notes.append(f"incident is {inc.distance_m:.0f} m from the travel network; "
                     f"{inc.leg_time_s:.0f} s added for that leg")
    if inc.moved_m > 0:
        notes.append(f"incident position lies in the water; routed from the nearest land, {inc.moved_m:.0f} m away")
    seen: set[str] = set()
    for c in [c for _, _, chosen in fills for c in chosen]:
        for used_c in routed_ids.get(c.unit_id, c).corrections or ():
            name = str(used_c.get("name"))
            if name not in seen:
                seen.add(name)
                notes.append(f"route of {c.callsign} uses {name} ({used_c.get('kind')} from the network "
                             f"corrections, not from the road data)")
    access = "road"
    if comp is not None and inc.node >= 0 and comp[inc.node] != 0:
        access = "boat_only"
        notes.append("reachable by boat only: no road, bridge or ferry connector joins this land to the mainland")
    if graph.model == "approximate":
        notes.append("approximate network (land lattice + bridges): no road data loaded; ETAs are estimates")
    return Recommendation(
        incident_id=incident_id,
        routing_model=graph.model,
        routing_source=graph.source,
        incident=inc,
        plan=tuple(plan_out),
        candidates=tuple(reach + unreach),
        unfilled=tuple(unfilled),
        substitutes=tuple(substitutes),
        notes=tuple(notes),
        access=access,
        network=_network_info(graph),
        corrections=_applied_corrections(graph),
    )
