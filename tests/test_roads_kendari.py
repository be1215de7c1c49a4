"""Kendari on an imported road layer without the bay bridge, and on the approximate network.

The layer is RBI-like (generated): streets on land only, no bridge over Teluk Kendari, line ends
that miss by 0.4 m and 1 m, Pulau Bungkutoko's streets joined to nothing. The bridge comes from
the network corrections (``routing.json``); every answer must say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from layers.geodata import kecamatan, kelurahan
from routing._errors import OffNetworkError, OutsideServiceAreaError
from routing._land import kendari_land, land_utm, project
from routing._proj import to_lonlat, to_utm
from routing._synthetic import kendari_road_layer, write_layer
from routing.config import load_config
from routing.corrections import Connector
from routing.graph import TravelGraph
from routing.import_roads import import_roads, write_import
from routing.network import load_network
from routing.recommend import PlanItem, UnitPosition, recommend
from routing.snap import snap_many, snap_point
from routing.travel import route, travel_times_from

#: A ferry across the ~53 m strait between the Nambo mainland (Petoaha) and Pulau Bungkutoko.
BUNGKUTOKO_FERRY = Connector(kind="ferry", a=(122.609923, -3.992972), b=(122.610625, -3.992506), length_m=100.0,
                             crossing_s=300.0, waiting_s=600.0, name="Penyeberangan Bungkutoko (test)",
                             source="test")


def _kel_point(name: str) -> tuple[float, float]:
    kel = kelurahan()
    p = kel[kel["nama"] == name].geometry.iloc[0].representative_point()
    return (p.x, p.y)


def _kec_point(name: str) -> tuple[float, float]:
    kec = kecamatan()
    p = kec[kec["nama"] == name].geometry.iloc[0].representative_point()
    return (p.x, p.y)


@pytest.fixture(scope="module")
def roads_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rbi")
    path = out / "JALAN_LN_25K.gpkg"
    write_layer(kendari_road_layer(250.0, seed=7), path)
    result = import_roads(path, source="generated RBI-like layer", licence="test data")
    return write_import(result, out / "roads")["network"]


@pytest.fixture(scope="module")
def road(roads_file: Path) -> TravelGraph:
    return load_network(roads_path=roads_file, cache_dir=None)


@pytest.fixture(scope="module")
def approx() -> TravelGraph:
    return load_network(cache_dir=None)


@pytest.fixture(scope="module", params=["road", "approx"])
def both(request: pytest.FixtureRequest, road: TravelGraph, approx: TravelGraph) -> TravelGraph:
    return road if request.param == "road" else approx


def test_kandai_beats_central_poasia_to_lapulu_over_the_corrected_bridge(road: TravelGraph) -> None:
    units = [
        UnitPosition(1, "AMB-KANDAI", "ambulance", "PSC119", "available", *_kel_point("Kandai"), "station"),
        UnitPosition(2, "AMB-POASIA", "ambulance", "PSC119", "available", *_kec_point("Poasia"), "station"),
    ]
    rec = recommend(road, _kel_point("Lapulu"), [PlanItem("ambulance", 1)], units)
    assert rec.plan[0].selected == (1,)
    kandai, poasia = rec.candidates
    assert kandai.eta_s is not None and poasia.eta_s is not None
    assert kandai.eta_s < 8 * 60 < poasia.eta_s
    data = rec.to_dict()
    used = data["candidates"][0]["corrections_used"]
    assert [u["name"] for u in used] == ["Jembatan Teluk Kendari"] and used[0]["kind"] == "bridge"
    assert any("Jembatan Teluk Kendari" in n and "corrections" in n for n in data["notes"])
    assert data["network"]["source"] == "generated RBI-like layer" and data["network"]["licence"] == "test data"
    bridge = next(c for c in data["corrections"] if c["name"] == "Jembatan Teluk Kendari")
    assert bridge["origin"] == "shipped"
    # the keys other code reads are all still there
    for key in ("incident_id", "routing", "routing_source", "incident", "complete", "plan", "candidates",
                "unfilled", "substitutes", "notes"):
        assert key in data
    assert {"off_road_m", "snap", "corrections", "network", "access"} <= set(data)


def test_without_the_correction_the_bay_is_crossed_the_long_way(roads_file: Path) -> None:
    bare = load_network(roads_path=roads_file, cache_dir=None,
                        config=load_config().without_connectors())
    trip = route(bare, _kel_point("Kandai"), _kel_point("Lapulu"))
    assert trip.eta_s > 15 * 60  # around the bay


def test_a_network_that_already_has_the_bridge_does_not_get_it_twice(road: TravelGraph) -> None:
    """Load the corrected network again: the bridge is there, so the shipped connector is skipped."""
    from routing.corrections import apply_connectors, shipped_connectors

    (bridge, _), = shipped_connectors()
    again = apply_connectors(road, [bridge])
    last = again.meta["corrections"][-1]
    assert last["applied"] is False and "already crosses" in last["note"]
    assert again.n_nodes == road.n_nodes


def test_every_kelurahan_centre_gets_an_eta(both: TravelGraph) -> None:
    kel = kelurahan()
    station = UnitPosition(1, "AMB", "ambulance", "PSC119", "available", *_kec_point("Kadia"), "station")
    island = kel[kel["nama"] == "Bungkutoko"].geometry.iloc[0]
    for name, geom in zip(kel["nama"], kel.geometry):
        p = geom.representative_point()
        rec = recommend(both, (p.x, p.y), [PlanItem("ambulance", 1)], [station])
        if island.contains(p):
            assert rec.access == "boat_only", name
            continue
        (c,) = rec.candidates
        assert c.reachable and c.eta_s is not None and 0 < c.eta_s < 60 * 60, name


def test_every_land_point_gets_an_eta(both: TravelGraph) -> None:
    land = land_utm()
    minx, miny, maxx, maxy = land.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 1500.0), np.arange(miny, maxy, 1500.0))
    inside = shapely.contains_xy(land, gx.ravel(), gy.ravel())
    lon, lat = to_lonlat(gx.ravel()[inside], gy.ravel()[inside])
    assert lon.size > 80
    kel = kelurahan()
    island = project(kel[kel["nama"] == "Bungkutoko"].geometry.iloc[0]).buffer(50)
    station = UnitPosition(1, "AMB", "ambulance", "PSC119", "available", *_kec_point("Kadia"), "station")
    off_road = 0
    for x, y in zip(lon.tolist(), lat.tolist()):
        rec = recommend(both, (x, y), [PlanItem("ambulance", 1)], [station])
        ux, uy = to_utm([x], [y])
        if rec.access == "boat_only":
            assert island.contains(shapely.Point(ux[0], uy[0]))
            continue
        (c,) = rec.candidates
        assert c.reachable and c.eta_s is not None and c.eta_s < 90 * 60
        off_road += rec.incident.kind == "off_road"
    if both.model == "road":  # the 250 m street grid misses some hillsides and spits
        assert off_road >= 0


def test_a_point_far_from_any_road_gets_an_off_road_leg_not_a_refusal(roads_file: Path) -> None:
    sparse = load_network(roads_path=roads_file, cache_dir=None)
    # the middle of a land area where the layer has no road: a point ~1.2 km from the nearest node
    tree = sparse.routable_tree[0]
    land = land_utm()
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = land.bounds
    xs, ys = rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)
    on = shapely.contains_xy(land, xs, ys)
    d, _ = tree.query(np.column_stack([xs[on], ys[on]]))
    far = np.flatnonzero(d > 1000.0)
    if far.size == 0:
        pytest.skip("the generated layer reaches every land point within 1 km")
    k = far[0]
    lon, lat = to_lonlat([xs[on][k]], [ys[on][k]])
    s = snap_point(sparse, float(lon[0]), float(lat[0]))
    assert s.ok and s.kind == "off_road" and s.off_road_m > 1000
    assert "off-road" in (s.reason or "")
    cfg = load_config()
    assert s.leg_time_s == pytest.approx(s.distance_m / (cfg.off_road_speed_kmh / 3.6), rel=1e-6)


def _bay_water_points() -> tuple[np.ndarray, np.ndarray]:
    """Points in the water of Teluk Kendari within 20-240 m of the shore, every ~60 m."""
    land = land_utm()
    x0, y0 = to_utm([122.50, 122.63], [-4.02, -3.95])
    mx, my = np.meshgrid(np.arange(x0[0], x0[1], 60.0), np.arange(y0[0], y0[1], 60.0))
    gx, gy = mx.ravel(), my.ravel()
    water = ~shapely.contains_xy(land, gx, gy)
    d = shapely.distance(land, shapely.points(gx[water], gy[water]))
    near = (d > 20) & (d < 240)
    return gx[water][near], gy[water][near]


def test_no_water_point_along_the_bay_shore_snaps_across_the_bay(both: TravelGraph) -> None:
    x, y = _bay_water_points()
    assert x.size > 500
    lon, lat = to_lonlat(x, y)
    snaps = snap_many(both, lon, lat)
    land = kendari_land(service_buffer_m=250.0, water_tolerance_m=30.0)
    shore = land_utm()
    assert snaps.start_lon is not None and snaps.start_lat is not None
    start_x, start_y = to_utm(snaps.start_lon, snaps.start_lat)
    # land without a road: Pulau Bungkutoko, and islets joined to the mainland by a sliver of
    # outline only metres wide (the solid land drops slivers): boat only on the road network
    parts: Any = np.array(list(land.solid.geoms), dtype=object)  # type: ignore[attr-defined]
    routable = np.flatnonzero(both.routable)
    roadless = np.array([not shapely.contains_xy(part, both.x_m[routable], both.y_m[routable]).any()
                         for part in parts])
    start_part = shapely.STRtree(parts).query_nearest(shapely.points(start_x, start_y), all_matches=False)[1]
    codes = np.array(snaps.reason_code, dtype=object)
    assert (snaps.ok | (roadless[start_part] & (codes == "boat_only"))).all()
    assert snaps.ok.mean() > 0.7
    ok = snaps.ok
    assert snaps.moved_m is not None and (snaps.moved_m[ok] > 0).all()
    # each point was moved to land on its own shore (never hundreds of metres across the water) ...
    d_land = shapely.distance(shore, shapely.points(x, y))
    d_solid = shapely.distance(land.solid, shapely.points(x, y))
    assert np.all(snaps.moved_m[ok] >= d_land[ok] - 1.0)
    assert np.allclose(snaps.moved_m[ok], d_solid[ok] + 1.0, atol=0.5)  # to the nearest solid land, 1 m inside
    sx, sy = start_x[ok], start_y[ok]
    assert land.contains(sx, sy).mean() > 0.99
    # ... and the leg from there to the network stays on land
    assert snaps.join_lon is not None and snaps.join_lat is not None
    jx, jy = to_utm(snaps.join_lon[ok], snaps.join_lat[ok])
    kinds = np.array(snaps.kind, dtype=object)[ok]
    straight = kinds != "off_road"
    legs = land.segments_on_land(sx[straight], sy[straight], jx[straight], jy[straight])
    assert legs.all(), f"{(~legs).sum()} snaps leave the land"
    # and as incidents: each is accepted (within 250 m of the shore) and routed from its own shore
    for k in np.flatnonzero(ok)[:: max(1, int(ok.sum()) // 25)].tolist():
        s = snap_point(both, float(lon[k]), float(lat[k]))
        assert s.ok and s.moved_m > 0


def test_open_water_and_outside_the_city_are_refused_with_a_reason_code(both: TravelGraph) -> None:
    with pytest.raises(OutsideServiceAreaError) as bay:
        recommend(both, (122.5586, -3.9761), [PlanItem("ambulance", 1)], [])
    assert bay.value.reason_code == "open_water" and bay.value.code == "outside_service_area"
    with pytest.raises(OutsideServiceAreaError) as far:
        recommend(both, (122.20, -3.99), [PlanItem("ambulance", 1)], [])
    assert far.value.reason_code == "outside_service_area"


def test_bungkutoko_is_reachable_by_boat_only_unless_a_ferry_is_configured(
        both: TravelGraph, roads_file: Path) -> None:
    island = _kel_point("Bungkutoko")
    units = [UnitPosition(1, "AMB-NAMBO", "ambulance", "PSC119", "available", *_kel_point("Petoaha"), "station")]
    rec = recommend(both, island, [PlanItem("ambulance", 1)], units)
    assert rec.access == "boat_only"
    data = rec.to_dict()
    assert data["access"] == "boat_only" and any("boat only" in n for n in data["notes"])
    (c,) = data["candidates"]
    assert not c["reachable"] and c["reason_code"] in ("boat_only", "separate_land")
    with_ferry = load_network(roads_path=roads_file if both.model == "road" else None, cache_dir=None,
                              corrections=[BUNGKUTOKO_FERRY])
    ferry_entry = with_ferry.meta["corrections"][-1]
    assert ferry_entry["name"] == BUNGKUTOKO_FERRY.name and ferry_entry["applied"]
    rec2 = recommend(with_ferry, island, [PlanItem("ambulance", 1)], units)
    assert rec2.access == "road"
    (c2,) = rec2.candidates
    assert c2.reachable and c2.eta_s is not None and c2.eta_s > BUNGKUTOKO_FERRY.time_s
    assert [u["name"] for u in c2.corrections or ()] == [BUNGKUTOKO_FERRY.name]


def test_a_point_beside_a_road_joins_it_where_it_is() -> None:
    """A point beside the middle of a long block: joined to the segment, with partial edge costs."""
    from routing._synthetic import road_like_graph

    g = road_like_graph(900, seed=4, spacing_m=200.0)
    index = g.segments
    mids = shapely.line_interpolate_point(index.lines, 0.5, normalized=True)
    d, _ = g.kdtree.query(np.column_stack([shapely.get_x(mids), shapely.get_y(mids)]))
    e = int(np.argmax(d))  # the block whose middle lies farthest from any node
    assert d[e] > 60
    line = index.lines[e]
    mid = mids[e]
    a, b = np.asarray(line.coords)[0], np.asarray(line.coords)[-1]
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
    lon, lat = to_lonlat([mid.x + normal[0] * 5], [mid.y + normal[1] * 5])
    s = snap_point(g, float(lon[0]), float(lat[0]))
    assert s.kind == "segment" and s.distance_m == pytest.approx(5.0, abs=0.5)
    assert {s.node, s.node_b} == {int(index.a[e]), int(index.b[e])} and 0.4 < s.fraction <= 0.5
    ways = {n: t for n, t, _ in s.outbound(g)}
    edge_t = float(g.time_s[s.edge_fwd if s.edge_fwd >= 0 else s.edge_bwd])
    if s.edge_fwd >= 0 and s.edge_bwd >= 0:  # two-way: half the edge either way, plus the leg
        assert set(ways) == {s.node, s.node_b}
        assert sum(ways.values()) == pytest.approx(edge_t + 2 * s.leg_time_s, rel=1e-6)
    # a route from there to a far node starts along the segment, not with a 60 m jump to a node
    far = int(np.argmax(np.hypot(g.x_m - mid.x, g.y_m - mid.y)))
    r = route(g, s, far)
    assert r.geometry.coords[0] == pytest.approx((float(lon[0]), float(lat[0])))
    edge_m = float(g.length_m[s.edge_fwd if s.edge_fwd >= 0 else s.edge_bwd])
    assert g.path_length_m(r.nodes) + 5 < r.distance_m <= g.path_length_m(r.nodes) + edge_m + 5.5
    assert r.eta_s == pytest.approx(travel_times_from(g, [s]).time_s[far], abs=0.02)


def test_incident_cannot_be_joined_to_a_graph_without_geography_far_away() -> None:
    from routing._synthetic import road_like_graph

    g = road_like_graph(400, seed=2)
    with pytest.raises(OffNetworkError) as info:
        snap_point(g, float(g.lon[0]) + 0.2, float(g.lat[0]))
    assert info.value.reason_code == "off_network"
