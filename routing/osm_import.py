"""Import an OpenStreetMap extract (``.osm`` XML, optionally ``.bz2``/``.gz``) into a road travel graph.

Usage::

    .venv/bin/python -m routing.osm_import path/to/extract.osm [--out geo_data/kendari_roads.npz]

Keeps drivable roads (the classes listed in ``routing.json``) inside the city outline plus a
buffer, honours one-way streets (``oneway=yes/true/1/-1``, roundabouts, motorways), takes the
speed from ``maxspeed`` where mapped (times a factor) and from the per-class table elsewhere,
and keeps the largest strongly connected component. ``.osm.pbf`` is not read directly (no PBF
reader is installed): convert it first with ``osmium`` (see ``docs/routing.md``).
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from routing._errors import OSMImportError
from routing._land import land_utm
from routing._proj import to_utm
from routing.config import RoutingConfig, config_digest, load_config
from routing.graph import ROAD_GRAPH_FILE, TravelGraph, save_graph
from settings import GEO_DATA_DIR

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
_YES = {"yes", "designated", "permissive", "destination", "emergency", "official"}
_NO = {"no", "private"}


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


def oneway_direction(tags: Mapping[str, str]) -> Literal[-1, 0, 1]:
    """Travel direction of a way: 1 along its nodes, -1 against them, 0 both ways.

    ``oneway=yes/true/1`` -> 1; ``oneway=-1/reverse`` -> -1; ``oneway=no/false/0`` -> 0;
    roundabouts (``junction=roundabout/circular``) and motorways are one-way unless tagged
    ``oneway=no``; ``oneway=reversible/alternating`` (direction changes with time) counts as
    two-way; ``oneway:emergency=no`` lets emergency vehicles use both directions.
    """
    if tags.get("oneway:emergency", "").lower() == "no":
        return 0
    value = tags.get("oneway", "").strip().lower()
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0", "reversible", "alternating"):
        return 0
    if tags.get("junction", "").lower() in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def is_drivable(tags: Mapping[str, str], config: RoutingConfig) -> bool:
    """Whether an emergency vehicle may use the way (class listed in the config, access allowed)."""
    highway = tags.get("highway")
    if highway not in config.road_speeds_kmh:
        return False
    if tags.get("area") == "yes" or tags.get("service") in config.exclude_service:
        return False
    override = any(tags.get(k) in _YES for k in ("emergency", "motor_vehicle", "motorcar", "vehicle"))
    if override:
        return True
    if tags.get("emergency") == "no":
        return False
    if any(tags.get(k) in _NO for k in ("motor_vehicle", "motorcar", "vehicle")):
        return False
    return tags.get("access") not in _NO


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
    if name.endswith(".pbf"):
        raise OSMImportError(
            f"{path.name}: .osm.pbf is not read directly (no PBF reader installed). Convert it first, "
            "e.g. `osmium extract --bbox 122.38,-4.17,122.72,-3.83 sulawesi-latest.osm.pbf -o kendari.osm` "
            "(Debian package osmium-tool), then import the .osm file"
        )
    try:
        if name.endswith(".bz2"):
            return bz2.open(path, "rb")
        if name.endswith(".gz"):
            return gzip.open(path, "rb")
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
             bbox: tuple[float, float, float, float] | None = None) -> tuple[dict[int, tuple[float, float]], list[OsmWay], int]:
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
                    if "highway" in tags and is_drivable(tags, config):
                        refs = tuple(int(nd.attrib["ref"]) for nd in elem.iter("nd"))
                        ways.append(OsmWay(int(elem.attrib["id"]), refs, tags))
    except ET.ParseError as exc:
        raise OSMImportError(f"{source.name}: not valid OSM XML ({exc})") from exc
    except (KeyError, ValueError) as exc:
        raise OSMImportError(f"{source.name}: malformed element ({exc})") from exc
    return nodes, ways, ways_read


def _runs(refs: tuple[int, ...], present: Mapping[int, int]) -> Iterator[list[int]]:
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


def build_road_graph(
    path: Path | str,
    *,
    config: RoutingConfig | None = None,
    clip: BaseGeometry | None | Literal["auto"] = AUTO,
    directory: Path = GEO_DATA_DIR,
) -> tuple[TravelGraph, ImportReport]:
    """Read an OSM extract and build the ``road`` travel graph.

    Parameters
    ----------
    path
        ``.osm`` XML (``.osm.bz2`` and ``.osm.gz`` work too).
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
    land = land_utm(directory)
    clip_geom = land.buffer(cfg.clip_buffer_m) if isinstance(clip, str) else clip
    bbox = None
    if clip_geom is not None:
        from routing._land import unproject

        b = unproject(shapely.box(*clip_geom.bounds)).bounds
        bbox = (b[0] - 0.01, b[1] - 0.01, b[2] + 0.01, b[3] + 0.01)
    coords, ways, ways_read = read_osm(source, config=cfg, bbox=bbox)

    # nodes used by drivable ways and inside the clip area
    referenced = {r for w in ways for r in w.refs}
    used = sorted(r for r in referenced if r in coords)
    lonlat = np.array([coords[r] for r in used], dtype=np.float64).reshape(-1, 2)
    x, y = to_utm(lonlat[:, 0], lonlat[:, 1])
    inside = np.ones(len(used), dtype=bool)
    if clip_geom is not None and len(used):
        shapely.prepare(clip_geom)
        inside = np.asarray(shapely.contains_xy(clip_geom, x, y), dtype=bool)
    dropped_outside = int((~inside).sum()) + len(referenced) - len(used)  # outside, or not in the file
    row_of = {ref: i for i, ref in enumerate(used) if inside[i]}

    # junctions: run ends and nodes shared by several runs (or visited twice)
    runs: list[tuple[OsmWay, list[int]]] = [(w, r) for w in ways for r in _runs(w.refs, row_of)]
    uses = np.zeros(len(used), dtype=np.int32)
    for _, run in runs:
        rows = [row_of[r] for r in run]
        np.add.at(uses, rows, 1)
        uses[rows[0]] += 1
        uses[rows[-1]] += 1
    junction = uses >= 2

    node_of: dict[int, int] = {}

    def node_id(row: int) -> int:
        if row not in node_of:
            node_of[row] = len(node_of)
        return node_of[row]

    src: list[int] = []
    dst: list[int] = []
    length: list[float] = []
    speed: list[float] = []
    geoms: list[NDArray[np.float64] | None] = []
    flags: list[tuple[bool, bool]] = []  # (one-way, speed from maxspeed) per edge
    for way, run in runs:
        kmh, from_tag = way_speed_kmh(way.tags, cfg)
        direction = oneway_direction(way.tags)
        rows = [row_of[r] for r in run]
        piece = [rows[0]]
        acc = 0.0
        last = len(rows) - 1
        for k in range(1, len(rows)):
            prev, row = rows[k - 1], rows[k]
            acc += float(np.hypot(x[row] - x[prev], y[row] - y[prev]))
            piece.append(row)
            if junction[row] or acc >= cfg.max_edge_m or k == last:
                if len(piece) >= 2:
                    u, v = node_id(piece[0]), node_id(piece[-1])
                    inner = lonlat[piece[1:-1]] if len(piece) > 2 else None
                    reversed_inner = inner[::-1] if inner is not None else None
                    directions = [(u, v, inner)] if direction >= 0 else []
                    if direction <= 0:
                        directions.append((v, u, reversed_inner))
                    for a, b, g in directions:
                        src.append(a)
                        dst.append(b)
                        length.append(acc)
                        speed.append(kmh)
                        geoms.append(g)
                        flags.append((direction != 0, from_tag))
                piece = [row]
                acc = 0.0
    if not src:
        raise OSMImportError(f"{source.name}: no drivable road inside the area")

    rows_in_graph = np.array(sorted(node_of, key=node_of.__getitem__), dtype=np.int64)
    n = rows_in_graph.size
    s = np.array(src, dtype=np.int64)
    d = np.array(dst, dtype=np.int64)
    lengths = np.array(length)
    times = lengths / (np.array(speed) * _KMH_TO_MS)
    adj = coo_matrix((np.ones(s.size), (s, d)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=True, connection=cfg.component)
    biggest = int(np.argmax(np.bincount(labels)))
    keep = labels == biggest
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    ok = keep[s] & keep[d]
    flag_arr = np.array(flags, dtype=bool).reshape(-1, 2)[ok]
    kept_rows = rows_in_graph[keep]
    gx, gy = x[kept_rows], y[kept_rows]
    on_land = shapely.contains_xy(land, gx, gy)
    shore = np.where(on_land, shapely.distance(land.boundary, shapely.points(gx, gy)), 0.0)
    graph = TravelGraph.from_edges(
        model="road",
        lon=lonlat[kept_rows, 0],
        lat=lonlat[kept_rows, 1],
        src=new_id[s[ok]],
        dst=new_id[d[ok]],
        time_s=times[ok],
        length_m=lengths[ok],
        geometries=[g for g, k in zip(geoms, ok) if k],
        shore_m=shore,
        area="kendari",
        source=f"OpenStreetMap (ODbL) {source.name}, imported {time.strftime('%Y-%m-%d')}",
        meta={
            "osm_file": source.name,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "config_digest": config_digest(directory),
            "component_rule": cfg.component,
            "licence": "ODbL 1.0, (c) OpenStreetMap contributors",
        },
    )
    report = ImportReport(
        source=source.name,
        ways_read=ways_read,
        ways_drivable=len(ways),
        nodes=graph.n_nodes,
        edges=graph.n_edges,
        edges_one_way=int(flag_arr[:, 0].sum()),
        edges_maxspeed=int(flag_arr[:, 1].sum()),
        dropped_outside_nodes=dropped_outside,
        components=int(n_comp),
        dropped_component_nodes=int(n - keep.sum()),
        component_rule=cfg.component,
        seconds=time.perf_counter() - started,
    )
    return graph, report


def main(argv: list[str] | None = None) -> int:
    """Command line: import an extract and write the graph (default ``geo_data/kendari_roads.npz``)."""
    parser = argparse.ArgumentParser(prog="python -m routing.osm_import", description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path, help=".osm XML extract (.osm.bz2 / .osm.gz also read)")
    parser.add_argument("--out", type=Path, default=GEO_DATA_DIR / ROAD_GRAPH_FILE,
                        help=f"output .npz (default: geo_data/{ROAD_GRAPH_FILE})")
    parser.add_argument("--no-clip", action="store_true", help="keep roads outside the city outline + buffer")
    args = parser.parse_args(argv)
    try:
        graph, report = build_road_graph(args.extract, clip=None if args.no_clip else AUTO)
    except OSMImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = save_graph(graph, args.out)
    print(report.summary())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
