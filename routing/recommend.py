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
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from routing.config import RoutingConfig, load_config
from routing.graph import LEXI_SCALE, TIME_RESOLUTION_S, RoutingModel, TravelGraph
from routing.snap import AUTO, LandArg, SnappedPoint, snap_many, snap_point
from settings import ROOT_DIR

CATALOG_FILE = ROOT_DIR / "incidents" / "catalog.json"
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
    includes ``free_in_s``. A unit that cannot reach has ``reachable=False``, ``eta_s=None``
    and a ``reason``.
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
                "snap_distance_m": round(self.incident.distance_m),
                "snap_time_s": round(self.incident.time_s, 1),
            },
            "complete": self.complete,
            "plan": [p.to_dict() for p in self.plan],
            "candidates": [c.to_dict() for c in self.candidates],
            "unfilled": [u.to_dict() for u in self.unfilled],
            "substitutes": [s.to_dict() for s in self.substitutes],
            "notes": list(self.notes),
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
@dataclass(frozen=True, eq=False)
class _Run:
    dist_w: NDArray[np.float64]
    pred: NDArray[np.int32]
    target: int


def _route_geojson(graph: TravelGraph, run: _Run, node: int, start: tuple[float, float],
                   end: tuple[float, float]) -> dict[str, Any]:
    """GeoJSON LineString from the unit's position along the shortest-path tree to the incident."""
    path = [node]
    pred = run.pred
    while path[-1] != run.target:
        path.append(int(pred[path[-1]]))
    coords = np.concatenate([[start], graph.path_lonlat(path), [end]])
    coords = np.round(coords, _COORD_DIGITS)
    keep = np.ones(coords.shape[0], dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    coords = coords[keep]
    if coords.shape[0] == 1:
        coords = np.vstack([coords, coords])
    return {"type": "LineString", "coordinates": coords.tolist()}


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
        The travel graph (:func:`routing.graph.load_graph`).
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
        JSON-ready through :meth:`Recommendation.to_dict`.

    Raises
    ------
    OutsideServiceAreaError
        The incident lies outside the city's land plus the service-area buffer.
    OffNetworkError
        The incident cannot be joined to the travel network.
    """
    cfg = config or load_config()
    top_n = cfg.route_top_n if route_top_n is None else int(route_top_n)
    lon0, lat0 = float(incident[0]), float(incident[1])
    inc = snap_point(graph, lon0, lat0, config=cfg, land=land, require_service_area=True)

    plan_types = [p.unit_type for p in plan]
    sub_types = {s for p in plan for s in p.substitutes}
    wanted = set(plan_types) | sub_types
    pool = [u for u in units if u.status == AVAILABLE and u.unit_type in wanted]
    busy_pool = [b for b in busy if b.unit.unit_type in set(plan_types)]
    everyone = pool + [b.unit for b in busy_pool]
    notes: list[str] = []

    limit_s = max(cfg.max_eta_s - inc.time_s, 0.0)
    limit_s = graph.lexi_limit_s(limit_s)
    limit_w = (np.floor(limit_s / TIME_RESOLUTION_S) + 1) * LEXI_SCALE
    dist_w, pred = dijkstra(graph.lexi_rev, directed=True, indices=inc.node, return_predecessors=True,
                            limit=limit_w)
    run = _Run(dist_w, pred, inc.node)

    snaps = snap_many(graph, [u.lon for u in everyone], [u.lat for u in everyone], config=cfg, land=land)
    node_w = np.full(len(everyone), np.inf)
    if len(everyone):
        ok_idx = np.flatnonzero(snaps.ok)
        node_w[ok_idx] = dist_w[snaps.node[ok_idx]]
    # decode the lexicographic weights (exact: integers below 2**53, powers-of-two divisions)
    finite_w = np.where(np.isfinite(node_w), node_w, 0.0)
    ticks = np.floor(finite_w / LEXI_SCALE)
    graph_t = (ticks * TIME_RESOLUTION_S).tolist()
    graph_d = ((finite_w - ticks * LEXI_SCALE) / 10.0).tolist()

    ok_l = snaps.ok.tolist()
    node_l = snaps.node.tolist()
    snap_m_l = snaps.distance_m.tolist()
    snap_s_l = snaps.time_s.tolist()
    reached_l = np.isfinite(node_w).tolist()
    comp = graph.component
    beyond = f"more than {cfg.max_eta_s / 60:.0f} min from the incident"
    apart = "no road or bridge connects the unit's position to the incident (separate land pieces)"

    def candidate(j: int, free_in_s: float | None = None) -> Candidate:
        u = everyone[j]
        head = (u.unit_id, u.callsign, u.unit_type, u.agency_code, u.status, u.position_source, u.lon, u.lat)
        if not ok_l[j]:
            return Candidate(*head, False, None, None, None, None,
                             f"position not on the travel network: {snaps.reason[j]}", free_in_s)
        snap_m, snap_s = snap_m_l[j], snap_s_l[j]
        if not reached_l[j]:
            far = comp is not None and comp[node_l[j]] != comp[inc.node]
            return Candidate(*head, False, None, None, snap_m, snap_s, apart if far else beyond, free_in_s)
        travel = graph_t[j] + snap_s + inc.time_s
        if travel > cfg.max_eta_s:
            return Candidate(*head, False, None, None, snap_m, snap_s, beyond, free_in_s)
        return Candidate(*head, True, travel + (free_in_s or 0.0), graph_d[j] + snap_m + inc.distance_m,
                         snap_m, snap_s, None, free_in_s)

    def rank_key(c: Candidate) -> tuple[float, float, str]:
        return (c.eta_s if c.eta_s is not None else np.inf,
                c.distance_m if c.distance_m is not None else np.inf, str(c.unit_id))

    available = [candidate(j) for j in range(len(pool))]
    pool_node = {u.unit_id: n for u, n in zip(pool, node_l)}
    busy_node = {b.unit.unit_id: n for b, n in zip(busy_pool, node_l[len(pool):])}
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
    for item, ranked, chosen in fills:
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
        node = (busy_node if is_busy else pool_node)[c.unit_id]
        return replace(c, route=_route_geojson(graph, run, node, (c.lon, c.lat), incident_pt))

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
    if inc.distance_m > 0:
        notes.append(f"incident is {inc.distance_m:.0f} m from the travel network; "
                     f"{inc.time_s:.0f} s added for that leg")
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
    )
