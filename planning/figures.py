"""Plotly figures of the planning results (no Dash, no SQL), and the plain-language summaries.

Colours and labels are shared with the folium report (:mod:`planning.report`). The palette keeps
the two families apart and is safe for colour-blind readers: hot and cold spots in ColorBrewer's
red–blue (RdBu), drive-time bands in one purple ramp (darker = quicker), uncovered land as a grey
veil, the density surface in greys, new posts in Okabe–Ito bluish green. Numbers are formatted in
the user's language (also inside plotly: ``layout.separators``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from i18n import tr
from layers.map_figure import build_map_figure
from planning import hotspots as hs, temporal as tmp
from planning._format import band_labels, minutes, model_label, num, pct, uncovered_label
from planning._summaries import Summary, coverage_summary, hotspot_summary, siting_summary, temporal_summary
from planning.siting import site_label

__all__ = [
    "BAND_COLOURS",
    "CANDIDATE_COLOUR",
    "CHOSEN_COLOUR",
    "CLICKED_COLOUR",
    "EMERGING_STYLE",
    "GAINED_COLOUR",
    "HOTSPOT_LAYERS",
    "HOTSPOT_STYLE",
    "KDE_STOPS",
    "REMOVED_COLOUR",
    "STATION_COLOUR",
    "UNCOVERED_COLOUR",
    "Summary",
    "band_colours",
    "base_map",
    "class_label",
    "clicked_figure",
    "coverage_figure",
    "coverage_rows",
    "coverage_summary",
    "coverage_traces",
    "hotspot_figure",
    "hotspot_summary",
    "hour_weekday_figure",
    "kde_png_url",
    "kde_rgba",
    "model_label",
    "polygon_trace",
    "seasonality_figure",
    "separators",
    "siting_figure",
    "siting_summary",
    "temporal_summary",
]

#: class: (colour, Indonesian, English) — ColorBrewer RdBu (colour-blind safe).
HOTSPOT_STYLE: Mapping[str, tuple[str, str, str]] = {
    "hot_99": ("#b2182b", "Titik panas (99 %)", "Hot spot (99% confidence)"),
    "hot_95": ("#ef8a62", "Titik panas (95 %)", "Hot spot (95% confidence)"),
    "hot_90": ("#fddbc7", "Titik panas (90 %)", "Hot spot (90% confidence)"),
    "cold_90": ("#d1e5f0", "Titik dingin (90 %)", "Cold spot (90% confidence)"),
    "cold_95": ("#67a9cf", "Titik dingin (95 %)", "Cold spot (95% confidence)"),
    "cold_99": ("#2166ac", "Titik dingin (99 %)", "Cold spot (99% confidence)"),
}
EMERGING_STYLE: Mapping[str, tuple[str, str, str]] = {
    "new_hot": ("#67001f", "Titik panas baru", "New hot spot"),
    "intensifying_hot": ("#d6604d", "Titik panas menguat", "Intensifying hot spot"),
    "weakening_hot": ("#f4a582", "Titik panas melemah", "Weakening hot spot"),
    "ended_hot": ("#bababa", "Bukan lagi titik panas", "No longer a hot spot"),
    "new_cold": ("#053061", "Titik dingin baru", "New cold spot"),
    "intensifying_cold": ("#4393c3", "Titik dingin menguat", "Intensifying cold spot"),
    "weakening_cold": ("#92c5de", "Titik dingin melemah", "Weakening cold spot"),
    "ended_cold": ("#878787", "Bukan lagi titik dingin", "No longer a cold spot"),
}
#: Drive-time ramp (ColorBrewer Purples), quickest first; bands take evenly spaced steps of it.
BAND_COLOURS = ("#3f007d", "#54278f", "#6a51a3", "#807dba", "#9e9ac8", "#bcbddc", "#dadaeb", "#efedf5")
UNCOVERED_COLOUR = "#404040"
#: Density surface: light grey (low) to near black (high), under the coloured cells.
KDE_STOPS = ((0.0, (247, 247, 247)), (0.25, (204, 204, 204)), (0.5, (150, 150, 150)),
             (0.75, (99, 99, 99)), (1.0, (37, 37, 37)))
STATION_COLOUR = "#102a43"
CHOSEN_COLOUR = "#009e73"
GAINED_COLOUR = "#009e73"
REMOVED_COLOUR = "#bdbdbd"
CANDIDATE_COLOUR = "#737373"
CLICKED_COLOUR = "#e69f00"
LOST_COLOUR = "#969696"


def separators(lang: str) -> str:
    """plotly ``layout.separators`` (decimal, thousands) for the language: ``,.`` in id, ``.,`` in en."""
    return ".," if lang == "en" else ",."


def band_colours(n_bands: int) -> list[str]:
    """One colour per band (dark purple = quickest) plus the uncovered colour last."""
    idx = np.linspace(1, 6, n_bands).round().astype(int) if n_bands > 1 else np.array([2])
    return [*(BAND_COLOURS[i] for i in idx), UNCOVERED_COLOUR]


def class_label(klass: str, lang: str) -> str:
    """A hot-spot class in words (``hot_99`` → ``Titik panas (99 %)``)."""
    style = HOTSPOT_STYLE.get(klass)
    if style:
        return tr(style[1], style[2], lang)
    return tr("tidak signifikan", "not significant", lang) if klass == "ns" else tr("tidak diuji", "not tested", lang)


# --- kernel density as an image -------------------------------------------------------------
def kde_rgba(density: np.ndarray) -> tuple[np.ndarray, float]:
    """RGBA (uint8, row 0 = south) for a density grid, and the value shown as the top colour."""
    d = np.asarray(density, dtype=np.float64)
    positive = d[np.isfinite(d) & (d > 0)]
    vmax = float(np.quantile(positive, 0.995)) if positive.size else 1.0
    v = np.clip(np.nan_to_num(d, nan=0.0) / max(vmax, 1e-12), 0.0, 1.0)
    stops = np.array([s for s, _ in KDE_STOPS])
    rgb = np.stack([np.interp(v, stops, [c[i] for _, c in KDE_STOPS]) for i in range(3)], axis=-1)
    alpha = np.where(v < 0.03, 0.0, np.clip(0.2 + v * 0.6, 0.0, 0.8)) * 255
    alpha[~np.isfinite(d)] = 0
    return np.dstack([rgb, alpha]).astype(np.uint8), vmax


def kde_png_url(grid: hs.KdeGrid) -> tuple[str, float]:
    """The density as a PNG data URL (north up) and the value of the top colour (per km²)."""
    from folium.utilities import write_png

    rgba, vmax = kde_rgba(grid.density)
    png = write_png(rgba, origin="lower")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii"), vmax


# --- traces ---------------------------------------------------------------------------------
def _feature_collection(geoms: Sequence[BaseGeometry], ids: Sequence[str]) -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": i, "properties": {"id": i}, "geometry": mapping(g)}
                         for g, i in zip(geoms, ids) if not g.is_empty]}


def polygon_trace(geom: BaseGeometry, *, name: str, colour: str, opacity: float = 0.45,
                  hover: str | None = None, uid: str = "poly", legendgroup: str | None = None) -> go.Choroplethmap:
    """One (multi)polygon as a filled Choroplethmap trace."""
    fc = _feature_collection([geom], [uid])
    return go.Choroplethmap(
        geojson=fc, locations=[uid] if fc["features"] else [], z=[1] if fc["features"] else [],
        featureidkey="id", colorscale=[[0, colour], [1, colour]], showscale=False,
        marker={"opacity": opacity, "line": {"width": 0.5, "color": colour}},
        name=name, showlegend=True, hovertemplate=(hover or name) + "<extra></extra>",
        legendgroup=legendgroup)


def cells_trace(table: Any, *, name: str, colour: str, hover: Sequence[str], opacity: float = 0.7,
                legendgroup: str | None = None) -> go.Choroplethmap:
    """H3 cells (table indexed by cell id) in one colour."""
    fc = hs.cells_geojson(table)
    return go.Choroplethmap(
        geojson=fc, locations=list(table.index), z=[1] * len(table), featureidkey="id",
        colorscale=[[0, colour], [1, colour]], showscale=False,
        marker={"opacity": opacity, "line": {"width": 0.3, "color": "#ffffff"}},
        text=list(hover), hovertemplate="%{text}<extra></extra>", name=name, legendgroup=legendgroup,
        showlegend=True)


def _points_trace(rows: Sequence[Mapping[str, Any]], *, name: str, colour: str, size: int = 11,
                  text: Sequence[str] | None = None, legendgroup: str | None = None,
                  symbol_text: bool = False) -> go.Scattermap:
    return go.Scattermap(
        lon=[float(r["lon"]) for r in rows], lat=[float(r["lat"]) for r in rows],
        mode="markers+text" if symbol_text else "markers",
        marker={"size": size, "color": colour, "opacity": 0.95},
        text=list(text) if text is not None else [str(r.get("name", "")) for r in rows],
        textposition="top right", textfont={"size": 11, "color": colour},
        hovertemplate="%{text}<extra></extra>", name=name, legendgroup=legendgroup)


def base_map(areas: Mapping[str, Any], traces: Sequence[Any], *, lang: str, basemap: str,
             uirevision: str) -> go.Figure:
    """The city map (kecamatan and their names) with ``traces`` on top, numbers in the language's format."""
    fig = build_map_figure(areas=areas, layers=("kecamatan", "labels"), lang=lang, basemap=basemap,
                           extra_traces=traces, uirevision=uirevision)
    fig.update_layout(clickmode="event", separators=separators(lang))
    return fig


# --- hotspots -------------------------------------------------------------------------------
HOTSPOT_LAYERS = ("gi", "counts", "kelurahan", "emerging")


def _gi_traces(cells: Any, lang: str) -> list[Any]:
    traces = []
    for klass, (colour, label_id, label_en) in HOTSPOT_STYLE.items():
        sub = cells[cells["klass"] == klass]
        if sub.empty:
            continue
        hover = [f"<b>{tr(label_id, label_en, lang)}</b><br>{tr('Insiden', 'Incidents', lang)}: "
                 f"{num(int(c), lang)}<br>Gi* z = {num(z, lang, 2)}, p = {num(p, lang, 3)}"
                 for c, z, p in zip(sub["count"], sub["z"], sub["p_sim"])]
        traces.append(cells_trace(sub, name=tr(label_id, label_en, lang), colour=colour, hover=hover,
                                  legendgroup="gi"))
    return traces


def _emerging_traces(em: Any, lang: str) -> list[Any]:
    traces = []
    for change, (colour, label_id, label_en) in EMERGING_STYLE.items():
        sub = em[em["change"] == change]
        if sub.empty:
            continue
        hover = [f"<b>{tr(label_id, label_en, lang)}</b><br>{class_label(a, lang)} → {class_label(b, lang)}<br>"
                 f"{tr('Insiden', 'Incidents', lang)}: {num(int(cb), lang)} → {num(int(ca), lang)}"
                 for a, b, cb, ca in zip(sub["klass_before"], sub["klass_after"], sub["count_before"],
                                         sub["count_after"])]
        traces.append(cells_trace(sub, name=tr(label_id, label_en, lang), colour=colour, hover=hover,
                                  legendgroup="emerging"))
    return traces


def hotspot_figure(view: Any, *, areas: Mapping[str, Any], layer: str = "gi", show_kde: bool = True,
                   lang: str = "id", basemap: str = "offline") -> go.Figure:
    """The hotspot map: Gi* classes, H3 counts, kelurahan density or emerging hotspots, plus KDE."""
    cells = view.hotspots.cells
    traces: list[Any] = []
    if layer == "gi":
        traces = _gi_traces(cells, lang)
    elif layer == "counts":
        sub = cells[cells["count"] > 0]
        if not sub.empty:
            traces.append(go.Choroplethmap(
                geojson=hs.cells_geojson(sub), locations=list(sub.index), z=sub["count"].tolist(),
                featureidkey="id", colorscale="YlOrRd", zmin=0,
                marker={"opacity": 0.7, "line": {"width": 0.2, "color": "#fff"}},
                colorbar={"title": {"text": tr("Insiden", "Incidents", lang)}, "x": 0.99, "len": 0.5},
                name=tr("Jumlah per heksagon", "Count per hexagon", lang),
                hovertemplate="%{z:,.0f} " + tr("insiden", "incidents", lang) + "<extra></extra>"))
    elif layer == "kelurahan":
        kel = view.kelurahan
        traces.append(go.Choroplethmap(
            geojson=areas["kelurahan"]["geojson"], locations=kel["kode"].tolist(),
            z=kel["per_km2"].round(2).tolist(), featureidkey="properties.kode", colorscale="YlOrRd", zmin=0,
            marker={"opacity": 0.65, "line": {"width": 0.6, "color": "#555"}},
            colorbar={"title": {"text": tr("Insiden/km²", "Incidents/km²", lang)}, "x": 0.99, "len": 0.5},
            text=[f"<b>{n}</b> ({k})<br>{num(int(c), lang)} {tr('insiden', 'incidents', lang)} · "
                  f"{num(d, lang, 1)}/km²"
                  for n, k, c, d in zip(kel["nama"], kel["kecamatan"], kel["count"], kel["per_km2"])],
            hovertemplate="%{text}<extra></extra>",
            name=tr("Kelurahan: insiden per km²", "Kelurahan: incidents per km²", lang)))
    elif layer == "emerging" and view.emerging is not None:
        traces = _emerging_traces(view.emerging, lang)
    fig = base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-hotspots")
    if show_kde and view.density.n_points:
        url, _ = kde_png_url(view.density)
        fig.update_layout(map_layers=[{"sourcetype": "image", "source": url,
                                       "coordinates": view.density.corners_lonlat(), "opacity": 0.75,
                                       "below": "traces"}])
    return fig


# --- when -----------------------------------------------------------------------------------
def hour_weekday_figure(view: Any, lang: str = "id") -> go.Figure:
    """Heatmap of incidents by weekday (rows) and hour (columns), WITA."""
    days = tmp.WEEKDAYS_EN if lang == "en" else tmp.WEEKDAYS_ID
    m = view.hour_weekday
    fig = go.Figure(go.Heatmap(z=m.to_numpy(), x=[f"{h:02d}" for h in m.columns], y=list(days),
                               colorscale="YlOrRd", zmin=0,
                               colorbar={"title": {"text": tr("Insiden", "Incidents", lang)}},
                               hovertemplate="%{y} %{x}:00 WITA: %{z:,.0f}<extra></extra>"))
    fig.update_layout(title=tr("Jam × hari (WITA)", "Hour × weekday (WITA)", lang),
                      yaxis={"autorange": "reversed"}, xaxis={"title": tr("Jam", "Hour", lang)},
                      margin={"l": 60, "r": 10, "t": 40, "b": 40}, height=330, separators=separators(lang))
    return fig


def seasonality_figure(view: Any, type_names: Mapping[str, str], lang: str = "id") -> go.Figure:
    """Monthly counts per type (lines), months named in the user's language."""
    fig = go.Figure()
    table = view.seasonality.by_month
    names = tmp.MONTHS_EN if lang == "en" else tmp.MONTHS_ID
    months = [f"{names[m.month - 1]} {m.year}" for m in table.index]
    for code in table.columns:
        fig.add_trace(go.Scatter(x=months, y=table[code], mode="lines+markers",
                                 name=type_names.get(code, tr("jenis lain", "other type", lang)),
                                 hovertemplate="%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>"))
    fig.update_layout(title=tr("Musiman: insiden per bulan dan jenis", "Seasonality: incidents per month and type",
                               lang),
                      xaxis={"title": tr("Bulan", "Month", lang), "type": "category"},
                      yaxis={"title": tr("Insiden", "Incidents", lang), "rangemode": "tozero"},
                      margin={"l": 60, "r": 10, "t": 40, "b": 40}, height=330, legend={"font": {"size": 10}},
                      separators=separators(lang))
    return fig


# --- coverage -------------------------------------------------------------------------------
def coverage_traces(result: Any, lang: str = "id") -> list[Any]:
    """One filled trace per band (purple ramp) and the uncovered land (grey veil)."""
    colours = band_colours(len(result.bands_min))
    names = [*band_labels(result.bands_min, lang)[:-1], uncovered_label(result.bands_min, lang)]
    traces = []
    for i, (geom, name) in enumerate(zip(result.polygons, names)):
        last = i == len(result.polygons) - 1
        share = result.stats["area_share"].iloc[i]
        traces.append(polygon_trace(geom, name=name, colour=colours[i], opacity=0.35 if last else 0.5,
                                    hover=f"{name}: {pct(share, lang, 0)} " + tr("luas daratan", "of the land", lang),
                                    uid=f"band{i}", legendgroup="coverage"))
    return traces


def _station_hover(row: Mapping[str, Any], lang: str) -> str:
    where = row.get("kelurahan") or ""
    note = (tr(" (lokasi perkiraan)", " (approximate location)", lang)
            if row.get("location_confidence") == "approximate" else "")
    return f"<b>{row['name']}</b><br>{where}{note}"


def coverage_figure(view: Any, *, areas: Mapping[str, Any], lang: str = "id", basemap: str = "offline") -> go.Figure:
    """Service-area bands, the uncovered land and the stations."""
    traces = coverage_traces(view.result, lang)
    rows = view.stations
    traces.append(_points_trace(rows, name=tr("Pos/stasiun", "Stations", lang), colour=STATION_COLOUR,
                                text=[_station_hover(r, lang) for r in rows]))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-coverage")


def coverage_rows(result: Any, lang: str = "id") -> list[dict[str, Any]]:
    """Table rows: band, land km² and share, kelurahan, incidents (numbers in the language's format)."""
    out = []
    labels = [*band_labels(result.bands_min, lang)[:-1], uncovered_label(result.bands_min, lang)]
    for label, (_, r) in zip(labels, result.stats.iterrows()):
        out.append({
            tr("Pita", "Band", lang): label,
            tr("Luas (km²)", "Area (km²)", lang): num(r["area_km2"], lang, 1),
            tr("% daratan", "% of land", lang): pct(r["area_share"], lang),
            tr("Kelurahan (mayoritas)", "Kelurahan (most of area)", lang):
                f"{num(int(r['kelurahan_n']), lang)} ({pct(r['kelurahan_share'], lang, 0)})",
            tr("Insiden", "Incidents", lang): f"{num(int(r['incidents_n']), lang)} ({pct(r['incidents_share'], lang)})",
        })
    return out


# --- siting ---------------------------------------------------------------------------------
def _siting_areas(view: Any, lang: str) -> list[Any]:
    res = view.result
    t = minutes(res.max_minutes, lang)
    traces = [polygon_trace(view.before.polygons[0], name=tr(f"≤ {t} menit hari ini", f"≤ {t} min today", lang),
                            colour=BAND_COLOURS[3], opacity=0.35, uid="before", legendgroup="siting")]
    gained = view.after.polygons[0].difference(view.before.polygons[0])
    traces.append(polygon_trace(gained, name=tr(f"≤ {t} menit: tambahan", f"≤ {t} min: added", lang),
                                colour=GAINED_COLOUR, opacity=0.5, uid="gained", legendgroup="siting"))
    lost = view.before.polygons[0].difference(view.after.polygons[0])
    if res.relocate and not lost.is_empty and lost.area > 0:
        lost_name = tr(f"≤ {t} menit: hilang (pos dipindah)", f"≤ {t} min: lost (post moved)", lang)
        traces.append(polygon_trace(lost, name=lost_name, colour=LOST_COLOUR, opacity=0.45, uid="lost",
                                    legendgroup="siting"))
    return traces


def _clicked_trace(clicked: Sequence[Sequence[float]], lang: str) -> go.Scattermap:
    return _points_trace([{"lon": a, "lat": b} for a, b in clicked], name=tr("Titik diklik", "Clicked points", lang),
                         colour=CLICKED_COLOUR, size=9, text=[f"P{i + 1}" for i in range(len(clicked))],
                         symbol_text=True)


def siting_figure(view: Any, *, areas: Mapping[str, Any], lang: str = "id", basemap: str = "offline",
                  clicked: Sequence[Sequence[float]] = ()) -> go.Figure:
    """Area within T today and after the what-if, candidates, chosen and removed posts."""
    res = view.result
    traces = _siting_areas(view, lang)
    cands = res.candidates.to_dict("records")
    traces.append(_points_trace(cands, name=tr("Kandidat", "Candidates", lang), colour=CANDIDATE_COLOUR, size=6,
                                text=[f"{site_label(c, lang)}<br>{tr('menambah', 'adds', lang)} "
                                      f"{num(int(c['alone_n']), lang)} "
                                      f"{tr('insiden sendirian', 'incidents on its own', lang)}" for c in cands]))
    kept = res.existing[~res.existing["removed"]].to_dict("records")
    traces.append(_points_trace(kept, name=tr("Pos saat ini", "Current posts", lang), colour=STATION_COLOUR))
    removed = res.existing[res.existing["removed"]].to_dict("records")
    if removed:
        traces.append(_points_trace(removed, name=tr("Pos dipindahkan", "Post relocated", lang),
                                    colour=REMOVED_COLOUR, size=13, symbol_text=True))
    chosen = res.chosen.to_dict("records")
    traces.append(_points_trace(chosen, name=tr("Pos baru (usulan)", "New post (proposed)", lang),
                                colour=CHOSEN_COLOUR, size=16, symbol_text=True,
                                text=[site_label(c, lang) for c in chosen]))
    if clicked:
        traces.append(_clicked_trace(clicked, lang))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-siting")


def clicked_figure(*, areas: Mapping[str, Any], clicked: Sequence[Sequence[float]], lang: str = "id",
                   basemap: str = "offline", stations: Sequence[Mapping[str, Any]] = ()) -> go.Figure:
    """The siting map before a what-if: stations, clickable land and the clicked points."""
    traces: list[Any] = []
    if stations:
        traces.append(_points_trace(stations, name=tr("Pos saat ini", "Current posts", lang), colour=STATION_COLOUR,
                                    text=[_station_hover(r, lang) for r in stations]))
    if clicked:
        traces.append(_clicked_trace(clicked, lang))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-siting")
