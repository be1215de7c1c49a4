"""Kendari geography on the approximate network (routing/approximate.py): land, bay and bridge."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon

from layers.geodata import kecamatan, kelurahan
from routing._land import land_utm, project
from routing.approximate import build_approximate_graph, place_connector
from routing.config import load_config
from routing.graph import TravelGraph
from routing.recommend import PlanItem, UnitPosition, recommend
from routing.travel import isochrones, route, travel_times_from

#: Within this much of the land polygon a route counts as on land (the connector ends are joined
#: to the lattice with the configured attach tolerance of 10 m).
ON_LAND_TOLERANCE_M = 10.0


def _kel_point(name: str) -> tuple[float, float]:
    kel = kelurahan()
    p = kel[kel["nama"] == name].geometry.iloc[0].representative_point()
    return (p.x, p.y)


def _kec_point(name: str) -> tuple[float, float]:
    kec = kecamatan()
    p = kec[kec["nama"] == name].geometry.iloc[0].representative_point()
    return (p.x, p.y)


@pytest.fixture(scope="module")
def approx() -> TravelGraph:
    return build_approximate_graph(load_config())


@pytest.fixture(scope="module")
def no_bridge() -> TravelGraph:
    return build_approximate_graph(load_config().without_connectors())


def _bridge_line(g: TravelGraph) -> LineString:
    a, b = g.meta["connectors"][0]["nodes"]
    return LineString([(g.x_m[a], g.y_m[a]), (g.x_m[b], g.y_m[b])])


def test_bridge_is_placed_where_the_shores_are_nearest(approx: TravelGraph) -> None:
    placement, a, b = place_connector(load_config().connectors[0])
    assert placement.a_kelurahan == "Kandai" and placement.b_kelurahan == "Lapulu"
    assert placement.gap_m == pytest.approx(534, abs=5)  # PROVENANCE.md: Lapulu-Kandai gap ~534 m
    assert placement.length_m == 1348
    # derived from the polygons: each end lies on its kelurahan's outline
    kel = kelurahan()
    for name, end in (("Kandai", a), ("Lapulu", b)):
        poly: Any = project(kel[kel["nama"] == name].geometry.iloc[0])
        assert poly.exterior.distance(end) < 1.0 if poly.geom_type == "Polygon" else poly.boundary.distance(end) < 1.0
    # and the gap between them is water
    mid = shapely.Point((a.x + b.x) / 2, (a.y + b.y) / 2)
    assert land_utm().distance(mid) > 200
    info = approx.meta["connectors"][0]
    ea, eb = info["nodes"]
    e = int(approx.edge_ids([ea], [eb])[0])
    assert approx.length_m[e] == 1348
    assert approx.time_s[e] == pytest.approx(1348 / (load_config().connectors[0].speed_kmh / 3.6), abs=0.01)


def test_lattice_edges_stay_on_land(approx: TravelGraph) -> None:
    first_connector_node = min(approx.meta["connectors"][0]["nodes"])
    lattice = (approx.edge_src < first_connector_node) & (approx.indices < first_connector_node)
    s, d = approx.edge_src[lattice], approx.indices[lattice]
    lines = shapely.linestrings(
        np.stack([np.column_stack([approx.x_m[s], approx.y_m[s]]),
                  np.column_stack([approx.x_m[d], approx.y_m[d]])], axis=1)
    )
    land = land_utm()
    shapely.prepare(land)
    assert shapely.covers(land, lines).all()
    assert lattice.sum() > 80_000


def test_nambo_island_is_its_own_piece(approx: TravelGraph) -> None:
    nambo = kecamatan().set_index("nama").loc["Nambo", "geometry"]
    assert isinstance(nambo, MultiPolygon) and len(nambo.geoms) == 2
    assert approx.component is not None
    sizes = np.bincount(approx.component)
    assert len(sizes) == 2 and sizes[1] > 50  # mainland + Pulau Bungkutoko
    island = _kel_point("Bungkutoko")
    r = recommend(
        approx, _kel_point("Kandai"), [PlanItem("ambulance", 1)],
        [UnitPosition(1, "AMB-BKT", "ambulance", "PSC119", "available", *island, "station"),
         UnitPosition(2, "AMB-KDI", "ambulance", "PSC119", "available", *_kel_point("Mata"), "station")],
    )
    by_id = {c.unit_id: c for c in r.candidates}
    assert not by_id[1].reachable and "separate land pieces" in (by_id[1].reason or "")
    assert by_id[1].eta_s is None
    assert by_id[2].reachable and r.plan[0].selected == (2,)


def test_kandai_reaches_lapulu_before_central_poasia(approx: TravelGraph) -> None:
    lapulu = _kel_point("Lapulu")
    plan = [PlanItem("fire_engine", 1)]
    units = [
        UnitPosition(1, "DMK-KANDAI", "fire_engine", "DAMKAR", "available", *_kel_point("Kandai"), "station"),
        UnitPosition(2, "DMK-POASIA", "fire_engine", "DAMKAR", "available", *_kec_point("Poasia"), "station"),
    ]
    r = recommend(approx, lapulu, plan, units)
    assert [c.unit_id for c in r.candidates] == [1, 2]
    assert r.plan[0].selected == (1,)
    kandai, poasia = r.candidates
    assert kandai.eta_s is not None and poasia.eta_s is not None and kandai.eta_s < poasia.eta_s
    assert 2 * 60 < kandai.eta_s < 8 * 60  # sources: 3-5 minutes shore to shore over the bridge
    assert r.routing_model == "approximate"


def test_the_bay_overrules_straight_line_distance(approx: TravelGraph) -> None:
    """Sanua (north shore) is nearer to Puday as the crow flies, Rahandouna is nearer by land."""
    puday, sanua, rahandouna = _kel_point("Puday"), _kel_point("Sanua"), _kel_point("Rahandouna")
    pts = project(shapely.MultiPoint([puday, sanua, rahandouna])).geoms  # type: ignore[attr-defined]
    assert pts[0].distance(pts[1]) < pts[0].distance(pts[2])
    units = [UnitPosition(1, "AMB-SANUA", "ambulance", "PSC119", "available", *sanua, "station"),
             UnitPosition(2, "AMB-RAHAN", "ambulance", "PSC119", "available", *rahandouna, "station")]
    r = recommend(approx, puday, [PlanItem("ambulance", 1)], units)
    assert [c.unit_id for c in r.candidates] == [2, 1]


def test_without_the_bridge_the_trip_takes_more_than_twice_as_long(approx: TravelGraph, no_bridge: TravelGraph) -> None:
    kandai, lapulu = _kel_point("Kandai"), _kel_point("Lapulu")
    with_bridge = route(approx, kandai, lapulu)
    around = route(no_bridge, kandai, lapulu)
    assert around.eta_s > 2 * with_bridge.eta_s
    assert 25 * 60 < around.eta_s < 45 * 60  # sources: ~20 km and 30-40 minutes around the bay
    assert 15_000 < around.distance_m < 25_000
    a, b = approx.meta["connectors"][0]["nodes"]
    assert a in with_bridge.nodes and b in with_bridge.nodes
    assert no_bridge.meta["connectors"] == []


def test_no_route_crosses_open_water(approx: TravelGraph) -> None:
    land = land_utm().buffer(ON_LAND_TOLERANCE_M)
    bridge = _bridge_line(approx).buffer(1.0)
    mainland = np.flatnonzero(approx.component == 0)
    rng = np.random.default_rng(8)
    crossings = 0
    pairs: list[Any] = [(_kel_point("Kandai"), _kel_point("Lapulu")), (_kel_point("Mata"), _kel_point("Talia"))]
    pairs += [tuple((float(approx.lon[n]), float(approx.lat[n])) for n in rng.choice(mainland, 2)) for _ in range(25)]
    for origin, dest in pairs:
        r = route(approx, origin, dest)
        line = project(r.geometry)
        off_bridge = line.difference(bridge)
        assert land.covers(off_bridge), f"route {origin} -> {dest} leaves the land"
        crossings += line.intersects(bridge)
    assert crossings >= 2  # the bay routes do use the bridge


def test_isochrones_cross_the_bay_only_by_the_bridge(approx: TravelGraph, no_bridge: TravelGraph) -> None:
    lapulu = shapely.Point(*_kel_point("Lapulu"))
    for graph, expected in ((approx, True), (no_bridge, False)):
        from routing.snap import snap_many

        start = snap_many(graph, [_kel_point("Kandai")[0]], [_kel_point("Kandai")[1]])
        (minutes, area), = isochrones(graph, start, [8])
        assert minutes == 8.0
        assert area.covers(lapulu) is expected
        assert project(area).difference(land_utm().buffer(1.0)).area < 1.0  # clipped to land


def test_travel_times_from_several_stations(approx: TravelGraph) -> None:
    from routing.snap import snap_many

    stations = [_kel_point("Kandai"), _kec_point("Poasia"), _kel_point("Labibia")]
    snaps = snap_many(approx, [p[0] for p in stations], [p[1] for p in stations])
    tt = travel_times_from(approx, snaps)
    mainland = approx.component == 0
    assert tt.reached[mainland].all() and not tt.reached[~mainland].any()
    assert set(np.unique(tt.nearest_source[mainland]).tolist()) == {0, 1, 2}
    assert np.nanmax(np.where(tt.reached, tt.time_s, np.nan)) < 40 * 60
