"""Tests for bench/_common.py (the results file) and a small run of the routing benchmark's parts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench._common import merge_results, percentiles_ms
from bench.bench_routing import _agree, _fleet, _latency
from routing._synthetic import road_like_graph


def test_merge_results_keeps_other_figures(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"map_first_paint_ms": 1700, "routing_x_ms": 1}))
    merged = merge_results({"routing_x_ms": 2.5, "routing_ok": True}, path=path)
    assert merged == {"map_first_paint_ms": 1700, "routing_x_ms": 2.5, "routing_ok": True}
    assert json.loads(path.read_text()) == merged
    path.write_text("{broken")
    assert merge_results({"a_ms": 1}, path=path) == {"a_ms": 1}
    assert not list(tmp_path.glob(".results.*"))  # no temp file left behind


def test_percentiles_are_in_milliseconds() -> None:
    assert percentiles_ms([0.001] * 99 + [0.5], (50, 100)) == [1.0, 500.0]


def test_rankings_agree_helper() -> None:
    same, diff = _agree({1: 10.0, 2: 20.0}, {1: 10.0 + 1e-9, 2: 20.0})
    assert same and diff < 1e-8
    assert _agree({1: 10.0, 2: 20.0}, {1: 30.0, 2: 20.0})[0] is False
    assert _agree({1: 10.0}, {2: 10.0})[0] is False


def test_latency_measurement_runs_on_a_small_graph() -> None:
    g = road_like_graph(900, seed=1)
    units, busy = _fleet(g, 3, None)
    incidents = [(float(g.lon[n]), float(g.lat[n])) for n in np.arange(0, g.n_nodes, 90)]
    fig = _latency(g, incidents, units, busy)
    assert fig["recommend_runs"] == len(incidents)
    assert 0 < fig["recommend_p50_ms"] <= fig["recommend_p99_ms"] <= fig["recommend_max_ms"]
