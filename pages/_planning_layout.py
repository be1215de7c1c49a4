"""The component tree of the planning page (pages/planning.py): filters, then one tab per question.

Element ids are prefixed ``planning-`` and stay stable (browser tests use them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from i18n import tr
from pages import _planning_views as views
from planning import coverage as cov

ROLES = ("planner",)
MAP_CONFIG: Any = {"scrollZoom": True, "displaylogo": False}


def _label(text: str) -> Any:
    return html.Label(text, className="planning-label")


def _map(graph_id: str) -> Any:
    return dcc.Graph(id=graph_id, className="planning-map", config=MAP_CONFIG)


def _filters(types: Sequence[Mapping[str, Any]], months: Sequence[str], lang: str) -> Any:
    month_opts = [{"label": m, "value": m} for m in months]
    default_from = months[-12] if len(months) >= 12 else (months[0] if months else None)
    return html.Div([
        html.H2(tr("Perencanaan", "Planning", lang)),
        _label(tr("Jenis insiden", "Incident types", lang)),
        dcc.Dropdown(id="planning-types", options=views.type_options(types, lang), value=[], multi=True,
                     placeholder=tr("Semua jenis", "All types", lang)),
        _label(tr("Periode (bulan, WITA)", "Period (months, WITA)", lang)),
        html.Div([
            dcc.Dropdown(id="planning-month-from", options=month_opts, value=default_from, clearable=False,
                         placeholder=tr("dari", "from", lang)),
            dcc.Dropdown(id="planning-month-to", options=month_opts, value=months[-1] if months else None,
                         clearable=False, placeholder=tr("sampai", "to", lang)),
        ], className="planning-pair"),
        _label(tr("Jam (WITA; 22–06 melewati tengah malam)", "Hours (WITA; 22–06 wraps midnight)", lang)),
        html.Div([
            dcc.Dropdown(id="planning-hour-from", options=[{"label": f"{h:02d}:00", "value": h} for h in range(24)],
                         value=0, clearable=False),
            dcc.Dropdown(id="planning-hour-to", options=[{"label": f"{h:02d}:00", "value": h} for h in range(1, 25)],
                         value=24, clearable=False),
        ], className="planning-pair"),
        _label(tr("Ukuran heksagon", "Hexagon size", lang)),
        dcc.RadioItems(id="planning-resolution", value=9, inline=True, options=[
            {"label": tr(" besar (±0,7 km²)", " large (±0.7 km²)", lang), "value": 8},
            {"label": tr(" kecil (±0,1 km²)", " small (±0.1 km²)", lang), "value": 9}]),
        html.Div(id="planning-query-error"),
        html.Div(tr("Tidak ada data insiden.", "There are no incidents yet.", lang), className="k112-error")
        if not months else html.Div(),
        dcc.Store(id="planning-query"),
        dcc.Store(id="planning-cov-params"),
        dcc.Store(id="planning-site-params"),
        dcc.Store(id="planning-clicks", data=[]),
        dcc.Store(id="planning-site-click"),
        dcc.Store(id="planning-site-click-hook"),
    ], className="planning-side k112-card")


def _hotspot_tab(months: Sequence[str], lang: str) -> Any:
    month_opts = [{"label": m, "value": m} for m in months]
    return dcc.Tab(label=tr("Titik rawan", "Hotspots", lang), value="hotspots", children=[
        html.Div([
            dcc.RadioItems(id="planning-hot-layer", value="gi", inline=True, options=[
                {"label": tr(" Titik panas/dingin", " Hot/cold spots", lang), "value": "gi"},
                {"label": tr(" Jumlah per heksagon", " Count per hexagon", lang), "value": "counts"},
                {"label": tr(" Per kelurahan", " By kelurahan", lang), "value": "kelurahan"},
                {"label": tr(" Perubahan", " Changes", lang), "value": "emerging"}]),
            dcc.Checklist(id="planning-kde", value=["kde"], inline=True, options=[
                {"label": tr(" Kepadatan (bayangan abu-abu)", " Density (grey shading)", lang), "value": "kde"}]),
            html.Span(tr("Periode pembanding:", "Comparison period:", lang), className="planning-label"),
            dcc.Dropdown(id="planning-compare-from", options=month_opts, value=None,
                         placeholder=tr("dari", "from", lang), className="planning-small"),
            dcc.Dropdown(id="planning-compare-to", options=month_opts, value=None,
                         placeholder=tr("sampai", "to", lang), className="planning-small"),
        ], className="planning-controls"),
        dcc.Loading(html.Div(id="planning-hot-summary", className="planning-summary")),
        _map("planning-hot-map"),
    ])


def _when_tab(lang: str) -> Any:
    return dcc.Tab(label=tr("Waktu", "When", lang), value="when", children=[
        html.Div(id="planning-when-summary", className="planning-summary"),
        dcc.Graph(id="planning-heatmap", config={"displaylogo": False}),
        dcc.Graph(id="planning-season", config={"displaylogo": False}),
    ])


def _kind_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": tr(*cov.STATION_KIND_LABELS[k], lang), "value": k} for k in cov.STATION_KINDS]


def _coverage_tab(lang: str) -> Any:
    return dcc.Tab(label=tr("Cakupan", "Coverage", lang), value="coverage", children=[
        html.Div([
            dcc.Dropdown(id="planning-cov-kind", options=_kind_options(lang), value="fire", clearable=False,
                         className="planning-medium"),
            html.Span(tr("Pita (menit):", "Bands (minutes):", lang), className="planning-label"),
            dcc.Input(id="planning-cov-bands", value="4, 8, 15", type="text", debounce=True,
                      className="planning-input"),
            html.Button(tr("Hitung cakupan", "Compute coverage", lang), id="planning-cov-run", n_clicks=0),
        ], className="planning-controls"),
        dcc.Loading(html.Div([html.Div(id="planning-cov-summary", className="planning-summary"),
                              html.Div(id="planning-cov-table")])),
        _map("planning-cov-map"),
    ])


def _siting_tab(types: Sequence[Mapping[str, Any]], lang: str) -> Any:
    return dcc.Tab(label=tr("Pos baru (what-if)", "New posts (what-if)", lang), value="siting", children=[
        html.Div([
            dcc.Dropdown(id="planning-site-kind", options=_kind_options(lang), value="fire", clearable=False,
                         className="planning-medium"),
            html.Span(tr("Jumlah pos baru:", "New posts:", lang), className="planning-label"),
            dcc.Input(id="planning-site-k", type="number", value=1, min=1, max=10, step=1, className="planning-num"),
            html.Span(tr("Dalam (menit):", "Within (minutes):", lang), className="planning-label"),
            dcc.Input(id="planning-site-t", type="number", value=8, min=1, max=60, step=1, className="planning-num"),
            dcc.RadioItems(id="planning-site-candidates", value="kelurahan", inline=True, options=[
                {"label": tr(" Titik kelurahan (64)", " Kelurahan points (64)", lang), "value": "kelurahan"},
                {"label": tr(" Grid 2 km", " 2 km grid", lang), "value": "grid"},
                {"label": tr(" Titik yang saya klik", " Points I click", lang), "value": "clicked"}]),
            dcc.Checklist(id="planning-site-relocate", value=[], inline=True, options=[
                {"label": tr(" Boleh memindahkan 1 pos", " Allow moving 1 post", lang), "value": "relocate"}]),
            html.Button(tr("Jalankan what-if", "Run what-if", lang), id="planning-site-run", n_clicks=0),
            html.Button(tr("Hapus titik klik", "Clear clicked points", lang), id="planning-site-clear", n_clicks=0,
                        className="planning-secondary"),
        ], className="planning-controls"),
        html.Div([
            html.Span(tr("Insiden yang dihitung:", "Incidents counted:", lang), className="planning-label"),
            dcc.Dropdown(id="planning-site-types", options=views.type_options(types, lang), value=[], multi=True,
                         placeholder=tr("jenis yang dilayani pos ini", "the types this kind of post serves", lang),
                         className="planning-wide"),
        ], className="planning-controls"),
        dcc.Loading(html.Div(id="planning-site-summary", className="planning-summary")),
        _map("planning-site-map"),
    ])


def _report_tab(lang: str) -> Any:
    return dcc.Tab(label=tr("Laporan", "Report", lang), value="report", children=[
        html.Div([
            _label(tr("Judul laporan", "Report title", lang)),
            dcc.Input(id="planning-report-title", type="text", className="planning-wide",
                      value=tr("Kendari 112 — laporan perencanaan", "Kendari 112 — planning report", lang)),
            html.P(tr("Laporan memuat titik rawan untuk filter saat ini, serta cakupan dan what-if terakhir yang "
                      "dijalankan. Berkas HTML dapat dibuka tanpa server; GeoJSON (zip) untuk QGIS/ArcGIS.",
                      "The report holds the hotspots for the current filters and the last coverage and what-if you "
                      "ran. The HTML file opens without a server; GeoJSON (zip) is for QGIS/ArcGIS.", lang)),
            html.Button(tr("Unduh laporan HTML", "Download HTML report", lang), id="planning-export-html",
                        n_clicks=0),
            html.Button(tr("Unduh GeoJSON (zip)", "Download GeoJSON (zip)", lang), id="planning-export-geojson",
                        n_clicks=0),
            dcc.Loading(html.Div(id="planning-export-status", className="planning-summary")),
            dcc.Download(id="planning-download-html"),
            dcc.Download(id="planning-download-geojson"),
        ], className="k112-card planning-report"),
    ])


def build(*, lang: str, types: Sequence[Mapping[str, Any]], months: Sequence[str]) -> Any:
    """The whole page for a user of ``lang``; ``types`` and ``months`` fill the filters."""
    tabs = [_hotspot_tab(months, lang), _when_tab(lang), _coverage_tab(lang), _siting_tab(types, lang),
            _report_tab(lang)]
    return html.Div([
        _filters(types, months, lang),
        html.Div(dcc.Tabs(id="planning-tabs", value="hotspots", children=tabs), className="planning-body"),
    ], className="planning-page", id="planning-page")
