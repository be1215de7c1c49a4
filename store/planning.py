"""Planning queries: historical incidents as points (filtered), stations by kind, type lists.

All SQL of the planning package lives here; every parameter is bound. Times are filtered in
UTC (``created_at`` is ``timestamptz``) and hour bands in WITA (Asia/Makassar).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from store.db import Database

#: Outcomes that do not represent a real demand for service (a prank, a second ticket for the
#: same event); they are left out of every planning analysis.
EXCLUDED_OUTCOMES = ("prank", "duplicate")

_INCIDENT_POINTS = """
SELECT i.id, i.incident_type, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.created_at,
       i.kelurahan_kode, i.kecamatan_kode
  FROM incidents i
 WHERE (i.outcome IS NULL OR i.outcome <> ALL(%(excluded)s))
   AND (%(types)s::text[] IS NULL OR i.incident_type = ANY(%(types)s::text[]))
   AND (%(start)s::timestamptz IS NULL OR i.created_at >= %(start)s::timestamptz)
   AND (%(end)s::timestamptz IS NULL OR i.created_at < %(end)s::timestamptz)
   AND (%(all_hours)s OR (
         CASE WHEN %(hour_from)s::int < %(hour_to)s::int
              THEN extract(hour FROM i.created_at AT TIME ZONE 'Asia/Makassar') >= %(hour_from)s::int
               AND extract(hour FROM i.created_at AT TIME ZONE 'Asia/Makassar') < %(hour_to)s::int
              ELSE extract(hour FROM i.created_at AT TIME ZONE 'Asia/Makassar') >= %(hour_from)s::int
                OR extract(hour FROM i.created_at AT TIME ZONE 'Asia/Makassar') < %(hour_to)s::int
         END))
 ORDER BY i.id
"""

_PERIOD = """
SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS n
  FROM incidents
 WHERE outcome IS NULL OR outcome <> ALL(%s)
"""

_INCIDENT_TYPES = """
SELECT t.code, t.name_id, t.name_en, t.agency_code, t.is_emergency,
       (SELECT count(*) FROM incidents i
         WHERE i.incident_type = t.code AND (i.outcome IS NULL OR i.outcome <> ALL(%s))) AS n_incidents
  FROM incident_types t
 ORDER BY t.is_emergency DESC, t.name_id
"""

_STATIONS = """
SELECT f.id, f.name, f.category, f.agency_code, f.location_confidence,
       ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, f.source, f.licence, f.synthetic,
       kl.nama AS kelurahan, kc.nama AS kecamatan
  FROM facilities f
  LEFT JOIN kecamatan kc ON kc.kode = f.kecamatan_kode
  LEFT JOIN kelurahan kl ON kl.kode = f.kelurahan_kode
 WHERE f.category = ANY(%s)
 ORDER BY f.category, f.name
"""

_INCIDENT_COLUMNS = ("id", "incident_type", "lon", "lat", "created_at", "kelurahan_kode", "kecamatan_kode")


def incident_points(
    db: Database,
    *,
    types: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    hour_from: int = 0,
    hour_to: int = 24,
) -> pd.DataFrame:
    """Historical incidents as points, filtered by type, period and WITA hour band.

    Parameters
    ----------
    types
        Incident type codes; ``None`` or empty means every type.
    start, end
        Period ``[start, end)`` (time-zone aware); ``None`` leaves that side open.
    hour_from, hour_to
        Hour band in WITA, ``[hour_from, hour_to)``; ``hour_from > hour_to`` wraps midnight
        (22–6 is 22:00–05:59); ``0, 24`` is the whole day.

    Returns
    -------
    DataFrame with ``id, incident_type, lon, lat, created_at (UTC), kelurahan_kode,
    kecamatan_kode``, prank and duplicate incidents excluded.
    """
    hour_from, hour_to = int(hour_from) % 24, int(hour_to)
    all_hours = hour_to - hour_from >= 24 or hour_from == hour_to % 24
    params = {
        "excluded": list(EXCLUDED_OUTCOMES),
        "types": list(types) if types else None,
        "start": start,
        "end": end,
        "all_hours": all_hours,
        "hour_from": hour_from,
        "hour_to": hour_to % 24 if hour_to != 24 else 24,
    }
    with db.transaction(dict_rows=False) as cur:
        cur.execute(_INCIDENT_POINTS, params)
        rows = cur.fetchall()
    if not rows:
        frame = pd.DataFrame({c: [] for c in _INCIDENT_COLUMNS})
        frame["lon"] = frame["lon"].astype(np.float64)
        frame["lat"] = frame["lat"].astype(np.float64)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame
    cols = list(zip(*rows))
    frame = pd.DataFrame({name: list(col) for name, col in zip(_INCIDENT_COLUMNS, cols)})
    frame["lon"] = frame["lon"].astype(np.float64)
    frame["lat"] = frame["lat"].astype(np.float64)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def incident_period(db: Database) -> dict[str, Any]:
    """First and last incident time (UTC) and the number of incidents that count for planning."""
    with db.transaction() as cur:
        cur.execute(_PERIOD, (list(EXCLUDED_OUTCOMES),))
        row = cur.fetchone()
    return dict(row) if row else {"first": None, "last": None, "n": 0}


def incident_types(db: Database) -> list[dict[str, Any]]:
    """Incident types with their names and how many incidents (that count for planning) each has."""
    with db.transaction() as cur:
        cur.execute(_INCIDENT_TYPES, (list(EXCLUDED_OUTCOMES),))
        return list(cur.fetchall())


def stations(db: Database, categories: Sequence[str]) -> list[dict[str, Any]]:
    """Facilities of the given categories (e.g. ``['fire_post']``) with lon/lat and place."""
    with db.transaction() as cur:
        cur.execute(_STATIONS, (list(categories),))
        return list(cur.fetchall())
