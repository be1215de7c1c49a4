"""Load the network in use: an imported road network or the approximate lattice, with corrections.

:func:`load_network` is the one entry point for the application: it reads the imported road
network when a path is given (``var/roads/network.npz``, written by
``python -m routing.import_roads``) or otherwise builds the approximate land lattice (cached
on disk in ``var/routing/``), then applies the shipped connectors of ``routing.json`` and the
given corrections (:mod:`routing.corrections`) in force at ``at``.

Nothing here is cached in module state. A long-lived owner (the application's resource
holder) keeps a :class:`NetworkCache`, which reloads only when the road file, the corrections
or what is in force at the time changes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from routing._errors import GraphFormatError
from routing.approximate import BUILD_VERSION, build_approximate_graph
from routing.config import RoutingConfig, read_config
from routing.corrections import (
    Correction,
    active_state,
    apply_closures,
    apply_connectors,
    apply_speed_factors,
    now_utc,
    shipped_connectors,
    split_corrections,
)
from routing.graph import FORMAT_VERSION, ROAD_GRAPH_FILE, TravelGraph, read_graph, save_graph
from settings import GEO_DATA_DIR, VAR_DIR

#: Where a built approximate network is cached between processes.
CACHE_DIR = VAR_DIR / "routing"
#: Where ``python -m routing.import_roads`` writes the imported network and its reports.
ROADS_DIR = VAR_DIR / "roads"


def installed_roads(roads_dir: Path = ROADS_DIR) -> Path | None:
    """The imported road network file (``var/roads/network.npz``) when there is one, else None."""
    path = Path(roads_dir) / ROAD_GRAPH_FILE
    return path if path.is_file() else None


def approximate_cache_key(directory: Path = GEO_DATA_DIR) -> str:
    """Hash of everything the approximate lattice is built from (config, polygons, code version)."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}.{BUILD_VERSION}".encode())
    for name in ("routing.json", "kendari_kelurahan.geojson", "kendari_kota.geojson"):
        h.update((Path(directory) / name).read_bytes())
    return h.hexdigest()[:16]


def approximate_network(directory: Path = GEO_DATA_DIR, *, cache_dir: Path | None = CACHE_DIR,
                        config: RoutingConfig | None = None) -> TravelGraph:
    """The approximate network with its shipped connectors, from the disk cache when it is current.

    The built graph is saved in ``cache_dir`` (``None``: memory only) under a key of the
    config, polygons and code version; stale files are removed.
    """
    cfg = config or read_config(directory)
    cached: Path | None = None
    if cache_dir is not None:
        cached = Path(cache_dir) / f"approximate-{approximate_cache_key(directory)}.npz"
        if cached.exists():
            try:
                return read_graph(cached)
            except GraphFormatError:
                pass  # rebuilt below
    graph = build_approximate_graph(cfg, directory=directory)
    if cached is not None:
        try:
            save_graph(graph, cached)
            for stale in cached.parent.glob("approximate-*.npz"):
                if stale != cached:
                    stale.unlink(missing_ok=True)  # built from an older config or polygons
        except OSError:
            pass  # a read-only checkout still works, from memory
    return graph


def load_network(
    directory: Path = GEO_DATA_DIR,
    *,
    roads_path: Path | str | None = None,
    corrections: Iterable[Correction] = (),
    at: datetime | None = None,
    cache_dir: Path | None = CACHE_DIR,
    config: RoutingConfig | None = None,
) -> TravelGraph:
    """The network to route on, corrected.

    Parameters
    ----------
    directory
        Geodata directory (``routing.json``, polygons).
    roads_path
        An imported road network (``.npz`` from :mod:`routing.import_roads`); ``None`` builds
        (or reads from ``cache_dir``) the approximate land lattice.
    corrections
        Connectors, closures and speed factors (:mod:`routing.corrections`) besides the
        connectors shipped in ``routing.json``, which are always applied.
    at
        Time at which closures and speed factors are evaluated (default: now).
    cache_dir
        Disk cache of the approximate lattice (``None``: build in memory).
    config
        Routing configuration (read from ``directory`` when omitted).

    Returns
    -------
    TravelGraph
        Read-only; ``meta["network"]`` names the data's source and licence, and
        ``meta["corrections"]`` lists every correction applied or skipped (and why).

    Raises
    ------
    GraphFormatError
        The road network file cannot be read.
    RoutingConfigError
        ``routing.json`` is invalid or a shipped connector cannot be placed.
    CorrectionError
        A correction is invalid.
    """
    cfg = config or read_config(directory)
    connectors, closures, factors = split_corrections(corrections)
    when = now_utc() if at is None else at
    if roads_path is None:
        base = approximate_network(directory, cache_dir=cache_dir, config=cfg)  # shipped connectors included
    else:
        road = read_graph(roads_path)
        shipped = shipped_connectors(cfg, directory=directory)
        base = apply_connectors(road, [c for c, _ in shipped], config=cfg, placements=[p for _, p in shipped])
    graph = apply_connectors(base, connectors, config=cfg)
    graph = apply_closures(graph, closures, when, config=cfg)
    return apply_speed_factors(graph, factors, when)


def _file_stamp(path: Path | str | None) -> str:
    if path is None:
        return "approximate"
    try:
        st = os.stat(path)
    except OSError:
        return f"missing:{path}"
    return f"{path}:{st.st_mtime_ns}:{st.st_size}"


@dataclass(frozen=True)
class _Loaded:
    key: tuple[str, str]
    graph: TravelGraph


class NetworkCache:
    """Holds the loaded network for one owner and reloads it only when something changed.

    The key is the road file's identity (path, modification time, size) and
    :func:`routing.corrections.active_state` of the corrections at the given time, so a
    closure that starts or ends, a new correction, or a re-imported network gives a new
    graph on the next call; otherwise the same object is returned. Not a module-level cache:
    the application keeps one instance per process in its resource holder.

    Parameters
    ----------
    directory
        Geodata directory.
    cache_dir
        Disk cache of the approximate lattice.
    """

    def __init__(self, directory: Path = GEO_DATA_DIR, *, cache_dir: Path | None = CACHE_DIR) -> None:
        self.directory = Path(directory)
        self.cache_dir = cache_dir
        self._loaded: _Loaded | None = None

    def get(self, *, roads_path: Path | str | None = None, corrections: Sequence[Correction] = (),
            at: datetime | None = None) -> TravelGraph:
        """The corrected network for these inputs (the same object while nothing changed)."""
        when = now_utc() if at is None else at
        key = (_file_stamp(roads_path), active_state(corrections, when))
        loaded = self._loaded
        if loaded is not None and loaded.key == key:
            return loaded.graph
        graph = load_network(self.directory, roads_path=roads_path, corrections=corrections, at=when,
                             cache_dir=self.cache_dir)
        self._loaded = _Loaded(key, graph)
        return graph

    def clear(self) -> None:
        """Forget the loaded network (the next :meth:`get` loads again)."""
        self._loaded = None


def network_summary(graph: TravelGraph) -> dict[str, Any]:
    """Facts about a loaded network for health pages and reports (JSON-ready)."""
    info = dict(graph.network_info)
    return {
        "model": graph.model,
        "source": info.get("source", graph.source),
        "licence": info.get("licence"),
        "attribution": info.get("attribution"),
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "corrections": [
            {k: c.get(k) for k in ("kind", "name", "id", "applied", "note", "origin", "source", "reason")}
            for c in graph.meta.get("corrections", [])
        ],
    }
