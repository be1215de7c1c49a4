"""OpenStreetMap data: reading ``.osm`` XML (optionally ``.bz2``/``.gz``) and ``.osm.pbf``, and the tag rules.

Usage (a plain OSM import without the end-joining and even splitting of
:mod:`routing.import_roads`, which is the command to use for any road data)::

    .venv/bin/python -m routing.osm_import path/to/extract.osm [--out var/roads/network.npz]

Keeps drivable roads (the classes listed in ``routing.json``) inside the city outline plus a
buffer, honours one-way streets (``oneway=yes/true/1/-1``, roundabouts, motorways), takes the
speed from ``maxspeed`` where mapped (times a factor) and from the per-class table elsewhere,
and keeps the largest strongly connected component. ``.osm.pbf`` is read with pyosmium.
The one-way and access rules are those of ``geo_data/road_classes/osm_highway.json``.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from routing._errors import OSMImportError
from routing._land import land_utm, unproject
from routing.config import RoutingConfig, config_digest, load_config
from routing.graph import ROAD_GRAPH_FILE, TravelGraph, save_graph
from routing.road_build import LineCollector, RepairOptions, RoadLines, build_network
from routing.road_classes import OsmRules
from settings import GEO_DATA_DIR, VAR_DIR

#: Source, licence and attribution stamped on a network made from OpenStreetMap data.
OSM_SOURCE = "OpenStreetMap contributors"
OSM_LICENCE = "ODbL 1.0"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
DEFAULT_RULES = OsmRules()

AUTO: Final = "auto"
_KMH_TO_MS = 1 / 3.6
_MPH_KMH = 1.609344
_KNOT_KMH = 1.852
#: Implicit Indonesian limits (Permenhub PM 111/2015) as OSM writes them (``maxspeed=ID:urban``).
IMPLICIT_MAXSPEED_KMH: Final[Mapping[str, float]] = {
    "id:urban": 50.0, "id:rural": 80.0, "id:motorway": 100.0, "id:residential": 30.0,
    "id:living_street": 20.0, "walk": 6.0,
}
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h, or None when absent or not a number.

    Understands plain numbers (km/h), ``mph`` and ``knots`` units, the implicit Indonesian
    values (``ID:urban`` ...), ``walk``, and lists (``50;40``: the lowest).

    Examples
    --------
    >>> parse_maxspeed("40"), parse_maxspeed("30 mph"), parse_maxspeed("ID:urban"), parse_maxspeed("none")
    (40.0, 48.28032, 50.0, None)
    """
    if value is None:
        return None
    found = [v for v in (_parse_one(p) for p in re.split(r"[;|]", value)) if v is not None]
    return min(found) if found else None


def _parse_one(text: str) -> float | None:
    v = text.strip().lower()
    if not v:
        return None
    if v in IMPLICIT_MAXSPEED_KMH:
        return IMPLICIT_MAXSPEED_KMH[v]
    match = _NUMBER.match(v)
    if not match:
        return None
    number = float(match.group(1))
    if number <= 0:
        return None
    unit = match.group(2)
    if unit == "mph":
        return number * _MPH_KMH
    if unit == "knots":
        return number * _KNOT_KMH
    return number


def oneway_direction(tags: Mapping[str, str], rules: OsmRules | None = None) -> Literal[-1, 0, 1]:
    """Travel direction of a way: 1 along its nodes, -1 against them, 0 both ways.

    ``oneway=yes/true/1`` -> 1; ``oneway=-1/reverse`` -> -1; ``oneway=no/false/0`` -> 0;
    roundabouts (``junction=roundabout/circular``) and motorways are one-way unless tagged
    ``oneway=no``; ``oneway=reversible/alternating`` (direction changes with time) counts as
    two-way; ``oneway:emergency=no`` lets emergency vehicles use both directions. The value
    lists come from ``rules`` (``osm_highway.json``).
    """
    r = rules or DEFAULT_RULES
    for key, values in r.emergency_both.items():
        if tags.get(key, "").lower() in values:
            return 0
    value = tags.get("oneway", "").strip().lower()
    if value in r.forward:
        return 1
    if value in r.backward:
        return -1
    if value in r.both:
        return 0
    for key, values in r.implied_by.items():
        if tags.get(key, "").lower() in values:
            return 1
    return 0


def is_drivable(tags: Mapping[str, str], config: RoutingConfig, rules: OsmRules | None = None) -> bool:
    """Whether an emergency vehicle may use the way (class listed in the config, access allowed)."""
    r = rules or DEFAULT_RULES
    highway = tags.get("highway")
    if highway not in config.road_speeds_kmh:
        return False
    if tags.get("area") == "yes" or tags.get("service") in config.exclude_service:
        return False
    if any(tags.get(k) in r.allow_values for k in r.allow_keys):
        return True
    if tags.get("emergency") == "no":
        return False
    return not any(tags.get(k) in r.deny_values for k in r.deny_keys)


def way_speed_kmh(tags: Mapping[str, str], config: RoutingConfig) -> tuple[float, bool]:
    """Speed for a drivable way and whether it came from ``maxspeed``."""
    posted = parse_maxspeed(tags.get("maxspeed"))
    if posted is not None:
        speed, from_tag = posted * config.maxspeed_factor, True
    else:
        speed, from_tag = config.road_speeds_kmh[tags["highway"]], False
    return float(min(max(speed, config.min_speed_kmh), config.max_speed_kmh)), from_tag


@dataclass(frozen=True)
class OsmWay:
    """A drivable way as read from the file."""

    way_id: int
    refs: tuple[int, ...]
    tags: Mapping[str, str]


@dataclass(frozen=True)
class ImportReport:
    """What an import kept and dropped."""

    source: str
    ways_read: int
    ways_drivable: int
    nodes: int
    edges: int
    edges_one_way: int
    edges_maxspeed: int
    dropped_outside_nodes: int
    components: int
    dropped_component_nodes: int
    component_rule: str
    seconds: float

    def summary(self) -> str:
        return (
            f"{self.source}: {self.ways_drivable} drivable of {self.ways_read} ways -> {self.nodes} nodes, "
            f"{self.edges} directed edges ({self.edges_one_way} one-way, {self.edges_maxspeed} with maxspeed); "
            f"{self.dropped_outside_nodes} road nodes outside the clip area (or missing); kept the largest "
            f"{self.component_rule}ly connected component of {self.components} "
            f"(dropped {self.dropped_component_nodes} nodes); {self.seconds:.1f} s"
        )


def _open(path: Path) -> IO[bytes]:
    name = path.name.lower()
    try:
        if name.endswith(".bz2"):
            return bz2.open(path, "rb")
        if name.endswith(".gz"):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise OSMImportError(f"cannot open {path}: {exc}") from exc


def _elements(fh: IO[bytes]) -> Iterator[ET.Element]:
    """Top-level OSM elements (node, way, relation), cleared after use to keep memory flat."""
    context = ET.iterparse(fh, events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    for event, elem in context:
        if event == "start":
            if root is None:
                root = elem
                if elem.tag != "osm":
                    raise OSMImportError(f"not an OSM XML file (root element <{elem.tag}>)")
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            yield elem
            root.clear()  # type: ignore[union-attr]


def read_osm(path: Path | str, *, config: RoutingConfig,
             bbox: tuple[float, float, float, float] | None = None,
             rules: OsmRules | None = None) -> tuple[dict[int, tuple[float, float]], list[OsmWay], int]:
    """Read node coordinates (inside ``bbox`` when given) and the drivable ways.

    Returns
    -------
    nodes, ways, ways_read
        ``{node id: (lon, lat)}``, the drivable ways, and how many ways the file held.

    Raises
    ------
    OSMImportError
        The file cannot be read or is not OSM XML.
    """
    source = Path(path)
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[OsmWay] = []
    ways_read = 0
    minx, miny, maxx, maxy = bbox if bbox else (-180.0, -90.0, 180.0, 90.0)
    try:
        with _open(source) as fh:
            for elem in _elements(fh):
                if elem.tag == "node":
                    lon, lat = float(elem.attrib["lon"]), float(elem.attrib["lat"])
                    if minx <= lon <= maxx and miny <= lat <= maxy:
                        nodes[int(elem.attrib["id"])] = (lon, lat)
                elif elem.tag == "way":
                    ways_read += 1
                    tags = {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}
                    if "highway" in tags and is_drivable(tags, config, rules):
                        refs = tuple(int(nd.attrib["ref"]) for nd in elem.iter("nd"))
                        ways.append(OsmWay(int(elem.attrib["id"]), refs, tags))
    except ET.ParseError as exc:
        raise OSMImportError(f"{source.name}: not valid OSM XML ({exc})") from exc
    except (KeyError, ValueError) as exc:
        raise OSMImportError(f"{source.name}: malformed element ({exc})") from exc
    return nodes, ways, ways_read


def _runs(refs: tuple[int, ...], present: Mapping[int, tuple[float, float]]) -> Iterator[list[int]]:
    """Consecutive stretches of a way whose nodes are all present (missing nodes split it)."""
    run: list[int] = []
    for ref in refs:
        if ref in present:
            run.append(ref)
        else:
            if len(run) >= 2:
                yield run
            run = []
    if len(run) >= 2:
        yield run


def read_pbf(path: Path | str, *, config: RoutingConfig, bbox: tuple[float, float, float, float] | None = None,
             rules: OsmRules | None = None,
             progress: Callable[[str], None] | None = None) -> tuple[dict[int, tuple[float, float]], list[OsmWay], int]:
    """Read an ``.osm.pbf`` file with pyosmium: node coordinates and the drivable ways.

    Raises
    ------
    OSMImportError
        The file is missing or pyosmium (osmium) cannot read it.
    """
    import osmium

    source = Path(path)
    if not source.is_file():
        raise OSMImportError(f"cannot open {source}: no such file")
    minx, miny, maxx, maxy = bbox if bbox else (-180.0, -90.0, 180.0, 90.0)
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[OsmWay] = []
    ways_read = 0
    try:
        processor = (osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY)
                     .with_locations().with_filter(osmium.filter.KeyFilter("highway")))
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            ways_read += 1
            if progress is not None and ways_read % 50_000 == 0:
                progress(f"read {ways_read:,} highway ways")
            tags = {t.k: t.v for t in obj.tags}
            if not is_drivable(tags, config, rules):
                continue
            refs = []
            for nd in obj.nodes:
                refs.append(nd.ref)
                loc = nd.location
                if loc.valid():
                    lon, lat = loc.lon, loc.lat
                    if minx <= lon <= maxx and miny <= lat <= maxy:
                        nodes[nd.ref] = (lon, lat)
            ways.append(OsmWay(int(obj.id), tuple(refs), tags))
    except RuntimeError as exc:
        raise OSMImportError(f"cannot read {source.name} with osmium (pyosmium): {exc}") from exc
    return nodes, ways, ways_read


def lines_from_osm(nodes: Mapping[int, tuple[float, float]], ways: list[OsmWay], *, config: RoutingConfig,
                   ways_read: int, rules: OsmRules | None = None) -> RoadLines:
    """Road lines from OSM ways and node coordinates (vertex ids are OSM node ids)."""
    out = LineCollector()
    referenced: set[int] = set()
    for way in ways:
        referenced.update(way.refs)
        kmh, tagged = way_speed_kmh(way.tags, config)
        direction = oneway_direction(way.tags, rules)
        highway = way.tags["highway"]
        cls = out.klass(highway)
        out.class_counts[highway] = out.class_counts.get(highway, 0) + 1
        for run in _runs(way.refs, nodes):
            out.add((nodes[r][0] for r in run), (nodes[r][1] for r in run), run, cls, kmh, direction, tagged)
    missing = sum(1 for r in referenced if r not in nodes)
    return out.lines(ways_read=ways_read, missing=missing, with_ids=True)


def read_osm_lines(path: Path | str, *, config: RoutingConfig, bbox: tuple[float, float, float, float] | None = None,
                   rules: OsmRules | None = None, progress: Callable[[str], None] | None = None) -> RoadLines:
    """OSM XML or PBF (by the file name) as road lines.

    Raises
    ------
    OSMImportError
        The file cannot be read.
    """
    name = Path(path).name.lower()
    if name.endswith(".pbf"):
        nodes, ways, read = read_pbf(path, config=config, bbox=bbox, rules=rules, progress=progress)
    else:
        nodes, ways, read = read_osm(path, config=config, bbox=bbox, rules=rules)
    return lines_from_osm(nodes, ways, config=config, ways_read=read, rules=rules)


def clip_area(clip: BaseGeometry | Literal["auto"] | None, config: RoutingConfig,
              directory: Path) -> tuple[BaseGeometry | None, tuple[float, float, float, float] | None]:
    """The clip polygon (UTM 51S) and its lon/lat bounding box (a little wider), or ``None``s."""
    clip_geom = land_utm(directory).buffer(config.clip_buffer_m) if isinstance(clip, str) else clip
    if clip_geom is None:
        return None, None
    b = unproject(shapely.box(*clip_geom.bounds)).bounds
    return clip_geom, (b[0] - 0.01, b[1] - 0.01, b[2] + 0.01, b[3] + 0.01)


def osm_metadata(path: Path, directory: Path, component: str, *, source: str = OSM_SOURCE,
                 licence: str = OSM_LICENCE, attribution: str = OSM_ATTRIBUTION) -> dict[str, object]:
    """Graph metadata of an OSM import: file, time, config digest and the data's source and licence."""
    return {
        "osm_file": path.name,
        "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config_digest": config_digest(directory),
        "component_rule": component,
        "licence": licence,
        "network": {"model": "road", "source": source, "licence": licence, "attribution": attribution,
                    "file": path.name, "format": "osm", "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
    }


def build_road_graph(
    path: Path | str,
    *,
    config: RoutingConfig | None = None,
    clip: BaseGeometry | Literal["auto"] | None = AUTO,
    directory: Path = GEO_DATA_DIR,
) -> tuple[TravelGraph, ImportReport]:
    """Read an OSM extract and build the ``road`` travel graph (no end-joining, no even splitting).

    Parameters
    ----------
    path
        ``.osm`` XML (``.osm.bz2`` and ``.osm.gz`` work too) or ``.osm.pbf``.
    config
        Routing configuration (``routing.json`` when omitted).
    clip
        Area to keep, a polygon in UTM 51S metres; ``"auto"``: the city outline buffered by
        ``osm.clip_buffer_m``; ``None``: keep everything.
    directory
        Where the geodata lives (city outline).

    Returns
    -------
    graph, report

    Raises
    ------
    OSMImportError
        Unreadable file, or no drivable road left in the area.
    """
    started = time.perf_counter()
    cfg = config or load_config(directory)
    source = Path(path)
    clip_geom, bbox = clip_area(clip, cfg, directory)
    lines = read_osm_lines(source, config=cfg, bbox=bbox)
    options = RepairOptions(join_tolerance_m=0.0, max_edge_m=cfg.max_edge_m, max_node_gap_m=None,
                            component=cfg.component)
    from routing._errors import RoadImportError

    try:
        graph, built = build_network(
            lines, clip=clip_geom, land=land_utm(directory), options=options,
            source=f"{OSM_SOURCE} ({OSM_LICENCE}) {source.name}, imported {time.strftime('%Y-%m-%d')}",
            meta=osm_metadata(source, directory, cfg.component),
        )
    except RoadImportError as exc:
        raise OSMImportError(f"{source.name}: {exc}") from exc
    report = ImportReport(
        source=source.name,
        ways_read=lines.ways_read,
        ways_drivable=int(sum(lines.class_counts.values())),
        nodes=graph.n_nodes,
        edges=graph.n_edges,
        edges_one_way=built.edges_one_way,
        edges_maxspeed=built.edges_maxspeed,
        dropped_outside_nodes=built.dropped_outside_vertices,
        components=built.components,
        dropped_component_nodes=built.dropped_component_nodes,
        component_rule=cfg.component,
        seconds=time.perf_counter() - started,
    )
    return graph, report


def main(argv: list[str] | None = None) -> int:
    """Command line: import an extract and write the graph (default ``var/roads/network.npz``)."""
    parser = argparse.ArgumentParser(prog="python -m routing.osm_import", description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path, help=".osm XML extract (.osm.bz2 / .osm.gz / .osm.pbf also read)")
    parser.add_argument("--out", type=Path, default=VAR_DIR / "roads" / ROAD_GRAPH_FILE,
                        help=f"output .npz (default: var/roads/{ROAD_GRAPH_FILE})")
    parser.add_argument("--no-clip", action="store_true", help="keep roads outside the city outline + buffer")
    args = parser.parse_args(argv)
    try:
        graph, report = build_road_graph(args.extract, clip=None if args.no_clip else AUTO)
    except OSMImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = save_graph(graph, args.out)
    print(report.summary())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB); source: {OSM_ATTRIBUTION}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
