"""Callbacks of the planning page (pages/planning.py), wired into the app being built.

Each parses its inputs, calls one function of :mod:`services.planning` and renders with
:mod:`planning.figures` and :mod:`pages._planning_views`. Typed errors become one line in the
user's language (:func:`web.errors.user_message`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dcc, no_update

from pages import _planning_views as views
from pages._planning_layout import ROLES
from pages._wiring import wire
from planning import figures as fg
from planning._errors import PlanningError
from planning.siting import point_from_click
from services import planning as service
from web.context import area_layers, get_db, get_resources, get_settings
from web.errors import EXPECTED
from web.lang import current_lang

MAX_CLICKS = 30
_EXPORT_STATES = (State("planning-query", "data"), State("planning-cov-params", "data"),
                  State("planning-site-params", "data"), State("planning-report-title", "value"))


def _empty_map(lang: str) -> go.Figure:
    return fg.base_map(area_layers(), [], lang=lang, basemap=get_settings().basemap, uirevision="planning-empty")


def _query(data: dict[str, Any]) -> service.PlanningQuery:
    return service.PlanningQuery.from_dict(data)


def _compare(query: service.PlanningQuery, month_from: str, month_to: str) -> service.PlanningQuery:
    return service.PlanningQuery.from_dict({**query.to_dict(), "start": month_from,
                                            "end": service.month_end(month_to)})


@wire(Output("planning-query", "data"), Output("planning-query-error", "children"),
      Input("planning-types", "value"), Input("planning-month-from", "value"), Input("planning-month-to", "value"),
      Input("planning-hour-from", "value"), Input("planning-hour-to", "value"), Input("planning-resolution", "value"),
      roles=ROLES)
def update_query(types: list[str] | None, month_from: str | None, month_to: str | None, hour_from: int | None,
                 hour_to: int | None, resolution: int | None) -> tuple[Any, Any]:
    try:
        query = service.PlanningQuery.from_dict({
            "types": types or [], "start": month_from, "end": service.month_end(month_to) if month_to else None,
            "hour_from": hour_from, "hour_to": hour_to, "resolution": resolution})
    except PlanningError as exc:
        return no_update, views.message(exc, current_lang())
    return query.to_dict(), None


@wire(Output("planning-hot-map", "figure"), Output("planning-hot-summary", "children"),
      Input("planning-query", "data"), Input("planning-hot-layer", "value"), Input("planning-kde", "value"),
      Input("planning-compare-from", "value"), Input("planning-compare-to", "value"), roles=ROLES)
def update_hotspots(query_data: dict | None, layer: str, kde: list[str] | None, cmp_from: str | None,
                    cmp_to: str | None) -> tuple[Any, Any]:
    lang = current_lang()
    if not query_data:
        return _empty_map(lang), None
    if layer == "emerging" and not (cmp_from and cmp_to):
        return _empty_map(lang), views.note(views.comparison_needed(lang))
    try:
        query = _query(query_data)
        compare = _compare(query, cmp_from, cmp_to) if layer == "emerging" and cmp_from and cmp_to else None
        view = service.hotspot_analysis(get_db(), query, compare=compare)
    except EXPECTED as exc:
        return _empty_map(lang), views.message(exc, lang)
    fig = fg.hotspot_figure(view, areas=area_layers(), layer=layer, show_kde="kde" in (kde or []), lang=lang,
                            basemap=get_settings().basemap)
    return fig, views.summary(fg.hotspot_summary(view, lang), lang)


@wire(Output("planning-heatmap", "figure"), Output("planning-season", "figure"),
      Output("planning-when-summary", "children"), Input("planning-query", "data"), roles=ROLES)
def update_temporal(query_data: dict | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    if not query_data:
        return go.Figure(), go.Figure(), None
    view = service.temporal_analysis(get_db(), _query(query_data))
    names = {code: pair[1] if lang == "en" else pair[0] for code, pair in service.type_names(get_db()).items()}
    return (fg.hour_weekday_figure(view, lang), fg.seasonality_figure(view, names, lang),
            views.summary(fg.temporal_summary(view, lang), lang))


@wire(Output("planning-cov-map", "figure"), Output("planning-cov-summary", "children"),
      Output("planning-cov-table", "children"), Output("planning-cov-params", "data"),
      Input("planning-cov-run", "n_clicks"), State("planning-query", "data"), State("planning-cov-kind", "value"),
      State("planning-cov-bands", "value"), roles=ROLES)
def run_coverage(n_clicks: int | None, query_data: dict | None, kind: str, bands: str | None) -> tuple[Any, ...]:
    lang = current_lang()
    if not n_clicks or not query_data:
        return _empty_map(lang), views.coverage_hint(lang), None, no_update
    try:
        view = service.coverage_analysis(get_db(), get_resources().graph(), _query(query_data), kind=kind,
                                         bands_min=bands or "")
    except EXPECTED as exc:
        return _empty_map(lang), views.message(exc, lang), None, no_update
    fig = fg.coverage_figure(view, areas=area_layers(), lang=lang, basemap=get_settings().basemap)
    return (fig, views.summary(fg.coverage_summary(view, lang), lang),
            views.table(fg.coverage_rows(view.result, lang), "planning-cov-stats"),
            {"kind": kind, "bands": list(view.result.bands_min)})


@wire(Output("planning-site-types", "value"), Input("planning-site-kind", "value"), roles=ROLES)
def default_site_types(kind: str) -> Any:
    """The incident types the chosen kind of post serves (from the response plans) become the default."""
    try:
        return list(service.served_types(get_db(), kind))
    except EXPECTED:
        return []


@wire(Output("planning-clicks", "data"), Input("planning-site-click", "data"), Input("planning-site-clear", "n_clicks"),
      State("planning-clicks", "data"), State("planning-site-candidates", "value"), roles=ROLES,
      prevent_initial_call=True)
def record_click(click: dict | None, _clear: int | None, clicks: list | None, source: str) -> Any:
    if ctx.triggered_id == "planning-site-clear":
        return []
    point = point_from_click(click) if source == "clicked" and click else None
    if point is None:
        return no_update
    return [*(clicks or []), list(point)][-MAX_CLICKS:]


def _site_map_before(kind: str, clicks: list | None, lang: str) -> go.Figure:
    try:
        rows = service.station_rows(get_db(), kind)
    except PlanningError:
        rows = []
    return fg.clicked_figure(areas=area_layers(), clicked=clicks or [], lang=lang, basemap=get_settings().basemap,
                             stations=rows)


@wire(Output("planning-site-map", "figure"), Output("planning-site-summary", "children"),
      Output("planning-site-params", "data"),
      Input("planning-site-run", "n_clicks"), Input("planning-clicks", "data"), State("planning-query", "data"),
      State("planning-site-kind", "value"), State("planning-site-k", "value"), State("planning-site-t", "value"),
      State("planning-site-candidates", "value"), State("planning-site-relocate", "value"),
      State("planning-site-types", "value"), roles=ROLES)
def run_siting(n_clicks: int | None, clicks: list | None, query_data: dict | None, kind: str, k: int | None,
               t_min: float | None, source: str, relocate: list[str] | None,
               types: list[str] | None) -> tuple[Any, Any, Any]:
    lang = current_lang()
    if ctx.triggered_id != "planning-site-run" or not query_data:
        return _site_map_before(kind, clicks, lang), views.siting_hint(lang), no_update
    params: dict[str, Any] = {"kind": kind, "k": int(k or 1), "max_minutes": float(t_min or 8), "candidates": source,
              "clicked": clicks or [], "relocate": "relocate" in (relocate or []), "types": list(types or [])}
    try:
        view = service.siting_analysis(get_db(), get_resources().graph(), _query(query_data), **params)
    except EXPECTED as exc:
        return _site_map_before(kind, clicks, lang), views.message(exc, lang), no_update
    fig = fg.siting_figure(view, areas=area_layers(), lang=lang, basemap=get_settings().basemap, clicked=clicks or [])
    return fig, views.summary(fg.siting_summary(view, lang), lang), params


def _export(kind: str, n_clicks: int | None, query_data: dict | None, cov_params: dict | None,
            site_params: dict | None, title: str | None) -> tuple[Any, Any]:
    """Build the HTML report or the GeoJSON zip for the current view and hand it to the browser."""
    lang = current_lang()
    if not n_clicks or not query_data:
        return no_update, no_update
    spec = service.ReportSpec(query=_query(query_data), coverage=cov_params, siting=site_params,
                              title=title or "Kendari 112", lang=lang)
    stamp = f"kendari112-perencanaan-{datetime.now():%Y%m%d-%H%M}"
    try:
        if kind == "html":
            page = service.report_html(get_db(), get_resources().graph(), spec)
            name, size, payload = f"{stamp}.html", len(page), dcc.send_string(page, f"{stamp}.html")
        else:
            data = service.report_geojson(get_db(), get_resources().graph(), spec)
            name, size, payload = f"{stamp}-geojson.zip", len(data), dcc.send_bytes(data, f"{stamp}-geojson.zip")
    except EXPECTED as exc:
        return no_update, views.message(exc, lang)
    return payload, views.export_status(kind, name, size, lang)


@wire(Output("planning-download-html", "data"), Output("planning-export-status", "children", allow_duplicate=True),
      Input("planning-export-html", "n_clicks"), *_EXPORT_STATES, roles=ROLES, prevent_initial_call=True)
def export_html(n_clicks: int | None, query_data: dict | None, cov_params: dict | None, site_params: dict | None,
                title: str | None) -> tuple[Any, Any]:
    return _export("html", n_clicks, query_data, cov_params, site_params, title)


@wire(Output("planning-download-geojson", "data"),
      Output("planning-export-status", "children", allow_duplicate=True),
      Input("planning-export-geojson", "n_clicks"), *_EXPORT_STATES, roles=ROLES, prevent_initial_call=True)
def export_geojson(n_clicks: int | None, query_data: dict | None, cov_params: dict | None, site_params: dict | None,
                   title: str | None) -> tuple[Any, Any]:
    return _export("geojson", n_clicks, query_data, cov_params, site_params, title)
