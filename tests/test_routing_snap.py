"""Tests for routing/snap.py: points in the bay, outside the city, on the shore, on an island."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers.geodata import kelurahan
from routing._errors import OffNetworkError, OutsideServiceAreaError
from routing._land import kendari_land, land_utm
from routing._proj import to_lonlat, to_utm
from routing._synthetic import road_like_graph
from routing.approximate import build_approximate_graph
from routing.config import load_config
from routing.graph import TravelGraph
from routing.snap import snap_many, snap_point

BAY = (122.5586, -3.9761)  # middle of Teluk Kendari, ~900 m from any shore
OUTSIDE = (122.30, -3.99)  # Konawe Selatan, 16 km west of the city boundary


@pytest.fixture(scope="module")
def approx() -> TravelGraph:
    return build_approximate_graph(load_config())


def test_point_in_the_bay_is_refused(approx: TravelGraph) -> None:
    with pytest.raises(OutsideServiceAreaError) as info:
        snap_point(approx, *BAY)
    assert 800 < info.value.distance_m < 1000
    assert "m from the city's land" in str(info.value)


def test_point_outside_the_city_is_refused(approx: TravelGraph) -> None:
    with pytest.raises(OutsideServiceAreaError) as info:
        snap_point(approx, *OUTSIDE)
    assert info.value.distance_m > 10_000


def test_point_just_off_the_shore_is_snapped_with_its_distance(approx: TravelGraph) -> None:
    a_lon, a_lat = approx.meta["connectors"][0]["a_lonlat"]
    b_lon, b_lat = approx.meta["connectors"][0]["b_lonlat"]
    (ax, bx), (ay, by) = to_utm([a_lon, b_lon], [a_lat, b_lat])
    frac = 100.0 / float(np.hypot(bx - ax, by - ay))  # 100 m from the Kandai shore into the bay
    lon, lat = to_lonlat([ax + (bx - ax) * frac], [ay + (by - ay) * frac])
    s = snap_point(approx, float(lon[0]), float(lat[0]))
    assert s.ok and s.distance_m > 100
    assert s.time_s == pytest.approx(s.distance_m * 1.35 / (35 / 3.6), rel=1e-6)


def test_far_point_is_not_given_an_infinite_number(approx: TravelGraph) -> None:
    # without the service-area test (units), a point in the bay is snapped with its distance stated
    snaps = snap_many(approx, [BAY[0], OUTSIDE[0]], [BAY[1], OUTSIDE[1]])
    assert snaps.ok.tolist() == [True, False]
    assert 800 < snaps.distance_m[0] < 1000 and snaps.time_s[0] > 60
    assert np.isfinite(snaps.distance_m).all() and snaps.time_s[1] == 0
    assert "more than 1000 m" in (snaps.reason[1] or "")
    with pytest.raises(OffNetworkError):
        snap_point(approx, *OUTSIDE, require_service_area=False)


def test_snap_legs_never_cross_water(approx: TravelGraph) -> None:
    land = kendari_land(service_buffer_m=250.0, water_tolerance_m=30.0)
    rng = np.random.default_rng(9)
    minx, miny, maxx, maxy = land_utm().bounds
    x = rng.uniform(minx, maxx, 3000)
    y = rng.uniform(miny, maxy, 3000)
    on_land = land.contains(x, y)
    x, y = x[on_land], y[on_land]
    lon, lat = to_lonlat(x, y)
    snaps = snap_many(approx, lon, lat)
    # a few points on thin spits in the bay have no lattice node within reach over land
    assert snaps.ok.mean() > 0.995
    assert all(r and ("across water" in r or "from the travel network" in r) for r in np.array(snaps.reason)[~snaps.ok])
    ok = snaps.ok
    legs = land.segments_on_land(x[ok], y[ok], approx.x_m[snaps.node[ok]], approx.y_m[snaps.node[ok]])
    assert legs.all()


def test_shore_point_facing_the_island_snaps_on_its_own_side(approx: TravelGraph) -> None:
    kel = kelurahan()
    island = kel[kel["nama"] == "Bungkutoko"].geometry.iloc[0].representative_point()
    s = snap_point(approx, island.x, island.y)
    assert approx.component is not None and approx.component[s.node] != 0
    # the mainland point nearest to the island: its nearest lattice node may be on the island,
    # but the leg would cross the strait, so it snaps to the mainland
    nambo_main = kel[kel["nama"] == "Petoaha"].geometry.iloc[0]
    island_utm = land_utm().geoms[int(np.argmin([g.area for g in land_utm().geoms]))]
    from routing._land import project

    shore_pt, _ = shapely.ops.nearest_points(project(nambo_main), island_utm)
    lon, lat = to_lonlat([shore_pt.x], [shore_pt.y])
    s2 = snap_point(approx, float(lon[0]), float(lat[0]))
    assert approx.component[s2.node] == 0


def test_graph_without_geography_snaps_without_land_checks() -> None:
    g = road_like_graph(400, seed=2)
    s = snap_point(g, float(g.lon[5]) + 0.0001, float(g.lat[5]))
    assert s.ok and s.node == 5 and 5 < s.distance_m < 20
    cfg = load_config()
    assert s.time_s == pytest.approx(s.distance_m / (cfg.off_network_speed_kmh / 3.6))
    far = snap_many(g, [float(g.lon[5]) + 0.1], [float(g.lat[5])])
    assert not far.ok[0] and "from the travel network" in (far.reason[0] or "")


def test_select_keeps_the_chosen_results(approx: TravelGraph) -> None:
    snaps = snap_many(approx, [BAY[0], OUTSIDE[0], 122.51], [BAY[1], OUTSIDE[1], -3.995])
    ok = snaps.select(snaps.ok)
    assert len(ok) == 2 and ok.ok.all() and list(ok.lon) == [BAY[0], 122.51]
    assert snaps.select([1]).reason[0] == snaps.reason[1]
