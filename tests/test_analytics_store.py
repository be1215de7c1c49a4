"""Analytics SQL against hand-computed fixtures and against the pure-Python reference (real PostGIS).

Reads never refresh the facts: each test refreshes them (``refresh_facts``) after writing."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from analytics import reference
from analytics.intervals import INTERVAL_KEYS
from analytics.period import WITA, Filters, days_period, kpi_windows
from analytics.targets import Targets
from services import analytics as sa
from store import Database
from tests.analytics_fixtures import catalog, ensure_units, insert_incident, kelurahan_points, random_incidents

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=WITA)
MARCH = Filters(*days_period(date(2026, 3, 1), date(2026, 3, 31)))


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def point(db: Database) -> dict:
    return kelurahan_points(db)[0]


def test_hand_built_incidents(db: Database, point: dict) -> None:
    ensure_units(db)
    common = {"lon": point["lon"], "lat": point["lat"]}
    # complete medical incident: answer 12, processing 77, turnout 50, travel 400, total 540
    insert_incident(db, incident_type="medical", call_received_at=s(0), call_answered_at=s(12.7), created_at=s(60),
                    first_dispatched_at=s(90), first_en_route_at=s(140), first_on_scene_at=s(540),
                    outcome="resolved", units=2, **common)
    # structure fire with en route before dispatch (out of order): turnout and travel excluded
    insert_incident(db, incident_type="structure_fire", call_received_at=s(1000), call_answered_at=s(1010),
                    created_at=s(1030), first_dispatched_at=s(1100), first_en_route_at=s(1090),
                    first_on_scene_at=s(1400), units=1, **common)
    # crime without any unit stamps, never answered
    insert_incident(db, incident_type="crime", call_received_at=s(2000), created_at=s(2100), **common)
    # a municipal ticket: only the answer interval applies
    insert_incident(db, incident_type="street_light", call_received_at=s(3000), call_answered_at=s(3030),
                    created_at=s(3100), **common)
    # a prank: answer counts, no unit intervals
    insert_incident(db, incident_type="medical", call_received_at=s(4000), call_answered_at=s(4005),
                    created_at=s(4020), outcome="prank", **common)
    # outside the period
    insert_incident(db, incident_type="medical", call_received_at=datetime(2026, 4, 1, 0, 0, 1, tzinfo=WITA),
                    call_answered_at=datetime(2026, 4, 1, 0, 1, tzinfo=WITA), **common)
    sa.refresh_facts(db)
    row = sa.response_times(db, MARCH)[0]
    assert row.incidents == 5
    a = row.intervals["answer"]     # answers 12, 10, 30, 5 of 5 incidents
    assert (a.n, a.population, a.p50_s, a.p90_s) == (4, 5, 10, 30)
    assert a.within_target_share == 0.75 and a.completeness_share == 0.8
    p = row.intervals["processing"]  # population: medical, fire, crime = 3; values 77, 90
    assert (p.n, p.population, p.p50_s, p.p90_s) == (2, 3, 77, 90)
    assert p.within_target_share == 0.0
    t = row.intervals["turnout"]     # only 50 (the fire's is negative)
    assert (t.n, t.p50_s, t.p90_s, t.within_target_share) == (1, 50, 50, 1.0)
    tr = row.intervals["travel"]     # 400 and the fire's 310 (en route -> on scene is in order)
    assert (tr.n, tr.p50_s, tr.p90_s, tr.within_target_share) == (2, 310, 400, 0.0)
    tot = row.intervals["total"]     # 540 and 400
    assert (tot.n, tot.population, tot.p50_s, tot.p90_s) == (2, 3, 400, 540)
    assert tot.within_target_share == 1.0 and tot.completeness_share == round(2 / 3, 4)
    by_kec = sa.response_times(db, MARCH, group_by="kecamatan")
    assert [r.key for r in by_kec] == [point["kecamatan_kode"]]
    by_agency = {r.key: r for r in sa.response_times(db, MARCH, group_by="agency")}
    assert by_agency["DAMKAR"].intervals["turnout"].n == 0
    assert by_agency["PSC119"].intervals["total"].p90_s == 540
    d = sa.dashboard(db, MARCH, now=datetime(2026, 3, 31, 12, tzinfo=WITA))
    assert d.overall == row
    kpi = {k.window: k for k in d.kpis}["period"]
    assert (kpi.incidents, kpi.units) == (5, 3)
    league = {r.agency: r for r in d.league}
    assert league["PSC119"].closed == 2 and league["PSC119"].incidents == 2
    assert league["PSC119"].close_p50_s == 3600       # closed one hour after the call (minutes resolution)


def test_empty_period_and_single_incident(db: Database, point: dict) -> None:
    sa.refresh_facts(db)
    row = sa.response_times(db, MARCH)[0]
    assert row.incidents == 0
    assert all(v.n == 0 and v.p90_s is None and v.completeness_share is None for v in row.intervals.values())
    d = sa.dashboard(db, MARCH)
    assert d.by_kecamatan == [] and d.calls.total == 0 and d.daily == []
    insert_incident(db, incident_type="medical", lon=point["lon"], lat=point["lat"], call_received_at=s(0),
                    call_answered_at=s(3), first_dispatched_at=s(63), first_en_route_at=s(120),
                    first_on_scene_at=s(300))
    sa.refresh_facts(db)
    row = sa.response_times(db, MARCH)[0]
    assert row.intervals["total"].p50_s == row.intervals["total"].p90_s == 300
    assert row.intervals["processing"].p90_s == 60 and row.intervals["processing"].within_target_share == 1.0


def _as_dict(rows: list) -> dict:
    return {r.key: (r.incidents, {k: v.to_dict() for k, v in r.intervals.items()}) for r in rows}


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_equals_python_reference_on_random_data(db: Database, seed: int) -> None:
    ensure_units(db)
    rng = random.Random(seed)
    start = datetime(2026, 2, 20, tzinfo=WITA)
    records = random_incidents(db, rng, 300, start, days=20)
    type_agency, emergency = catalog(db)
    doc = Targets().to_json()
    doc["rules"].append({"interval": "total", "target_s": 420, "incident_type": "medical"})
    targets = sa.save_targets(db, doc)
    sa.refresh_facts(db)
    kec = records[0]["kecamatan_kode"]
    cases = [Filters(*days_period(date(2026, 2, 22), date(2026, 3, 5))),
             Filters(*days_period(date(2026, 2, 20), date(2026, 3, 11)), incident_types=("medical", "crime")),
             Filters(*days_period(date(2026, 2, 20), date(2026, 3, 11)), agency="POLICE"),
             Filters(*days_period(date(2026, 2, 20), date(2026, 3, 11)), kecamatan=kec),
             Filters(start + timedelta(hours=5, seconds=7), start + timedelta(days=3, minutes=1))]
    for f in cases:
        for group_by in ("none", "type", "agency", "kecamatan", "kelurahan"):
            got = sa.response_times(db, f, group_by=group_by)
            want = reference.response_times(records, f, targets=targets, type_agency=type_agency,
                                             emergency_types=emergency, group_by=group_by)
            assert _as_dict(got) == _as_dict(want), (f, group_by)
    f = cases[0]
    d = sa.dashboard(db, f)
    for attr, group_by, ivs in (("daily", "day", ("total",)), ("heatmap", "heat", ("total",)),
                                ("by_type", "type", INTERVAL_KEYS)):
        want = reference.response_times(records, f, targets=targets, type_agency=type_agency,
                                        emergency_types=emergency, group_by=group_by, intervals=ivs)
        assert _as_dict(getattr(d, attr)) == _as_dict(want), attr


def test_fractiles_equal_percentile_disc(db: Database) -> None:
    ensure_units(db)
    random_incidents(db, random.Random(7), 200, datetime(2026, 3, 1, tzinfo=WITA), days=10)
    sa.refresh_facts(db)
    rows = {r.key: r for r in sa.response_times(db, MARCH, group_by="kelurahan")}
    with db.transaction() as cur:
        cur.execute("SELECT c.code AS k, percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.answer_s) AS q"
                    " FROM analytics_incident_facts f JOIN analytics_codes c ON c.kind = 'kelurahan'"
                    " AND c.id = f.kel_id WHERE f.ref_at >= %s AND f.ref_at < %s GROUP BY 1",
                    (MARCH.start, MARCH.end))
        for r in cur.fetchall():
            got = rows[r["k"]].intervals["answer"]
            assert [got.p50_s, got.p90_s] == (r["q"] or [None, None])


def test_refresh_follows_changes_through_events(db: Database, point: dict) -> None:
    rec = insert_incident(db, incident_type="medical", lon=point["lon"], lat=point["lat"], call_received_at=s(0),
                          call_answered_at=s(5))
    sa.refresh_facts(db)
    assert sa.response_times(db, MARCH)[0].intervals["total"].n == 0
    with db.transaction() as cur:
        cur.execute("UPDATE incidents SET first_dispatched_at = %s, first_en_route_at = %s, first_on_scene_at = %s"
                    " WHERE id = %s", (s(60), s(90), s(400), rec["id"]))
        cur.execute("INSERT INTO events (kind, at, incident_id, actor) VALUES ('unit_on_scene', %s, %s, 'test')",
                    (s(400), rec["id"]))
    sa.refresh_facts(db)
    assert sa.response_times(db, MARCH)[0].intervals["total"].p90_s == 400


def test_call_handling_by_hand(db: Database) -> None:
    calls = [(0, "valid"), (4, "valid"), (12, "valid"), (30, "prank"), (None, "abandoned"), (2, "ghost"),
             (16, "invalid"), (8, "duplicate"), (19, "valid"), (None, "abandoned")]
    with db.transaction() as cur:
        for i, (ans, cls) in enumerate(calls):
            rec = s(600 * i)
            cur.execute("INSERT INTO calls (received_at, answered_at, classification) VALUES (%s, %s, %s)",
                        (rec, rec + timedelta(seconds=ans) if ans is not None else None, cls))
    sa.refresh_facts(db)
    c = sa.dashboard(db, MARCH).calls
    assert (c.total, c.answered, c.unanswered) == (10, 8, 2)
    assert c.by_class["prank"] == 1 and c.by_class["abandoned"] == 2 and c.by_class["valid"] == 4
    assert (c.answer.p50_s, c.answer.p90_s) == (8, 30)          # sorted 0 2 4 8 12 16 19 30
    assert c.answer.within_target_share == round(5 / 8, 4)       # <= 15 s
    assert {s_: w for s_, _, _, w in c.standards} == {10: 0.5, 15: round(5 / 8, 4), 20: 0.875}
    assert c.daily == [(date(2026, 3, 2), 10, 8, 3)]
    raw = sa.call_handling(db, Filters(T0 - timedelta(minutes=1), T0 + timedelta(days=1)))   # not whole days
    assert (raw.total, raw.answer.p50_s, raw.answer.p90_s, raw.standards) == \
        (c.total, c.answer.p50_s, c.answer.p90_s, c.standards)


def test_kpi_windows(db: Database, point: dict) -> None:
    now = datetime(2026, 3, 20, 12, 0, tzinfo=WITA)
    for days_ago in (0.1, 2, 3, 10, 20, 40):
        t = now - timedelta(days=days_ago)
        insert_incident(db, incident_type="crime", lon=point["lon"], lat=point["lat"], call_received_at=t)
    sa.refresh_facts(db)
    f = Filters(*days_period(date(2026, 3, 1), date(2026, 3, 20)))
    kpis = {k.window: k for k in sa.dashboard(db, f, now=now).kpis}
    assert (kpis["today"].incidents, kpis["7d"].incidents, kpis["30d"].incidents) == (1, 3, 5)
    assert kpis["7d"].prev_incidents == 1 and kpis["30d"].prev_incidents == 1
    assert kpis["period"].incidents == 4 and kpis["period"].prev_incidents == 1


def test_targets_are_stored(db: Database) -> None:
    assert sa.load_targets(db) == Targets()
    doc = Targets().to_json()
    doc["rules"].append({"interval": "answer", "target_s": 10, "agency": "POLICE", "source": "test"})
    sa.save_targets(db, doc)
    assert sa.load_targets(db).resolve("answer", agency="POLICE").target_s == 10
    from analytics._errors import TargetsError
    with pytest.raises(TargetsError):
        sa.save_targets(db, {"rules": [{"interval": "answer", "target_s": 10, "incident_type": "unicorn"}]})


def test_any_subset_of_intervals(db: Database, point: dict) -> None:
    insert_incident(db, incident_type="medical", lon=point["lon"], lat=point["lat"], call_received_at=s(0),
                    call_answered_at=s(3), first_dispatched_at=s(63), first_en_route_at=s(120),
                    first_on_scene_at=s(300))
    sa.refresh_facts(db)
    for group_by in ("none", "kecamatan", "type"):
        (row,) = sa.response_times(db, MARCH, group_by=group_by, intervals=("total",))
        assert set(row.intervals) == {"total"} and row.intervals["total"].p90_s == 300 and row.incidents == 1
        (row,) = sa.response_times(db, MARCH, group_by=group_by, intervals=("answer",))
        assert row.intervals["answer"].p90_s == 3


def _random_filters(rng: random.Random, start: datetime, days: int, types: list[str], agencies: list[str],
                    kecamatan: list[str]) -> Filters:
    """A random period (whole WITA days or cut within a day) and random narrowing filters."""
    first = start.date() + timedelta(days=rng.randint(-2, days - 1))
    last = first + timedelta(days=rng.randint(0, days))
    if rng.random() < 0.5:
        lo, hi = days_period(first, last)
    else:
        lo = start + timedelta(seconds=rng.randint(0, days * 86400 // 2), microseconds=rng.randint(0, 999999))
        hi = lo + timedelta(seconds=rng.randint(1, days * 86400), microseconds=rng.randint(0, 999999))
    kind = rng.random()
    return Filters(lo, hi,
                   incident_types=tuple(rng.sample(types, rng.randint(1, 4))) if kind < 0.3 else (),
                   agency=rng.choice(agencies) if 0.3 <= kind < 0.5 else None,
                   kecamatan=rng.choice(kecamatan) if kind >= 0.7 or rng.random() < 0.2 else None)


_DISC = """
SELECT {key} AS k, count(*) AS incidents,
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.answer_s) AS answer,
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY CASE WHEN p.pop THEN f.processing_s END) AS processing,
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY CASE WHEN p.pop THEN f.turnout_s END) AS turnout,
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY CASE WHEN p.pop THEN f.travel_s END) AS travel,
       percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY CASE WHEN p.pop THEN f.total_s END) AS total,
       count(f.answer_s) AS n_answer, count(f.total_s) FILTER (WHERE p.pop) AS n_total
  FROM analytics_incident_facts f
  JOIN analytics_codes ct ON ct.kind = 'type' AND ct.id = f.type_id
  JOIN incident_types it ON it.code = ct.code
  LEFT JOIN analytics_codes ckc ON ckc.kind = 'kecamatan' AND ckc.id = f.kec_id
  LEFT JOIN analytics_codes ckl ON ckl.kind = 'kelurahan' AND ckl.id = f.kel_id
 CROSS JOIN LATERAL (SELECT it.is_emergency AND NOT f.no_unit AS pop) p
 WHERE f.ref_at >= %(start)s AND f.ref_at < %(end)s
   AND (%(types)s::text[] IS NULL OR ct.code = ANY(%(types)s::text[]))
   AND (%(kec)s::text IS NULL OR ckc.code = %(kec)s::text)
 GROUP BY 1
"""
_DISC_KEYS = {"none": "NULL::text", "type": "ct.code", "agency": "it.agency_code", "kecamatan": "ckc.code",
              "kelurahan": "ckl.code"}


@pytest.mark.parametrize("seed", [11, 12])
def test_rollup_equals_percentile_disc_over_the_raw_facts(db: Database, seed: int) -> None:
    from psycopg import sql

    ensure_units(db)
    rng = random.Random(seed)
    start = datetime(2026, 2, 20, tzinfo=WITA)
    records = random_incidents(db, rng, 400, start, days=12)
    type_agency, _ = catalog(db)
    sa.refresh_facts(db)
    types, agencies = sorted(type_agency), sorted(set(type_agency.values()))
    kecamatan = sorted({r["kecamatan_kode"] for r in records if r["kecamatan_kode"]})
    for _ in range(12):
        f = _random_filters(rng, start, 12, types, agencies, kecamatan)
        allowed = set(f.incident_types) if f.incident_types else None
        if f.agency:
            allowed = {c for c in (allowed or types) if type_agency[c] == f.agency}
        for group_by, key in _DISC_KEYS.items():
            got = {r.key: r for r in sa.response_times(db, f, group_by=group_by, source="rollup")}
            with db.transaction() as cur:
                cur.execute(sql.SQL(_DISC).format(key=sql.SQL(key)),
                            {"start": f.start, "end": f.end, "kec": f.kecamatan,
                             "types": None if allowed is None else sorted(allowed)})
                want = cur.fetchall()
            if group_by == "none" and not want:
                assert got[None].incidents == 0
                continue
            assert set(got) == {w["k"] for w in want}, (f, group_by)
            for w in want:
                row = got[w["k"]]
                assert row.incidents == w["incidents"], (f, group_by, w["k"])
                assert row.intervals["answer"].n == w["n_answer"] and row.intervals["total"].n == w["n_total"]
                for interval in INTERVAL_KEYS:
                    s_ = row.intervals[interval]
                    assert [s_.p50_s, s_.p90_s] == (w[interval] or [None, None]), (f, group_by, w["k"], interval)


def test_sql_path_equals_python_reference(db: Database) -> None:
    ensure_units(db)
    rng = random.Random(21)
    start = datetime(2026, 2, 20, tzinfo=WITA)
    records = random_incidents(db, rng, 200, start, days=10)
    type_agency, emergency = catalog(db)
    sa.refresh_facts(db)
    targets = sa.load_targets(db)
    for f in (Filters(*days_period(date(2026, 2, 21), date(2026, 3, 1))),
              Filters(start + timedelta(hours=3, microseconds=5), start + timedelta(days=4, seconds=9),
                      agency="POLICE")):
        for group_by in ("none", "type", "agency", "kecamatan", "kelurahan"):
            sql_rows = sa.response_times(db, f, group_by=group_by, source="sql")
            rollup_rows = sa.response_times(db, f, group_by=group_by, source="rollup")
            want = reference.response_times(records, f, targets=targets, type_agency=type_agency,
                                             emergency_types=emergency, group_by=group_by)
            assert _as_dict(sql_rows) == _as_dict(want) == _as_dict(rollup_rows), (f, group_by)


def test_incidents_without_call_stamps_are_not_measured_as_zero(db: Database, point: dict) -> None:
    """Console (no stamps), API with both stamps, API with the received time only."""
    from incidents.model import Actor, NewIncident
    from services import incidents as incident_service

    actor = Actor("test", None)
    t = datetime.now(WITA).replace(microsecond=0) - timedelta(hours=2)
    where = {"lon": point["lon"], "lat": point["lat"], "incident_type": "medical", "priority": 2}
    console = incident_service.create_incident(db, NewIncident(**where), actor)
    api = incident_service.create_incident(db, NewIncident(**where, call_received_at=t,
                                                           call_answered_at=t + timedelta(seconds=12)), actor)
    received = incident_service.create_incident(db, NewIncident(**where, call_received_at=t), actor)
    with db.transaction() as cur:
        for inc in (console, api, received):   # dispatched and on scene later
            cur.execute("UPDATE incidents SET first_dispatched_at = now() + interval '90 s', first_en_route_at ="
                        " now() + interval '2 min', first_on_scene_at = now() + interval '10 min' WHERE id = %s",
                        (inc.id,))
            cur.execute("INSERT INTO events (kind, at, incident_id, actor) VALUES ('unit_on_scene', now(), %s, 't')",
                        (inc.id,))
    sa.refresh_facts(db)
    with db.transaction() as cur:
        cur.execute("SELECT incident_id, answer_s, processing_s, turnout_s, total_s, has_call, answered"
                    " FROM analytics_incident_facts")
        facts = {r["incident_id"]: r for r in cur.fetchall()}
    assert facts[console.id]["answer_s"] is None and facts[console.id]["processing_s"] is None
    assert facts[console.id]["total_s"] is None and facts[console.id]["turnout_s"] == 30
    assert facts[console.id]["has_call"] and facts[console.id]["answered"]
    assert facts[api.id]["answer_s"] == 12 and facts[api.id]["processing_s"] is not None
    assert facts[api.id]["total_s"] is not None
    assert facts[received.id]["answer_s"] is None and facts[received.id]["processing_s"] is None
    assert facts[received.id]["total_s"] is not None
    today = datetime.now(WITA).date()
    d = sa.dashboard(db, Filters(*days_period(today - timedelta(days=1), today)))
    answer = d.overall.intervals["answer"]
    assert (answer.n, answer.population, answer.p90_s) == (1, 3, 12)        # never a 0 s answer
    assert (d.calls.total, d.calls.answer.n, d.calls.answer.p90_s) == (3, 1, 12)


def test_calls_follow_the_type_and_kecamatan_filters(db: Database) -> None:
    points = kelurahan_points(db)
    here, there = points[0], next(p for p in points if p["kecamatan_kode"] != points[0]["kecamatan_kode"])
    for i, (kind, p) in enumerate((("medical", here), ("medical", there), ("crime", here), ("crime", here))):
        insert_incident(db, incident_type=kind, lon=p["lon"], lat=p["lat"], call_received_at=s(100 * i),
                        call_answered_at=s(100 * i + 4 + i) if i != 3 else None)
    with db.transaction() as cur:   # calls without an incident: no type, no place
        for i in range(6):
            cur.execute("INSERT INTO calls (received_at, answered_at, classification) VALUES (%s, %s, 'prank')",
                        (s(1000 + i), s(1002 + i)))
    sa.refresh_facts(db)
    now = datetime(2026, 3, 20, 12, tzinfo=WITA)
    everything = sa.dashboard(db, MARCH, now=now)
    assert not everything.calls.linked_only and everything.calls.total == 6    # the calls table
    medical = sa.dashboard(db, Filters(MARCH.start, MARCH.end, incident_types=("medical",)), now=now)
    assert medical.calls.linked_only and (medical.calls.total, medical.calls.answered) == (2, 2)
    assert (medical.calls.answer.p50_s, medical.calls.answer.p90_s) == (4, 5)
    period = {k.window: k for k in medical.kpis}["period"]
    assert (period.calls, period.incidents) == (2, 2)
    crime_here = sa.dashboard(db, Filters(MARCH.start, MARCH.end, incident_types=("crime",),
                                          kecamatan=here["kecamatan_kode"]), now=now)
    assert (crime_here.calls.total, crime_here.calls.answered, crime_here.calls.unanswered) == (2, 1, 1)
    recent = sa.dashboard(db, Filters(*days_period(date(2026, 3, 1), date(2026, 3, 2)), kecamatan=there[
        "kecamatan_kode"]), now=datetime(2026, 3, 2, 23, tzinfo=WITA))
    assert {k.window: k.calls for k in recent.kpis}["today"] == 1


def test_window_counts_from_the_day_rollups_equal_the_facts(db: Database) -> None:
    from store import analytics as store_analytics

    ensure_units(db)
    rng = random.Random(31)
    start = datetime(2026, 2, 20, tzinfo=WITA)
    random_incidents(db, rng, 250, start, days=12)
    with db.transaction() as cur:
        for _ in range(150):
            t = start + timedelta(seconds=rng.randint(0, 12 * 86400), microseconds=rng.randint(0, 999999))
            cur.execute("INSERT INTO calls (received_at, answered_at, classification) VALUES (%s, %s, 'valid')",
                        (t, t + timedelta(seconds=3)))
    sa.refresh_facts(db)
    codes = store_analytics.codes(db)
    names = sa.names(db)
    targets = sa.load_targets(db)
    for _ in range(15):
        now = start + timedelta(days=rng.uniform(0, 13))
        windows = [*sa._with_previous(kpi_windows(now)),
                   ("whole", *days_period(date(2026, 2, 22), date(2026, 2, 25))),
                   ("odd", start + timedelta(hours=rng.uniform(0, 100)),
                    start + timedelta(hours=rng.uniform(100, 300)))]
        kec = rng.choice([None, *sorted(names.kecamatan)])
        types = rng.choice([None, ("medical", "crime"), ("street_light",)])
        f = Filters(start, start + timedelta(days=1), incident_types=types or (), kecamatan=kec)
        scope = sa._scope(db, f, targets, names)
        type_ids, kec_id = sa._narrowing_ids(f, codes, names)
        for linked in (False, True):
            want = store_analytics.window_counts(db, scope, windows, linked_calls=linked)
            got = store_analytics.day_window_counts(db, windows, type_ids=type_ids, kec_id=kec_id,
                                                    linked_calls=linked)
            assert got == want, (now, kec, types, linked)


def test_the_smallest_sample_is_kept_when_rules_are_saved_without_it(db: Database) -> None:
    sa.save_targets(db, {**Targets().to_json(), "min_n": 7})
    assert sa.load_targets(db).min_n == 7
    sa.save_targets(db, {"rules": Targets().to_json()["rules"]})          # the table editor sends rules only
    assert sa.load_targets(db).min_n == 7
    assert sa.reset_targets(db).min_n == 20
