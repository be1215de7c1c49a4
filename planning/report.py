"""Shareable reports: a standalone folium (Leaflet) HTML map and the layers as GeoJSON.

The HTML file holds all data inline (GeoJSON, the density image as a data URL) and needs no
server. Leaflet's JavaScript and CSS are inlined from the vendored copy in ``planning/vendor``
(BSD-2), so the interactive map works offline; only the background tiles (OpenStreetMap) need
internet. Should Leaflet still fail to start, the report also carries:

* a static SVG drawing of the same layers, shown automatically when Leaflet did not load;
* the legend, the summary tables, the method and the data sources as plain HTML.

The report opens with a readable set of layers (hot and cold spots, stations, proposed posts and
the kelurahan boundaries); drive-time bands, the uncovered land, the density surface and the
other layers are one click away in the layer control. The scale bar is metric only. Tooltips
and labels are in the report's language, numbers in its format.

``K112_LEAFLET_DIR`` points at another local Leaflet (``leaflet.js`` + ``leaflet.css``) if wanted.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from i18n import tr
from planning import figures as fg
from planning._format import band_labels, category_label, minutes, num, pct, uncovered_label
from planning._report_html import DATA_SOURCES, METHOD_NOTES, header_html, sections_html
from planning._svg import svg_drawing
from planning.siting import site_label

__all__ = ["DATA_SOURCES", "DEFAULT_SHOWN", "LEAFLET_DIRS", "METHOD_NOTES", "Layer", "build_report", "geojson_zip",
           "kde_layer", "report_layers", "svg_drawing"]

LEAFLET_DIRS = (Path(__file__).resolve().parent / "vendor" / "leaflet",
                Path("/usr/share/javascript/leaflet"), Path("/usr/share/nodejs/leaflet/dist"))
MAP_HEIGHT_PX = 620
#: Boundaries are drawn simplified to ~3 m (the report is for overview, not for surveying).
KELURAHAN_SIMPLIFY_DEG = 0.00003
#: Layers switched on when the report opens; every other layer starts hidden.
DEFAULT_SHOWN = frozenset({"hotspots_gi", "stations", "siting_candidates"})
#: Key of the machine-free tooltip text carried by each feature (dropped from the GeoJSON export).
TIP = "_tip"


@dataclass(frozen=True)
class Layer:
    """One report layer: a GeoJSON FeatureCollection with how to draw it."""

    key: str
    name: str
    fc: dict[str, Any]
    show: bool = True


def _clean(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return round(v, 6) if np.isfinite(v) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _feature(geom: BaseGeometry, props: Mapping[str, Any], style: Mapping[str, Any] | None = None,
             tip: str | None = None) -> dict[str, Any]:
    p = {k: _clean(v) for k, v in props.items()}
    if style:
        p["_style"] = dict(style)
    if tip is not None:
        p[TIP] = tip
    return {"type": "Feature", "properties": p, "geometry": mapping(geom)}


def _fc(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return _round_coords({"type": "FeatureCollection", "features": [f for f in features if f["geometry"]]})


def _round_coords(fc: dict[str, Any], digits: int = 5) -> dict[str, Any]:
    """Round coordinates in place (5 decimals of a degree: about 1 m)."""
    def rnd(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), digits) for v in c]
        return [rnd(x) for x in c]

    for f in fc["features"]:
        g = f["geometry"]
        if g and "coordinates" in g:
            g["coordinates"] = rnd(g["coordinates"])
    return fc


def _tip(title: str, *lines: str) -> str:
    """Tooltip HTML: a bold title and plain lines (escaped)."""
    return "<br>".join([f"<b>{html.escape(title)}</b>", *(html.escape(s) for s in lines if s)])


# --- the layers (shared by the HTML report and the GeoJSON export) --------------------------
def _kelurahan_layer(hotspots: Any, lang: str) -> Layer:
    from layers.geodata import kelurahan

    counts = hotspots.kelurahan.set_index("kode")
    values = counts["per_km2"].to_numpy()
    edges = np.quantile(values[values > 0], [0.2, 0.4, 0.6, 0.8]) if (values > 0).any() else np.zeros(4)
    ramp = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
    feats = []
    for row in kelurahan().itertuples():
        c = counts.loc[row.kode]
        colour = ramp[int(np.searchsorted(edges, c["per_km2"], side="right"))] if c["count"] else "#f7f7f7"
        props = {"kode": row.kode, "nama": row.nama, "kecamatan": row.kecamatan, "insiden": int(c["count"]),
                 "per_km2": float(c["per_km2"]), "area_km2": float(c["area_km2"])}
        tip = _tip(f"Kel. {row.nama}", f"Kec. {row.kecamatan}",
                   f"{num(int(c['count']), lang)} {tr('insiden', 'incidents', lang)} · "
                   f"{num(c['per_km2'], lang, 1)}/km²")
        feats.append(_feature(row.geometry.simplify(KELURAHAN_SIMPLIFY_DEG), props,
                              {"fillColor": colour, "color": "#555", "weight": 0.6, "fillOpacity": 0.6}, tip))
    return Layer("kelurahan_counts", tr("Insiden per km² (kelurahan)", "Incidents per km² (kelurahan)", lang),
                 _fc(feats), show=False)


def _hotspot_layers(hotspots: Any, lang: str) -> list[Layer]:
    cells = hotspots.hotspots.cells
    table = cells.assign(klass_label=[fg.class_label(k, lang) for k in cells["klass"]])
    sig = table[table["klass"].isin(list(fg.HOTSPOT_STYLE))]
    feats = []
    for f, klass, count in zip(_cells_features(sig, ["count", "gi", "z", "p_sim", "klass", "klass_label",
                                                     "confidence"]), sig["klass"], sig["count"]):
        f["properties"]["_style"] = {"fillColor": fg.HOTSPOT_STYLE[klass][0], "color": "#ffffff", "weight": 0.3,
                                     "fillOpacity": 0.75}
        f["properties"][TIP] = _tip(fg.class_label(klass, lang),
                                    f"{tr('Insiden', 'Incidents', lang)}: {num(int(count), lang)}")
        feats.append(f)
    layers = [Layer("hotspots_gi", tr("Titik panas dan dingin (Gi*)", "Hot and cold spots (Gi*)", lang), _fc(feats))]
    if hotspots.emerging is not None:
        em = hotspots.emerging[hotspots.emerging["change"] != "unchanged"]
        feats = []
        for f, row in zip(_cells_features(em, list(em.columns)), em.itertuples()):
            colour, label_id, label_en = fg.EMERGING_STYLE[row.change]
            f["properties"]["_style"] = {"fillColor": colour, "color": "#ffffff", "weight": 0.3, "fillOpacity": 0.8}
            f["properties"][TIP] = _tip(tr(label_id, label_en, lang),
                                        f"{fg.class_label(row.klass_before, lang)} → "
                                        f"{fg.class_label(row.klass_after, lang)}",
                                        f"{tr('Insiden', 'Incidents', lang)}: {num(int(row.count_before), lang)} → "
                                        f"{num(int(row.count_after), lang)}")
            feats.append(f)
        layers.append(Layer("emerging_hotspots", tr("Perubahan titik panas", "Emerging hotspots", lang),
                            _fc(feats), show=False))
    return layers


def _coverage_layers(coverage: Any, lang: str) -> list[Layer]:
    res = coverage.result
    colours = fg.band_colours(len(res.bands_min))
    labels = band_labels(res.bands_min, lang)
    feats = []
    edges = [0.0, *res.bands_min, None]
    for i, geom in enumerate(res.polygons[:-1]):
        st = res.stats.iloc[i]
        tip = _tip(labels[i], f"{pct(st['area_share'], lang)} {tr('daratan', 'of the land', lang)}",
                   f"{num(int(st['incidents_n']), lang)} {tr('insiden', 'incidents', lang)} "
                   f"({pct(st['incidents_share'], lang)})")
        feats.append(_feature(geom, {"band": labels[i], "from_min": edges[i], "to_min": edges[i + 1],
                                     "area_km2": st["area_km2"], "area_share": st["area_share"],
                                     "incidents_n": int(st["incidents_n"]), "incidents_share": st["incidents_share"],
                                     "model": res.model},
                              {"fillColor": colours[i], "color": colours[i], "weight": 0.5, "fillOpacity": 0.5}, tip))
    short = tr("model jalan", "road model", lang) if res.model == "road" else tr("model perkiraan", "approximate model",
                                                                                  lang)
    layers = [Layer("coverage_bands", tr("Cakupan waktu tempuh", "Drive-time coverage", lang) + f" ({short})",
                    _fc(feats))]
    st = res.stats.iloc[-1]
    name = uncovered_label(res.bands_min, lang)
    tip = _tip(name, f"{pct(st['area_share'], lang)} {tr('daratan', 'of the land', lang)}",
               f"{num(int(st['incidents_n']), lang)} {tr('insiden', 'incidents', lang)}")
    layers.append(Layer("uncovered", name, _fc([_feature(
        res.uncovered, {"band": labels[-1], "area_km2": st["area_km2"], "area_share": st["area_share"],
                        "incidents_n": int(st["incidents_n"]), "model": res.model},
        {"fillColor": fg.UNCOVERED_COLOUR, "color": fg.UNCOVERED_COLOUR, "weight": 1, "fillOpacity": 0.35}, tip)])))
    feats = []
    for r in coverage.stations:
        approx = r.get("location_confidence") == "approximate"
        tip = _tip(str(r["name"]), category_label(r.get("category"), lang),
                   tr("lokasi perkiraan", "approximate location", lang) if approx else "")
        feats.append(_feature(Point(float(r["lon"]), float(r["lat"])),
                              {"name": r["name"], "category": r.get("category"),
                               "category_label": category_label(r.get("category"), lang),
                               "location_confidence": r.get("location_confidence")},
                              {"color": fg.STATION_COLOUR, "radius": 6}, tip))
    layers.append(Layer("stations", tr("Pos/stasiun", "Stations", lang), _fc(feats)))
    return layers


def _siting_layers(siting: Any, lang: str) -> list[Layer]:
    res = siting.result
    t = minutes(res.max_minutes, lang)
    gained = siting.after.polygons[0].difference(siting.before.polygons[0])
    gain_name = tr(f"Tambahan cakupan ≤ {t} menit", f"Added coverage ≤ {t} min", lang)
    layers = [Layer("siting_gain", gain_name, _fc([_feature(
        gained, {"minutes": res.max_minutes, "model": res.model},
        {"fillColor": fg.GAINED_COLOUR, "color": fg.GAINED_COLOUR, "weight": 0.5, "fillOpacity": 0.5},
        _tip(gain_name))]))]
    feats = []
    for r in res.candidates.to_dict("records"):
        label = site_label(r, lang)
        role = tr("Pos baru (usulan)", "New post (proposed)", lang) if r["chosen"] else tr("Kandidat", "Candidate",
                                                                                             lang)
        tip = _tip(label, role, f"{tr('menambah', 'adds', lang)} {num(int(r['alone_n']), lang)} "
                                f"{tr('insiden sendirian', 'incidents on its own', lang)}")
        feats.append(_feature(Point(float(r["lon"]), float(r["lat"])),
                              {"name": label, "kelurahan": r.get("kelurahan"), "landmark": r.get("landmark"),
                               "alone_n": int(r["alone_n"]), "chosen": bool(r["chosen"]), "on_network": bool(r["ok"])},
                              {"color": fg.CHOSEN_COLOUR if r["chosen"] else fg.CANDIDATE_COLOUR,
                               "radius": 10 if r["chosen"] else 3}, tip))
    layers.append(Layer("siting_candidates", tr("Kandidat dan pos usulan", "Candidates and proposed posts", lang),
                        _fc(feats)))
    if res.relocate:
        removed = res.existing[res.existing["removed"]]
        layers.append(Layer("siting_removed", tr("Pos yang dipindahkan", "Relocated post", lang),
                            _fc([_feature(Point(float(r["lon"]), float(r["lat"])), {"name": r["name"]},
                                          {"color": fg.REMOVED_COLOUR, "radius": 9}, _tip(str(r["name"])))
                                 for r in removed.to_dict("records")])))
    return layers


def report_layers(*, hotspots: Any = None, coverage: Any = None, siting: Any = None,
                  lang: str = "id") -> list[Layer]:
    """All layers of a report, in drawing order (areas below, points on top).

    ``show`` is True only for :data:`DEFAULT_SHOWN`: the report opens with hot and cold spots,
    stations and proposed posts.
    """
    layers: list[Layer] = []
    if hotspots is not None:
        layers.append(_kelurahan_layer(hotspots, lang))
        layers += _hotspot_layers(hotspots, lang)
    if coverage is not None:
        layers += _coverage_layers(coverage, lang)
    if siting is not None:
        layers += _siting_layers(siting, lang)
    return [Layer(layer.key, layer.name, layer.fc, show=layer.key in DEFAULT_SHOWN) for layer in layers]


def hs_bands(hotspots: Any) -> list[tuple[float, BaseGeometry]]:
    """KDE contour polygons of a hotspot view (for the GeoJSON export)."""
    from planning.hotspots import kde_bands

    return kde_bands(hotspots.density) if hotspots.density.n_points else []


def _cells_features(table: Any, columns: Sequence[str]) -> list[dict[str, Any]]:
    from planning.hotspots import cells_geojson

    features: list[dict[str, Any]] = cells_geojson(table, columns)["features"]
    return features


def kde_layer(hotspots: Any, lang: str = "id") -> Layer:
    """KDE contours as a layer (threshold per km² in the properties)."""
    feats = [_feature(geom, {"min_per_km2": level}) for level, geom in hs_bands(hotspots)]
    return Layer("kde_contours", tr("Kepadatan kernel (kontur)", "Kernel density (contours)", lang), _fc(feats),
                 show=False)


# --- GeoJSON export -------------------------------------------------------------------------
def geojson_zip(layers: Sequence[Layer], metadata: Mapping[str, Any]) -> bytes:
    """A zip with one ``<layer>.geojson`` per layer (EPSG:4326) and ``metadata.json``.

    Drawing hints (``_style``, ``_tip``) are left out; the layer's name in the report's language
    is kept as ``title``.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for layer in layers:
            fc = {"type": "FeatureCollection", "name": layer.key, "title": layer.name,
                  "features": [{**f, "properties": {k: v for k, v in f["properties"].items() if not k.startswith("_")}}
                               for f in layer.fc["features"]]}
            zf.writestr(f"{layer.key}.geojson", json.dumps(fc, ensure_ascii=False))
        zf.writestr("metadata.json", json.dumps(dict(metadata), ensure_ascii=False, indent=2, default=str))
    return buf.getvalue()


# --- HTML report ----------------------------------------------------------------------------
def _local_leaflet() -> tuple[str, str] | None:
    dirs = [Path(os.environ["K112_LEAFLET_DIR"])] if os.environ.get("K112_LEAFLET_DIR") else []
    for d in [*dirs, *LEAFLET_DIRS]:
        js, css = d / "leaflet.js", d / "leaflet.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    return None


def _style_fn(feature: Mapping[str, Any]) -> dict[str, Any]:
    return dict(feature["properties"].get("_style", {}))


def _display_fc(fc: Mapping[str, Any]) -> dict[str, Any]:
    """The features with only what the map needs (style and tooltip): no codes in the page."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": f["geometry"],
                          "properties": {k: v for k, v in f["properties"].items() if k in ("_style", TIP)}}
                         for f in fc["features"]]}


def _metric_scale(m: Any) -> None:
    """A scale bar in metres and kilometres only (Leaflet's default also shows miles and feet)."""
    from branca.element import MacroElement
    from jinja2 import Template

    scale = MacroElement()  # type: ignore[no-untyped-call]
    scale._name = "MetricScale"
    scale._template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({metric: true, imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}")
    m.add_child(scale)


def _add_layer(m: Any, layer: Layer) -> None:
    import folium

    feats = layer.fc["features"]
    tooltips = bool(feats) and TIP in feats[0]["properties"]
    if feats and feats[0]["geometry"]["type"] == "Point":
        group = folium.FeatureGroup(name=layer.name, show=layer.show)
        for f in feats:
            lon, lat = f["geometry"]["coordinates"]
            st = f["properties"].get("_style", {})
            folium.CircleMarker([lat, lon], radius=st.get("radius", 6), color="#ffffff", weight=1, fill=True,
                                fill_color=st.get("color", "#333"), fill_opacity=0.95,
                                tooltip=f["properties"].get(TIP)).add_to(group)
        group.add_to(m)
        return
    tooltip = folium.GeoJsonTooltip(fields=[TIP], labels=False) if tooltips else None
    folium.GeoJson(_display_fc(layer.fc), name=layer.name, style_function=_style_fn, show=layer.show,
                   tooltip=tooltip).add_to(m)


def _base_layers(m: Any, hotspots: Any, lang: str) -> None:
    import folium
    from folium.raster_layers import ImageOverlay

    from layers.geodata import kelurahan as kel_polys

    folium.TileLayer("OpenStreetMap",
                     name=tr("Peta dasar OpenStreetMap (daring)", "OpenStreetMap background (online)", lang),
                     attr="© OpenStreetMap contributors (ODbL)", control=True).add_to(m)
    outline = _fc([_feature(r.geometry.simplify(KELURAHAN_SIMPLIFY_DEG), {}, None,
                            _tip(f"Kel. {r.nama}", f"Kec. {r.kecamatan}")) for r in kel_polys().itertuples()])
    folium.GeoJson(outline, name=tr("Batas kelurahan", "Kelurahan boundaries", lang),
                   style_function=lambda f: {"fill": False, "color": "#37474f", "weight": 0.8},
                   tooltip=folium.GeoJsonTooltip(fields=[TIP], labels=False), show=True).add_to(m)
    if hotspots is not None and hotspots.density.n_points:
        url, _vmax = fg.kde_png_url(hotspots.density)
        corners = hotspots.density.corners_lonlat()
        lons = [c[0] for c in corners]
        lats = [c[1] for c in corners]
        ImageOverlay(image=url, bounds=[[min(lats), min(lons)], [max(lats), max(lons)]], opacity=0.75,
                     name=tr("Kepadatan kernel (KDE)", "Kernel density (KDE)", lang), show=False,
                     interactive=False, zindex=1).add_to(m)


def build_report(
    *,
    title: str,
    period: str,
    hotspots: Any = None,
    coverage: Any = None,
    siting: Any = None,
    lang: str = "id",
    generated_at: datetime | None = None,
    summary: Sequence[str] = (),
) -> str:
    """A standalone HTML report (folium map with switchable layers, legend, tables, sources).

    Parameters
    ----------
    title
        Report title.
    period
        What the incidents are (period, types, hours), shown under the title.
    hotspots, coverage, siting
        Results from :mod:`services.planning` (any may be None).
    summary
        Extra lines shown under the title.
    """
    import folium

    layers = report_layers(hotspots=hotspots, coverage=coverage, siting=siting, lang=lang)
    m = folium.Map(location=[-3.985, 122.535], zoom_start=12, tiles=None, height=f"{MAP_HEIGHT_PX}px",
                   control_scale=False, prefer_canvas=False)
    # Only Leaflet is needed: no jQuery, Bootstrap or icon fonts (fewer requests that fail offline).
    m.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    m.default_css = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]
    _base_layers(m, hotspots, lang)
    for layer in layers:
        _add_layer(m, layer)
    folium.LayerControl(collapsed=False).add_to(m)
    _metric_scale(m)
    page = m.get_root().render()
    local = _local_leaflet()
    if local is not None:
        js, css = local
        page = re.sub(r'<script src="[^"]*leaflet\.js"></script>', lambda _: f"<script>{js}</script>", page)
        page = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet\.css"/?>', lambda _: f"<style>{css}</style>", page)
    findings = [s for s in (fg.hotspot_summary(hotspots, lang) if hotspots is not None else None,
                            fg.coverage_summary(coverage, lang) if coverage is not None else None,
                            fg.siting_summary(siting, lang) if siting is not None else None) if s is not None]
    model = coverage.result.model if coverage is not None else siting.result.model if siting is not None else None
    header = header_html(title=title, period=period, findings=findings, extra=summary, model=model, lang=lang,
                         generated_at=generated_at)
    body_end = sections_html(layers=layers, hotspots=hotspots, coverage=coverage, siting=siting, lang=lang)
    page = page.replace("<body>", "<body>\n" + header, 1)
    idx = page.rfind("</body>")
    page = page[:idx] + body_end + page[idx:]
    lang_attr = "en" if lang == "en" else "id"
    page = page.replace("<html>", f'<html lang="{lang_attr}">', 1)
    page = page.replace("<head>", '<head>\n<meta charset="utf-8"/>\n<title>' + html.escape(title) + "</title>", 1)
    return page

