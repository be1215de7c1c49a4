"""Uncovered time: per kecamatan and day, the share of time its demand was beyond the target.

From the event history of one unit type — each unit's changes of availability with the post it
is at (home station or standby post) — the city's coverage is a sequence of states: the set of
posts with at least one available unit. The cells each post covers within the target are
computed once (:class:`planning.posts.PostSet`); a state's coverage is the union of its posts'
cells, computed once per distinct state (a year of history has a few hundred to a few thousand),
so a state change costs a set-membership look-up. The time spent in each state is split at
local midnight (WITA by default) and summed per day.

The figure per kecamatan and day is the time average of the share of the kecamatan's demand
(its land cells by default, or the weights given) beyond the target of every available unit.
With one representative point per kecamatan as demand it is exactly the share of time the
kecamatan was uncovered.

Model limits: an available unit is assumed to be **at its post** (home station or standby
point) — the time it spends returning from a call, and its position on the road, are not
known from availability changes alone; posts known only by kecamatan are approximate; on the
approximate network (land lattice + bridges) all drive times are estimates; closures that were
in force in the past are not replayed (the graph given is used for the whole period).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planning._errors import InvalidParameterError
from planning.live_coverage import DemandCells
from planning.posts import PostSet

DEFAULT_TZ: Final = "Asia/Makassar"
MAX_DAYS: Final = 800
#: States whose coverage is evaluated at once (bounds the memory to ~chunk x cells bytes).
_STATE_CHUNK: Final = 256


@dataclass(frozen=True)
class AvailabilityChange:
    """A unit becomes available at a post, or unavailable.

    ``post_id`` is where the unit is while available (its home station or a standby post); on an
    unavailable change it is the post the unit belongs to (used only to infer the state before
    the unit's first change) and may be ``None``.
    """

    unit_id: int | str
    at: datetime
    available: bool
    post_id: int | str | None = None


@dataclass(frozen=True, eq=False)
class UncoveredTimeKpi:
    """Daily uncovered-time shares per kecamatan for one unit type.

    Attributes
    ----------
    days
        Local dates (``tz``) from the start to the end of the period.
    areas
        Kecamatan names (columns of ``uncovered_share``).
    uncovered_share
        ``(n_days, n_areas)``: time-average share of the kecamatan's demand beyond the target.
    city_uncovered_share
        ``(n_days,)``: the same for the whole city.
    observed_s
        ``(n_days,)``: seconds of each day inside the period (less than 86,400 on the first and
        last day when the period does not start or end at midnight).
    unknown_posts
        Post ids in the history that are not in the post set (units there count as covering
        nothing).
    n_states
        Distinct sets of occupied posts met in the period.
    """

    unit_type: str
    threshold_min: float
    tz: str
    days: tuple[date, ...]
    areas: tuple[str, ...]
    uncovered_share: NDArray[np.float64] = field(repr=False)
    city_uncovered_share: NDArray[np.float64] = field(repr=False)
    observed_s: NDArray[np.float64] = field(repr=False)
    n_changes: int = 0
    n_states: int = 0
    unknown_posts: tuple[int | str, ...] = ()
    compute_s: float = 0.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per day and kecamatan: ``day, kecamatan, unit_type, uncovered_share, observed_s``."""
        out = []
        for d, day in enumerate(self.days):
            for a, area in enumerate(self.areas):
                out.append({"day": day, "kecamatan": area, "unit_type": self.unit_type,
                            "uncovered_share": float(self.uncovered_share[d, a]),
                            "observed_s": float(self.observed_s[d])})
        return out

    def period_share(self) -> dict[str, float]:
        """Per kecamatan, the uncovered share over the whole period (days weighted by observed time)."""
        total = float(self.observed_s.sum())
        if total <= 0:
            return dict.fromkeys(self.areas, 0.0)
        mean = (self.uncovered_share * self.observed_s[:, None]).sum(axis=0) / total
        return {a: float(v) for a, v in zip(self.areas, mean)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: days as ISO dates, shares rounded to 4 decimals."""
        return {
            "unit_type": self.unit_type, "threshold_min": self.threshold_min, "tz": self.tz,
            "days": [d.isoformat() for d in self.days], "kecamatan": list(self.areas),
            "uncovered_share": np.round(self.uncovered_share, 4).tolist(),
            "city_uncovered_share": np.round(self.city_uncovered_share, 4).tolist(),
            "period_share": {k: round(v, 4) for k, v in self.period_share().items()},
            "unknown_posts": list(self.unknown_posts), "n_changes": self.n_changes, "n_states": self.n_states,
        }


@dataclass(frozen=True, eq=False)
class _Timeline:
    """States over time: ``state[i]`` holds from ``at_s[i]`` (epoch seconds) to the next change."""

    at_s: NDArray[np.float64]
    state: NDArray[np.int64]
    occupied: tuple[tuple[int, ...], ...]
    n_changes: int
    unknown: tuple[int | str, ...]


def _epoch(value: datetime) -> float:
    if value.tzinfo is None:
        raise InvalidParameterError("times must carry a time zone")
    return value.timestamp()


def _timeline(posts: PostSet, changes: Iterable[AvailabilityChange], start: datetime,
              initial: Mapping[int | str, int | str] | None) -> _Timeline:
    """Replay the changes: the set of occupied posts after each one (and at ``start``)."""
    index_of = posts.index_of
    events = list(changes)
    if any(c.at.tzinfo is None for c in events):
        raise InvalidParameterError("times must carry a time zone")
    events.sort(key=lambda c: c.at)
    t_start = _epoch(start)
    unknown: set[int | str] = set()

    def post_index(post_id: int | str | None) -> int:
        if post_id is None:
            return -1
        idx = index_of.get(post_id)
        if idx is None:
            unknown.add(post_id)
            return -1
        return idx

    where: dict[int | str, int] = {}  # available unit -> post index (-1: at an unknown post)
    if initial is not None:
        for unit, post in initial.items():
            where[unit] = post_index(post)
    else:  # a unit whose first change is a commitment was available at its post before
        seen: set[int | str] = set()
        for c in events:
            if c.unit_id in seen:
                continue
            seen.add(c.unit_id)
            if not c.available and c.post_id is not None:
                where[c.unit_id] = post_index(c.post_id)
    counts = [0] * len(posts)
    mask = 0  # bit p set: post p has an available unit
    for p in where.values():
        if p >= 0:
            counts[p] += 1
            mask |= 1 << p
    states: dict[int, int] = {}
    occupied: list[tuple[int, ...]] = []

    def state_id(key: int) -> int:
        sid = states.get(key)
        if sid is None:
            sid = states[key] = len(occupied)
            occupied.append(tuple(p for p in range(len(posts)) if key >> p & 1))
        return sid

    at: list[float] = [t_start]
    ids: list[int] = []
    i = 0
    # changes up to the start set the initial state
    while i < len(events) and _epoch(events[i].at) <= t_start:
        mask = _apply(events[i], where, counts, mask, post_index)
        i += 1
    ids.append(state_id(mask))
    for c in events[i:]:
        mask = _apply(c, where, counts, mask, post_index)
        sid = state_id(mask)
        if sid != ids[-1]:
            at.append(_epoch(c.at))
            ids.append(sid)
    return _Timeline(np.asarray(at, dtype=np.float64), np.asarray(ids, dtype=np.int64), tuple(occupied),
                     len(events), tuple(sorted(unknown, key=str)))


def _apply(c: AvailabilityChange, where: dict[int | str, int], counts: list[int], mask: int, post_index: Any) -> int:
    """Apply one change to the unit positions and post counts; return the new occupied-post mask."""
    old = where.pop(c.unit_id, None)
    if old is not None and old >= 0:
        counts[old] -= 1
        if counts[old] == 0:
            mask &= ~(1 << old)
    if c.available:
        new = int(post_index(c.post_id))
        where[c.unit_id] = new
        if new >= 0:
            counts[new] += 1
            mask |= 1 << new
    return mask


def _state_shares(posts: PostSet, cells: DemandCells, occupied: tuple[tuple[int, ...], ...],
                  w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per state, the uncovered share of each area's demand and of the city's (states in chunks)."""
    n_states, n_areas = len(occupied), len(cells.area_names)
    by_area = np.zeros((len(cells), n_areas))
    by_area[np.arange(len(cells)), cells.area_idx] = w
    area_total = by_area.sum(axis=0)
    cover = posts.cover.astype(np.float32)
    unc_area = np.zeros((n_states, n_areas))
    for start in range(0, n_states, _STATE_CHUNK):
        chunk = occupied[start:start + _STATE_CHUNK]
        occ = np.zeros((len(chunk), len(posts)), dtype=np.float32)
        for s, members in enumerate(chunk):
            occ[s, list(members)] = 1.0
        covered = (occ @ cover) > 0 if len(posts) else np.zeros((len(chunk), len(cells)), dtype=bool)
        unc_area[start:start + len(chunk)] = (~covered).astype(np.float64) @ by_area
    shares = np.divide(unc_area, area_total[None, :], out=np.zeros_like(unc_area), where=area_total[None, :] > 0)
    total = float(w.sum())
    city = unc_area.sum(axis=1) / total if total > 0 else np.zeros(n_states)
    return shares, city


def uncovered_time_kpi(
    posts: PostSet,
    cells: DemandCells,
    changes: Iterable[AvailabilityChange],
    *,
    start: datetime,
    end: datetime,
    initial: Mapping[int | str, int | str] | None = None,
    weights: ArrayLike | None = None,
    tz: str = DEFAULT_TZ,
) -> UncoveredTimeKpi:
    """Per local day and kecamatan, the share of time its demand was beyond the target.

    Parameters
    ----------
    posts
        The unit type's posts (stations and standby points) prepared for the target
        (:func:`planning.posts.prepare_posts`); their cover is used, no routing is run here.
    cells
        The demand cells the posts were prepared with.
    changes
        Availability changes of the type's units, in any order; changes before ``start`` set the
        state at ``start``.
    start, end
        The period (time-zone aware).
    initial
        Units available at ``start`` and their post. When omitted: no unit is available at the
        start except those whose first change is a commitment (they were available at that
        change's post before it), which suits a history that starts with the first calls.
    weights
        Demand per cell (default: land area; for point demand: 1 per point).
    tz
        Time zone of the days (default WITA).

    Returns
    -------
    UncoveredTimeKpi

    Raises
    ------
    InvalidParameterError
        Naive times, an empty or too long period, or weights of the wrong length.
    """
    t0 = time.perf_counter()
    if len(cells) != posts.n_cells:
        raise InvalidParameterError("the posts were prepared with other demand cells")
    t_start, t_end = _epoch(start), _epoch(end)
    if t_end <= t_start:
        raise InvalidParameterError("the period must end after it starts")
    zone = ZoneInfo(tz)
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    n_days = (last_day - first_day).days + 1
    if n_days > MAX_DAYS:
        raise InvalidParameterError(f"at most {MAX_DAYS} days")
    days = tuple(first_day + timedelta(days=d) for d in range(n_days))
    midnights = np.array([datetime(d.year, d.month, d.day, tzinfo=zone).timestamp() for d in days[1:]])
    if weights is None:
        w = np.asarray(cells.land_km2 if cells.cell_m > 0 else np.ones(len(cells)), dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != (len(cells),) or not np.all(np.isfinite(w)) or (w < 0).any():
            raise InvalidParameterError("weights must give one finite, non-negative value per demand cell")

    line = _timeline(posts, changes, start, initial)
    inside = (line.at_s > t_start) & (line.at_s < t_end)
    cuts = np.unique(np.concatenate([[t_start, t_end], line.at_s[inside], midnights]))
    seg_start, seg_len = cuts[:-1], np.diff(cuts)
    state = line.state[np.searchsorted(line.at_s, seg_start, side="right") - 1]
    day = np.searchsorted(midnights, seg_start, side="right")
    n_states = len(line.occupied)
    time_in = np.bincount(day * n_states + state, weights=seg_len, minlength=n_days * n_states)
    time_in = time_in.reshape(n_days, n_states)
    shares, city = _state_shares(posts, cells, line.occupied, w)
    observed = time_in.sum(axis=1)
    safe = np.maximum(observed, 1e-9)
    per_area = (time_in @ shares) / safe[:, None]
    per_city = (time_in @ city) / safe
    for arr in (per_area, per_city, observed):
        arr.flags.writeable = False
    return UncoveredTimeKpi(unit_type=posts.unit_type, threshold_min=posts.threshold_min, tz=tz, days=days,
                            areas=cells.area_names, uncovered_share=per_area, city_uncovered_share=per_city,
                            observed_s=observed, n_changes=line.n_changes, n_states=n_states,
                            unknown_posts=line.unknown, compute_s=time.perf_counter() - t0)


def uncovered_since(
    posts: PostSet,
    cells: DemandCells,
    changes: Iterable[AvailabilityChange],
    *,
    at: datetime,
    start: datetime,
    min_share: float = 0.5,
    initial: Mapping[int | str, int | str] | None = None,
    weights: ArrayLike | None = None,
) -> dict[str, datetime | None]:
    """Per kecamatan, since when more than ``min_share`` of its demand has been uncovered (at ``at``).

    ``None`` for a kecamatan that is not uncovered at ``at``; ``start`` when it has been since
    the beginning of the history replayed. Same model and limits as :func:`uncovered_time_kpi`.
    """
    if not 0.0 <= float(min_share) < 1.0:
        raise InvalidParameterError("min_share must be a share between 0 and 1")
    if len(cells) != posts.n_cells:
        raise InvalidParameterError("the posts were prepared with other demand cells")
    t_at = _epoch(at)
    line = _timeline(posts, [c for c in changes if _epoch(c.at) <= t_at], start, initial)
    w = (np.asarray(cells.land_km2 if cells.cell_m > 0 else np.ones(len(cells)), dtype=np.float64)
         if weights is None else np.asarray(weights, dtype=np.float64).ravel())
    shares, _ = _state_shares(posts, cells, line.occupied, w)
    hole = shares[line.state] > float(min_share)  # (n_steps, n_areas)
    tz = at.tzinfo
    out: dict[str, datetime | None] = {}
    for a, area in enumerate(cells.area_names):
        if not hole[-1, a]:
            out[area] = None
            continue
        closed = np.flatnonzero(~hole[:, a])
        first = int(closed[-1]) + 1 if closed.size else 0
        out[area] = datetime.fromtimestamp(float(line.at_s[first]), tz=tz)
    return out
