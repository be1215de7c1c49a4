"""The travel network for the admin page: what is loaded, its corrections, and the repair report.

:func:`overview` gathers, for one page load, the network in use (model, source, licence,
attribution, what the import did), every correction applied to it (the shipped Teluk Kendari
bridge included, with whether it was added or skipped), the stored corrections (active and
proposed), and the road pieces the import dropped (``var/roads/repair_report.geojson``), each
with the nearest pair of points between the piece and the kept network — where a connector
would join it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from layers.projection import to_utm
from routing.import_roads import REPORT_FILE, read_sidecar
from routing.network import ROADS_DIR, installed_roads, network_summary
from services import corrections as corrections_service
from services.resources import Resources
from store.db import Database

#: Dropped pieces listed and drawn (the longest first).
MAX_PIECES = 200


@dataclass(frozen=True)
class DroppedPiece:
    """A piece of road the import left out (not connected both ways to the kept network).

    Attributes
    ----------
    rank
        1 = the longest piece.
    length_m, nodes
        Its length and how many nodes it had.
    centroid
        ``(lon, lat)`` of its middle.
    nearest_kept_m
        Distance to the kept network, metres (as the import measured it).
    geometry
        GeoJSON (MultiLineString or MultiPoint), EPSG:4326.
    join_from, join_to
        ``(lon, lat)`` of the piece's point nearest to the network in use and of that network
        node: where a connector would join them (``None`` when the network has no node).
    gap_m
        Distance between ``join_from`` and ``join_to``, metres.
    """

    rank: int
    length_m: float
    nodes: int
    centroid: tuple[float, float]
    nearest_kept_m: float | None
    geometry: Mapping[str, Any]
    join_from: tuple[float, float] | None
    join_to: tuple[float, float] | None
    gap_m: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "length_m": self.length_m, "nodes": self.nodes, "centroid": list(self.centroid),
                "nearest_kept_m": self.nearest_kept_m, "geometry": dict(self.geometry),
                "join_from": None if self.join_from is None else list(self.join_from),
                "join_to": None if self.join_to is None else list(self.join_to), "gap_m": self.gap_m}


@dataclass(frozen=True)
class NetworkOverview:
    """Everything the network admin page shows."""

    network: Mapping[str, Any]
    imported: Mapping[str, Any] | None
    import_summary: Mapping[str, Any] | None
    applied: tuple[Mapping[str, Any], ...]
    shipped_connectors: tuple[Mapping[str, Any], ...]
    road_classes: tuple[str, ...]
    corrections: tuple[corrections_service.CorrectionView, ...]
    dropped: tuple[DroppedPiece, ...]
    dropped_total: int
    dropped_length_m: float


def _vertices(geometry: Mapping[str, Any]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    stack: list[Any] = [geometry.get("coordinates")]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)) and len(item) >= 2 and all(isinstance(v, (int, float)) for v in item[:2]):
            out.append((float(item[0]), float(item[1])))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return out


def dropped_pieces(graph: Any, report: Mapping[str, Any] | None, *,
                   limit: int = MAX_PIECES) -> tuple[list[DroppedPiece], int, float]:
    """The repair report's pieces (longest first, at most ``limit``), each with where it would join ``graph``.

    Returns
    -------
    pieces, total, total_length_m
        The pieces listed, how many the report has, and their total length.
    """
    features = [f for f in (report or {}).get("features") or [] if isinstance(f, Mapping)]
    total_len = float(sum(float((f.get("properties") or {}).get("length_m") or 0.0) for f in features))
    tree = None
    ids: Any = None
    if getattr(graph, "n_nodes", 0):
        tree, ids = graph.routable_tree
    out = []
    for rank, feat in enumerate(features[:limit], start=1):
        props = feat.get("properties") or {}
        geometry = feat.get("geometry") or {}
        verts = _vertices(geometry)
        join_from = join_to = None
        gap = None
        if verts and tree is not None and len(ids):
            x, y = to_utm([v[0] for v in verts], [v[1] for v in verts])
            dist, idx = tree.query(np.column_stack([x, y]))
            best = int(np.argmin(dist))
            node = int(ids[int(idx[best])])
            join_from = verts[best]
            join_to = (round(float(graph.lon[node]), 6), round(float(graph.lat[node]), 6))
            gap = round(float(dist[best]), 1)
        centroid = props.get("centroid") or (verts[0] if verts else (0.0, 0.0))
        out.append(DroppedPiece(rank=rank, length_m=float(props.get("length_m") or 0.0),
                                nodes=int(props.get("nodes") or 0),
                                centroid=(float(centroid[0]), float(centroid[1])),
                                nearest_kept_m=props.get("nearest_kept_m"), geometry=geometry,
                                join_from=join_from, join_to=join_to, gap_m=gap))
    return out, len(features), total_len


def read_repair_report(roads_dir: Path = ROADS_DIR) -> dict[str, Any] | None:
    """The repair report of the installed road network (``None`` without an import or a report)."""
    if installed_roads(roads_dir) is None:
        return None
    try:
        data = json.loads((Path(roads_dir) / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _applied(graph: Any) -> tuple[Mapping[str, Any], ...]:
    keys = ("kind", "name", "id", "origin", "source", "applied", "note", "existing_path_m", "edges_closed",
            "edges", "reason", "road_class", "factor", "start_hour", "end_hour", "length_m", "time_s")
    meta = getattr(graph, "meta", {}) or {}
    return tuple({k: c.get(k) for k in keys if k in c} for c in meta.get("corrections", []))


def overview(db: Database, res: Resources, *, roads_dir: Path = ROADS_DIR,
             include: Sequence[str] = ("active", "proposed")) -> NetworkOverview:
    """The network in use, its corrections and the repair report, for the admin page."""
    graph = res.graph()
    summary = network_summary(graph) if hasattr(graph, "meta") else {"model": getattr(graph, "model", None)}
    network = {k: summary.get(k) for k in ("model", "source", "licence", "attribution", "nodes", "edges")}
    sidecar = read_sidecar(roads_dir) if summary.get("model") == "road" else None
    imported = None
    import_summary = None
    if sidecar:
        imported = sidecar.get("network") if isinstance(sidecar.get("network"), Mapping) else None
        import_summary = {k: v for k, v in sidecar.items() if k != "network"}
    report = read_repair_report(roads_dir) if summary.get("model") == "road" else None
    pieces, total, total_len = dropped_pieces(graph, report)
    applied = _applied(graph)
    shipped = {a.get("name") for a in applied if a.get("origin") == "shipped" and a.get("applied")}
    meta = getattr(graph, "meta", {}) or {}
    placed = tuple(dict(p) for p in meta.get("connectors", []) if p.get("name") in shipped)
    return NetworkOverview(
        network=network, imported=imported, import_summary=import_summary, applied=applied, shipped_connectors=placed,
        road_classes=tuple(getattr(graph, "road_classes", ())),
        corrections=tuple(corrections_service.list_corrections(db, include=tuple(include))),
        dropped=tuple(pieces), dropped_total=total, dropped_length_m=total_len,
    )


__all__ = ["MAX_PIECES", "DroppedPiece", "NetworkOverview", "dropped_pieces", "overview", "read_repair_report"]
