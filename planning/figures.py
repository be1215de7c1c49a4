"""Plotly figures and short summaries of the planning results (no Dash, no SQL).

Colours and labels are shared with the folium report (:mod:`planning.report`).
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

#: class: (colour, Indonesian, English)
HOTSPOT_STYLE: Mapping[str, tuple[str, str, str]] = {
    "hot_99": ("#b2182b", "Titik panas (99%)", "Hot spot (99% confidence)"),
    "hot_95": ("#ef6548", "Titik panas (95%)", "Hot spot (95% confidence)"),
    "hot_90": ("#fdae6b", "Titik panas (90%)", "Hot spot (90% confidence)"),
    "cold_90": ("#9ecae1", "Titik dingin (90%)", "Cold spot (90% confidence)"),
    "cold_95": ("#4292c6", "Titik dingin (95%)", "Cold spot (95% confidence)"),
    "cold_99": ("#08519c", "Titik dingin (99%)", "Cold spot (99% confidence)"),
}
EMERGING_STYLE: Mapping[str, tuple[str, str, str]] = {
    "new_hot": ("#a50f15", "Titik panas baru", "New hot spot"),
    "intensifying_hot": ("#fb6a4a", "Titik panas menguat", "Intensifying hot spot"),
    "weakening_hot": ("#fcbba1", "Titik panas melemah", "Weakening hot spot"),
    "ended_hot": ("#bdbdbd", "Bukan lagi titik panas", "No longer a hot spot"),
    "new_cold": ("#08519c", "Titik dingin baru", "New cold spot"),
    "intensifying_cold": ("#6baed6", "Titik dingin menguat", "Intensifying cold spot"),
    "weakening_cold": ("#c6dbef", "Titik dingin melemah", "Weakening cold spot"),
    "ended_cold": ("#969696", "Bukan lagi titik dingin", "No longer a cold spot"),
}
#: Band fills from the quickest to the slowest; the last colour is for "beyond" (uncovered).
BAND_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026", "#7f3b08")
UNCOVERED_COLOUR = "#6a0dad"
KDE_STOPS = ((0.0, (255, 255, 178)), (0.25, (254, 204, 92)), (0.5, (253, 141, 60)),
             (0.75, (240, 59, 32)), (1.0, (189, 0, 38)))
STATION_COLOUR = "#102a43"
CHOSEN_COLOUR = "#00c853"
REMOVED_COLOUR = "#9e9e9e"
CANDIDATE_COLOUR = "#7b1fa2"


def band_colours(n_bands: int) -> list[str]:
    """One colour per band (green → red) plus the uncovered colour last."""
    picks = [BAND_COLOURS[i] for i in (0, 2, 4)][:n_bands] if n_bands <= 3 else list(BAND_COLOURS[:n_bands])
    return [*picks, UNCOVERED_COLOUR]


# --- kernel density as an image -------------------------------------------------------------
def kde_rgba(density: np.ndarray) -> tuple[np.ndarray, float]:
    """RGBA (uint8, row 0 = south) for a density grid, and the value shown as the top colour."""
    d = np.asarray(density, dtype=np.float64)
    positive = d[np.isfinite(d) & (d > 0)]
    vmax = float(np.quantile(positive, 0.995)) if positive.size else 1.0
    v = np.clip(np.nan_to_num(d, nan=0.0) / max(vmax, 1e-12), 0.0, 1.0)
    stops = np.array([s for s, _ in KDE_STOPS])
    rgb = np.stack([np.interp(v, stops, [c[i] for _, c in KDE_STOPS]) for i in range(3)], axis=-1)
    alpha = np.where(v < 0.03, 0.0, np.clip(0.25 + v * 0.75, 0.0, 0.9)) * 255
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
    fig = build_map_figure(areas=areas, layers=("kecamatan", "labels"), lang=lang, basemap=basemap,
                           extra_traces=traces, uirevision=uirevision)
    fig.update_layout(clickmode="event")
    return fig


# --- hotspots -------------------------------------------------------------------------------
HOTSPOT_LAYERS = ("gi", "counts", "kelurahan", "emerging")


def hotspot_figure(view: Any, *, areas: Mapping[str, Any], layer: str = "gi", show_kde: bool = True,
                   lang: str = "id", basemap: str = "offline") -> go.Figure:
    """The hotspot map: Gi* classes, H3 counts, kelurahan density or emerging hotspots, plus KDE."""
    cells = view.hotspots.cells
    traces: list[Any] = []
    if layer == "gi":
        for klass, (colour, label_id, label_en) in HOTSPOT_STYLE.items():
            sub = cells[cells["klass"] == klass]
            if sub.empty:
                continue
            hover = [f"<b>{tr(label_id, label_en, lang)}</b><br>{tr('Insiden', 'Incidents', lang)}: "
                     f"{int(c)}<br>Gi* z = {z:.2f}, p = {p:.3f}"
                     for c, z, p in zip(sub["count"], sub["z"], sub["p_sim"])]
            traces.append(cells_trace(sub, name=tr(label_id, label_en, lang), colour=colour, hover=hover,
                                      legendgroup="gi"))
    elif layer == "counts":
        sub = cells[cells["count"] > 0]
        if not sub.empty:
            fc = hs.cells_geojson(sub)
            traces.append(go.Choroplethmap(
                geojson=fc, locations=list(sub.index), z=sub["count"].tolist(), featureidkey="id",
                colorscale="YlOrRd", marker={"opacity": 0.7, "line": {"width": 0.2, "color": "#fff"}},
                colorbar={"title": {"text": tr("Insiden", "Incidents", lang)}, "x": 0.99, "len": 0.5},
                name=tr("Jumlah per heksagon H3", "Count per H3 hexagon", lang),
                hovertemplate="%{z} " + tr("insiden", "incidents", lang) + "<extra></extra>"))
    elif layer == "kelurahan":
        kel = view.kelurahan
        traces.append(go.Choroplethmap(
            geojson=areas["kelurahan"]["geojson"], locations=kel["kode"].tolist(),
            z=kel["per_km2"].round(2).tolist(), featureidkey="properties.kode", colorscale="YlOrRd",
            marker={"opacity": 0.65, "line": {"width": 0.6, "color": "#555"}},
            colorbar={"title": {"text": tr("Insiden/km²", "Incidents/km²", lang)}, "x": 0.99, "len": 0.5},
            text=[f"<b>{n}</b> ({k})<br>{c} {tr('insiden', 'incidents', lang)} · {d:.1f}/km²"
                  for n, k, c, d in zip(kel["nama"], kel["kecamatan"], kel["count"], kel["per_km2"])],
            hovertemplate="%{text}<extra></extra>",
            name=tr("Kelurahan: insiden per km²", "Kelurahan: incidents per km²", lang)))
    elif layer == "emerging" and view.emerging is not None:
        em = view.emerging
        for change, (colour, label_id, label_en) in EMERGING_STYLE.items():
            sub = em[em["change"] == change]
            if sub.empty:
                continue
            hover = [f"<b>{tr(label_id, label_en, lang)}</b><br>{a} → {b}<br>"
                     f"{tr('Insiden', 'Incidents', lang)}: {int(cb)} → {int(ca)}"
                     for a, b, cb, ca in zip(sub["klass_before"], sub["klass_after"], sub["count_before"],
                                             sub["count_after"])]
            traces.append(cells_trace(sub, name=tr(label_id, label_en, lang), colour=colour, hover=hover,
                                      legendgroup="emerging"))
    fig = base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-hotspots")
    if show_kde and view.density.n_points:
        url, _ = kde_png_url(view.density)
        fig.update_layout(map_layers=[{"sourcetype": "image", "source": url,
                                       "coordinates": view.density.corners_lonlat(), "opacity": 0.75,
                                       "below": "traces"}])
    return fig


def hotspot_summary(view: Any, lang: str = "id") -> list[str]:
    """A few lines: how many incidents, cells, hot and cold spots, and the method."""
    counts = view.hotspots.class_counts()
    hot = sum(v for k, v in counts.items() if k.startswith("hot"))
    cold = sum(v for k, v in counts.items() if k.startswith("cold"))
    res = view.hotspots.resolution
    top = view.kelurahan.head(3)
    lines = [
        tr(f"{view.n_incidents:,} insiden · {len(view.hotspots.cells):,} heksagon H3 (resolusi {res})",
           f"{view.n_incidents:,} incidents · {len(view.hotspots.cells):,} H3 hexagons (resolution {res})", lang),
        tr(f"Titik panas: {hot} sel (99%: {counts['hot_99']}, 95%: {counts['hot_95']}, 90%: {counts['hot_90']}) · "
           f"titik dingin: {cold} sel",
           f"Hot spots: {hot} cells (99%: {counts['hot_99']}, 95%: {counts['hot_95']}, 90%: {counts['hot_90']}) · "
           f"cold spots: {cold} cells", lang),
        tr("Kelurahan terpadat: ", "Busiest kelurahan: ", lang)
        + ", ".join(f"{n} ({c})" for n, c in zip(top["nama"], top["count"])),
        tr(f"Gi* (esda), ketetanggaan cincin-1 H3, {view.hotspots.permutations} permutasi (seed {view.hotspots.seed}); "
           f"KDE Gauss, bandwidth {view.density.bandwidth_m:.0f} m",
           f"Gi* (esda), H3 ring-1 contiguity, {view.hotspots.permutations} permutations (seed {view.hotspots.seed}); "
           f"Gaussian KDE, bandwidth {view.density.bandwidth_m:.0f} m", lang),
    ]
    if view.emerging is not None:
        changed = int((view.emerging["change"] != "unchanged").sum())
        new_hot = int((view.emerging["change"] == "new_hot").sum())
        lines.append(tr(f"Dibanding periode pembanding: {changed} sel berubah kelas, {new_hot} titik panas baru",
                        f"Against the comparison period: {changed} cells changed class, {new_hot} new hot spots", lang))
    return lines


# --- when -----------------------------------------------------------------------------------
def hour_weekday_figure(view: Any, lang: str = "id") -> go.Figure:
    """Heatmap of incidents by weekday (rows) and hour (columns), WITA."""
    days = tmp.WEEKDAYS_EN if lang == "en" else tmp.WEEKDAYS_ID
    m = view.hour_weekday
    fig = go.Figure(go.Heatmap(z=m.to_numpy(), x=[f"{h:02d}" for h in m.columns], y=list(days),
                               colorscale="YlOrRd", colorbar={"title": {"text": tr("Insiden", "Incidents", lang)}},
                               hovertemplate="%{y} %{x}:00 WITA: %{z}<extra></extra>"))
    fig.update_layout(title=tr("Jam × hari (WITA)", "Hour × weekday (WITA)", lang),
                      yaxis={"autorange": "reversed"}, xaxis={"title": tr("Jam", "Hour", lang)},
                      margin={"l": 60, "r": 10, "t": 40, "b": 40}, height=330)
    return fig


def seasonality_figure(view: Any, type_names: Mapping[str, str], lang: str = "id") -> go.Figure:
    """Monthly counts per type (lines)."""
    fig = go.Figure()
    table = view.seasonality.by_month
    for code in table.columns:
        fig.add_trace(go.Scatter(x=table.index, y=table[code], mode="lines+markers",
                                 name=type_names.get(code, code)))
    fig.update_layout(title=tr("Musiman: insiden per bulan dan jenis", "Seasonality: incidents per month and type",
                               lang),
                      xaxis={"title": tr("Bulan", "Month", lang)}, yaxis={"title": tr("Insiden", "Incidents", lang)},
                      margin={"l": 60, "r": 10, "t": 40, "b": 40}, height=330, legend={"font": {"size": 10}})
    return fig


# --- coverage -------------------------------------------------------------------------------
def model_label(model: str, lang: str = "id") -> str:
    if model == "road":
        return tr("model jalan (OpenStreetMap)", "road model (OpenStreetMap)", lang)
    return tr("model perkiraan (kisi daratan + jembatan; bukan data jalan)",
              "approximate model (land lattice + bridges; not road data)", lang)


def coverage_traces(result: Any, lang: str = "id") -> list[Any]:
    colours = band_colours(len(result.bands_min))
    traces = []
    for i, (geom, label) in enumerate(zip(result.polygons, result.labels)):
        last = i == len(result.polygons) - 1
        name = (tr("Tidak terjangkau ", "Not covered ", lang) + label) if last else label
        share = result.stats["area_share"].iloc[i]
        traces.append(polygon_trace(geom, name=name, colour=colours[i], opacity=0.35 if last else 0.5,
                                    hover=f"{name}: {share:.0%} " + tr("luas daratan", "of the land", lang),
                                    uid=f"band{i}", legendgroup="coverage"))
    return traces


def coverage_figure(view: Any, *, areas: Mapping[str, Any], lang: str = "id", basemap: str = "offline") -> go.Figure:
    """Service-area bands, the uncovered land and the stations."""
    traces = coverage_traces(view.result, lang)
    rows = view.stations
    traces.append(_points_trace(rows, name=tr("Pos/stasiun", "Stations", lang), colour=STATION_COLOUR,
                                text=[f"<b>{r['name']}</b><br>{r.get('kelurahan') or ''}" +
                                      (tr(" (lokasi perkiraan)", " (approximate location)", lang)
                                       if r.get("location_confidence") == "approximate" else "") for r in rows]))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-coverage")


def coverage_rows(result: Any, lang: str = "id") -> list[dict[str, Any]]:
    """Table rows: band, land km² and share, kelurahan, incidents."""
    out = []
    for _, r in result.stats.iterrows():
        out.append({
            tr("Pita", "Band", lang): r["label"],
            tr("Luas (km²)", "Area (km²)", lang): f"{r['area_km2']:.1f}",
            tr("% daratan", "% of land", lang): f"{r['area_share']:.1%}",
            tr("Kelurahan (mayoritas)", "Kelurahan (most of area)", lang):
                f"{int(r['kelurahan_n'])} ({r['kelurahan_share']:.0%})",
            tr("Insiden", "Incidents", lang): f"{int(r['incidents_n']):,} ({r['incidents_share']:.1%})",
        })
    return out


# --- siting ---------------------------------------------------------------------------------
def siting_figure(view: Any, *, areas: Mapping[str, Any], lang: str = "id", basemap: str = "offline",
                  clicked: Sequence[Sequence[float]] = ()) -> go.Figure:
    """Area within T today and after the what-if, candidates, chosen and removed posts."""
    res = view.result
    t = f"{res.max_minutes:g}"
    traces: list[Any] = []
    traces.append(polygon_trace(view.before.polygons[0], name=tr(f"≤ {t} menit hari ini", f"≤ {t} min today", lang),
                                colour="#1a9850", opacity=0.35, uid="before", legendgroup="siting"))
    gained = view.after.polygons[0].difference(view.before.polygons[0])
    traces.append(polygon_trace(gained, name=tr(f"≤ {t} menit: tambahan", f"≤ {t} min: added", lang),
                                colour="#2979ff", opacity=0.5, uid="gained", legendgroup="siting"))
    lost = view.before.polygons[0].difference(view.after.polygons[0])
    if res.relocate and not lost.is_empty and lost.area > 0:
        lost_name = tr(f"≤ {t} menit: hilang (pos dipindah)", f"≤ {t} min: lost (post moved)", lang)
        traces.append(polygon_trace(lost, name=lost_name, colour="#616161", opacity=0.45, uid="lost",
                                    legendgroup="siting"))
    cands = res.candidates.to_dict("records")
    traces.append(_points_trace(cands, name=tr("Kandidat", "Candidates", lang), colour=CANDIDATE_COLOUR, size=6,
                                text=[f"{c['name']}<br>{tr('menambah', 'adds', lang)} {c['alone_n']:,} "
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
                                text=[c["name"] for c in chosen]))
    if clicked:
        traces.append(_points_trace([{"lon": a, "lat": b} for a, b in clicked],
                                    name=tr("Titik diklik", "Clicked points", lang), colour="#ff6f00", size=9,
                                    text=[f"P{i + 1}" for i in range(len(clicked))], symbol_text=True))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-siting")


def clicked_figure(*, areas: Mapping[str, Any], clicked: Sequence[Sequence[float]], lang: str = "id",
                   basemap: str = "offline", stations: Sequence[Mapping[str, Any]] = ()) -> go.Figure:
    """The siting map before a what-if: stations, clickable land and the clicked points."""
    traces: list[Any] = []
    if stations:
        traces.append(_points_trace(stations, name=tr("Pos saat ini", "Current posts", lang), colour=STATION_COLOUR))
    if clicked:
        traces.append(_points_trace([{"lon": a, "lat": b} for a, b in clicked],
                                    name=tr("Titik diklik", "Clicked points", lang), colour="#ff6f00", size=9,
                                    text=[f"P{i + 1}" for i in range(len(clicked))], symbol_text=True))
    return base_map(areas, traces, lang=lang, basemap=basemap, uirevision="planning-siting")


def siting_summary(view: Any, lang: str = "id") -> list[str]:
    res = view.result
    t = f"{res.max_minutes:g}"
    names = ", ".join(res.chosen["name"]) or "—"
    n_moved = int(res.existing["removed"].sum())
    moved_id = f" dan {n_moved} pos dipindahkan" if n_moved else ""
    moved_en = f" and {n_moved} post moved" if n_moved else ""
    lines = [
        tr(f"Hari ini: {res.baseline_n:,} dari {res.n_incidents:,} insiden ({res.baseline_share:.1%}) "
           f"terjangkau ≤ {t} menit",
           f"Today: {res.baseline_n:,} of {res.n_incidents:,} incidents ({res.baseline_share:.1%}) within {t} min",
           lang),
        tr(f"Dengan {res.k} pos baru{moved_id}: {res.covered_n:,} ({res.covered_share:.1%}), tambahan {res.gain_n:,} "
           f"insiden (+{res.covered_share - res.baseline_share:.1%})",
           f"With {res.k} new post(s){moved_en}: {res.covered_n:,} ({res.covered_share:.1%}), {res.gain_n:,} more "
           f"incidents (+{res.covered_share - res.baseline_share:.1%})", lang),
        tr("Lokasi usulan: ", "Proposed sites: ", lang) + names,
    ]
    removed = res.existing[res.existing["removed"]]
    if res.relocate:
        lines.append(tr("Pos yang dipindahkan: ", "Post relocated: ", lang) + (", ".join(removed["name"]) or
                     tr("tidak ada (tidak ada pemindahan yang lebih baik)", "none (no move does better)", lang)))
    lines.append(tr(f"MCLP eksak (PuLP/CBC, optimal), {len(res.candidates)} kandidat, "
                    f"{res.solution.n_groups} kelompok permintaan, {res.solution.solve_s:.2f} s · ",
                    f"Exact MCLP (PuLP/CBC, optimal), {len(res.candidates)} candidates, "
                    f"{res.solution.n_groups} demand groups, {res.solution.solve_s:.2f} s · ", lang)
                 + model_label(res.model, lang))
    return lines
