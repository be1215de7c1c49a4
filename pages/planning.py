"""Planning (planners; admin too): hotspots, when incidents happen, coverage, new-post what-if, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
import plotly.graph_objects as go
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update


from web.lang import current_lang, tr
from planning import coverage as cov
from planning import figures as fg
from services import planning as service
from planning._errors import (
    InvalidParameterError,
    NoIncidentsError,
    NoStationsError,
    PlanningError,
    SolverError,
)
from planning.siting import point_from_click
from web.auth import callback_roles, page_guard
from web.context import area_layers, get_db, get_resources, get_settings

dash.register_page(__name__, path="/planning", name="Perencanaan", title="Kendari 112 — Perencanaan")

ROLES = ("planner",)
MAX_CLICKS = 30







def _basemap() -> str:
    return get_settings().basemap


def _message(exc: Exception, lang: str) -> Any:
    """A typed error as one clear line (never a stack trace)."""
    if isinstance(exc, NoIncidentsError):
        text = tr("Tidak ada insiden yang cocok dengan filter ini.", "No incidents match these filters.", lang)
    elif isinstance(exc, NoStationsError):
        text = tr("Tidak ada pos jenis ini di peta (atau tidak dapat dihubungkan ke jaringan).",
                  "No station of this kind (or none can be joined to the travel network).", lang)
    elif isinstance(exc, InvalidParameterError):
        text = tr("Parameter tidak valid: ", "Invalid parameter: ", lang) + str(exc)
    elif isinstance(exc, SolverError):
        text = tr("Solver optimasi gagal: ", "The optimisation solver failed: ", lang) + str(exc)
    else:
        text = tr("Tidak dapat dihitung: ", "Cannot compute: ", lang) + str(exc)
    return html.Div(text, className="k112-error planning-error")


def _errors() -> tuple[type[Exception], ...]:
    from routing._errors import RoutingError

    return (PlanningError, RoutingError)


def _empty_map(lang: str) -> go.Figure:
    return fg.base_map(area_layers(), [], lang=lang, basemap=_basemap(), uirevision="planning-empty")


def _lines(lines: list[str]) -> list[Any]:
    return [html.Div(line) for line in lines]


def _table(rows: list[dict[str, Any]], table_id: str) -> Any:
    if not rows:
        return html.Div()
    return html.Table([
        html.Thead(html.Tr([html.Th(k) for k in rows[0]])),
        html.Tbody([html.Tr([html.Td(v) for v in r.values()]) for r in rows]),
    ], id=table_id, className="k112-table planning-table")


# --- layout ---------------------------------------------------------------------------------
def _label(text_id: str, text_en: str) -> Any:
    return html.Label(tr(text_id, text_en), className="planning-label")


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    db = get_db()
    types = service.incident_type_options(db)
    months = service.available_months(db)
    month_opts = [{"label": m, "value": m} for m in months]
    default_from = months[-12] if len(months) >= 12 else (months[0] if months else None)
    default_to = months[-1] if months else None
    type_opts = [{"label": f"{t['name_en'] if lang == 'en' else t['name_id']} ({t['n_incidents']})", "value": t["code"]}
                 for t in types]
    hours_from = [{"label": f"{h:02d}:00", "value": h} for h in range(24)]
    hours_to = [{"label": f"{h:02d}:00", "value": h} for h in range(1, 25)]
    kind_opts = [{"label": tr(*cov.STATION_KIND_LABELS[k]), "value": k} for k in cov.STATION_KINDS]

    filters = html.Div([
        html.H2(tr("Perencanaan", "Planning")),
        _label("Jenis insiden", "Incident types"),
        dcc.Dropdown(id="planning-types", options=type_opts, value=[], multi=True,
                     placeholder=tr("Semua jenis", "All types")),
        _label("Periode (bulan, WITA)", "Period (months, WITA)"),
        html.Div([
            dcc.Dropdown(id="planning-month-from", options=month_opts, value=default_from, clearable=False,
                         placeholder=tr("dari", "from")),
            dcc.Dropdown(id="planning-month-to", options=month_opts, value=default_to, clearable=False,
                         placeholder=tr("sampai", "to")),
        ], className="planning-pair"),
        _label("Jam (WITA; 22–06 melewati tengah malam)", "Hours (WITA; 22–06 wraps midnight)"),
        html.Div([
            dcc.Dropdown(id="planning-hour-from", options=hours_from, value=0, clearable=False),
            dcc.Dropdown(id="planning-hour-to", options=hours_to, value=24, clearable=False),
        ], className="planning-pair"),
        _label("Resolusi heksagon H3", "H3 hexagon resolution"),
        dcc.RadioItems(id="planning-resolution", value=9, inline=True, options=[
            {"label": tr(" 8 (~0,7 km²)", " 8 (~0.7 km²)"), "value": 8},
            {"label": tr(" 9 (~0,1 km²)", " 9 (~0.1 km²)"), "value": 9}]),
        html.Div(id="planning-query-error"),
        html.Div(tr("Tidak ada data insiden.", "There are no incidents yet."), className="k112-error")
        if not months else html.Div(),
        dcc.Store(id="planning-query"),
        dcc.Store(id="planning-cov-params"),
        dcc.Store(id="planning-site-params"),
        dcc.Store(id="planning-clicks", data=[]),
        dcc.Store(id="planning-site-click"),
        dcc.Store(id="planning-site-click-hook"),
    ], className="planning-side k112-card")

    hot_tab = dcc.Tab(label=tr("Titik rawan", "Hotspots"), value="hotspots", children=[
        html.Div([
            dcc.RadioItems(id="planning-hot-layer", value="gi", inline=True, options=[
                {"label": tr(" Gi* panas/dingin", " Gi* hot/cold"), "value": "gi"},
                {"label": tr(" Jumlah per heksagon", " Count per hexagon"), "value": "counts"},
                {"label": tr(" Per kelurahan", " By kelurahan"), "value": "kelurahan"},
                {"label": tr(" Perubahan (emerging)", " Emerging"), "value": "emerging"}]),
            dcc.Checklist(id="planning-kde", value=["kde"], inline=True,
                          options=[{"label": tr(" Kepadatan kernel (KDE)", " Kernel density (KDE)"), "value": "kde"}]),
            html.Span(tr("Periode pembanding:", "Comparison period:"), className="planning-label"),
            dcc.Dropdown(id="planning-compare-from", options=month_opts, value=None,
                         placeholder=tr("dari", "from"), className="planning-small"),
            dcc.Dropdown(id="planning-compare-to", options=month_opts, value=None,
                         placeholder=tr("sampai", "to"), className="planning-small"),
        ], className="planning-controls"),
        dcc.Loading(html.Div(id="planning-hot-summary", className="planning-summary")),
        dcc.Graph(id="planning-hot-map", className="planning-map", config={"scrollZoom": True, "displaylogo": False}),
    ])
    when_tab = dcc.Tab(label=tr("Waktu", "When"), value="when", children=[
        dcc.Graph(id="planning-heatmap", config={"displaylogo": False}),
        dcc.Graph(id="planning-season", config={"displaylogo": False}),
    ])
    cov_tab = dcc.Tab(label=tr("Cakupan", "Coverage"), value="coverage", children=[
        html.Div([
            dcc.Dropdown(id="planning-cov-kind", options=kind_opts, value="fire", clearable=False,
                         className="planning-medium"),
            html.Span(tr("Pita (menit):", "Bands (minutes):"), className="planning-label"),
            dcc.Input(id="planning-cov-bands", value="4, 8, 15", type="text", debounce=True, className="planning-input"),
            html.Button(tr("Hitung cakupan", "Compute coverage"), id="planning-cov-run", n_clicks=0),
        ], className="planning-controls"),
        dcc.Loading(html.Div([html.Div(id="planning-cov-summary", className="planning-summary"),
                              html.Div(id="planning-cov-table")])),
        dcc.Graph(id="planning-cov-map", className="planning-map", config={"scrollZoom": True, "displaylogo": False}),
    ])
    site_tab = dcc.Tab(label=tr("Pos baru (what-if)", "New posts (what-if)"), value="siting", children=[
        html.Div([
            dcc.Dropdown(id="planning-site-kind", options=kind_opts, value="fire", clearable=False,
                         className="planning-medium"),
            html.Span("k:", className="planning-label"),
            dcc.Input(id="planning-site-k", type="number", value=1, min=1, max=10, step=1, className="planning-num"),
            html.Span(tr("T (menit):", "T (minutes):"), className="planning-label"),
            dcc.Input(id="planning-site-t", type="number", value=8, min=1, max=60, step=1, className="planning-num"),
            dcc.RadioItems(id="planning-site-candidates", value="kelurahan", inline=True, options=[
                {"label": tr(" Titik kelurahan (64)", " Kelurahan points (64)"), "value": "kelurahan"},
                {"label": tr(" Grid 2 km", " 2 km grid"), "value": "grid"},
                {"label": tr(" Titik yang saya klik", " Points I click"), "value": "clicked"}]),
            dcc.Checklist(id="planning-site-relocate", value=[], inline=True, options=[
                {"label": tr(" Boleh memindahkan 1 pos", " Allow moving 1 post"), "value": "relocate"}]),
            html.Button(tr("Jalankan what-if", "Run what-if"), id="planning-site-run", n_clicks=0),
            html.Button(tr("Hapus titik klik", "Clear clicked points"), id="planning-site-clear", n_clicks=0,
                        className="planning-secondary"),
        ], className="planning-controls"),
        dcc.Loading(html.Div(id="planning-site-summary", className="planning-summary")),
        dcc.Graph(id="planning-site-map", className="planning-map", config={"scrollZoom": True, "displaylogo": False}),
    ])
    report_tab = dcc.Tab(label=tr("Laporan", "Report"), value="report", children=[
        html.Div([
            _label("Judul laporan", "Report title"),
            dcc.Input(id="planning-report-title", type="text", className="planning-wide",
                      value=tr("Kendari 112 — laporan perencanaan", "Kendari 112 — planning report")),
            html.P(tr("Laporan memuat titik rawan untuk filter saat ini, serta cakupan dan what-if terakhir yang "
                      "dijalankan. Berkas HTML dapat dibuka tanpa server; GeoJSON (zip) untuk QGIS/ArcGIS.",
                      "The report holds the hotspots for the current filters and the last coverage and what-if you "
                      "ran. The HTML file opens without a server; GeoJSON (zip) is for QGIS/ArcGIS.")),
            html.Button(tr("Unduh laporan HTML", "Download HTML report"), id="planning-export-html", n_clicks=0),
            html.Button(tr("Unduh GeoJSON (zip)", "Download GeoJSON (zip)"), id="planning-export-geojson", n_clicks=0),
            dcc.Loading(html.Div(id="planning-export-status", className="planning-summary")),
            dcc.Download(id="planning-download-html"),
            dcc.Download(id="planning-download-geojson"),
        ], className="k112-card planning-report"),
    ])
    return html.Div([
        filters,
        html.Div(dcc.Tabs(id="planning-tabs", value="hotspots", children=[hot_tab, when_tab, cov_tab, site_tab, report_tab]),
                 className="planning-body"),
    ], className="planning-page", id="planning-page")


# --- callbacks (thin: parse, call one planning function, return) ----------------------------
@callback(
    Output("planning-query", "data"),
    Output("planning-query-error", "children"),
    Input("planning-types", "value"),
    Input("planning-month-from", "value"),
    Input("planning-month-to", "value"),
    Input("planning-hour-from", "value"),
    Input("planning-hour-to", "value"),
    Input("planning-resolution", "value"),
)
@callback_roles(*ROLES)
def update_query(types: list[str] | None, month_from: str | None, month_to: str | None, hour_from: int | None,
                 hour_to: int | None, resolution: int | None) -> tuple[Any, Any]:
    try:
        query = service.PlanningQuery.from_dict({
            "types": types or [], "start": month_from, "end": service.month_end(month_to) if month_to else None,
            "hour_from": hour_from, "hour_to": hour_to, "resolution": resolution})
    except PlanningError as exc:
        return no_update, _message(exc, current_lang())
    return query.to_dict(), None


def _compare(query: service.PlanningQuery, month_from: str | None, month_to: str | None) -> service.PlanningQuery | None:
    if not month_from or not month_to:
        return None
    return service.PlanningQuery.from_dict({**query.to_dict(), "start": month_from, "end": service.month_end(month_to)})


@callback(
    Output("planning-hot-map", "figure"),
    Output("planning-hot-summary", "children"),
    Input("planning-query", "data"),
    Input("planning-hot-layer", "value"),
    Input("planning-kde", "value"),
    Input("planning-compare-from", "value"),
    Input("planning-compare-to", "value"),
)
@callback_roles(*ROLES)
def update_hotspots(query_data: dict | None, layer: str, kde: list[str] | None, cmp_from: str | None,
                    cmp_to: str | None) -> tuple[Any, Any]:
    lang = current_lang()
    if not query_data:
        return _empty_map(lang), None
    try:
        query = service.PlanningQuery.from_dict(query_data)
        compare = _compare(query, cmp_from, cmp_to) if layer == "emerging" else None
        if layer == "emerging" and compare is None:
            raise InvalidParameterError(tr("pilih periode pembanding (bulan dari–sampai) untuk melihat perubahan",
                                           "choose a comparison period (months from–to) to see changes", lang))
        view = service.hotspot_analysis(get_db(), query, compare=compare)
    except _errors() as exc:
        return _empty_map(lang), _message(exc, lang)
    fig = fg.hotspot_figure(view, areas=area_layers(), layer=layer, show_kde="kde" in (kde or []), lang=lang,
                            basemap=_basemap())
    return fig, _lines(fg.hotspot_summary(view, lang))


@callback(
    Output("planning-heatmap", "figure"),
    Output("planning-season", "figure"),
    Input("planning-query", "data"),
)
@callback_roles(*ROLES)
def update_temporal(query_data: dict | None) -> tuple[Any, Any]:
    lang = current_lang()
    if not query_data:
        return go.Figure(), go.Figure()
    view = service.temporal_analysis(get_db(), service.PlanningQuery.from_dict(query_data))
    names = {t["code"]: (t["name_en"] if lang == "en" else t["name_id"]) for t in service.incident_type_options(get_db())}
    return fg.hour_weekday_figure(view, lang), fg.seasonality_figure(view, names, lang)


@callback(
    Output("planning-cov-map", "figure"),
    Output("planning-cov-summary", "children"),
    Output("planning-cov-table", "children"),
    Output("planning-cov-params", "data"),
    Input("planning-cov-run", "n_clicks"),
    State("planning-query", "data"),
    State("planning-cov-kind", "value"),
    State("planning-cov-bands", "value"),
)
@callback_roles(*ROLES)
def run_coverage(n_clicks: int | None, query_data: dict | None, kind: str, bands: str | None) -> tuple[Any, ...]:
    lang = current_lang()
    if not n_clicks or not query_data:
        return _empty_map(lang), tr("Pilih jenis pos dan pita waktu, lalu tekan «Hitung cakupan».",
                                    "Choose a station kind and time bands, then press “Compute coverage”.", lang), None, no_update
    try:
        view = service.coverage_analysis(get_db(), get_resources().graph(), service.PlanningQuery.from_dict(query_data), kind=kind,
                                         bands_min=bands or "")
    except _errors() as exc:
        return _empty_map(lang), _message(exc, lang), None, no_update
    res = view.result
    within = res.within(res.bands_min[-1])
    summary = [
        tr(f"Model waktu tempuh: {fg.model_label(res.model, lang)}", f"Travel-time model: {fg.model_label(res.model, lang)}", lang),
        tr(f"{len(view.stations)} pos · dalam {res.bands_min[-1]:g} menit: {within['area_share']:.1%} daratan, "
           f"{within['incidents_share']:.1%} insiden",
           f"{len(view.stations)} stations · within {res.bands_min[-1]:g} min: {within['area_share']:.1%} of the land, "
           f"{within['incidents_share']:.1%} of incidents", lang),
    ]
    fig = fg.coverage_figure(view, areas=area_layers(), lang=lang, basemap=_basemap())
    return (fig, _lines(summary), _table(fg.coverage_rows(res, lang), "planning-cov-stats"),
            {"kind": kind, "bands": list(res.bands_min)})


@callback(
    Output("planning-clicks", "data"),
    Input("planning-site-click", "data"),
    Input("planning-site-clear", "n_clicks"),
    State("planning-clicks", "data"),
    State("planning-site-candidates", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def record_click(click: dict | None, _clear: int | None, clicks: list | None, source: str) -> Any:
    if ctx.triggered_id == "planning-site-clear":
        return []
    if source != "clicked" or not click:
        return no_update
    point = point_from_click(click)
    if point is None:
        return no_update
    return [*(clicks or []), list(point)][-MAX_CLICKS:]


@callback(
    Output("planning-site-map", "figure"),
    Output("planning-site-summary", "children"),
    Output("planning-site-params", "data"),
    Input("planning-site-run", "n_clicks"),
    Input("planning-clicks", "data"),
    State("planning-query", "data"),
    State("planning-site-kind", "value"),
    State("planning-site-k", "value"),
    State("planning-site-t", "value"),
    State("planning-site-candidates", "value"),
    State("planning-site-relocate", "value"),
)
@callback_roles(*ROLES)
def run_siting(n_clicks: int | None, clicks: list | None, query_data: dict | None, kind: str, k: int | None,
               t_min: float | None, source: str, relocate: list[str] | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    if ctx.triggered_id != "planning-site-run" or not query_data:
        try:
            rows = service.station_rows(get_db(), kind)
        except PlanningError:
            rows = []
        fig = fg.clicked_figure(areas=area_layers(), clicked=clicks or [], lang=lang, basemap=_basemap(), stations=rows)
        hint = tr("Pilih jenis pos, k dan T, lalu tekan «Jalankan what-if». Untuk kandidat sendiri pilih «Titik yang saya klik» "
                  "dan klik peta.",
                  "Choose a station kind, k and T, then press “Run what-if”. For your own candidates choose “Points I "
                  "click” and click the map.", lang)
        return fig, hint, no_update
    params = {"kind": kind, "k": int(k or 1), "max_minutes": float(t_min or 8), "candidates": source,
              "clicked": clicks or [], "relocate": "relocate" in (relocate or [])}
    try:
        view = service.siting_analysis(get_db(), get_resources().graph(), service.PlanningQuery.from_dict(query_data), **params)
    except _errors() as exc:
        fig = fg.clicked_figure(areas=area_layers(), clicked=clicks or [], lang=lang, basemap=_basemap())
        return fig, _message(exc, lang), no_update
    fig = fg.siting_figure(view, areas=area_layers(), lang=lang, basemap=_basemap(), clicked=clicks or [])
    return fig, _lines(fg.siting_summary(view, lang)), params


# Any click on the siting map puts its lon/lat into ``planning-site-click`` (assets/map_click.js).
clientside_callback(ClientsideFunction(namespace="k112", function_name="mapClick"),
                    Output("planning-site-click-hook", "data"), Input("planning-site-map", "figure"))


def _spec(query_data: dict, cov_params: dict | None, site_params: dict | None, title: str | None,
          lang: str) -> service.ReportSpec:
    return service.ReportSpec(query=service.PlanningQuery.from_dict(query_data), coverage=cov_params,
                              siting=site_params, title=title or "Kendari 112", lang=lang)


def _export(kind: str, n_clicks: int | None, query_data: dict | None, cov_params: dict | None,
            site_params: dict | None, title: str | None) -> tuple[Any, Any]:
    """Build the HTML report or the GeoJSON zip for the current view and hand it to the browser."""
    lang = current_lang()
    if not n_clicks or not query_data:
        return no_update, no_update
    spec = _spec(query_data, cov_params, site_params, title, lang)
    stamp = f"kendari112-perencanaan-{datetime.now():%Y%m%d-%H%M}"
    try:
        if kind == "html":
            page = service.report_html(get_db(), get_resources().graph(), spec)
            name, size, payload = f"{stamp}.html", len(page), dcc.send_string(page, f"{stamp}.html")
        else:
            data = service.report_geojson(get_db(), get_resources().graph(), spec)
            name, size, payload = f"{stamp}-geojson.zip", len(data), dcc.send_bytes(data, f"{stamp}-geojson.zip")
    except _errors() as exc:
        return no_update, _message(exc, lang)
    what = tr("Laporan dibuat", "Report ready", lang) if kind == "html" else tr("GeoJSON dibuat", "GeoJSON ready", lang)
    return payload, f"{what}: {name} ({size / 1024:,.0f} KB)"


_EXPORT_STATES = (State("planning-query", "data"), State("planning-cov-params", "data"),
                  State("planning-site-params", "data"), State("planning-report-title", "value"))


@callback(Output("planning-download-html", "data"),
          Output("planning-export-status", "children", allow_duplicate=True),
          Input("planning-export-html", "n_clicks"), *_EXPORT_STATES, prevent_initial_call=True)
@callback_roles(*ROLES)
def export_html(n_clicks: int | None, query_data: dict | None, cov_params: dict | None, site_params: dict | None,
                title: str | None) -> tuple[Any, Any]:
    return _export("html", n_clicks, query_data, cov_params, site_params, title)


@callback(Output("planning-download-geojson", "data"),
          Output("planning-export-status", "children", allow_duplicate=True),
          Input("planning-export-geojson", "n_clicks"), *_EXPORT_STATES, prevent_initial_call=True)
@callback_roles(*ROLES)
def export_geojson(n_clicks: int | None, query_data: dict | None, cov_params: dict | None, site_params: dict | None,
                   title: str | None) -> tuple[Any, Any]:
    return _export("geojson", n_clicks, query_data, cov_params, site_params, title)
