"""The city's own base map as a MapLibre style: water, land, kecamatan and kelurahan, roads, labels.

Every map of the app draws this style (``layout.map.style`` as a dict) instead of a style that
loads tiles or fonts from the internet: it needs no network access, so a 112 centre without
internet still sees every new incident, route and unit move. Its data is inline GeoJSON (the
boundaries the app already serves, ~180 kB, and the imported roads when there are any, simplified
by :func:`road_features`); its label glyphs are the app's own (``/assets/glyphs/``, built by
``scripts/build_map_glyphs.py``), in the font stack plotly asks for, so trace labels (callsigns,
ETAs) render from the same files.

OpenStreetMap tiles (``KENDARI112_BASEMAP=osm``) are an addition, never a replacement: the style
names the tile URL in its ``metadata`` and the browser (``assets/basemap.js``) adds them as a raster
layer *under* the city's layers, swallows tile errors so that they can never stop plotly's later
redraws, and shows a small "base map offline" note while tiles fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from i18n import tr

#: Where the browser fetches label glyphs (MapLibre replaces the two tokens).
GLYPHS_URL = "/assets/glyphs/{fontstack}/{range}.pbf"
#: The font stack of the base map's labels (plotly's default for trace text: the same glyph files).
LABEL_FONT = ("Open Sans Regular", "Arial Unicode MS Regular")
#: OpenStreetMap's raster tiles (only with ``basemap="osm"``; the CSP allows the host then).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: Colours: the bay and the sea (everything outside the city's land), the land, lines, labels.
WATER = "#c8dcea"
LAND = "#f4f2ec"
KECAMATAN_LINE = "#6b7f8e"
KELURAHAN_LINE = "#b3bec6"
LABEL = "#334155"
#: Road classes (``routing`` edge classes) → (line colour, width at zoom 12, width at zoom 16).
ROAD_STYLE: dict[str, tuple[str, float, float]] = {
    "arterial": ("#e8a33d", 1.6, 5.0),
    "collector": ("#f1c27a", 1.2, 4.0),
    "local": ("#ffffff", 0.6, 3.0),
    "bridge": ("#e8a33d", 1.6, 5.0),
}
#: Road classes of other vocabularies (OSM highway=*, BIG RBI remarks) folded into the four above.
ROAD_CLASS_GROUP: dict[str, str] = {
    "motorway": "arterial", "trunk": "arterial", "primary": "arterial", "arteri": "arterial", "arterial": "arterial",
    "secondary": "collector", "tertiary": "collector", "kolektor": "collector", "collector": "collector",
    "bridge": "bridge", "connector": "bridge",
}
OSM_SOURCE_ID = "k112-osm"


def road_group(road_class: str | None) -> str:
    """The drawing group of a road class name (``local`` for anything not arterial/collector/bridge)."""
    return ROAD_CLASS_GROUP.get((road_class or "").lower(), "local")


def road_features(lines: Iterable[tuple[str, Sequence[Sequence[float]]]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of road lines: ``(class name, [(lon, lat), …])`` each, grouped
    into one MultiLineString per drawing group (coordinates rounded to ~1 m)."""
    groups: dict[str, list[list[list[float]]]] = {}
    for road_class, coords in lines:
        if len(coords) < 2:
            continue
        groups.setdefault(road_group(road_class), []).append(
            [[round(float(x), 5), round(float(y), 5)] for x, y in coords])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"cls": group}, "geometry": {"type": "MultiLineString", "coordinates": parts}}
        for group, parts in sorted(groups.items())]}


def _labels(rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Label points ``[kode, nama, lon, lat]`` as GeoJSON."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": str(r[1])},
         "geometry": {"type": "Point", "coordinates": [float(r[2]), float(r[3])]}}
        for r in rows if r[2] is not None and r[3] is not None]}


def _road_width(width_lo: float, width_hi: float) -> list[Any]:
    return ["interpolate", ["linear"], ["zoom"], 11, width_lo * 0.6, 12, width_lo, 16, width_hi]


def basemap_style(areas: Mapping[str, Any], *, lang: str, roads: Mapping[str, Any] | None = None,
                  tiles: bool = False, kelurahan_labels: bool = True) -> dict[str, Any]:
    """The base map's MapLibre style (a dict for ``layout.map.style``).

    Parameters
    ----------
    areas
        ``{"kecamatan": {"geojson", "labels"}, "kelurahan": {...}}`` as ``Resources.area_layers()``.
    roads
        Road lines from :func:`road_features`, or None (no imported road network).
    tiles
        Ask the browser to add OpenStreetMap raster tiles under the city's layers (needs internet).
    """
    kec, kel = areas["kecamatan"], areas["kelurahan"]
    sources: dict[str, Any] = {
        "k112-kecamatan": {"type": "geojson", "data": kec["geojson"]},
        "k112-kelurahan": {"type": "geojson", "data": kel["geojson"]},
        "k112-kecamatan-labels": {"type": "geojson", "data": _labels(kec.get("labels") or [])},
        "k112-kelurahan-labels": {"type": "geojson", "data": _labels(kel.get("labels") or [])},
    }
    land_opacity = 0.55 if tiles else 1.0
    layers: list[dict[str, Any]] = [
        {"id": "k112-water", "type": "background", "paint": {"background-color": WATER}},
        {"id": "k112-land", "type": "fill", "source": "k112-kecamatan",
         "paint": {"fill-color": LAND, "fill-opacity": land_opacity}},
        {"id": "k112-kelurahan-line", "type": "line", "source": "k112-kelurahan", "minzoom": 11.5,
         "paint": {"line-color": KELURAHAN_LINE, "line-width": 0.7, "line-dasharray": [3, 2]}},
    ]
    if roads and roads.get("features"):
        sources["k112-roads"] = {"type": "geojson", "data": roads, "tolerance": 0.6}
        for group in ("local", "collector", "arterial", "bridge"):
            colour, lo, hi = ROAD_STYLE[group]
            layers.append({"id": f"k112-road-{group}-casing", "type": "line", "source": "k112-roads",
                           "filter": ["==", ["get", "cls"], group], "minzoom": 12 if group == "local" else 0,
                           "layout": {"line-join": "round", "line-cap": "round"},
                           "paint": {"line-color": "#b9b2a3", "line-width": _road_width(lo + 0.8, hi + 1.5)}})
            layers.append({"id": f"k112-road-{group}", "type": "line", "source": "k112-roads",
                           "filter": ["==", ["get", "cls"], group], "minzoom": 12 if group == "local" else 0,
                           "layout": {"line-join": "round", "line-cap": "round"},
                           "paint": {"line-color": colour, "line-width": _road_width(lo, hi)}})
    layers += [
        {"id": "k112-kecamatan-line", "type": "line", "source": "k112-kecamatan",
         "paint": {"line-color": KECAMATAN_LINE, "line-width": 1.6}},
        {"id": "k112-kecamatan-label", "type": "symbol", "source": "k112-kecamatan-labels", "maxzoom": 14,
         "layout": {"text-field": ["get", "name"], "text-font": list(LABEL_FONT), "text-size": 13,
                    "text-transform": "uppercase", "text-letter-spacing": 0.08},
         "paint": {"text-color": LABEL, "text-halo-color": "rgba(255,255,255,0.85)", "text-halo-width": 1.4}},
    ]
    if kelurahan_labels:
        layers.append({"id": "k112-kelurahan-label", "type": "symbol", "source": "k112-kelurahan-labels",
                       "minzoom": 12.5,
                       "layout": {"text-field": ["get", "name"], "text-font": list(LABEL_FONT), "text-size": 11},
                       "paint": {"text-color": "#52606d", "text-halo-color": "rgba(255,255,255,0.8)",
                                 "text-halo-width": 1.2}})
    metadata: dict[str, Any] = {"k112:basemap": "offline",
                                "k112:name": tr("Peta dasar kota (luring)", "City base map (offline)", lang)}
    if tiles:
        metadata.update({"k112:basemap": "osm", "k112:tiles": OSM_TILES, "k112:below": "k112-land",
                         "k112:attribution": OSM_ATTRIBUTION})
    # no paint transitions: MapLibre otherwise animates every paint property plotly sets on an update
    # for 300 ms, a run of repaints that without a GPU cost ~100 ms of the page each
    return {"version": 8, "name": "kendari-112", "metadata": metadata, "glyphs": GLYPHS_URL,
            "transition": {"duration": 0, "delay": 0}, "sources": sources, "layers": layers}


def legend_text(lang: str) -> str:
    """One line saying what the base map shows (for a page's map caption)."""
    return tr("Peta dasar: daratan kota, kecamatan, kelurahan, jalan terimpor (tanpa internet)",
              "Base map: city land, districts, kelurahan, imported roads (no internet needed)", lang)
