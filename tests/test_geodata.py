"""Shipped geodata: counts, validity, bounding box, facilities where their source says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layers import geodata
from layers._errors import GeoDataError
from settings import GEO_DATA_DIR


def test_counts_and_validity() -> None:
    assert geodata.validate_all() == {"kecamatan": 11, "kelurahan": 64, "facilities": 32}
    kel = geodata.kelurahan()
    assert kel.geometry.is_valid.all()
    assert set(kel["kecamatan_kode"]) == set(geodata.kecamatan()["kode"])


def test_everything_inside_city_bbox() -> None:
    minx, miny, maxx, maxy = geodata.kelurahan().total_bounds
    bx0, by0, bx1, by1 = geodata.CITY_BBOX
    assert bx0 <= minx and by0 <= miny and maxx <= bx1 and maxy <= by1


def test_area_matches_provenance() -> None:
    total_km2 = geodata.kelurahan().to_crs(geodata.UTM_51S).area.sum() / 1e6
    assert total_km2 == pytest.approx(264.9, rel=0.01)


def test_every_facility_in_its_stated_kelurahan_or_a_neighbour() -> None:
    kel = geodata.kelurahan().to_crs(geodata.UTM_51S)
    import geopandas as gpd
    from shapely.geometry import Point

    for fac in geodata.facilities():
        if not fac.stated_kelurahan:
            continue
        stated = kel[kel["nama"] == fac.stated_kelurahan]
        assert len(stated) >= 1, fac.stated_kelurahan
        point = gpd.GeoSeries([Point(fac.lon, fac.lat)], crs=4326).to_crs(geodata.UTM_51S).iloc[0]
        polygon = stated.geometry.iloc[0]
        # in it, or in a kelurahan that touches it (50 m tolerance for the source's slivers)
        containing = kel[kel.contains(point)]
        assert polygon.contains(point) or any(
            polygon.distance(g) < 50 for g in containing.geometry), fac.name


def test_approximate_stations_are_marked_and_inside_their_kecamatan() -> None:
    kec = geodata.kecamatan()
    approx = [f for f in geodata.facilities() if f.location_confidence == "approximate"]
    assert {f.category for f in approx} == {"fire_post", "police_station", "bpbd_post"}
    from shapely.geometry import Point

    for f in approx:
        assert kec.contains(Point(f.lon, f.lat)).sum() == 1, f.name


def test_aliases_resolve_common_spellings() -> None:
    for alias, canonical in [("Anduonohu", "Andonohu"), ("pudai", "Puday"), ("Wua-Wua", "Wua Wua"),
                             ("KESSILAMPE", "Kassilampe"), ("Benu-Benua", "Benu Benua")]:
        row = geodata.resolve_kelurahan(alias)
        assert row is not None and row["nama"] == canonical
    assert geodata.resolve_kelurahan("Atlantis") is None


def test_point_in_city_excludes_the_bay() -> None:
    assert geodata.point_in_city(122.5183, -3.9818)          # Puskesmas Perumnas (Kadia)
    assert not geodata.point_in_city(122.55, -3.978)          # middle of Teluk Kendari
    assert geodata.point_in_city(122.55, -3.978, buffer_m=1000)
    assert not geodata.point_in_city(122.30, -4.30, buffer_m=1000)


def test_broken_data_fails_with_clear_message(tmp_path: Path) -> None:
    for f in GEO_DATA_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    text = (tmp_path / "kendari_kelurahan.geojson").read_text()
    # drop the last feature: 63 kelurahan
    import json

    data = json.loads(text)
    data["features"] = data["features"][:-1]
    (tmp_path / "kendari_kelurahan.geojson").write_text(json.dumps(data))
    geodata.kelurahan.cache_clear()
    try:
        with pytest.raises(GeoDataError, match="expected 64 polygons, found 63"):
            geodata.kelurahan(tmp_path)
    finally:
        geodata.kelurahan.cache_clear()
    (tmp_path / "kendari_kecamatan.geojson").unlink()
    with pytest.raises(GeoDataError, match="geodata file missing"):
        geodata.kecamatan.__wrapped__(tmp_path)
