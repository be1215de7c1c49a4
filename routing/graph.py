"""The travel-time graph: a compact, read-only CSR graph saved as ``.npz``.

Nodes carry lon/lat (EPSG:4326) and x/y in UTM 51S metres (EPSG:32751); edges carry travel time
in seconds, length in metres and a road class. Two models share this one type: ``road``
(imported by :mod:`routing.import_roads`) and ``approximate`` (a land lattice,
:mod:`routing.approximate`). Which one is in use, with which corrections, is decided by
:mod:`routing.network`. Every ETA says which model produced it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from routing._errors import GraphFormatError
from routing._proj import to_utm

RoutingModel = Literal["road", "approximate"]

#: File name of an imported road network (``python -m routing.import_roads`` writes it to var/roads/).
ROAD_GRAPH_FILE = "network.npz"
FORMAT_VERSION = 2
#: Graph files of these format versions are read (version 1 had no edge classes).
READABLE_VERSIONS = (1, 2)
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
    edge_class
        Optional per edge: index into ``meta["road_classes"]`` (road class names such as
        ``"primary"``, ``"arterial"``, ``"lattice"``, ``"bridge"``); used by speed factors.
    area
        ``"kendari"`` when the graph covers Kendari (snapping then checks land and water), or
        ``""`` for a graph with no geography (generated test and benchmark graphs).
    source
        One line saying where the graph comes from.
    meta
        Free-form facts, JSON-serialisable: counts, ``road_classes``, ``network`` (source,
        licence, attribution of the road data), ``corrections`` (what was applied).
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
    edge_class: NDArray[np.int16] | None = None
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
        if self.edge_class is not None and self.edge_class.shape != (m,):
            raise GraphFormatError("edge class array disagrees in size")
        for name in ("lon", "lat", "indptr", "indices", "time_s", "length_m", "geom_ptr",
                     "geom_lonlat", "shore_m", "component", "edge_class"):
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
        edge_class: ArrayLike | None = None,
        area: str = "",
        source: str = "",
        meta: Mapping[str, Any] | None = None,
        geom_ptr: ArrayLike | None = None,
        geom_lonlat: ArrayLike | None = None,
    ) -> TravelGraph:
        """Build a graph from directed edge lists.

        Parallel edges keep the fastest one; self-loops are dropped; times are rounded to
        whole centiseconds (at least one).

        Parameters
        ----------
        geometries
            Optional per edge: an ``(k, 2)`` array of intermediate lon/lat points (or None).
        edge_class
            Optional per edge: index into ``meta["road_classes"]``.
        geom_ptr, geom_lonlat
            Edge shapes given as arrays instead of ``geometries`` (same layout as the graph's
            own: the points of input edge ``i`` are ``geom_lonlat[geom_ptr[i]:geom_ptr[i+1]]``).
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
        if geometries is not None:
            if len(geometries) != s.size:
                raise GraphFormatError("one geometry per edge expected")
            counts = np.fromiter((0 if g is None else len(g) for g in geometries), dtype=np.int64, count=s.size)
            geom_ptr = np.zeros(s.size + 1, dtype=np.int64)
            np.cumsum(counts, out=geom_ptr[1:])
            nonempty = [np.asarray(g, dtype=np.float64).reshape(-1, 2) for g in geometries if g is not None and len(g)]
            geom_lonlat = np.concatenate(nonempty) if nonempty else np.zeros((0, 2), dtype=np.float64)
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
        new_ptr = new_pts = None
        if geom_ptr is not None:
            new_ptr, new_pts = _gather_shapes(np.asarray(geom_ptr, dtype=np.int64),
                                              np.asarray(geom_lonlat, dtype=np.float64).reshape(-1, 2), order)
        classes = None
        if edge_class is not None:
            classes = np.ascontiguousarray(np.asarray(edge_class, dtype=np.int16)[order])
        return cls(
            model=model,
            lon=lon_a,
            lat=lat_a,
            indptr=indptr,
            indices=d[order].astype(np.int32),
            time_s=np.ascontiguousarray(t[order]),
            length_m=np.ascontiguousarray(length[order]),
            geom_ptr=new_ptr,
            geom_lonlat=new_pts,
            shore_m=None if shore_m is None else np.asarray(shore_m, dtype=np.float32).copy(),
            component=None if component is None else np.asarray(component, dtype=np.int32).copy(),
            edge_class=classes,
            area=area,
            source=source,
            meta=dict(meta or {}),
        )

    def with_edges(
        self,
        keep: NDArray[np.bool_] | None = None,
        *,
        time_s: NDArray[np.float64] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> TravelGraph:
        """A new graph with the same nodes, only the ``keep`` edges, and optionally new edge times.

        Parameters
        ----------
        keep
            Boolean mask over edges (all kept when omitted).
        time_s
            New time per edge of *this* graph (before ``keep`` is applied), seconds.
        meta
            Replaces the metadata (the current one when omitted).
        """
        mask = np.ones(self.n_edges, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
        times = self.time_s if time_s is None else np.asarray(time_s, dtype=np.float64)
        if times.shape != (self.n_edges,) or mask.shape != (self.n_edges,):
            raise GraphFormatError("edge mask or times disagree with the graph")
        ids = np.flatnonzero(mask)
        new_t = np.maximum(np.rint(times[ids] / TIME_RESOLUTION_S), 1) * TIME_RESOLUTION_S
        if not np.all(np.isfinite(new_t)):
            raise GraphFormatError("edge times must be finite")
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int32)
        np.cumsum(np.bincount(self.edge_src[ids], minlength=self.n_nodes), out=indptr[1:])
        ptr = pts = None
        if self.geom_ptr is not None and self.geom_lonlat is not None:
            ptr, pts = _gather_shapes(self.geom_ptr, self.geom_lonlat, ids)
        return TravelGraph(
            model=self.model,
            lon=self.lon.copy(),
            lat=self.lat.copy(),
            indptr=indptr,
            indices=self.indices[ids].copy(),
            time_s=np.ascontiguousarray(new_t),
            length_m=self.length_m[ids].copy(),
            geom_ptr=ptr,
            geom_lonlat=pts,
            shore_m=None if self.shore_m is None else self.shore_m.copy(),
            component=None if self.component is None else self.component.copy(),
            edge_class=None if self.edge_class is None else self.edge_class[ids].copy(),
            area=self.area,
            source=self.source,
            meta=dict(self.meta if meta is None else meta),
        )

    def edge_arrays(self) -> dict[str, Any]:
        """The graph as plain arrays (``src``, ``dst``, ``time_s``, ``length_m``, shapes, classes).

        The keyword arguments of :meth:`from_edges` (without ``model``, ``area``, ``source``,
        ``meta``), as copies; handy for building an extended graph.
        """
        return {
            "lon": self.lon.copy(), "lat": self.lat.copy(),
            "src": self.edge_src.astype(np.int64), "dst": self.indices.astype(np.int64),
            "time_s": self.time_s.copy(), "length_m": self.length_m.copy(),
            "geom_ptr": None if self.geom_ptr is None else self.geom_ptr.copy(),
            "geom_lonlat": None if self.geom_lonlat is None else self.geom_lonlat.copy(),
            "shore_m": None if self.shore_m is None else self.shore_m.copy(),
            "component": None if self.component is None else self.component.copy(),
            "edge_class": None if self.edge_class is None else self.edge_class.copy(),
        }

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

    @property
    def road_classes(self) -> tuple[str, ...]:
        """Road class names; ``edge_class`` values index into them."""
        return tuple(str(c) for c in self.meta.get("road_classes", ()))

    @property
    def network_info(self) -> Mapping[str, Any]:
        """Source, licence and attribution of the network's data (``meta["network"]``)."""
        info = self.meta.get("network")
        return info if isinstance(info, Mapping) else {"source": self.source}

    @cached_property
    def routable(self) -> NDArray[np.bool_]:
        """Nodes with at least one edge out and one edge in (others cannot serve as a snap)."""
        out_deg = np.diff(self.indptr) > 0
        in_deg = np.bincount(self.indices, minlength=self.n_nodes) > 0
        return _readonly(out_deg & in_deg)

    @cached_property
    def routable_tree(self) -> tuple[cKDTree, NDArray[np.int64]]:
        """KD-tree over the routable nodes and their node ids (UTM metres)."""
        ids = np.flatnonzero(self.routable).astype(np.int64)
        return cKDTree(np.column_stack([self.x_m[ids], self.y_m[ids]])), _readonly(ids)

    @cached_property
    def segments(self) -> SegmentIndex:
        """Spatial index of the undirected road segments (built on first use)."""
        return SegmentIndex.build(self)

    def edge_line_utm(self, edge: int) -> NDArray[np.float64]:
        """Points of one edge in UTM metres, tail node to head node, with its shape."""
        e = int(edge)
        a, b = int(self.edge_src[e]), int(self.indices[e])
        pts = [np.array([[self.x_m[a], self.y_m[a]]])]
        if self.geom_ptr is not None and self.geom_lonlat is not None:
            inner = self.geom_lonlat[int(self.geom_ptr[e]):int(self.geom_ptr[e + 1])]
            if inner.shape[0]:
                ix, iy = to_utm(inner[:, 0], inner[:, 1])
                pts.append(np.column_stack([ix, iy]))
        pts.append(np.array([[self.x_m[b], self.y_m[b]]]))
        return np.concatenate(pts)

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


# -- segment index ------------------------------------------------------------------------------
def _gather_shapes(ptr: NDArray[np.int64], pts: NDArray[np.float64],
                   ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Shape arrays of the edges ``ids`` (in that order), vectorised."""
    counts = ptr[ids + 1] - ptr[ids]
    new_ptr = np.zeros(ids.size + 1, dtype=np.int64)
    np.cumsum(counts, out=new_ptr[1:])
    total = int(new_ptr[-1])
    if total == 0:
        return new_ptr, np.zeros((0, 2), dtype=np.float64)
    starts = np.repeat(ptr[ids] - new_ptr[:-1], counts)
    return new_ptr, np.ascontiguousarray(pts[starts + np.arange(total)])


@dataclass(frozen=True, eq=False)
class SegmentIndex:
    """The undirected road segments of a graph, as UTM polylines in an STR-tree.

    One entry per connected node pair ``{a, b}`` (``a`` is the tail of the edge whose shape
    is used); ``e_ab`` / ``e_ba`` are the directed edge ids (-1 where that direction does not
    exist, e.g. a one-way street).
    """

    a: NDArray[np.int64]
    b: NDArray[np.int64]
    e_ab: NDArray[np.int64]
    e_ba: NDArray[np.int64]
    lines: NDArray[np.object_]
    length_m: NDArray[np.float64]
    tree: shapely.STRtree

    @classmethod
    def build(cls, graph: TravelGraph) -> SegmentIndex:
        """Index ``graph``'s segments (one representative edge per node pair)."""
        src = graph.edge_src.astype(np.int64)
        dst = graph.indices.astype(np.int64)
        lo, hi = np.minimum(src, dst), np.maximum(src, dst)
        key = lo * graph.n_nodes + hi
        order = np.lexsort((src > dst, key))  # per pair: the lo->hi edge first when it exists
        first = np.ones(order.size, dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        rep = order[first]
        a, b = src[rep], dst[rep]
        e_ab = rep.astype(np.int64)
        try:
            e_ba = graph.edge_ids(b, a)
        except KeyError:
            e_ba = np.full(rep.size, -1, dtype=np.int64)
            pair_key = b * graph.n_nodes + a
            pos = np.minimum(np.searchsorted(graph.edge_keys, pair_key), max(graph.n_edges - 1, 0))
            hit = graph.edge_keys[pos] == pair_key
            e_ba[hit] = pos[hit]
        # polylines: tail node, shape points, head node
        if graph.geom_ptr is not None and graph.geom_lonlat is not None:
            inner = graph.geom_ptr[rep + 1] - graph.geom_ptr[rep]
            ptr, pts = _gather_shapes(graph.geom_ptr, graph.geom_lonlat, rep)
        else:
            inner = np.zeros(rep.size, dtype=np.int64)
            ptr, pts = np.zeros(rep.size + 1, dtype=np.int64), np.zeros((0, 2))
        counts = inner + 2
        total = int(counts.sum())
        line_ptr = np.zeros(rep.size + 1, dtype=np.int64)
        np.cumsum(counts, out=line_ptr[1:])
        xy = np.empty((total, 2), dtype=np.float64)
        xy[line_ptr[:-1]] = np.column_stack([graph.x_m[a], graph.y_m[a]])
        xy[line_ptr[1:] - 1] = np.column_stack([graph.x_m[b], graph.y_m[b]])
        if pts.shape[0]:
            ix, iy = to_utm(pts[:, 0], pts[:, 1])
            slots = np.repeat(line_ptr[:-1] + 1 - ptr[:-1], inner) + np.arange(pts.shape[0])
            xy[slots] = np.column_stack([ix, iy])
        owner = np.repeat(np.arange(rep.size), counts)
        lines: NDArray[np.object_] = (np.asarray(shapely.linestrings(xy, indices=owner), dtype=object) if rep.size
                                      else np.array([], dtype=object))
        length = np.asarray(shapely.length(lines), dtype=np.float64)
        for arr in (a, b, e_ab, e_ba, length):
            _readonly(arr)
        return cls(a=a, b=b, e_ab=e_ab, e_ba=e_ba, lines=lines, length_m=length, tree=shapely.STRtree(lines))


# -- saving and loading ---------------------------------------------------------------------
def save_graph(graph: TravelGraph, path: Path | str) -> Path:
    """Write ``graph`` to a compressed ``.npz`` (atomically: a temp file, then a rename).

    The file is readable by everyone (mode 0644): the app may run as another user than the
    one who imported the network.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, NDArray[Any]] = {
        "format_version": np.array(FORMAT_VERSION),
        "model": np.array(graph.model),
        "area": np.array(graph.area),
        "source": np.array(graph.source),
        "meta_json": np.array(json.dumps(dict(graph.meta), sort_keys=True, default=_json_default)),
        "lon": graph.lon,
        "lat": graph.lat,
        "indptr": graph.indptr,
        "indices": graph.indices,
        "time_s": graph.time_s,
        "length_m": graph.length_m.astype(np.float32),
    }
    for name in ("geom_ptr", "geom_lonlat", "shore_m", "component", "edge_class"):
        value = getattr(graph, name)
        if value is not None:
            arrays[name] = value
    fd, tmp = tempfile.mkstemp(prefix=target.stem + ".", suffix=".npz.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def read_graph(path: Path | str) -> TravelGraph:
    """Read a graph written by :func:`save_graph` (not cached; see :mod:`routing.network`).

    Raises
    ------
    GraphFormatError
        The file is missing, unreadable, of another format version or inconsistent.
    """
    source = Path(path)
    try:
        with np.load(source, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version not in READABLE_VERSIONS:
                raise GraphFormatError(f"{source.name}: graph format {version}, expected {FORMAT_VERSION}")
            opt = {name: data[name] for name in ("geom_ptr", "geom_lonlat", "shore_m", "component", "edge_class")
                   if name in data}
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
