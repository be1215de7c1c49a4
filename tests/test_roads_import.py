"""Importing road layers of every format (routing/import_roads.py): same network, repair, report, metadata."""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import numpy as np
import pytest

from routing._errors import RoadImportError, RoutingConfigError
from routing._synthetic import RoadLayer, kendari_road_layer, write_layer, write_osm
from routing.graph import ROAD_GRAPH_FILE, read_graph
from routing.import_roads import import_roads, main, read_sidecar, write_import
from routing.network import installed_roads
from routing.osm_import import DEFAULT_RULES
from routing.road_classes import CLASSES_DIR, UNKNOWN_SOURCE, default_mapping, parse_mapping, read_mapping

LAYER_FORMATS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "geojson": "GeoJSON", "kml": "KML", "fgb": "FlatGeobuf"}


@pytest.fixture(scope="module")
def layer() -> RoadLayer:
    """A coarse RBI-like Kendari layer (400 m streets), with ends that miss by 0.4 m and 1 m."""
    return kendari_road_layer(400.0, seed=3)


@pytest.fixture(scope="module")
def files(layer: RoadLayer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("layers")
    paths = {}
    for ext, driver in LAYER_FORMATS.items():
        path = out / f"jalan_ln_25k.{ext}"
        write_layer(layer, path, driver=driver)
        paths[ext] = path
    write_osm(layer, out / "jalan.osm.pbf")
    write_osm(layer, out / "jalan.osm")
    paths["pbf"] = out / "jalan.osm.pbf"
    packed = out / "jalan.osm.gz"
    packed.write_bytes(gzip.compress((out / "jalan.osm").read_bytes()))
    paths["osm.gz"] = packed
    return paths


def test_every_format_gives_the_same_network(files: dict[str, Path]) -> None:
    results = {name: import_roads(path) for name, path in files.items()}
    ref = results["gpkg"]
    assert ref.graph.model == "road" and ref.graph.area == "kendari" and ref.graph.n_nodes > 1000
    for name, result in results.items():
        g = result.graph
        if name in LAYER_FORMATS:  # the same coordinates: the same network
            assert g.n_nodes == ref.graph.n_nodes, name
            assert g.n_edges == ref.graph.n_edges, name
        else:  # OSM stores coordinates to 1e-7 degrees (~1 cm): a block may split once more or less
            assert abs(g.n_nodes - ref.graph.n_nodes) <= 0.001 * ref.graph.n_nodes, name
        assert result.report.summary()["joined_node_to_node"] == ref.report.summary()["joined_node_to_node"], name
        assert abs(result.report.kept_length_m - ref.report.kept_length_m) < 20.0, name
    # speeds per class come from the mappings: OSM primary and RBI Jalan Arteri are both 45 km/h
    for name in ("pbf", "gpkg"):
        g = results[name].graph
        kmh = g.length_m / g.time_s * 3.6
        assert 44.0 < float(np.max(kmh[g.edge_class != g.road_classes.index("connector_link")]
                                   if "connector_link" in g.road_classes else kmh)) < 46.0, name
    assert set(results["pbf"].report.class_counts) == {"primary", "secondary", "residential", "unclassified",
                                                       "track"}
    assert set(ref.report.class_counts) == {"Jalan Arteri", "Jalan Kolektor", "Jalan Lokal", "Jalan Lain",
                                            "Jalan Setapak"}
    assert set(ref.graph.road_classes) >= {"arterial", "collector", "local"}


def test_source_and_licence_default_per_format_and_come_from_the_user(files: dict[str, Path]) -> None:
    osm = import_roads(files["pbf"])
    assert osm.network["source"] == "OpenStreetMap contributors" and "ODbL" in osm.network["licence"]
    assert osm.network["format"] == "osm.pbf"
    rbi = import_roads(files["shp"])
    assert rbi.network["source"] == UNKNOWN_SOURCE and rbi.network["licence"] == UNKNOWN_SOURCE
    own = import_roads(files["gpkg"], source="BIG, RBI 1:25.000 JALAN_LN_25K", licence="CC BY 4.0")
    assert own.graph.network_info["source"] == "BIG, RBI 1:25.000 JALAN_LN_25K"
    assert own.graph.network_info["licence"] == "CC BY 4.0"
    assert "BIG" in own.graph.source and "OpenStreetMap" not in own.graph.source


def test_line_ends_that_miss_are_joined(files: dict[str, Path], layer: RoadLayer) -> None:
    repaired = import_roads(files["gpkg"])
    raw = import_roads(files["gpkg"], join_tolerance_m=0)
    s = repaired.report.summary()
    assert s["joined_node_to_node"] >= len(layer.gaps) - 2  # 0.4 m gaps (a couple may sit on dropped pieces)
    assert s["joined_node_to_segment"] >= 3  # side streets ending 1 m short of a block's middle
    assert raw.report.summary()["joined_node_to_node"] == 0
    assert repaired.report.kept_length_m > raw.report.kept_length_m  # side streets 1 m short are kept now


def test_two_pieces_of_an_arterial_0_4_m_apart_are_joined_or_reported(tmp_path: Path) -> None:
    """A block of streets and an arterial whose second piece starts 0.4 m from the first one's end."""
    from routing._proj import to_lonlat, to_utm

    x0, y0 = to_utm([122.515], [-3.975])  # Mandonga
    x, y = float(x0[0]), float(y0[0])
    block = [((0, 0), (300, 0)), ((300, 0), (300, 300)), ((300, 300), (0, 300)), ((0, 300), (0, 0))]
    lines_xy = [np.array(seg, dtype=float) for seg in block]
    lines_xy.append(np.array([(300.4, 0.0), (700.0, 0.0), (1100.0, 0.0)]))  # the arterial's second piece
    coords = tuple(np.column_stack(to_lonlat(ln[:, 0] + x, ln[:, 1] + y)) for ln in lines_xy)
    layer = RoadLayer(coords=coords, remark=("Jalan Arteri",) * 5)
    path = tmp_path / "arteri.shp"
    write_layer(layer, path, driver="ESRI Shapefile")
    raw = import_roads(path, join_tolerance_m=0, area="")
    (piece,) = raw.report.dropped
    assert piece["properties"]["length_m"] == pytest.approx(799.6, abs=1.0)
    lon, lat = to_lonlat([x + 700.0], [y])
    assert piece["properties"]["centroid"] == pytest.approx([float(lon[0]), float(lat[0])], abs=0.002)
    assert piece["properties"]["nearest_kept_m"] == pytest.approx(0.4, abs=0.05)
    fixed = import_roads(path, area="")
    assert fixed.report.dropped == () and fixed.report.summary()["joined_node_to_node"] == 1
    assert fixed.report.kept_length_m == pytest.approx(1200 + 799.6, abs=1.0)


def test_every_point_of_a_kept_road_lies_within_50_m_of_a_node(files: dict[str, Path]) -> None:
    g = import_roads(files["gpkg"]).graph
    assert g.length_m.max() <= 100.0 + 0.1  # 10 cm of slack for coordinate rounding
    # and the snap of a point on a road is within 50 m
    rng = np.random.default_rng(1)
    edges = rng.choice(g.n_edges, 200, replace=False)
    for e in edges.tolist():
        line = g.edge_line_utm(e)
        mid = line[0] + (line[-1] - line[0]) * rng.uniform(0, 1)
        d, _ = g.kdtree.query(mid)
        assert d <= 50.0 + 0.1


def test_repair_report_lists_each_dropped_piece(files: dict[str, Path], tmp_path: Path) -> None:
    result = import_roads(files["gpkg"], source="generated", licence="test data")
    paths = write_import(result, tmp_path / "roads")
    report = json.loads(paths["report"].read_text())
    assert report["type"] == "FeatureCollection" and report["features"]
    assert report["properties"]["network"]["source"] == "generated"
    for feature in report["features"]:
        p = feature["properties"]
        assert p["length_m"] >= 0 and len(p["centroid"]) == 2 and len(p["bbox"]) == 4
        assert p["bbox"][0] <= p["centroid"][0] <= p["bbox"][2]
        assert feature["geometry"]["type"] in ("MultiLineString", "MultiPoint")
    # Pulau Bungkutoko's streets are joined to nothing: one of the dropped pieces lies on the island
    assert any(122.599 < f["properties"]["centroid"][0] < 122.623 and -3.994 < f["properties"]["centroid"][1] < -3.976
               for f in report["features"])
    assert report["properties"]["dropped_components"] == len(report["features"])


def test_written_files_are_readable_by_everyone_and_complete(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "var" / "roads"
    result = import_roads(files["kml"], source="BIG RBI", licence="terbatas")
    paths = write_import(result, out)
    for path in paths.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert installed_roads(out) == out / ROAD_GRAPH_FILE
    back = read_graph(paths["network"])
    assert back.network_info["licence"] == "terbatas" and back.n_nodes == result.graph.n_nodes
    sidecar = read_sidecar(out)
    assert sidecar is not None and sidecar["network"]["source"] == "BIG RBI" and sidecar["nodes"] == back.n_nodes
    assert installed_roads(tmp_path / "nothing") is None


def test_command_line_prints_progress_and_summary(files: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "roads"
    assert main([str(files["fgb"]), "--out", str(out), "--source", "generated", "--licence", "none"]) == 0
    printed = capsys.readouterr().out
    assert "reading jalan_ln_25k.fgb" in printed and "joining line ends" in printed
    assert "repair:" in printed and "dropped:" in printed and "source: generated" in printed
    assert (out / ROAD_GRAPH_FILE).exists() and (out / "repair_report.geojson").exists()
    assert main([str(files["shp"]), "--out", str(out)]) == 0
    assert "source and licence are unknown" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.gpkg"), "--out", str(out)]) == 2
    assert main([str(files["shp"]), "--out", str(Path("geo_data").resolve() / "roads")]) == 2


def test_layer_without_the_class_field_needs_a_mapping(layer: RoadLayer, tmp_path: Path) -> None:
    path = tmp_path / "other_schema.gpkg"
    write_layer(layer, path, field="FUNGSI")
    with pytest.raises(RoadImportError, match="REMARK"):
        import_roads(path)
    own = tmp_path / "fungsi.json"
    raw = json.loads((CLASSES_DIR / "rbi_remark.json").read_text())
    raw["class_fields"] = ["FUNGSI"]
    own.write_text(json.dumps(raw))
    assert import_roads(path, classes=own).graph.n_nodes > 1000


def test_mapping_files_need_a_reason_for_every_speed() -> None:
    rbi = read_mapping(CLASSES_DIR / "rbi_remark.json")
    assert {c.road_class for c in rbi.classes.values()} == {"arterial", "collector", "local", "other", "footpath"}
    assert all(len(c.reason) > 20 for c in rbi.classes.values())
    arterial = rbi.classify("Jalan Arteri")
    assert rbi.classify(" jalan arteri ") is not None and arterial is not None and arterial.speed_kmh == 45
    assert rbi.classify("Jalan Tol Baru") == rbi.default
    raw = json.loads((CLASSES_DIR / "rbi_remark.json").read_text())
    raw["classes"]["Jalan Arteri"]["speed_kmh"] = {"value": 45}
    with pytest.raises(RoutingConfigError, match="no documented reason"):
        parse_mapping(raw)
    # the shipped OSM rules are the ones the OSM reader applies by default
    assert default_mapping(True).osm == DEFAULT_RULES


def test_bad_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"not a geopackage")
    with pytest.raises(RoadImportError):
        import_roads(bad)
    pbf = tmp_path / "broken.osm.pbf"
    pbf.write_bytes(b"\x00\x00\x00\x0dOSMHeader")
    with pytest.raises(RoadImportError, match="osmium"):
        import_roads(pbf)
