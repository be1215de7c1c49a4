"""Import the road data people have into the network the app routes on, repaired and reported.

Usage::

    .venv/bin/python -m routing.import_roads FILE [--source "..."] [--licence "..."]
        [--attribution "..."] [--classes geo_data/road_classes/X.json] [--layer NAME]
        [--join-tolerance 3] [--out var/roads/] [--no-clip]
    make import-roads FILE=... [SOURCE="..." LICENCE="..."]

Reads OpenStreetMap (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) and any line layer
pyogrio reads (Shapefile, GeoPackage, GeoJSON, KML, FlatGeobuf ...; classes from a mapping
file, ``rbi_remark.json`` by default). Joins line ends that miss each other, splits long
segments, keeps the largest strongly connected component and writes, into ``--out``
(``var/roads/``, never tracked by git, files readable by everyone):

* ``network.npz`` — the travel graph, with the data's source, licence and attribution;
* ``network.json`` — the same facts and the import summary, for people and the admin page;
* ``repair_report.geojson`` — every dropped piece of road (length, centroid, bounding box).

A running app picks the new network up on its next request (the file's time stamp changes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from routing._errors import RoadImportError, RoutingConfigError
from routing._land import land_utm
from routing.config import RoutingConfig, config_digest, read_config
from routing.graph import ROAD_GRAPH_FILE, TravelGraph, save_graph
from routing.osm_import import (
    AUTO,
    OSM_ATTRIBUTION,
    OSM_LICENCE,
    OSM_SOURCE,
    clip_area,
    read_osm_lines,
)
from routing.road_build import BuildReport, RepairOptions, build_network
from routing.road_classes import UNKNOWN_SOURCE, ClassMapping, default_mapping, read_mapping
from routing.road_readers import is_osm_file, read_layer
from settings import GEO_DATA_DIR, VAR_DIR

DEFAULT_OUT = VAR_DIR / "roads"
SIDECAR_FILE = "network.json"
REPORT_FILE = "repair_report.geojson"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImportResult:
    """An imported network, what was done to it, and where its data come from."""

    graph: TravelGraph
    report: BuildReport
    network: Mapping[str, Any]

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the source facts and the build counts."""
        return {"network": dict(self.network), **self.report.summary()}

    def summary_text(self) -> str:
        """A few lines for the terminal."""
        s = self.report.summary()
        n = self.network
        lines = [
            f"{n['file']}: {s['ways_read']:,} lines read, {s['lines']:,} drivable line pieces, "
            f"{s['vertices']:,} vertices",
            f"repair: {s['joined_node_to_node']} line ends joined to a nearby vertex, "
            f"{s['joined_node_to_segment']} to a nearby segment (tolerance {n['join_tolerance_m']:g} m); "
            f"{s['split_nodes']:,} nodes added to split long segments",
            f"network: {s['nodes']:,} nodes, {s['edges']:,} directed edges ({s['edges_one_way']:,} one-way), "
            f"{s['kept_length_m'] / 1000:,.1f} km of road; kept the largest {s['component_rule']}ly connected "
            f"component of {s['components']:,}",
            f"dropped: {s['dropped_components']} pieces, {s['dropped_component_nodes']:,} nodes, "
            f"{s['dropped_length_m'] / 1000:,.2f} km (see {REPORT_FILE}); "
            f"{s['dropped_outside_vertices']:,} vertices outside the area",
            "classes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(s["classes"].items())),
            f"source: {n['source']}; licence: {n['licence']}; attribution: {n['attribution']}",
            f"{s['seconds']:.1f} s",
        ]
        return "\n".join(lines)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def import_roads(
    path: Path | str,
    *,
    source: str | None = None,
    licence: str | None = None,
    attribution: str | None = None,
    classes: Path | str | ClassMapping | None = None,
    layer: str | None = None,
    join_tolerance_m: float | None = None,
    clip: BaseGeometry | Literal["auto"] | None = AUTO,
    config: RoutingConfig | None = None,
    directory: Path = GEO_DATA_DIR,
    area: str = "kendari",
    progress: Progress | None = None,
) -> ImportResult:
    """Read, repair and build a road network (nothing is written; see :func:`write_import`).

    Parameters
    ----------
    path
        OSM XML/PBF or any line layer pyogrio reads.
    source, licence, attribution
        Where the data come from; defaults per format: OpenStreetMap contributors / ODbL for
        OSM, ``"unknown — set SOURCE/LICENCE"`` for other layers (or the mapping file's default).
    classes
        Mapping file (or a parsed mapping) for a line layer; default ``rbi_remark.json``
        (``osm_highway.json`` for OSM data).
    layer
        Layer name in a multi-layer file (default: the first line layer).
    join_tolerance_m
        End-joining tolerance (``repair.join_tolerance_m`` when omitted; 0 switches it off).
    clip
        ``"auto"``: the city outline plus ``osm.clip_buffer_m``; a UTM polygon; ``None``: all.
    area
        ``"kendari"`` (snapping tests land and water) or ``""`` (no geography).
    progress
        Receives a line of text at each long step (e.g. ``print``).

    Raises
    ------
    RoadImportError
        The file cannot be read or holds no drivable road in the area.
    RoutingConfigError
        The mapping file is invalid.
    """
    say = progress or (lambda _line: None)
    file = Path(path)
    if not file.exists():
        raise RoadImportError(f"cannot open {file}: no such file")
    cfg = config or read_config(directory)
    osm = is_osm_file(file)
    mapping = classes if isinstance(classes, ClassMapping) else (
        read_mapping(classes) if classes is not None else default_mapping(osm))
    if osm and mapping.format != "osm":
        raise RoutingConfigError(f"{file.name} is OpenStreetMap data; mapping {mapping.name!r} is for attribute layers")
    clip_geom, bbox = clip_area(clip, cfg, directory)
    started = time.perf_counter()
    say(f"reading {file.name} ({file.stat().st_size / 1e6:,.1f} MB)")
    if osm:
        lines = read_osm_lines(file, config=cfg, bbox=bbox, rules=mapping.osm, progress=say)
        fmt = "osm.pbf" if file.name.lower().endswith(".pbf") else "osm"
        defaults: tuple[str, str, str | None] = (OSM_SOURCE, OSM_LICENCE, OSM_ATTRIBUTION)
    else:
        lines = read_layer(file, mapping=mapping, bbox=bbox, layer=layer, progress=say)
        fmt = file.suffix.lower().lstrip(".") or "layer"
        defaults = (mapping.source_default, mapping.licence_default, mapping.attribution_default or None)
    say(f"read {lines.n_lines:,} drivable line pieces in {time.perf_counter() - started:.1f} s")
    src = (source or defaults[0] or UNKNOWN_SOURCE).strip()
    lic = (licence or defaults[1] or UNKNOWN_SOURCE).strip()
    att = (attribution or defaults[2] or (src if lic == UNKNOWN_SOURCE else f"{src}, {lic}")).strip()
    tolerance = cfg.join_tolerance_m if join_tolerance_m is None else float(join_tolerance_m)
    options = RepairOptions(join_tolerance_m=tolerance, max_edge_m=cfg.max_edge_m,
                            max_node_gap_m=cfg.max_node_gap_m, component=cfg.component)
    imported_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    network = {
        "model": "road", "source": src, "licence": lic, "attribution": att, "file": file.name,
        "file_sha256": _file_digest(file), "format": fmt, "layer": layer, "mapping": mapping.name,
        "imported_at": imported_at, "join_tolerance_m": tolerance, "max_node_gap_m": cfg.max_node_gap_m,
        "config_digest": config_digest(directory),
    }
    graph, report = build_network(
        lines, clip=clip_geom, land=land_utm(directory) if area == "kendari" else None, options=options,
        source=f"{src} ({lic}): {file.name}, imported {imported_at[:10]}",
        meta={"network": network, "licence": lic, "component_rule": cfg.component}, area=area, progress=say,
    )
    meta = dict(graph.meta)
    meta["import_summary"] = report.summary()
    graph = graph.with_edges(meta=meta)
    return ImportResult(graph=graph, report=report, network=network)


def _write_text(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_import(result: ImportResult, out_dir: Path | str = DEFAULT_OUT) -> dict[str, Path]:
    """Write the network, its sidecar JSON and the repair report into ``out_dir`` (mode 0644, atomic).

    The repair report is written before the network, so a reader that sees the new network also
    finds its report.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o755)
    report_path = out / REPORT_FILE
    _write_text(report_path, json.dumps(result.report.geojson({"network": dict(result.network)}), indent=1))
    sidecar = out / SIDECAR_FILE
    _write_text(sidecar, json.dumps(result.summary(), indent=2, sort_keys=True, default=str) + "\n")
    graph_path = save_graph(result.graph, out / ROAD_GRAPH_FILE)
    return {"network": graph_path, "sidecar": sidecar, "report": report_path}


def read_sidecar(out_dir: Path | str = DEFAULT_OUT) -> dict[str, Any] | None:
    """The ``network.json`` of an imported network (source, licence, summary), or None."""
    try:
        data = json.loads((Path(out_dir) / SIDECAR_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docs). Exit code 0 on success, 2 on a bad input."""
    parser = argparse.ArgumentParser(prog="python -m routing.import_roads",
                                     description="Import a road layer into the network the app routes on.")
    parser.add_argument("file", type=Path, help=".osm / .osm.bz2 / .osm.gz / .osm.pbf, or a line layer "
                                                "(Shapefile, GeoPackage, GeoJSON, KML, FlatGeobuf)")
    parser.add_argument("--source", help="who made the data (default per format)")
    parser.add_argument("--licence", "--license", dest="licence", help="the data's licence (default per format)")
    parser.add_argument("--attribution", help="attribution text shown with every ETA")
    parser.add_argument("--classes", type=Path, help="road class mapping JSON (default: geo_data/road_classes/"
                                                     "rbi_remark.json, or osm_highway.json for OSM)")
    parser.add_argument("--layer", help="layer of a multi-layer file (default: the first line layer)")
    parser.add_argument("--join-tolerance", type=float, default=None,
                        help="join line ends this close (metres; default repair.join_tolerance_m)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: var/roads/)")
    parser.add_argument("--no-clip", action="store_true", help="keep roads outside the city outline + buffer")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.out.resolve().is_relative_to(GEO_DATA_DIR.resolve()):
        print("error: the imported network goes to var/ (never geo_data/, which git tracks)", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    try:
        result = import_roads(args.file, source=args.source, licence=args.licence, attribution=args.attribution,
                              classes=args.classes, layer=args.layer, join_tolerance_m=args.join_tolerance,
                              clip=None if args.no_clip else AUTO, progress=say)
    except (RoadImportError, RoutingConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say("writing the network")
    paths = write_import(result, args.out)
    print(result.summary_text())
    print(f"wrote {paths['network']} ({paths['network'].stat().st_size / 1e6:.1f} MB), {paths['sidecar'].name}, "
          f"{paths['report'].name}")
    if result.network["licence"] == UNKNOWN_SOURCE:
        print("note: source and licence are unknown; pass --source/--licence (SOURCE=/LICENCE= with make)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["DEFAULT_OUT", "ImportResult", "import_roads", "main", "read_sidecar", "write_import"]

