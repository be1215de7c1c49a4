"""Analytics SQL: fact tables, exact response-time fractiles and the leadership dashboard.

Everything is aggregated in PostgreSQL, with the one fractile method of ``analytics.fractiles``
(nearest rank, as ``percentile_disc``) on whole seconds:

* coarse groups (incident type → agency → everything, and the agency league table): one hash
  aggregate (``GROUP BY GROUPING SETS``) gives each type's exact one-second histogram of every
  interval — a few thousand rows for a million incidents; they are added up per agency and for
  everything and read out by nearest rank (the ⌈p·n⌉-th value of the running count);
* fine groups (kelurahan, kecamatan, WITA day, ISO week, weekday × hour): one hash aggregate
  gathers each group's values and ``percentile_disc`` sorts only that group's values;
* call handling reads the daily call rollup; counts use ``FILTER`` clauses.

Tables (migrations 010, 011): ``analytics_incident_facts`` (one narrow row per incident: small
integer codes for type/kecamatan/kelurahan, intervals in seconds, WITA day/hour/weekday computed
with ``AT TIME ZONE 'Asia/Makassar'``) and ``analytics_calls_daily`` (each WITA day's calls by
classification and answer second). Both are refreshed incrementally before every recompute
(:func:`refresh`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from psycopg import sql

from analytics import targets as targets_mod
from analytics._errors import TargetsError
from analytics.fractiles import IntervalSummary, rank, share
from analytics.intervals import INTERVAL_KEYS, NO_UNIT_OUTCOMES
from analytics.model import CallHandling, Dashboard, GroupRow, Kpi, LeagueRow, Names
from analytics.period import WITA, Filters, kpi_windows
from analytics.targets import CALL_ANSWER_STANDARDS, Targets
from store.db import Database
from store.reference import get_setting, put_setting

T = TypeVar("T")
_REFRESH_LOCK = 112_0005
#: New incidents/calls are looked for among ids above (highest seen id - this margin), so that a
#: transaction that took its id earlier but committed later is still picked up.
_ID_MARGIN = 5000
#: Events re-read below the watermark on each refresh, for the same reason.
_EVENT_MARGIN = 2000
#: Parallel connections used by one dashboard recompute.
DASHBOARD_WORKERS = 4
_SESSION = "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0"

#: interval codes inside the histogram queries; negative codes are counts, not intervals
IV = {"answer": 0, "processing": 1, "turnout": 2, "travel": 3, "total": 4, "close_min": 5}
IV_NAME = {v: k for k, v in IV.items()}
_INCIDENTS, _POPULATION, _CLOSED, _UNITS = -1, -2, -3, -4

# --- fact tables --------------------------------------------------------------------------------
_FACT_COLUMNS = ("ref_at", "day_wita", "week_wita", "hour_wita", "isodow_wita", "type_id", "kec_id", "kel_id", "no_unit",
                 "closed", "answer_s", "processing_s", "turnout_s", "travel_s", "total_s", "close_s", "units_n")

_UPSERT_FACTS = """
INSERT INTO analytics_incident_facts AS f (incident_id, {columns})
SELECT i.id, r.ref_at, r.loc::date, date_trunc('week', r.loc)::date, extract(hour FROM r.loc)::smallint,
       extract(isodow FROM r.loc)::smallint,
       ct.id, ckc.id, ckl.id, coalesce(i.outcome = ANY(%(no_unit)s::text[]), false), i.status = 'closed',
       analytics_seconds(i.call_received_at, i.call_answered_at),
       analytics_seconds(i.call_answered_at, i.first_dispatched_at),
       analytics_seconds(i.first_dispatched_at, i.first_en_route_at),
       analytics_seconds(i.first_en_route_at, i.first_on_scene_at),
       analytics_seconds(i.call_received_at, i.first_on_scene_at),
       analytics_seconds(r.ref_at, i.closed_at),
       (SELECT count(*) FROM assignments a WHERE a.incident_id = i.id)
  FROM incidents i
 CROSS JOIN LATERAL (SELECT coalesce(i.call_received_at, i.created_at) AS ref_at,
                            coalesce(i.call_received_at, i.created_at) AT TIME ZONE 'Asia/Makassar' AS loc) r
  JOIN analytics_codes ct ON ct.kind = 'type' AND ct.code = i.incident_type
  LEFT JOIN analytics_codes ckc ON ckc.kind = 'kecamatan' AND ckc.code = i.kecamatan_kode
  LEFT JOIN analytics_codes ckl ON ckl.kind = 'kelurahan' AND ckl.code = i.kelurahan_kode
 WHERE {where}
ON CONFLICT (incident_id) DO UPDATE SET ({columns}) = ({excluded})
"""
_WHERE_NEW = ("i.id > %(floor)s AND NOT EXISTS (SELECT 1 FROM analytics_incident_facts x"
              " WHERE x.incident_id = i.id)")
_WHERE_TOUCHED = ("i.id IN (SELECT DISTINCT e.incident_id FROM events e WHERE e.id > %(after)s"
                  " AND e.incident_id IS NOT NULL)")
_WHERE_IDS = "i.id = ANY(%(ids)s)"
#: kind -> (table, code column) whose codes get a small integer id
_CODE_SOURCES = {"type": ("incident_types", "code"), "kecamatan": ("kecamatan", "kode"),
                 "kelurahan": ("kelurahan", "kode")}
_ENSURE_CODES = """
INSERT INTO analytics_codes (kind, code, id)
SELECT %(kind)s, x.code,
       (SELECT coalesce(max(id), 0) FROM analytics_codes WHERE kind = %(kind)s) + row_number() OVER (ORDER BY x.code)
  FROM (SELECT {column} AS code FROM {table}) x
 WHERE NOT EXISTS (SELECT 1 FROM analytics_codes c WHERE c.kind = %(kind)s AND c.code = x.code)
"""

_CALL_DAYS_NEW = """
SELECT DISTINCT (received_at AT TIME ZONE 'Asia/Makassar')::date AS day FROM calls WHERE id > %(after)s
UNION
SELECT DISTINCT (c.received_at AT TIME ZONE 'Asia/Makassar')::date FROM calls c
 WHERE c.id IN (SELECT e.call_id FROM events e WHERE e.id > %(event_after)s AND e.call_id IS NOT NULL)
"""
_CALL_DAYS_DELETE = "DELETE FROM analytics_calls_daily WHERE day_wita = ANY(%(days)s)"
_CALL_DAYS_INSERT = """
INSERT INTO analytics_calls_daily (day_wita, classification, answered, answer_s, n)
SELECT (received_at AT TIME ZONE 'Asia/Makassar')::date, classification, answered_at IS NOT NULL,
       analytics_seconds(received_at, answered_at), count(*)
  FROM calls
 WHERE received_at >= %(lo)s AND received_at < %(hi)s
   AND (received_at AT TIME ZONE 'Asia/Makassar')::date = ANY(%(days)s)
 GROUP BY 1, 2, 3, 4
"""


def _upsert(where: str) -> sql.Composed:
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in _FACT_COLUMNS)
    excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in _FACT_COLUMNS)
    return sql.SQL(_UPSERT_FACTS).format(columns=cols, excluded=excluded, where=sql.SQL(where))


def _ensure_codes(cur: Any) -> None:
    for kind, (table, column) in _CODE_SOURCES.items():
        cur.execute(sql.SQL(_ENSURE_CODES).format(table=sql.Identifier(table), column=sql.Identifier(column)),
                    {"kind": kind})


_NO_UNIT = {"no_unit": sorted(NO_UNIT_OUTCOMES)}


def _today_wita() -> date:
    return datetime.now(WITA).date()


def _rebuild_call_days(cur: Any, days: Sequence[date]) -> None:
    days = sorted(set(days))
    if not days:
        return
    lo = datetime.combine(days[0], datetime.min.time(), tzinfo=WITA)
    hi = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=WITA)
    cur.execute(_CALL_DAYS_DELETE, {"days": days})
    cur.execute(_CALL_DAYS_INSERT, {"days": days, "lo": lo, "hi": hi})


def refresh(db: Database) -> int:
    """Bring both fact tables up to date; return the number of incident facts written.

    Incidents: new ones, and those touched by an event since the last refresh (every state
    change is an event). Calls: every WITA day with a new call or a call touched by an event,
    plus today and yesterday, is rebuilt. The first call on an empty table builds everything.
    """
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_REFRESH_LOCK,))
        _ensure_codes(cur)
        cur.execute("SELECT event_id, call_id FROM analytics_refresh_state WHERE id = 1")
        state = cur.fetchone() or {"event_id": 0, "call_id": 0}
        cur.execute("SELECT (SELECT coalesce(max(id), 0) FROM events) AS e,"
                    " (SELECT coalesce(max(id), 0) FROM calls) AS c,"
                    " (SELECT coalesce(max(incident_id), 0) FROM analytics_incident_facts) AS f")
        top = cur.fetchone()
        event_after = max(0, int(state["event_id"]) - _EVENT_MARGIN)
        written = 0
        if int(top["f"]) == 0:
            cur.execute(_upsert("true"), _NO_UNIT)
            written += cur.rowcount
        else:
            cur.execute(_upsert(_WHERE_NEW), {**_NO_UNIT, "floor": max(0, int(top["f"]) - _ID_MARGIN)})
            written += cur.rowcount
            if int(top["e"]) > int(state["event_id"]):
                cur.execute(_upsert(_WHERE_TOUCHED), {**_NO_UNIT, "after": event_after})
                written += cur.rowcount
        # calls committed late by a live call-taker are recent: today and yesterday are always
        # rebuilt; imports rebuild their own days (refresh_incidents)
        call_after = int(state["call_id"])
        days: set[date] = set()
        if call_after == 0 and int(top["c"]) > 0:
            cur.execute("SELECT DISTINCT (received_at AT TIME ZONE 'Asia/Makassar')::date AS day FROM calls")
            days = {r["day"] for r in cur.fetchall()}
        elif int(top["c"]) > call_after or int(top["e"]) > int(state["event_id"]):
            cur.execute(_CALL_DAYS_NEW, {"after": call_after, "event_after": event_after})
            days = {r["day"] for r in cur.fetchall()}
        today = _today_wita()
        _rebuild_call_days(cur, sorted(days | {today, today - timedelta(days=1)}))
        cur.execute("UPDATE analytics_refresh_state SET event_id = %s, call_id = %s, refreshed_at = now()"
                    " WHERE id = 1", (int(top["e"]), int(top["c"])))
        return written


def refresh_incidents(cur: Any, ids: Sequence[int], call_days: Sequence[date] = ()) -> int:
    """Re-derive the facts of the given incidents and the call days, inside the caller's
    transaction (``cur``), e.g. an import's, so that they appear atomically with the data."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_REFRESH_LOCK,))
    _ensure_codes(cur)
    written = 0
    if ids:
        cur.execute(_upsert(_WHERE_IDS), {**_NO_UNIT, "ids": list(ids)})
        written = cur.rowcount
    _rebuild_call_days(cur, call_days)
    return written


def rebuild(db: Database) -> int:
    """Recompute both fact tables from scratch (after catalog changes); return incident facts.

    TRUNCATE (not DELETE) so that the table is written anew without dead rows for scans to skip;
    readers wait for the rebuild's commit.
    """
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_REFRESH_LOCK,))
        _ensure_codes(cur)
        cur.execute("TRUNCATE analytics_incident_facts, analytics_calls_daily")
        cur.execute(_upsert("true"), _NO_UNIT)
        written = cur.rowcount
        cur.execute("INSERT INTO analytics_calls_daily (day_wita, classification, answered, answer_s, n)"
                    " SELECT (received_at AT TIME ZONE 'Asia/Makassar')::date, classification,"
                    " answered_at IS NOT NULL, analytics_seconds(received_at, answered_at), count(*)"
                    " FROM calls GROUP BY 1, 2, 3, 4")
        cur.execute("UPDATE analytics_refresh_state SET event_id = (SELECT coalesce(max(id), 0) FROM events),"
                    " call_id = (SELECT coalesce(max(id), 0) FROM calls), refreshed_at = now() WHERE id = 1")
    return written


# --- reference data and targets ------------------------------------------------------------
def names(db: Database) -> Names:
    """Display names of kecamatan, kelurahan, incident types and agencies."""
    with db.transaction() as cur:
        cur.execute("SELECT kode, nama FROM kecamatan ORDER BY kode")
        kec = {r["kode"]: r["nama"] for r in cur.fetchall()}
        cur.execute("SELECT kode, nama FROM kelurahan ORDER BY kode")
        kel = {r["kode"]: r["nama"] for r in cur.fetchall()}
        cur.execute("SELECT code, name_id, name_en, agency_code, is_emergency FROM incident_types ORDER BY code")
        trows = cur.fetchall()
        cur.execute("SELECT code, name_id, name_en FROM agencies ORDER BY code")
        agencies = {r["code"]: (r["name_id"], r["name_en"]) for r in cur.fetchall()}
    return Names(
        kecamatan=kec, kelurahan=kel,
        types={r["code"]: (r["name_id"], r["name_en"]) for r in trows},
        agencies=agencies,
        type_agency={r["code"]: r["agency_code"] for r in trows},
        emergency_types=frozenset(r["code"] for r in trows if r["is_emergency"]),
    )


def load_targets(db: Database) -> Targets:
    """The targets an administrator saved, or the defaults from the standards."""
    doc = get_setting(db, targets_mod.SETTING_KEY)
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
    put_setting(db, targets_mod.SETTING_KEY, parsed.to_json())
    return parsed


def reset_targets(db: Database) -> Targets:
    """Go back to the default targets."""
    put_setting(db, targets_mod.SETTING_KEY, Targets().to_json())
    return Targets()


# --- the scope: facts in the period and filters, with each row's targets -----------------------
#: Per-type values come from arrays indexed by the type's small code (no join per row).
_SCOPE = """
WITH s AS (
    SELECT f.*,
           (%(t_answer)s::int[])[f.type_id] AS t_answer, (%(t_processing)s::int[])[f.type_id] AS t_processing,
           (%(t_turnout)s::int[])[f.type_id] AS t_turnout, (%(t_travel)s::int[])[f.type_id] AS t_travel,
           (%(t_total)s::int[])[f.type_id] AS t_total,
           coalesce((%(emergency)s::boolean[])[f.type_id], false) AND NOT f.no_unit AS pop
      FROM analytics_incident_facts f
     WHERE {where}
)
"""
_POP_ONLY = " AND coalesce((%(emergency)s::boolean[])[f.type_id], false) AND NOT f.no_unit"
#: The per-incident values the aggregates group on: an interval is NULL outside its population
#: or when incomplete; ok_* says whether it is within the incident's target.
_ROW_COLUMNS = """
, s2 AS (
    SELECT s.type_id, s.kec_id, s.kel_id, s.day_wita, s.week_wita,
           s.isodow_wita, s.hour_wita, s.pop, s.closed, s.units_n,
           s.answer_s AS v_answer, s.answer_s <= s.t_answer AS ok_answer,
           CASE WHEN s.pop THEN s.processing_s END AS v_processing,
           s.pop AND s.processing_s <= s.t_processing AS ok_processing,
           CASE WHEN s.pop THEN s.turnout_s END AS v_turnout, s.pop AND s.turnout_s <= s.t_turnout AS ok_turnout,
           CASE WHEN s.pop THEN s.travel_s END AS v_travel, s.pop AND s.travel_s <= s.t_travel AS ok_travel,
           CASE WHEN s.pop THEN s.total_s END AS v_total, s.pop AND s.total_s <= s.t_total AS ok_total,
           CASE WHEN s.closed THEN s.close_s / 60 END AS v_close_min
      FROM s
)
"""
_UNIT_INTERVALS = ("processing", "turnout", "travel", "total")

# Coarse groups (type -> agency -> all): each type's exact one-second histogram of every interval
# comes from one hash aggregate; they are merged and read out (nearest rank) in Python, which is
# exact because histograms add up, and cheap because there are a few thousand rows.
_TYPE_HIST = """
SELECT type_id, GROUPING({gcols}) AS gs, {vsel} count(*) AS n, count(*) FILTER (WHERE pop) AS n_pop,
       count(*) FILTER (WHERE closed) AS n_closed, coalesce(sum(units_n), 0) AS units
  FROM s2 GROUP BY GROUPING SETS ({sets})
"""

# Fine groups (kelurahan, kecamatan, day, week, weekday x hour): each group's values are gathered
# by one hash aggregate and percentile_disc sorts only that group's values.
_ARRAY_SETS: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "place": (("kelurahan", ("kec_id", "kel_id"), "a.kel_id::text"),
              ("kecamatan", ("kec_id",), "a.kec_id::text")),
    "time": (("day", ("day_wita",), "a.day_wita::text"), ("week", ("week_wita",), "a.week_wita::text")),
    "heat": (("heat", ("isodow_wita", "hour_wita"), "a.isodow_wita || '-' || a.hour_wita"),),
}
_ARRAY_QUERY = """
, a AS (
    SELECT {cols}, GROUPING({cols}) AS gs, count(*) AS n, count(*) FILTER (WHERE pop) AS n_pop,
           count(*) FILTER (WHERE closed) AS n_closed, coalesce(sum(units_n), 0) AS units{aggs}
      FROM s2 GROUP BY GROUPING SETS ({sets})
)
SELECT z.grp, z.key, x.iv, x.n::bigint AS n, x.ok::bigint AS ok, x.q[1] AS p50, x.q[2] AS p90
  FROM (SELECT a.*, CASE a.gs {grp_cases} END AS grp, CASE a.gs {key_cases} END AS key FROM a) z
 CROSS JOIN LATERAL (VALUES (-1, z.n, 0, NULL::int[]), (-2, z.n_pop, 0, NULL), (-3, z.n_closed, 0, NULL),
                            (-4, z.units, 0, NULL){values}) AS x(iv, n, ok, q)
"""


class _Ctx:
    """Bound parameters and the WHERE clause shared by the queries of one recompute."""

    def __init__(self, filters: Filters, targets: Targets, n: Names, codes: dict[str, dict[str, int]]) -> None:
        self.filters = filters
        self.names = n
        self.targets = targets
        self.codes = codes
        self.by_id = {kind: {v: k for k, v in m.items()} for kind, m in codes.items()}
        types = codes.get("type", {})
        size = max(types.values(), default=0)
        pairs = sorted(n.type_agency.items())
        matrix = targets.matrix(pairs)

        def per_type(value: Callable[[str], Any]) -> list[Any]:
            out: list[Any] = [None] * size
            for code, tid in types.items():
                if code in n.type_agency:
                    out[tid - 1] = value(code)
            return out

        self.params: dict[str, Any] = {
            "emergency": per_type(lambda c: c in n.emergency_types),
            **{f"t_{k}": per_type(lambda c, k=k: matrix[c][k]) for k in INTERVAL_KEYS},
            "start": filters.start, "end": filters.end,
            "type_ids": [types.get(t, -1) for t in filters.incident_types],
            "agency_type_ids": [tid for code, tid in types.items() if n.type_agency.get(code) == filters.agency],
            "kec_id": codes.get("kecamatan", {}).get(filters.kecamatan or "", -1),
        }
        conds = ["f.ref_at >= %(start)s", "f.ref_at < %(end)s"]
        if filters.incident_types:
            conds.append("f.type_id = ANY(%(type_ids)s::smallint[])")
        if filters.agency:
            conds.append("f.type_id = ANY(%(agency_type_ids)s::smallint[])")
        if filters.kecamatan:
            conds.append("f.kec_id = %(kec_id)s")
        self.where = sql.SQL(" AND ").join(sql.SQL(c) for c in conds)

    def scope(self, *, pop_only: bool = False) -> sql.Composed:
        where = sql.Composed([self.where, sql.SQL(_POP_ONLY)]) if pop_only else self.where
        return sql.SQL(_SCOPE).format(where=where)

    def target(self, k: str, type_code: str) -> int | None:
        if k not in INTERVAL_KEYS:
            return None
        return self.targets.resolve(k, incident_type=type_code, agency=self.names.type_agency.get(type_code)).target_s


def codes(db: Database) -> dict[str, dict[str, int]]:
    """``{kind: {code: small id}}`` of the fact table."""
    out: dict[str, dict[str, int]] = {k: {} for k in _CODE_SOURCES}
    with db.transaction() as cur:
        cur.execute("SELECT kind, code, id FROM analytics_codes")
        for r in cur.fetchall():
            out[r["kind"]][r["code"]] = int(r["id"])
    return out


_Hist = dict[tuple[str, str | None], dict[int, dict[str, Any]]]


def _type_hist(db: Database, ctx: _Ctx, intervals: Sequence[str], *, pop_only: bool = False,
               counts: bool = True) -> _Hist:
    """Fractiles by type, agency and for everything from per-type one-second histograms."""
    vcols = [f"v_{k}" for k in intervals]
    sets = ([sql.SQL("(type_id)")] if counts else []) + \
        [sql.SQL("(type_id, {})").format(sql.Identifier(v)) for v in vcols]
    query = sql.Composed([ctx.scope(pop_only=pop_only), sql.SQL(_ROW_COLUMNS), sql.SQL(_TYPE_HIST).format(
        gcols=sql.SQL(", ").join(sql.Identifier(v) for v in ["type_id", *vcols]),
        vsel=sql.SQL("").join(sql.SQL("{}, ").format(sql.Identifier(v)) for v in vcols),
        sets=sql.SQL(", ").join(sets))])
    with db.transaction(dict_rows=False) as cur:
        cur.execute(_SESSION)
        cur.execute(query, ctx.params)
        rows = cur.fetchall()
    m = len(vcols)
    gs_count = (1 << m) - 1                               # only type_id grouped
    slot_of = {(1 << m) - 1 - (1 << (m - 1 - i)): i for i in range(m)}   # type_id and v_i grouped
    type_of = ctx.by_id["type"]
    # per type first (one update per row), then added up per agency and for everything
    per_type: dict[str, list[dict[int, int]]] = {}
    counts: dict[str, list[int]] = {}
    for row in rows:
        code = type_of.get(row[0])
        if code is None or code not in ctx.names.type_agency:
            continue
        gs = row[1]
        if gs == gs_count:
            c = counts.setdefault(code, [0, 0, 0, 0])
            for j in range(4):
                c[j] += int(row[2 + m + j])
            continue
        i = slot_of.get(gs)
        if i is None:
            continue
        v = row[2 + i]
        if v is None:
            continue
        h = per_type.setdefault(code, [{} for _ in range(m)])[i]
        h[v] = h.get(v, 0) + row[2 + m]
    out: _Hist = defaultdict(dict)
    merged: dict[tuple[str, str | None], list[dict[int, int]]] = {}
    oks: dict[tuple[str, str | None], list[int]] = {}
    for code, hists in per_type.items():
        keys = (("type", code), ("agency", ctx.names.type_agency[code]), ("none", None))
        for i, k in enumerate(intervals):
            target = ctx.target(k, code)
            within = sum(n for v, n in hists[i].items() if v <= target) if target is not None else 0
            for key in keys:
                dst = merged.setdefault(key, [{} for _ in range(m)])[i]
                if key[0] == "type":
                    dst.update(hists[i])
                else:
                    for v, n in hists[i].items():
                        dst[v] = dst.get(v, 0) + n
                oks.setdefault(key, [0] * m)[i] += within
    for code, c in counts.items():
        for key in (("type", code), ("agency", ctx.names.type_agency[code]), ("none", None)):
            for j, code_ in enumerate((_INCIDENTS, _POPULATION, _CLOSED, _UNITS)):
                entry = out[key].setdefault(code_, {"n": 0})
                entry["n"] += c[j]
    for key, hists in merged.items():
        for i, k in enumerate(intervals):
            n, p50, p90 = _read_histogram(hists[i])
            if n:
                out[key][IV[k]] = {"n": n, "ok": oks[key][i], "p50": p50, "p90": p90}
    return out


def _read_histogram(hist: dict[int, int]) -> tuple[int, int | None, int | None]:
    """(n, p50, p90) of a ``{value: count}`` histogram by nearest rank (``fractiles.rank``)."""
    total = sum(hist.values())
    if total == 0:
        return 0, None, None
    wanted = sorted((rank(p, total), i) for i, p in enumerate((0.5, 0.9)))
    found: list[int | None] = [None, None]
    cum, j = 0, 0
    for value in sorted(hist):
        cum += hist[value]
        while j < len(wanted) and cum >= wanted[j][0]:
            found[wanted[j][1]] = value
            j += 1
        if j == len(wanted):
            break
    return total, found[0], found[1]


def _array_query(ctx: _Ctx, families: dict[str, Sequence[str]], *, pop_only: bool = False) -> sql.Composed:
    """SQL of :func:`_array_hist`."""
    sets = [(grp, c, key) for fam in families for grp, c, key in _ARRAY_SETS[fam]]
    intervals: list[str] = []
    for ivs in families.values():
        intervals.extend(k for k in ivs if k not in intervals)
    cols: list[str] = []
    for _, c, _ in sets:
        cols.extend(x for x in c if x not in cols)

    def gs_of(c: tuple[str, ...]) -> sql.Literal:
        return sql.Literal(sum(1 << (len(cols) - 1 - i) for i, name in enumerate(cols) if name not in c))

    aggs = sql.SQL("").join(
        sql.SQL(", array_agg({v}) FILTER (WHERE {v} IS NOT NULL) AS {arr}, count(*) FILTER (WHERE {ok}) AS {okn}").format(
            v=sql.Identifier(f"v_{k}"), arr=sql.Identifier(f"arr_{k}"), ok=sql.Identifier(f"ok_{k}"),
            okn=sql.Identifier(f"okn_{k}")) for k in intervals)
    values = sql.SQL("").join(
        sql.SQL(", ({iv}, coalesce(cardinality(z.{arr}), 0), z.{okn}, (SELECT percentile_disc(ARRAY[0.5, 0.9])"
                " WITHIN GROUP (ORDER BY v) FROM unnest(z.{arr}) AS v))").format(
            iv=sql.Literal(IV[k]), arr=sql.Identifier(f"arr_{k}"), okn=sql.Identifier(f"okn_{k}")) for k in intervals)
    body = sql.SQL(_ARRAY_QUERY).format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sets=sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(sql.Identifier(x) for x in c))
                                for _, c, _ in sets),
        aggs=aggs, values=values,
        grp_cases=sql.SQL(" ").join(sql.SQL("WHEN {} THEN {}").format(gs_of(c), sql.Literal(g)) for g, c, _ in sets),
        key_cases=sql.SQL(" ").join(sql.SQL("WHEN {} THEN ({})::text").format(gs_of(c), sql.SQL(k))
                                    for _, c, k in sets))
    return sql.Composed([ctx.scope(pop_only=pop_only), sql.SQL(_ROW_COLUMNS), body])


def _array_hist(db: Database, ctx: _Ctx, families: dict[str, Sequence[str]], *, pop_only: bool = False) -> _Hist:
    """Fractiles of fine groups: one scan, each group's values gathered, percentile_disc per group.

    ``pop_only``: read only the unit-interval population (its counts are then not returned).
    """
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute(_array_query(ctx, families, pop_only=pop_only), ctx.params)
        rows = cur.fetchall()
    out: _Hist = defaultdict(dict)
    for r in rows:
        key = r["key"]
        if pop_only and int(r["iv"]) < 0:
            continue
        if key is not None and r["grp"] in ("kelurahan", "kecamatan"):
            key = ctx.by_id[r["grp"]].get(int(key))
        out[(r["grp"], key)][int(r["iv"])] = r
    return out


def _summary(stats: dict[int, dict[str, Any]], k: str) -> IntervalSummary:
    r = stats.get(IV[k])
    n = int(r["n"]) if r else 0
    ok = int(r["ok"]) if r else 0
    pop = _count(stats, _INCIDENTS if k == "answer" else _POPULATION)
    return IntervalSummary(interval=k, n=n, population=pop, p50_s=r["p50"] if r else None,
                           p90_s=r["p90"] if r else None, within_target_share=share(ok, n),
                           completeness_share=share(n, pop))


def _count(stats: dict[int, dict[str, Any]], code: int) -> int:
    row = stats.get(code)
    return int(row["n"]) if row and row["n"] is not None else 0


def _merge(into: _Hist, other: _Hist) -> _Hist:
    """Add the interval rows of ``other`` (a query without counts) to ``into``."""
    for key, stats in other.items():
        into.setdefault(key, {}).update({iv: r for iv, r in stats.items() if iv >= 0})
    return into


def _rows(hist: _Hist, grp: str, intervals: Sequence[str]) -> list[GroupRow]:
    out = [GroupRow(key=key, incidents=_count(stats, _INCIDENTS),
                    intervals={k: _summary(stats, k) for k in intervals})
           for (g, key), stats in hist.items() if g == grp and _count(stats, _INCIDENTS) > 0]
    out.sort(key=lambda r: (r.key is None, r.key or ""))
    return out


def _overall(hist: _Hist, intervals: Sequence[str]) -> GroupRow:
    rows = _rows(hist, "none", intervals)
    return rows[0] if rows else GroupRow(None, 0, {k: _summary({}, k) for k in intervals})


def _context(db: Database, filters: Filters, targets: Targets | None) -> _Ctx:
    return _Ctx(filters, targets or load_targets(db), names(db), codes(db))


# --- public queries ---------------------------------------------------------------------------
GROUP_BYS = ("none", "kecamatan", "kelurahan", "type", "agency")


def response_times(db: Database, filters: Filters, *, group_by: str = "none",
                   targets: Targets | None = None, do_refresh: bool = True,
                   intervals: Sequence[str] = INTERVAL_KEYS) -> list[GroupRow]:
    """Per group and interval: p50, p90, share within target, n and completeness.

    ``group_by`` is one of none, kecamatan, kelurahan, type, agency. For ``none`` the single
    row has key None (and counts 0 for an empty period).
    """
    if group_by not in GROUP_BYS:
        raise ValueError(f"unknown group_by {group_by!r}")
    if do_refresh:
        refresh(db)
    ctx = _context(db, filters, targets)
    unit = [k for k in intervals if k in _UNIT_INTERVALS]
    other = [k for k in intervals if k not in _UNIT_INTERVALS]
    jobs: dict[str, Callable[[], _Hist]]
    if group_by in ("kecamatan", "kelurahan"):
        jobs = {"all": lambda: _array_hist(db, ctx, {"place": other}),
                "unit": lambda: _array_hist(db, ctx, {"place": unit}, pop_only=True) if unit else {}}
    else:
        jobs = {"all": lambda: _type_hist(db, ctx, other),
                "unit": lambda: _type_hist(db, ctx, unit, pop_only=True, counts=False) if unit else {}}
    res = _parallel(jobs, 2)
    hist = _merge(res["all"], res["unit"])
    return [_overall(hist, intervals)] if group_by == "none" else _rows(hist, group_by, intervals)


_KPI_FACTS = "SELECT {aggs} FROM s"
_KPI_CALLS = "SELECT {aggs} FROM calls c WHERE c.received_at >= %(lo)s AND c.received_at < %(hi)s"
_KPI_CALLS_ROLLUP = "SELECT coalesce(sum(n), 0) AS c0 FROM analytics_calls_daily WHERE day_wita >= %(first)s AND day_wita <= %(last)s"


def _window_counts(db: Database, ctx: _Ctx, windows: list[tuple[str, datetime, datetime]]
                   ) -> dict[str, tuple[int, int, int]]:
    """``{name: (calls, incidents, units)}`` for each window: one scan of facts, one of calls
    (a single window of whole WITA days reads the calls rollup)."""
    lo = min(w[1] for w in windows)
    hi = max(w[2] for w in windows)
    params = {**ctx.params, "start": lo, "end": hi, "lo": lo, "hi": hi}
    inc_aggs, call_aggs = [], []
    for i, (_, start, end) in enumerate(windows):
        params[f"s{i}"], params[f"e{i}"] = start, end
        s_, e_ = sql.Placeholder(f"s{i}"), sql.Placeholder(f"e{i}")
        cond = sql.SQL("ref_at >= {} AND ref_at < {}").format(s_, e_)
        inc_aggs.append(sql.SQL("count(*) FILTER (WHERE {c}) AS {a}, coalesce(sum(units_n) FILTER (WHERE {c}), 0) AS {b}")
                        .format(c=cond, a=sql.Identifier(f"i{i}"), b=sql.Identifier(f"u{i}")))
        ccond = sql.SQL("c.received_at >= {} AND c.received_at < {}").format(s_, e_)
        call_aggs.append(sql.SQL("count(*) FILTER (WHERE {c}) AS {a}").format(c=ccond, a=sql.Identifier(f"c{i}")))
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute(sql.Composed([ctx.scope(), sql.SQL(_KPI_FACTS).format(aggs=sql.SQL(", ").join(inc_aggs))]), params)
        inc = cur.fetchone()
        one = Filters(lo, hi)
        if len(windows) == 1 and _whole_days(one):
            cur.execute(_KPI_CALLS_ROLLUP, {"first": one.first_day, "last": one.last_day})
        else:
            cur.execute(sql.SQL(_KPI_CALLS).format(aggs=sql.SQL(", ").join(call_aggs)), params)
        calls = cur.fetchone()
    return {name: (int(calls[f"c{i}"]), int(inc[f"i{i}"]), int(inc[f"u{i}"]))
            for i, (name, _, _) in enumerate(windows)}


def _kpis(counts: dict[str, tuple[int, int, int]], windows: list[tuple[str, datetime, datetime]]) -> list[Kpi]:
    out = []
    for name, start, end in windows:
        c, i, u = counts[name]
        pc, pi, pu = counts[f"prev_{name}"]
        out.append(Kpi(name, start, end, c, i, u, pc, pi, pu))
    return out


def _with_previous(windows: list[tuple[str, datetime, datetime]]) -> list[tuple[str, datetime, datetime]]:
    out = []
    for name, start, end in windows:
        out.append((name, start, end))
        out.append((f"prev_{name}", start - (end - start), start))
    return out


# calls: (day, classification, answered, answer_s, n) rows, from the daily rollup for whole WITA
# days, from the calls table otherwise; the same SQL turns them into call handling figures
_CALL_ROWS_ROLLUP = """
SELECT day_wita AS day, classification, answered, answer_s, n FROM analytics_calls_daily
 WHERE day_wita >= %(first)s AND day_wita <= %(last)s
"""
_CALL_ROWS_RAW = """
SELECT (received_at AT TIME ZONE 'Asia/Makassar')::date AS day, classification, answered_at IS NOT NULL AS answered,
       analytics_seconds(received_at, answered_at) AS answer_s, 1 AS n
  FROM calls WHERE received_at >= %(start)s AND received_at < %(end)s
"""
_CALLS = """
WITH r AS ({rows}),
g AS (SELECT 'calls' AS grp, NULL::text AS key, 0 AS iv, answer_s AS v, sum(n) AS n,
             sum(n) FILTER (WHERE answer_s <= %(target)s) AS n_ok
        FROM r WHERE answer_s IS NOT NULL GROUP BY answer_s)
, c AS (SELECT v, n, sum(n) OVER (ORDER BY v) AS cum, sum(n) OVER () AS tot FROM g)
SELECT 'fractiles' AS part, NULL::date AS day, NULL::text AS classification,
       max(tot)::bigint AS a, NULL::bigint AS b, NULL::bigint AS c,
       min(v) FILTER (WHERE cum >= greatest(1, ceil(0.5::float8 * tot::float8))) AS p50,
       min(v) FILTER (WHERE cum >= greatest(1, ceil(0.9::float8 * tot::float8))) AS p90
  FROM c
UNION ALL
SELECT 'within', NULL, NULL, x.s, sum(r.n) FILTER (WHERE r.answer_s <= x.s), NULL, NULL, NULL
  FROM r CROSS JOIN unnest(%(thresholds)s::int[]) AS x(s) GROUP BY x.s
UNION ALL
SELECT 'class', NULL, classification, sum(n), sum(n) FILTER (WHERE answered), NULL, NULL, NULL
  FROM r GROUP BY classification
UNION ALL
SELECT 'daily', day, NULL, sum(n), sum(n) FILTER (WHERE answered),
       sum(n) FILTER (WHERE classification IN ('prank', 'ghost', 'invalid')), NULL, NULL
  FROM r GROUP BY day
"""
CALL_CLASSES = ("valid", "prank", "ghost", "invalid", "duplicate", "abandoned", "info")


def _whole_days(filters: Filters) -> bool:
    return (filters.start == datetime.combine(filters.first_day, datetime.min.time(), tzinfo=WITA)
            and filters.end == datetime.combine(filters.last_day + timedelta(days=1), datetime.min.time(),
                                                tzinfo=WITA))


def call_handling(db: Database, filters: Filters, *, answer_target_s: int = 15) -> CallHandling:
    """Answered vs unanswered calls, answer fractiles, classification shares, calls per day.

    Only the period applies: a call has no type, agency or place before it is answered.
    """
    thresholds = sorted({answer_target_s, *(s for s, _, _ in CALL_ANSWER_STANDARDS)})
    rows_sql = _CALL_ROWS_ROLLUP if _whole_days(filters) else _CALL_ROWS_RAW
    params = {"first": filters.first_day, "last": filters.last_day, "start": filters.start,
              "end": filters.end, "target": answer_target_s, "thresholds": thresholds}
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute(sql.SQL(_CALLS).format(rows=sql.SQL(rows_sql)), params)
        rows = cur.fetchall()
    by_class = {c: 0 for c in CALL_CLASSES}
    answered = 0
    within: dict[int, int] = {}
    daily = []
    n = p50 = p90 = None
    for r in rows:
        if r["part"] == "fractiles":
            n, p50, p90 = r["a"], r["p50"], r["p90"]
        elif r["part"] == "within":
            within[int(r["a"])] = int(r["b"] or 0)
        elif r["part"] == "class":
            by_class[r["classification"]] = int(r["a"])
            answered += int(r["b"] or 0)
        else:
            daily.append((r["day"], int(r["a"]), int(r["b"] or 0), int(r["c"] or 0)))
    daily.sort()
    total = sum(by_class.values())
    n = int(n or 0)
    summary = IntervalSummary("answer", n, total, p50, p90, share(within.get(answer_target_s, 0), n),
                              share(n, total))
    standards = [(s, goal, src, share(within.get(s, 0), n)) for s, goal, src in CALL_ANSWER_STANDARDS]
    return CallHandling(total=total, answered=answered, unanswered=total - answered, by_class=by_class,
                        answer=summary, standards=standards, daily=daily)


def _league(hist: _Hist) -> list[LeagueRow]:
    out = []
    for (g, key), stats in hist.items():
        if g != "agency" or key is None:
            continue
        inc = _count(stats, _INCIDENTS)
        closed = _count(stats, _CLOSED)
        close = stats.get(IV["close_min"])
        out.append(LeagueRow(key, inc, closed, share(closed, inc),
                             close["p50"] * 60 if close and close["p50"] is not None else None,
                             close["p90"] * 60 if close and close["p90"] is not None else None))
    out.sort(key=lambda x: (-(x.closure_share or 0.0), x.close_p50_s if x.close_p50_s is not None else 1 << 40))
    return out


def _parallel(jobs: dict[str, Callable[[], T]], workers: int) -> dict[str, T]:
    if workers <= 1:
        return {k: job() for k, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analytics") as pool:
        futures = {k: pool.submit(job) for k, job in jobs.items()}
        return {k: f.result() for k, f in futures.items()}


def dashboard(db: Database, filters: Filters, *, now: datetime | None = None,
              targets: Targets | None = None, workers: int = DASHBOARD_WORKERS,
              do_refresh: bool = True) -> Dashboard:
    """Everything the leadership page shows for ``filters``, computed in PostgreSQL.

    Six independent queries run on ``workers`` pooled connections at once: per-type histograms
    (all incidents: answer time, time to close, counts; the unit population: the four unit
    intervals), the values per kelurahan/kecamatan/day/week/weekday × hour, call handling, and
    the KPI windows (recent ones, and the previous period).
    """
    t0 = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    if do_refresh:
        refresh(db)
    n = names(db)
    tg = targets or load_targets(db)
    ctx = _Ctx(filters, tg, n, codes(db))
    recent = _with_previous(kpi_windows(now))
    previous = filters.previous()
    jobs: dict[str, Callable[[], Any]] = {
        "type_unit": lambda: _type_hist(db, ctx, _UNIT_INTERVALS, pop_only=True, counts=False),
        "type": lambda: _type_hist(db, ctx, ("answer", "close_min")),
        "fine": lambda: _array_hist(db, ctx, {"place": ("total",), "time": ("total",), "heat": ("total",)}),
        "calls": lambda: call_handling(db, filters, answer_target_s=tg.resolve("answer").target_s),
        "kpi_recent": lambda: _window_counts(db, ctx, recent),
        "kpi_previous": lambda: _window_counts(db, ctx, [("prev_period", previous.start, previous.end)]),
    }
    res = _parallel(jobs, workers)
    by_type = _merge(res["type"], res["type_unit"])
    by_place = res["fine"]
    overall = by_type.get(("none", None), {})
    counts = {**res["kpi_previous"],
              "period": (res["calls"].total, _count(overall, _INCIDENTS), _count(overall, _UNITS))}
    kpis = _kpis(res["kpi_recent"], recent[::2]) + _kpis(counts, [("period", filters.start, filters.end)])
    return Dashboard(
        filters=filters, targets=tg, names=n, kpis=kpis, overall=_overall(by_type, INTERVAL_KEYS),
        by_kecamatan=_rows(by_place, "kecamatan", ("total",)),
        by_kelurahan=_rows(by_place, "kelurahan", ("total",)),
        by_type=_rows(by_type, "type", INTERVAL_KEYS), by_agency=_rows(by_type, "agency", INTERVAL_KEYS),
        heatmap=_rows(by_place, "heat", ("total",)), daily=_rows(by_place, "day", ("total",)),
        weekly=_rows(by_place, "week", ("total",)), calls=res["calls"], league=_league(by_type),
        seconds=round(time.perf_counter() - t0, 3),
    )


def data_range(db: Database) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest incident reference time (for the date picker)."""
    with db.transaction() as cur:
        cur.execute("SELECT min(ref_at) AS lo, max(ref_at) AS hi FROM analytics_incident_facts")
        r = cur.fetchone()
    return r["lo"], r["hi"]
