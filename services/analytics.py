"""Leadership analytics: the dashboard, response times per group, call handling, targets, and
the background refresher that keeps the fact tables up to date.

Reads never refresh the facts and never wait for a refresh: new and changed incidents reach the
fact tables through :func:`start_refresher` (one daemon thread per app process, a try-lock so
that only one process refreshes at a time) or inside the writing transaction (imports). A
dashboard's parts run as independent queries on pooled connections at once; leaders asking for
the same view at the same time share one computation (:func:`store.analytics.shared_result`).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from analytics import groups, rollup, targets as targets_mod
from analytics._errors import TargetsError
from analytics.fractiles import IntervalSummary, share
from analytics.intervals import INTERVAL_KEYS, NO_UNIT_OUTCOMES
from analytics.model import (
    CALL_CLASSES,
    CallHandling,
    Dashboard,
    Figures,
    GroupRow,
    Kpi,
    LiveStatus,
    Names,
    UnitsAvailable,
)
from analytics.period import GROUP_BYS, Filters, day_start, kpi_windows
from analytics.targets import CALL_ANSWER_STANDARDS, Targets
from store import analytics as store, reference
from store._errors import DatabaseUnavailableError
from store.db import Database, check_connection

__all__ = ["DASHBOARD_WORKERS", "GROUP_BYS", "call_handling", "dashboard", "data_range", "forget_shared_results",
           "live_status", "load_targets", "names", "rebuild_facts", "refresh_facts", "reset_targets",
           "response_times", "save_targets", "start_refresher"]

log = logging.getLogger(__name__)

#: Parallel connections used by one dashboard recompute (plus one that holds the view's lock):
#: on two cores three are as fast as four, and two leaders on different views then borrow eight
#: of the web pool's connections.
DASHBOARD_WORKERS = 3
#: Name (before ":" and the database's name) of the refresher threads.
REFRESHER_THREAD = "analytics-refresher"
#: The refresher waits at most this long between attempts after errors.
REFRESH_BACKOFF_MAX_S = 60.0
_NO_UNIT = tuple(sorted(NO_UNIT_OUTCOMES))
_UNIT_INTERVALS = ("processing", "turnout", "travel", "total")
#: Bumped when the stored form of :class:`~analytics.model.Figures` changes.
_FIGURES_FORMAT = 2


# --- facts ----------------------------------------------------------------------------------
def refresh_facts(db: Database) -> int:
    """Bring the fact tables up to date now (waiting for a running refresh); return facts written."""
    done = store.refresh(db, no_unit_outcomes=_NO_UNIT, wait=True)
    return done.facts if done else 0


def rebuild_facts(db: Database) -> int:
    """Recompute the fact tables from scratch (after catalog changes); return incident facts."""
    return store.rebuild(db, no_unit_outcomes=_NO_UNIT)


def start_refresher(db: Database, *, interval_s: float = 2.0) -> Callable[[], None]:
    """Refresh the facts of ``db``'s database every ``interval_s`` seconds in a daemon thread.

    The thread has its own one-connection pool and skips a round while another session holds
    the refresh lock (a refresher of another process, an import). Database errors are logged
    and retried with a growing pause; the thread ends when the database no longer exists, when
    ``db`` is garbage collected, at interpreter exit, or when the returned callable is called.
    """
    stop = threading.Event()
    url = db.url
    thread = threading.Thread(target=_refresh_loop, args=(url, stop, interval_s),
                              name=f"{REFRESHER_THREAD}:{store.database_name(url)}", daemon=True)

    def stop_refresher() -> None:
        stop.set()

    weakref.finalize(db, stop.set)
    atexit.register(stop_refresher)
    thread.start()
    return stop_refresher


def _refresh_loop(url: str, stop: threading.Event, interval_s: float) -> None:
    own = Database(url, min_size=1, max_size=1)
    pause = interval_s
    failing = False
    try:
        while not stop.wait(pause):
            try:
                done = store.refresh(own, no_unit_outcomes=_NO_UNIT, wait=False)
            except Exception as exc:  # the refresher must outlive any database trouble
                own.close()
                if _database_gone(url):
                    log.info("analytics refresher: the database is gone; stopping")
                    return
                if not failing:
                    log.warning("analytics refresher: refresh failed, retrying: %s", exc)
                failing = True
                pause = min(REFRESH_BACKOFF_MAX_S, max(pause, interval_s) * 2)
                continue
            if failing:
                log.info("analytics refresher: refreshing again")
            failing = False
            pause = interval_s
            if done is not None and (done.facts or done.call_days):
                log.debug("analytics refresher: %d incident facts, %d call days (version %d)",
                          done.facts, done.call_days, done.version)
    finally:
        own.close()


def _database_gone(url: str) -> bool:
    try:
        check_connection(url)
    except DatabaseUnavailableError as exc:
        return "does not exist" in str(exc)
    return False


def data_range(db: Database) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest incident reference time in the facts (for the date picker)."""
    return store.data_range(db)


def forget_shared_results(db: Database) -> None:
    """Drop every stored dashboard result (the next load of each view recomputes it)."""
    store.forget_shared_results(db)


# --- reference data and targets ------------------------------------------------------------
def names(db: Database) -> Names:
    """Display names of kecamatan, kelurahan, incident types and agencies."""
    c = store.catalog(db)
    return Names(kecamatan=c.kecamatan, kelurahan=c.kelurahan, types=c.types, agencies=c.agencies,
                 type_agency=c.type_agency, emergency_types=c.emergency_types)


def load_targets(db: Database) -> Targets:
    """The targets an administrator saved, or the defaults from the standards."""
    doc = reference.get_setting(db, targets_mod.SETTING_KEY)
    if doc is None:
        return Targets()
    try:
        return targets_mod.from_json(doc)
    except TargetsError:
        return Targets()


def save_targets(db: Database, doc: Any) -> Targets:
    """Validate ``doc`` against the catalog and store it (without ``min_n`` the stored smallest
    sample is kept); raises TargetsError."""
    n = names(db)
    if isinstance(doc, Mapping) and "min_n" not in doc:
        doc = {**doc, "min_n": load_targets(db).min_n}
    parsed = targets_mod.from_json(doc, known_agencies=n.agencies, known_types=n.types)
    reference.put_setting(db, targets_mod.SETTING_KEY, parsed.to_json())
    return parsed


def reset_targets(db: Database) -> Targets:
    """Go back to the default targets."""
    reference.put_setting(db, targets_mod.SETTING_KEY, Targets().to_json())
    return Targets()


# --- queries ----------------------------------------------------------------------------------
def _scope(db: Database, filters: Filters, targets: Targets, n: Names) -> store.Scope:
    return store.make_scope(store.codes(db), start=filters.start, end=filters.end,
                            type_codes=_allowed_types(filters, n), kecamatan=filters.kecamatan,
                            targets=targets.matrix(sorted(n.type_agency.items())), emergency=n.emergency_types)


def _allowed_types(filters: Filters, n: Names) -> set[str] | None:
    """The incident types the filters keep (None: every type)."""
    allowed: set[str] | None = set(filters.incident_types) if filters.incident_types else None
    if filters.agency:
        of_agency = {c for c, a in n.type_agency.items() if a == filters.agency}
        allowed = of_agency if allowed is None else allowed & of_agency
    return allowed


def _narrowed(filters: Filters) -> bool:
    """Whether a filter besides the period is set (calls then count only those with an incident)."""
    return bool(filters.incident_types or filters.agency or filters.kecamatan)


def _target_of(targets: Targets, n: Names) -> Callable[[str, str], int | None]:
    def target(interval: str, type_code: str) -> int | None:
        if interval not in INTERVAL_KEYS:
            return None
        return targets.resolve(interval, incident_type=type_code, agency=n.type_agency.get(type_code)).target_s
    return target


def _by_type(db: Database, scope: store.Scope, targets: Targets, n: Names, intervals: Sequence[str], *,
             pop_only: bool = False, counts: bool = True) -> groups.Stats:
    found = store.type_histograms(db, scope, intervals, pop_only=pop_only, counts=counts)
    return groups.by_type(found.hists, found.counts, type_agency=n.type_agency, target_of=_target_of(targets, n))


def _fine(db: Database, scope: store.Scope, families: Mapping[str, Sequence[str]], *,
          pop_only: bool = False) -> groups.Stats:
    return groups.from_rows(store.group_fractiles(db, scope, families, pop_only=pop_only), intervals_only=pop_only)


def _parallel(jobs: Mapping[str, Callable[[], Any]], workers: int) -> dict[str, Any]:
    if workers <= 1:
        return {k: job() for k, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analytics") as pool:
        futures = {k: pool.submit(job) for k, job in jobs.items()}
        return {k: f.result() for k, f in futures.items()}


# --- the rollup path: day blocks read and merged into exact histograms ---------------------------
def _catalog(codes: Mapping[str, Mapping[str, int]], targets: Targets, n: Names) -> rollup.Catalog:
    return rollup.Catalog(
        type_codes={v: k for k, v in codes.get("type", {}).items()},
        kecamatan={v: k for k, v in codes.get("kecamatan", {}).items()},
        kelurahan={v: k for k, v in codes.get("kelurahan", {}).items()},
        type_agency=n.type_agency, emergency=n.emergency_types,
        targets=targets.matrix(sorted(n.type_agency.items())))


def _edges(filters: Filters) -> list[date]:
    """The period's days that are cut within the day (their incidents are filtered by time)."""
    out = []
    if filters.start != day_start(filters.first_day):
        out.append(filters.first_day)
    if filters.end != day_start(filters.last_day + timedelta(days=1)):
        out.append(filters.last_day)
    return out


def _day_parts(filters: Filters, parts: int) -> list[tuple[date, date]]:
    """The period's WITA days in ``parts`` consecutive ranges (for parallel reads)."""
    first, last = filters.first_day, filters.last_day
    days = (last - first).days + 1
    parts = max(1, min(parts, days))
    step = -(-days // parts)
    return [(first + timedelta(days=i), min(last, first + timedelta(days=i + step - 1)))
            for i in range(0, days, step)]


def _read_blocks(db: Database, filters: Filters, lo: date, hi: date) -> list[store.DayBlock]:
    return store.day_blocks(db, lo, hi, ref_days=[d for d in _edges(filters) if lo <= d <= hi])


def _narrowing_ids(filters: Filters, codes: Mapping[str, Mapping[str, int]], n: Names
                   ) -> tuple[set[int] | None, int | None]:
    """The small ids of the types (None: all) and of the kecamatan (None: all; -1: unknown) kept."""
    allowed = _allowed_types(filters, n)
    type_ids = None if allowed is None else {codes["type"][c] for c in allowed if c in codes.get("type", {})}
    kec_id = None if not filters.kecamatan else codes.get("kecamatan", {}).get(filters.kecamatan, -1)
    return type_ids, kec_id


def _facts(filters: Filters, blocks: Sequence[store.DayBlock], codes: Mapping[str, Mapping[str, int]],
           n: Names) -> rollup.Facts:
    """The decoded facts of ``filters``: its period (to the microsecond) and its narrowing filters."""
    edges = _edges(filters)
    facts = rollup.decode(blocks, start=filters.start if edges else None, end=filters.end if edges else None)
    type_ids, kec_id = _narrowing_ids(filters, codes, n)
    return rollup.select(facts, type_ids=type_ids, kec_id=kec_id)


def _load_facts(db: Database, filters: Filters, codes: Mapping[str, Mapping[str, int]], n: Names, *,
                parts: int = 1) -> rollup.Facts:
    if parts <= 1:
        blocks = _read_blocks(db, filters, filters.first_day, filters.last_day)
    else:
        found = _parallel({str(i): partial(_read_blocks, db, filters, lo, hi)
                           for i, (lo, hi) in enumerate(_day_parts(filters, parts))}, parts)
        blocks = [b for i in range(len(found)) for b in found[str(i)]]
    return _facts(filters, blocks, codes, n)


def _rollup_stats(facts: rollup.Facts, cat: rollup.Catalog, group_by: str, intervals: Sequence[str]) -> groups.Stats:
    if group_by in ("kecamatan", "kelurahan"):
        return rollup.stats(facts, cat, rollup.fine_groupings(facts, cat, [group_by]), intervals)
    return rollup.stats(facts, cat, rollup.type_groupings(facts, cat), intervals, skip_empty=True)


def response_times(db: Database, filters: Filters, *, group_by: str = "none", targets: Targets | None = None,
                   intervals: Sequence[str] = INTERVAL_KEYS, source: str = "rollup") -> list[GroupRow]:
    """Per group and interval: p50, p90, share within target, n and completeness.

    ``group_by`` is one of none, kecamatan, kelurahan, type, agency. For ``none`` the single
    row has key None (and counts 0 for an empty period). ``source``: ``rollup`` merges the day
    blocks (the fast path), ``sql`` aggregates the fact table in PostgreSQL; both are exact and
    give the same rows.
    """
    if group_by not in GROUP_BYS:
        raise ValueError(f"unknown group_by {group_by!r}")
    if source not in ("rollup", "sql"):
        raise ValueError(f"unknown source {source!r}")
    n = names(db)
    tg = targets or load_targets(db)
    if source == "rollup":
        codes = store.codes(db)
        facts = _load_facts(db, filters, codes, n, parts=2)
        stats = _rollup_stats(facts, _catalog(codes, tg, n), group_by, intervals)
        return [groups.overall(stats, intervals)] if group_by == "none" else groups.rows(stats, group_by, intervals)
    scope = _scope(db, filters, tg, n)
    unit = [k for k in intervals if k in _UNIT_INTERVALS]
    other = [k for k in intervals if k not in _UNIT_INTERVALS]
    jobs: dict[str, Callable[[], groups.Stats]]
    if group_by in ("kecamatan", "kelurahan"):
        jobs = {"all": lambda: _fine(db, scope, {"place": other}),
                "unit": lambda: _fine(db, scope, {"place": unit}, pop_only=True) if unit else {}}
    else:
        jobs = {"all": lambda: _by_type(db, scope, tg, n, other),
                "unit": lambda: _by_type(db, scope, tg, n, unit, pop_only=True, counts=False) if unit else {}}
    res = _parallel(jobs, 2)
    stats = groups.merge_intervals(res["all"], res["unit"])
    return [groups.overall(stats, intervals)] if group_by == "none" else groups.rows(stats, group_by, intervals)


def _whole_days(filters: Filters) -> bool:
    return (filters.start == day_start(filters.first_day)
            and filters.end == day_start(filters.last_day + timedelta(days=1)))


def _thresholds(answer_target_s: int) -> list[int]:
    return sorted({answer_target_s, *(s for s, _, _ in CALL_ANSWER_STANDARDS)})


def call_handling(db: Database, filters: Filters, *, answer_target_s: int = 15) -> CallHandling:
    """Answered vs unanswered calls, answer fractiles, classification shares, calls per day.

    Only the period applies: a call has no type, agency or place before it is answered (with
    such filters the dashboard counts the calls that became incidents in scope instead).
    """
    thresholds = _thresholds(answer_target_s)
    if _whole_days(filters):
        return _calls_from_blocks(store.call_blocks(db, filters.first_day, filters.last_day), answer_target_s)
    rows = store.call_rows(db, start=filters.start, end=filters.end, first_day=filters.first_day,
                           last_day=filters.last_day, whole_days=False, thresholds=thresholds)
    by_class = dict.fromkeys(CALL_CLASSES, 0)
    by_class.update({c: total for c, (total, _) in rows.by_class.items()})
    answered = sum(a for _, a in rows.by_class.values())
    total = sum(by_class.values())
    n = rows.answered_n
    summary = IntervalSummary("answer", n, total, rows.p50_s, rows.p90_s,
                              share(rows.within.get(answer_target_s, 0), n), share(n, total))
    standards = [(s, goal, src, share(rows.within.get(s, 0), n)) for s, goal, src in CALL_ANSWER_STANDARDS]
    return CallHandling(total=total, answered=answered, unanswered=total - answered, by_class=by_class,
                        answer=summary, standards=standards, daily=rows.daily)


def _calls_from_blocks(blocks: Sequence[store.CallBlock], answer_target_s: int) -> CallHandling:
    by_class = dict.fromkeys(CALL_CLASSES, 0)
    answered = 0
    values: list[int] = []
    counts: list[int] = []
    daily = []
    for b in blocks:
        calls_day = answered_day = junk = 0
        for cls, (calls, ans) in b.classes.items():
            by_class[cls] = by_class.get(cls, 0) + calls
            calls_day += calls
            answered_day += ans
            if cls in ("prank", "ghost", "invalid"):
                junk += calls
        answered += answered_day
        values.extend(b.answer_s)
        counts.extend(b.answer_n)
        if calls_day:
            daily.append((b.day, calls_day, answered_day, junk))
    total = sum(by_class.values())
    n, (p50, p90) = rollup.histogram_fractiles(values, counts)
    within = _within(values, counts, _thresholds(answer_target_s))
    summary = IntervalSummary("answer", n, total, p50, p90, share(within.get(answer_target_s, 0), n), share(n, total))
    standards = [(s, goal, src, share(within.get(s, 0), n)) for s, goal, src in CALL_ANSWER_STANDARDS]
    return CallHandling(total=total, answered=answered, unanswered=total - answered, by_class=by_class,
                        answer=summary, standards=standards, daily=daily)


def _within(values: Sequence[int], counts: Sequence[int], thresholds: Sequence[int]) -> dict[int, int]:
    return {t: sum(c for v, c in zip(values, counts) if v <= t) for t in thresholds}


def _linked_call_handling(facts: rollup.Facts, answer_target_s: int) -> CallHandling:
    """The calls that became the incidents in scope (type, agency or kecamatan filter set)."""
    found = rollup.linked_calls(facts, _thresholds(answer_target_s))
    n = found.measured
    summary = IntervalSummary("answer", n, found.calls, found.p50_s, found.p90_s,
                              share(found.within.get(answer_target_s, 0), n), share(n, found.calls))
    standards = [(s, goal, src, share(found.within.get(s, 0), n)) for s, goal, src in CALL_ANSWER_STANDARDS]
    return CallHandling(total=found.calls, answered=found.answered, unanswered=found.calls - found.answered,
                        by_class=dict.fromkeys(CALL_CLASSES, 0), answer=summary, standards=standards,
                        daily=[(d, c, a, 0) for d, c, a in found.daily], linked_only=True)


def _with_previous(windows: list[tuple[str, datetime, datetime]]) -> list[tuple[str, datetime, datetime]]:
    out = []
    for name, start, end in windows:
        out.append((name, start, end))
        out.append((f"prev_{name}", start - (end - start), start))
    return out


#: Day-block reads of the chosen period run in this many parts at once.
BLOCK_READ_PARTS = 2
_TYPE_MEASURES = (*INTERVAL_KEYS, "close_min")


def _figures(db: Database, filters: Filters, tg: Targets, n: Names, codes: Mapping[str, Mapping[str, int]], *,
             workers: int, also: Mapping[str, Callable[[], Any]]) -> tuple[Figures, dict[str, Any]]:
    """The figures, and the results of the ``also`` jobs run in the same pool."""
    previous = filters.previous()
    narrowed = _narrowed(filters)
    answer_target = tg.resolve("answer").target_s
    parts = _day_parts(filters, BLOCK_READ_PARTS)
    jobs: dict[str, Callable[[], Any]] = {
        **{f"blocks{i}": partial(_read_blocks, db, filters, lo, hi) for i, (lo, hi) in enumerate(parts)},
        "previous": lambda: _load_facts(db, previous, codes, n),
        **({} if narrowed else {"calls": lambda: call_handling(db, filters, answer_target_s=answer_target),
                                "previous_calls": lambda: call_handling(db, previous, answer_target_s=answer_target)}),
        **also,
    }
    res = _parallel(jobs, workers)
    cat = _catalog(codes, tg, n)
    facts = _facts(filters, [b for i in range(len(parts)) for b in res[f"blocks{i}"]], codes, n)
    by_type = rollup.stats(facts, cat, rollup.type_groupings(facts, cat), _TYPE_MEASURES, skip_empty=True)
    fine = rollup.stats(facts, cat, rollup.fine_groupings(facts, cat, rollup.FINE_GROUPS), ("total",))
    prev_facts: rollup.Facts = res["previous"]
    prev_stats = rollup.stats(prev_facts, cat, rollup.type_groupings(prev_facts, cat), INTERVAL_KEYS,
                              skip_empty=True)
    if narrowed:
        calls = _linked_call_handling(facts, answer_target)
        prev_calls = int(prev_facts.has_call.sum())
    else:
        calls = res["calls"]
        prev_calls = res["previous_calls"].total
    everything = by_type.get(("none", None), {})
    prev_everything = prev_stats.get(("none", None), {})
    figures = Figures(
        overall=groups.overall(by_type, INTERVAL_KEYS),
        by_kecamatan=groups.rows(fine, "kecamatan", ("total",)),
        by_kelurahan=groups.rows(fine, "kelurahan", ("total",)),
        by_type=groups.rows(by_type, "type", INTERVAL_KEYS), by_agency=groups.rows(by_type, "agency", INTERVAL_KEYS),
        heatmap=groups.rows(fine, "heat", ("total",)), daily=groups.rows(fine, "day", ("total",)),
        weekly=groups.rows(fine, "week", ("total",)), calls=calls, league=groups.league(by_type),
        period_counts=(calls.total, groups.count(everything, "incidents"), groups.count(everything, "units")),
        previous_counts=(prev_calls, groups.count(prev_everything, "incidents"),
                         groups.count(prev_everything, "units")),
        previous_overall=groups.overall(prev_stats, INTERVAL_KEYS),
    )
    return figures, {k: res[k] for k in also}


def _view_key(filters: Filters, tg: Targets, n: Names) -> str:
    doc = {"format": _FIGURES_FORMAT, "start": filters.start.isoformat(), "end": filters.end.isoformat(),
           "types": list(filters.incident_types), "agency": filters.agency, "kecamatan": filters.kecamatan,
           "targets": tg.to_json(), "names": [n.kecamatan, n.kelurahan, n.types, n.agencies, n.type_agency,
                                              sorted(n.emergency_types)]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def live_status(db: Database) -> LiveStatus:
    """Units available per type now, and today's uncovered-time share when the installation
    computes one (``services.coverage.uncovered_share_today``); else None with a note."""
    units = [UnitsAvailable(unit_type=str(r["code"]), name_id=str(r["name_id"]), name_en=str(r["name_en"]),
                            agency=str(r["agency_code"]), available=int(r["available"]),
                            in_service=int(r["in_service"]), total=int(r["total"]))
             for r in store.units_by_type(db)]
    share_today, unit_type, note = _uncovered_share_today(db)
    return LiveStatus(units=units, uncovered_share=share_today, uncovered_note=note, uncovered_unit_type=unit_type,
                      at=datetime.now(UTC))


def _uncovered_share_today(db: Database) -> tuple[float | None, str | None, str | None]:
    """``(share, unit type, None)`` from ``services.coverage.uncovered_share_today(db)`` (the
    figure the console keeps, when recent) when that exists and answers a share in [0, 1];
    ``(None, None, reason)`` otherwise. Nothing is estimated here."""
    try:
        coverage = importlib.import_module("services.coverage")
    except ImportError:
        return None, None, "not_available"
    fn = getattr(coverage, "uncovered_share_today", None)
    if not callable(fn):
        return None, None, "not_available"
    try:
        value = fn(db)
    except Exception as exc:  # a failing optional figure must not take the dashboard down
        log.warning("uncovered-time share unavailable: %s", exc)
        return None, None, "failed"
    unit_type = getattr(value, "unit_type", None)
    share_value = getattr(value, "share", value)
    if isinstance(share_value, (int, float)) and not isinstance(share_value, bool) and 0.0 <= share_value <= 1.0:
        return float(share_value), str(unit_type) if unit_type else None, None
    return None, None, "not_available"


def dashboard(db: Database, filters: Filters, *, now: datetime | None = None, targets: Targets | None = None,
              workers: int = DASHBOARD_WORKERS, share_result: bool = True, live: bool = False) -> Dashboard:
    """Everything the leadership page shows for ``filters``.

    The period's day blocks are read in parts on pooled connections at once, together with the
    previous period's (for the comparison), the calls, and the KPI windows (today, 7 and 30 days
    and the windows before them, which follow ``now`` and are counted on every call); the
    figures are read from exact histograms of the merged blocks (:mod:`analytics.rollup`).
    With ``share_result`` a session asking for a view that another one is computing waits for
    that result, and a result computed at the facts' current version is reused. ``live`` adds
    the units available now and the uncovered-time share.
    """
    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    n = names(db)
    tg = targets or load_targets(db)
    codes = store.codes(db)
    recent = _with_previous(kpi_windows(now))
    narrowed = _narrowed(filters)
    type_ids, kec_id = _narrowing_ids(filters, codes, n)
    also = {"recent": lambda: store.day_window_counts(db, recent, type_ids=type_ids, kec_id=kec_id,
                                                      linked_calls=narrowed)}
    stored_figures: Figures | None = None
    if share_result:
        with store.shared_result(db, _view_key(filters, tg, n)) as stored:
            if stored.payload is not None:
                stored_figures = Figures.from_json(stored.payload)
            else:
                figures, extra = _figures(db, filters, tg, n, codes, workers=workers, also=also)
                stored.put(figures.to_json())
    else:
        figures, extra = _figures(db, filters, tg, n, codes, workers=workers, also=also)
    if stored_figures is not None:
        figures, extra = stored_figures, {"recent": also["recent"]()}
    counts = extra["recent"]
    kpis = [Kpi(name, start, end, *counts[name], *counts[f"prev_{name}"]) for name, start, end in recent[::2]]
    kpis.append(Kpi("period", filters.start, filters.end, *figures.period_counts, *figures.previous_counts))
    return Dashboard(
        filters=filters, targets=tg, names=n, kpis=kpis, overall=figures.overall,
        by_kecamatan=figures.by_kecamatan, by_kelurahan=figures.by_kelurahan, by_type=figures.by_type,
        by_agency=figures.by_agency, heatmap=figures.heatmap, daily=figures.daily, weekly=figures.weekly,
        calls=figures.calls, league=figures.league, seconds=round(time.perf_counter() - t0, 3),
        previous_overall=figures.previous_overall, live=live_status(db) if live else None,
    )
