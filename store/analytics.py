"""Analytics SQL: the fact tables, their refresh, and the aggregates the dashboard is made of.

A pure repository: plain parameters in (periods, codes, per-type targets), rows, histograms
(``{seconds: count}``) and small dataclasses out. What the figures mean — fractiles read from
histograms, group rows, targets — is the business of :mod:`analytics` and
:mod:`services.analytics`.

* Per-type one-second histograms of every interval come from one hash aggregate
  (``GROUP BY GROUPING SETS``): a few thousand rows for a million incidents
  (:func:`type_histograms`).
* Fine groups (kelurahan, kecamatan, WITA day, ISO week, weekday × hour): one hash aggregate
  gathers each group's values and ``percentile_disc`` sorts only that group's values
  (:func:`group_fractiles`).
* Call handling reads the daily call rollup; counts use ``FILTER`` clauses.

Tables (migrations 010, 011, 021): ``analytics_incident_facts`` (one narrow row per incident:
small integer codes for type/kecamatan/kelurahan, intervals in seconds, WITA day/hour/weekday
computed with ``AT TIME ZONE 'Asia/Makassar'``), ``analytics_calls_daily`` (each WITA day's
calls by classification and answer second), ``analytics_refresh_state`` (how far the facts
follow the events, and their version) and ``analytics_dashboard_cache`` (recent results).
Facts are brought up to date by :func:`refresh` (a background refresher and tests), or by
:func:`refresh_incidents` inside a writing transaction; readers never refresh.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from store.db import Database

_TZ = ZoneInfo("Asia/Makassar")
REFRESH_LOCK = 112_0005
#: Lock class (first key of the two-key advisory lock) of one dashboard view's computation.
_VIEW_LOCK_CLASS = 1120006
#: New incidents are looked for among ids above (highest seen id - this margin), so that a
#: transaction that took its id earlier but committed later is still picked up.
_ID_MARGIN = 5000
#: Events re-read below the watermark on each refresh, for the same reason.
_EVENT_MARGIN = 2000
#: The calls of the last two WITA days are rebuilt whole at least this often (late commits).
RECENT_CALLS_EVERY_S = 60
#: Stored dashboard results older than this are pruned.
_CACHE_KEEP = timedelta(minutes=15)
_SESSION = "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0"

#: The measured intervals (fact columns ``<name>_s``; ``close_min`` is time to close in minutes).
INTERVALS = ("answer", "processing", "turnout", "travel", "total")
UNIT_INTERVALS = ("processing", "turnout", "travel", "total")
#: The counts returned per group besides the intervals.
COUNTS = ("incidents", "population", "closed", "units")
CODE_KINDS = ("type", "kecamatan", "kelurahan")

# --- fact tables --------------------------------------------------------------------------------
_FACT_COLUMNS = ("ref_at", "day_wita", "week_wita", "hour_wita", "isodow_wita", "type_id", "kec_id", "kel_id",
                 "no_unit", "closed", "answer_s", "processing_s", "turnout_s", "travel_s", "total_s", "close_s",
                 "units_n", "has_call", "answered")

_UPSERT_FACTS = """
INSERT INTO analytics_incident_facts AS f (incident_id, {columns})
SELECT i.id, r.ref_at, r.loc::date, date_trunc('week', r.loc)::date, extract(hour FROM r.loc)::smallint,
       extract(isodow FROM r.loc)::smallint,
       ct.id, ckc.id, ckl.id, coalesce(i.outcome = ANY(%(no_unit)s::text[]), false), i.status = 'closed',
       CASE WHEN coalesce(u.received AND u.answered, true)
            THEN analytics_seconds(i.call_received_at, i.call_answered_at) END,
       CASE WHEN coalesce(u.answered, true) THEN analytics_seconds(i.call_answered_at, i.first_dispatched_at) END,
       analytics_seconds(i.first_dispatched_at, i.first_en_route_at),
       analytics_seconds(i.first_en_route_at, i.first_on_scene_at),
       CASE WHEN coalesce(u.received, true) THEN analytics_seconds(i.call_received_at, i.first_on_scene_at) END,
       analytics_seconds(r.ref_at, i.closed_at),
       (SELECT count(*) FROM assignments a WHERE a.incident_id = i.id),
       i.call_id IS NOT NULL OR i.call_received_at IS NOT NULL, i.call_answered_at IS NOT NULL
  FROM incidents i
 CROSS JOIN LATERAL (SELECT coalesce(i.call_received_at, i.created_at) AS ref_at,
                            coalesce(i.call_received_at, i.created_at) AT TIME ZONE 'Asia/Makassar' AS loc) r
  LEFT JOIN analytics_call_stamps_unrecorded u ON u.incident_id = i.id
  JOIN analytics_codes ct ON ct.kind = 'type' AND ct.code = i.incident_type
  LEFT JOIN analytics_codes ckc ON ckc.kind = 'kecamatan' AND ckc.code = i.kecamatan_kode
  LEFT JOIN analytics_codes ckl ON ckl.kind = 'kelurahan' AND ckl.code = i.kelurahan_kode
 WHERE {where}
ON CONFLICT (incident_id) DO UPDATE SET ({columns}) = ({excluded})
{returning}"""
_WHERE_NEW = ("i.id > %(floor)s AND NOT EXISTS (SELECT 1 FROM analytics_incident_facts x"
              " WHERE x.incident_id = i.id)")
_TOUCHED_IDS = "SELECT DISTINCT e.incident_id AS id FROM events e WHERE e.id > %(after)s AND e.incident_id IS NOT NULL"
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
_CALLS_DAILY_SELECT = """
SELECT (c.received_at AT TIME ZONE 'Asia/Makassar')::date, c.classification, c.answered_at IS NOT NULL,
       CASE WHEN coalesce(u.received AND u.answered, true) THEN analytics_seconds(c.received_at, c.answered_at) END,
       count(*)
  FROM calls c
  LEFT JOIN analytics_call_stamps_unrecorded u ON u.incident_id = c.incident_id
"""
_CALL_DAYS_INSERT = ("INSERT INTO analytics_calls_daily (day_wita, classification, answered, answer_s, n)"
                     + _CALLS_DAILY_SELECT
                     + " WHERE c.received_at >= %(lo)s AND c.received_at < %(hi)s"
                       " AND (c.received_at AT TIME ZONE 'Asia/Makassar')::date = ANY(%(days)s)"
                       " GROUP BY 1, 2, 3, 4")

# --- per-day rollups of the facts (read by the dashboard) ------------------------------------------
#: Flag bits of a block's ``codes`` (bits 56..59; type, kecamatan, kelurahan and hour below them).
BLOCK_FLAGS = {"no_unit": 56, "closed": 57, "has_call": 58, "answered": 59}
#: Interval columns of a block (int4 seconds, -1 = not measured), in storage order.
BLOCK_VALUES = ("answer", "processing", "turnout", "travel", "total", "close")
_BLOCK_WHERE = {"days": "WHERE f.day_wita = ANY(%(days)s)", "all": ""}
_BLOCKS_INSERT = """
INSERT INTO analytics_day_blocks (day_wita, n, codes, refs, units, answer, processing, turnout, travel, total, close)
SELECT f.day_wita, count(*),
       -- (PostgreSQL's bit operators share one precedence, left to right: every shift in parentheses)
       string_agg(int8send(f.type_id::int8 | (coalesce(f.kec_id, 0)::int8 << 16)
                           | (coalesce(f.kel_id, 0)::int8 << 32) | (f.hour_wita::int8 << 48)
                           | (f.no_unit::int::int8 << 56) | (f.closed::int::int8 << 57)
                           | (f.has_call::int::int8 << 58) | (f.answered::int::int8 << 59)), '' ORDER BY f.incident_id),
       string_agg(int8send((extract(epoch FROM (f.ref_at AT TIME ZONE 'Asia/Makassar') - f.day_wita::timestamp)
                            * 1000000)::int8), '' ORDER BY f.incident_id),
       string_agg(int2send(f.units_n), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.answer_s, -1)), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.processing_s, -1)), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.turnout_s, -1)), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.travel_s, -1)), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.total_s, -1)), '' ORDER BY f.incident_id),
       string_agg(int4send(coalesce(f.close_s, -1)), '' ORDER BY f.incident_id)
  FROM analytics_incident_facts f {where}
 GROUP BY f.day_wita
"""
_COUNTS_INSERT = """
INSERT INTO analytics_day_counts (day_wita, type_id, kec_id, incidents, units, calls)
SELECT f.day_wita, f.type_id, coalesce(f.kec_id, 0), count(*), coalesce(sum(f.units_n), 0),
       count(*) FILTER (WHERE f.has_call)
  FROM analytics_incident_facts f {where}
 GROUP BY 1, 2, 3
"""
_CALL_BLOCKS_INSERT = """
WITH k AS (SELECT day_wita, classification, sum(n)::int AS calls,
                  coalesce(sum(n) FILTER (WHERE answered), 0)::int AS ans
             FROM analytics_calls_daily d {where} GROUP BY 1, 2),
kk AS (SELECT day_wita, array_agg(classification ORDER BY classification) AS classes,
              array_agg(calls ORDER BY classification) AS calls, array_agg(ans ORDER BY classification) AS ans
         FROM k GROUP BY 1),
a AS (SELECT day_wita, answer_s, sum(n)::int AS n FROM analytics_calls_daily d {where_and} answered
         AND answer_s IS NOT NULL GROUP BY 1, 2),
aa AS (SELECT day_wita, array_agg(answer_s ORDER BY answer_s) AS vs, array_agg(n ORDER BY answer_s) AS ns
         FROM a GROUP BY 1)
INSERT INTO analytics_call_blocks (day_wita, classes, class_calls, class_answered, answer_s, answer_n)
SELECT kk.day_wita, kk.classes, kk.calls, kk.ans, coalesce(aa.vs, '{{}}'), coalesce(aa.ns, '{{}}')
  FROM kk LEFT JOIN aa USING (day_wita)
"""


def _rebuild_blocks(cur: psycopg.Cursor[Any], days: Collection[date] | None) -> None:
    """Rebuild the day blocks and day counts of ``days`` (None: all) from the facts."""
    if days is not None and not days:
        return
    if days is None:
        cur.execute("TRUNCATE analytics_day_blocks, analytics_day_counts")
        params: dict[str, Any] = {}
    else:
        params = {"days": sorted(set(days))}
        cur.execute("DELETE FROM analytics_day_blocks WHERE day_wita = ANY(%(days)s)", params)
        cur.execute("DELETE FROM analytics_day_counts WHERE day_wita = ANY(%(days)s)", params)
    where = sql.SQL(_BLOCK_WHERE["all" if days is None else "days"])
    cur.execute(sql.SQL(_BLOCKS_INSERT).format(where=where), params)
    cur.execute(sql.SQL(_COUNTS_INSERT).format(where=where), params)


def _rebuild_call_blocks(cur: psycopg.Cursor[Any], days: Collection[date] | None) -> None:
    if days is not None and not days:
        return
    if days is None:
        cur.execute("TRUNCATE analytics_call_blocks")
        where, where_and, params = "", "WHERE", {}
    else:
        params = {"days": sorted(set(days))}
        cur.execute("DELETE FROM analytics_call_blocks WHERE day_wita = ANY(%(days)s)", params)
        where, where_and = "WHERE d.day_wita = ANY(%(days)s)", "WHERE d.day_wita = ANY(%(days)s) AND"
    cur.execute(sql.SQL(_CALL_BLOCKS_INSERT).format(where=sql.SQL(where), where_and=sql.SQL(where_and)), params)


_STATE = """
SELECT s.event_id, s.call_id, s.version,
       s.recent_calls_at IS NULL OR s.recent_calls_at < now() - make_interval(secs => %(every)s) AS recent_due,
       (now() AT TIME ZONE 'Asia/Makassar')::date AS today,
       (SELECT coalesce(max(id), 0) FROM events) AS top_event,
       (SELECT coalesce(max(id), 0) FROM calls) AS top_call,
       (SELECT coalesce(max(incident_id), 0) FROM analytics_incident_facts) AS top_fact
  FROM analytics_refresh_state s WHERE s.id = 1
"""


@dataclass(frozen=True)
class Refreshed:
    """What one refresh wrote: incident facts, WITA call days rebuilt, and the facts' version after."""

    facts: int
    call_days: int
    version: int


def _upsert(where: str, *, returning: bool = True) -> sql.Composed:
    """The facts upsert for the incidents matching ``where`` (returning each row's WITA day)."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in _FACT_COLUMNS)
    excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in _FACT_COLUMNS)
    return sql.SQL(_UPSERT_FACTS).format(columns=cols, excluded=excluded, where=sql.SQL(where),
                                         returning=sql.SQL("RETURNING f.day_wita" if returning else ""))


def _ensure_codes(cur: psycopg.Cursor[Any]) -> None:
    for kind, (table, column) in _CODE_SOURCES.items():
        cur.execute(sql.SQL(_ENSURE_CODES).format(table=sql.Identifier(table), column=sql.Identifier(column)),
                    {"kind": kind})


def _rebuild_call_days(cur: psycopg.Cursor[Any], days: Collection[date]) -> int:
    ordered = sorted(set(days))
    if not ordered:
        return 0
    lo = datetime.combine(ordered[0], datetime.min.time(), tzinfo=_TZ)
    hi = datetime.combine(ordered[-1] + timedelta(days=1), datetime.min.time(), tzinfo=_TZ)
    cur.execute(_CALL_DAYS_DELETE, {"days": ordered})
    cur.execute(_CALL_DAYS_INSERT, {"days": ordered, "lo": lo, "hi": hi})
    return len(ordered)


def _lock(cur: psycopg.Cursor[Any], *, wait: bool) -> bool:
    if wait:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (REFRESH_LOCK,))
        return True
    cur.execute("SELECT pg_try_advisory_xact_lock(%s) AS ok", (REFRESH_LOCK,))
    row = cur.fetchone()
    return bool(row and row["ok"])


def _bump(cur: psycopg.Cursor[Any]) -> int:
    cur.execute("UPDATE analytics_refresh_state SET version = version + 1 WHERE id = 1 RETURNING version")
    row = cur.fetchone()
    return int(row["version"]) if row else 0


def refresh(db: Database, *, no_unit_outcomes: Sequence[str], wait: bool = True) -> Refreshed | None:
    """Bring both fact tables up to date under the refresh lock.

    Incidents: new ones, and those touched by an event since the last refresh (every state
    change is an event). Calls: every WITA day with a new call or a call touched by an event;
    today and yesterday are rebuilt whole when anything changed and at least every
    :data:`RECENT_CALLS_EVERY_S` seconds. The first refresh of an empty table builds everything.

    Parameters
    ----------
    no_unit_outcomes
        Outcomes that take an incident out of the unit-interval population.
    wait
        Wait for the lock (True), or return None at once when another session holds it.
    """
    with db.transaction() as cur:
        cur.execute(_SESSION)
        if not _lock(cur, wait=wait):
            return None
        _ensure_codes(cur)
        cur.execute(_STATE, {"every": RECENT_CALLS_EVERY_S})
        st = cur.fetchone()
        assert st is not None
        params = {"no_unit": list(no_unit_outcomes)}
        events_moved = int(st["top_event"]) > int(st["event_id"])
        event_after = max(0, int(st["event_id"]) - _EVENT_MARGIN)
        fact_days: set[date] | None = set()
        if int(st["top_fact"]) == 0:
            cur.execute(_upsert("true", returning=False), params)
            written = cur.rowcount
            fact_days = None
            if not written:   # no incidents (any more): no rollups either
                cur.execute("DELETE FROM analytics_day_blocks")
                cur.execute("DELETE FROM analytics_day_counts")
                fact_days = set()
        else:
            cur.execute(_upsert(_WHERE_NEW), {**params, "floor": max(0, int(st["top_fact"]) - _ID_MARGIN)})
            written = cur.rowcount
            fact_days = {r["day_wita"] for r in cur.fetchall()}
            if events_moved:
                written += _refresh_ids(cur, _touched_ids(cur, event_after), params, fact_days)
        call_after = int(st["call_id"])
        days: set[date] = set()
        if call_after == 0 and int(st["top_call"]) > 0:
            cur.execute("SELECT DISTINCT (received_at AT TIME ZONE 'Asia/Makassar')::date AS day FROM calls")
            days = {r["day"] for r in cur.fetchall()}
        elif int(st["top_call"]) > call_after or events_moved:
            cur.execute(_CALL_DAYS_NEW, {"after": call_after, "event_after": event_after})
            days = {r["day"] for r in cur.fetchall()}
        recent = bool(st["recent_due"]) or written > 0 or bool(days)
        if recent:
            today = st["today"]
            days |= {today, today - timedelta(days=1)}
        rebuilt = _rebuild_call_days(cur, days)
        _rebuild_blocks(cur, fact_days)
        _rebuild_call_blocks(cur, days)
        version = _bump(cur) if written or rebuilt else int(st["version"])
        if written or rebuilt or events_moved or int(st["top_call"]) != call_after:
            cur.execute("UPDATE analytics_refresh_state SET event_id = %s, call_id = %s, refreshed_at = now(),"
                        " recent_calls_at = CASE WHEN %s THEN now() ELSE recent_calls_at END WHERE id = 1",
                        (int(st["top_event"]), int(st["top_call"]), recent))
        return Refreshed(written, rebuilt, version)


def _touched_ids(cur: psycopg.Cursor[Any], event_after: int) -> list[int]:
    cur.execute(_TOUCHED_IDS, {"after": event_after})
    return [int(r["id"]) for r in cur.fetchall()]


def _refresh_ids(cur: psycopg.Cursor[Any], ids: Sequence[int], params: Mapping[str, Any], days: set[date]) -> int:
    """Re-derive the facts of ``ids``; add the WITA days they were and are on to ``days``."""
    if not ids:
        return 0
    cur.execute("SELECT DISTINCT day_wita FROM analytics_incident_facts WHERE incident_id = ANY(%(ids)s)",
                {"ids": list(ids)})
    days.update(r["day_wita"] for r in cur.fetchall())
    cur.execute(_upsert(_WHERE_IDS), {**params, "ids": list(ids)})
    written = cur.rowcount
    days.update(r["day_wita"] for r in cur.fetchall())
    return written


def refresh_incidents(cur: psycopg.Cursor[Any], ids: Sequence[int], call_days: Collection[date], *,
                      no_unit_outcomes: Sequence[str]) -> int:
    """Re-derive the facts of the given incidents and the call days inside the caller's
    transaction (``cur``), e.g. an import's, so that they appear atomically with the data."""
    _lock(cur, wait=True)
    _ensure_codes(cur)
    days: set[date] = set()
    written = _refresh_ids(cur, ids, {"no_unit": list(no_unit_outcomes)}, days)
    rebuilt = _rebuild_call_days(cur, call_days)
    _rebuild_blocks(cur, days)
    _rebuild_call_blocks(cur, call_days)
    if rebuilt or written:
        _bump(cur)
    return written


def rebuild(db: Database, *, no_unit_outcomes: Sequence[str]) -> int:
    """Recompute the fact tables and their rollups from scratch (after catalog changes); return
    incident facts.

    TRUNCATE (not DELETE) so that the table is written anew without dead rows for scans to skip;
    readers wait for the rebuild's commit.
    """
    with db.transaction() as cur:
        cur.execute(_SESSION)
        _lock(cur, wait=True)
        _ensure_codes(cur)
        cur.execute("TRUNCATE analytics_incident_facts, analytics_calls_daily")
        cur.execute(_upsert("true", returning=False), {"no_unit": list(no_unit_outcomes)})
        written = cur.rowcount
        cur.execute("INSERT INTO analytics_calls_daily (day_wita, classification, answered, answer_s, n)"
                    + _CALLS_DAILY_SELECT + " GROUP BY 1, 2, 3, 4")
        _rebuild_blocks(cur, None)
        _rebuild_call_blocks(cur, None)
        cur.execute("UPDATE analytics_refresh_state SET event_id = (SELECT coalesce(max(id), 0) FROM events),"
                    " call_id = (SELECT coalesce(max(id), 0) FROM calls), refreshed_at = now(),"
                    " recent_calls_at = now(), version = version + 1 WHERE id = 1")
    return written


def facts_version(db: Database) -> int:
    """The facts' version: it changes with every refresh that wrote something."""
    with db.transaction() as cur:
        cur.execute("SELECT version FROM analytics_refresh_state WHERE id = 1")
        row = cur.fetchone()
    return int(row["version"]) if row else 0


def database_name(url: str) -> str:
    """The database name of a connection URL or conninfo string ("" when it has none)."""
    try:
        return str(psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "")
    except psycopg.Error:
        return ""


def data_range(db: Database) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest incident reference time in the facts."""
    with db.transaction() as cur:
        cur.execute("SELECT min(ref_at) AS lo, max(ref_at) AS hi FROM analytics_incident_facts")
        r = cur.fetchone()
    return (r["lo"], r["hi"]) if r else (None, None)


# --- reference data ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Catalog:
    """Display names and the type catalog: code -> name, or (Indonesian, English)."""

    kecamatan: dict[str, str]
    kelurahan: dict[str, str]
    types: dict[str, tuple[str, str]]
    agencies: dict[str, tuple[str, str]]
    type_agency: dict[str, str]
    emergency_types: frozenset[str] = field(default_factory=frozenset)


def catalog(db: Database) -> Catalog:
    """Names of kecamatan, kelurahan, incident types and agencies; each type's agency."""
    with db.transaction() as cur:
        cur.execute("SELECT kode, nama FROM kecamatan ORDER BY kode")
        kec = {r["kode"]: r["nama"] for r in cur.fetchall()}
        cur.execute("SELECT kode, nama FROM kelurahan ORDER BY kode")
        kel = {r["kode"]: r["nama"] for r in cur.fetchall()}
        cur.execute("SELECT code, name_id, name_en, agency_code, is_emergency FROM incident_types ORDER BY code")
        trows = cur.fetchall()
        cur.execute("SELECT code, name_id, name_en FROM agencies ORDER BY code")
        agencies = {r["code"]: (r["name_id"], r["name_en"]) for r in cur.fetchall()}
    return Catalog(
        kecamatan=kec, kelurahan=kel,
        types={r["code"]: (r["name_id"], r["name_en"]) for r in trows},
        agencies=agencies,
        type_agency={r["code"]: r["agency_code"] for r in trows},
        emergency_types=frozenset(r["code"] for r in trows if r["is_emergency"]),
    )


def codes(db: Database) -> dict[str, dict[str, int]]:
    """``{kind: {code: small id}}`` of the fact table (kinds: type, kecamatan, kelurahan)."""
    out: dict[str, dict[str, int]] = {k: {} for k in CODE_KINDS}
    with db.transaction() as cur:
        cur.execute("SELECT kind, code, id FROM analytics_codes")
        for r in cur.fetchall():
            out[r["kind"]][r["code"]] = int(r["id"])
    return out

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


@dataclass(frozen=True)
class Scope:
    """The WHERE clause and bound parameters shared by the fact queries of one recompute."""

    where: sql.Composable
    params: dict[str, Any]
    type_code_of: dict[int, str]

    def cte(self, *, pop_only: bool = False) -> sql.Composed:
        """The ``WITH s AS (...)`` of the scope's facts (``pop_only``: the unit population only)."""
        where = sql.Composed([self.where, sql.SQL(_POP_ONLY)]) if pop_only else self.where
        return sql.SQL(_SCOPE).format(where=where)


def make_scope(codes: Mapping[str, Mapping[str, int]], *, start: datetime, end: datetime,
               type_codes: Collection[str] | None, kecamatan: str | None,
               targets: Mapping[str, Mapping[str, int | None]], emergency: Collection[str]) -> Scope:
    """The facts with ``start <= ref_at < end`` of the given types (None: all) and kecamatan.

    Parameters
    ----------
    codes
        :func:`codes` of this database.
    targets
        ``{type: {interval: target_s}}`` of every catalogued type; other types get no target
        and no unit population.
    emergency
        Types whose incidents (except no-unit outcomes) form the unit-interval population.
    """
    types = codes.get("type", {})
    size = max(types.values(), default=0)

    def per_type(value: Any) -> list[Any]:
        out: list[Any] = [None] * size
        for code, tid in types.items():
            if code in targets:
                out[tid - 1] = value(code)
        return out

    params: dict[str, Any] = {
        "emergency": per_type(lambda c: c in emergency),
        **{f"t_{k}": per_type(lambda c, k=k: targets[c].get(k)) for k in INTERVALS},
        "start": start, "end": end,
        "type_ids": [types[t] for t in (type_codes or ()) if t in types],
        "kec_id": codes.get("kecamatan", {}).get(kecamatan or "", -1),
    }
    conds = ["f.ref_at >= %(start)s", "f.ref_at < %(end)s"]
    if type_codes is not None:
        conds.append("f.type_id = ANY(%(type_ids)s::smallint[])")
    if kecamatan:
        conds.append("f.kec_id = %(kec_id)s")
    return Scope(sql.SQL(" AND ").join(sql.SQL(c) for c in conds), params, {v: k for k, v in types.items()})


# Per-type histograms: each type's exact one-second histogram of every interval comes from one
# hash aggregate (a few thousand rows for a million incidents).
_TYPE_HIST = """
SELECT type_id, GROUPING({gcols}) AS gs, {vsel} count(*) AS n, count(*) FILTER (WHERE pop) AS n_pop,
       count(*) FILTER (WHERE closed) AS n_closed, coalesce(sum(units_n), 0) AS units
  FROM s2 GROUP BY GROUPING SETS ({sets})
"""


@dataclass(frozen=True)
class TypeHistograms:
    """``hists``: ``{type: {interval: {value: incidents}}}``; ``counts``: ``{type: (incidents,
    unit population, closed, units dispatched)}`` (empty when not asked for)."""

    hists: dict[str, dict[str, dict[int, int]]]
    counts: dict[str, tuple[int, int, int, int]]


def type_histograms(db: Database, scope: Scope, intervals: Sequence[str], *, pop_only: bool = False,
                    counts: bool = True) -> TypeHistograms:
    """Exact histograms of ``intervals`` (names of :data:`INTERVALS` or ``close_min``) per type.

    ``pop_only``: only the unit-interval population.
    """
    vcols = [f"v_{k}" for k in intervals]
    sets = ([sql.SQL("(type_id)")] if counts else []) + \
        [sql.SQL("(type_id, {})").format(sql.Identifier(v)) for v in vcols]
    query = sql.Composed([scope.cte(pop_only=pop_only), sql.SQL(_ROW_COLUMNS), sql.SQL(_TYPE_HIST).format(
        gcols=sql.SQL(", ").join(sql.Identifier(v) for v in ["type_id", *vcols]),
        vsel=sql.SQL("").join(sql.SQL("{}, ").format(sql.Identifier(v)) for v in vcols),
        sets=sql.SQL(", ").join(sets))])
    with db.transaction(dict_rows=False) as cur:
        cur.execute(_SESSION)
        cur.execute(query, scope.params)
        rows = cur.fetchall()
    m = len(vcols)
    gs_count = (1 << m) - 1                               # only type_id grouped
    slot_of = {(1 << m) - 1 - (1 << (m - 1 - i)): i for i in range(m)}   # type_id and v_i grouped
    hists: dict[str, dict[str, dict[int, int]]] = {}
    found: dict[str, tuple[int, int, int, int]] = {}
    for row in rows:
        code = scope.type_code_of.get(row[0])
        if code is None:
            continue
        gs = row[1]
        if gs == gs_count:
            n, n_pop, n_closed, units = (int(row[2 + m + j]) for j in range(4))
            found[code] = (n, n_pop, n_closed, units)
            continue
        i = slot_of.get(gs)
        if i is None or row[2 + i] is None:
            continue
        hist = hists.setdefault(code, {}).setdefault(intervals[i], {})
        hist[row[2 + i]] = hist.get(row[2 + i], 0) + int(row[2 + m])
    return TypeHistograms(hists, found)


# Fine groups (kelurahan, kecamatan, day, week, weekday x hour): each group's values are gathered
# by one hash aggregate and percentile_disc sorts only that group's values.
_KEL_CODE = "(SELECT c.code FROM analytics_codes c WHERE c.kind = 'kelurahan' AND c.id = a.kel_id)"
_KEC_CODE = "(SELECT c.code FROM analytics_codes c WHERE c.kind = 'kecamatan' AND c.id = a.kec_id)"
#: family -> (group, grouped columns, key expression)
GROUP_FAMILIES: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "place": (("kelurahan", ("kec_id", "kel_id"), _KEL_CODE), ("kecamatan", ("kec_id",), _KEC_CODE)),
    "time": (("day", ("day_wita",), "a.day_wita::text"), ("week", ("week_wita",), "a.week_wita::text")),
    "heat": (("heat", ("isodow_wita", "hour_wita"), "a.isodow_wita || '-' || a.hour_wita"),),
}
_ARRAY_QUERY = """
, a AS (
    SELECT {cols}, GROUPING({cols}) AS gs, count(*) AS n, count(*) FILTER (WHERE pop) AS n_pop,
           count(*) FILTER (WHERE closed) AS n_closed, coalesce(sum(units_n), 0) AS units{aggs}
      FROM s2 GROUP BY GROUPING SETS ({sets})
)
SELECT z.grp, z.key, x.measure, x.n::bigint AS n, x.ok::bigint AS ok, x.q[1] AS p50, x.q[2] AS p90
  FROM (SELECT a.*, CASE a.gs {grp_cases} END AS grp, CASE a.gs {key_cases} END AS key FROM a) z
 CROSS JOIN LATERAL (VALUES ('incidents', z.n, 0, NULL::int[]), ('population', z.n_pop, 0, NULL),
                            ('closed', z.n_closed, 0, NULL), ('units', z.units, 0, NULL){values})
       AS x(measure, n, ok, q)
"""


def _array_query(scope: Scope, families: Mapping[str, Sequence[str]], *, pop_only: bool) -> sql.Composed:
    sets = [(grp, c, key) for fam in families for grp, c, key in GROUP_FAMILIES[fam]]
    intervals: list[str] = []
    for ivs in families.values():
        intervals.extend(k for k in ivs if k not in intervals)
    cols: list[str] = []
    for _, c, _ in sets:
        cols.extend(x for x in c if x not in cols)

    def gs_of(c: tuple[str, ...]) -> sql.Literal:
        return sql.Literal(sum(1 << (len(cols) - 1 - i) for i, name in enumerate(cols) if name not in c))

    aggs = sql.SQL("").join(
        sql.SQL(", array_agg({v}) FILTER (WHERE {v} IS NOT NULL) AS {arr},"
                " count(*) FILTER (WHERE {ok}) AS {okn}").format(
            v=sql.Identifier(f"v_{k}"), arr=sql.Identifier(f"arr_{k}"), ok=sql.Identifier(f"ok_{k}"),
            okn=sql.Identifier(f"okn_{k}")) for k in intervals)
    values = sql.SQL("").join(
        sql.SQL(", ({name}, coalesce(cardinality(z.{arr}), 0), z.{okn}, (SELECT percentile_disc(ARRAY[0.5, 0.9])"
                " WITHIN GROUP (ORDER BY v) FROM unnest(z.{arr}) AS v))").format(
            name=sql.Literal(k), arr=sql.Identifier(f"arr_{k}"), okn=sql.Identifier(f"okn_{k}")) for k in intervals)
    body = sql.SQL(_ARRAY_QUERY).format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sets=sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(sql.Identifier(x) for x in c))
                                for _, c, _ in sets),
        aggs=aggs, values=values,
        grp_cases=sql.SQL(" ").join(sql.SQL("WHEN {} THEN {}").format(gs_of(c), sql.Literal(g)) for g, c, _ in sets),
        key_cases=sql.SQL(" ").join(sql.SQL("WHEN {} THEN ({})::text").format(gs_of(c), sql.SQL(k))
                                    for _, c, k in sets))
    return sql.Composed([scope.cte(pop_only=pop_only), sql.SQL(_ROW_COLUMNS), body])


def group_fractiles(db: Database, scope: Scope, families: Mapping[str, Sequence[str]], *,
                    pop_only: bool = False) -> list[tuple[str, str | None, str, int, int, int | None, int | None]]:
    """``(group, key, measure, n, ok, p50, p90)`` of fine groups in one scan.

    ``families`` maps a family of :data:`GROUP_FAMILIES` to its intervals. Keys: kelurahan and
    kecamatan codes, ISO dates of days and of weeks' Mondays, ``"isodow-hour"``. Measures: each
    interval, and the :data:`COUNTS` (n only). ``pop_only``: the unit-interval population only.
    """
    with db.transaction(dict_rows=False) as cur:
        cur.execute(_SESSION)
        cur.execute(_array_query(scope, families, pop_only=pop_only), scope.params)
        return [(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0), r[5], r[6]) for r in cur.fetchall()]


_KPI_FACTS = "SELECT {aggs} FROM s"
_KPI_CALLS = "SELECT {aggs} FROM calls c WHERE c.received_at >= %(lo)s AND c.received_at < %(hi)s"
_KPI_CALLS_ROLLUP = ("SELECT coalesce(sum(n), 0) AS c0 FROM analytics_calls_daily"
                     " WHERE day_wita >= %(first)s AND day_wita <= %(last)s")


def window_counts(db: Database, scope: Scope, windows: Sequence[tuple[str, datetime, datetime]], *,
                  rollup_days: tuple[date, date] | None = None,
                  linked_calls: bool = False) -> dict[str, tuple[int, int, int]]:
    """``{name: (calls, incidents, units dispatched)}`` of each ``(name, start, end)`` window.

    One scan of the facts (the scope's filters apply, its period does not) and one of the calls;
    ``rollup_days`` (first, last WITA day) reads a single window's calls from the daily rollup.
    ``linked_calls``: count as calls the incidents in scope that came from a call (the calls
    table has no type or place).
    """
    lo = min(w[1] for w in windows)
    hi = max(w[2] for w in windows)
    params = {**scope.params, "start": lo, "end": hi, "lo": lo, "hi": hi}
    inc_aggs, call_aggs = [], []
    for i, (_, start, end) in enumerate(windows):
        params[f"s{i}"], params[f"e{i}"] = start, end
        s_, e_ = sql.Placeholder(f"s{i}"), sql.Placeholder(f"e{i}")
        cond = sql.SQL("ref_at >= {} AND ref_at < {}").format(s_, e_)
        inc_aggs.append(sql.SQL("count(*) FILTER (WHERE {c}) AS {a},"
                                " coalesce(sum(units_n) FILTER (WHERE {c}), 0) AS {b},"
                                " count(*) FILTER (WHERE {c} AND has_call) AS {l}")
                        .format(c=cond, a=sql.Identifier(f"i{i}"), b=sql.Identifier(f"u{i}"),
                                l=sql.Identifier(f"l{i}")))
        ccond = sql.SQL("c.received_at >= {} AND c.received_at < {}").format(s_, e_)
        call_aggs.append(sql.SQL("count(*) FILTER (WHERE {c}) AS {a}").format(c=ccond, a=sql.Identifier(f"c{i}")))
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute(sql.Composed([scope.cte(), sql.SQL(_KPI_FACTS).format(aggs=sql.SQL(", ").join(inc_aggs))]), params)
        inc = cur.fetchone()
        calls: Mapping[str, Any] | None = None
        if linked_calls:
            calls = {f"c{i}": inc[f"l{i}"] for i in range(len(windows))} if inc is not None else None
        elif rollup_days is not None and len(windows) == 1:
            cur.execute(_KPI_CALLS_ROLLUP, {"first": rollup_days[0], "last": rollup_days[1]})
            calls = cur.fetchone()
        else:
            cur.execute(sql.SQL(_KPI_CALLS).format(aggs=sql.SQL(", ").join(call_aggs)), params)
            calls = cur.fetchone()
    assert inc is not None and calls is not None
    return {name: (int(calls[f"c{i}"]), int(inc[f"i{i}"]), int(inc[f"u{i}"]))
            for i, (name, _, _) in enumerate(windows)}


def _split_days(start: datetime, end: datetime) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime]]]:
    """``[start, end)`` as whole WITA days (first, last; None if none) and the parts cut within a day."""
    first = start.astimezone(_TZ).date()
    if datetime.combine(first, datetime.min.time(), tzinfo=_TZ) < start:
        first += timedelta(days=1)
    after = end.astimezone(_TZ).date()       # the day after the last whole day
    if after < first:
        return None, [(start, end)]
    lo = datetime.combine(first, datetime.min.time(), tzinfo=_TZ)
    hi = datetime.combine(after, datetime.min.time(), tzinfo=_TZ)
    parts = [(a, b) for a, b in ((start, lo), (hi, end)) if a < b]
    return ((first, after - timedelta(days=1)) if first < after else None), parts


def day_window_counts(db: Database, windows: Sequence[tuple[str, datetime, datetime]], *,
                      type_ids: Collection[int] | None, kec_id: int | None,
                      linked_calls: bool = False) -> dict[str, tuple[int, int, int]]:
    """``{name: (calls, incidents, units dispatched)}`` of each ``(name, start, end)`` window, as
    :func:`window_counts` gives them, from the day rollups for the whole WITA days of a window and
    from the facts and calls themselves for the parts cut within a day."""
    whole: list[tuple[date, date] | None] = []
    parts: list[list[tuple[datetime, datetime]]] = []
    for _, start, end in windows:
        days, cut = _split_days(start, end)
        whole.append(days)
        parts.append(cut)
    conds = [""]
    params: dict[str, Any] = {"types": sorted(type_ids or ()), "kec": kec_id}
    if type_ids is not None:
        conds.append("type_id = ANY(%(types)s::smallint[])")
    if kec_id is not None:
        conds.append("kec_id = %(kec)s")
    narrow = sql.SQL(" AND ").join(sql.SQL(c) for c in conds)
    day_aggs, fact_aggs, fact_ranges, call_ranges, call_keys = [], [], [], [], []
    for i, days in enumerate(whole):
        if days is not None:
            params[f"d{i}a"], params[f"d{i}b"] = days
            c = sql.SQL("day_wita BETWEEN {} AND {}").format(sql.Placeholder(f"d{i}a"), sql.Placeholder(f"d{i}b"))
            day_aggs.append(sql.SQL("coalesce(sum(incidents) FILTER (WHERE {c}), 0) AS {i},"
                                    " coalesce(sum(units) FILTER (WHERE {c}), 0) AS {u},"
                                    " coalesce(sum(calls) FILTER (WHERE {c}), 0) AS {l}").format(
                c=c, i=sql.Identifier(f"i{i}"), u=sql.Identifier(f"u{i}"), l=sql.Identifier(f"l{i}")))
        for j, (a, b) in enumerate(parts[i]):
            key = f"p{i}_{j}"
            params[f"{key}a"], params[f"{key}b"] = a, b
            fc = sql.SQL("ref_at >= {} AND ref_at < {}").format(sql.Placeholder(f"{key}a"), sql.Placeholder(f"{key}b"))
            cc = sql.SQL("received_at >= {} AND received_at < {}").format(sql.Placeholder(f"{key}a"),
                                                                           sql.Placeholder(f"{key}b"))
            fact_ranges.append(fc)
            call_ranges.append(cc)
            call_keys.append(key)
            fact_aggs.append(sql.SQL("count(*) FILTER (WHERE {c}) AS {i}, coalesce(sum(units_n) FILTER (WHERE {c}), 0)"
                                     " AS {u}, count(*) FILTER (WHERE {c} AND has_call) AS {l}").format(
                c=fc, i=sql.Identifier(f"i{key}"), u=sql.Identifier(f"u{key}"), l=sql.Identifier(f"l{key}")))
    spans = [d for d in whole if d is not None]
    if spans:
        params["dmin"], params["dmax"] = min(d[0] for d in spans), max(d[1] for d in spans)
    found: dict[str, Any] = {}
    with db.transaction() as cur:
        if day_aggs:
            cur.execute(sql.SQL("SELECT {} FROM analytics_day_counts WHERE day_wita BETWEEN %(dmin)s AND %(dmax)s{}")
                        .format(sql.SQL(", ").join(day_aggs), narrow), params)
            found.update(cur.fetchone() or {})
        if fact_aggs:
            cur.execute(sql.SQL("SELECT {} FROM analytics_incident_facts WHERE ({}){}").format(
                sql.SQL(", ").join(fact_aggs), sql.SQL(" OR ").join(fact_ranges), narrow), params)
            found.update(cur.fetchone() or {})
        if not linked_calls:
            day_calls = [sql.SQL("coalesce(sum(n) FILTER (WHERE day_wita BETWEEN {} AND {}), 0) AS {}").format(
                sql.Placeholder(f"d{i}a"), sql.Placeholder(f"d{i}b"), sql.Identifier(f"c{i}"))
                for i, days in enumerate(whole) if days is not None]
            if day_calls:
                cur.execute(sql.SQL("SELECT {} FROM analytics_calls_daily WHERE day_wita BETWEEN %(dmin)s AND %(dmax)s")
                            .format(sql.SQL(", ").join(day_calls)), params)
                found.update(cur.fetchone() or {})
            cut_calls = [sql.SQL("count(*) FILTER (WHERE {}) AS {}").format(cc, sql.Identifier(f"c{key}"))
                         for cc, key in zip(call_ranges, call_keys)]
            if cut_calls:
                cur.execute(sql.SQL("SELECT {} FROM calls WHERE {}").format(
                    sql.SQL(", ").join(cut_calls), sql.SQL(" OR ").join(call_ranges)), params)
                found.update(cur.fetchone() or {})
    out = {}
    for i, (name, _, _) in enumerate(windows):
        keys = ([str(i)] if whole[i] is not None else []) + [f"p{i}_{j}" for j in range(len(parts[i]))]
        incidents = sum(int(found.get(f"i{k}") or 0) for k in keys)
        units = sum(int(found.get(f"u{k}") or 0) for k in keys)
        calls = sum(int(found.get(f"{'l' if linked_calls else 'c'}{k}") or 0) for k in keys)
        out[name] = (calls, incidents, units)
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
g AS (SELECT answer_s AS v, sum(n) AS n FROM r WHERE answer_s IS NOT NULL GROUP BY answer_s)
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


@dataclass(frozen=True)
class CallRows:
    """Calls of a period: answered ones' count and answer fractiles (nearest rank), how many were
    answered within each threshold, ``{classification: (calls, answered)}``, and per WITA day
    ``(day, calls, answered, prank+ghost+invalid)`` sorted by day."""

    answered_n: int
    p50_s: int | None
    p90_s: int | None
    within: dict[int, int]
    by_class: dict[str, tuple[int, int]]
    daily: list[tuple[date, int, int, int]]


def call_rows(db: Database, *, start: datetime, end: datetime, first_day: date, last_day: date,
              whole_days: bool, thresholds: Sequence[int]) -> CallRows:
    """Call handling figures of ``[start, end)``: from the daily rollup (``whole_days``: the
    period is WITA days ``first_day`` .. ``last_day``) or from the calls themselves."""
    rows_sql = _CALL_ROWS_ROLLUP if whole_days else _CALL_ROWS_RAW
    params = {"first": first_day, "last": last_day, "start": start, "end": end,
              "thresholds": sorted(set(thresholds))}
    with db.transaction() as cur:
        cur.execute(_SESSION)
        cur.execute(sql.SQL(_CALLS).format(rows=sql.SQL(rows_sql)), params)
        rows = cur.fetchall()
    n, p50, p90 = 0, None, None
    within: dict[int, int] = {}
    by_class: dict[str, tuple[int, int]] = {}
    daily = []
    for r in rows:
        if r["part"] == "fractiles":
            n, p50, p90 = int(r["a"] or 0), r["p50"], r["p90"]
        elif r["part"] == "within":
            within[int(r["a"])] = int(r["b"] or 0)
        elif r["part"] == "class":
            by_class[r["classification"]] = (int(r["a"]), int(r["b"] or 0))
        else:
            daily.append((r["day"], int(r["a"]), int(r["b"] or 0), int(r["c"] or 0)))
    daily.sort()
    return CallRows(n, p50, p90, within, by_class, daily)


# --- rollup reads -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayBlock:
    """One WITA day's facts as fixed-width big-endian columns (see migration 060): ``codes`` int8,
    ``units`` int2, ``values[name]`` int4 for each of :data:`BLOCK_VALUES`, ``refs`` int8
    microseconds after 00:00 WITA (only when asked for)."""

    day: date
    n: int
    codes: bytes
    units: bytes
    values: dict[str, bytes]
    refs: bytes | None = None


_BLOCKS_READ = """
SELECT day_wita, n, codes, units, answer, processing, turnout, travel, total, close,
       CASE WHEN day_wita = ANY(%(ref_days)s) THEN refs END AS refs
  FROM analytics_day_blocks WHERE day_wita >= %(first)s AND day_wita <= %(last)s ORDER BY day_wita
"""


def day_blocks(db: Database, first: date, last: date, *, ref_days: Collection[date] = ()) -> list[DayBlock]:
    """The day blocks of WITA days ``first`` .. ``last``; ``refs`` only for ``ref_days``."""
    with db.transaction(dict_rows=False) as cur:
        cur.execute(_BLOCKS_READ, {"first": first, "last": last, "ref_days": sorted(set(ref_days))}, binary=True)
        rows = cur.fetchall()
    return [DayBlock(day=r[0], n=int(r[1]), codes=bytes(r[2]), units=bytes(r[3]),
                     values={k: bytes(r[4 + i]) for i, k in enumerate(BLOCK_VALUES)},
                     refs=None if r[10] is None else bytes(r[10])) for r in rows]


def day_counts(db: Database, first: date, last: date, *, type_ids: Collection[int] | None,
               kec_id: int | None) -> tuple[int, int, int]:
    """``(incidents, units dispatched, incidents from a call)`` of WITA days ``first`` .. ``last``,
    of the given types (None: all) and kecamatan (None: all)."""
    conds = ["day_wita >= %(first)s", "day_wita <= %(last)s"]
    if type_ids is not None:
        conds.append("type_id = ANY(%(types)s::smallint[])")
    if kec_id is not None:
        conds.append("kec_id = %(kec)s")
    query = sql.SQL("SELECT coalesce(sum(incidents), 0) AS i, coalesce(sum(units), 0) AS u,"
                    " coalesce(sum(calls), 0) AS c FROM analytics_day_counts WHERE {}").format(
        sql.SQL(" AND ").join(sql.SQL(c) for c in conds))
    with db.transaction() as cur:
        cur.execute(query, {"first": first, "last": last, "types": sorted(type_ids or ()), "kec": kec_id})
        row = cur.fetchone()
    assert row is not None
    return int(row["i"]), int(row["u"]), int(row["c"])


@dataclass(frozen=True)
class CallBlock:
    """One WITA day's calls: per classification (calls, answered), and the answered calls'
    answer seconds (ascending, distinct) with how many calls had each."""

    day: date
    classes: dict[str, tuple[int, int]]
    answer_s: list[int]
    answer_n: list[int]


def call_blocks(db: Database, first: date, last: date) -> list[CallBlock]:
    """The call blocks of WITA days ``first`` .. ``last``, by day."""
    with db.transaction(dict_rows=False) as cur:
        cur.execute("SELECT day_wita, classes, class_calls, class_answered, answer_s, answer_n"
                    " FROM analytics_call_blocks WHERE day_wita >= %s AND day_wita <= %s ORDER BY day_wita",
                    (first, last))
        rows = cur.fetchall()
    return [CallBlock(day=r[0], classes={c: (int(n), int(a)) for c, n, a in zip(r[1], r[2], r[3])},
                      answer_s=list(r[4]), answer_n=list(r[5])) for r in rows]


def units_by_type(db: Database) -> list[dict[str, Any]]:
    """Per unit type, now: ``code``, ``name_id``, ``name_en``, ``agency_code``, ``available``,
    ``in_service`` (not out of service) and ``total`` units."""
    with db.transaction() as cur:
        cur.execute("SELECT t.code, t.name_id, t.name_en, t.agency_code,"
                    " count(u.id) FILTER (WHERE u.status = 'available') AS available,"
                    " count(u.id) FILTER (WHERE u.status <> 'out_of_service') AS in_service,"
                    " count(u.id) AS total"
                    " FROM unit_types t LEFT JOIN units u ON u.unit_type = t.code"
                    " GROUP BY t.code, t.name_id, t.name_en, t.agency_code HAVING count(u.id) > 0 ORDER BY t.code")
        return [dict(r) for r in cur.fetchall()]


def note_unrecorded_call_stamps(cur: psycopg.Cursor[Any], incident_id: int, *, received: bool,
                                answered: bool) -> None:
    """Record, in the creating transaction, which call stamps of a new incident its creator gave."""
    cur.execute("INSERT INTO analytics_call_stamps_unrecorded (incident_id, received, answered)"
                " VALUES (%s, %s, %s) ON CONFLICT (incident_id) DO NOTHING", (incident_id, received, answered))


# --- recent dashboard results shared between sessions ---------------------------------------------
class SharedResult:
    """A view's stored result, seen while holding the view's lock (see :func:`shared_result`)."""

    def __init__(self, cur: psycopg.Cursor[Any] | None, key: str) -> None:
        self._cur = cur
        self._key = key
        self.version = 0
        self.payload: Any = None
        if cur is not None:
            cur.execute("SELECT (SELECT version FROM analytics_refresh_state WHERE id = 1) AS now_version,"
                        " (SELECT version FROM analytics_dashboard_cache WHERE key = %(k)s) AS version,"
                        " (SELECT payload FROM analytics_dashboard_cache WHERE key = %(k)s) AS payload",
                        {"k": key})
            row = cur.fetchone()
            if row is not None:
                self.version = int(row["now_version"] or 0)
                if row["version"] is not None and int(row["version"]) == self.version:
                    self.payload = row["payload"]

    def put(self, payload: Any) -> None:
        """Store ``payload`` (JSON) as the view's result at the version read on entry."""
        if self._cur is None:
            return
        self._cur.execute("DELETE FROM analytics_dashboard_cache WHERE computed_at < now() - %s", (_CACHE_KEEP,))
        self._cur.execute("INSERT INTO analytics_dashboard_cache (key, version, payload) VALUES (%s, %s, %s)"
                          " ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version,"
                          " payload = EXCLUDED.payload, computed_at = now()",
                          (self._key, self.version, Jsonb(payload)))


@contextmanager
def shared_result(db: Database, key: str, *, wait_s: float = 20.0) -> Iterator[SharedResult]:
    """Hold the lock of view ``key`` while the caller reads or computes and stores its result.

    Inside, ``.payload`` is the stored result when it was computed at the facts' current
    version (else None: compute it and :meth:`SharedResult.put` it). A second session asking
    for the same view meanwhile waits for the first one's result instead of computing it again;
    after ``wait_s`` it goes on without the lock (and stores nothing).
    """
    with db.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        locked = True
        try:
            with conn.transaction():   # a savepoint: a lock timeout leaves the transaction usable
                cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(wait_s * 1000)}ms")))
                cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_VIEW_LOCK_CLASS, key))
                cur.execute("SET LOCAL lock_timeout = 0")
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled):
            locked = False
        yield SharedResult(cur if locked else None, key)


def forget_shared_results(db: Database) -> None:
    """Remove every stored dashboard result."""
    with db.transaction() as cur:
        cur.execute("DELETE FROM analytics_dashboard_cache")
