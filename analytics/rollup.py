"""Exact grouped figures from per-day column blocks of the incident facts (pure, numpy).

The store keeps each WITA day's incident facts as fixed-width columns, one value per incident
(codes, units dispatched, the intervals in whole seconds with -1 for "not measured"; see
``store.analytics.DayBlock``). A recompute reads the days of its period, decodes them into
arrays (:func:`decode`), keeps the incidents of its filters (:func:`select`) and reads every
figure from exact one-second histograms: per interval the measured values are sorted once, each
grouping (type, agency, kecamatan, day, …) counts them per group in that order, and the
p-fractile of a group is its ⌈p·n⌉-th smallest value — nearest rank, exactly PostgreSQL's
``percentile_disc`` (:func:`analytics.fractiles.rank`, ``⌈p·n⌉`` in IEEE double).

The results are :data:`analytics.groups.Stats`, the same shape the SQL aggregates give, so the
group rows, the league table and the summaries are built by :mod:`analytics.groups` either way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from analytics.fractiles import FRACTILES
from analytics.groups import Stat, Stats
from analytics.period import day_start

#: Integer arrays: 32-bit for codes and seconds (half the memory of a recompute), 64-bit for counts.
IntArray = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]

#: Interval columns of a block, in storage order (``close`` is time to close in seconds).
VALUES = ("answer", "processing", "turnout", "travel", "total", "close")
UNIT_INTERVALS = ("processing", "turnout", "travel", "total")
#: Flag bits of the int8 ``codes`` column (type, kecamatan, kelurahan and hour below them).
FLAG_BITS = {"no_unit": 56, "closed": 57, "has_call": 58, "answered": 59}
#: Fine groupings and what their keys are.
FINE_GROUPS = ("kecamatan", "kelurahan", "day", "week", "heat")


class Block(Protocol):
    """What :func:`decode` reads from one WITA day (``store.analytics.DayBlock``)."""

    @property
    def day(self) -> date: ...
    @property
    def n(self) -> int: ...
    @property
    def codes(self) -> bytes: ...
    @property
    def units(self) -> bytes: ...
    @property
    def values(self) -> dict[str, bytes]: ...
    @property
    def refs(self) -> bytes | None: ...


@dataclass(frozen=True)
class Facts:
    """Decoded facts, one array entry per incident. ``day`` indexes :attr:`days`; intervals in
    :attr:`values` are whole seconds, -1 where not measured (``close``: time to close)."""

    days: tuple[date, ...]
    day: IntArray
    type_id: IntArray
    kec_id: IntArray
    kel_id: IntArray
    hour: IntArray
    no_unit: BoolArray
    closed: BoolArray
    has_call: BoolArray
    answered: BoolArray
    units: IntArray
    values: Mapping[str, IntArray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.day.shape[0])

    def take(self, mask: BoolArray) -> Facts:
        """The incidents where ``mask`` is true."""
        return Facts(days=self.days, day=self.day[mask], type_id=self.type_id[mask], kec_id=self.kec_id[mask],
                     kel_id=self.kel_id[mask], hour=self.hour[mask], no_unit=self.no_unit[mask],
                     closed=self.closed[mask], has_call=self.has_call[mask], answered=self.answered[mask],
                     units=self.units[mask], values={k: v[mask] for k, v in self.values.items()})


def _from_be(parts: Sequence[bytes], dtype: str, to: Any = np.int32) -> IntArray:
    """The big-endian values of ``parts`` one after the other, as native ``to`` (no joined copy)."""
    width = np.dtype(dtype).itemsize
    out = np.empty(sum(len(b) for b in parts) // width, dtype=to)
    at = 0
    for b in parts:
        n = len(b) // width
        out[at:at + n] = np.frombuffer(b, dtype=dtype)
        at += n
    return out


def decode(blocks: Sequence[Block], *, start: datetime | None = None, end: datetime | None = None) -> Facts:
    """The facts of ``blocks`` (ordered by day); with ``start``/``end``, only incidents whose
    reference time is in ``[start, end)`` — blocks that carry ``refs`` (the period's edge days)
    are cut to the microsecond, the others are taken whole."""
    days = tuple(b.day for b in blocks)
    counts = np.array([b.n for b in blocks], dtype=np.int64)
    day = np.repeat(np.arange(len(blocks), dtype=np.int32), counts)
    codes = _from_be([b.codes for b in blocks], ">i8", np.int64)
    keep: BoolArray | None = None
    if start is not None or end is not None:
        offset = 0
        for b in blocks:
            if b.refs is not None and b.n:
                refs = np.frombuffer(b.refs, dtype=">i8").astype(np.int64)
                base = day_start(b.day)
                inside = np.ones(b.n, dtype=np.bool_)
                if start is not None:
                    inside &= refs >= _micros(start - base)
                if end is not None:
                    inside &= refs < _micros(end - base)
                if not inside.all():
                    if keep is None:
                        keep = np.ones(codes.shape[0], dtype=np.bool_)
                    keep[offset:offset + b.n] = inside
            offset += b.n
    values = {k: _from_be([b.values[k] for b in blocks if k in b.values], ">i4")
              for k in VALUES if all(k in b.values for b in blocks)}
    facts = Facts(days=days, day=day, type_id=(codes & 0xFFFF).astype(np.int32),
                  kec_id=((codes >> 16) & 0xFFFF).astype(np.int32), kel_id=((codes >> 32) & 0xFFFF).astype(np.int32),
                  hour=((codes >> 48) & 0xFF).astype(np.int32),
                  no_unit=((codes >> FLAG_BITS["no_unit"]) & 1).astype(np.bool_),
                  closed=((codes >> FLAG_BITS["closed"]) & 1).astype(np.bool_),
                  has_call=((codes >> FLAG_BITS["has_call"]) & 1).astype(np.bool_),
                  answered=((codes >> FLAG_BITS["answered"]) & 1).astype(np.bool_),
                  units=_from_be([b.units for b in blocks], ">i2"), values=values)
    return facts if keep is None else facts.take(keep)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def select(facts: Facts, *, type_ids: Collection[int] | None, kec_id: int | None) -> Facts:
    """The incidents of the given types (None: all) in the given kecamatan (None: all)."""
    mask: BoolArray | None = None
    if type_ids is not None:
        allowed = np.zeros(int(max([0, *type_ids, int(facts.type_id.max(initial=0))])) + 1, dtype=np.bool_)
        allowed[list(type_ids)] = True
        mask = allowed[facts.type_id]
    if kec_id is not None:
        in_kec = facts.kec_id == kec_id
        mask = in_kec if mask is None else mask & in_kec
    return facts if mask is None else facts.take(mask)


# --- lookups ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Catalog:
    """What the figures need to know about the codes of the blocks.

    ``type_codes``, ``kecamatan``, ``kelurahan``: small id → code. ``targets``: type code →
    interval → target seconds (None: no target). ``emergency``: types whose incidents, except
    those closed as prank, duplicate or cancelled, form the unit-interval population.
    """

    type_codes: Mapping[int, str]
    kecamatan: Mapping[int, str]
    kelurahan: Mapping[int, str]
    type_agency: Mapping[str, str]
    emergency: frozenset[str]
    targets: Mapping[str, Mapping[str, int | None]]

    def per_type(self, value: Callable[[str], Any], default: Any, dtype: Any) -> npt.NDArray[Any]:
        """An array indexed by type id: ``value(code)`` for catalogued types, else ``default``."""
        size = max(self.type_codes, default=0) + 1
        out = np.full(size, default, dtype=dtype)
        for tid, code in self.type_codes.items():
            if code in self.type_agency:
                out[tid] = value(code)
        return out


def _lookup(table: npt.NDArray[Any], ids: IntArray, default: Any) -> npt.NDArray[Any]:
    """``table[ids]`` with ``default`` for ids beyond the table."""
    if ids.size and int(ids.max()) >= table.shape[0]:
        table = np.concatenate([table, np.full(int(ids.max()) + 1 - table.shape[0], default, dtype=table.dtype)])
    return table[ids]


def population(facts: Facts, cat: Catalog) -> BoolArray:
    """Incidents in the unit-interval population."""
    emergency = cat.per_type(lambda c: c in cat.emergency, False, np.bool_)
    return _lookup(emergency, facts.type_id, False) & ~facts.no_unit


def interval_values(facts: Facts, name: str) -> IntArray:
    """Whole-second values of ``name`` (or whole minutes to close, ``close_min``, of closed
    incidents); -1 where not measured."""
    if name == "close_min":
        close = facts.values["close"]
        return np.where(facts.closed & (close >= 0), close // 60, -1)
    return facts.values[name]


def within_target(facts: Facts, cat: Catalog, name: str, values: IntArray) -> BoolArray:
    """Whether each value is within its incident type's target (False without a target)."""
    if name not in VALUES[:5]:
        return np.zeros(values.shape[0], dtype=np.bool_)
    targets = cat.per_type(lambda c: -1 if cat.targets.get(c, {}).get(name) is None else cat.targets[c][name],
                           -1, np.int64)
    return (values >= 0) & (values <= _lookup(targets, facts.type_id, -1))


# --- histograms read out by nearest rank ----------------------------------------------------------
#: Largest groups × distinct values held as one dense 2-D histogram; beyond, groups are sorted.
DENSE_LIMIT = 8_000_000
#: Largest value for which distinct values are found by counting instead of sorting.
_COUNTING_MAX = 2_000_000


@dataclass(frozen=True)
class Grouping:
    """A grouping of the incidents: ``keys`` (one per incident, -1 = in no group) and the label of
    each group index (None: the group of incidents without a place). A grouping made of the
    groups of another one (agency of type, week of day) has ``base`` (that grouping's name) and
    ``member_of`` (per base group, its group here or -1) instead of ``keys``."""

    name: str
    labels: tuple[str | None, ...]
    keys: IntArray | None = None
    base: str | None = None
    member_of: IntArray | None = None


def _grouping(name: str, ids: IntArray, names: Mapping[int, str]) -> Grouping:
    """Groups by small ids (0 = none: the group labelled None)."""
    size = max([0, *names, int(ids.max(initial=0))]) + 1
    return Grouping(name, tuple(names.get(i) for i in range(size)), keys=ids)


def fine_groupings(facts: Facts, cat: Catalog, wanted: Iterable[str]) -> list[Grouping]:
    """Groupings by kecamatan, kelurahan (codes), WITA day, ISO week (its Monday) and
    weekday × hour (``"isodow-hour"``); the week is made of the days."""
    wanted = list(wanted)
    out = []
    days_label = tuple(d.isoformat() for d in facts.days)
    if "week" in wanted and "day" not in wanted:
        out.append(Grouping("day", days_label, keys=facts.day))
    for name in wanted:
        if name == "kecamatan":
            out.append(_grouping(name, facts.kec_id, cat.kecamatan))
        elif name == "kelurahan":
            out.append(_grouping(name, facts.kel_id, cat.kelurahan))
        elif name == "day":
            out.append(Grouping(name, days_label, keys=facts.day))
        elif name == "week":
            mondays = sorted({d - timedelta(days=d.weekday()) for d in facts.days})
            index = {m: i for i, m in enumerate(mondays)}
            of_day = np.array([index[d - timedelta(days=d.weekday())] for d in facts.days], dtype=np.int64)
            out.append(Grouping(name, tuple(m.isoformat() for m in mondays), base="day", member_of=of_day))
        elif name == "heat":
            dow = np.array([d.isoweekday() for d in facts.days], dtype=np.int64)
            keys = ((dow[facts.day] - 1) * 24 + facts.hour) if facts.days else facts.day
            out.append(Grouping(name, tuple(f"{d + 1}-{h}" for d in range(7) for h in range(24)), keys=keys))
        else:
            raise ValueError(f"unknown grouping {name!r}")
    return out


def type_groupings(facts: Facts, cat: Catalog) -> list[Grouping]:
    """Groupings by incident type, by lead agency and everything (catalogued types only); the
    agencies and everything are made of the types."""
    catalogued = _lookup(cat.per_type(lambda c: 1, 0, np.int64), facts.type_id, 0) == 1
    size = max([0, *cat.type_codes, int(facts.type_id.max(initial=0))]) + 1
    agencies = sorted(set(cat.type_agency.values()))
    agency_of = cat.per_type(lambda c: agencies.index(cat.type_agency[c]), -1, np.int64)
    agency_of = np.concatenate([agency_of, np.full(max(0, size - agency_of.shape[0]), -1, dtype=np.int64)])[:size]
    return [Grouping("type", tuple(cat.type_codes.get(i) for i in range(size)),
                     keys=np.where(catalogued, facts.type_id, -1)),
            Grouping("agency", tuple(agencies), base="type", member_of=agency_of),
            Grouping("none", (None,), base="type", member_of=np.where(agency_of >= 0, 0, -1))]


def _ranks(values: IntArray) -> tuple[IntArray, IntArray]:
    """``(distinct, rank)``: the distinct values ascending and each value's index among them
    (values >= 0)."""
    top = int(values.max(initial=-1))
    if top < 0:
        return np.zeros(0, dtype=np.int64), np.zeros(values.shape[0], dtype=np.int64)
    if top < _COUNTING_MAX:
        present = np.bincount(values, minlength=top + 1) > 0
        rank_of = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(np.int64), rank_of[values].astype(np.int64)
    distinct, rank = np.unique(values, return_inverse=True)
    return distinct.astype(np.int64), rank.astype(np.int64)


def _combine(base: npt.NDArray[Any], member_of: IntArray, size: int) -> npt.NDArray[Any]:
    """Rows of ``base`` added up into ``size`` groups (``member_of[i]``: the group of row i)."""
    out = np.zeros((size, *base.shape[1:]), dtype=base.dtype)
    for g in range(size):
        rows = np.flatnonzero(member_of == g)
        if rows.size:
            out[g] = base[rows].sum(axis=0)
    return out


def _readout(hist: npt.NDArray[np.int64], distinct: IntArray, fractions: Sequence[float] = FRACTILES
             ) -> tuple[IntArray, list[IntArray]]:
    """Per row of a (groups × distinct values) histogram: ``n`` and each fractile (-1: empty)."""
    cum = np.cumsum(hist, axis=1)
    n = cum[:, -1] if cum.shape[1] else np.zeros(cum.shape[0], dtype=np.int64)
    found = []
    for p in fractions:
        # the ⌈p·n⌉-th value (at least the first), computed in double as PostgreSQL does
        rank = np.maximum(1, np.ceil(p * n.astype(np.float64))).astype(np.int64)
        idx = (cum < rank[:, None]).sum(axis=1)
        found.append(np.where(n > 0, distinct[np.minimum(idx, max(distinct.shape[0] - 1, 0))]
                              if distinct.size else -1, -1))
    return n, found


def _sorted_readout(keys: IntArray, values: IntArray, size: int, fractions: Sequence[float] = FRACTILES
                    ) -> tuple[IntArray, list[IntArray]]:
    """As :func:`_readout` for groups too many for a dense histogram: values sorted by group."""
    order = np.lexsort((values, keys))
    k, v = keys[order], values[order]
    n = np.bincount(k, minlength=size).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.int64)
    found = []
    for p in fractions:
        rank = np.maximum(1, np.ceil(p * n.astype(np.float64))).astype(np.int64)
        pos = np.minimum(starts + rank - 1, max(v.shape[0] - 1, 0))
        found.append(np.where(n > 0, v[pos] if v.size else -1, -1))
    return n, found


def _keys_of(g: Grouping, by_name: Mapping[str, Grouping]) -> IntArray:
    """Per incident, its group in ``g`` (-1: none), also for a grouping made of another one."""
    if g.keys is not None:
        return g.keys
    assert g.base is not None and g.member_of is not None
    base = _keys_of(by_name[g.base], by_name)
    return np.where(base >= 0, np.append(g.member_of, -1)[base], -1)


def _stat(n: int, ok: int, p50: int, p90: int) -> Stat:
    return Stat(int(n), int(ok), None if p50 < 0 else int(p50), None if p90 < 0 else int(p90))


def _group_counts(keys: IntArray, size: int, flags: IntArray, units: npt.NDArray[np.float64]
                  ) -> npt.NDArray[np.int64]:
    """(size × 4): incidents, unit population, closed, units dispatched per group; ``flags`` is
    1 for the unit population + 2 for closed."""
    shifted = keys + 1
    by_flag = np.bincount(shifted * 4 + flags, minlength=(size + 1) * 4).reshape(size + 1, 4)[1:]
    out = np.empty((size, 4), dtype=np.int64)
    out[:, 0] = by_flag.sum(axis=1)
    out[:, 1] = by_flag[:, 1] + by_flag[:, 3]
    out[:, 2] = by_flag[:, 2] + by_flag[:, 3]
    out[:, 3] = np.rint(np.bincount(shifted, weights=units, minlength=size + 1)[1:]).astype(np.int64)
    return out


def stats(facts: Facts, cat: Catalog, groupings: Sequence[Grouping], intervals: Sequence[str], *,
          skip_empty: bool = False) -> Stats:
    """Counts (incidents, unit population, closed, units dispatched) and each interval's ``n``,
    ``ok``, p50 and p90 for every group of every grouping.

    ``intervals``: names of :data:`VALUES` (``close`` excluded) or ``close_min``. The unit
    intervals count only the unit population; answer time and time to close every incident.
    ``skip_empty`` leaves out intervals a group has no value for (as the per-type histograms do).
    Groupings made of another one (``base``) must come after it.
    """
    pop = population(facts, cat)
    by_name = {g.name: g for g in groupings}
    counts: dict[str, npt.NDArray[np.int64]] = {}
    flags = pop.astype(np.int64) + 2 * facts.closed.astype(np.int64)
    units = facts.units.astype(np.float64)
    for g in groupings:
        if g.keys is not None:
            counts[g.name] = _group_counts(g.keys, len(g.labels), flags, units)
        else:
            assert g.base is not None and g.member_of is not None
            counts[g.name] = _combine(counts[g.base], g.member_of, len(g.labels))
    out: Stats = {}
    for g in groupings:
        c = counts[g.name]
        for j in np.flatnonzero(c[:, 0]).tolist():
            out[(g.name, g.labels[j])] = {"incidents": Stat(int(c[j, 0])), "population": Stat(int(c[j, 1])),
                                          "closed": Stat(int(c[j, 2])), "units": Stat(int(c[j, 3]))}
    for name in intervals:
        values = interval_values(facts, name)
        measured = values >= 0
        if name in UNIT_INTERVALS:
            measured &= pop
        rows = np.flatnonzero(measured)
        ok_rows = np.flatnonzero(measured & within_target(facts, cat, name, values))
        distinct, rank = _ranks(values[rows])
        width = max(1, distinct.shape[0])
        hists: dict[str, npt.NDArray[np.int64]] = {}
        oks: dict[str, IntArray] = {}
        for g in groupings:
            size = len(g.labels)
            if g.keys is None:
                assert g.base is not None and g.member_of is not None
                oks[g.name] = _combine(oks[g.base], g.member_of, size)
                if g.base in hists:
                    hists[g.name] = _combine(hists[g.base], g.member_of, size)
                    n, (p50, p90) = _readout(hists[g.name], distinct)
                else:   # the base was too wide for a dense histogram: sort this grouping's values
                    keys = _keys_of(g, by_name)[rows]
                    inside = keys >= 0
                    n, (p50, p90) = _sorted_readout(keys[inside], values[rows][inside], size)
            else:
                keys = g.keys[rows]
                ok_keys = g.keys[ok_rows]
                oks[g.name] = np.bincount(ok_keys[ok_keys >= 0], minlength=size).astype(np.int64)
                inside = keys >= 0
                if size * width <= DENSE_LIMIT:
                    flat = np.bincount(keys[inside] * width + rank[inside], minlength=size * width)
                    hists[g.name] = flat.astype(np.int64).reshape(size, width)
                    n, (p50, p90) = _readout(hists[g.name], distinct)
                else:
                    n, (p50, p90) = _sorted_readout(keys[inside], values[rows][inside], size)
            ok = oks[g.name]
            for i in range(size):
                key = (g.name, g.labels[i])
                if key not in out or (skip_empty and n[i] == 0):
                    continue
                out[key][name] = _stat(n[i], ok[i], p50[i], p90[i])
    return out


# --- calls of the incidents in scope -------------------------------------------------------------
@dataclass(frozen=True)
class LinkedCalls:
    """The calls that became the incidents in scope (one per incident): how many, answered,
    the answer-time fractiles of those with recorded stamps, how many of those were answered
    within each threshold, and per day ``(day, calls, answered)``."""

    calls: int
    answered: int
    measured: int
    p50_s: int | None
    p90_s: int | None
    within: dict[int, int]
    daily: list[tuple[date, int, int]]


def linked_calls(facts: Facts, thresholds: Sequence[int]) -> LinkedCalls:
    answer = facts.values["answer"]
    measured = answer[answer >= 0]
    n, (p50, p90) = _sorted_readout(np.zeros(measured.shape[0], dtype=np.int64), measured, 1)
    size = len(facts.days)
    calls = facts.has_call
    answered = facts.has_call & facts.answered
    per_day = np.bincount(facts.day[calls], minlength=size)
    answered_day = np.bincount(facts.day[answered], minlength=size)
    return LinkedCalls(
        calls=int(calls.sum()), answered=int(answered.sum()), measured=int(n[0]),
        p50_s=None if p50[0] < 0 else int(p50[0]), p90_s=None if p90[0] < 0 else int(p90[0]),
        within={t: int((measured <= t).sum()) for t in thresholds},
        daily=[(facts.days[i], int(per_day[i]), int(answered_day[i])) for i in range(size) if per_day[i]])


def histogram_fractiles(values: Sequence[int], counts: Sequence[int], fractions: Sequence[float] = FRACTILES
                        ) -> tuple[int, list[int | None]]:
    """``(n, fractiles)`` of a histogram given as parallel sequences (values need not be sorted
    or distinct): nearest rank, as :func:`analytics.fractiles.read_histogram`."""
    v = np.asarray(values, dtype=np.int64)
    c = np.asarray(counts, dtype=np.int64)
    if v.size == 0 or int(c.sum()) == 0:
        return 0, [None for _ in fractions]
    uniq, inv = np.unique(v, return_inverse=True)
    hist = np.bincount(inv, weights=c, minlength=uniq.shape[0])
    cum = np.cumsum(np.rint(hist).astype(np.int64))
    total = int(cum[-1])
    out: list[int | None] = []
    for p in fractions:
        rank = max(1, int(np.ceil(p * float(total))))
        out.append(int(uniq[int(np.searchsorted(cum, rank))]))
    return total, out
