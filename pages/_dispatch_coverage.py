"""The dispatch console's live coverage: a layer per unit type on the map, the holes and the move-up panel.

:func:`panel` is placed in the console's side column (pages/_dispatch_layout.py); its callbacks
(wired by pages/dispatch.py) recompute :func:`services.coverage.console` a moment after the console's
events or positions version changes, render the summary and the open proposals, and draw the
uncovered land as two map traces appended after the console's live slots (a ``dash.Patch`` at
``first + LIVE_SLOTS``), so the rest of the map is never resent. A proposal is accepted in one
click, or dismissed with a reason; both go through the service and are audited.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from i18n import fmt_duration, fmt_num, fmt_pct, fmt_wita, tr
from incidents import labels
from incidents.model import Actor
from layers.network_traces import CLOSURE_SLOTS
from layers.traces import LIVE_SLOTS, escape, trace_digest
from pages._wiring import wire
from services import coverage as service, incidents as incident_service
from web.context import current_user, get_db, get_resources
from web.errors import EXPECTED, user_message
from web.lang import current_lang

ROLES = ("dispatcher",)
#: Layers shown when the console opens.
DEFAULT_LAYERS = ("ambulance",)
HOLE_COLOUR = "#d32f2f"
STRUCTURAL_COLOUR = "#9e9e9e"
PROPOSED_COLOUR = "#6a1b9a"
MOVING_COLOUR = "#00838f"
HIDDEN = {"display": "none"}
PROPOSAL_STYLE = {"borderLeft": f"4px solid {PROPOSED_COLOUR}", "paddingLeft": "0.6rem", "marginTop": "0.5rem"}

DEMAND_LABELS: dict[str, tuple[str, str]] = {
    "incidents": ("insiden 90 hari terakhir", "incidents of the last 90 days"),
    "population": ("penduduk", "population"),
    "land": ("luas daratan", "land area"),
}
REASON_LABELS: dict[str, tuple[str, str]] = {
    "unit_needed_here": ("Unit dibutuhkan di tempatnya", "The unit is needed where it is"),
    "crew_rest": ("Kru perlu istirahat", "The crew needs a rest"),
    "road_conditions": ("Kondisi jalan", "Road conditions"),
    "short_commitment": ("Unit yang bertugas segera kembali", "The committed units are back soon"),
    "other": ("Alasan lain", "Another reason"),
}
NOTE_LABELS: dict[str, tuple[str, str]] = {
    "approximate_network": ("waktu tempuh perkiraan (tanpa data jalan)", "approximate travel times (no road data)"),
    "no_available_unit": ("tidak ada unit siaga", "no available unit"),
    "units_off_network": ("ada unit di luar jaringan jalan", "some units are off the road network"),
    "separate_land": ("ada daratan tanpa jalan penghubung (mis. Pulau Bungkutoko)",
                      "some land has no road link (e.g. Pulau Bungkutoko)"),
}


def _actor() -> Actor:
    user = current_user()
    assert user is not None  # guarded by the callback's roles
    return Actor(user.username, user.id)


# --- layout --------------------------------------------------------------------------------------------
def target_text(minutes: float, lang: str) -> str:
    """A target in minutes: ``8 mnt`` / ``8 min`` (``7,5 mnt`` when not whole)."""
    digits = 0 if float(minutes).is_integer() else 1
    return f"{fmt_num(minutes, lang, digits=digits)} " + tr("mnt", "min", lang)


def layer_options(unit_types: Sequence[str], thresholds: Mapping[str, float], lang: str) -> list[dict[str, Any]]:
    """One checkbox per unit type: its name and target (``Ambulans ≤ 8 mnt``)."""
    return [{"label": f"{labels.unit_type_label(t, lang)} ≤ {target_text(thresholds[t], lang)}", "value": t}
            for t in unit_types]


def panel(lang: str) -> Any:
    """The coverage section of the console's side column."""
    cfg = service.settings(get_db())
    thresholds = {t: cfg.threshold(t) for t in cfg.unit_types}
    value = [t for t in DEFAULT_LAYERS if t in cfg.unit_types]
    return html.Section([
        html.H3(tr("Cakupan langsung", "Live coverage", lang)),
        html.Div(tr("Arsir merah: wilayah yang kini di luar target waktu tempuh dari unit siaga (lubang baru); "
                    "abu-abu: di luar target walau semua unit di pangkalan.",
                    "Red: land now beyond the target drive time of every available unit (new hole); "
                    "grey: beyond it even with every unit at its station.", lang), className="dsp-hint"),
        dcc.Checklist(id="dispatch-coverage-layers", options=layer_options(cfg.unit_types, thresholds, lang),
                      value=value, inline=True, className="dsp-radio"),
        html.Div(id="dispatch-coverage-summary"),
        html.Div([proposal_slot(t, lang) for t in cfg.unit_types], id="dispatch-coverage-proposals"),
        html.Div(id="dispatch-coverage-msg", role="status"),
        dcc.Store(id="dispatch-coverage-redraw"),
        dcc.Store(id="dispatch-coverage-drawn"),
        dcc.Store(id="dispatch-coverage-shown"),
    ], id="dispatch-coverage", className="k112-card dsp-section")


def proposal_slot(unit_type: str, lang: str) -> Any:
    """Where a unit type's open proposal shows (hidden while there is none), with its accept and
    dismiss-with-reason controls. The slots are fixed per page, so that a new proposal only changes
    their content (the controls' callbacks are not set off by new components)."""
    reasons = [{"label": tr(*REASON_LABELS[r], lang), "value": r} for r in service.DISMISS_REASONS]
    return html.Div([
        html.Div(id={"type": "dispatch-moveup-body", "unit_type": unit_type}),
        html.Div([
            html.Button(tr("Terima usulan", "Accept", lang), n_clicks=0, className="dsp-primary",
                        id={"type": "dispatch-moveup-accept", "unit_type": unit_type}),
            dcc.Dropdown(id={"type": "dispatch-moveup-reason", "unit_type": unit_type}, options=reasons, value=None,
                         clearable=True, searchable=False, className="dsp-grow",
                         placeholder=tr("Alasan menolak…", "Reason to dismiss…", lang)),
            html.Button(tr("Tolak", "Dismiss", lang), n_clicks=0, className="dsp-small",
                        id={"type": "dispatch-moveup-dismiss", "unit_type": unit_type}),
        ], className="dsp-row"),
    ], id={"type": "dispatch-moveup-slot", "unit_type": unit_type}, className="dsp-proposal", style=HIDDEN)


# --- views ---------------------------------------------------------------------------------------------
def _since(value: Any, lang: str) -> str:
    return tr("sejak ", "since ", lang) + fmt_wita(value, date=False)


def type_line(t: service.TypeCoverage, lang: str) -> Any:
    """One unit type: uncovered share of its demand now and usually, the hole and since when."""
    name = labels.unit_type_label(t.unit_type, lang)
    head = html.B(f"{name} ≤ {target_text(t.threshold_min, lang)}: ")
    if t.units_n == 0:
        return html.Div([head, tr("tidak ada unit", "no units", lang)], className="dsp-hint",
                        id=f"dispatch-coverage-type-{t.unit_type}")
    demand = tr(*DEMAND_LABELS.get(t.demand, DEMAND_LABELS["land"]), lang)
    parts: list[Any] = [
        head,
        tr(f"{fmt_pct(t.uncovered_share, lang)} {demand} di luar target (biasanya {fmt_pct(t.baseline_share, lang)})",
           f"{fmt_pct(t.uncovered_share, lang)} of {demand} beyond the target (usually "
           f"{fmt_pct(t.baseline_share, lang)})", lang),
        tr(f" · siaga {t.available_n}/{t.units_n}", f" · available {t.available_n}/{t.units_n}", lang),
    ]
    if t.hole:
        worst = sorted((a for a in t.areas if a.uncovered_share - a.baseline_share > 0.05),
                       key=lambda a: a.baseline_share - a.uncovered_share)[:3]
        where = ", ".join(f"{a.kecamatan} {fmt_pct(a.uncovered_share, lang, digits=0)}" for a in worst)
        parts.append(html.Div(tr("Lubang cakupan ", "Coverage hole ", lang) + _since(t.since, lang)
                              + (" · " + tr("Kec. ", "District ", lang) + where if where else ""),
                              className="dsp-badge dsp-warning", id=f"dispatch-coverage-hole-{t.unit_type}"))
    return html.Div(parts, className="dsp-coverage-type", id=f"dispatch-coverage-type-{t.unit_type}")


def summary(view: service.ConsoleView, lang: str) -> Any:
    """Every unit type's line, the units on their way to a post, and the notes once."""
    rows: list[Any] = [type_line(t, lang) for t in view.types]
    for m in view.moves:
        eta = f" · ± {fmt_duration(m.travel_s, lang)}" if m.travel_s is not None else ""
        rows.append(html.Div(tr(f"{m.callsign} menuju {m.post_name} ", f"{m.callsign} moving to {m.post_name} ",
                                lang) + _since(m.started_at, lang) + eta,
                             className="dsp-hint", id=f"dispatch-coverage-moving-{m.unit_id}"))
    notes = [n for n in NOTE_LABELS if any(n in t.notes for t in view.types if t.units_n)
             and n != "no_available_unit"]
    if view.model == "approximate" and "approximate_network" not in notes:
        notes.insert(0, "approximate_network")
    if notes:
        rows.append(html.Div("; ".join(tr(*NOTE_LABELS[n], lang) for n in notes), className="dsp-hint"))
    return html.Div(rows)


def move_line(m: service.ProposedMove, lang: str) -> Any:
    origin = tr(f" dari Kec. {m.from_kecamatan}", f" from {m.from_kecamatan}", lang) if m.from_kecamatan else ""
    target = f" (Kec. {m.post_kecamatan})" if m.post_kecamatan else ""
    return html.Li(tr(f"{m.callsign}{origin} → {m.post_name}{target}: ± {fmt_duration(m.travel_s, lang)} "
                      f"perjalanan, cakupan +{fmt_pct(m.gain_share, lang)}",
                      f"{m.callsign}{origin} → {m.post_name}{target}: ± {fmt_duration(m.travel_s, lang)} "
                      f"drive, coverage +{fmt_pct(m.gain_share, lang)}", lang))


def proposal_card(p: service.Proposal, lang: str) -> Any:
    """A proposal's text: the moves, and the uncovered share before and after."""
    demand = tr(*DEMAND_LABELS.get(p.demand, DEMAND_LABELS["land"]), lang)
    name = labels.unit_type_label(p.unit_type, lang)
    return html.Div([
        html.Div(html.B(tr(f"Usulan geser unit · {name}", f"Move-up proposal · {name}", lang))),
        html.Ul([move_line(m, lang) for m in p.moves]),
        html.Div(tr(f"Di luar target: {fmt_pct(p.uncovered_before, lang)} → {fmt_pct(p.uncovered_after, lang)} "
                    f"{demand}", f"Beyond the target: {fmt_pct(p.uncovered_before, lang)} → "
                    f"{fmt_pct(p.uncovered_after, lang)} of {demand}", lang), className="dsp-hint"),
    ], id=f"dispatch-proposal-{p.id}")


def proposal_slots(view: service.ConsoleView, slots: Sequence[Mapping[str, Any]], lang: str
                   ) -> tuple[list[Any], list[Any], dict[str, int]]:
    """Per slot (in the order of ``slots``' ids): its style, its content, and which proposal each
    unit type shows."""
    by_type = {p.unit_type: p for p in view.proposals}
    styles, bodies, shown = [], [], {}
    for slot in slots:
        p = by_type.get(str(slot["id"]["unit_type"]))
        styles.append(PROPOSAL_STYLE if p is not None else HIDDEN)
        bodies.append(proposal_card(p, lang) if p is not None else None)
        if p is not None:
            shown[p.unit_type] = p.id
    return styles, bodies, shown


# --- map traces ----------------------------------------------------------------------------------------
def area_trace(view: service.ConsoleView, kind: str, lang: str) -> dict[str, Any]:
    """The selected types' land of one kind — ``hole`` (new holes, red) or ``structural`` (beyond the
    target even with every unit at home, grey) — one feature per type, under a low opacity, never
    taking hovers or clicks."""
    colour = HOLE_COLOUR if kind == "hole" else STRUCTURAL_COLOUR
    features = [{"type": "Feature", "id": layer.unit_type, "properties": {}, "geometry": geom}
                for layer in view.layers if (geom := getattr(layer, kind)) is not None]
    name = tr("Lubang cakupan", "Coverage holes", lang) if kind == "hole" else \
        tr("Di luar target walau semua unit di pangkalan", "Beyond the target even with every unit home", lang)
    return {"type": "choroplethmap", "geojson": {"type": "FeatureCollection", "features": features},
            "locations": [f["id"] for f in features], "z": [1] * len(features), "zmin": 0, "zmax": 1,
            "colorscale": [[0, colour], [1, colour]], "showscale": False,
            "marker": {"opacity": 0.3 if kind == "hole" else 0.22, "line": {"width": 0.6, "color": colour}},
            "hoverinfo": "skip", "name": name, "showlegend": False}


def posts_trace(view: service.ConsoleView, lang: str) -> dict[str, Any]:
    """Posts that proposals send units to (purple) and that units are moving to (teal)."""
    lon, lat, text, hover, colour = [], [], [], [], []
    for p in view.proposals:
        for m in p.moves:
            lon.append(m.lon)
            lat.append(m.lat)
            text.append(m.post_name)
            hover.append(escape(tr(f"Usulan: {m.callsign} ke {m.post_name}", f"Proposed: {m.callsign} to "
                                   f"{m.post_name}", lang)))
            colour.append(PROPOSED_COLOUR)
    for mv in view.moves:
        lon.append(mv.lon)
        lat.append(mv.lat)
        text.append(mv.post_name)
        hover.append(escape(tr(f"{mv.callsign} menuju {mv.post_name}", f"{mv.callsign} moving to {mv.post_name}",
                               lang)))
        colour.append(MOVING_COLOUR)
    return {"type": "scattermap", "mode": "markers+text", "lon": lon, "lat": lat, "text": text,
            "textposition": "bottom center", "textfont": {"size": 10, "color": PROPOSED_COLOUR},
            "marker": {"size": 15, "color": colour, "opacity": 0.85}, "hoverinfo": "text", "hovertext": hover,
            "name": tr("Pos tujuan geser unit", "Move-up posts", lang), "showlegend": False}


# --- callbacks ------------------------------------------------------------------------------------------
#: The coverage traces drawn after the console's live slots, in this order.
SLOTS = ("structural", "hole", "posts")


def coverage_traces(view: service.ConsoleView, lang: str) -> list[dict[str, Any]]:
    """The traces of :data:`SLOTS` for ``view``."""
    return [area_trace(view, "structural", lang), area_trace(view, "hole", lang), posts_trace(view, lang)]


def map_patch(traces: Sequence[Mapping[str, Any]], base: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None,
              *, redraw: bool) -> tuple[Any, Any]:
    """A Patch that sets the coverage traces that changed since ``drawn`` (all of them after the
    console rebuilt its map, ``redraw``), and the new ``drawn`` record; no_update when nothing to do."""
    if not base or base.get("first") is None:
        return no_update, no_update
    where = [int(base["first"]), str(base.get("lang"))]
    digests = [trace_digest(t) for t in traces]
    old = list((drawn or {}).get("digests") or []) if (drawn or {}).get("base") == where and not redraw else []
    changed = [k for k in range(len(traces)) if k >= len(old) or old[k] != digests[k]]
    if not changed:
        return no_update, no_update
    patch = Patch()
    first = int(base["first"]) + LIVE_SLOTS + CLOSURE_SLOTS   # after the console's live traces and closures
    for k in changed:  # in order: after a rebuild the slots are appended one after the other
        patch["data"][first + k] = traces[k]
    return patch, {"base": where, "digests": digests}


@wire(Output("dispatch-coverage-redraw", "data"), Input("dispatch-map-base", "data"),
      roles=ROLES, prevent_initial_call=True)
def rebuilt(base: Mapping[str, Any] | None) -> Any:
    """The console drew its whole map again: the coverage traces must be drawn again too."""
    return {"base": base, "t": time.time()}


@wire(Output("dispatch-coverage-summary", "children"),
      Output({"type": "dispatch-moveup-slot", "unit_type": ALL}, "style"),
      Output({"type": "dispatch-moveup-body", "unit_type": ALL}, "children"),
      Output("dispatch-coverage-shown", "data"),
      Output("dispatch-map", "figure", allow_duplicate=True), Output("dispatch-coverage-drawn", "data"),
      Input("dispatch-need-coverage", "data"),
      Input("dispatch-coverage-layers", "value"), Input("dispatch-coverage-redraw", "data"),
      State("dispatch-map-base", "data"), State("dispatch-coverage-drawn", "data"),
      roles=ROLES, prevent_initial_call=True)
def refresh(_versions: Any, layers: list[str] | None, _redraw: Any,
            base: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Recompute the live coverage; the map gets the coverage traces that changed.

    The map's base is read as State (not waited for): the summary and the hole do not wait for the
    console's own map update; after a rebuild of the map, ``dispatch-coverage-redraw`` draws them again.
    """
    lang = current_lang()
    slots = ctx.outputs_list[1]
    try:
        view = service.console(get_db(), get_resources(), layer_types=layers or [])
    except EXPECTED as exc:
        keep = [no_update] * len(slots)
        return (html.Div(user_message(exc, lang), className="k112-error"), keep, keep, no_update, no_update,
                no_update)
    styles, bodies, shown = proposal_slots(view, slots, lang)
    patch, drawn_now = map_patch(coverage_traces(view, lang), base, drawn,
                                 redraw=ctx.triggered_id == "dispatch-coverage-redraw")
    return summary(view, lang), styles, bodies, shown, patch, drawn_now


def _clicked() -> Any:
    """The pattern-matched button really clicked (not one re-rendered with n_clicks 0)."""
    trig = ctx.triggered[0] if ctx.triggered else None
    if not (trig and trig.get("value")):
        raise PreventUpdate
    return ctx.triggered_id


def _done(text: str, ok: bool) -> Any:
    return html.Div(text, className="k112-ok" if ok else "k112-error", id="dispatch-coverage-msg-text")


def _shown(store: Mapping[str, Any] | None, unit_type: str) -> int | None:
    value = (store or {}).get(unit_type)
    return int(value) if isinstance(value, int) else None


@wire(Output("dispatch-coverage-msg", "children"), Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-moveup-accept", "unit_type": ALL}, "n_clicks"),
      State("dispatch-coverage-shown", "data"),
      roles=ROLES, prevent_initial_call=True)
def accept(_clicks: list[int | None], shown: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """Accept the proposal shown for that unit type in one click: its units get the status "moving to post"."""
    trig = _clicked()
    lang = current_lang()
    proposal_id = _shown(shown, str(trig["unit_type"]))
    if proposal_id is None:
        raise PreventUpdate
    db = get_db()
    try:
        started = service.accept_proposal(db, proposal_id, _actor())
    except EXPECTED as exc:
        return _done(user_message(exc, lang), False), no_update
    names = ", ".join(f"{m.callsign} → {m.post_name}" for m in started)
    return (_done(tr(f"Usulan diterima: {names}", f"Proposal accepted: {names}", lang), True),
            incident_service.version(db)[0])


@wire(Output("dispatch-coverage-msg", "children", allow_duplicate=True),
      Output("dispatch-ver-events", "data", allow_duplicate=True),
      Input({"type": "dispatch-moveup-dismiss", "unit_type": ALL}, "n_clicks"),
      State({"type": "dispatch-moveup-reason", "unit_type": ALL}, "value"),
      State("dispatch-coverage-shown", "data"),
      roles=ROLES, prevent_initial_call=True)
def dismiss(_clicks: list[int | None], reasons: list[str | None], shown: Mapping[str, Any] | None
            ) -> tuple[Any, Any]:
    """Dismiss the proposal shown for that unit type with the reason chosen next to it (required)."""
    trig = _clicked()
    lang = current_lang()
    unit_type = str(trig["unit_type"])
    proposal_id = _shown(shown, unit_type)
    if proposal_id is None:
        raise PreventUpdate
    ids = [i["id"]["unit_type"] for i in ctx.states_list[0]]
    reason = next((r for r, t in zip(reasons or [], ids) if t == unit_type), None)
    if not reason:
        return _done(tr("Pilih alasan menolak dulu.", "Choose a reason to dismiss first.", lang), False), no_update
    db = get_db()
    try:
        service.dismiss_proposal(db, proposal_id, reason, _actor())
    except EXPECTED as exc:
        return _done(user_message(exc, lang), False), no_update
    return (_done(tr("Usulan ditolak dan dicatat.", "Proposal dismissed and recorded.", lang), True),
            incident_service.version(db)[0])
