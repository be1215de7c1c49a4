"""Demo data: deterministic, inside the city, distributions as calibrated, consistent stamps."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

import demo as gen
from store import ConflictError, Database, demo as store_demo
from tests.conftest import drop_database, make_database

#: 1 Nov 2026 00:00 WITA: the year of history is Nov 2025 .. Oct 2026, twelve full local months.
NOW = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
SHORT_NOW = datetime(2026, 3, 15, 4, 30, tzinfo=UTC)


def _rows(db: Database, query: str, params: Any = None) -> list[dict[str, Any]]:
    with db.transaction() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _one(db: Database, query: str, params: Any = None) -> Any:
    row = _rows(db, query, params)[0]
    return next(iter(row.values()))


@pytest.fixture(scope="module")
def year_db(module_db: Database) -> Database:
    """The full demo: 12 months of history, seeded once for the module."""
    counts = gen.seed_if_empty(module_db, seed=112, months=12, now=NOW)
    assert counts["incidents"] > 20_000
    return module_db


@pytest.fixture(scope="module")
def inputs(module_db: Database) -> gen.DemoInputs:
    with module_db.transaction() as cur:
        return gen.load_inputs(cur)


@pytest.fixture
def second_db(pg_admin_url: str, template_db: str) -> Iterator[Database]:
    name, url = make_database(pg_admin_url, template_db, prefix="d")
    database = Database(url, max_size=2)
    yield database
    database.close()
    drop_database(pg_admin_url, name)


# --- The generator --------------------------------------------------------------------------------
def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "M":
        return np.array_equal(a.view("i8"), b.view("i8"))
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return a.tolist() == b.tolist()


def test_generator_is_deterministic_under_the_seed(inputs: gen.DemoInputs) -> None:
    one = gen.generate(inputs, seed=7, months=2, now=SHORT_NOW)
    two = gen.generate(inputs, seed=7, months=2, now=SHORT_NOW)
    other = gen.generate(inputs, seed=8, months=2, now=SHORT_NOW)
    for table in ("units", "calls", "incidents", "assignments", "events"):
        a, b = getattr(one, table), getattr(two, table)
        assert a.keys() == b.keys()
        for column in a:
            assert _same(a[column], b[column]), f"{table}.{column} differs between two runs"
    assert not _same(one.incidents["lon"][:100], other.incidents["lon"][:100])
    one.check()


def test_exact_incident_count_for_benchmarks(inputs: gen.DemoInputs) -> None:
    data = gen.generate(inputs, seed=1, months=1, now=SHORT_NOW, n_incidents=4_321, with_events=False)
    assert data.counts()["incidents"] == 4_321
    assert data.events is None
    data.check()


def test_route_crosses_the_bay_by_the_bridge_or_round_the_bay_head() -> None:
    north, south = np.array([gen.ZONE_NORTH]), np.array([gen.ZONE_SOUTH])
    # Kota Lama (Kendari Caddi) -> Lapulu: over the bridge, a few km
    d, way = gen.route_m(np.array([122.5938]), np.array([-3.9735]), north,
                         np.array([122.5816]), np.array([-3.9850]), south)
    assert way[0] == 2 and d[0] < 4_000
    # Lahundape (north shore, west) -> Lalolara (south shore, west): round the bay head
    d, way = gen.route_m(np.array([122.5301]), np.array([-3.9673]), north,
                         np.array([122.5171]), np.array([-3.9971]), south)
    assert way[0] == 1
    straight = gen.haversine_m(122.5301, -3.9673, 122.5171, -3.9971)
    assert d[0] > straight * gen.CIRCUITY
    # inland: straight line x circuity
    inland = np.array([gen.ZONE_INLAND])
    d, way = gen.route_m(np.array([122.49]), np.array([-4.0]), inland, np.array([122.50]), np.array([-3.98]), inland)
    assert way[0] == 0
    assert d[0] == pytest.approx(gen.haversine_m(122.49, -4.0, 122.50, -3.98)[()] * gen.CIRCUITY)


# --- Seeding: determinism, idempotence, bulk ----------------------------------------------------
_INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
_INCIDENT_ROWS = """
SELECT incident_type, priority, ST_AsEWKB(geom) AS geom, kelurahan_kode, status, outcome, created_at,
       first_dispatched_at, first_en_route_at, first_on_scene_at, closed_at, caller_phone
  FROM incidents ORDER BY id
"""
_ASSIGNMENT_ROWS = """
SELECT u.callsign, a.status, a.assigned_at, a.en_route_at, a.on_scene_at, a.cleared_at, a.eta_s
  FROM assignments a JOIN units u ON u.id = a.unit_id ORDER BY a.id
"""
_EVENT_ROWS = "SELECT kind, at, data FROM events ORDER BY id"


def test_seeding_is_deterministic_and_runs_once(db: Database, second_db: Database) -> None:
    first = gen.seed_if_empty(db, seed=5, months=1, now=SHORT_NOW)
    second = gen.seed_if_empty(second_db, seed=5, months=1, now=SHORT_NOW)
    assert first == second and first["incidents"] > 1_000
    for query in (_INCIDENT_ROWS, _ASSIGNMENT_ROWS, _EVENT_ROWS,
                  "SELECT callsign, status, ST_AsEWKB(position) AS p FROM units ORDER BY callsign"):
        assert _rows(db, query) == _rows(second_db, query)
    # a second start finds data and does nothing; seed() refuses to write on top
    assert gen.seed_if_empty(db, seed=6, months=1, now=SHORT_NOW) == {}
    assert _one(db, "SELECT count(*) FROM incidents") == first["incidents"]
    with pytest.raises(ConflictError):
        gen.seed(db, seed=6, months=1, now=SHORT_NOW)


@pytest.mark.parametrize("superuser", [True, False], ids=["unchecked", "checked"])
def test_bulk_seed_writes_exact_count_and_restores_indexes(db: Database, superuser: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if not superuser:   # as an ordinary table owner: foreign keys checked, only the trigger is off
        monkeypatch.setattr(store_demo, "_IS_SUPERUSER", "SELECT false AS superuser")
    indexes_before = _rows(db, _INDEXES)
    counts = gen.seed(db, seed=3, months=2, now=SHORT_NOW, n_incidents=3_000, with_events=False, bulk=True)
    assert counts["incidents"] == 3_000 and counts["events"] == 0
    assert _one(db, "SELECT tgenabled FROM pg_trigger WHERE tgname = 'incidents_place_trg'") == "O"
    assert _rows(db, _INDEXES) == indexes_before
    assert _one(db, "SHOW session_replication_role") == "origin"
    # the kelurahan written by the generator is the polygon that holds the point
    assert _one(db, """
        SELECT count(*) FROM incidents i JOIN kelurahan k ON k.kode = i.kelurahan_kode
         WHERE NOT ST_Within(i.geom, k.geom) OR i.kecamatan_kode <> k.kecamatan_kode""") == 0
    assert _one(db, "SELECT count(*) FROM incidents WHERE kelurahan_kode IS NULL") == 0
    # references hold
    assert _one(db, """
        SELECT count(*) FROM calls c LEFT JOIN incidents i ON i.id = c.incident_id
         WHERE c.incident_id IS NOT NULL AND i.id IS NULL""") == 0
    assert _one(db, """
        SELECT count(*) FROM incidents i JOIN calls c ON c.id = i.call_id WHERE c.incident_id = i.id""") == 3_000


# --- The year of history --------------------------------------------------------------------------
def test_every_row_is_marked_synthetic(year_db: Database) -> None:
    row = _rows(year_db, """
        SELECT (SELECT count(*) FROM units WHERE NOT synthetic) AS units,
               (SELECT count(*) FROM calls WHERE NOT synthetic) AS calls,
               (SELECT count(*) FROM incidents WHERE NOT synthetic) AS incidents,
               (SELECT count(*) FROM events WHERE actor IS DISTINCT FROM 'demo'
                    OR data->>'synthetic' IS DISTINCT FROM 'true') AS events,
               (SELECT count(*) FROM events) AS n_events""")[0]
    assert row["n_events"] > 100_000
    assert (row["units"], row["calls"], row["incidents"], row["events"]) == (0, 0, 0, 0)


def test_fleet_is_based_at_the_stations(year_db: Database) -> None:
    rows = _rows(year_db, """
        SELECT u.unit_type, f.category, count(*) AS n FROM units u JOIN facilities f ON f.id = u.home_facility_id
         GROUP BY 1, 2""")
    by = {(r["unit_type"], r["category"]): r["n"] for r in rows}
    n_puskesmas = _one(year_db, "SELECT count(*) FROM facilities WHERE category = 'puskesmas'")
    assert by[("ambulance", "puskesmas")] == n_puskesmas
    assert by.get(("ambulance", "hospital"), 0) in (1, 2)
    assert by[("fire_engine", "fire_post")] == 7
    assert by[("water_tanker", "fire_post")] in (1, 2)
    n_polsek = _one(year_db, "SELECT count(*) FROM facilities WHERE category = 'police_station'")
    assert 2 * n_polsek <= by[("police_patrol", "police_station")] <= 3 * n_polsek
    assert by[("bpbd_rescue", "bpbd_post")] >= 2
    callsigns = {r["callsign"] for r in _rows(year_db, "SELECT callsign FROM units")}
    assert {"AMB-01", "DMK-01", "POL-01", "BPBD-01"} <= callsigns


def test_call_volume_and_classification_follow_the_published_figures(year_db: Database) -> None:
    months = _rows(year_db, """
        SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Makassar') AS m, count(*) AS n
          FROM calls GROUP BY 1 ORDER BY 1""")
    assert len(months) == 12
    assert all(4_300 <= r["n"] <= 6_000 for r in months), months
    shares = _rows(year_db, """
        SELECT avg((classification IN ('prank', 'ghost'))::int) AS prank_ghost,
               avg((classification = 'abandoned')::int) AS abandoned,
               avg((classification = 'duplicate')::int) AS duplicate,
               avg((classification = 'invalid')::int) AS invalid,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - received_at))
                   AS answer_median_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - received_at))
                   AS answer_p90_s
          FROM calls""")[0]
    assert 0.21 <= shares["prank_ghost"] <= 0.27          # Jan 2026: 1,028 of 4,336
    assert 0.08 <= shares["abandoned"] <= 0.16            # launch: 37 %; documented floor 12 %
    assert shares["duplicate"] > 0.05 and shares["invalid"] > 0.03
    assert 10 <= shares["answer_median_s"] <= 20
    assert shares["answer_p90_s"] > 1.8 * shares["answer_median_s"]     # a long tail
    # every answered valid call made a ticket; abandoned calls were never answered
    assert _one(year_db, """
        SELECT count(*) FROM calls WHERE classification = 'abandoned' AND answered_at IS NOT NULL""") == 0
    assert _one(year_db, """
        SELECT count(*) FROM calls c WHERE classification = 'valid'
           AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.call_id = c.id)""") == 0


def test_type_mix_and_closure_rates(year_db: Database) -> None:
    rows = _rows(year_db, """
        SELECT t.code, t.agency_code, t.is_emergency, count(*) AS n, avg((i.status = 'closed')::int) AS closed
          FROM incidents i JOIN incident_types t ON t.code = i.incident_type GROUP BY 1, 2, 3""")
    n = {r["code"]: r["n"] for r in rows}
    total = sum(n.values())
    municipal = sum(r["n"] for r in rows if not r["is_emergency"])
    assert municipal / total > 0.5                          # most tickets are municipal
    assert 70 <= n["land_fire"] + n["structure_fire"] <= 170  # ~110 fires a year
    assert n["land_fire"] > n["structure_fire"]
    assert max((r for r in rows if r["is_emergency"]), key=lambda r: r["n"])["code"] in {"medical", "fallen_tree"}
    closed = sum(r["n"] * r["closed"] for r in rows) / total
    assert 0.52 <= closed <= 0.64                           # "only ~58 % were closed"
    by_agency: dict[str, list[float]] = {}
    for r in rows:
        by_agency.setdefault(r["agency_code"], []).append(float(r["closed"]))
    assert min(by_agency["PSC119"]) > 0.98 and min(by_agency["POLICE"]) > 0.98
    assert max(by_agency["PLN"]) > max(by_agency["PUBLIC_WORKS"]) + 0.15
    outcomes = {r["outcome"] for r in _rows(year_db, "SELECT DISTINCT outcome FROM incidents WHERE outcome <> ''")}
    assert outcomes == {"resolved", "false_alarm", "prank", "duplicate", "cancelled"}
    assert _one(year_db, """
        SELECT count(*) FROM incidents d JOIN incidents o ON o.id = d.duplicate_of
         WHERE d.outcome <> 'duplicate' OR NOT ST_Equals(d.geom, o.geom) OR d.created_at < o.created_at""") == 0


def _chi2_flat(counts: list[int]) -> float:
    expected = sum(counts) / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


def test_hour_of_day_profile_is_not_flat(year_db: Database) -> None:
    rows = _rows(year_db, """
        SELECT extract(hour FROM created_at AT TIME ZONE 'Asia/Makassar')::int AS h, count(*) AS n
          FROM incidents GROUP BY 1 ORDER BY 1""")
    counts = [r["n"] for r in rows]
    assert len(counts) == 24
    assert max(counts) / min(counts) > 2.5
    assert _chi2_flat(counts) > 200          # chi-square, 23 dof: p << 1e-6 against a flat profile
    by_hour = dict(zip(range(24), counts))
    assert by_hour[19] > by_hour[3] * 2      # evenings busy, small hours quiet
    land = _rows(year_db, """
        SELECT extract(hour FROM created_at AT TIME ZONE 'Asia/Makassar')::int BETWEEN 11 AND 17 AS afternoon,
               count(*) AS n FROM incidents WHERE incident_type = 'land_fire' GROUP BY 1""")
    share = {r["afternoon"]: r["n"] for r in land}
    assert share.get(True, 0) > share.get(False, 0)


def test_weekday_pattern(year_db: Database) -> None:
    rows = _rows(year_db, """
        SELECT t.is_emergency, i.incident_type = 'disturbance' AS disturbance,
               extract(isodow FROM i.created_at AT TIME ZONE 'Asia/Makassar')::int AS dow, count(*) AS n
          FROM incidents i JOIN incident_types t ON t.code = i.incident_type GROUP BY 1, 2, 3""")
    municipal = {r["dow"]: r["n"] for r in rows if not r["is_emergency"]}
    disturbance = {r["dow"]: r["n"] for r in rows if r["disturbance"]}
    assert municipal[1] > 1.2 * municipal[7]          # reported on Monday, less on Sunday
    assert disturbance[6] > 1.3 * disturbance[2]      # Saturday night
    assert _chi2_flat([municipal[d] for d in range(1, 8)]) > 30


def test_seasonality_of_fires_and_floods(year_db: Database) -> None:
    rows = _rows(year_db, """
        SELECT incident_type, extract(month FROM created_at AT TIME ZONE 'Asia/Makassar')::int AS m, count(*) AS n
          FROM incidents WHERE incident_type IN ('land_fire', 'flood', 'landslide') GROUP BY 1, 2""")
    def share(code: str, months: set[int]) -> float:
        sel = [r for r in rows if r["incident_type"] == code]
        return sum(r["n"] for r in sel if r["m"] in months) / sum(r["n"] for r in sel)
    assert share("land_fire", {7, 8, 9, 10}) > 0.6         # dry season
    assert share("flood", {12, 1, 2, 3, 4}) > 0.6          # rainy season
    assert share("landslide", {12, 1, 2, 3, 4}) > 0.6


def test_no_incident_outside_the_city_and_denser_in_the_centre(year_db: Database) -> None:
    assert _one(year_db, """
        WITH city AS (SELECT ST_Union(geom) AS geom FROM kelurahan)
        SELECT count(*) FROM incidents i, city
         WHERE i.kelurahan_kode IS NULL OR i.kecamatan_kode IS NULL OR NOT ST_Within(i.geom, city.geom)""") == 0
    rows = _rows(year_db, """
        SELECT kc.nama, count(i.id) / kc.area_km2 AS per_km2
          FROM kecamatan kc LEFT JOIN incidents i ON i.kecamatan_kode = kc.kode GROUP BY kc.nama, kc.area_km2""")
    density = {r["nama"]: r["per_km2"] for r in rows}
    assert all(v > 0 for v in density.values())                 # every kecamatan has incidents
    assert max(density, key=density.get) == "Kadia"  # type: ignore[arg-type]
    assert density["Kadia"] > 5 * min(density["Baruga"], density["Nambo"])
    # every kelurahan has some, and not in proportion to area alone
    per_kel = _rows(year_db, """
        SELECT k.area_km2, count(i.id) AS n FROM kelurahan k LEFT JOIN incidents i ON i.kelurahan_kode = k.kode
         GROUP BY k.kode, k.area_km2""")
    assert len(per_kel) == 64 and min(r["n"] for r in per_kel) > 0
    dens = sorted(r["n"] / r["area_km2"] for r in per_kel)
    assert dens[-1] / dens[0] > 10


_ORDERED = """
SELECT count(*) FROM (
  SELECT array_remove(ARRAY[call_received_at, call_answered_at, created_at, first_dispatched_at,
                            first_en_route_at, first_on_scene_at, closed_at], NULL) AS s
    FROM incidents i JOIN incident_types t ON t.code = i.incident_type
   WHERE t.is_emergency AND {where}) x
 WHERE s <> (SELECT array_agg(v ORDER BY v) FROM unnest(s) v)
"""


def test_emergency_stamps_are_complete_ordered_and_plausible(year_db: Database) -> None:
    assert _one(year_db, _ORDERED.format(where="i.status = 'closed'")) == 0
    assert _one(year_db, _ORDERED.format(where="i.status = 'open'")) == 0
    assert _one(year_db, """
        SELECT count(*) FROM assignments
         WHERE array_remove(ARRAY[assigned_at, en_route_at, on_scene_at, transport_started_at, at_hospital_at,
                                  cleared_at], NULL)
               <> (SELECT array_agg(v ORDER BY v) FROM unnest(array_remove(ARRAY[assigned_at, en_route_at,
                   on_scene_at, transport_started_at, at_hospital_at, cleared_at], NULL)) v)""") == 0
    stats = _rows(year_db, """
        SELECT avg((first_dispatched_at IS NOT NULL)::int) AS dispatched,
               avg((first_en_route_at IS NOT NULL)::int) AS en_route,
               avg((first_on_scene_at IS NOT NULL)::int) AS on_scene,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_dispatched_at - call_answered_at))
                   AS processing_s,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_on_scene_at - call_received_at))
                   AS response_s
          FROM incidents i JOIN incident_types t ON t.code = i.incident_type
         WHERE t.is_emergency AND i.status = 'closed' AND i.outcome = 'resolved'""")[0]
    assert stats["dispatched"] == 1
    assert 0.94 <= stats["en_route"] <= 0.99          # crews forget the button now and then
    assert stats["on_scene"] > 0.97
    assert 30 <= stats["processing_s"] <= 180
    assert 240 <= stats["response_s"] <= 1_200
    turnout = {r["fast"]: r["s"] for r in _rows(year_db, """
        SELECT u.unit_type IN ('ambulance', 'fire_engine', 'water_tanker', 'rescue') AS fast,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.en_route_at - a.assigned_at)) AS s
          FROM assignments a JOIN units u ON u.id = a.unit_id GROUP BY 1""")}
    assert 30 <= turnout[True] < turnout[False] <= 120
    # travel time follows the distance from the station (bay crossings make it longer than straight)
    corr = _one(year_db, """
        SELECT corr(extract(epoch FROM a.on_scene_at - a.en_route_at),
                    ST_Distance(f.geom::geography, i.geom::geography))
          FROM assignments a JOIN units u ON u.id = a.unit_id JOIN facilities f ON f.id = u.home_facility_id
          JOIN incidents i ON i.id = a.incident_id WHERE a.on_scene_at IS NOT NULL AND a.en_route_at IS NOT NULL""")
    assert corr > 0.6
    transported = _one(year_db, "SELECT count(*) FROM assignments WHERE at_hospital_at IS NOT NULL")
    assert transported > 1_000


def test_units_follow_the_response_plans(year_db: Database) -> None:
    # resolved emergency incidents got as many units as their run card asks for
    assert _one(year_db, """
        WITH plan AS (SELECT incident_type, sum(unit_count) AS n FROM response_plans GROUP BY 1),
             got AS (SELECT incident_id, count(*) AS n FROM assignments GROUP BY 1)
        SELECT count(*) FROM incidents i JOIN plan p ON p.incident_type = i.incident_type
          LEFT JOIN got g ON g.incident_id = i.id
         WHERE i.status = 'closed' AND i.outcome = 'resolved' AND coalesce(g.n, 0) <> p.n""") == 0
    kinds = {(r["incident_type"], r["unit_type"]): r["n"] for r in _rows(year_db, """
        SELECT i.incident_type, u.unit_type, count(*) AS n FROM assignments a
          JOIN incidents i ON i.id = a.incident_id JOIN units u ON u.id = a.unit_id GROUP BY 1, 2""")}
    assert kinds[("structure_fire", "fire_engine")] >= 2 * kinds[("structure_fire", "ambulance")] - 2
    assert ("medical", "police_patrol") not in kinds
    # mostly the nearest ambulance (straight line) goes to a medical call
    nearest = _one(year_db, """
        SELECT avg((a.unit_id = (SELECT u2.id FROM units u2 JOIN facilities f2 ON f2.id = u2.home_facility_id
                                  WHERE u2.unit_type = 'ambulance'
                                  ORDER BY ST_Distance(f2.geom::geography, i.geom::geography) LIMIT 1))::int)
          FROM incidents i JOIN assignments a ON a.incident_id = i.id
         WHERE i.incident_type = 'medical' AND i.status = 'closed' AND i.id % 10 = 0""")
    assert 0.75 <= nearest <= 0.95


_PROJECTION_MISMATCHES = """
WITH ev AS (
  SELECT incident_id,
         min(at) FILTER (WHERE kind = 'incident_created') AS created,
         min(at) FILTER (WHERE kind = 'unit_dispatched') AS dispatched,
         min(at) FILTER (WHERE kind = 'unit_en_route') AS en_route,
         min(at) FILTER (WHERE kind = 'unit_on_scene') AS on_scene,
         min(at) FILTER (WHERE kind = 'incident_closed') AS closed,
         min(data->>'outcome') FILTER (WHERE kind = 'incident_closed') AS outcome
    FROM events WHERE incident_id IS NOT NULL GROUP BY incident_id),
calls_ev AS (
  SELECT call_id, min(at) FILTER (WHERE kind = 'call_received') AS received,
         min(at) FILTER (WHERE kind = 'call_answered') AS answered
    FROM events WHERE call_id IS NOT NULL AND kind IN ('call_received', 'call_answered') GROUP BY call_id)
SELECT count(*) FROM incidents i
  LEFT JOIN ev ON ev.incident_id = i.id
  LEFT JOIN calls_ev c ON c.call_id = i.call_id
 WHERE i.created_at IS DISTINCT FROM ev.created
    OR i.first_dispatched_at IS DISTINCT FROM ev.dispatched
    OR i.first_en_route_at IS DISTINCT FROM ev.en_route
    OR i.first_on_scene_at IS DISTINCT FROM ev.on_scene
    OR i.closed_at IS DISTINCT FROM ev.closed
    OR i.outcome IS DISTINCT FROM ev.outcome
    OR i.call_received_at IS DISTINCT FROM c.received
    OR i.call_answered_at IS DISTINCT FROM c.answered
"""
_ASSIGNMENT_MISMATCHES = """
WITH ev AS (
  SELECT assignment_id,
         min(at) FILTER (WHERE kind = 'unit_dispatched') AS dispatched,
         min(at) FILTER (WHERE kind = 'unit_en_route') AS en_route,
         min(at) FILTER (WHERE kind = 'unit_on_scene') AS on_scene,
         min(at) FILTER (WHERE kind = 'transport_started') AS transport,
         min(at) FILTER (WHERE kind = 'at_hospital') AS hospital,
         min(at) FILTER (WHERE kind = 'unit_cleared') AS cleared,
         min(unit_id) AS unit_id, min(incident_id) AS incident_id
    FROM events WHERE assignment_id IS NOT NULL GROUP BY assignment_id)
SELECT count(*) FROM assignments a LEFT JOIN ev ON ev.assignment_id = a.id
 WHERE a.assigned_at IS DISTINCT FROM ev.dispatched OR a.en_route_at IS DISTINCT FROM ev.en_route
    OR a.on_scene_at IS DISTINCT FROM ev.on_scene OR a.transport_started_at IS DISTINCT FROM ev.transport
    OR a.at_hospital_at IS DISTINCT FROM ev.hospital OR a.cleared_at IS DISTINCT FROM ev.cleared
    OR a.unit_id IS DISTINCT FROM ev.unit_id OR a.incident_id IS DISTINCT FROM ev.incident_id
    OR (a.status = 'cleared') <> (a.cleared_at IS NOT NULL)
"""


def test_projection_columns_equal_the_event_history(year_db: Database) -> None:
    assert _one(year_db, _PROJECTION_MISMATCHES) == 0
    assert _one(year_db, _ASSIGNMENT_MISMATCHES) == 0
    assert _one(year_db, "SELECT count(*) FROM events WHERE at > %s", (NOW,)) == 0
    # calls: one received event each, one answered event per answered call
    row = _rows(year_db, """
        SELECT (SELECT count(*) FROM calls) AS calls,
               (SELECT count(*) FROM calls WHERE answered_at IS NOT NULL) AS answered,
               (SELECT count(*) FROM events WHERE kind = 'call_received') AS received_ev,
               (SELECT count(*) FROM events WHERE kind = 'call_answered') AS answered_ev""")[0]
    assert (row["received_ev"], row["answered_ev"]) == (row["calls"], row["answered"])


def test_open_incidents_and_busy_units_match(year_db: Database) -> None:
    open_emergency = _one(year_db, """
        SELECT count(*) FROM incidents i JOIN incident_types t ON t.code = i.incident_type
         WHERE i.status = 'open' AND t.is_emergency""")
    assert 20 <= open_emergency <= 45
    # the open emergency incidents are the most recent ones
    assert _one(year_db, """
        SELECT min(i.created_at) > %s - interval '2 days'
          FROM incidents i JOIN incident_types t ON t.code = i.incident_type
         WHERE i.status = 'open' AND t.is_emergency""", (NOW,))
    # units on an unfinished assignment carry its status; the others are available or out of service
    assert _one(year_db, """
        SELECT count(*) FROM assignments a JOIN units u ON u.id = a.unit_id JOIN incidents i ON i.id = a.incident_id
         WHERE a.status <> 'cleared' AND (u.status <> a.status OR i.status <> 'open')""") == 0
    assert _one(year_db, """
        SELECT count(*) FROM units u WHERE u.status NOT IN ('available', 'out_of_service')
           AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.unit_id = u.id AND a.status <> 'cleared')""") == 0
    statuses = {r["status"]: r["n"] for r in _rows(year_db, "SELECT status, count(*) AS n FROM units GROUP BY 1")}
    assert statuses.get("out_of_service", 0) in (1, 2)
    assert statuses["available"] > sum(statuses.values()) / 2
    assert sum(n for s, n in statuses.items() if s not in ("available", "out_of_service")) >= 3
    # positions: on scene = the incident; available = the home station; all on land near the city
    assert _one(year_db, """
        SELECT count(*) FROM units u JOIN assignments a ON a.unit_id = u.id AND a.status = 'on_scene'
          JOIN incidents i ON i.id = a.incident_id WHERE NOT ST_Equals(u.position, i.geom)""") == 0
    assert _one(year_db, """
        SELECT count(*) FROM units u JOIN facilities f ON f.id = u.home_facility_id
         WHERE u.status IN ('available', 'out_of_service') AND NOT ST_Equals(u.position, f.geom)""") == 0
    assert _one(year_db, "SELECT count(*) FROM units WHERE status_at > %s OR position IS NULL", (NOW,)) == 0


def test_full_year_row_counts_are_reported(year_db: Database) -> None:
    counts = _rows(year_db, """
        SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM calls) AS calls,
               (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM assignments) AS assignments""")[0]
    assert 40 <= counts["units"] <= 60
    assert 50_000 <= counts["calls"] <= 72_000
    assert 20_000 <= counts["incidents"] <= 32_000
    assert math.isclose(counts["assignments"] / counts["incidents"], 0.55, abs_tol=0.15)


# --- Progress -------------------------------------------------------------------------------------
def test_generator_reports_each_stage_with_rows_and_time(inputs: gen.DemoInputs) -> None:
    lines: list[str] = []
    data = gen.generate(inputs, seed=7, months=1, now=SHORT_NOW, progress=lines.append)
    stages = [line.split("  ")[1].strip() for line in lines]
    assert stages == ["geography", "fleet", "incidents", "unit timelines", "calls", "unit state", "events"]
    assert f"{data.counts()['incidents']:,} incidents" in lines[2]
    assert all(line.endswith(" s") for line in lines)


def test_seeding_prints_progress_to_the_terminal(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    counts = gen.seed_if_empty(db, seed=9, months=1, now=SHORT_NOW)
    out = capsys.readouterr().out.splitlines()
    assert all(line.startswith("demo data: ") for line in out)
    assert any("write events" in line and f"{counts['events']:,} rows" in line for line in out)
    assert out[-1].startswith("demo data: written in ") and f"{counts['incidents']:,} incidents" in out[-1]
    # a database that holds data prints nothing
    assert gen.seed_if_empty(db, seed=9, months=1, now=SHORT_NOW) == {}
    assert capsys.readouterr().out == ""
