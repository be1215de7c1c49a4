"""Candidate posts (stations and standby points) with their coverage and the drive time to them.

A post's coverage is the set of demand cells an available unit waiting there reaches within the
target: one limited forward Dijkstra per post (scipy on the graph's ``times`` matrix), the post
joined to the graph like a unit. The drive time *to* a post from every node comes from one
limited run per post on the reversed graph (``times_rev``), so the time of any unit's move to
any post is a look-up. Both depend only on the graph, the cells, the posts and the target:
compute them once per network version and reuse them (move-up advice, uncovered-time KPI).

Posts known only by kecamatan (Damkar, police, BPBD) are placed approximately; their coverage
is as approximate as their position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from planning._errors import InvalidParameterError
from planning.live_coverage import DemandCells, arrival_matrix_s, nearest_area, snap_ends, threshold_for

#: Longest move to a post that is proposed, minutes.
DEFAULT_MAX_MOVE_MIN: Final = 20.0
MAX_POSTS: Final = 500
_BATCH_SOURCES: Final = 32


@dataclass(frozen=True)
class Post:
    """A place where an available unit can wait: its home ``station`` or a ``standby`` point."""

    post_id: int | str
    name: str
    lon: float
    lat: float
    kind: str = "station"


@dataclass(frozen=True, eq=False)
class PostSet:
    """Posts with their coverage and the drive time to them, for one graph, cell set and target.

    Attributes
    ----------
    cover
        ``(n_posts, n_cells)``: cell reached from the post within the target.
    to_post_s
        ``(n_posts, n_nodes)``: drive time from every graph node to the post (including the
        post's own off-network leg), ``inf`` beyond ``max_move_s``.
    on_network, reason_code
        Whether each post is joined to the graph, and why not.
    area
        Kecamatan of each post (of its nearest cell).
    """

    posts: tuple[Post, ...]
    unit_type: str
    threshold_min: float
    max_move_s: float
    on_network: NDArray[np.bool_] = field(repr=False)
    reason_code: tuple[str | None, ...] = field(repr=False)
    area: tuple[str | None, ...] = field(repr=False)
    cover: NDArray[np.bool_] = field(repr=False)
    to_post_s: NDArray[np.float32] = field(repr=False)
    n_nodes: int = 0
    n_cells: int = 0

    def __len__(self) -> int:
        return len(self.posts)

    def index(self, post_id: int | str) -> int:
        """Position of the post with this id.

        Raises
        ------
        KeyError
            Unknown post id.
        """
        for i, p in enumerate(self.posts):
            if p.post_id == post_id:
                return i
        raise KeyError(post_id)

    @property
    def index_of(self) -> Mapping[int | str, int]:
        """Post id → position."""
        return {p.post_id: i for i, p in enumerate(self.posts)}

    def check(self, graph: Any, cells: DemandCells, unit_type: str | None = None) -> None:
        """Raise when the posts were prepared for another graph, cell set or unit type."""
        if int(graph.n_nodes) != self.n_nodes or len(cells) != self.n_cells:
            raise InvalidParameterError("the posts were prepared for another travel graph or demand cells: "
                                        "prepare them again")
        if unit_type is not None and unit_type != self.unit_type:
            raise InvalidParameterError(f"the posts were prepared for {self.unit_type}, not {unit_type}")


def _to_post_s(graph: Any, in_node: NDArray[np.int64], in_s: NDArray[np.float64],
               limit_s: float) -> NDArray[np.float32]:
    """Per post, the drive time from every node to it (reversed runs), ``inf`` beyond ``limit_s``."""
    n_posts = in_node.shape[0]
    out = np.full((n_posts, int(graph.n_nodes)), np.inf, dtype=np.float32)
    rows, slots = np.nonzero(np.isfinite(in_s) & (in_s <= limit_s))
    nodes = in_node[rows, slots]
    tails = in_s[rows, slots]
    for start in range(0, nodes.size, _BATCH_SOURCES):
        part = slice(start, start + _BATCH_SOURCES)
        dist = dijkstra(graph.times_rev, directed=True, indices=nodes[part], limit=float(limit_s)) + tails[part, None]
        for slot in (0, 1):  # a post's rows are unique within one slot
            mine = slots[part] == slot
            if mine.any():
                dest = rows[part][mine]
                out[dest] = np.minimum(out[dest], dist[mine])
    out[out > limit_s] = np.inf
    return out


def prepare_posts(
    graph: Any,
    cells: DemandCells,
    posts: Sequence[Post],
    *,
    unit_type: str,
    threshold_min: float | None = None,
    max_move_min: float = DEFAULT_MAX_MOVE_MIN,
    snap_kwargs: Mapping[str, Any] | None = None,
) -> PostSet:
    """Coverage of each post within the target, and the drive time to each post from every node.

    Parameters
    ----------
    graph
        The travel graph (corrections applied); the same one the cells were joined to.
    cells
        Demand cells (:func:`planning.live_coverage.build_demand_cells`).
    posts
        Candidate posts: the unit type's stations and standby points.
    unit_type, threshold_min
        The target (default per unit type, see ``DEFAULT_THRESHOLD_MIN``).
    max_move_min
        Moves longer than this are not considered (1–90 minutes).

    Raises
    ------
    InvalidParameterError
        Too many posts, duplicate ids, bad limits, or cells of another graph.
    """
    from routing.snap import snap_many

    cells.check_graph(graph)
    minutes = threshold_for(unit_type, threshold_min)
    if not 1.0 <= float(max_move_min) <= 90.0:
        raise InvalidParameterError("the longest move must be between 1 and 90 minutes")
    if len(posts) > MAX_POSTS:
        raise InvalidParameterError(f"at most {MAX_POSTS} posts")
    ids = [p.post_id for p in posts]
    if len(set(ids)) != len(ids):
        raise InvalidParameterError("post ids must be unique")
    n_posts = len(posts)
    max_move_s = float(max_move_min) * 60.0
    if n_posts == 0:
        empty_b = np.zeros((0, len(cells)), dtype=bool)
        empty_t = np.zeros((0, int(graph.n_nodes)), dtype=np.float32)
        return PostSet(posts=(), unit_type=unit_type, threshold_min=minutes, max_move_s=max_move_s,
                       on_network=np.zeros(0, dtype=bool),
                       reason_code=(), area=(), cover=empty_b, to_post_s=empty_t, n_nodes=int(graph.n_nodes),
                       n_cells=len(cells))
    lon = np.array([float(p.lon) for p in posts])
    lat = np.array([float(p.lat) for p in posts])
    snaps = snap_many(graph, lon, lat, **(snap_kwargs or {}))
    ok = np.asarray(snaps.ok, dtype=bool)
    codes = getattr(snaps, "reason_code", None)
    out_node, out_s = snap_ends(graph, snaps, inbound=False)
    in_node, in_s = snap_ends(graph, snaps, inbound=True)
    arrive = arrival_matrix_s(graph, cells, out_node, out_s, limit_s=minutes * 60.0)
    cover = np.asarray(arrive <= minutes * 60.0)
    to_post = _to_post_s(graph, in_node, in_s, max_move_s)
    for arr in (ok, cover, to_post):
        arr.flags.writeable = False
    return PostSet(
        posts=tuple(posts), unit_type=unit_type, threshold_min=minutes, max_move_s=max_move_s, on_network=ok,
        reason_code=tuple(None if ok[i] else str((codes[i] if codes else None) or "off_network")
                          for i in range(n_posts)),
        area=tuple(nearest_area(cells, lon, lat)), cover=cover, to_post_s=to_post, n_nodes=int(graph.n_nodes),
        n_cells=len(cells),
    )
