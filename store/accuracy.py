"""Recorded trips for the ETA accuracy report (SQL only).

A trip is one assignment of a closed incident with both stamps: the unit set off
(``en_route_at``) and arrived (``on_scene_at``). Its origin is the unit's last reported
position in the half hour before it was dispatched, else its home station.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.db import Database

#: A position older than this at dispatch does not say where the unit was.
POSITION_MAX_AGE_MIN = 30
#: Recorded travel longer than this is a forgotten button, not a trip.
MAX_TRAVEL_H = 3

_TRIPS = f"""
SELECT a.id AS assignment_id, a.incident_id, a.unit_id, a.en_route_at, a.on_scene_at,
       extract(epoch FROM a.on_scene_at - a.en_route_at)::double precision AS recorded_s,
       ST_X(i.geom) AS dest_lon, ST_Y(i.geom) AS dest_lat, k.nama AS kecamatan, i.synthetic,
       coalesce(ST_X(p.geom), ST_X(f.geom)) AS origin_lon, coalesce(ST_Y(p.geom), ST_Y(f.geom)) AS origin_lat,
       CASE WHEN p.geom IS NOT NULL THEN 'position' WHEN f.geom IS NOT NULL THEN 'home' END AS origin
  FROM assignments a
  JOIN incidents i ON i.id = a.incident_id
  JOIN units u ON u.id = a.unit_id
  LEFT JOIN kecamatan k ON k.kode = i.kecamatan_kode
  LEFT JOIN facilities f ON f.id = u.home_facility_id
  LEFT JOIN LATERAL (
        SELECT up.geom FROM unit_positions up
         WHERE up.unit_id = a.unit_id AND up.recorded_at <= a.assigned_at
           AND up.recorded_at >= a.assigned_at - interval '{POSITION_MAX_AGE_MIN} minutes'
         ORDER BY up.recorded_at DESC LIMIT 1) p ON true
 WHERE i.status = 'closed'
   AND a.en_route_at >= %(start)s AND a.en_route_at < %(end)s
   AND a.on_scene_at > a.en_route_at
   AND a.on_scene_at - a.en_route_at < interval '{MAX_TRAVEL_H} hours'
 ORDER BY a.en_route_at DESC, a.id DESC
 LIMIT %(limit)s
"""


def recorded_trips(db: Database, *, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """The most recent ``limit`` trips that set off in ``[start, end)``, newest first.

    Each row: ``assignment_id``, ``incident_id``, ``unit_id``, ``en_route_at``, ``on_scene_at``,
    ``recorded_s``, ``dest_lon``/``dest_lat`` (the incident), ``kecamatan`` (name), ``synthetic``,
    ``origin_lon``/``origin_lat`` and ``origin`` (``"position"``, ``"home"``, or None when neither is known).
    """
    with db.transaction() as cur:
        cur.execute(_TRIPS, {"start": start, "end": end, "limit": int(limit)})
        return list(cur.fetchall())
