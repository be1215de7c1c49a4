"""The map figure builder (pure plotly): layers, toggles, languages."""

from __future__ import annotations

from datetime import datetime, timezone

from layers.map_figure import build_map_figure, basemap_style

AREAS = {
    "kecamatan": {"geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": "74.71.08", "nama": "Kadia", "area_km2": 6.6},
         "geometry": {"type": "Polygon", "coordinates": [[[122.49, -3.99], [122.51, -3.99], [122.51, -3.97], [122.49, -3.99]]]}}]},
        "labels": [["74.71.08", "Kadia", 122.50, -3.98]]},
    "kelurahan": {"geojson": {"type": "FeatureCollection", "features": []}, "labels": []},
}
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
INCIDENTS = [
    {"id": 1, "priority": 1, "is_emergency": True, "lon": 122.5, "lat": -3.98, "type_name_id": "Medis",
     "type_name_en": "Medical", "created_at": NOW, "kecamatan": "Kadia", "kelurahan": "Kadia", "units_assigned": 0},
    {"id": 2, "priority": 4, "is_emergency": False, "lon": 122.5, "lat": -3.98, "type_name_id": "Lampu jalan",
     "type_name_en": "Street light", "created_at": NOW, "kecamatan": "Kadia", "kelurahan": "Kadia", "units_assigned": 0},
]
UNITS = [{"id": 7, "callsign": "AMB-01", "unit_type": "ambulance", "status": "en_route", "lon": 122.5, "lat": -3.98,
          "status_at": NOW, "position_at": NOW, "at_home_station": False}]


def _names(fig) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.name for t in fig.data]


def test_layers_and_toggles() -> None:
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS,
                           layers=["kecamatan", "units", "incidents"], lang="id", basemap="offline")
    assert _names(fig) == ["Kecamatan", "Unit: Menuju lokasi", "Insiden: Prioritas 1 (kritis)"]
    assert fig.layout.map.style == "white-bg"
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS, layers=["municipal"], lang="en")
    assert _names(fig) == ["Municipal tickets (open)"]
    assert fig.layout.map.style == basemap_style("osm") == "open-street-map"
    fig = build_map_figure(areas=AREAS, incidents=INCIDENTS, layers=[], lang="en")
    assert _names(fig) == []


def test_hover_shows_wita_times() -> None:
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS, layers=["units", "incidents"], lang="en")
    assert "20:00 WITA" in fig.data[1].hovertext[0]      # 12:00 UTC = 20:00 WITA
    assert "AMB-01" in fig.data[0].hovertext[0]
