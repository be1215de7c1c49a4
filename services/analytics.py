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
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics import groups, targets as targets_mod
from analytics._errors import TargetsError
from analytics.fractiles import IntervalSummary, share
from analytics.intervals import INTERVAL_KEYS, NO_UNIT_OUTCOMES
from analytics.model import CALL_CLASSES, CallHandling, Dashboard, Figures, GroupRow, Kpi, Names
from analytics.period import GROUP_BYS, Filters, day_start, kpi_windows
from analytics.targets import CALL_ANSWER_STANDARDS, Targets
from store import analytics as store, reference
from store._errors import DatabaseUnavailableError
from store.db import Database, check_connection

__all__ = ["DASHBOARD_WORKERS", "GROUP_BYS", "call_handling", "dashboard", "data_range", "forget_shared_results",
           "load_targets", "names", "rebuild_facts", "refresh_facts", "reset_targets", "response_times",
           "save_targets", "start_refresher"]

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
_FIGURES_FORMAT = 1


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
    """Validate ``doc`` against the catalog and store it; raises TargetsError."""
    n = names(db)
    parsed = targets_mod.from_json(doc, known_agencies=n.agencies, known_types=n.types)
    reference.put_setting(db, targets_mod.SETTING_KEY, parsed.to_json())
    return parsed


def reset_targets(db: Database) -> Targets:
    """Go back to the default targets."""
    reference.put_setting(db, targets_mod.SETTING_KEY, Targets().to_json())
    return Targets()


# --- queries ----------------------------------------------------------------------------------
def _scope(db: Database, filters: Filters, targets: Targets, n: Names) -> store.Scope:
    allowed: set[str] | None = set(filters.incident_types) if filters.incident_types else None
    if filters.agency:
        of_agency = {c for c, a in n.type_agency.items() if a == filters.agency}
        allowed = of_agency if allowed is None else allowed & of_agency
    return store.make_scope(store.codes(db), start=filters.start, end=filters.end, type_codes=allowed,
                            kecamatan=filters.kecamatan, targets=targets.matrix(sorted(n.type_agency.items())),
                            emergency=n.emergency_types)


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


def response_times(db: Database, filters: Filters, *, group_by: str = "none", targets: Targets | None = None,
                   intervals: Sequence[str] = INTERVAL_KEYS) -> list[GroupRow]:
    """Per group and interval: p50, p90, share within target, n and completeness.

    ``group_by`` is one of none, kecamatan, kelurahan, type, agency. For ``none`` the single
    row has key None (and counts 0 for an empty period).
    """
    if group_by not in GROUP_BYS:
        raise ValueError(f"unknown group_by {group_by!r}")
    n = names(db)
    tg = targets or load_targets(db)
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


def call_handling(db: Database, filters: Filters, *, answer_target_s: int = 15) -> CallHandling:
    """Answered vs unanswered calls, answer fractiles, classification shares, calls per day.

    Only the period applies: a call has no type, agency or place before it is answered.
    """
    thresholds = sorted({answer_target_s, *(s for s, _, _ in CALL_ANSWER_STANDARDS)})
    rows = store.call_rows(db, start=filters.start, end=filters.end, first_day=filters.first_day,
                           last_day=filters.last_day, whole_days=_whole_days(filters), thresholds=thresholds)
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


def _with_previous(windows: list[tuple[str, datetime, datetime]]) -> list[tuple[str, datetime, datetime]]:
    out = []
    for name, start, end in windows:
        out.append((name, start, end))
        out.append((f"prev_{name}", start - (end - start), start))
    return out


def _figures(db: Database, filters: Filters, tg: Targets, n: Names, scope: store.Scope, *, workers: int,
             also: Mapping[str, Callable[[], Any]]) -> tuple[Figures, dict[str, Any]]:
    """The figures, and the results of the ``also`` jobs run in the same pool."""
    previous = filters.previous()
    days = (previous.first_day, previous.last_day) if _whole_days(previous) else None
    jobs: dict[str, Callable[[], Any]] = {
        "type_unit": lambda: _by_type(db, scope, tg, n, _UNIT_INTERVALS, pop_only=True, counts=False),
        "type": lambda: _by_type(db, scope, tg, n, ("answer", "close_min")),
        "fine": lambda: _fine(db, scope, {"place": ("total",), "time": ("total",), "heat": ("total",)}),
        "calls": lambda: call_handling(db, filters, answer_target_s=tg.resolve("answer").target_s),
        "previous": lambda: store.window_counts(db, scope, [("prev", previous.start, previous.end)],
                                                rollup_days=days)["prev"],
        **also,
    }
    res = _parallel(jobs, workers)
    by_type = groups.merge_intervals(res["type"], res["type_unit"])
    fine = res["fine"]
    everything = by_type.get(("none", None), {})
    figures = Figures(
        overall=groups.overall(by_type, INTERVAL_KEYS),
        by_kecamatan=groups.rows(fine, "kecamatan", ("total",)),
        by_kelurahan=groups.rows(fine, "kelurahan", ("total",)),
        by_type=groups.rows(by_type, "type", INTERVAL_KEYS), by_agency=groups.rows(by_type, "agency", INTERVAL_KEYS),
        heatmap=groups.rows(fine, "heat", ("total",)), daily=groups.rows(fine, "day", ("total",)),
        weekly=groups.rows(fine, "week", ("total",)), calls=res["calls"], league=groups.league(by_type),
        period_counts=(res["calls"].total, groups.count(everything, "incidents"), groups.count(everything, "units")),
        previous_counts=res["previous"],
    )
    return figures, {k: res[k] for k in also}


def _view_key(filters: Filters, tg: Targets, n: Names) -> str:
    doc = {"format": _FIGURES_FORMAT, "start": filters.start.isoformat(), "end": filters.end.isoformat(),
           "types": list(filters.incident_types), "agency": filters.agency, "kecamatan": filters.kecamatan,
           "targets": tg.to_json(), "names": [n.kecamatan, n.kelurahan, n.types, n.agencies, n.type_agency,
                                              sorted(n.emergency_types)]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def dashboard(db: Database, filters: Filters, *, now: datetime | None = None, targets: Targets | None = None,
              workers: int = DASHBOARD_WORKERS, share_result: bool = True) -> Dashboard:
    """Everything the leadership page shows for ``filters``, computed in PostgreSQL.

    Six independent queries run on ``workers`` pooled connections at once: per-type histograms
    (all incidents: answer time, time to close, counts; the unit population: the four unit
    intervals), the values per kelurahan/kecamatan/day/week/weekday × hour, call handling, the
    previous period's counts, and the KPI windows (today, 7 and 30 days and the windows before
    them, which follow ``now`` and are counted on every call). With ``share_result`` a session
    asking for a view that another one is computing waits for that result, and a result computed
    at the facts' current version is reused.
    """
    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    n = names(db)
    tg = targets or load_targets(db)
    scope = _scope(db, filters, tg, n)
    recent = _with_previous(kpi_windows(now))
    also = {"recent": lambda: store.window_counts(db, scope, recent)}
    stored_figures: Figures | None = None
    if share_result:
        with store.shared_result(db, _view_key(filters, tg, n)) as stored:
            if stored.payload is not None:
                stored_figures = Figures.from_json(stored.payload)
            else:
                figures, extra = _figures(db, filters, tg, n, scope, workers=workers, also=also)
                stored.put(figures.to_json())
    else:
        figures, extra = _figures(db, filters, tg, n, scope, workers=workers, also=also)
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
    )

