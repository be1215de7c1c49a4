"""Coverage on a small hand-made travel graph whose service areas are known exactly."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from planning import coverage as cov
from planning._errors import InvalidParameterError, NoStationsError
from planning._proj import UTM_51S, geom_to_utm, to_lonlat

#: The ``line_road`` fixture (tests/conftest.py: LineRoad).
LineRoad = Any

def land(road: LineRoad) -> BaseGeometry:
    x0, y0 = road.x0_m, road.y0_m
    return box(x0 - 500, y0 - 500, x0 + 10_500, y0 + 500)


def areas(road: LineRoad) -> gpd.GeoDataFrame:
    x0, y0 = road.x0_m, road.y0_m
    return gpd.GeoDataFrame({"kode": ["W", "E"], "nama": ["West", "East"], "kecamatan": ["K", "K"]},
                            geometry=[box(x0 - 500, y0 - 500, x0 + 5000, y0 + 500),
                                      box(x0 + 5000, y0 - 500, x0 + 10_500, y0 + 500)], crs=UTM_51S)


def _run(road: LineRoad, **kwargs: Any) -> Any:
    s_lon, s_lat = road.node_lonlat(0)
    inc = [road.node_lonlat(i) for i in range(11)]
    args = {"bands_min": (2.5, 4.5), "incidents_lon": [p[0] for p in inc], "incidents_lat": [p[1] for p in inc],
            "land_utm": land(road), "areas_utm": areas(road), "grid_m": 100.0}
    args.update(kwargs)
    return cov.coverage(road.graph, [s_lon], [s_lat], **args)


def test_known_service_areas_on_a_hand_made_graph(line_road: LineRoad) -> None:
    res = _run(line_road)
    assert res.model == "approximate"
    assert res.labels == ("0–2.5 min", "2.5–4.5 min", "> 4.5 min")
    # nodes 0–2 (≤ 150 s) own x < 2.5 km; nodes 3–4 (≤ 270 s) own 2.5–4.5 km; the rest is beyond
    assert list(res.stats["area_km2"].round(6)) == [3.0, 2.0, 6.0]
    assert res.land_area_km2 == pytest.approx(11.0)
    assert res.stats["area_share"].sum() == pytest.approx(1.0)
    # incidents at the nodes: 3 within 2.5 min, 2 within 4.5, 6 beyond (the one-way shortcut towards the
    # station must not count: travel is station -> incident)
    assert list(res.stats["incidents_n"]) == [3, 2, 6]
    assert list(res.incident_band) == [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2]
    assert res.incident_time_s[2] == pytest.approx(120.0, abs=0.5)
    assert np.isinf(res.incident_time_s[10])
    assert res.within(4.5) == {"area_share": pytest.approx(5 / 11), "incidents_share": pytest.approx(5 / 11)}


def test_band_polygons_cover_the_right_places(line_road: LineRoad) -> None:
    res = _run(line_road)
    x0, y0 = line_road.x0_m, line_road.y0_m
    band0, band1, beyond = (geom_to_utm(p) for p in res.polygons)
    assert band0.contains(Point(x0 + 1000, y0)) and band0.contains(Point(x0 + 2400, y0 + 300))
    assert band1.contains(Point(x0 + 3000, y0)) and not band1.contains(Point(x0 + 2000, y0))
    assert beyond.contains(Point(x0 + 8000, y0)) and res.uncovered.equals(res.polygons[-1])
    assert band0.intersection(band1).area == pytest.approx(0.0, abs=1e-3)


def test_per_area_shares_and_main_band(line_road: LineRoad) -> None:
    res = _run(line_road)
    table = res.kelurahan.set_index("kode")
    assert table.loc["W", "band_0"] == pytest.approx(3 / 5.5)
    assert table.loc["W", "band_1"] == pytest.approx(2 / 5.5)
    assert table.loc["W", "beyond"] == pytest.approx(0.5 / 5.5)
    assert table.loc["E", "beyond"] == pytest.approx(1.0)
    assert list(table["main_band"]) == [0, 2]
    assert list(res.stats["kelurahan_n"]) == [1, 0, 1]


def test_second_station_shrinks_the_uncovered_area(line_road: LineRoad) -> None:
    a, b = line_road.node_lonlat(0), line_road.node_lonlat(10)
    res = cov.coverage(line_road.graph, [a[0], b[0]], [a[1], b[1]], bands_min=(2.5,), land_utm=land(line_road),
                       areas_utm=areas(line_road))
    # each station covers 2.5 km of road-side land: [-0.5, 2.5] and [7.5, 10.5] km
    assert list(res.stats["area_km2"].round(6)) == [6.0, 5.0]


def test_station_off_the_network_is_refused(line_road: LineRoad) -> None:
    far_lon, far_lat = to_lonlat([line_road.x0_m + 5000], [line_road.y0_m + 5000])
    with pytest.raises(NoStationsError):
        cov.coverage(line_road.graph, far_lon, far_lat, land_utm=land(line_road), areas_utm=areas(line_road))
    with pytest.raises(NoStationsError):
        cov.coverage(line_road.graph, [], [], land_utm=land(line_road), areas_utm=areas(line_road))


@pytest.mark.parametrize("text, expected", [("4, 8, 15", (4.0, 8.0, 15.0)), ("5;10", (5.0, 10.0)), ([3], (3.0,))])
def test_parse_bands(text, expected) -> None:
    assert cov.parse_bands(text) == expected


@pytest.mark.parametrize("bad", ["", "8, 4", "a, b", "0, 4", "200", [1, 2, 3, 4, 5, 6, 7, 8, 9]])
def test_parse_bands_refuses_nonsense(bad) -> None:
    with pytest.raises(InvalidParameterError):
        cov.parse_bands(bad)


def test_band_index_edges_are_inclusive() -> None:
    t = np.array([0, 240, 240.01, 480, np.inf, np.nan])
    assert list(cov.band_index(t, (4, 8))) == [0, 0, 1, 1, 2, 2]


def test_kendari_coverage_uses_the_city_and_states_the_model(travel_graph) -> None:
    """The real travel graph (approximate unless a road graph is installed): shares add up."""
    from layers.geodata import facilities

    graph = travel_graph
    fire = [f for f in facilities() if f.category == "fire_post"]
    res = cov.coverage(graph, [f.lon for f in fire], [f.lat for f in fire], station_names=[f.name for f in fire])
    assert res.model == graph.model
    assert res.stats["area_share"].sum() == pytest.approx(1.0, abs=1e-6)
    assert len(res.kelurahan) == 64 and 200 < res.land_area_km2 < 300
    assert 0.05 < res.stats["area_share"].iloc[0] < 0.9
