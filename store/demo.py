"""Demo data in the database: the seeding lock, the reference rows it is built from, COPY writers.

Pure SQL: rows go in as column arrays (one dict per table, rows referring to each other by
local index) and come out as plain dicts; the generator lives in the ``demo`` package.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from store._errors import StoreError

log = logging.getLogger(__name__)

#: Serialises concurrent start-ups that would both find the database empty.
_ADVISORY_LOCK_KEY = 112_0002

_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_HAS_DATA = "SELECT EXISTS (SELECT 1 FROM units) OR EXISTS (SELECT 1 FROM incidents) AS has_data"
_KELURAHAN = """
SELECT k.kode, k.nama, k.kecamatan_kode, kc.nama AS kecamatan, k.area_km2, ST_AsBinary(k.geom) AS wkb
  FROM kelurahan k JOIN kecamatan kc ON kc.kode = k.kecamatan_kode
 ORDER BY k.kode
"""
_FACILITIES = """
SELECT f.id, f.name, f.category, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, kc.nama AS kecamatan
  FROM facilities f LEFT JOIN kecamatan kc ON kc.kode = f.kecamatan_kode
 ORDER BY f.id
"""
_INCIDENT_TYPES = "SELECT code, agency_code, default_priority, is_emergency FROM incident_types ORDER BY code"
_UNIT_TYPES = "SELECT code, agency_code FROM unit_types ORDER BY code"
_PLANS = """
SELECT incident_type, unit_type, unit_count, substitutes FROM response_plans ORDER BY incident_type, unit_type
"""
#: Reserve ``n`` ids of a serial column; returns the first.
_RESERVE_IDS = """
SELECT setval(pg_get_serial_sequence(%(table)s, 'id'),
              nextval(pg_get_serial_sequence(%(table)s, 'id')) + %(n)s - 1) - %(n)s + 1 AS first
"""
_COPY_UNITS = (
    "COPY units (id, callsign, unit_type, agency_code, home_facility_id, status, status_at, position,"
    " position_at, synthetic) FROM STDIN"
)
_COPY_CALLS = (
    "COPY calls (id, received_at, answered_at, ended_at, caller_phone, classification, incident_id,"
    " synthetic) FROM STDIN"
)
_COPY_INCIDENTS = (
    "COPY incidents (id, call_id, incident_type, priority, geom, location_approximate, address, description,"
    " caller_phone, status, outcome, duplicate_of, call_received_at, call_answered_at, created_at,"
    " first_dispatched_at, first_en_route_at, first_on_scene_at, closed_at, synthetic) FROM STDIN"
)
#: The same with the place written directly (bulk loads, no spatial-join trigger).
_COPY_INCIDENTS_PLACED = (
    "COPY incidents (id, call_id, incident_type, priority, geom, location_approximate, address, description,"
    " caller_phone, status, outcome, duplicate_of, call_received_at, call_answered_at, created_at,"
    " first_dispatched_at, first_en_route_at, first_on_scene_at, closed_at, synthetic,"
    " kelurahan_kode, kecamatan_kode) FROM STDIN"
)
_COPY_ASSIGNMENTS = (
    "COPY assignments (id, incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at,"
    " transport_started_at, at_hospital_at, cleared_at, eta_s) FROM STDIN"
)
_COPY_EVENTS = (
    "COPY events (kind, at, recorded_at, incident_id, call_id, unit_id, assignment_id, actor, data)"
    " FROM STDIN"
)
_LINK_FIRST_CALLS = """
UPDATE calls c SET incident_id = i.id
  FROM incidents i
 WHERE i.call_id = c.id AND i.id BETWEEN %s AND %s
"""
_IS_SUPERUSER = "SELECT current_setting('is_superuser') = 'on' AS superuser"
#: Skip foreign-key checks and triggers for the rest of this transaction (superuser only).
_REPLICA_ON = "SET LOCAL session_replication_role = replica"
_REPLICA_OFF = "SET LOCAL session_replication_role = origin"
#: Secondary indexes (not backing a constraint) of a table, to rebuild after a bulk load.
_SECONDARY_INDEXES = """
SELECT n.nspname AS schema, c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE i.indrelid = %s::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
 ORDER BY c.relname
"""
_BULK_TABLES = ("calls", "incidents", "assignments", "events")
_BULK_MEMORY = "SET LOCAL maintenance_work_mem = '256MB'"
_TRIGGER_OFF = "ALTER TABLE incidents DISABLE TRIGGER incidents_place_trg"
_TRIGGER_ON = "ALTER TABLE incidents ENABLE TRIGGER incidents_place_trg"
_ANALYZE = "ANALYZE units, calls, incidents, assignments, events"


#: A cursor of a seeding transaction (dict rows).
Cursor = psycopg.Cursor[Any]
#: Receives one line of progress text.
Progress = Callable[[str], None]
#: One table as column arrays (equal lengths), keyed by column name.
Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class ReferenceRows:
    """What the demo generator is built from, as rows (dicts) in a stable order."""

    kelurahan: tuple[dict[str, Any], ...]       # kode, nama, kecamatan_kode, kecamatan, area_km2, wkb
    facilities: tuple[dict[str, Any], ...]      # id, name, category, lon, lat, kecamatan
    incident_types: tuple[dict[str, Any], ...]  # code, agency_code, default_priority, is_emergency
    unit_types: tuple[dict[str, Any], ...]      # code, agency_code
    plans: tuple[dict[str, Any], ...]           # incident_type, unit_type, unit_count, substitutes


@dataclass(frozen=True)
class DemoRows:
    """Rows to write, one column dict per table.

    Rows refer to each other by *local index* (position in the other table, ``-1`` for none);
    :func:`write` turns them into serial ids. Times are ``datetime64[us]`` in UTC (``NaT`` =
    NULL). Incidents carry ``lon``/``lat`` (and ``kelurahan_kode``/``kecamatan_kode`` for bulk
    loads); units carry ``lon``/``lat`` of their position.
    """

    units: Columns
    calls: Columns
    incidents: Columns
    assignments: Columns
    events: Columns | None
    description: str            # written on every incident
    actor: str                  # written on every event

    def counts(self) -> dict[str, int]:
        """Row counts per table."""
        out = {name: _nrows(getattr(self, name)) for name in ("units", "calls", "incidents", "assignments")}
        out["events"] = 0 if self.events is None else _nrows(self.events)
        return out


def _nrows(table: Columns) -> int:
    return len(next(iter(table.values()))) if table else 0


def lock_and_has_data(cur: psycopg.Cursor[Any]) -> bool:
    """Take the seeding lock (held until the transaction ends) and tell whether data exists.

    Two processes starting at once on an empty database thus seed it once: the second waits
    for the first to commit and then finds its rows.

    Parameters
    ----------
    cur
        A cursor inside the seeding transaction.

    Returns
    -------
    bool
        True when the database holds units or incidents.
    """
    cur.execute(_LOCK, (_ADVISORY_LOCK_KEY,))
    cur.execute(_HAS_DATA)
    return bool(_fetch_one(cur)["has_data"])


def read_reference(cur: psycopg.Cursor[Any]) -> ReferenceRows:
    """Read the geography, facilities, incident and unit types and response plans.

    Parameters
    ----------
    cur
        A cursor (dict rows).

    Returns
    -------
    ReferenceRows
        Kelurahan polygons as WKB (``bytes``), facilities with their kecamatan name.
    """
    out: list[tuple[dict[str, Any], ...]] = []
    for query in (_KELURAHAN, _FACILITIES, _INCIDENT_TYPES, _UNIT_TYPES, _PLANS):
        cur.execute(query)
        out.append(tuple(cur.fetchall()))
    kelurahan, facilities, incident_types, unit_types, plans = out
    kelurahan = tuple({**r, "wkb": bytes(r["wkb"])} for r in kelurahan)
    return ReferenceRows(kelurahan, facilities, incident_types, unit_types, plans)


def write(cur: psycopg.Cursor[Any], data: DemoRows, *, bulk: bool = False,
          progress: Progress | None = None) -> dict[str, int]:
    """COPY the rows into the tables, turning local indexes into serial ids.

    Calls and incidents point at each other. Checked load: the calls without an incident and
    each incident's first call (its incident id left NULL) go first, then the incidents, then
    the later calls about an incident, then one UPDATE links the first calls. Unchecked bulk
    load: all calls first, complete.

    Parameters
    ----------
    cur
        A cursor inside the seeding transaction (tables empty, see :func:`lock_and_has_data`).
    data
        The rows; references must be valid (checked by the caller).
    bulk
        Load for speed: the kelurahan of each incident is written directly instead of by the
        spatial-join trigger, secondary indexes are dropped and rebuilt after the load, and,
        when the role is a superuser, the per-row foreign-key checks are skipped
        (``session_replication_role = replica``, local to the transaction). Without superuser
        rights only the trigger is switched off (needs table ownership) and the foreign keys
        are checked as usual.
    progress
        Receives one line per written table (rows, seconds); ``None``: logged at debug level.

    Returns
    -------
    dict
        Rows written per table.
    """
    counts = data.counts()
    ct = _ClockText.build()

    def copy(label: str, statement: str, columns: Sequence[Iterable[Any]], rows: int) -> None:
        with _timed(f"write {label}", progress, f"{rows:,} rows"):
            _copy(cur, statement, columns)

    unchecked = False
    rebuild: list[str] = []
    if bulk:
        cur.execute(_IS_SUPERUSER)
        unchecked = bool(_fetch_one(cur)["superuser"])
        if unchecked:
            cur.execute(_REPLICA_ON)
        rebuild = _drop_secondary_indexes(cur, _BULK_TABLES)
    base = {t: _reserve(cur, t, counts[t]) for t in ("units", "calls", "incidents", "assignments")}

    u = data.units
    copy("units", _COPY_UNITS, [
        _ids(counts["units"], base["units"]), u["callsign"].tolist(), u["unit_type"].tolist(),
        u["agency_code"].tolist(), u["home_facility_id"].tolist(), u["status"].tolist(), _ts(u["status_at"], ct),
        _ewkb(u["lon"], u["lat"]), _ts(u["position_at"], ct), _const(True, counts["units"]),
    ], counts["units"])

    c, inc = data.calls, data.incidents
    call_ids = _ids(counts["calls"], base["calls"])
    first_call = np.zeros(counts["calls"], dtype=bool)
    first_call[inc["call_idx"]] = True
    later = (c["incident_idx"] >= 0) & ~first_call
    if unchecked:
        first_call[:] = False
        later[:] = False
    call_cols = [call_ids, _ts(c["received_at"], ct), _ts(c["answered_at"], ct), _ts(c["ended_at"], ct),
                 c["caller_phone"].tolist(), c["classification"].tolist(), _refs(c["incident_idx"], base["incidents"]),
                 _const(True, counts["calls"])]
    copy("calls", _COPY_CALLS, _rows_where(call_cols, ~later, blank=first_call), int((~later).sum()))

    n = counts["incidents"]
    inc_cols = [
        _ids(n, base["incidents"]), _refs(inc["call_idx"], base["calls"]), inc["incident_type"].tolist(),
        inc["priority"].tolist(), _ewkb(inc["lon"], inc["lat"]), inc["location_approximate"].tolist(),
        inc["address"].tolist(), _const(data.description, n), inc["caller_phone"].tolist(), inc["status"].tolist(),
        inc["outcome"].tolist(), _refs(inc["duplicate_of"], base["incidents"]), _ts(inc["call_received_at"], ct),
        _ts(inc["call_answered_at"], ct), _ts(inc["created_at"], ct), _ts(inc["first_dispatched_at"], ct),
        _ts(inc["first_en_route_at"], ct), _ts(inc["first_on_scene_at"], ct), _ts(inc["closed_at"], ct),
        _const(True, n),
    ]
    if not bulk:
        copy("incidents", _COPY_INCIDENTS, inc_cols, n)
    else:
        placed = [*inc_cols, inc["kelurahan_kode"].tolist(), inc["kecamatan_kode"].tolist()]
        if not unchecked:
            cur.execute(_TRIGGER_OFF)
        copy("incidents", _COPY_INCIDENTS_PLACED, placed, n)
        if not unchecked:
            cur.execute(_TRIGGER_ON)
    if np.any(later):
        copy("later calls", _COPY_CALLS, _rows_where(call_cols, later), int(later.sum()))
    if n and not unchecked:
        with _timed("link first calls", progress):
            cur.execute(_LINK_FIRST_CALLS, (base["incidents"], base["incidents"] + n - 1))

    a = data.assignments
    copy("assignments", _COPY_ASSIGNMENTS, [
        _ids(counts["assignments"], base["assignments"]), _refs(a["incident_idx"], base["incidents"]),
        _refs(a["unit_idx"], base["units"]), a["status"].tolist(), _ts(a["assigned_at"], ct),
        _ts(a["en_route_at"], ct), _ts(a["on_scene_at"], ct), _ts(a["transport_started_at"], ct),
        _ts(a["at_hospital_at"], ct), _ts(a["cleared_at"], ct), a["eta_s"].tolist(),
    ], counts["assignments"])

    if data.events is not None:
        e = data.events
        at = _ts(e["at"], ct)
        copy("events", _COPY_EVENTS, [
            e["kind"].tolist(), at, at, _refs(e["incident_idx"], base["incidents"]),
            _refs(e["call_idx"], base["calls"]), _refs(e["unit_idx"], base["units"]),
            _refs(e["assignment_idx"], base["assignments"]), _const(data.actor, counts["events"]), e["data"].tolist(),
        ], counts["events"])
    if unchecked:
        cur.execute(_REPLICA_OFF)
    if rebuild:
        with _timed("rebuild indexes", progress, f"{len(rebuild)} indexes"):
            cur.execute(_BULK_MEMORY)
            for definition in rebuild:
                cur.execute(sql.SQL(definition))
    with _timed("analyze", progress):
        cur.execute(_ANALYZE)
    return counts


def _drop_secondary_indexes(cur: psycopg.Cursor[Any], tables: Sequence[str]) -> list[str]:
    """Drop the indexes that back no constraint (GiST, time, partial); return their definitions.

    Building them once after the load is several times faster than maintaining them per row.
    Inside the seeding transaction, so a failure restores them.
    """
    definitions: list[str] = []
    for table in tables:
        cur.execute(_SECONDARY_INDEXES, (table,))
        for row in cur.fetchall():
            definitions.append(row["definition"])
            cur.execute(sql.SQL("DROP INDEX {}.{}").format(sql.Identifier(row["schema"]), sql.Identifier(row["name"])))
    return definitions


# --- Column helpers -------------------------------------------------------------------------
def _fetch_one(cur: psycopg.Cursor[Any]) -> dict[str, Any]:
    row = cur.fetchone()
    if row is None:
        raise StoreError("the query returned no row")
    return dict(row)


def _reserve(cur: psycopg.Cursor[Any], table: str, n: int) -> int:
    if n == 0:
        return 1
    cur.execute(_RESERVE_IDS, {"table": table, "n": n})
    return int(_fetch_one(cur)["first"])


@contextmanager
def _timed(what: str, progress: Progress | None = None, rows: str = "") -> Iterator[None]:
    """Time a step; report it to ``progress`` (stage, rows, seconds) or, without one, to the debug log."""
    t0 = time.perf_counter()
    yield
    seconds = time.perf_counter() - t0
    if progress is None:
        log.debug("demo data: %s %s in %.2f s", what, rows, seconds)
    else:
        progress(f"  {what:<18} {rows:>26}  {seconds:6.2f} s")


def _copy(cur: psycopg.Cursor[Any], statement: str, columns: Sequence[Iterable[Any]]) -> None:
    with _timed(statement.split(" (")[0]), cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for row in zip(*columns):
            copy.write_row(row)


def _rows_where(columns: Sequence[list[Any]], mask: np.ndarray, blank: np.ndarray | None = None) -> list[list[Any]]:
    """The call rows under ``mask``; their incident id (column 6) is NULL where ``blank``."""
    if np.all(mask) and (blank is None or not np.any(blank)):
        return list(columns)
    rows = np.flatnonzero(mask).tolist()
    out = [[col[r] for r in rows] for col in columns]
    if blank is not None:
        out[6] = [None if b else v for v, b in zip(out[6], blank[mask].tolist())]
    return out


def _ids(n: int, first: int) -> list[int]:
    return list(range(first, first + n))


def _const(value: Any, n: int) -> list[Any]:
    return [value] * n


def _refs(idx: np.ndarray, first: int) -> list[int | None]:
    """Local indexes (-1 = none) to ids."""
    out = (np.asarray(idx, dtype=np.int64) + first).astype(object)
    out[np.asarray(idx) < 0] = None
    ids: list[int | None] = out.tolist()
    return ids


@dataclass(frozen=True)
class _ClockText:
    """Lookup tables: 'HH:MM:SS' for every second of a day, '.mmm' and 'uuu+00' (built per write)."""

    tod: np.ndarray
    ms: np.ndarray
    us: np.ndarray

    @classmethod
    def build(cls) -> _ClockText:
        return cls(
            tod=np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)], dtype=object),
            ms=np.array([f".{m:03d}" for m in range(1000)], dtype=object),
            us=np.array([f"{u:03d}+00" for u in range(1000)], dtype=object),
        )


def _ts(values: np.ndarray, clock_text: _ClockText) -> list[str | None]:
    """``datetime64[us]`` (UTC) to ISO strings for COPY, exact to the microsecond; NaT to NULL.

    Built from lookup tables (one string per day in the range, 86,400 clock times), about twice
    as fast as ``numpy.datetime_as_string``.
    """
    nat = np.isnat(values)
    if nat.all():
        return [None] * len(values)
    us = values.astype("datetime64[us]").astype(np.int64)
    us[nat] = us[~nat][0]
    sec, frac = np.divmod(us, 1_000_000)
    day, tod = np.divmod(sec, 86_400)
    first = int(day.min())
    days = np.arange(first, int(day.max()) + 1).astype("datetime64[D]").astype(str)
    day_text = np.array([f"{d} " for d in days], dtype=object)
    clock, ms, micro = clock_text.tod, clock_text.ms, clock_text.us
    text: list[str | None] = [
        f"{d}{c}{m}{u}" for d, c, m, u in zip(day_text[day - first].tolist(), clock[tod].tolist(),
                                              ms[frac // 1000].tolist(), micro[frac % 1000].tolist())]
    for i in np.flatnonzero(nat).tolist():
        text[i] = None
    return text


_POINT_DTYPE = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
_EWKB_POINT_SRID = 0x20000001
_EWKB_HEX_LEN = 2 * _POINT_DTYPE.itemsize


def _ewkb(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Points as hex EWKB with SRID 4326 (what PostGIS parses fastest), full double precision."""
    arr = np.zeros(len(lon), dtype=_POINT_DTYPE)
    arr["order"], arr["type"], arr["srid"] = 1, _EWKB_POINT_SRID, 4326
    arr["x"], arr["y"] = lon, lat
    text = arr.tobytes().hex()
    w = _EWKB_HEX_LEN
    return [text[i:i + w] for i in range(0, len(text), w)]
