"""Read road data into :class:`routing.road_build.RoadLines`: OSM XML, ``.osm.pbf``, any line layer.

* OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``): the streaming reader of :mod:`routing.osm_import`.
* ``.osm.pbf``: pyosmium, directly (no external tool).
* Any line layer pyogrio reads (Shapefile, GeoPackage, GeoJSON, KML, FlatGeobuf ...): the class
  comes from a mapping file (:mod:`routing.road_classes`), e.g. ``REMARK`` of a BIG RBI layer.

Each reader keeps only drivable lines and only vertices inside ``bbox`` (lon/lat) when given.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing._errors import RoadImportError
from routing.osm_import import read_osm_lines
from routing.road_build import LineCollector, RoadLines
from routing.road_classes import ClassMapping

BBox = tuple[float, float, float, float]
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".osm.xml")
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def is_osm_file(path: Path | str) -> bool:
    """Whether the file is OpenStreetMap data (XML or PBF) by its name."""
    name = Path(path).name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def list_line_layers(path: Path | str) -> list[str]:
    """Names of the layers of a file that may hold line geometries (line layers first)."""
    import pyogrio  # type: ignore[import-untyped]

    try:
        layers = pyogrio.list_layers(str(path))
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise RoadImportError(f"cannot read {Path(path).name}: {exc}") from exc
    lines = [str(name) for name, kind in layers if "line" in str(kind).lower()]
    # KML and some GeoJSON layers declare no single geometry type: try them after the line layers
    mixed = [str(name) for name, kind in layers
             if kind is None or str(kind).lower() in ("unknown", "geometry", "geometrycollection")]
    return lines + mixed


def read_layer(path: Path | str, *, mapping: ClassMapping, bbox: BBox | None, layer: str | None = None,
               progress: Progress = _quiet) -> RoadLines:
    """A line layer (anything pyogrio reads) as road lines, classes from ``mapping``.

    Raises
    ------
    RoadImportError
        Unreadable file, no line layer, or no class field of the mapping in the layer.
    """
    import pyogrio
    import shapely

    source = Path(path)
    if not source.exists():
        raise RoadImportError(f"cannot open {source}: no such file")
    if layer is None:
        candidates = list_line_layers(source)
        if not candidates:
            raise RoadImportError(f"{source.name}: no line layer")
        layer = candidates[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = pyogrio.read_dataframe(str(source), layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise RoadImportError(f"cannot read {source.name} (layer {layer!r}): {exc}") from exc
    progress(f"read {len(table):,} features from {source.name} (layer {layer})")
    if table.crs is not None and table.crs.to_epsg() != 4326:
        table = table.to_crs(4326)
    columns = [str(c) for c in table.columns if c != "geometry"]
    field = mapping.find_class_field(columns)
    if field is None:
        raise RoadImportError(
            f"{source.name}: none of the class fields {', '.join(mapping.class_fields)} of mapping "
            f"{mapping.name!r} is in the layer (fields: {', '.join(columns) or 'none'}); "
            "pass --classes with a mapping for this schema"
        )
    geoms = np.asarray(table.geometry.values)
    ways_read = int(geoms.size)
    values = table[field].tolist()
    one_vals = table[mapping.oneway_field].tolist() if mapping.oneway_field and mapping.oneway_field in table else None
    out = LineCollector()
    cls_of: list[int] = []
    speed_of: list[float] = []
    dir_of: list[int] = []
    keep_feature = np.zeros(ways_read, dtype=bool)
    for i, value in enumerate(values):
        rc = mapping.classify(value)
        if rc is None:
            continue
        keep_feature[i] = True
        cls_of.append(out.klass(rc.road_class))
        speed_of.append(rc.speed_kmh)
        label = str(value).strip() if value is not None else "(none)"
        out.class_counts[label] = out.class_counts.get(label, 0) + 1
        direction = 0
        if one_vals is not None:
            v = str(one_vals[i]).strip().casefold()
            direction = 1 if v in mapping.oneway_forward else -1 if v in mapping.oneway_backward else 0
        dir_of.append(direction)
    kept = geoms[keep_feature]
    attrs = np.arange(kept.size)
    parts, owner = shapely.get_parts(kept, return_index=True)
    is_line = shapely.get_type_id(parts) == 1  # LineString
    parts, owner = parts[is_line], owner[is_line]
    coords, vidx = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] == 0:
        return out.lines(ways_read=ways_read, missing=0, with_ids=False)
    lon, lat = coords[:, 0], coords[:, 1]
    inside = np.ones(lon.size, dtype=bool)
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
    # cut each part where it leaves the bbox: runs of consecutive inside vertices of one part
    brk = np.ones(lon.size, dtype=bool)
    brk[1:] = (vidx[1:] != vidx[:-1]) | ~inside[:-1]
    run_id = np.cumsum(brk) - 1
    run_id = np.where(inside, run_id, -1)
    sel = np.flatnonzero(inside)
    if sel.size == 0:
        return out.lines(ways_read=ways_read, missing=0, with_ids=False)
    rid = run_id[sel]
    counts = np.bincount(rid - rid.min())
    uniq = np.flatnonzero(counts >= 2) + rid.min()
    good = np.isin(rid, uniq)
    sel, rid = sel[good], rid[good]
    starts = np.flatnonzero(np.r_[True, rid[1:] != rid[:-1]])
    feature_of_run = attrs[owner[vidx[sel[starts]]]]
    lengths = np.diff(np.r_[starts, sel.size])
    ptr = np.concatenate([[0], np.cumsum(lengths)])
    cls_arr = np.array(cls_of, dtype=np.int16)[feature_of_run]
    names = tuple(sorted(out.class_index, key=out.class_index.__getitem__))
    return RoadLines(
        lon=np.ascontiguousarray(lon[sel]), lat=np.ascontiguousarray(lat[sel]), line_ptr=ptr.astype(np.int64),
        vertex_id=None, road_class=cls_arr, speed_kmh=np.array(speed_of)[feature_of_run],
        oneway=np.array(dir_of, dtype=np.int8)[feature_of_run],
        speed_from_tag=np.zeros(feature_of_run.size, dtype=bool), class_names=names, ways_read=ways_read,
        missing_vertices=0, class_counts=dict(out.class_counts),
    )


def lines_in_bbox(lines: RoadLines) -> NDArray[np.float64]:
    """Bounding box of the lines' vertices (lon/lat), for reports."""
    if lines.lon.size == 0:
        return np.zeros(4)
    return np.array([lines.lon.min(), lines.lat.min(), lines.lon.max(), lines.lat.max()])


__all__ = ["OSM_SUFFIXES", "is_osm_file", "list_line_layers", "read_layer", "read_osm_lines"]
