"""Load and validate the shipped Kendari geodata in ``geo_data/`` (cached, read-only)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from layers._errors import GeoDataError
from settings import GEO_DATA_DIR

EXPECTED_KECAMATAN = 11
EXPECTED_KELURAHAN = 64
#: Generous bounding box around Kota Kendari (lon/lat, EPSG:4326).
CITY_BBOX = (122.40, -4.15, 122.70, -3.85)
WGS84 = "EPSG:4326"
#: UTM zone 51S: project to this before measuring in metres.
UTM_51S = "EPSG:32751"


def normalise_name(name: str) -> str:
    """Fold case, hyphens, dots and repeated spaces so that spelling variants compare equal."""
    text = re.sub(r"[-_.,']", " ", name.strip().lower())
    return re.sub(r"\s+", " ", text).strip()


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise GeoDataError(f"geodata file missing: {path}")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for broken files
        raise GeoDataError(f"cannot read {path.name}: {exc}") from exc
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise GeoDataError(f"{path.name}: expected EPSG:4326, got {gdf.crs}")
    return gdf


def _as_multi(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    raise GeoDataError(f"expected a polygon, got {geom.geom_type}")


def _check_polygons(gdf: gpd.GeoDataFrame, name: str, expected: int) -> None:
    if len(gdf) != expected:
        raise GeoDataError(f"{name}: expected {expected} polygons, found {len(gdf)}")
    invalid = gdf[~gdf.geometry.is_valid]
    if len(invalid):
        raise GeoDataError(f"{name}: invalid geometry for {', '.join(map(str, invalid['nama']))}")
    minx, miny, maxx, maxy = gdf.total_bounds
    bx0, by0, bx1, by1 = CITY_BBOX
    if minx < bx0 or miny < by0 or maxx > bx1 or maxy > by1:
        raise GeoDataError(f"{name}: geometry outside the Kendari bounding box {CITY_BBOX}")


@lru_cache(maxsize=1)
def kecamatan(directory: Path = GEO_DATA_DIR) -> gpd.GeoDataFrame:
    """The 11 kecamatan: ``kode``, ``nama``, ``area_km2``, ``geometry`` (MultiPolygon)."""
    gdf = _read(directory / "kendari_kecamatan.geojson")
    out = gpd.GeoDataFrame(
        {
            "kode": gdf["kode_kemendagri"].astype(str),
            "nama": gdf["nama"].astype(str),
            "area_km2": gdf["area_km2_geodesic"].astype(float),
        },
        geometry=[_as_multi(g) for g in gdf.geometry],
        crs=WGS84,
    )
    _check_polygons(out, "kecamatan", EXPECTED_KECAMATAN)
    return out


@lru_cache(maxsize=1)
def kelurahan(directory: Path = GEO_DATA_DIR) -> gpd.GeoDataFrame:
    """The 64 kelurahan: ``kode``, ``nama``, ``kecamatan_kode``, ``kecamatan``, ``area_km2``."""
    gdf = _read(directory / "kendari_kelurahan.geojson")
    out = gpd.GeoDataFrame(
        {
            "kode": gdf["kode_kemendagri"].astype(str),
            "nama": gdf["nama"].astype(str),
            "kecamatan_kode": gdf["kode_kecamatan"].astype(str),
            "kecamatan": gdf["kecamatan"].astype(str),
            "area_km2": gdf["area_km2_geodesic"].astype(float),
        },
        geometry=[_as_multi(g) for g in gdf.geometry],
        crs=WGS84,
    )
    _check_polygons(out, "kelurahan", EXPECTED_KELURAHAN)
    known = set(kecamatan(directory)["kode"])
    orphans = sorted(set(out["kecamatan_kode"]) - known)
    if orphans:
        raise GeoDataError(f"kelurahan refer to unknown kecamatan codes: {orphans}")
    return out


@lru_cache(maxsize=1)
def city_outline(directory: Path = GEO_DATA_DIR) -> MultiPolygon:
    """The dissolved city outline (land only; the bay is outside it)."""
    gdf = _read(directory / "kendari_kota.geojson")
    dissolved = gdf[gdf["nama"] == "Kota Kendari"]
    if len(dissolved) != 1:
        raise GeoDataError("kendari_kota.geojson: the dissolved 'Kota Kendari' feature is missing")
    return _as_multi(dissolved.geometry.iloc[0])


@dataclass(frozen=True)
class Facility:
    """A station or facility with how well its location is known."""

    name: str
    category: str
    agency_code: str | None
    lon: float
    lat: float
    location_confidence: str
    source: str
    licence: str | None = None
    address: str | None = None
    phone: str | None = None
    stated_kelurahan: str | None = None
    note: str | None = None


def _confidence(text: str) -> str:
    head = text.strip().lower().split(" ")[0]
    for level in ("medium-high", "surveyed", "high", "medium", "low"):
        if head.startswith(level):
            return level
    return "low"


_AGENCY_BY_CATEGORY = {"puskesmas": "PSC119", "hospital": "PSC119"}


@lru_cache(maxsize=1)
def facilities(directory: Path = GEO_DATA_DIR) -> tuple[Facility, ...]:
    """Facilities with known coordinates, then stations known only by kecamatan (approximate).

    An approximate station is placed at a representative point of the kelurahan named in its
    hint (or of its kecamatan) — derived from the polygons, never invented — and marked
    ``approximate`` so an operator can correct it.
    """
    out: list[Facility] = []
    path = directory / "kendari_emergency_facilities_seed.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except (KeyError, ValueError) as exc:
                raise GeoDataError(f"{path.name}: bad coordinates for {row.get('name')!r}") from exc
            out.append(
                Facility(
                    name=row["name"].strip(),
                    category=row["category"].strip(),
                    agency_code=_AGENCY_BY_CATEGORY.get(row["category"].strip()),
                    lon=lon,
                    lat=lat,
                    location_confidence=_confidence(row["confidence"]),
                    source=f"{row['source_repo']} {row['source_path']} @ {row['source_commit']}".strip(),
                    licence=row["source_license"] or None,
                    address=row["address"] or None,
                    phone=row["phone"] or None,
                    stated_kelurahan=row["kelurahan_by_polygon"] or None,
                )
            )
    kec = kecamatan(directory)
    kel = kelurahan(directory)
    path = directory / "kendari_stations_approximate.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kec_rows = kec[kec["nama"] == row["kecamatan"]]
            if kec_rows.empty:
                raise GeoDataError(f"{path.name}: unknown kecamatan {row['kecamatan']!r}")
            area = kec_rows.geometry.iloc[0]
            hint = (row.get("kelurahan_hint") or "").strip()
            if hint:
                kel_rows = kel[(kel["nama"] == hint) & (kel["kecamatan_kode"] == kec_rows["kode"].iloc[0])]
                if kel_rows.empty:
                    raise GeoDataError(f"{path.name}: unknown kelurahan hint {hint!r}")
                area = kel_rows.geometry.iloc[0]
            point = area.representative_point()
            out.append(
                Facility(
                    name=row["name"].strip(),
                    category=row["category"].strip(),
                    agency_code=row["agency"].strip(),
                    lon=round(point.x, 6),
                    lat=round(point.y, 6),
                    location_confidence="approximate",
                    source=row["source"],
                    note=row.get("note"),
                    stated_kelurahan=hint or None,
                )
            )
    minx, miny, maxx, maxy = CITY_BBOX
    for f in out:
        if not (minx <= f.lon <= maxx and miny <= f.lat <= maxy):
            raise GeoDataError(f"facility {f.name!r} lies outside the Kendari bounding box")
    return tuple(out)


@lru_cache(maxsize=1)
def place_aliases(directory: Path = GEO_DATA_DIR) -> dict[tuple[str, str], str]:
    """Map ``(kind, normalised alias)`` to the canonical name used in the polygons."""
    out: dict[tuple[str, str], str] = {}
    with (directory / "place_aliases.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[(row["kind"], normalise_name(row["alias"]))] = row["canonical"]
    return out


def resolve_kelurahan(name: str, directory: Path = GEO_DATA_DIR) -> pd.Series | None:
    """Find a kelurahan by its name or a known alias (case/hyphen-insensitive)."""
    kel = kelurahan(directory)
    wanted = normalise_name(name)
    canonical = place_aliases(directory).get(("kelurahan", wanted))
    if canonical:
        wanted = normalise_name(canonical)
    hits = kel[kel["nama"].map(normalise_name) == wanted]
    return None if hits.empty else hits.iloc[0]


def validate_all(directory: Path = GEO_DATA_DIR) -> dict[str, int]:
    """Load and check everything; return counts. Raises GeoDataError with a clear message."""
    kec = kecamatan(directory)
    kel = kelurahan(directory)
    city_outline(directory)
    fac = facilities(directory)
    aliases = place_aliases(directory)
    kel_names = {normalise_name(n) for n in kel["nama"]}
    kec_names = {normalise_name(n) for n in kec["nama"]}
    for (kind, alias), canonical in aliases.items():
        pool = kel_names if kind == "kelurahan" else kec_names
        if normalise_name(canonical) not in pool:
            raise GeoDataError(f"alias {alias!r} points to unknown {kind} {canonical!r}")
    return {"kecamatan": len(kec), "kelurahan": len(kel), "facilities": len(fac)}


def point_in_city(lon: float, lat: float, *, buffer_m: float = 0.0) -> bool:
    """True when the point is on the city's land (optionally within ``buffer_m`` of it)."""
    outline = city_outline()
    pt = Point(lon, lat)
    if buffer_m <= 0:
        return bool(outline.covers(pt))
    projected = gpd.GeoSeries([outline, pt], crs=WGS84).to_crs(UTM_51S)
    return bool(projected.iloc[0].distance(projected.iloc[1]) <= buffer_m)
