"""services.coverage on a real PostGIS: the live layer, holes, move-up proposals, accepting and
dismissing them, arrival at a post (button and GPS), settings, and the uncovered-time KPI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from field_errors import ValidationFailed
from incidents.model import Actor
from planning._proj import to_utm
from services import coverage, incidents as incident_service
from services.resources import Resources
from store import Database, NotFoundError, UnitNotAvailableError
from store._errors import ConflictError

ACTOR = Actor("disp-test", None)
WITA = ZoneInfo("Asia/Makassar")
#: Where the Teluk Kendari bridge lands on the Lapulu (Kec. Abeli) shore (docs/routing.md).
BRIDGE_LAPULU = (122.585366, -3.979203)
EAST = ("Puskesmas Abeli", "Puskesmas Nambo")
#: Recent medical incidents per kecamatan, shaped like the demo's urban density (the Kadia core,
#: Kota Lama, the Kendari Barat shore and Poasia busiest).
INCIDENTS_PER_KECAMATAN = {"Kadia": 120, "Kendari": 90, "Kendari Barat": 70, "Poasia": 45, "Mandonga": 20,
                           "Wua-Wua": 20, "Puuwatu": 10, "Baruga": 10, "Kambu": 10, "Abeli": 10, "Nambo": 6}


def seed_ambulances(db: Database) -> dict[str, int]:
    """One ambulance at every puskesmas (PSC 119's bases); return home name → unit id."""
    with db.transaction() as cur:
        cur.execute("INSERT INTO units (callsign, unit_type, agency_code, home_facility_id)"
                    " SELECT 'AMB-' || lpad(f.id::text, 2, '0'), 'ambulance', 'PSC119', f.id"
                    "   FROM facilities f WHERE f.category = 'puskesmas'")
        cur.execute("SELECT u.id, f.name FROM units u JOIN facilities f ON f.id = u.home_facility_id")
        return {str(r["name"]): int(r["id"]) for r in cur.fetchall()}


def seed_incidents(db: Database) -> int:
    """Recent medical incidents at random points of each kecamatan (fixed seed)."""
    with db.transaction() as cur:
        for i, (name, n) in enumerate(INCIDENTS_PER_KECAMATAN.items()):
            cur.execute("INSERT INTO incidents (incident_type, priority, geom, created_at, status, outcome)"
                        " SELECT 'medical', 1, (ST_Dump(ST_GeneratePoints(k.geom, %s, %s))).geom,"
                        "        now() - interval '5 days', 'closed', 'resolved'"
                        "   FROM kecamatan k WHERE k.nama = %s", (n, 17 + i, name))
        cur.execute("SELECT count(*) AS n FROM incidents")
        return int(cur.fetchone()["n"])


def commit(db: Database, res: Resources, unit_ids: list[int]) -> int:
    """Create one incident in Nambo and assign these units to it; return the incident id."""
    inc = incident_service.create_from_input(db, res, {"lat": -3.99, "lon": 122.60, "type": "medical"}, ACTOR)
    incident_service.assign_units(db, inc.id, [(u, None) for u in unit_ids], ACTOR)
    return inc.id


def events(db: Database, kind: str) -> list[dict]:
    with db.transaction() as cur:
        cur.execute("SELECT kind, at, unit_id, actor, data FROM events WHERE kind = %s ORDER BY id", (kind,))
        return list(cur.fetchall())


def unit(db: Database, unit_id: int) -> dict:
    with db.transaction() as cur:
        cur.execute("SELECT status, status_at, ST_X(position) AS lon, ST_Y(position) AS lat FROM units WHERE id = %s",
                    (unit_id,))
        row = cur.fetchone()
    assert row is not None
    return dict(row)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    x, y = to_utm(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    return float(np.hypot(x[0] - x[1], y[0] - y[1]))


@pytest.fixture(scope="module")
def city(module_db: Database) -> Iterator[tuple[Database, Resources, dict[str, int]]]:
    """Ambulances at every puskesmas and 400 recent incidents; one Resources for the module."""
    ids = seed_ambulances(module_db)
    assert seed_incidents(module_db) >= 400
    yield module_db, Resources(module_db, check_interval_s=0.0), ids


# --- the live layer and the hole -----------------------------------------------------------------------
def test_every_unit_at_home_is_no_hole(city: tuple[Database, Resources, dict[str, int]]) -> None:
    db, res, ids = city
    view = coverage.console(db, res, layer_types=["ambulance"])
    amb = {t.unit_type: t for t in view.types}["ambulance"]
    assert [t.unit_type for t in view.types] == list(coverage.DEFAULT_UNIT_TYPES)
    assert amb.threshold_min == 8.0 and amb.demand == "incidents" and amb.model == "approximate"
    assert amb.uncovered_share == pytest.approx(amb.baseline_share) and not amb.hole and amb.since is None
    assert amb.available_n == amb.units_n == len(ids)
    assert 0.0 < amb.land_share < 0.5 and amb.population_share is None and amb.incident_share is not None
    assert "approximate_network" in amb.notes and len(amb.areas) == 11
    assert view.proposals == () and view.moves == ()
    (layer,) = view.layers
    assert layer.hole is None and layer.structural is not None  # the hills beyond 8 minutes even so
    fire = {t.unit_type: t for t in view.types}["fire_engine"]
    assert fire.units_n == 0 and not fire.hole and "no_available_unit" in fire.notes
    assert events(db, "move_up_proposed") == []
    # demand cells and posts are kept per network version
    assert coverage.demand_cells(res) is coverage.demand_cells(res)


def test_committing_the_east_opens_a_hole_and_proposes_a_move_near_the_bridge(
        city: tuple[Database, Resources, dict[str, int]]) -> None:
    db, res, ids = city
    commit(db, res, [ids[n] for n in EAST])
    committed_at = max(unit(db, ids[n])["status_at"] for n in EAST)
    t0 = time.perf_counter()
    view = coverage.console(db, res, layer_types=["ambulance"])
    assert time.perf_counter() - t0 < 2.0
    amb = view.types[0]
    assert amb.hole and amb.since == committed_at
    assert amb.uncovered_share > amb.baseline_share  # little of the demand, but a whole kecamatan
    by_area = {a.kecamatan: a for a in amb.areas}
    assert by_area["Nambo"].uncovered_share == pytest.approx(1.0)
    assert by_area["Kadia"].uncovered_share == pytest.approx(by_area["Kadia"].baseline_share)
    (layer,) = view.layers
    assert layer.hole is not None and layer.hole["type"] in ("Polygon", "MultiPolygon")
    (prop,) = view.proposals
    (move,) = prop.moves
    # a west-side unit moves to a post near the bridge's Lapulu end, east of the bay
    assert move.unit_id not in {ids[n] for n in EAST}
    assert move.from_kecamatan not in ("Abeli", "Nambo") and move.post_kecamatan == "Abeli"
    assert metres((move.lon, move.lat), BRIDGE_LAPULU) < 2000.0
    assert 0 < move.travel_s <= 20 * 60 and move.gain_share > 0.005
    assert prop.uncovered_after < prop.uncovered_before and prop.status == "open"
    assert prop.baseline_share == pytest.approx(amb.baseline_share)
    (ev,) = events(db, "move_up_proposed")
    assert ev["data"]["proposal_id"] == prop.id and ev["data"]["moves"][0]["unit_id"] == move.unit_id
    assert ev["actor"] == "system"
    # asking again keeps the same proposal and writes nothing
    again = coverage.console(db, res)
    assert [p.id for p in again.proposals] == [prop.id] and len(events(db, "move_up_proposed")) == 1
    assert again.types[0].since == committed_at
    assert [p.id for p in coverage.open_proposals(db)] == [prop.id]


def test_accepting_moves_the_unit_and_arriving_makes_it_available_at_the_post(
        city: tuple[Database, Resources, dict[str, int]]) -> None:
    db, res, _ids = city
    (prop,) = coverage.open_proposals(db)
    (move,) = prop.moves
    started = coverage.accept_proposal(db, prop.id, ACTOR)
    assert [(m.unit_id, m.post_id) for m in started] == [(move.unit_id, move.post_id)]
    assert unit(db, move.unit_id)["status"] == "moving_to_post"
    (accepted,) = events(db, "move_up_accepted")
    (moving,) = events(db, "unit_moving_to_post")
    assert accepted["data"]["proposal_id"] == prop.id and accepted["actor"] == ACTOR.name
    assert moving["unit_id"] == move.unit_id and moving["data"]["post_id"] == move.post_id
    assert moving["data"]["travel_s"] == pytest.approx(move.travel_s)
    with pytest.raises(ConflictError) as closed:
        coverage.accept_proposal(db, prop.id, ACTOR)
    assert closed.value.reason == "proposal_closed" and "tidak berlaku" in closed.value.message_id  # type: ignore[attr-defined]
    # the console shows the move; the moving unit counts at its destination for the advice, so
    # the same hole is not filled twice
    view = coverage.console(db, res)
    assert view.proposals == ()
    assert [(m.unit_id, m.post_id) for m in view.moves] == [(move.unit_id, move.post_id)]
    # the crew sees the destination and the route
    crew = coverage.crew_move(db, res, move.unit_id)
    assert crew is not None and crew.post_name == move.post_name and crew.route is not None
    assert crew.route["eta_s"] == pytest.approx(move.travel_s, rel=0.05)
    # a moving unit is still recommended and may be dispatched
    inc = incident_service.create_from_input(db, res, {"lat": move.lat, "lon": move.lon + 0.002,
                                                       "type": "medical"}, ACTOR)
    rec = incident_service.recommend_for_incident(db, res, inc.id)
    assert move.unit_id in [c["unit_id"] for c in rec["candidates"]]
    before = {c["unit_id"]: c["eta_s"] for c in rec["candidates"]}[move.unit_id]
    # a GPS fix 300 m away is not arrival; 60 m away is
    lon, lat = move.lon, move.lat
    incident_service.record_position(db, move.unit_id, lat + 0.0027, lon, source="tracker")
    assert unit(db, move.unit_id)["status"] == "moving_to_post"
    incident_service.record_position(db, move.unit_id, lat + 0.00054, lon, source="tracker")
    after = unit(db, move.unit_id)
    assert after["status"] == "available"
    assert (after["lon"], after["lat"]) == pytest.approx((lon, lat))  # the post is its position
    (at_post,) = events(db, "unit_at_post")
    assert at_post["data"]["post_id"] == move.post_id and at_post["data"]["source"] == "gps"
    assert 40 < at_post["data"]["distance_m"] < 80 and at_post["actor"] == "gps:tracker"
    # the next recommendation uses the new position
    rec = incident_service.recommend_for_incident(db, res, inc.id)
    now_eta = {c["unit_id"]: c["eta_s"] for c in rec["candidates"]}[move.unit_id]
    assert now_eta < before and now_eta < 120
    assert coverage.crew_move(db, res, move.unit_id) is None
    with pytest.raises(ConflictError):
        coverage.arrive(db, move.unit_id, ACTOR)
    incident_service.close_incident(db, inc.id, "resolved", ACTOR)


def test_dismissing_needs_a_reason_and_is_not_proposed_again(
        city: tuple[Database, Resources, dict[str, int]]) -> None:
    db, res, ids = city
    # commit two more west-side units: a new situation, a new proposal
    west = [ids["Puskesmas Kandai"], ids["Puskesmas Mata"]]
    commit(db, res, [u for u in west if unit(db, u)["status"] == "available"])
    view = coverage.console(db, res)
    if not view.proposals:
        pytest.skip("no move gains enough in this situation")
    (prop,) = view.proposals
    with pytest.raises(ValidationFailed) as bad:
        coverage.dismiss_proposal(db, prop.id, "because", ACTOR)
    assert bad.value.errors[0].field == "reason"
    with pytest.raises(ValidationFailed):
        coverage.dismiss_proposal(db, prop.id, "other", ACTOR, note="x" * 501)
    done = coverage.dismiss_proposal(db, prop.id, "crew_rest", ACTOR, note="Kru baru selesai 12 jam")
    assert done.status == "dismissed" and done.reason == "crew_rest" and done.decided_by == ACTOR.name
    (ev,) = events(db, "move_up_dismissed")
    assert ev["data"]["reason"] == "crew_rest" and ev["data"]["note"] == "Kru baru selesai 12 jam"
    assert coverage.console(db, res).proposals == ()  # same situation: not proposed again
    assert len(events(db, "move_up_proposed")) == 2
    with pytest.raises(ConflictError):
        coverage.dismiss_proposal(db, prop.id, "other", ACTOR)
    with pytest.raises(NotFoundError):
        coverage.accept_proposal(db, 987654, ACTOR)


def test_a_proposal_whose_unit_was_taken_expires_on_accept(db: Database) -> None:
    ids = seed_ambulances(db)
    res = Resources(db, check_interval_s=0.0)
    commit(db, res, [ids[n] for n in EAST])
    (prop,) = coverage.console(db, res).proposals
    (move,) = prop.moves
    inc = incident_service.create_from_input(db, res, {"lat": -3.97, "lon": 122.595, "type": "medical"}, ACTOR)
    incident_service.assign_unit(db, inc.id, move.unit_id, ACTOR)
    with pytest.raises(UnitNotAvailableError):
        coverage.accept_proposal(db, prop.id, ACTOR)
    with db.transaction() as cur:
        cur.execute("SELECT status FROM move_up_proposals WHERE id = %s", (prop.id,))
        assert cur.fetchone()["status"] == "expired"
    assert events(db, "unit_moving_to_post") == []
    # by land (few incidents), the hole is filled by a move to an east-side station
    nxt = coverage.console(db, res).proposals
    assert nxt and nxt[0].id != prop.id and nxt[0].demand == "land"


def test_moving_unit_cancelled_or_dispatched_ends_its_move_and_the_crew_button_arrives(db: Database) -> None:
    ids = seed_ambulances(db)
    res = Resources(db, check_interval_s=0.0)
    mata = ids["Puskesmas Mata"]
    posts = {p["post_id"]: p for p in coverage.posts(db, res, "ambulance")}
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM facilities WHERE category IN ('puskesmas', 'hospital')")
        stations = int(cur.fetchone()["n"])
    assert "s1" in posts and posts["s1"]["kind"] == "standby" and len(posts) == stations + 1
    with pytest.raises(ValidationFailed):
        coverage.move_unit(db, res, mata, "f99999", ACTOR)
    started = coverage.move_unit(db, res, mata, "s1", ACTOR)
    assert started.travel_s is not None and started.travel_s > 0
    with pytest.raises(UnitNotAvailableError):
        coverage.move_unit(db, res, mata, "s1", ACTOR)
    # "available" from moving_to_post: the move ends where the unit is
    incident_service.set_unit_status(db, mata, "available", ACTOR)
    with db.transaction() as cur:
        cur.execute("SELECT outcome, ended_at FROM unit_post_moves WHERE unit_id = %s", (mata,))
        row = cur.fetchone()
    assert row["outcome"] == "available" and row["ended_at"] is not None
    # a unit on its way may take a call: the move ends as dispatched
    coverage.move_unit(db, res, mata, "s1", ACTOR)
    inc = incident_service.create_from_input(db, res, {"lat": -3.97, "lon": 122.595, "type": "medical"}, ACTOR)
    incident_service.assign_unit(db, inc.id, mata, ACTOR)
    assert unit(db, mata)["status"] == "dispatched"
    with db.transaction() as cur:
        cur.execute("SELECT outcome FROM unit_post_moves WHERE unit_id = %s ORDER BY id", (mata,))
        assert [r["outcome"] for r in cur.fetchall()] == ["available", "dispatched"]
    # the crew's button: arrival without a GPS fix
    kandai = ids["Puskesmas Kandai"]
    coverage.move_unit(db, res, kandai, "s1", ACTOR)
    done = coverage.arrive(db, kandai, Actor("crew-kandai", None))
    assert done.source == "crew" and done.post_id == "s1"
    after = unit(db, kandai)
    assert after["status"] == "available" and (after["lon"], after["lat"]) == pytest.approx((122.5862, -3.9812))


def test_settings_are_validated_audited_and_used(db: Database) -> None:
    seed_ambulances(db)
    res = Resources(db, check_interval_s=0.0)
    assert coverage.settings(db) == coverage.CoverageSettings()
    with pytest.raises(ValidationFailed) as bad:
        coverage.save_settings(db, {"unit_types": ["hovercraft"], "trigger_share": 2, "k": 0, "colour": "red"},
                               ACTOR)
    assert {e.field for e in bad.value.errors} >= {"unit_types", "trigger_share", "k", "colour"}
    saved = coverage.save_settings(db, {"unit_types": ["ambulance"], "threshold_min": {"ambulance": 5},
                                        "trigger_share": 0.02}, ACTOR)
    assert saved.threshold("ambulance") == 5.0 and coverage.settings(db) == saved
    assert events(db, "coverage_settings_changed")[0]["data"]["threshold_min"] == {"ambulance": 5.0}
    view = coverage.console(db, res)
    assert [t.unit_type for t in view.types] == ["ambulance"] and view.types[0].threshold_min == 5.0
    # a tighter target leaves more land beyond it than the 8 minutes did
    assert view.types[0].land_share > 0.35


def test_standby_posts_are_added_retired_and_audited(db: Database) -> None:
    added = coverage.add_standby_post(db, {"name": "Pos siaga Bundaran Tugu", "lat": -3.9696, "lon": 122.5147,
                                           "unit_types": ["ambulance", "police_patrol"]}, ACTOR)
    assert added["post_id"].startswith("s") and added["active"]
    with pytest.raises(ConflictError):
        coverage.add_standby_post(db, {"name": "Pos siaga Bundaran Tugu", "lat": -3.97, "lon": 122.51}, ACTOR)
    with pytest.raises(ValidationFailed) as bad:
        coverage.add_standby_post(db, {"name": "X", "lat": -4.03, "lon": 122.69, "unit_types": ["boat"]}, ACTOR)
    assert {e.field for e in bad.value.errors} >= {"name", "unit_types"}
    retired = coverage.retire_standby_post(db, int(added["id"]), ACTOR)
    assert not retired["active"]
    with pytest.raises(ConflictError):
        coverage.retire_standby_post(db, int(added["id"]), ACTOR)
    assert [e["data"]["action"] for e in events(db, "standby_post_changed")] == ["added", "retired"]
    assert [p["name"] for p in coverage.standby_posts(db)] == ["Pos siaga Lapulu (ujung jembatan Teluk Kendari)"]


# --- uncovered time ------------------------------------------------------------------------------------------------
def test_uncovered_time_replays_the_history_per_day_and_kecamatan(db: Database) -> None:
    ids = seed_ambulances(db)
    res = Resources(db, check_interval_s=0.0)
    day1 = datetime(2026, 3, 2, tzinfo=WITA)
    # imported history: both east-side ambulances committed from 10:00 to 16:00 WITA on day 1
    with db.transaction() as cur:
        for name in EAST:
            for kind, hour in (("unit_dispatched", 10), ("unit_cleared", 16)):
                cur.execute("INSERT INTO events (kind, at, unit_id, actor) VALUES (%s, %s, %s, 'import:test')",
                            (kind, day1 + timedelta(hours=hour), ids[name]))
    kpi = coverage.uncovered_time(db, res, day1, day1 + timedelta(days=2), "ambulance")
    assert [d.isoformat() for d in kpi.days] == ["2026-03-02", "2026-03-03"] and kpi.n_changes == 4
    a = kpi.areas.index("Nambo")
    k = kpi.areas.index("Kadia")
    base = float(kpi.uncovered_share[1, a])  # day 2: every unit at home
    assert kpi.uncovered_share[0, a] == pytest.approx(base * 18 / 24 + 1.0 * 6 / 24, abs=1e-6)
    assert kpi.uncovered_share[0, k] == pytest.approx(kpi.uncovered_share[1, k])
    assert kpi.city_uncovered_share[0] > kpi.city_uncovered_share[1]
    assert kpi.observed_s.tolist() == [86400.0, 86400.0]
    # the same baseline the live layer has with every unit at home
    live = coverage.live(db, res, "ambulance")
    assert live.summary.land_share == pytest.approx(float(kpi.city_uncovered_share[1]), abs=1e-6)
    with pytest.raises(ValidationFailed):
        coverage.uncovered_time(db, res, day1, day1 + timedelta(days=2), "hovercraft")
    with pytest.raises(ValidationFailed):
        coverage.uncovered_time(db, res, day1 + timedelta(days=2), day1, "ambulance")


def test_today_share_is_computed_kept_and_read_without_the_network(db: Database) -> None:
    ids = seed_ambulances(db)
    res = Resources(db, check_interval_s=0.0)
    assert coverage.uncovered_share_today(db) is None  # nothing computed yet
    commit(db, res, [ids[n] for n in EAST])
    today = coverage.uncovered_share_today(db, res)
    assert today is not None and today.unit_type == "ambulance" and 0.0 < today.share < 1.0
    assert today.by_kecamatan["Nambo"] >= today.by_kecamatan["Kadia"]
    kept = coverage.uncovered_share_today(db)
    assert kept is not None and kept.share == pytest.approx(today.share, abs=1e-9)
    assert kept.day == datetime.now(UTC).astimezone(WITA).date()


def test_two_hundred_units_recompute_within_a_second(db: Database) -> None:
    """The console's recompute for 200 units (four unit types) on the approximate network."""
    with db.transaction() as cur:
        cur.execute("""
            INSERT INTO units (callsign, unit_type, agency_code, home_facility_id, position, position_at)
            SELECT 'U-' || g, t.code, t.agency_code, f.id,
                   ST_Translate(f.geom, ((g * 37) % 19 - 9) * 0.002, ((g * 53) % 17 - 8) * 0.002), now()
              FROM generate_series(1, 200) g
              JOIN LATERAL (SELECT code, agency_code FROM unit_types
                             WHERE code IN ('ambulance', 'fire_engine', 'police_patrol', 'rescue')
                             ORDER BY code OFFSET g % 4 LIMIT 1) t ON true
              JOIN LATERAL (SELECT id, geom FROM facilities WHERE category <> 'landmark'
                             ORDER BY id OFFSET g % 20 LIMIT 1) f ON true""")
    res = Resources(db, check_interval_s=0.0)
    coverage.console(db, res, layer_types=["ambulance"])  # warm: cells, posts, baselines
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        view = coverage.console(db, res, layer_types=["ambulance"])
        times.append(time.perf_counter() - t0)
    assert sum(t.units_n for t in view.types) == 200
    assert sorted(times)[len(times) // 2] < 1.0, times


def test_resources_keep_derived_values_per_network_version(db: Database) -> None:
    from store import resources as store_resources

    class Net:
        model = "approximate"
        n_nodes = 3

    res = Resources(db, network_loader=lambda _db: Net(), check_interval_s=0.0)
    built: list[object] = []

    def build(graph: object) -> object:
        built.append(graph)
        return object()

    first = res.derived("k", build)
    assert res.derived("k", build) is first and len(built) == 1
    assert res.derived("k", build, stamp=2) is not first and len(built) == 2  # another stamp: rebuilt
    again = res.derived("k", build, stamp=2)
    store_resources.bump(db, "network")  # a new network version: a new graph, rebuilt
    assert res.derived("k", build, stamp=2) is not again and built[-1] is not built[0]
    kept = res.derived("other", build, depends=("posts",))
    store_resources.bump(db, "posts")
    assert res.derived("other", build, depends=("posts",)) is not kept
