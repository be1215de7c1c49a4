"""Shareable reports: a standalone folium (Leaflet) HTML map and the layers as GeoJSON.

The HTML file holds all data inline (GeoJSON, the density image as a data URL) and needs no
server. Leaflet's JavaScript and CSS are inlined from the vendored copy in ``planning/vendor``
(BSD-2), so the interactive map works offline; only the background tiles (OpenStreetMap) need
internet. Should Leaflet still fail to start, the report also carries:

* a static SVG drawing of the same layers, shown automatically when Leaflet did not load;
* the legend, the summary tables, the method and the data sources as plain HTML.

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

from i18n import fmt_wita, tr
from planning import figures as fg

LEAFLET_DIRS = (Path(__file__).resolve().parent / "vendor" / "leaflet",
                Path("/usr/share/javascript/leaflet"), Path("/usr/share/nodejs/leaflet/dist"))
MAP_HEIGHT_PX = 620
#: Boundaries are drawn simplified to ~3 m (the report is for overview, not for surveying).
KELURAHAN_SIMPLIFY_DEG = 0.00003

#: (Indonesian, English) lines naming each data source and its licence.
DATA_SOURCES: tuple[tuple[str, str], ...] = (
    ("Batas kecamatan/kelurahan: cahyadsn/wilayah_boundaries (lisensi MIT), kode Kemendagri (Kepmendagri "
     "300.2.2-2138/2025).",
     "Kecamatan/kelurahan boundaries: cahyadsn/wilayah_boundaries (MIT licence), Kemendagri codes (Kepmendagri "
     "300.2.2-2138/2025)."),
    ("Puskesmas (pangkalan ambulans): basis data PSC 119 Kendari (madukubah/psc-kendari); rumah sakit dari sumber web "
     "publik; pos Damkar, polsek dan BPBD hanya diketahui kecamatannya (lokasi perkiraan).",
     "Puskesmas (ambulance bases): Kendari PSC 119 database (madukubah/psc-kendari); hospitals from public web "
     "sources; fire posts, police and BPBD known by kecamatan only (approximate locations)."),
    ("Insiden: basis data Kendari 112 (data demo bertanda sintetis bila ada). Insiden iseng dan duplikat tidak "
     "dihitung.",
     "Incidents: the Kendari 112 database (demo data is marked synthetic). Prank and duplicate incidents are not "
     "counted."),
    ("Waktu tempuh: graf perjalanan proyek (model jalan dari OpenStreetMap © kontributor OSM, ODbL; atau model "
     "perkiraan dari poligon daratan dan Jembatan Teluk Kendari).",
     "Travel times: the project's travel graph (road model from OpenStreetMap © OSM contributors, ODbL; or the "
     "approximate model from the land polygons and the Teluk Kendari bridge)."),
    ("Peta dasar: © kontributor OpenStreetMap (ODbL), hanya bila ada internet. Perangkat lunak: esda/libpysal (BSD), "
     "H3 (Apache-2.0), PuLP/CBC (MIT/EPL), folium/Leaflet (MIT/BSD-2).",
     "Background map: © OpenStreetMap contributors (ODbL), online only. Software: esda/libpysal (BSD), H3 "
     "(Apache-2.0), PuLP/CBC (MIT/EPL), folium/Leaflet (MIT/BSD-2)."),
)


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


def _feature(geom: BaseGeometry, props: Mapping[str, Any], style: Mapping[str, Any] | None = None) -> dict[str, Any]:
    p = {k: _clean(v) for k, v in props.items()}
    if style:
        p["_style"] = dict(style)
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


# --- the layers (shared by the HTML report and the GeoJSON export) --------------------------
def report_layers(*, hotspots: Any = None, coverage: Any = None, siting: Any = None,
                  lang: str = "id") -> list[Layer]:
    """All layers of a report, in drawing order (areas below, points on top)."""
    from layers.geodata import kelurahan

    layers: list[Layer] = []
    kel = kelurahan()
    if hotspots is not None:
        counts = hotspots.kelurahan.set_index("kode")
        values = counts["per_km2"].to_numpy()
        edges = np.quantile(values[values > 0], [0.2, 0.4, 0.6, 0.8]) if (values > 0).any() else np.zeros(4)
        ramp = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
        feats = []
        for row in kel.itertuples():
            c = counts.loc[row.kode]
            colour = ramp[int(np.searchsorted(edges, c["per_km2"], side="right"))] if c["count"] else "#f7f7f7"
            props = {"kode": row.kode, "nama": row.nama, "kecamatan": row.kecamatan, "insiden": int(c["count"]),
                     "per_km2": float(c["per_km2"]), "area_km2": float(c["area_km2"])}
            feats.append(_feature(row.geometry.simplify(KELURAHAN_SIMPLIFY_DEG), props,
                                  {"fillColor": colour, "color": "#555", "weight": 0.6, "fillOpacity": 0.6}))
        layers.append(Layer("kelurahan_counts",
                            tr("Insiden per km² (kelurahan)", "Incidents per km² (kelurahan)", lang),
                            _fc(feats), show=False))
        cells = hotspots.hotspots.cells
        table = cells.assign(klass_label=[_class_label(k, lang) for k in cells["klass"]])
        sig = table[table["klass"].isin(list(fg.HOTSPOT_STYLE))]
        feats = []
        for f, klass in zip(_cells_features(sig, ["count", "gi", "z", "p_sim", "klass", "klass_label", "confidence"]),
                            sig["klass"]):
            colour = fg.HOTSPOT_STYLE[klass][0]
            f["properties"]["_style"] = {"fillColor": colour, "color": "#ffffff", "weight": 0.3, "fillOpacity": 0.75}
            feats.append(f)
        layers.append(Layer("hotspots_gi", tr("Titik panas/dingin Gi*", "Gi* hot and cold spots", lang), _fc(feats)))
        if hotspots.emerging is not None:
            em = hotspots.emerging[hotspots.emerging["change"] != "unchanged"]
            feats = []
            for f, change in zip(_cells_features(em, list(em.columns)), em["change"]):
                f["properties"]["_style"] = {"fillColor": fg.EMERGING_STYLE[change][0], "color": "#ffffff",
                                             "weight": 0.3, "fillOpacity": 0.8}
                feats.append(f)
            layers.append(Layer("emerging_hotspots", tr("Perubahan titik panas", "Emerging hotspots", lang),
                                _fc(feats), show=False))
    if coverage is not None:
        res = coverage.result
        colours = fg.band_colours(len(res.bands_min))
        feats = []
        edges = [0.0, *res.bands_min, None]
        for i, (geom, label) in enumerate(zip(res.polygons[:-1], res.labels[:-1])):
            st = res.stats.iloc[i]
            feats.append(_feature(geom, {"band": label, "from_min": edges[i], "to_min": edges[i + 1],
                                         "area_km2": st["area_km2"], "area_share": st["area_share"],
                                         "incidents_n": int(st["incidents_n"]),
                                         "incidents_share": st["incidents_share"],
                                         "model": res.model},
                                  {"fillColor": colours[i], "color": colours[i], "weight": 0.5, "fillOpacity": 0.5}))
        layers.append(Layer("coverage_bands",
                            tr("Cakupan waktu tempuh", "Drive-time coverage", lang) + f" ({res.model})", _fc(feats)))
        st = res.stats.iloc[-1]
        layers.append(Layer("uncovered", tr("Tidak terjangkau ", "Not covered ", lang) + res.labels[-1],
                            _fc([_feature(res.uncovered, {"band": res.labels[-1], "area_km2": st["area_km2"],
                                                          "area_share": st["area_share"],
                                                          "incidents_n": int(st["incidents_n"]), "model": res.model},
                                          {"fillColor": fg.UNCOVERED_COLOUR, "color": fg.UNCOVERED_COLOUR,
                                           "weight": 1, "fillOpacity": 0.35})])))
        feats = [_feature(Point(float(r["lon"]), float(r["lat"])),
                          {"name": r["name"], "category": r["category"],
                           "location_confidence": r["location_confidence"]},
                          {"color": fg.STATION_COLOUR, "radius": 6})
                 for r in coverage.stations]
        layers.append(Layer("stations", tr("Pos/stasiun", "Stations", lang), _fc(feats)))
    if siting is not None:
        res = siting.result
        t = f"{res.max_minutes:g}"
        gained = siting.after.polygons[0].difference(siting.before.polygons[0])
        layers.append(Layer("siting_gain", tr(f"Tambahan cakupan ≤ {t} menit", f"Added coverage ≤ {t} min", lang),
                            _fc([_feature(gained, {"minutes": res.max_minutes, "model": res.model},
                                          {"fillColor": "#2979ff", "color": "#2979ff", "weight": 0.5,
                                           "fillOpacity": 0.5})])))
        feats = [_feature(Point(float(r["lon"]), float(r["lat"])),
                          {"name": r["name"], "alone_n": int(r["alone_n"]), "chosen": bool(r["chosen"]),
                           "on_network": bool(r["ok"])},
                          {"color": fg.CHOSEN_COLOUR if r["chosen"] else fg.CANDIDATE_COLOUR,
                           "radius": 10 if r["chosen"] else 3})
                 for r in res.candidates.to_dict("records")]
        layers.append(Layer("siting_candidates", tr("Kandidat dan pos usulan", "Candidates and proposed posts", lang),
                            _fc(feats)))
        if res.relocate:
            removed = res.existing[res.existing["removed"]]
            layers.append(Layer("siting_removed", tr("Pos yang dipindahkan", "Relocated post", lang),
                                _fc([_feature(Point(float(r["lon"]), float(r["lat"])), {"name": r["name"]},
                                              {"color": fg.REMOVED_COLOUR, "radius": 9})
                                     for r in removed.to_dict("records")])))
    return layers


def hs_bands(hotspots: Any) -> list[tuple[float, BaseGeometry]]:
    """KDE contour polygons of a hotspot view (for the GeoJSON export)."""
    from planning.hotspots import kde_bands

    return kde_bands(hotspots.density) if hotspots.density.n_points else []


def _class_label(klass: str, lang: str) -> str:
    style = fg.HOTSPOT_STYLE.get(klass)
    if style:
        return tr(style[1], style[2], lang)
    return tr("tidak signifikan", "not significant", lang) if klass == "ns" else tr("tidak diuji", "not tested", lang)


def _cells_features(table: Any, columns: Sequence[str]) -> list[dict[str, Any]]:
    from planning.hotspots import cells_geojson

    features: list[dict[str, Any]] = cells_geojson(table, columns)["features"]
    return features


def kde_layer(hotspots: Any, lang: str = "id") -> Layer:
    """KDE contours as a layer (threshold per km² in the properties)."""
    feats = [_feature(geom, {"min_per_km2": level}) for level, geom in hs_bands(hotspots)]
    return Layer("kde_contours", tr("Kepadatan kernel (kontur)", "Kernel density (contours)", lang), _fc(feats))


# --- GeoJSON export -------------------------------------------------------------------------
def geojson_zip(layers: Sequence[Layer], metadata: Mapping[str, Any]) -> bytes:
    """A zip with one ``<layer>.geojson`` per layer (EPSG:4326) and ``metadata.json``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for layer in layers:
            fc = {"type": "FeatureCollection", "name": layer.key,
                  "features": [{**f, "properties": {k: v for k, v in f["properties"].items() if k != "_style"}}
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


def _tooltip_fields(layer: Layer) -> list[str]:
    feats = layer.fc["features"]
    if not feats:
        return []
    return [k for k in feats[0]["properties"] if not k.startswith("_") and k not in ("h3",)][:7]


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
    from folium.raster_layers import ImageOverlay

    layers = report_layers(hotspots=hotspots, coverage=coverage, siting=siting, lang=lang)
    m = folium.Map(location=[-3.985, 122.535], zoom_start=12, tiles=None, height=f"{MAP_HEIGHT_PX}px",
                   control_scale=True, prefer_canvas=False)
    # Only Leaflet is needed: no jQuery, Bootstrap or icon fonts (fewer requests that fail offline).
    m.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    m.default_css = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]
    folium.TileLayer("OpenStreetMap",
                     name=tr("Peta dasar OpenStreetMap (daring)", "OpenStreetMap background (online)", lang),
                     attr="© OpenStreetMap contributors (ODbL)", control=True).add_to(m)
    from layers.geodata import kelurahan as kel_polys

    outline = folium.GeoJson(
        _fc([_feature(r.geometry.simplify(KELURAHAN_SIMPLIFY_DEG), {"nama": r.nama, "kecamatan": r.kecamatan})
             for r in kel_polys().itertuples()]),
        name=tr("Batas kelurahan", "Kelurahan boundaries", lang),
        style_function=lambda f: {"fill": False, "color": "#37474f", "weight": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["nama", "kecamatan"]), show=True)
    outline.add_to(m)
    if hotspots is not None and hotspots.density.n_points:
        url, _vmax = fg.kde_png_url(hotspots.density)
        corners = hotspots.density.corners_lonlat()
        lons = [c[0] for c in corners]
        lats = [c[1] for c in corners]
        ImageOverlay(image=url, bounds=[[min(lats), min(lons)], [max(lats), max(lons)]], opacity=0.75,
                     name=tr("Kepadatan kernel (KDE)", "Kernel density (KDE)", lang), show=True,
                     interactive=False, zindex=1).add_to(m)
    for layer in layers:
        point_layer = layer.fc["features"] and layer.fc["features"][0]["geometry"]["type"] == "Point"
        fields = _tooltip_fields(layer)
        if point_layer:
            group = folium.FeatureGroup(name=layer.name, show=layer.show)
            for f in layer.fc["features"]:
                lon, lat = f["geometry"]["coordinates"]
                st = f["properties"].get("_style", {})
                tip = "<br>".join(f"{k}: {html.escape(str(f['properties'][k]))}" for k in fields)
                folium.CircleMarker([lat, lon], radius=st.get("radius", 6), color="#ffffff", weight=1,
                                    fill=True, fill_color=st.get("color", "#333"), fill_opacity=0.95,
                                    tooltip=tip).add_to(group)
            group.add_to(m)
        else:
            folium.GeoJson(layer.fc, name=layer.name, style_function=_style_fn, show=layer.show,
                           tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    page = m.get_root().render()
    local = _local_leaflet()
    if local is not None:
        js, css = local
        page = re.sub(r'<script src="[^"]*leaflet\.js"></script>', lambda _: f"<script>{js}</script>", page)
        page = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet\.css"/?>', lambda _: f"<style>{css}</style>", page)
    header = _header_html(title=title, period=period, summary=summary, coverage=coverage, siting=siting,
                          lang=lang, generated_at=generated_at)
    body_end = _sections_html(layers=layers, hotspots=hotspots, coverage=coverage, siting=siting, lang=lang)
    page = page.replace("<body>", "<body>\n" + header, 1)
    idx = page.rfind("</body>")
    page = page[:idx] + body_end + page[idx:]
    page = page.replace("<head>", '<head>\n<meta charset="utf-8"/>\n<title>' + html.escape(title) + "</title>", 1)
    return page


_CSS = """
<style>
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: #1c2733; margin: 0; }
.k112r-header { padding: 0.6rem 1rem; background: #102a43; color: #fff; }
.k112r-header h1 { margin: 0; font-size: 1.3rem; }
.k112r-header p { margin: 0.2rem 0; font-size: 0.9rem; color: #d9e2ec; }
.k112r-section { padding: 0.5rem 1rem; }
.k112r-section h2 { font-size: 1.05rem; margin: 0.6rem 0 0.3rem; }
.k112r-legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; font-size: 0.85rem; }
.k112r-swatch { display: inline-block; width: 14px; height: 14px; margin-right: 4px; vertical-align: middle;
                border: 1px solid #999; }
table.k112r { border-collapse: collapse; font-size: 0.85rem; }
table.k112r th, table.k112r td { border: 1px solid #d9e2ec; padding: 2px 8px; text-align: left; }
#k112r-fallback { display: none; padding: 0 1rem; }
#k112r-fallback svg { width: 100%; max-width: 1100px; height: auto; border: 1px solid #d9e2ec; background: #eef3f7; }
.k112r-note { font-size: 0.85rem; color: #7a4a00; background: #fff6e0; padding: 0.4rem 0.6rem; }
</style>
"""


def _header_html(*, title: str, period: str, summary: Sequence[str], coverage: Any, siting: Any, lang: str,
                 generated_at: datetime | None) -> str:
    model = None
    if coverage is not None:
        model = coverage.result.model
    elif siting is not None:
        model = siting.result.model
    lines = [f"<p>{html.escape(period)}</p>"]
    if model:
        model_text = tr("Model waktu tempuh: ", "Travel-time model: ", lang) + fg.model_label(model, lang)
        lines.append(f"<p>{html.escape(model_text)}</p>")
    generated = tr("Dibuat ", "Generated ", lang) + fmt_wita(generated_at or datetime.now().astimezone())
    lines.append(f"<p>{html.escape(generated)} · Kendari 112</p>")
    lines += [f"<p>{html.escape(s)}</p>" for s in summary]
    return (_CSS + '<header class="k112r-header" id="k112r-header"><h1>' + html.escape(title) + "</h1>"
            + "".join(lines) + "</header>")


def _legend_html(layers: Sequence[Layer], hotspots: Any, coverage: Any, siting: Any, lang: str) -> str:
    items: list[tuple[str, str]] = []
    if hotspots is not None:
        items += [(c, tr(i, e, lang)) for c, i, e in fg.HOTSPOT_STYLE.values()]
        items.append(("#fd8d3c", tr("Kepadatan kernel (KDE): kuning rendah → merah tinggi",
                                    "Kernel density (KDE): yellow low → red high", lang)))
        if hotspots.emerging is not None:
            items += [(c, tr(i, e, lang)) for c, i, e in fg.EMERGING_STYLE.values()]
    if coverage is not None:
        res = coverage.result
        colours = fg.band_colours(len(res.bands_min))
        items += list(zip(colours[:-1], res.labels[:-1]))
        items.append((fg.UNCOVERED_COLOUR, tr("Tidak terjangkau ", "Not covered ", lang) + res.labels[-1]))
        items.append((fg.STATION_COLOUR, tr("Pos/stasiun", "Stations", lang)))
    if siting is not None:
        items.append(("#2979ff", tr("Tambahan cakupan", "Added coverage", lang)))
        items.append((fg.CHOSEN_COLOUR, tr("Pos baru (usulan)", "New post (proposed)", lang)))
        items.append((fg.CANDIDATE_COLOUR, tr("Kandidat", "Candidates", lang)))
    spans = "".join(f'<span><span class="k112r-swatch" style="background:{c}"></span>{html.escape(t)}</span>'
                    for c, t in items)
    return f'<div class="k112r-legend" id="k112r-legend">{spans}</div>'


def _table(rows: Sequence[Mapping[str, Any]], table_id: str) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f'<table class="k112r" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _sections_html(*, layers: Sequence[Layer], hotspots: Any, coverage: Any, siting: Any, lang: str) -> str:
    parts = [
        '<div id="k112r-fallback"><p class="k112r-note">'
        + html.escape(tr("Peta interaktif tidak dapat dimuat (Leaflet dimuat dari internet). Di bawah ini gambar "
                         "statis dari lapisan yang sama.",
                         "The interactive map could not load (Leaflet comes from the internet). Below is a static "
                         "drawing of the same layers.", lang))
        + "</p>" + _svg_toggles(layers, lang) + svg_drawing(layers, lang=lang) + "</div>",
        '<section class="k112r-section"><h2>' + html.escape(tr("Legenda", "Legend", lang)) + "</h2>"
        + _legend_html(layers, hotspots, coverage, siting, lang) + "</section>",
    ]
    if hotspots is not None:
        parts.append('<section class="k112r-section"><h2>' + html.escape(tr("Titik rawan", "Hotspots", lang)) + "</h2>"
                     + "".join(f"<p>{html.escape(s)}</p>" for s in fg.hotspot_summary(hotspots, lang))
                     + _table([{"Kelurahan": r["nama"], "Kecamatan": r["kecamatan"],
                                tr("Insiden", "Incidents", lang): int(r["count"]),
                                tr("per km²", "per km²", lang): f"{r['per_km2']:.1f}"}
                               for r in hotspots.kelurahan.head(10).to_dict("records")], "k112r-kelurahan")
                     + "</section>")
    if coverage is not None:
        res = coverage.result
        parts.append('<section class="k112r-section"><h2>'
                     + html.escape(tr("Cakupan waktu tempuh", "Drive-time coverage", lang)) + "</h2><p>"
                     + html.escape(fg.model_label(res.model, lang)) + "</p>"
                     + _table(fg.coverage_rows(res, lang), "k112r-coverage") + "</section>")
    if siting is not None:
        parts.append('<section class="k112r-section"><h2>'
                     + html.escape(tr("Lokasi pos baru (what-if)", "New post siting (what-if)", lang)) + "</h2>"
                     + "".join(f"<p>{html.escape(s)}</p>" for s in fg.siting_summary(siting, lang)) + "</section>")
    parts.append('<section class="k112r-section"><h2>' + html.escape(tr("Metode", "Method", lang)) + "</h2><ul>"
                 + "".join(f"<li>{html.escape(tr(i, e, lang))}</li>" for i, e in METHOD_NOTES) + "</ul></section>")
    parts.append('<section class="k112r-section" id="k112r-sources"><h2>'
                 + html.escape(tr("Sumber data dan lisensi", "Data sources and licences", lang)) + "</h2><ul>"
                 + "".join(f"<li>{html.escape(tr(i, e, lang))}</li>" for i, e in DATA_SOURCES) + "</ul></section>")
    parts.append("""<script>
window.addEventListener('load', function () {
  if (typeof L === 'undefined') {
    document.getElementById('k112r-fallback').style.display = 'block';
    document.querySelectorAll('.folium-map').forEach(function (el) { el.style.display = 'none'; });
  }
});
</script>""")
    return "\n".join(parts)


METHOD_NOTES: tuple[tuple[str, str], ...] = (
    ("Titik panas: Getis-Ord Gi* (esda) pada heksagon H3 di atas daratan kota, ketetanggaan cincin-1 (sel itu sendiri "
     "dan 6 tetangganya, bobot biner); signifikansi dari nilai p pseudo 999 permutasi bersyarat (seed tetap): 99% p ≤ "
     "0,01, 95% p ≤ 0,05, 90% p ≤ 0,10; arah dari tanda skor z. Tanpa koreksi uji berganda.",
     "Hotspots: Getis-Ord Gi* (esda) on H3 hexagons over the city's land, ring-1 contiguity (the cell and its 6 "
     "neighbours, binary weights); significance from the pseudo p-value of 999 conditional permutations (fixed seed): "
     "99% p ≤ 0.01, 95% p ≤ 0.05, 90% p ≤ 0.10; direction from the z-score's sign. No multiple-testing correction."),
    ("Kepadatan kernel: kernel Gauss dengan bandwidth tetap dalam meter, pada grid UTM 51S (EPSG:32751), dalam insiden "
     "per km².",
     "Kernel density: Gaussian kernel with a fixed bandwidth in metres on a UTM 51S (EPSG:32751) grid, in incidents "
     "per km²."),
    ("Cakupan: waktu tempuh dari pos terdekat (Dijkstra multi-sumber pada graf perjalanan) ke setiap sel grid 100 m di "
     "daratan dan ke setiap insiden; air tidak pernah dihitung terjangkau.",
     "Coverage: travel time from the nearest station (multi-source Dijkstra on the travel graph) to every 100 m grid "
     "cell on land and to every incident; water never counts as covered."),
    ("Lokasi pos: masalah lokasi cakupan maksimal (MCLP), diselesaikan eksak dengan PuLP/CBC; insiden yang sudah "
     "terjangkau pos saat ini dihitung tercakup.",
     "Siting: maximal covering location problem (MCLP), solved exactly with PuLP/CBC; incidents already covered by "
     "today's posts count as covered."),
)


# --- static SVG drawing (offline fallback) --------------------------------------------------
def _svg_toggles(layers: Sequence[Layer], lang: str) -> str:
    """Checkboxes that show and hide the SVG's layers (plain JavaScript, works offline)."""
    boxes = []
    for layer in layers:
        checked = " checked" if layer.show else ""
        boxes.append(f'<label><input type="checkbox" data-toggle="{layer.key}"{checked} '
                     f'onchange="document.querySelector(\'#k112r-svg g[data-layer={layer.key}]\').style.display='
                     f'this.checked?\'\':\'none\'"> {html.escape(layer.name)}</label>')
    return '<div class="k112r-legend" id="k112r-svg-layers">' + "".join(boxes) + "</div>"


def svg_drawing(layers: Sequence[Layer], *, width_px: int = 1000, lang: str = "id") -> str:
    """An SVG of the layers (equirectangular, north up) with the kelurahan boundaries."""
    from shapely.geometry import shape

    from layers.geodata import city_outline, kelurahan

    minx, miny, maxx, maxy = city_outline().bounds
    pad = 0.005
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    kx = np.cos(np.radians((miny + maxy) / 2))
    scale = width_px / ((maxx - minx) * kx)
    height_px = int((maxy - miny) * scale) + 1

    def pt(x: float, y: float) -> str:
        return f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}"

    def path(geom: BaseGeometry) -> str:
        d = []
        polys = getattr(geom, "geoms", [geom])
        for p in polys:
            if p.geom_type != "Polygon" or p.is_empty:
                continue
            for ring in [p.exterior, *p.interiors]:
                coords = list(ring.coords)
                d.append("M" + " L".join(pt(x, y) for x, y in coords) + " Z")
        return " ".join(d)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_px} {height_px}" '
           f'id="k112r-svg" role="img" aria-label="{html.escape(tr("Peta statis", "Static map", lang))}">',
           f'<path d="{path(city_outline().simplify(0.0002))}" fill="#ffffff" stroke="none"/>']
    for layer in layers:
        hidden = "" if layer.show else ' style="display:none"'
        out.append(f'<g data-layer="{layer.key}"{hidden}>')
        for f in layer.fc["features"]:
            st = f["properties"].get("_style", {})
            geom = shape(f["geometry"])
            if isinstance(geom, Point):
                r = max(2, int(st.get("radius", 6)) * 0.6)
                x, y = pt(geom.x, geom.y).split(",")
                out.append(f'<circle cx="{x}" cy="{y}" r="{r:.0f}" fill="{st.get("color", "#333")}" stroke="#fff"/>')
            else:
                out.append(f'<path d="{path(geom.simplify(0.0001))}" fill="{st.get("fillColor", "#999")}" '
                           f'fill-opacity="{st.get("fillOpacity", 0.5)}" fill-rule="evenodd" '
                           f'stroke="{st.get("color", "none")}" stroke-width="0.3"/>')
        out.append("</g>")
    out.append('<g data-layer="kelurahan">')
    for row in kelurahan().itertuples():
        out.append(f'<path d="{path(row.geometry.simplify(0.0001))}" fill="none" stroke="#37474f" stroke-width="0.6"/>')
    out.append("</g></svg>")
    return "".join(out)
