"""Planning on a real PostGIS: incident filters (type, period, WITA hours), service, API, exports."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from layers.geodata import facilities, kelurahan
from services import planning as service
from store import Database, planning as store

#: (incident type, UTC time, kelurahan index, outcome)
ROWS = [
    ("medical", "2026-03-02T01:00:00Z", 0, None),      # 09:00 WITA
    ("medical", "2026-03-02T15:30:00Z", 1, None),      # 23:30 WITA
    ("medical", "2026-03-03T20:00:00Z", 2, None),      # 04:00 WITA next day
    ("land_fire", "2026-08-10T05:00:00Z", 3, None),    # 13:00 WITA
    ("land_fire", "2026-08-11T05:00:00Z", 3, None),
    ("structure_fire", "2026-08-12T05:00:00Z", 4, "resolved"),
    ("medical", "2026-08-12T06:00:00Z", 5, "prank"),   # never counted
    ("medical", "2026-08-12T06:00:00Z", 5, "duplicate"),
]


def _insert(db: Database) -> None:
    kel = kelurahan()
    pts = kel.geometry.representative_point()
    with db.transaction() as cur:
        for itype, ts, k, outcome in ROWS:
            cur.execute(
                "INSERT INTO incidents (incident_type, priority, geom, created_at, status, outcome)"
                " VALUES (%s, 2, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s)",
                (itype, float(pts.x.iloc[k]), float(pts.y.iloc[k]), ts, "closed" if outcome else "open", outcome))


@pytest.fixture(scope="module")
def pdb(module_db: Database) -> Database:
    _insert(module_db)
    return module_db


def test_incident_points_filters(pdb: Database) -> None:
    every = store.incident_points(pdb)
    assert len(every) == 6  # prank and duplicate left out
    assert every["kelurahan_kode"].notna().all()  # the spatial-join trigger placed them
    assert str(every["created_at"].dt.tz) == "UTC"
    assert len(store.incident_points(pdb, types=["land_fire", "structure_fire"])) == 3
    march = store.incident_points(pdb, start=datetime(2026, 3, 1, tzinfo=UTC),
                                  end=datetime(2026, 4, 1, tzinfo=UTC))
    assert len(march) == 3
    day = store.incident_points(pdb, hour_from=8, hour_to=14)  # 09:00 and three at 13:00 WITA
    assert len(day) == 4
    night = store.incident_points(pdb, hour_from=22, hour_to=6)  # wraps midnight: 23:30 and 04:00
    assert sorted(night["incident_type"]) == ["medical", "medical"] and len(night) == 2
    assert len(store.incident_points(pdb, hour_from=0, hour_to=24)) == 6
    assert store.incident_points(pdb, types=["flood"]).empty


def test_period_types_and_stations(pdb: Database) -> None:
    period = store.incident_period(pdb)
    assert period["n"] == 6
    types = {t["code"]: t for t in store.incident_types(pdb)}
    assert types["medical"]["n_incidents"] == 3 and types["medical"]["name_id"]
    fire = store.stations(pdb, ["fire_post"])
    assert len(fire) == sum(1 for f in facilities() if f.category == "fire_post")
    assert {"lon", "lat", "name", "location_confidence"} <= set(fire[0])
    assert service.available_months(pdb)[0] == "2026-03" and service.available_months(pdb)[-1] == "2026-08"


def test_query_round_trip_and_bounds() -> None:
    q = service.PlanningQuery.from_dict({"types": "medical,flood", "start": "2026-03", "end": "2026-03-31",
                                         "hour_from": "22", "hour_to": "6", "resolution": "8"})
    assert q.types == ("flood", "medical") and q.start == date(2026, 3, 1) and q.resolution == 8
    assert service.PlanningQuery.from_dict(q.to_dict()) == q
    lo, hi = q.bounds()
    assert lo.isoformat() == "2026-03-01T00:00:00+08:00" and hi.isoformat() == "2026-04-01T00:00:00+08:00"
    assert service.month_end("2026-02") == date(2026, 2, 28)
    from planning._errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        service.PlanningQuery.from_dict({"resolution": 7})
    with pytest.raises(InvalidParameterError):
        service.PlanningQuery.from_dict({"start": "2026-05-01", "end": "2026-04-01"})


def test_service_runs_each_analysis(pdb: Database, travel_graph) -> None:
    q = service.PlanningQuery()
    hot = service.hotspot_analysis(pdb, q, permutations=99)
    assert hot.n_incidents == 6 and int(hot.hotspots.cells["count"].sum()) == 6
    when = service.temporal_analysis(pdb, q)
    assert int(when.hour_weekday.to_numpy().sum()) == 6
    graph = travel_graph
    cov = service.coverage_analysis(pdb, graph, q, kind="ambulance", bands_min="4, 8")
    assert int(cov.result.stats["incidents_n"].sum()) == 6 and cov.result.model == graph.model
    site = service.siting_analysis(pdb, graph, q, kind="fire", k=1, max_minutes=8)
    assert site.result.covered_n >= site.result.baseline_n
    assert site.after.within(8.0)["area_share"] >= site.before.within(8.0)["area_share"] - 1e-9


def test_report_exports(pdb: Database, travel_graph) -> None:
    spec = service.ReportSpec(query=service.PlanningQuery(), coverage={"kind": "fire", "bands": [4, 8, 15]},
                              siting={"kind": "fire", "k": 1, "max_minutes": 8.0, "candidates": "kelurahan"},
                              title="Uji laporan")
    page = service.report_html(pdb, travel_graph, spec)
    assert "Uji laporan" in page and "leaflet" in page.lower() and "k112r-svg" in page
    data = service.report_geojson(pdb, travel_graph, spec)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"hotspots_gi.geojson", "coverage_bands.geojson", "uncovered.geojson", "stations.geojson",
                "siting_candidates.geojson", "kelurahan_counts.geojson", "metadata.json"} <= names
        meta = json.loads(zf.read("metadata.json"))
        assert meta["crs"] == "EPSG:4326" and meta["travel_model"] in ("road", "approximate")
        bands = json.loads(zf.read("coverage_bands.geojson"))
        assert bands["type"] == "FeatureCollection" and len(bands["features"]) >= 1
        assert "_style" not in bands["features"][0]["properties"]


@pytest.fixture(scope="module")
def api(pdb: Database) -> Iterator[object]:
    from app import create_app

    app = create_app({"database_url": pdb.url, "seed_demo": False, "api_token": "planning-token"})
    yield app.server.test_client()
    app.server.extensions["kendari112"].db.close()


def test_api_hotspots_and_coverage(api) -> None:
    auth = {"Authorization": "Bearer planning-token"}
    resp = api.get("/api/v1/planning/hotspots?resolution=8&types=medical,land_fire", headers=auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["n_incidents"] == 5 and body["h3_resolution"] == 8
    assert body["cells"]["type"] == "FeatureCollection"
    assert sum(body["classes"].values()) == len(body["cells"]["features"])
    resp = api.get("/api/v1/planning/coverage?kind=fire&bands=4,8", headers=auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["routing"] in ("road", "approximate") and len(body["stats"]) == 3
    assert set(body["approximate_stations"]) == {f.name for f in facilities() if f.category == "fire_post"}
    assert api.get("/api/v1/planning/coverage?kind=boats", headers=auth).status_code == 422
    assert api.get("/api/v1/planning/hotspots?types=flood", headers=auth).status_code == 404
    assert api.get("/api/v1/planning/hotspots?resolution=3", headers=auth).status_code == 422
    assert api.get("/api/v1/planning/hotspots").status_code == 401
