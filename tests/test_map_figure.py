"""The map figure builder (pure plotly): layers, toggles, languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from layers.map_figure import basemap_style, build_map_figure
from layers.traces import LIVE_SLOTS, live_traces, routes_to_draw

AREAS = {
    "kecamatan": {"geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": "74.71.08", "nama": "Kadia", "area_km2": 6.6},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[122.49, -3.99], [122.51, -3.99], [122.51, -3.97], [122.49, -3.99]]]}}]},
        "labels": [["74.71.08", "Kadia", 122.50, -3.98]]},
    "kelurahan": {"geojson": {"type": "FeatureCollection", "features": []}, "labels": []},
}
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
INCIDENTS = [
    {"id": 1, "priority": 1, "is_emergency": True, "lon": 122.5, "lat": -3.98, "type_name_id": "Medis",
     "type_name_en": "Medical", "created_at": NOW, "kecamatan": "Kadia", "kelurahan": "Kadia", "units_assigned": 0},
    {"id": 2, "priority": 4, "is_emergency": False, "lon": 122.5, "lat": -3.98, "type_name_id": "Lampu jalan",
     "type_name_en": "Street light", "created_at": NOW, "kecamatan": "Kadia", "kelurahan": "Kadia",
     "units_assigned": 0},
]
UNITS = [{"id": 7, "callsign": "AMB-01", "unit_type": "ambulance", "status": "en_route", "lon": 122.5, "lat": -3.98,
          "status_at": NOW, "position_at": NOW, "at_home_station": False}]


def _names(fig: Any) -> list[str]:
    return [t.name for t in fig.data]


def test_layers_and_toggles() -> None:
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS,
                           layers=["kecamatan", "units", "incidents"], lang="id", basemap="offline")
    assert _names(fig) == ["Kecamatan", "Unit: Menuju lokasi", "Insiden: Prioritas 1 (kritis)"]
    # the city's own base map, fetched from nowhere but the app (glyphs included)
    assert fig.layout.map.style["metadata"]["k112:basemap"] == "offline"
    assert fig.layout.map.style["glyphs"].startswith("/assets/glyphs/")
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS, layers=["municipal"], lang="en",
                           basemap="osm")
    assert _names(fig) == ["Municipal tickets (open)"]
    # OpenStreetMap tiles are added under the city's layers, never instead of them
    assert fig.layout.map.style["metadata"]["k112:tiles"].startswith("https://tile.openstreetmap.org/")
    assert any(layer["id"] == "k112-land" for layer in fig.layout.map.style["layers"])
    assert basemap_style("osm") == basemap_style("offline") == "white-bg"   # choropleths: never tiles
    fig = build_map_figure(areas=AREAS, incidents=INCIDENTS, layers=[], lang="en")
    assert _names(fig) == []


def test_hover_shows_wita_times() -> None:
    fig = build_map_figure(areas=AREAS, units=UNITS, incidents=INCIDENTS, layers=["units", "incidents"], lang="en")
    assert "20:00 WITA" in fig.data[1].hovertext[0]      # 12:00 UTC = 20:00 WITA
    assert "AMB-01" in fig.data[0].hovertext[0]


def test_hover_text_is_escaped_everywhere() -> None:
    nasty = "<script>x</script>"
    areas = {"kecamatan": {"geojson": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": "1", "nama": nasty, "area_km2": 1.0}, "geometry": None}]},
        "labels": []}, "kelurahan": AREAS["kelurahan"]}
    units = [dict(UNITS[0], callsign=nasty, unit_type=nasty, assigned_incident_id=1)]
    incidents = [dict(INCIDENTS[0], type_name_en=nasty, kelurahan=nasty, callsigns=nasty)]
    facilities = [{"id": 1, "name": nasty, "category": "hospital", "location_confidence": "surveyed",
                   "lon": 122.5, "lat": -3.98, "kecamatan": nasty, "kelurahan": None, "phone": nasty}]
    fig = build_map_figure(areas=areas, facilities=facilities, units=units, incidents=incidents,
                           layers=["kecamatan", "facilities", "units", "incidents"], lang="en")
    hovers = [t.text[0] if t.type in ("choroplethmap",) or t.name == "Hospital" else t.hovertext[0] for t in fig.data]
    assert len(hovers) == 4
    for text in hovers:
        assert "<script>" not in text and "&lt;script&gt;" in text
    live = live_traces(units, incidents, [], None, None, "en")
    assert all("<script>" not in h for t in live for h in t.get("hovertext", []))


def test_live_traces_keep_their_slots() -> None:
    route = {"type": "LineString", "coordinates": [[122.50, -3.98], [122.51, -3.99]]}
    rec = {"plan": [{"selected": [2]}], "candidates": [
        {"unit_id": 1, "callsign": "AMB-01", "eta_s": 120.0, "route": route},
        {"unit_id": 2, "callsign": "AMB-02", "eta_s": 300.0, "route": route},
        {"unit_id": 3, "callsign": "AMB-03", "eta_s": 60.0, "route": None}]}
    moving = [{"unit_id": 9, "callsign": "FE-01", "eta_s": 90.0, "route": route}]
    routes = routes_to_draw(rec, moving)
    assert [r["callsign"] for r in routes] == ["FE-01", "AMB-02", "AMB-01"]     # on the way, plan, then by ETA
    empty = live_traces([], [], [], None, None, "id")
    full = live_traces(UNITS, INCIDENTS, routes, {"lon": 122.5, "lat": -3.98}, {"lon": 122.5, "lat": -3.98}, "id")
    assert len(empty) == len(full) == LIVE_SLOTS
    assert next(t["name"] for t in full if t["mode"] == "lines") == "FE-01 (ditugaskan) · 1,5 mnt"
