"""ETA accuracy: predicted against recorded travel times, fitted speed factors, applying one, the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from app import create_app
from field_errors import ValidationFailed
from i18n import WITA
from incidents.model import Actor
from routing.accuracy import FACTOR_BOUNDS, band_of, fit_band_factors, predict_trips, summarise
from routing.corrections import SpeedFactor, apply_speed_factors
from services import accuracy, corrections
from services.resources import Resources
from store import Database

TOKEN = {"Authorization": "Bearer acc-token"}


# --- pure: a hand-made road ---------------------------------------------------------------------------------
def _trips(line_road: Any, n: int, origin: int, dest: int) -> tuple[np.ndarray, ...]:
    olon, olat = line_road.node_lonlat(origin)
    dlon, dlat = line_road.node_lonlat(dest)
    return np.full(n, olon), np.full(n, olat), np.full(n, dlon), np.full(n, dlat)


def test_predicted_times_on_a_hand_made_road(line_road: Any) -> None:
    graph = line_road.graph
    olon, olat, dlon, dlat = _trips(line_road, 4, 0, 5)
    pred = predict_trips(graph, olon, olat, dlon, dlat, land=None)
    assert pred.ok.all() and np.allclose(pred.predicted_s, 5 * 60.0, atol=0.5)
    assert pred.dijkstra_runs == 1 and set(pred.road_class) == {"lattice"}
    # the one-way shortcut only helps towards node 0
    back = predict_trips(graph, dlon, dlat, olon, olat, land=None)
    assert np.allclose(back.predicted_s, 5 * 60.0, atol=0.5)
    far = predict_trips(graph, *_trips(line_road, 1, 10, 0), land=None)
    assert np.allclose(far.predicted_s, 10.0, atol=0.5)


def test_speed_factors_of_the_trips_hour_replace_the_graphs(line_road: Any) -> None:
    rush = SpeedFactor("*", 6, 9, 0.5)
    graph = apply_speed_factors(line_road.graph, [rush], datetime(2026, 3, 2, 7, 30, tzinfo=WITA))
    olon, olat, dlon, dlat = _trips(line_road, 2, 0, 5)
    hours = np.array([7.5, 12.0])  # in the band, out of it
    pred = predict_trips(graph, olon, olat, dlon, dlat, hours=hours, speed_factors=[rush], land=None)
    assert np.allclose(pred.predicted_s, [600.0, 300.0], atol=1.0)
    plain = predict_trips(graph, olon, olat, dlon, dlat, land=None)  # no hours: the graph as built
    assert np.allclose(plain.predicted_s, [600.0, 600.0], atol=1.0)


def test_run_budget_and_reverse_runs(line_road: Any) -> None:
    graph = line_road.graph
    nodes = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    lon = [line_road.node_lonlat(i)[0] for i in nodes]
    lat = [line_road.node_lonlat(i)[1] for i in nodes]
    dlon, dlat = line_road.node_lonlat(5)
    many = predict_trips(graph, lon, lat, [dlon] * 10, [dlat] * 10, land=None)
    assert many.dijkstra_runs == 1 and many.ok.all()  # one reversed run from the one incident node
    assert np.allclose(many.predicted_s, [300, 240, 180, 120, 60, 60, 120, 180, 240, 300], atol=0.5)
    budget = predict_trips(graph, lon, lat, lon[::-1], lat[::-1], land=None, max_runs=3)
    assert budget.dijkstra_runs == 3 and budget.skipped == 7 and budget.ok.sum() == 3


def test_summaries_and_fitted_factors() -> None:
    predicted = np.full(60, 300.0)
    recorded = np.concatenate([np.full(25, 375.0), np.full(25, 150.0), np.full(10, 300.0)])
    hours = np.concatenate([np.full(25, 7.0), np.full(25, 12.0), np.full(10, 20.0)])
    bands = band_of(hours)
    assert bands.tolist() == [1] * 25 + [2] * 25 + [4] * 10
    fits = fit_band_factors(predicted, recorded, hours)
    assert fits[1].factor == 0.8 and fits[1].trips == 25 and not fits[1].bounded
    assert fits[2].raw == pytest.approx(2.0) and fits[2].factor == FACTOR_BOUNDS[1] and fits[2].bounded
    assert fits[4].factor is None and fits[4].trips == 10  # too few trips
    assert fits[0].trips == 0 and fits[0].factor is None
    keys = ["Kadia"] * 25 + ["Poasia"] * 35
    by = {s.key: s for s in summarise(predicted, recorded, keys)}
    assert by["Kadia"].median_ratio == pytest.approx(1.25) and by["Kadia"].p90_abs_error_s == pytest.approx(75.0)
    assert by["Poasia"].trips == 35
    (overall,) = summarise(np.append(predicted, np.nan), np.append(recorded, 100.0))
    assert overall.trips == 60


# --- the service, on trips in the database --------------------------------------------------------------------
def _insert_trips(db: Database, unit_id: int, *, at: list[tuple[datetime, float]], lonlat: tuple[float, float],
                  origin: tuple[float, float] | None, synthetic: bool = False) -> None:
    """Closed incidents at ``lonlat``, each with one assignment en route at ``t`` for ``seconds``."""
    with db.transaction() as cur:
        for en_route, seconds in at:
            cur.execute("INSERT INTO incidents (incident_type, priority, geom, status, outcome, created_at, closed_at,"
                        " synthetic) VALUES ('medical', 2, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 'closed',"
                        " 'resolved', %s, %s, %s) RETURNING id",
                        (lonlat[0], lonlat[1], en_route, en_route + timedelta(hours=1), synthetic))
            incident_id = cur.fetchone()["id"]
            dispatched = en_route - timedelta(seconds=60)
            cur.execute("INSERT INTO assignments (incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at,"
                        " cleared_at) VALUES (%s, %s, 'cleared', %s, %s, %s, %s)",
                        (incident_id, unit_id, dispatched, en_route, en_route + timedelta(seconds=seconds),
                         en_route + timedelta(minutes=40)))
            if origin is not None:
                cur.execute("INSERT INTO unit_positions (unit_id, geom, recorded_at) VALUES"
                            " (%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s)",
                            (unit_id, origin[0], origin[1], dispatched - timedelta(minutes=2)))


def _morning(days_ago: int, hour: int = 7) -> datetime:
    day = (datetime.now(WITA) - timedelta(days=days_ago)).date()
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=WITA)


def test_report_and_one_click_factor_on_a_hand_made_road(db: Database, line_road: Any, add_unit: Any) -> None:
    unit = add_unit(db)
    start, dest = line_road.node_lonlat(0), line_road.node_lonlat(5)
    _insert_trips(db, unit, at=[(_morning(d), 375.0) for d in range(1, 26)], lonlat=dest, origin=start,
                  synthetic=True)
    _insert_trips(db, unit, at=[(_morning(d, 23), 300.0) for d in range(1, 4)], lonlat=dest, origin=start,
                  synthetic=True)
    res = Resources(db, network_loader=lambda _db: line_road.graph, check_interval_s=0.0)
    period = accuracy.parse_period()
    report = accuracy.accuracy_report(db, res, period)
    assert report.trips == 28 and report.evaluated == 28 and report.from_position == 28
    assert report.synthetic_only and "synthetic" in report.to_dict()["note"]
    bands = {s.key: s for s in report.by_band}
    assert bands["06–09"].median_ratio == pytest.approx(1.25, abs=0.01) and bands["06–09"].trips == 25
    assert report.fits[1].factor == 0.8 and report.fits[4].factor is None
    assert report.dijkstra_runs == 1
    body = report.to_dict()
    assert body["by_hour_band"][0]["key"] == "06–09" and body["fitted_factors"][1]["factor"] == 0.8

    view = accuracy.apply_band_factor(db, res, period, "06-09", Actor("admin-ani"))
    assert view.kind == "speed_factor" and view.status == "active" and view.source == accuracy.FACTOR_SOURCE
    assert (view.details["road_class"], view.details["start_hour"], view.details["end_hour"],
            view.details["factor"]) == ("*", 6, 9, pytest.approx(0.8))
    with db.transaction() as cur:
        cur.execute("SELECT actor, data FROM events WHERE kind = 'network_correction' ORDER BY id")
        (event,) = cur.fetchall()
    assert event["actor"] == "admin-ani" and event["data"]["action"] == "created" and event["data"]["id"] == view.id
    # with the factor in force the band's trips are predicted as recorded
    after = accuracy.accuracy_report(db, res, period)
    assert {s.key: s for s in after.by_band}["06–09"].median_ratio == pytest.approx(1.0, abs=0.01)
    assert after.fits[1].factor == 1.0 and after.factors_in_force["06–09"][0]["factor"] == pytest.approx(0.8)
    # reversible: retire it
    corrections.retire_correction(db, view.id, Actor("admin-ani"))
    assert [c for c in corrections.list_corrections(db) if c.kind == "speed_factor"] == []
    with pytest.raises(ValidationFailed) as info:
        accuracy.apply_band_factor(db, res, period, "19-24", Actor("admin-ani"))
    assert info.value.errors[0].field == "band"  # 3 trips: too few for a factor
    with pytest.raises(ValidationFailed):
        accuracy.apply_band_factor(db, res, period, "25-26", Actor("admin-ani"))


def test_home_station_is_the_origin_without_a_position(db: Database, add_unit: Any, places: Any) -> None:
    unit = add_unit(db)  # at Puskesmas Mata
    lat, lon = places.kandai
    _insert_trips(db, unit, at=[(_morning(d), 600.0) for d in range(1, 4)], lonlat=(lon, lat), origin=None)
    report = accuracy.accuracy_report(db, Resources(db), accuracy.parse_period())
    assert report.trips == 3 and report.from_home == 3 and report.evaluated == 3 and not report.synthetic_trips
    assert report.by_kecamatan[0].key == "Kendari" and report.overall.median_predicted_s is not None
    assert report.network["model"] in ("road", "approximate") and report.network["source"]


def test_five_thousand_trips_within_bounds(db: Database, seed_fleet: Any) -> None:
    fleet = seed_fleet(db)
    with db.transaction() as cur:  # 5,200 closed trips of the last 60 days, from the ten home stations
        cur.execute("""
            WITH k AS (SELECT ST_PointOnSurface(geom) AS g, row_number() OVER (ORDER BY kode) AS r FROM kelurahan),
                 n AS (SELECT count(*) AS c FROM k),
                 s AS (SELECT i, now() - (i * interval '16 minutes') AS t FROM generate_series(1, 5200) AS i),
                 made AS (
                   INSERT INTO incidents (incident_type, priority, geom, status, outcome, closed_at, synthetic)
                   SELECT 'medical', 2, k.g, 'closed', 'resolved', s.t, true
                     FROM s, n, k WHERE k.r = 1 + s.i %% n.c
                   RETURNING id, closed_at)
            INSERT INTO assignments (incident_id, unit_id, status, assigned_at, en_route_at, on_scene_at)
            SELECT made.id, (%(units)s::int[])[1 + made.id %% 10], 'cleared', made.closed_at - interval '20 minutes',
                   made.closed_at - interval '19 minutes', made.closed_at - interval '10 minutes'
              FROM made""", {"units": list(fleet.values())})
    res = Resources(db)
    res.graph()  # loaded once per process in the app
    t0 = time.perf_counter()
    report = accuracy.accuracy_report(db, res, accuracy.parse_period())
    took = time.perf_counter() - t0
    assert report.trips == accuracy.MAX_TRIPS and report.capped and report.evaluated > 4000
    assert report.dijkstra_runs <= 64  # one run per kelurahan centre (or home station), not per trip
    assert took < 4.0, took  # ~0.5-1.5 s on the 2-core development machine


# --- the API ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(module_db: Database) -> Iterator[Any]:
    app = create_app({"database_url": module_db.url, "seed_demo": False, "api_token": "acc-token"})
    yield app.server.test_client(use_cookies=False)
    app.server.extensions["kendari112"].db.close()


@pytest.mark.parametrize(("query", "field"), [
    ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-05-01&to=2026-04-01", "to"),
    ("from=2024-01-01&to=2026-01-01", "to"), ("from=1900-01-01&to=1900-02-01", "from"), ("colour=red", "colour"),
])
def test_api_refuses_bad_periods(client: Any, query: str, field: str) -> None:
    resp = client.get(f"/api/v1/network/accuracy?{query}", headers=TOKEN)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"][0]["field"] == field


def test_api_report_and_apply(client: Any) -> None:
    today = datetime.now(UTC).date()
    resp = client.get(f"/api/v1/network/accuracy?from={today - timedelta(days=30)}&to={today}", headers=TOKEN)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["trips"] == 0 and body["synthetic_only"] is False and len(body["fitted_factors"]) == 5
    assert body["network"]["model"] in ("road", "approximate") and "ratio" in body
    assert client.get("/api/v1/network/accuracy").status_code == 401
    bad = client.post("/api/v1/network/accuracy/apply", json={"band": "07-08"}, headers=TOKEN)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "band"
    few = client.post("/api/v1/network/accuracy/apply", json={"band": "06-09"}, headers=TOKEN)
    assert few.status_code == 422 and "too few trips" in few.get_json()["errors"][0]["message"]
