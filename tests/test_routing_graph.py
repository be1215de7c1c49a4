"""Tests for routing/graph.py and routing/config.py: the compact graph, its file, the loader."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from routing._errors import GraphFormatError, RoutingConfigError
from routing._synthetic import road_like_graph
from routing.config import CONFIG_FILE, load_config, parse_config
from routing.graph import ROAD_GRAPH_FILE, TravelGraph, read_graph, save_graph
from routing.network import NetworkCache, load_network
from settings import GEO_DATA_DIR


def _tiny() -> TravelGraph:
    return TravelGraph.from_edges(
        model="road",
        lon=[122.50, 122.51, 122.52],
        lat=[-4.00, -4.00, -4.00],
        src=[0, 0, 1, 1, 2, 2],
        dst=[1, 1, 2, 1, 0, 1],
        time_s=[10.004, 7.0, 5.0, 3.0, 20.0, 4.0],
        length_m=[100.0, 120.0, 50.0, 1.0, 300.0, 60.0],
    )


def test_config_values_all_have_reasons() -> None:
    cfg = load_config()
    raw = json.loads((GEO_DATA_DIR / CONFIG_FILE).read_text())
    assert cfg.road_speeds_kmh["residential"] < cfg.road_speeds_kmh["primary"]
    assert "footway" not in cfg.road_speeds_kmh and "path" not in cfg.road_speeds_kmh
    assert cfg.connectors[0].name == "Jembatan Teluk Kendari"
    assert cfg.connectors[0].length_m == 1348
    assert all(len(reason) > 20 for reason in cfg.reasons.values())
    assert len(cfg.reasons) >= len(raw["road_speeds_kmh"]) - 1 + 6 + 6 + 5


def test_config_without_reason_is_refused() -> None:
    raw = json.loads((GEO_DATA_DIR / CONFIG_FILE).read_text())
    raw["approximate"]["speed_kmh"] = {"value": 35}
    with pytest.raises(RoutingConfigError, match="no documented reason"):
        parse_config(raw)
    raw = json.loads((GEO_DATA_DIR / CONFIG_FILE).read_text())
    raw["road_speeds_kmh"]["primary"]["value"] = -5
    with pytest.raises(RoutingConfigError, match="positive"):
        parse_config(raw)


def test_from_edges_keeps_fastest_parallel_edge_and_drops_loops() -> None:
    g = _tiny()
    assert g.n_nodes == 3
    assert g.n_edges == 4  # 0->1 (twice: fastest kept), 1->2, 2->0, 2->1; loop 1->1 dropped
    e01 = int(g.edge_ids([0], [1])[0])
    assert g.time_s[e01] == pytest.approx(7.0) and g.length_m[e01] == 120.0
    assert g.times[0, 1] == pytest.approx(7.0)
    assert g.times_rev[1, 0] == pytest.approx(7.0)  # reversed graph: the edge points back
    assert g.times_rev[1, 2] == pytest.approx(4.0)
    with pytest.raises(KeyError):
        g.edge_ids([1], [0])


def test_times_are_whole_centiseconds() -> None:
    g = road_like_graph(400, seed=3)
    cs = g.time_s / 0.01
    assert np.allclose(cs, np.rint(cs), atol=1e-6)
    assert (g.time_s > 0).all()


def test_graph_is_read_only() -> None:
    g = _tiny()
    with pytest.raises(ValueError):
        g.time_s[0] = 1.0
    with pytest.raises(ValueError):
        g.times.data[0] = 1.0
    with pytest.raises(AttributeError):
        g.model = "approximate"  # type: ignore[misc]


def test_save_and_read_round_trip_fast(tmp_path: Path) -> None:
    g = road_like_graph(50_000, seed=4)
    path = save_graph(g, tmp_path / "big.npz")
    started = time.perf_counter()
    back = read_graph(path)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"loading a 50k-node graph took {elapsed:.2f} s"
    assert back.model == "road" and back.n_nodes == g.n_nodes and back.n_edges == g.n_edges
    assert np.array_equal(back.indices, g.indices) and np.array_equal(back.time_s, g.time_s)
    assert np.allclose(back.length_m, g.length_m, atol=0.01)
    assert back.meta["seed"] == 4
    assert path.stat().st_size < 5e6


def test_read_graph_refuses_bad_files(tmp_path: Path) -> None:
    with pytest.raises(GraphFormatError, match="missing"):
        read_graph(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(GraphFormatError):
        read_graph(bad)


def test_load_graph_prefers_the_road_graph(tmp_path: Path) -> None:
    save_graph(road_like_graph(300, seed=1), tmp_path / ROAD_GRAPH_FILE)
    holder = NetworkCache(GEO_DATA_DIR, cache_dir=None)
    g = holder.get(roads_path=tmp_path / ROAD_GRAPH_FILE)
    assert g.model == "road"
    assert holder.get(roads_path=tmp_path / ROAD_GRAPH_FILE) is g  # cached: one graph per process


def test_load_graph_builds_and_caches_the_approximate_network(tmp_path: Path) -> None:
    g = load_network(GEO_DATA_DIR, cache_dir=tmp_path)
    assert g.model == "approximate"
    cached = list(tmp_path.glob("approximate-*.npz"))
    assert len(cached) == 1
    started = time.perf_counter()
    again = load_network(GEO_DATA_DIR, cache_dir=tmp_path)
    assert time.perf_counter() - started < 1.0
    assert again.n_nodes == g.n_nodes and np.array_equal(again.time_s, g.time_s)
    assert again.meta["connectors"][0]["name"] == "Jembatan Teluk Kendari"


def test_routing_imports_without_dash() -> None:
    import subprocess
    import sys

    code = "import sys, routing, routing.osm_import; assert 'dash' not in sys.modules, 'dash imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=GEO_DATA_DIR.parent, timeout=60)
