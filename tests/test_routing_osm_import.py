"""Tests for routing/osm_import.py on hand-written OSM XML (tests/input_data/kendari_small.osm)."""

from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np
import pytest

from routing._errors import OSMImportError
from routing.config import load_config
from routing.graph import TravelGraph, read_graph
from routing.osm_import import (
    ImportReport,
    build_road_graph,
    is_drivable,
    main,
    oneway_direction,
    parse_maxspeed,
)

FIXTURE = Path(__file__).parent / "input_data" / "kendari_small.osm"
# fixture node coordinates (lon, lat) by OSM id
OSM_NODES = {
    1: (122.5100, -3.9950), 2: (122.5118, -3.9950), 3: (122.5136, -3.9950), 4: (122.5154, -3.9950),
    5: (122.5100, -3.9932), 6: (122.5118, -3.9932), 7: (122.5136, -3.9932), 8: (122.5118, -3.9914),
    9: (122.5118, -3.9896), 10: (122.5118, -3.9878), 11: (122.5136, -3.9878), 12: (122.5127, -3.9865),
    13: (122.5172, -3.9950), 14: (122.5127, -3.9952), 20: (122.3000, -3.9900), 21: (122.3018, -3.9900),
    22: (122.5154, -3.9968), 23: (122.5082, -3.9932), 24: (122.5100, -3.9968),
}


def _node(g: TravelGraph, osm_id: int) -> int | None:
    lon, lat = OSM_NODES[osm_id]
    hit = np.flatnonzero((np.abs(g.lon - lon) < 1e-9) & (np.abs(g.lat - lat) < 1e-9))
    return int(hit[0]) if hit.size else None


def _edge(g: TravelGraph, a: int, b: int) -> int | None:
    u, v = _node(g, a), _node(g, b)
    assert u is not None and v is not None
    try:
        return int(g.edge_ids([u], [v])[0])
    except KeyError:
        return None


@pytest.fixture(scope="module")
def small() -> tuple[TravelGraph, ImportReport]:
    """The fixture imported with long edges allowed (junction nodes only)."""
    return build_road_graph(FIXTURE, config=load_config().with_overrides(max_edge_m=1000))


def test_parse_maxspeed() -> None:
    assert parse_maxspeed("40") == 40.0
    assert parse_maxspeed("40 km/h") == 40.0
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("ID:urban") == 50.0
    assert parse_maxspeed("id:rural") == 80.0
    assert parse_maxspeed("50;40") == 40.0
    assert parse_maxspeed("walk") == 6.0
    for bad in (None, "", "none", "signals", "fast", "0", "-10"):
        assert parse_maxspeed(bad) is None


def test_oneway_direction() -> None:
    assert oneway_direction({"oneway": "yes"}) == 1
    assert oneway_direction({"oneway": "true"}) == 1
    assert oneway_direction({"oneway": "1"}) == 1
    assert oneway_direction({"oneway": "-1"}) == -1
    assert oneway_direction({"oneway": "no"}) == 0
    assert oneway_direction({}) == 0
    assert oneway_direction({"junction": "roundabout"}) == 1
    assert oneway_direction({"junction": "roundabout", "oneway": "no"}) == 0
    assert oneway_direction({"highway": "motorway"}) == 1
    assert oneway_direction({"oneway": "yes", "oneway:emergency": "no"}) == 0


def test_is_drivable() -> None:
    cfg = load_config()
    assert is_drivable({"highway": "residential"}, cfg)
    assert not is_drivable({"highway": "footway"}, cfg)
    assert not is_drivable({"highway": "path"}, cfg)
    assert not is_drivable({"highway": "construction"}, cfg)
    assert not is_drivable({"highway": "residential", "access": "private"}, cfg)
    assert is_drivable({"highway": "service", "access": "private", "emergency": "yes"}, cfg)
    assert not is_drivable({"highway": "service", "service": "parking_aisle"}, cfg)
    assert not is_drivable({"highway": "residential", "motor_vehicle": "no"}, cfg)


def test_import_keeps_the_drivable_strongly_connected_block(small: tuple[TravelGraph, ImportReport]) -> None:
    g, report = small
    kept = {osm for osm in OSM_NODES if _node(g, osm) is not None}
    # junctions of the block and the emergency gate; 14 is only a shape node (inside edge 2-3)
    assert kept == {1, 2, 3, 4, 5, 6, 7, 24}
    assert g.model == "road" and g.n_nodes == 8
    assert report.dropped_component_nodes == 2  # the one-way dead end 13 and the loop's node 10
    assert report.dropped_outside_nodes >= 2  # the far-away road 20-21
    assert report.components >= 3


def test_one_way_streets(small: tuple[TravelGraph, ImportReport]) -> None:
    g, _ = small
    assert _edge(g, 2, 6) is not None and _edge(g, 6, 2) is None  # oneway=yes
    assert _edge(g, 7, 3) is not None and _edge(g, 3, 7) is None  # oneway=-1
    assert _edge(g, 1, 2) is not None and _edge(g, 2, 1) is not None  # two-way primary


def test_speeds_from_maxspeed_and_class_defaults(small: tuple[TravelGraph, ImportReport]) -> None:
    g, _ = small
    cfg = load_config()

    def kmh(a: int, b: int) -> float:
        e = _edge(g, a, b)
        assert e is not None
        return float(g.length_m[e] / g.time_s[e] * 3.6)

    assert kmh(1, 2) == pytest.approx(50 * cfg.maxspeed_factor, rel=1e-3)  # maxspeed=50
    assert kmh(5, 6) == pytest.approx(cfg.road_speeds_kmh["residential"], rel=1e-3)  # no maxspeed
    assert kmh(1, 5) == pytest.approx(30 * 1.609344 * cfg.maxspeed_factor, rel=1e-3)  # "30 mph"
    assert kmh(1, 24) == pytest.approx(cfg.road_speeds_kmh["service"], rel=1e-3)
    e = _edge(g, 1, 2)
    assert e is not None and g.length_m[e] == pytest.approx(199.7, abs=1.0)


def test_footway_and_excluded_ways_carry_no_edge(small: tuple[TravelGraph, ImportReport]) -> None:
    g, _ = small
    for osm in (8, 9, 22, 23, 20, 21, 11, 12):
        assert _node(g, osm) is None, osm


def test_edge_shape_keeps_intermediate_nodes(small: tuple[TravelGraph, ImportReport]) -> None:
    g, _ = small
    u, v = _node(g, 2), _node(g, 3)
    assert u is not None and v is not None
    coords = g.path_lonlat([u, v])
    assert coords.shape == (3, 2)
    assert tuple(coords[1]) == pytest.approx(OSM_NODES[14])
    back = g.path_lonlat([v, u])
    assert tuple(back[1]) == pytest.approx(OSM_NODES[14])


def test_default_max_edge_length_splits_long_roads() -> None:
    g, _ = build_road_graph(FIXTURE)
    assert _node(g, 14) is not None  # 2-14 is ~102 m >= max_edge_m
    assert g.n_nodes == 9


def test_weak_component_rule_keeps_the_one_way_dead_end() -> None:
    cfg = load_config().with_overrides(max_edge_m=1000, component="weak")
    g, report = build_road_graph(FIXTURE, config=cfg)
    assert _node(g, 13) is not None and _node(g, 10) is None
    assert report.component_rule == "weak"


def test_compressed_extract_reads_the_same(tmp_path: Path, small: tuple[TravelGraph, ImportReport]) -> None:
    packed = tmp_path / "kendari_small.osm.bz2"
    packed.write_bytes(bz2.compress(FIXTURE.read_bytes()))
    g, _ = build_road_graph(packed, config=load_config().with_overrides(max_edge_m=1000))
    ref, _ = small
    assert g.n_nodes == ref.n_nodes and np.array_equal(g.time_s, ref.time_s)


def test_pbf_and_non_osm_files_are_refused(tmp_path: Path) -> None:
    pbf = tmp_path / "sulawesi.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0dOSMHeader")
    with pytest.raises(OSMImportError, match="osmium"):
        build_road_graph(pbf)
    other = tmp_path / "other.osm"
    other.write_text("<?xml version='1.0'?><gpx><trk/></gpx>")
    with pytest.raises(OSMImportError, match="not an OSM XML"):
        build_road_graph(other)
    empty = tmp_path / "empty.osm"
    empty.write_text("<?xml version='1.0'?><osm version='0.6'><node id='1' lat='-3.99' lon='122.51'/></osm>")
    with pytest.raises(OSMImportError, match="no drivable road"):
        build_road_graph(empty)


def test_command_line_writes_a_loadable_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "roads.npz"
    assert main([str(FIXTURE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "drivable" in printed and "strongly connected" in printed
    g = read_graph(out)
    assert g.model == "road" and g.area == "kendari" and g.n_nodes == 9
    assert "OpenStreetMap" in g.source
    assert main([str(tmp_path / "missing.osm"), "--out", str(out)]) == 2
