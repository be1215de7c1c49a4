"""Build the plotly MapLibre figure of Kendari from plain data (no Dash, no SQL)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from i18n import tr
from layers import basemap as own_basemap
from layers.traces import (
    FACILITY_STYLE,
    PRIORITY_STYLE,
    UNIT_STATUS_STYLE,
    area_hover,
    facility_traces,
    incident_traces,
    municipal_traces,
    unit_traces,
)

__all__ = ["ALL_LAYERS", "DEFAULT_LAYERS", "DEFAULT_ZOOM", "FACILITY_STYLE", "KENDARI_CENTER", "PRIORITY_STYLE",
           "UNIT_STATUS_STYLE", "basemap_style", "build_map_figure", "fit_view", "map_style"]

KENDARI_CENTER = {"lon": 122.535, "lat": -3.985}
DEFAULT_ZOOM = 11.3
ALL_LAYERS = ("kecamatan", "kelurahan", "labels", "facilities", "units", "incidents", "municipal")
#: Shown when the page opens; open municipal tickets (thousands) are one click away.
DEFAULT_LAYERS = ("kecamatan", "kelurahan", "labels", "facilities", "units", "incidents")
#: MapLibre draws the whole world 512 px wide at zoom 0.
WORLD_PX_AT_ZOOM_0 = 512.0


def basemap_style(basemap: str) -> str:
    """Plotly's named style for figures without the city's base map (a choropleth draws its own
    polygons): always the plain offline style. Tiles are never used there — a tile that fails to load
    makes plotly stop painting later updates of that figure (the map would keep old values).

    Maps built by :func:`build_map_figure` draw :func:`layers.basemap.basemap_style` instead
    (``basemap`` is accepted for a uniform call)."""
    del basemap
    return "white-bg"


def map_style(areas: Mapping[str, Any], basemap: str, lang: str,
              roads: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The style of the app's maps: the city's own base map, with OpenStreetMap tiles added under
    it when ``basemap == "osm"`` (never instead of it)."""
    style = own_basemap.basemap_style(areas, lang=lang, roads=roads, tiles=basemap == "osm")
    style["metadata"]["k112:offline_note"] = tr("Peta dasar luring — lapisan kota tetap tampil",
                                                "Base map offline — city layers still shown", lang)
    return style


def _area_trace(layer: Mapping[str, Any], *, name: str, width: float, colour: str, lang: str) -> dict[str, Any]:
    features = layer["geojson"]["features"]
    codes = [f["properties"]["kode"] for f in features]
    return {
        "type": "choroplethmap", "geojson": layer["geojson"], "locations": codes,
        "featureidkey": "properties.kode", "z": [0] * len(codes),
        "colorscale": [[0, "rgba(0,0,0,0.02)"], [1, "rgba(0,0,0,0.02)"]], "showscale": False,
        "marker": {"line": {"width": width, "color": colour}},
        "text": [area_hover(f["properties"], name, lang) for f in features],
        "hovertemplate": "%{text}<extra></extra>", "name": name, "showlegend": True,
    }


def _label_trace(areas: Mapping[str, Any], lang: str) -> dict[str, Any]:
    labels = areas["kecamatan"]["labels"]
    return {"type": "scattermap", "lon": [p[2] for p in labels], "lat": [p[3] for p in labels],
            "text": [p[1] for p in labels], "mode": "text", "textfont": {"size": 12, "color": "#263238"},
            "hoverinfo": "skip", "name": tr("Nama kecamatan", "District names", lang), "showlegend": False}


def build_map_figure(
    *,
    areas: Mapping[str, Any],
    lang: str,
    facilities: Sequence[Mapping[str, Any]] = (),
    units: Sequence[Mapping[str, Any]] = (),
    incidents: Sequence[Mapping[str, Any]] = (),
    layers: Iterable[str] = ALL_LAYERS,
    basemap: str = "offline",
    extra_traces: Sequence[Any] = (),
    uirevision: str = "kendari-map",
    roads: Mapping[str, Any] | None = None,
    legend: Mapping[str, Any] | None = None,
    style_url: str | None = None,
) -> go.Figure:
    """The operational map: boundaries, facilities, units by status, open incidents by priority,
    over the city's own base map (:func:`map_style`; ``roads`` from :func:`layers.basemap.road_features`).

    ``style_url``, when given, is where the browser loads that same style from (``web.basemap``)
    instead of carrying it inside the figure: for maps that are updated often."""
    shown = set(layers)
    traces: list[Any] = []
    if "kecamatan" in shown:
        traces.append(_area_trace(areas["kecamatan"], name=tr("Kecamatan", "Districts (kecamatan)", lang),
                                  width=2.2, colour="#37474f", lang=lang))
    if "kelurahan" in shown:
        traces.append(_area_trace(areas["kelurahan"], name=tr("Kelurahan", "Urban villages (kelurahan)", lang),
                                  width=0.7, colour="#90a4ae", lang=lang))
    if "labels" in shown:
        traces.append(_label_trace(areas, lang))
    if "facilities" in shown:
        traces += facility_traces(facilities, lang)
    if "units" in shown:
        traces += unit_traces(units, lang)
    if "incidents" in shown:
        traces += incident_traces(incidents, lang)
    if "municipal" in shown:
        traces += municipal_traces(incidents, lang)
    fig = go.Figure()
    for trace in [*traces, *extra_traces]:
        fig.add_trace(trace)
    fig.update_layout(
        map={"style": style_url or map_style(areas, basemap, lang, roads), "center": KENDARI_CENTER,
             "zoom": DEFAULT_ZOOM},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend=dict(legend) if legend is not None else
        {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
        uirevision=uirevision,
        clickmode="event",
    )
    return fig


def fit_view(points: Sequence[tuple[float, float]], *, width_px: float, height_px: float,
             min_zoom: float = 9.0, max_zoom: float = 15.0) -> tuple[dict[str, float], float]:
    """The centre and web-mercator zoom that show every (lon, lat) point on a map of the given size
    (with a 25 % margin), clamped to ``min_zoom``…``max_zoom``."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    centre = {"lon": (min(lons) + max(lons)) / 2, "lat": (min(lats) + max(lats)) / 2}
    span_lon = max(max(lons) - min(lons), 1e-4) * 1.25
    span_lat = max(max(lats) - min(lats), 1e-4) * 1.25
    zoom_lon = math.log2(width_px * 360.0 / (WORLD_PX_AT_ZOOM_0 * span_lon))
    zoom_lat = math.log2(height_px * 360.0 / (WORLD_PX_AT_ZOOM_0 * span_lat))
    return centre, max(min_zoom, min(max_zoom, zoom_lon, zoom_lat))
