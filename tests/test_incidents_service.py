"""incidents.service on a real PostGIS: create, duplicates, assign, status life cycle, close, audit."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from incidents import model, validation
from incidents.model import Actor
from services import incidents as service
from services.resources import Resources
from store import Database, InvalidTransitionError, NotFoundError, UnitNotAvailableError
from store._errors import ConflictError

#: A point in Kel. Kandai (Kec. Kendari), the old town on the bay's north shore.
KANDAI = (-3.9700, 122.5950)  # (lat, lon) — checked against the polygons in test_locate_names_the_place
#: Central Mandonga.
MANDONGA = (-3.9669, 122.5120)
#: Out in Kendari Bay, well away from any shore (more than 1 km).
IN_THE_SEA = (-4.03, 122.69)
ACTOR = Actor("tester", None)

def new(db: Database, lat: float, lon: float, type_: str = "medical", **extra: object) -> model.Incident:
    data = {"lat": lat, "lon": lon, "type": type_, **extra}
    return service.create_incident(db, service.prepare_incident(db, Resources(db), data), ACTOR)


def events(db: Database, incident_id: int) -> list[str]:
    return [e.kind for e in service.timeline(db, incident_id)]


@pytest.fixture
def fleet(db: Database, seed_fleet: Callable[..., dict[str, int]]) -> dict[str, int]:
    return seed_fleet(db)


def test_locate_names_the_place(db: Database) -> None:
    place = service.locate(db, *KANDAI)
    assert place.kecamatan == "Kendari" and place.kelurahan
    with pytest.raises(validation.ValidationFailed) as exc:
        service.locate(db, *IN_THE_SEA)
    assert {e.field for e in exc.value.errors} == {"lat", "lon"}


def test_create_writes_call_incident_and_three_events(db: Database) -> None:
    received = datetime.now(UTC) - timedelta(seconds=90)
    inc = new(db, *MANDONGA, description="Pingsan di pasar", caller_phone="+62 812-3456-7890",
              call_received_at=received.isoformat())
    assert inc.status == "open" and inc.kecamatan == "Mandonga" and inc.priority == 1
    assert inc.possible_duplicate_of is None
    assert inc.call_received_at is not None
    assert abs((inc.call_received_at - received).total_seconds()) < 0.01
    assert events(db, inc.id) == ["call_received", "call_answered", "incident_created"]
    with db.transaction() as cur:
        cur.execute("SELECT incident_id, caller_phone FROM calls WHERE id = %s", (inc.call_id,))
        call = cur.fetchone()
    assert call["incident_id"] == inc.id and call["caller_phone"] == "+62 812-3456-7890"


def test_duplicate_is_flagged_within_200_m_and_same_type(db: Database) -> None:
    first = new(db, *MANDONGA)
    near = new(db, MANDONGA[0] + 0.001, MANDONGA[1])  # ~110 m north
    far = new(db, MANDONGA[0] + 0.003, MANDONGA[1])  # ~330 m
    other_type = new(db, *MANDONGA, type_="crime")
    assert near.possible_duplicate_of == first.id
    assert far.possible_duplicate_of is None
    assert other_type.possible_duplicate_of is None
    assert service.get_incident(db, near.id).incident.possible_duplicate_of == first.id


def test_duplicate_window_is_15_minutes(db: Database) -> None:
    old = datetime.now(UTC) - timedelta(minutes=20)
    first = new(db, *MANDONGA, call_received_at=old.isoformat())
    later = new(db, *MANDONGA)
    assert later.possible_duplicate_of is None
    closer = new(db, *MANDONGA, call_received_at=(old + timedelta(minutes=10)).isoformat())
    assert closer.possible_duplicate_of == first.id


def test_validation_collects_every_bad_field(db: Database) -> None:
    with pytest.raises(validation.ValidationFailed) as exc:
        service.prepare_incident(db, Resources(db), {"lat": math.nan, "lon": 500, "type": "alien_landing",
                                                     "priority": 9, "description": "x" * 4001,
                                                     "caller_phone": "call me"})
    fields = {e.field for e in exc.value.errors}
    assert fields == {"lat", "lon", "type", "priority", "description", "caller_phone"}


def test_text_is_stored_verbatim(db: Database) -> None:
    nasty = "'; DROP TABLE incidents; -- <script>alert(1)</script>"
    inc = new(db, *MANDONGA, description=nasty)
    assert service.get_incident(db, inc.id).incident.description == nasty


def test_assign_status_flow_and_projections(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    amb = fleet["AMB-01"]
    a = service.assign_unit(db, inc.id, amb, ACTOR, eta_s=300.0)
    assert a.status == "dispatched"
    with pytest.raises(UnitNotAvailableError):
        service.assign_unit(db, inc.id, amb, ACTOR)
    with pytest.raises(InvalidTransitionError):
        service.set_unit_status(db, amb, "at_hospital", ACTOR)
    for status in ("en_route", "on_scene", "transporting", "at_hospital"):
        state = service.set_unit_status(db, amb, status, ACTOR)
        assert state.status == status and state.assignment_status == status
    with pytest.raises(InvalidTransitionError):
        service.set_unit_status(db, amb, "en_route", ACTOR)
    state = service.set_unit_status(db, amb, "cleared", ACTOR)
    assert state.status == "available" and state.incident_id is None
    detail = service.get_incident(db, inc.id)
    assert detail.incident.first_dispatched_at and detail.incident.first_en_route_at
    assert detail.incident.first_on_scene_at
    assert detail.incident.first_dispatched_at <= detail.incident.first_en_route_at <= detail.incident.first_on_scene_at
    (asg,) = detail.assignments
    assert asg.status == "cleared" and asg.at_hospital_at and asg.cleared_at and asg.eta_s == 300.0
    assert [e.kind for e in detail.timeline][3:] == [
        "unit_dispatched", "unit_en_route", "unit_on_scene", "transport_started", "at_hospital", "unit_cleared"]
    assert all(e.actor == "tester" for e in detail.timeline)


def test_cancel_shortcut_and_idle_transitions(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    pol = fleet["POL-01"]
    service.assign_unit(db, inc.id, pol, ACTOR)
    assert service.set_unit_status(db, pol, "cleared", ACTOR).status == "available"
    assert service.set_unit_status(db, pol, "out_of_service", ACTOR).status == "out_of_service"
    with pytest.raises(UnitNotAvailableError):
        service.assign_unit(db, inc.id, pol, ACTOR)
    with pytest.raises(InvalidTransitionError):
        service.set_unit_status(db, pol, "on_scene", ACTOR)
    assert service.set_unit_status(db, pol, "available", ACTOR).status == "available"
    kinds = [e.kind for e in service.timeline(db, inc.id)]
    assert kinds.count("unit_cleared") == 1
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM events WHERE kind = 'unit_status' AND unit_id = %s", (pol,))
        assert cur.fetchone()["n"] == 2


def test_status_time_may_not_go_backwards(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    amb = fleet["AMB-02"]
    service.assign_unit(db, inc.id, amb, ACTOR)
    earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with pytest.raises(validation.ValidationFailed):
        service.set_unit_status(db, amb, "en_route", ACTOR, at=earlier)
    assert service.unit_state(db, amb).status == "dispatched"


def test_unassign_frees_the_unit(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    fe = fleet["FE-01"]
    service.assign_unit(db, inc.id, fe, ACTOR)
    a = service.unassign(db, inc.id, fe, ACTOR)
    assert a.status == "cleared"
    assert service.unit_state(db, fe).status == "available"
    assert "unit_unassigned" in events(db, inc.id)
    with pytest.raises(ConflictError):
        service.unassign(db, inc.id, fe, ACTOR)


def test_assign_units_is_all_or_nothing(db: Database, fleet: dict[str, int]) -> None:
    one = new(db, *MANDONGA)
    two = new(db, *KANDAI, type_="structure_fire")
    service.assign_unit(db, one.id, fleet["AMB-01"], ACTOR)
    with pytest.raises(UnitNotAvailableError):
        service.assign_units(db, two.id, [(fleet["FE-01"], None), (fleet["AMB-01"], None)], ACTOR)
    assert service.unit_state(db, fleet["FE-01"]).status == "available"
    assert service.get_incident(db, two.id).assignments == ()


def test_close_clears_remaining_units(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    service.assign_unit(db, inc.id, fleet["AMB-03"], ACTOR)
    with pytest.raises(validation.ValidationFailed):
        service.close_incident(db, inc.id, "solved-by-magic", ACTOR)
    closed = service.close_incident(db, inc.id, "resolved", ACTOR, note="pasien stabil")
    assert closed.status == "closed" and closed.outcome == "resolved" and closed.closed_at
    assert service.unit_state(db, fleet["AMB-03"]).status == "available"
    assert events(db, inc.id)[-2:] == ["unit_cleared", "incident_closed"]
    with pytest.raises(ConflictError):
        service.close_incident(db, inc.id, "resolved", ACTOR)
    with pytest.raises(ConflictError):
        service.assign_unit(db, inc.id, fleet["AMB-01"], ACTOR)


def test_close_as_duplicate_links_the_original(db: Database) -> None:
    first = new(db, *MANDONGA)
    dup = new(db, *MANDONGA)
    closed = service.close_incident(db, dup.id, "duplicate", ACTOR, duplicate_of=first.id)
    assert closed.duplicate_of == first.id


def test_missing_rows_are_not_found(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    with pytest.raises(NotFoundError):
        service.assign_unit(db, 999_999, fleet["AMB-01"], ACTOR)
    with pytest.raises(NotFoundError):
        service.assign_unit(db, inc.id, 999_999, ACTOR)
    with pytest.raises(NotFoundError):
        service.set_unit_status(db, 999_999, "en_route", ACTOR)
    with pytest.raises(NotFoundError):
        service.get_incident(db, 999_999)


def test_positions_keep_the_newest_fix(db: Database, fleet: dict[str, int]) -> None:
    amb = fleet["AMB-01"]
    now = datetime.now(UTC)
    r1 = service.record_position(db, amb, *MANDONGA, recorded_at=now.isoformat())
    r2 = service.record_position(db, amb, *KANDAI, recorded_at=(now - timedelta(minutes=1)).isoformat())
    assert r1["current"] and not r2["current"]
    unit = next(u for u in service.units(db) if u["id"] == amb)
    assert abs(unit["lat"] - MANDONGA[0]) < 1e-9 and not unit["at_home_station"]
    with pytest.raises(validation.ValidationFailed):
        service.record_position(db, amb, *IN_THE_SEA)
    with pytest.raises(NotFoundError):
        service.record_position(db, 999_999, *MANDONGA)


def test_version_changes_on_every_action(db: Database, fleet: dict[str, int]) -> None:
    v0 = service.version(db)
    inc = new(db, *MANDONGA)
    v1 = service.version(db)
    assert v1[0] != v0[0] and v1[1] == v0[1]
    service.record_position(db, fleet["AMB-01"], *MANDONGA)
    v2 = service.version(db)
    assert v2[0] == v1[0] and v2[1] != v1[1]
    service.assign_unit(db, inc.id, fleet["AMB-01"], ACTOR)
    assert service.version(db)[0] != v2[0]


def test_recommendations_rank_units_and_fill_the_plan(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *KANDAI, type_="structure_fire")
    rec = service.recommend_for_incident(db, Resources(db), inc.id)
    assert rec["incident_id"] == inc.id and rec["routing"] in ("road", "approximate")
    etas = [c["eta_s"] for c in rec["candidates"] if c["reachable"]]
    assert etas == sorted(etas) and len(etas) >= 4
    assert {c["unit_type"] for c in rec["candidates"]} <= {"fire_engine", "ambulance"}
    first = rec["candidates"][0]
    assert first["route"]["type"] == "LineString" and len(first["route"]["coordinates"]) >= 2
    chosen = service.plan_selection(rec)
    assert len(chosen) == 3
    assigned = service.assign_plan(db, Resources(db), inc.id, ACTOR)
    types = sorted(a.unit_type for a in assigned)
    assert types == ["ambulance", "fire_engine", "fire_engine"]
    assert all(a.eta_s and a.eta_s > 0 for a in assigned)
    for callsign in ("AMB-01", "AMB-02", "AMB-03"):
        if service.unit_state(db, fleet[callsign]).status == "available":
            service.set_unit_status(db, fleet[callsign], "out_of_service", ACTOR)
    medical = new(db, *KANDAI, type_="medical")
    rec = service.recommend_for_incident(db, Resources(db), medical.id)
    assert rec["unfilled"] and rec["unfilled"][0]["unit_type"] == "ambulance"
    with pytest.raises(ConflictError):  # no ambulance left: nothing fills the plan
        service.assign_plan(db, Resources(db), medical.id, ACTOR)


def test_search_finds_aliases_and_facilities(db: Database) -> None:
    hits = service.search_places(db, "Kessilampe")
    assert hits[0]["kind"] == "kelurahan" and hits[0]["name"] == "Kassilampe"
    assert any(h["name"] == "Wua Wua" for h in service.search_places(db, "wuawua"))
    assert any(h["kind"] == "facility" and "Bahteramas" in h["name"] for h in service.search_places(db, "bahteramas"))
    assert service.search_places(db, "kota lama")[0]["name"] == "Kendari Caddi"
    for h in service.search_places(db, "Kandai"):
        service.locate(db, h["lat"], h["lon"])  # every hit is a usable point


def test_transition_table_matches_the_life_cycle() -> None:
    assert model.next_statuses("ambulance", "dispatched", assigned=True) == ("en_route", "cleared")
    assert model.transition_allowed("on_scene", "available", assigned=True)
    assert not model.transition_allowed("dispatched", "on_scene", assigned=True)
    assert model.transition_allowed("available", "out_of_service", assigned=False)
    assert not model.transition_allowed("available", "en_route", assigned=False)


def test_only_units_that_carry_patients_may_transport() -> None:
    assert model.next_statuses("ambulance", "on_scene", assigned=True) == ("transporting", "cleared")
    assert model.next_statuses("fire_engine", "on_scene", assigned=True) == ("cleared",)
    assert model.next_statuses("police_patrol", "dispatched", assigned=True) == ("en_route", "cleared")
    assert model.next_statuses("fire_engine", "transporting", assigned=True) == ("cleared",)
    assert model.next_statuses("fire_engine", "available", assigned=False) == ("out_of_service",)
    assert model.next_statuses("rescue", "out_of_service", assigned=False) == ("available",)
    assert model.transition_allowed("on_scene", "transporting", assigned=True, unit_type="ambulance")
    assert not model.transition_allowed("on_scene", "transporting", assigned=True, unit_type="fire_engine")
    assert not model.transition_allowed("transporting", "at_hospital", assigned=True, unit_type="water_tanker")
    assert model.assignment_statuses("ambulance") == ("en_route", "on_scene", "transporting", "at_hospital",
                                                      "cleared")
    assert model.assignment_statuses("fire_engine") == ("en_route", "on_scene", "cleared")
    for unit_type in ("fire_engine", "water_tanker", "rescue", "police_patrol", "bpbd_rescue"):
        for current in model.ASSIGNMENT_TRANSITIONS:
            assert not set(model.next_statuses(unit_type, current, assigned=True)) & model.TRANSPORT_STATUSES


def test_a_fire_engine_is_refused_transport_with_the_facts(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *KANDAI, type_="structure_fire")
    fe = fleet["FE-01"]
    service.assign_unit(db, inc.id, fe, ACTOR)
    for status in ("en_route", "on_scene"):
        service.set_unit_status(db, fe, status, ACTOR)
    for target in ("transporting", "at_hospital"):
        with pytest.raises(InvalidTransitionError) as refused:
            service.set_unit_status(db, fe, target, ACTOR)
        err = refused.value
        assert (err.callsign, err.current, err.target, err.allowed) == ("FE-01", "on_scene", target, ("cleared",))
        assert str(err) == f"unit FE-01: on_scene → {target} is not allowed; allowed next: cleared"
    assert service.unit_state(db, fe).status == "on_scene"
    with pytest.raises(InvalidTransitionError) as idle:
        service.set_unit_status(db, fleet["AMB-01"], "on_scene", ACTOR)
    assert (idle.value.callsign, idle.value.current, idle.value.target, idle.value.allowed) == (
        "AMB-01", "available", "on_scene", ("out_of_service",))
    assert "(no active assignment)" in str(idle.value)


def test_conflicts_carry_what_a_page_needs_to_word_them(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *MANDONGA)
    service.assign_unit(db, inc.id, fleet["AMB-01"], ACTOR)
    service.set_unit_status(db, fleet["AMB-01"], "en_route", ACTOR)
    with pytest.raises(UnitNotAvailableError) as taken:
        service.assign_unit(db, inc.id, fleet["AMB-01"], ACTOR)
    assert (taken.value.callsign, taken.value.status, taken.value.incident_id) == ("AMB-01", "en_route", inc.id)
    assert str(taken.value) == "unit AMB-01 is not available (status: en_route)"
    with pytest.raises(ConflictError) as not_on_it:
        service.unassign(db, inc.id, fleet["FE-01"], ACTOR)
    assert (not_on_it.value.reason, not_on_it.value.callsign, not_on_it.value.incident_id) == (
        "unit_not_assigned", "FE-01", inc.id)
    service.close_incident(db, inc.id, "resolved", ACTOR)
    with pytest.raises(ConflictError) as closed:
        service.close_incident(db, inc.id, "resolved", ACTOR)
    assert (closed.value.reason, closed.value.incident_id) == ("incident_closed", inc.id)
    with pytest.raises(ConflictError) as closed_assign:
        service.assign_unit(db, inc.id, fleet["AMB-02"], ACTOR)
    assert closed_assign.value.reason == "incident_closed"
    assert str(closed_assign.value) == f"incident {inc.id} is closed"


def test_plan_counts_units_already_on_the_incident(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *KANDAI, type_="structure_fire")
    service.assign_unit(db, inc.id, fleet["FE-02"], ACTOR)
    rec = service.recommend_for_incident(db, Resources(db), inc.id)
    assert rec["assigned"] == {"fire_engine": 1} and not rec["plan_fulfilled"]
    assert {p["unit_type"]: p["required"] for p in rec["plan"]} == {"fire_engine": 1, "ambulance": 1}
    added = service.assign_plan(db, Resources(db), inc.id, ACTOR)
    assert sorted(a.unit_type for a in added) == ["ambulance", "fire_engine"]
    rec = service.recommend_for_incident(db, Resources(db), inc.id)
    assert rec["plan_fulfilled"] and service.plan_selection(rec) == []
    with pytest.raises(ConflictError, match="already fulfilled"):
        service.assign_plan(db, Resources(db), inc.id, ACTOR)


def test_remaining_plan_uses_substitutes() -> None:
    from routing.recommend import PlanItem

    plan = [PlanItem("fire_engine", 2, ("water_tanker", "rescue")), PlanItem("ambulance", 1, ())]
    left = service.remaining_plan(plan, ["water_tanker", "fire_engine"])
    assert [(p.unit_type, p.unit_count) for p in left] == [("ambulance", 1)]
    assert service.remaining_plan(plan, []) == plan
    assert service.remaining_plan(plan, ["ambulance", "police_patrol"]) == [plan[0]]


def test_routes_of_units_on_their_way_and_crew_view(db: Database, fleet: dict[str, int]) -> None:
    inc = new(db, *KANDAI, type_="medical")
    amb = fleet["AMB-02"]
    service.assign_unit(db, inc.id, amb, ACTOR)
    (moving,) = service.assigned_routes(db, Resources(db), inc.id)
    assert moving["unit_id"] == amb and moving["eta_s"] > 0 and moving["route"]["type"] == "LineString"
    view = service.crew_view(db, Resources(db), amb)
    assert view.detail is not None and view.detail.incident.id == inc.id
    assert view.route is not None and abs(view.route["eta_s"] - moving["eta_s"]) < 1e-6
    service.set_unit_status(db, amb, "en_route", ACTOR)
    service.set_unit_status(db, amb, "on_scene", ACTOR)
    assert service.assigned_routes(db, Resources(db), inc.id) == []  # arrived: nothing left to draw
    idle = service.crew_view(db, Resources(db), fleet["FE-01"])
    assert idle.detail is None and idle.route is None


def test_estimate_free_in_uses_history_or_a_default() -> None:
    assert service.estimate_free_in_s(1200.0, 300.0) == 900.0
    assert service.estimate_free_in_s(1200.0, 5000.0) == 0.0          # overdue: free any moment
    assert service.estimate_free_in_s(None, 600.0) == service.DEFAULT_REMAINING_BUSY_S - 600.0


def test_unfillable_plan_offers_the_first_units_to_become_free(
        db: Database, seed_fleet: Callable[..., dict[str, int]]) -> None:
    ids = seed_fleet(db, (("AMB-01", "ambulance", "PSC119", "Puskesmas Mata"),     # two ambulances only
                          ("AMB-02", "ambulance", "PSC119", "Puskesmas Mekar")))
    now = datetime.now(UTC)
    # History: ambulance jobs took 40 min from on scene to cleared (median), 10 min from at hospital.
    with db.transaction() as cur:
        for _k in range(5):
            cur.execute(
                "INSERT INTO incidents (incident_type, priority, geom, status, outcome, closed_at)"
                " VALUES ('medical', 1, ST_SetSRID(ST_MakePoint(122.512, -3.967), 4326), 'closed', 'resolved', %s)"
                " RETURNING id", (now - timedelta(days=2),))
            iid = cur.fetchone()["id"]
            start = now - timedelta(days=2, hours=2)
            cur.execute(
                "INSERT INTO assignments (incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at,"
                " at_hospital_at, cleared_at) VALUES (%s, %s, 'cleared', %s, %s, %s, %s, %s)",
                (iid, ids["AMB-01"], start, start + timedelta(minutes=1), start + timedelta(minutes=10),
                 start + timedelta(minutes=40), start + timedelta(minutes=50)))
    first = new(db, *MANDONGA)
    second = new(db, *KANDAI)
    service.assign_unit(db, first.id, ids["AMB-01"], ACTOR)
    service.assign_unit(db, second.id, ids["AMB-02"], ACTOR)
    for status in ("en_route", "on_scene"):
        service.set_unit_status(db, ids["AMB-01"], status, ACTOR)
    for status in ("en_route", "on_scene", "transporting", "at_hospital"):
        service.set_unit_status(db, ids["AMB-02"], status, ACTOR)
    third = new(db, *MANDONGA, description="another patient")
    rec = service.recommend_for_incident(db, Resources(db), third.id)
    assert rec["unfilled"] and rec["plan"][0]["missing"] == 1
    busy = [s for s in rec["substitutes"] if s["kind"] == "busy_unit"]
    assert {s["callsign"] for s in busy} == {"AMB-01", "AMB-02"}
    by_sign = {s["callsign"]: s for s in busy}
    assert by_sign["AMB-01"]["free_in_s"] == pytest.approx(40 * 60, abs=30)   # median on scene → cleared
    assert by_sign["AMB-02"]["free_in_s"] == pytest.approx(10 * 60, abs=30)   # median at hospital → cleared
    for s in busy:
        assert s["eta_s"] > s["free_in_s"]                                     # plus travel from where it is
    assert busy[0]["eta_s"] <= busy[1]["eta_s"]                                # first to be free and there, first


# --- the dispatch console: placement rule, duplicates before creating, extra calls, corrections ---------
def test_placement_follows_routing_rule_with_reasons_and_hints(db: Database) -> None:
    on_land = service.place_incident(db, None, *MANDONGA)
    assert on_land.on_land and on_land.place.kecamatan == "Mandonga"
    with pytest.raises(validation.ValidationFailed) as bay:
        service.place_incident(db, None, -3.9750, 122.5600)      # ~700 m out in Kendari Bay
    err = bay.value.errors[0]
    assert "perairan teluk" in err.message_id and "lintang −3,97500, bujur 122,56000" in err.message_id
    assert "in the bay" in err.message_en and "latitude −3.97500, longitude 122.56000" in err.message_en
    with pytest.raises(validation.ValidationFailed) as minus:
        service.place_incident(db, None, 3.985, 122.53)
    assert "Maksud Anda −3,98500, 122,53000" in minus.value.errors[0].message_id
    assert "Did you mean −3.98500, 122.53000" in minus.value.errors[0].message_en
    # the point a refusal names, for the console's one-press "use it" (typed text as it comes)
    assert service.placement_hint("3,985", "122.53") == (-3.985, 122.53)
    assert service.placement_hint(122.53, -3.985) == (-3.985, 122.53)          # fields swapped
    for lat, lon in ((-3.975, 122.56), ("abc", 122.53), (None, 1), (3.985, 1e9), (-3.985, 122.53)):
        assert service.placement_hint(lat, lon) is None                        # nothing (better) to offer
    with pytest.raises(validation.ValidationFailed):
        new(db, -3.9750, 122.5600)                                 # the same rule when creating


def test_duplicates_are_found_before_creating_and_calls_attach(db: Database) -> None:
    first = new(db, *MANDONGA)
    data = {"lat": MANDONGA[0] + 0.0003, "lon": MANDONGA[1], "type": "medical"}
    found = service.duplicate_candidates(db, Resources(db), data)
    assert [c["id"] for c in found] == [first.id]
    assert 20 < found[0]["distance_m"] < 50 and found[0]["age_s"] >= 0
    assert service.duplicate_candidates(db, Resources(db), dict(data, type="structure_fire")) == []
    key = service.IdempotencyKey("k1", "user:tester", service.request_hash({"x": 1}))
    for _ in range(2):  # a retry records the call once
        inc = service.attach_call(db, first.id, {"caller_phone": "0812 1111 2222", "description": "tetangga"},
                                  ACTOR, idempotency=key)
    assert inc.id == first.id
    kinds = events(db, first.id)
    assert kinds.count("call_received") == 2
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM calls WHERE incident_id = %s AND classification = 'duplicate'",
                    (first.id,))
        assert cur.fetchone()["n"] == 1
        cur.execute("SELECT count(*) AS n FROM incidents")
        assert cur.fetchone()["n"] == 1


def test_location_correction_is_audited_and_sets_the_place(db: Database) -> None:
    inc = new(db, *MANDONGA)
    moved = service.move_incident(db, inc.id, *KANDAI, ACTOR, reason="alamat salah")
    assert (moved.kecamatan, round(moved.lat, 4)) == ("Kendari", KANDAI[0])
    entry = [e for e in service.timeline(db, inc.id) if e.kind == "incident_updated"][-1]
    assert entry.data["change"] == "location" and entry.data["from"]["kecamatan"] == "Mandonga"
    assert entry.data["to"]["kecamatan"] == "Kendari" and entry.data["reason"] == "alamat salah"
    with pytest.raises(validation.ValidationFailed):
        service.move_incident(db, inc.id, -3.9750, 122.5600, ACTOR)
    service.close_incident(db, inc.id, "resolved", ACTOR)
    with pytest.raises(ConflictError):
        service.move_incident(db, inc.id, *MANDONGA, ACTOR)


def test_create_is_idempotent_per_form_key(db: Database) -> None:
    data = {"lat": MANDONGA[0], "lon": MANDONGA[1], "type": "medical"}
    key = service.IdempotencyKey("form-1", "user:tester", service.request_hash(data))
    ids = {service.create_from_input(db, Resources(db), data, ACTOR, idempotency=key).id for _ in range(3)}
    assert len(ids) == 1
    other = service.IdempotencyKey("form-1", "user:tester", service.request_hash(dict(data, type="crime")))
    with pytest.raises(service.IdempotencyMismatchError):
        service.create_from_input(db, Resources(db), dict(data, type="crime"), ACTOR, idempotency=other)


def test_wait_thresholds_default_and_override(db: Database) -> None:
    assert service.wait_thresholds(db)[1] == (120, 300)
    with db.transaction() as cur:
        cur.execute("INSERT INTO app_settings (key, value) VALUES ('dispatch_wait_thresholds', %s)",
                    ('{"1": [60, 180], "2": [900, 10], "9": [1, 2]}',))
    thresholds = service.wait_thresholds(db)
    assert thresholds[1] == (60, 180) and thresholds[2] == (300, 600) and 9 not in thresholds
