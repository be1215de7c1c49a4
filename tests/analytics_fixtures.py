"""Helpers (no tests): small hand-built analytics data inserted directly into a prepared database,
and rows of the historical import CSV."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from typing import Any

from analytics.csv_import import COLUMNS
from store import Database

IN_CITY = (122.5151, -3.9716)      # Kota Lama area
STAMPS = ("call_received_at", "call_answered_at", "created_at", "first_dispatched_at", "first_en_route_at",
          "first_on_scene_at", "closed_at")


def kelurahan_points(db: Database) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute("SELECT kode, kecamatan_kode, ST_X(ST_PointOnSurface(geom)) AS lon,"
                    " ST_Y(ST_PointOnSurface(geom)) AS lat FROM kelurahan ORDER BY kode")
        return list(cur.fetchall())


def catalog(db: Database) -> tuple[dict[str, str], set[str]]:
    with db.transaction() as cur:
        cur.execute("SELECT code, agency_code, is_emergency FROM incident_types")
        rows = cur.fetchall()
    return {r["code"]: r["agency_code"] for r in rows}, {r["code"] for r in rows if r["is_emergency"]}


def insert_incident(db: Database, *, incident_type: str, lon: float, lat: float, outcome: str | None = None,
                    units: int = 0, **stamps: datetime | None) -> dict[str, Any]:
    """Insert one incident with its projection stamps (kecamatan/kelurahan come from the trigger)."""
    created = stamps.get("created_at") or stamps.get("call_received_at")
    assert created is not None
    values = {k: stamps.get(k) for k in STAMPS}
    values["created_at"] = created
    closed = outcome is not None
    if closed and values["closed_at"] is None:
        values["closed_at"] = created + timedelta(hours=1)
    with db.transaction() as cur:
        cur.execute(
            "INSERT INTO incidents (incident_type, priority, geom, status, outcome, call_received_at, call_answered_at,"
            " created_at, first_dispatched_at, first_en_route_at, first_on_scene_at, closed_at)"
            " VALUES (%(t)s, 2, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(status)s, %(outcome)s,"
            " %(call_received_at)s, %(call_answered_at)s, %(created_at)s, %(first_dispatched_at)s,"
            " %(first_en_route_at)s, %(first_on_scene_at)s, %(closed_at)s)"
            " RETURNING id, kecamatan_kode, kelurahan_kode",
            {**values, "t": incident_type, "lon": lon, "lat": lat, "status": "closed" if closed else "open",
             "outcome": outcome})
        found = cur.fetchone()
        assert found is not None
        row = dict(found)
        if units:
            cur.execute("SELECT id FROM units ORDER BY id LIMIT %s", (units,))
            for u in cur.fetchall():
                cur.execute("INSERT INTO assignments (incident_id, unit_id, status, assigned_at) VALUES (%s, %s,"
                            " 'cleared', %s)", (row["id"], u["id"], values["first_dispatched_at"] or created))
    return {**values, "incident_type": incident_type, "outcome": outcome, "id": row["id"],
            "kecamatan_kode": row["kecamatan_kode"], "kelurahan_kode": row["kelurahan_kode"], "units": units}


def ensure_units(db: Database, n: int = 3) -> None:
    with db.transaction() as cur:
        for i in range(n):
            cur.execute("INSERT INTO units (callsign, unit_type, agency_code) VALUES (%s, 'ambulance', 'PSC119')"
                        " ON CONFLICT (callsign) DO NOTHING", (f"AMB-T{i + 1}",))


def random_incidents(db: Database, rng: random.Random, n: int, start: datetime, days: int) -> list[dict[str, Any]]:
    """``n`` incidents with random stamps: missing ones, out-of-order ones, ties, every type."""
    points = kelurahan_points(db)
    type_agency, _ = catalog(db)
    types = sorted(type_agency)
    out = []
    for _ in range(n):
        t0 = start + timedelta(seconds=rng.randint(0, days * 86400 - 1), microseconds=rng.randint(0, 999999))
        p = rng.choice(points)
        step = lambda lo, hi: timedelta(seconds=rng.randint(lo, hi), microseconds=rng.choice([0, 250000, 999999]))  # noqa: E731
        ans = t0 + step(0, 40) if rng.random() > 0.1 else None
        disp = (ans or t0) + step(20, 200) if rng.random() > 0.2 else None
        enr = disp + step(-30, 150) if disp and rng.random() > 0.15 else None     # sometimes out of order
        ons = enr + step(60, 900) if enr and rng.random() > 0.1 else None
        rec = insert_incident(
            db, incident_type=rng.choice(types), lon=p["lon"], lat=p["lat"],
            outcome=rng.choice([None, None, "resolved", "resolved", "false_alarm", "prank", "duplicate", "cancelled"]),
            call_received_at=t0 if rng.random() > 0.05 else None, call_answered_at=ans,
            created_at=(ans or t0) + step(5, 60), first_dispatched_at=disp, first_en_route_at=enr,
            first_on_scene_at=ons, units=rng.randint(0, 2))
        out.append(rec)
    return out


def csv_incident(ref: str, **kw: str) -> dict[str, str]:
    """An ``incident`` row of the import CSV (a valid one unless ``kw`` says otherwise)."""
    row = {"record": "incident", "ref": ref, "incident_type": "medical", "lon": str(IN_CITY[0]),
           "lat": str(IN_CITY[1]), "call_received_at": "2026-03-02T08:00:00+08:00",
           "call_answered_at": "2026-03-02T08:00:09+08:00", "created_at": "2026-03-02T08:01:00+08:00",
           "closed_at": "2026-03-02T09:00:00+08:00", "outcome": "resolved"}
    row.update(kw)
    return row


def csv_unit(ref: str, **kw: str) -> dict[str, str]:
    """A ``unit`` row of the import CSV for incident ``ref``."""
    row = {"record": "unit", "ref": ref, "unit": "AMB-T1", "dispatched_at": "2026-03-02T08:02:00+08:00",
           "en_route_at": "2026-03-02T08:03:00+08:00", "on_scene_at": "2026-03-02T08:10:30+08:00",
           "cleared_at": "2026-03-02T08:55:00+08:00"}
    row.update(kw)
    return row


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    """The import CSV text of ``rows`` (header first)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()
