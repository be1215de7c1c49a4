"""The travel-time graph: a compact, read-only CSR graph saved as ``.npz`` and loaded once.

Nodes carry lon/lat (EPSG:4326) and x/y in UTM 51S metres (EPSG:32751); edges carry travel time
in seconds and length in metres. Two models share this one type: ``road`` (imported from
OpenStreetMap by :mod:`routing.osm_import`) and ``approximate`` (a land lattice with bridge
connectors, :mod:`routing.approximate`). Every ETA says which model produced it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from routing._errors import GraphFormatError
from routing._proj import to_utm
from settings import GEO_DATA_DIR, VAR_DIR

RoutingModel = Literal["road", "approximate"]

#: The OSM road graph, when one has been imported (``python -m routing.osm_import``).
ROAD_GRAPH_FILE = "kendari_roads.npz"
#: Where a built approximate network is cached between processes.
CACHE_DIR = VAR_DIR / "routing"
FORMAT_VERSION = 1
#: Edge times are stored in whole centiseconds (so sums are exact and tie-free across engines).
TIME_RESOLUTION_S = 0.01
#: Lexicographic weights: ``centiseconds * LEXI_SCALE + decimetres``. A path shorter than
#: LEXI_SCALE decimetres (3,355 km) decodes exactly; see :meth:`TravelGraph.lexi_limit_s`.
LEXI_SCALE = 2**25
_DM_PER_M = 10.0


def _readonly(array: NDArray[Any]) -> NDArray[Any]:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class TravelGraph:
    """A directed travel-time graph in CSR form. Never mutated after construction.

    Build one with :meth:`from_edges`, :func:`read_graph` or :func:`load_graph`.

    Parameters
    ----------
    model
        ``"road"`` (OpenStreetMap) or ``"approximate"`` (land lattice plus connectors).
    lon, lat
        Node coordinates, EPSG:4326 degrees, shape ``(n,)``.
    indptr, indices
        CSR structure: the out-edges of node ``u`` are ``indptr[u]:indptr[u+1]``, their heads
        ``indices[...]`` sorted ascending. Edge ids are positions in these arrays.
    time_s
        Travel time of each edge in seconds (whole centiseconds, > 0).
    length_m
        Length of each edge in metres (for the approximate model: lattice length times the
        circuity factor, or the connector's length).
    geom_ptr, geom_lonlat
        Optional edge shapes: the intermediate points (EPSG:4326) of edge ``e`` are
        ``geom_lonlat[geom_ptr[e]:geom_ptr[e+1]]``; without them edges are straight.
    shore_m
        Optional per node: radius in metres of the disk around the node that is all land
        (0 when the node is not on land). A straight snap line shorter than this cannot cross
        water, which saves the exact polygon test for most points.
    component
        Optional per node: connected-component label (the approximate model keeps islands).
    area
        ``"kendari"`` when the graph covers Kendari (snapping then checks land and water), or
        ``""`` for a graph with no geography (generated test and benchmark graphs).
    source
        One line saying where the graph comes from.
    meta
        Free-form facts (counts, connectors, config digest), JSON-serialisable.
    """

    model: RoutingModel
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    indptr: NDArray[np.int32]
    indices: NDArray[np.int32]
    time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    geom_ptr: NDArray[np.int64] | None = None
    geom_lonlat: NDArray[np.float64] | None = None
    shore_m: NDArray[np.float32] | None = None
    component: NDArray[np.int32] | None = None
    area: str = ""
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    # derived at construction (read-only as well)
    x_m: NDArray[np.float64] = field(init=False, repr=False)
    y_m: NDArray[np.float64] = field(init=False, repr=False)
    edge_src: NDArray[np.int32] = field(init=False, repr=False)
    edge_keys: NDArray[np.int64] = field(init=False, repr=False)
    times: sp.csr_matrix = field(init=False, repr=False)
    times_rev: sp.csr_matrix = field(init=False, repr=False)
    lexi: sp.csr_matrix = field(init=False, repr=False)
    lexi_rev: sp.csr_matrix = field(init=False, repr=False)
    rev_edge: NDArray[np.int64] = field(init=False, repr=False)
    kdtree: cKDTree = field(init=False, repr=False)
    max_speed_ms: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = int(self.lon.shape[0])
        m = int(self.indices.shape[0])
        if self.model not in ("road", "approximate"):
            raise GraphFormatError(f"unknown routing model {self.model!r}")
        if self.lat.shape != (n,) or self.indptr.shape != (n + 1,):
            raise GraphFormatError("node arrays and CSR index pointer disagree in size")
        if self.time_s.shape != (m,) or self.length_m.shape != (m,) or int(self.indptr[-1]) != m:
            raise GraphFormatError("edge arrays disagree in size")
        if m and (not np.all(self.time_s > 0) or not np.all(np.isfinite(self.time_s))):
            raise GraphFormatError("edge times must be finite and positive")
        if self.geom_ptr is not None and (self.geom_lonlat is None or self.geom_ptr.shape != (m + 1,)):
            raise GraphFormatError("edge geometry arrays disagree in size")
        for name in ("lon", "lat", "indptr", "indices", "time_s", "length_m", "geom_ptr",
                     "geom_lonlat", "shore_m", "component"):
            value = getattr(self, name)
            if value is not None:
                _readonly(value)
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))
        x, y = to_utm(self.lon, self.lat)
        set_ = object.__setattr__
        set_(self, "x_m", _readonly(x))
        set_(self, "y_m", _readonly(y))
        src = np.repeat(np.arange(n, dtype=np.int32), np.diff(self.indptr))
        set_(self, "edge_src", _readonly(src))
        keys = src.astype(np.int64) * n + self.indices
        if m > 1 and not np.all(np.diff(keys) > 0):
            raise GraphFormatError("edges must be sorted by (tail, head) without duplicates")
        set_(self, "edge_keys", _readonly(keys))
        # reversed structure: the slot order of the transposed CSR, mapped to edge ids
        rev_order = np.lexsort((src, self.indices)).astype(np.int64)
        rev_indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(self.indices, minlength=n), out=rev_indptr[1:])
        rev_indices = src[rev_order]
        set_(self, "rev_edge", _readonly(rev_order))
        cs = np.rint(self.time_s / TIME_RESOLUTION_S)
        lexi = cs * LEXI_SCALE + np.rint(self.length_m * _DM_PER_M)
        shape = (n, n)
        set_(self, "times", sp.csr_matrix((self.time_s, self.indices, self.indptr), shape=shape))
        set_(self, "times_rev", sp.csr_matrix((self.time_s[rev_order], rev_indices, rev_indptr), shape=shape))
        set_(self, "lexi", sp.csr_matrix((lexi, self.indices, self.indptr), shape=shape))
        set_(self, "lexi_rev", sp.csr_matrix((lexi[rev_order], rev_indices, rev_indptr), shape=shape))
        for mat in (self.times, self.times_rev, self.lexi, self.lexi_rev):
            for arr in (mat.data, mat.indices, mat.indptr):
                _readonly(arr)
        set_(self, "kdtree", cKDTree(np.column_stack([x, y])))
        speed = float(np.max(self.length_m / self.time_s)) if m else 1.0
        set_(self, "max_speed_ms", max(speed, 0.1))

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        *,
        model: RoutingModel,
        lon: ArrayLike,
        lat: ArrayLike,
        src: ArrayLike,
        dst: ArrayLike,
        time_s: ArrayLike,
        length_m: ArrayLike,
        geometries: Sequence[NDArray[np.float64] | None] | None = None,
        shore_m: ArrayLike | None = None,
        component: ArrayLike | None = None,
        area: str = "",
        source: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> "TravelGraph":
        """Build a graph from directed edge lists.

        Parallel edges keep the fastest one; self-loops are dropped; times are rounded to
        whole centiseconds (at least one).

        Parameters
        ----------
        geometries
            Optional per edge: an ``(k, 2)`` array of intermediate lon/lat points (or None).
        """
        lon_a = np.ascontiguousarray(lon, dtype=np.float64)
        lat_a = np.ascontiguousarray(lat, dtype=np.float64)
        n = lon_a.shape[0]
        s = np.asarray(src, dtype=np.int64)
        d = np.asarray(dst, dtype=np.int64)
        t = np.maximum(np.rint(np.asarray(time_s, dtype=np.float64) / TIME_RESOLUTION_S), 1) * TIME_RESOLUTION_S
        length = np.asarray(length_m, dtype=np.float64)
        if not (s.shape == d.shape == t.shape == length.shape):
            raise GraphFormatError("edge arrays differ in length")
        if s.size and (s.min() < 0 or d.min() < 0 or s.max() >= n or d.max() >= n):
            raise GraphFormatError("edge refers to a node that does not exist")
        keep = s != d
        idx = np.flatnonzero(keep)
        # sort by (src, dst, time) and keep the first (fastest) of each (src, dst)
        order = idx[np.lexsort((t[idx], d[idx], s[idx]))]
        if order.size:
            key = s[order] * n + d[order]
            first = np.ones(order.size, dtype=bool)
            first[1:] = key[1:] != key[:-1]
            order = order[first]
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(s[order], minlength=n), out=indptr[1:])
        geom_ptr = geom_lonlat = None
        if geometries is not None:
            parts = [geometries[i] for i in order]
            counts = np.array([0 if p is None else len(p) for p in parts], dtype=np.int64)
            geom_ptr = np.zeros(order.size + 1, dtype=np.int64)
            np.cumsum(counts, out=geom_ptr[1:])
            nonempty = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in parts if p is not None and len(p)]
            geom_lonlat = np.concatenate(nonempty) if nonempty else np.zeros((0, 2), dtype=np.float64)
        return cls(
            model=model,
            lon=lon_a,
            lat=lat_a,
            indptr=indptr,
            indices=d[order].astype(np.int32),
            time_s=np.ascontiguousarray(t[order]),
            length_m=np.ascontiguousarray(length[order]),
            geom_ptr=geom_ptr,
            geom_lonlat=geom_lonlat,
            shore_m=None if shore_m is None else np.asarray(shore_m, dtype=np.float32).copy(),
            component=None if component is None else np.asarray(component, dtype=np.int32).copy(),
            area=area,
            source=source,
            meta=dict(meta or {}),
        )

    # -- facts ------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    def nbytes(self) -> int:
        """Approximate memory held by the graph's arrays (incl. derived ones), in bytes."""
        total = 0
        for value in (self.lon, self.lat, self.x_m, self.y_m, self.indptr, self.indices, self.time_s,
                      self.length_m, self.geom_ptr, self.geom_lonlat, self.shore_m, self.component,
                      self.edge_src, self.edge_keys, self.rev_edge):
            if value is not None:
                total += value.nbytes
        for mat in (self.times_rev, self.lexi, self.lexi_rev):
            total += mat.data.nbytes + mat.indices.nbytes + mat.indptr.nbytes
        total += self.n_nodes * 2 * 8 * 2  # the KD-tree's copy of the points and its index
        return total

    def lexi_limit_s(self, limit_s: float | None) -> float:
        """Largest search limit for which lexicographic weights decode exactly."""
        exact = (LEXI_SCALE / _DM_PER_M) / self.max_speed_ms * 0.99
        return exact if limit_s is None else min(float(limit_s), exact)

    # -- edges and paths --------------------------------------------------------------------
    def edge_ids(self, tails: ArrayLike, heads: ArrayLike) -> NDArray[np.int64]:
        """Edge ids of ``tail -> head`` pairs (vectorised); raises KeyError when one is missing."""
        t = np.asarray(tails, dtype=np.int64)
        h = np.asarray(heads, dtype=np.int64)
        keys = t * self.n_nodes + h
        pos = np.searchsorted(self.edge_keys, keys)
        pos = np.minimum(pos, max(self.n_edges - 1, 0))
        if self.n_edges == 0 or not np.array_equal(self.edge_keys[pos], keys):
            raise KeyError("no edge between some of the given node pairs")
        return pos.astype(np.int64)

    def path_lonlat(self, nodes: Sequence[int] | NDArray[np.int64]) -> NDArray[np.float64]:
        """Coordinates (EPSG:4326, ``(k, 2)``) of a node path, with the edges' shapes."""
        path = np.asarray(nodes, dtype=np.int64)
        if path.size == 0:
            return np.zeros((0, 2), dtype=np.float64)
        node_xy = np.column_stack([self.lon[path], self.lat[path]])
        if self.geom_ptr is None or self.geom_lonlat is None or path.size < 2:
            return node_xy
        eids = self.edge_ids(path[:-1], path[1:])
        parts: list[NDArray[np.float64]] = [node_xy[:1]]
        ptr, pts = self.geom_ptr, self.geom_lonlat
        for i, e in enumerate(eids.tolist()):
            a, b = int(ptr[e]), int(ptr[e + 1])
            if b > a:
                parts.append(pts[a:b])
            parts.append(node_xy[i + 1 : i + 2])
        return np.concatenate(parts)

    def path_length_m(self, nodes: Sequence[int] | NDArray[np.int64]) -> float:
        """Length of a node path in metres."""
        path = np.asarray(nodes, dtype=np.int64)
        if path.size < 2:
            return 0.0
        return float(self.length_m[self.edge_ids(path[:-1], path[1:])].sum())

    def path_time_s(self, nodes: Sequence[int] | NDArray[np.int64]) -> float:
        """Travel time of a node path in seconds."""
        path = np.asarray(nodes, dtype=np.int64)
        if path.size < 2:
            return 0.0
        return float(self.time_s[self.edge_ids(path[:-1], path[1:])].sum())


# -- saving and loading ---------------------------------------------------------------------
def save_graph(graph: TravelGraph, path: Path | str) -> Path:
    """Write ``graph`` to a compressed ``.npz`` (atomically: a temp file, then a rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, NDArray[Any]] = {
        "format_version": np.array(FORMAT_VERSION),
        "model": np.array(graph.model),
        "area": np.array(graph.area),
        "source": np.array(graph.source),
        "meta_json": np.array(json.dumps(dict(graph.meta), sort_keys=True)),
        "lon": graph.lon,
        "lat": graph.lat,
        "indptr": graph.indptr,
        "indices": graph.indices,
        "time_s": graph.time_s,
        "length_m": graph.length_m.astype(np.float32),
    }
    for name in ("geom_ptr", "geom_lonlat", "shore_m", "component"):
        value = getattr(graph, name)
        if value is not None:
            arrays[name] = value
    fd, tmp = tempfile.mkstemp(prefix=target.stem + ".", suffix=".npz.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_graph(path: Path | str) -> TravelGraph:
    """Read a graph written by :func:`save_graph` (not cached; see :func:`load_graph`).

    Raises
    ------
    GraphFormatError
        The file is missing, unreadable, of another format version or inconsistent.
    """
    source = Path(path)
    try:
        with np.load(source, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version != FORMAT_VERSION:
                raise GraphFormatError(f"{source.name}: graph format {version}, expected {FORMAT_VERSION}")
            opt = {name: data[name] for name in ("geom_ptr", "geom_lonlat", "shore_m", "component") if name in data}
            return TravelGraph(
                model=str(data["model"]),  # type: ignore[arg-type]
                lon=data["lon"],
                lat=data["lat"],
                indptr=data["indptr"],
                indices=data["indices"],
                time_s=data["time_s"],
                length_m=data["length_m"].astype(np.float64),
                area=str(data["area"]),
                source=str(data["source"]),
                meta=json.loads(str(data["meta_json"])),
                **opt,
            )
    except FileNotFoundError as exc:
        raise GraphFormatError(f"travel graph missing: {source}") from exc
    except (OSError, ValueError, KeyError) as exc:
        raise GraphFormatError(f"cannot read travel graph {source.name}: {exc}") from exc


def approximate_cache_key(directory: Path = GEO_DATA_DIR) -> str:
    """Hash of everything the approximate network is built from (config, polygons, code version)."""
    from routing import approximate

    h = hashlib.sha256(f"v{FORMAT_VERSION}.{approximate.BUILD_VERSION}".encode())
    for name in ("routing.json", "kendari_kelurahan.geojson", "kendari_kota.geojson"):
        h.update((Path(directory) / name).read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=2)
def load_graph(directory: Path = GEO_DATA_DIR, *, cache_dir: Path | None = CACHE_DIR) -> TravelGraph:
    """The city's travel graph, loaded once per process and shared read-only.

    Returns the OpenStreetMap road graph when ``directory/kendari_roads.npz`` exists; otherwise
    the approximate land-lattice network, built from the polygons and ``routing.json`` and
    cached in ``cache_dir`` (``var/routing/``; ``None`` keeps it in memory only).

    Raises
    ------
    GraphFormatError
        The road graph file exists but cannot be read.
    RoutingConfigError
        ``routing.json`` is invalid.
    """
    road = Path(directory) / ROAD_GRAPH_FILE
    if road.exists():
        return read_graph(road)
    from routing.approximate import build_approximate_graph
    from routing.config import load_config

    cached: Path | None = None
    if cache_dir is not None:
        cached = Path(cache_dir) / f"approximate-{approximate_cache_key(directory)}.npz"
        if cached.exists():
            try:
                return read_graph(cached)
            except GraphFormatError:
                pass  # rebuilt below
    graph = build_approximate_graph(load_config(directory), directory=directory)
    if cached is not None:
        try:
            save_graph(graph, cached)
            for stale in cached.parent.glob("approximate-*.npz"):
                if stale != cached:
                    stale.unlink(missing_ok=True)  # built from an older config or polygons
        except OSError:
            pass  # a read-only checkout still works, from memory
    return graph
