"""Historical CSV import: every kind of bad line, whole file or nothing, events and facts (PostGIS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from analytics.csv_import import parse
from analytics.period import Filters, days_period
from app import create_app
from services import analytics as sa, imports as si
from services.accounts import issue_api_token
from store import Database
from tests.analytics_fixtures import csv_incident as incident, csv_unit as unit, ensure_units, to_csv

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TYPES = {"medical": 1, "structure_fire": 1, "street_light": 4}
UNITS = {"AMB-T1", "AMB-T2"}


def in_city(lon: float, lat: float) -> bool:
    return abs(lon - 122.53) < 0.2 and abs(lat + 3.98) < 0.2


def check(text: str):
    return parse(text, known_types=TYPES, known_units=UNITS, location_ok=in_city, now=NOW)


def test_good_file_parses() -> None:
    got = check(to_csv([unit("A-1"), incident("A-1"), incident("A-2", incident_type="street_light",
                                                                   closed_at="", outcome="", call_answered_at="")]))
    assert got.ok and len(got.incidents) == 2 and len(got.units) == 1 and got.lines == 3
    assert got.incidents[0].priority == 1 and got.incidents[1].closed_at is None


BAD_LINES = [
    (incident("X", call_received_at="2026-03-02 25:00"), "call_received_at", "bad date"),
    (incident("X", created_at="2026-03-02T08:01:00"), "created_at", "offset is missing"),
    (incident("X", created_at=""), "created_at", "required"),
    (incident("X", created_at="2035-01-01T00:00:00+08:00", closed_at="", outcome=""), "created_at", "outside"),
    (incident("X", call_answered_at="2026-03-02T07:59:00+08:00"), "call_answered_at", "out of order"),
    (incident("X", closed_at="2026-03-02T07:00:00+08:00"), "closed_at", "out of order"),
    (incident("X", lon="121.0", lat="-3.98"), "lon", "outside the city"),
    (incident("X", lon="east"), "lon", "bad coordinates"),
    (incident("X", incident_type="alien_landing"), "incident_type", "unknown incident type"),
    (incident("X", priority="9"), "priority", "priority"),
    (incident("X", outcome="solved"), "outcome", "unknown outcome"),
    (incident("X", outcome=""), "outcome", "go together"),
    (incident("", ), "ref", "required"),
    (incident("X", unit="AMB-T1"), "unit", "must be empty"),
    (incident("X", call_received_at="", call_answered_at="2026-03-02T08:00:09+08:00"), "call_received_at", "needs"),
    ({"record": "vehicle", "ref": "X"}, "record", "incident"),
    (unit("NOPE"), "ref", "no incident row"),
    (unit("OK", unit="FIRE-99"), "unit", "unknown unit"),
    (unit("OK", en_route_at="2026-03-02T08:01:00+08:00"), "en_route_at", "out of order"),
    (unit("OK", dispatched_at="2026-03-02T07:00:00+08:00", en_route_at="", on_scene_at="", cleared_at=""),
     "dispatched_at", "before the call"),
    (unit("OK", dispatched_at=""), "dispatched_at", "required"),
    (unit("OK", lon="122.5"), "lon", "must be empty"),
]


@pytest.mark.parametrize(("row", "field", "reason"), BAD_LINES)
def test_every_kind_of_bad_line_is_reported(row: dict[str, str], field: str, reason: str) -> None:
    got = check(to_csv([incident("OK"), row]))
    assert not got.ok
    assert any(e.line == 3 and e.field == field and reason in e.message for e in got.errors), got.errors
    assert all(e.line == 3 for e in got.errors)


def test_all_bad_lines_are_listed_at_once() -> None:
    rows = [incident("A"), incident("A"), incident("B", incident_type="x"), unit("C"), incident("D", lon="0")]
    got = check(to_csv(rows))
    assert [e.line for e in got.errors] == [3, 4, 5, 6]
    assert "duplicate ref 'A' (first on line 2)" in got.errors[0].message


def test_file_level_problems() -> None:
    assert "empty" in check("").errors[0].message
    assert "missing columns" in check("record,ref\nincident,A\n").errors[0].message
    assert "no records" in check(to_csv([])).errors[0].message
    short = to_csv([incident("A")]).rstrip("\n") + "\nincident,B,medical\n"
    assert check(short).errors[0].line == 3 and "expected" in check(short).errors[0].message


def test_the_city_check_uses_a_one_km_buffer() -> None:
    from analytics.csv_import import in_city as real
    from layers.geodata import point_in_city

    for lon, lat in ((122.5151, -3.9716), (122.60, -3.99), (122.3, -3.9), (122.75, -4.0)):
        assert real(lon, lat) == point_in_city(lon, lat, buffer_m=1000)


# --- into the database ---------------------------------------------------------------------------
def test_import_stores_everything_in_one_transaction(db: Database) -> None:
    ensure_units(db)
    rows = [incident("K-1"), unit("K-1"), unit("K-1", unit="AMB-T2", dispatched_at="2026-03-02T08:02:30+08:00",
                                                   en_route_at="2026-03-02T08:02:50+08:00",
                                                   on_scene_at="2026-03-02T08:12:00+08:00"),
            incident("K-2", incident_type="street_light", call_received_at="", call_answered_at="",
                     closed_at="", outcome="")]
    result = si.import_incidents(db, to_csv(rows), actor="admin", filename="k.csv")
    assert result.ok, result.errors
    assert (result.incidents, result.units) == (2, 2)
    with db.transaction() as cur:
        cur.execute("SELECT i.*, r.source_ref FROM incidents i JOIN analytics_import_refs r ON r.incident_id = i.id"
                    " ORDER BY r.source_ref")
        k1, k2 = cur.fetchall()
        assert k1["kecamatan_kode"] and k1["kelurahan_kode"]        # from the PostGIS trigger
        assert k1["first_dispatched_at"] == datetime(2026, 3, 2, 0, 2, tzinfo=UTC)
        assert k1["first_en_route_at"] == datetime(2026, 3, 2, 0, 2, 50, tzinfo=UTC)
        assert k1["first_on_scene_at"] == datetime(2026, 3, 2, 0, 10, 30, tzinfo=UTC)
        assert k1["status"] == "closed" and k2["status"] == "open" and k2["call_id"] is None
        cur.execute("SELECT incident_id FROM calls WHERE id = %s", (k1["call_id"],))
        call = cur.fetchone()
        assert call is not None and call["incident_id"] == k1["id"]
        cur.execute("SELECT kind, count(*) AS n FROM events WHERE incident_id = %s GROUP BY kind", (k1["id"],))
        kinds = {r["kind"]: r["n"] for r in cur.fetchall()}
        assert kinds == {"import": 1, "call_received": 1, "call_answered": 1, "incident_created": 1,
                         "incident_closed": 1, "unit_dispatched": 2, "unit_en_route": 2, "unit_on_scene": 2,
                         "unit_cleared": 2}
        cur.execute("SELECT count(*) AS n FROM assignments WHERE incident_id = %s AND status = 'cleared'", (k1["id"],))
        cleared = cur.fetchone()
        assert cleared is not None and cleared["n"] == 2
    # the facts are there at once: total = first on scene - call received = 630 s
    row = sa.response_times(db, Filters(*days_period(date(2026, 3, 1), date(2026, 3, 31))))[0]
    assert row.incidents == 2 and row.intervals["total"].p90_s == 630 and row.intervals["turnout"].p90_s == 50
    # the same records again are refused, and nothing more is stored
    again = si.import_incidents(db, to_csv(rows), actor="admin")
    assert not again.ok and {e.line for e in again.errors} == {2, 5}
    assert "imported before" in again.errors[0].message


def test_a_bad_line_stores_nothing(db: Database) -> None:
    ensure_units(db)
    rows = [incident("G-1"), unit("G-1"), incident("G-2", lon="100", lat="0")]
    result = si.import_incidents(db, to_csv(rows), actor="admin")
    assert not result.ok and [e.line for e in result.errors] == [4]
    with db.transaction() as cur:
        cur.execute("SELECT (SELECT count(*) FROM incidents) AS i, (SELECT count(*) FROM events) AS e,"
                    " (SELECT count(*) FROM analytics_imports) AS m")
        counts = cur.fetchone()
        assert counts is not None and dict(counts) == {"i": 0, "e": 0, "m": 0}


# --- over the API -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[dict]:
    app = create_app({"database_url": module_db.url, "seed_demo": False})
    ensure_units(module_db)
    tokens = {role: issue_api_token(module_db, name=f"t-{role}", role=role)
              for role in ("admin", "leadership", "dispatcher", "planner")}
    yield {"client": app.server.test_client(), "tokens": tokens, "db": module_db}
    app.server.extensions["kendari112"].db.close()


def _post(api: dict, body: str, role: str = "admin", ctype: str = "text/csv", query: str = ""):
    return api["client"].post(f"/api/v1/imports/incidents{query}", data=body.encode("utf-8"),
                              headers={"Authorization": f"Bearer {api['tokens'][role]}", "Content-Type": ctype})


def test_api_import(api: dict) -> None:
    good = to_csv([incident("API-1"), unit("API-1")])
    assert _post(api, good, role="dispatcher").status_code == 403
    assert _post(api, good, ctype="application/json").status_code == 415
    dry = _post(api, good, query="?dry_run=1")
    assert dry.status_code == 200 and dry.get_json()["valid"] == {"incidents": 1, "units": 1}
    resp = _post(api, good, query="?filename=api.csv")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["imported"] == {"incidents": 1, "units": 1}
    bad = _post(api, to_csv([incident("API-2", created_at="soon"), incident("API-3", incident_type="nope")]))
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "created_at"), (3, "incident_type")]
    with api["db"].transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM analytics_import_refs WHERE source_ref LIKE 'API-%%'")
        assert cur.fetchone()["n"] == 1


def test_hostile_files_are_refused_fast_and_whole() -> None:
    from analytics import csv_import

    wide = ",".join(f"c{i}" for i in range(200_000)) + "\n"
    parsed = csv_import.parse(wide, known_types={}, known_units=(), location_ok=lambda lon, lat: True)
    assert parsed.errors and "more than" in parsed.errors[0].message
    repeated = ",".join(["record"] * 60) + "\n"
    parsed = csv_import.parse(repeated, known_types={}, known_units=(), location_ok=lambda lon, lat: True)
    assert "repeated columns: record" in parsed.errors[0].message
    long_line = ",".join(csv_import.COLUMNS) + "\n" + "x" * 20_000 + "," * (len(csv_import.COLUMNS) - 1) + "\n"
    parsed = csv_import.parse(long_line, known_types={}, known_units=(), location_ok=lambda lon, lat: True)
    assert any("longer than" in e.message for e in parsed.errors)
