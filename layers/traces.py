"""Plotly map traces (plain dicts) for units, incidents, facilities and routes, and their hover text.

Every function takes ``lang`` ("id" or "en") and plain rows (mappings); nothing here reads a
request or a database. Hover labels are plotly's HTML subset: every value from the data is
escaped (:func:`escape`), so a name such as ``<b>Kadia</b>`` is shown as written. Marker labels
(``text`` on a map) are drawn as plain text by MapLibre and are not escaped.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from i18n import fmt_num, fmt_wita, tr

UNIT_STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (colour, Indonesian, English)
    "available": ("#2e7d32", "Siaga", "Available"),
    "dispatched": ("#f9a825", "Ditugaskan", "Dispatched"),
    "en_route": ("#ef6c00", "Menuju lokasi", "En route"),
    "on_scene": ("#c62828", "Di lokasi", "On scene"),
    "transporting": ("#6a1b9a", "Mengantar pasien", "Transporting"),
    "at_hospital": ("#1565c0", "Di rumah sakit", "At hospital"),
    "out_of_service": ("#757575", "Tidak beroperasi", "Out of service"),
    "moving_to_post": ("#00838f", "Menuju pos siaga", "Moving to post"),
}
PRIORITY_STYLE: dict[int, tuple[str, int, str, str]] = {
    # priority: (colour, marker size in px, Indonesian, English)
    1: ("#b71c1c", 16, "Prioritas 1 (kritis)", "Priority 1 (critical)"),
    2: ("#e65100", 13, "Prioritas 2 (mendesak)", "Priority 2 (urgent)"),
    3: ("#f9a825", 11, "Prioritas 3", "Priority 3"),
    4: ("#78909c", 9, "Prioritas 4 (layanan kota)", "Priority 4 (municipal)"),
}
FACILITY_STYLE: dict[str, tuple[str, str, str]] = {
    "puskesmas": ("#00897b", "Puskesmas (pangkalan ambulans)", "Puskesmas (ambulance base)"),
    "hospital": ("#0d47a1", "Rumah sakit", "Hospital"),
    "fire_post": ("#d84315", "Pos Damkar", "Fire post"),
    "police_station": ("#283593", "Polsek", "Police station"),
    "bpbd_post": ("#4e342e", "BPBD", "Disaster agency (BPBD)"),
}
ROUTE_COLOURS = ("#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#ef6c00", "#4e342e", "#37474f")
#: Route slots of the live map (each slot: the line and its ETA label).
ROUTE_SLOTS = 8
#: Traces of :func:`live_traces`: one per unit status, one per priority, two per route slot, the
#: selected incident's ring and the draft location of a new incident.
LIVE_SLOTS = len(UNIT_STATUS_STYLE) + len(PRIORITY_STYLE) + 2 * ROUTE_SLOTS + 2


def trace_digest(trace: Mapping[str, Any]) -> str:
    """A short fingerprint of a trace's content: a map slot is resent only when it changes."""
    return hashlib.sha1(json.dumps(trace, sort_keys=True, default=str).encode()).hexdigest()[:16]


def escape(value: Any) -> str:
    """``value`` as text safe inside a plotly hover label (``<``, ``>`` and ``&`` escaped)."""
    return html.escape(str(value), quote=False)


def minutes_text(seconds: float | None, lang: str) -> str:
    """A duration for people, with the language's decimal mark: ``4,2 mnt`` / ``4.2 min`` below an
    hour, else ``1,3 jam`` / ``1.3 h``; ``—`` when unknown."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return fmt_num(seconds / 60, lang, digits=1) + " " + tr("mnt", "min", lang)
    return fmt_num(seconds / 3600, lang, digits=1) + " " + tr("jam", "h", lang)


# --- hover text -----------------------------------------------------------------------------------
def _status_label(status: str, lang: str) -> str:
    style = UNIT_STATUS_STYLE.get(status)
    return tr(style[1], style[2], lang) if style else status.replace("_", " ")


def unit_hover(u: Mapping[str, Any], lang: str) -> str:
    """Callsign, type, status since when, where, and the incident it works on."""
    colour_label = UNIT_STATUS_STYLE.get(u["status"])
    label = tr(colour_label[1], colour_label[2], lang) if colour_label else str(u["status"])
    where = tr("di markas", "at home station", lang) if u.get("at_home_station") else \
        tr("posisi ", "position ", lang) + fmt_wita(u.get("position_at"))
    incident = f"<br>{tr('insiden', 'incident', lang)} #{escape(u['assigned_incident_id'])}" \
        if u.get("assigned_incident_id") else ""
    kind = u.get("unit_type_name_en" if lang == "en" else "unit_type_name_id") or \
        str(u["unit_type"]).replace("_", " ").capitalize()
    return (f"<b>{escape(u['callsign'])}</b> · {escape(kind)}<br>{escape(label)} "
            f"{tr('sejak', 'since', lang)} {fmt_wita(u.get('status_at'))}<br>{where}{incident}")


def incident_hover(i: Mapping[str, Any], lang: str) -> str:
    """Number, type, priority, place, when the call came in, and the units on it."""
    name = i["type_name_en"] if lang == "en" else i["type_name_id"]
    if i.get("call_received_at"):
        when = f"{tr('masuk', 'received', lang)} {fmt_wita(i['call_received_at'])}"
    else:
        when = f"{tr('dibuat', 'created', lang)} {fmt_wita(i.get('created_at'))}"
    if i.get("units_on"):
        on = ", ".join(f"{u['callsign']} ({_status_label(u['status'], lang)})" for u in i["units_on"])
        units = f"{tr('unit', 'units', lang)}: {escape(on)}"
    elif "callsigns" in i:
        units = f"{tr('unit', 'units', lang)}: {escape(i.get('callsigns') or '—')}"
    else:
        units = f"{tr('unit ditugaskan', 'units assigned', lang)}: {escape(i.get('units_assigned', 0))}"
    return (f"<b>#{escape(i['id'])} {escape(name)}</b> (P{escape(i['priority'])})<br>"
            f"{escape(i.get('kelurahan') or '—')}, {escape(i.get('kecamatan') or '—')}<br>{when}<br>{units}")


def facility_hover(r: Mapping[str, Any], lang: str) -> str:
    """Name, place, how sure its location is, phone."""
    if r["location_confidence"] == "approximate":
        conf = tr("lokasi perkiraan (hanya kecamatan diketahui)", "approximate location (kecamatan only)", lang)
    else:
        conf = tr("keyakinan lokasi: ", "location confidence: ", lang) + escape(r["location_confidence"])
    parts = [f"<b>{escape(r['name'])}</b>", f"{escape(r.get('kelurahan') or '—')}, {escape(r.get('kecamatan') or '—')}",
             conf]
    if r.get("phone"):
        parts.append(escape(r["phone"]))
    return "<br>".join(parts)


def area_hover(props: Mapping[str, Any], layer_name: str, lang: str) -> str:
    """A kecamatan or kelurahan: name, layer, area, and its BPS population when known."""
    text = f"<b>{escape(props['nama'])}</b><br>{escape(layer_name)} · {escape(props['area_km2'])} km²"
    population = props.get("population")
    if population:
        # No density: BPS areas differ from the polygon areas (PROVENANCE.md); mixing them would mislead.
        text += (f"<br>{tr('Penduduk', 'Population', lang)} {population:,} "
                 f"(BPS {escape(props.get('population_year') or '—')})")
    return text


# --- traces -----------------------------------------------------------------------------------------
def empty_trace(name: str) -> dict[str, Any]:
    """A trace with no points: keeps a slot of the live map when its rows are gone."""
    return {"type": "scattermap", "lon": [], "lat": [], "mode": "markers", "name": name, "showlegend": False,
            "hoverinfo": "skip"}


def _lon_lat(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    return {"lon": [float(r["lon"]) for r in rows], "lat": [float(r["lat"]) for r in rows]}


def unit_traces(units: Sequence[Mapping[str, Any]], lang: str, *, keep_empty: bool = False) -> list[dict[str, Any]]:
    """One trace per unit status (colour and legend entry of :data:`UNIT_STATUS_STYLE`)."""
    out: list[dict[str, Any]] = []
    for status, (colour, label_id, label_en) in UNIT_STATUS_STYLE.items():
        rows = [u for u in units if u["status"] == status]
        if not rows:
            if keep_empty:
                out.append(empty_trace(f"unit-{status}"))
            continue
        out.append({
            "type": "scattermap", "mode": "markers+text", **_lon_lat(rows), "text": [u["callsign"] for u in rows],
            "textposition": "top right", "textfont": {"size": 10, "color": colour},
            "marker": {"size": 10, "color": colour}, "hoverinfo": "text",
            "hovertext": [unit_hover(u, lang) for u in rows],
            "name": tr("Unit: ", "Units: ", lang) + tr(label_id, label_en, lang), "legendgroup": "units",
            "customdata": [["unit", u["id"]] for u in rows]})
    return out


def incident_traces(incidents: Sequence[Mapping[str, Any]], lang: str, *,
                    keep_empty: bool = False) -> list[dict[str, Any]]:
    """One trace per priority for open emergency incidents (rows without ``is_emergency`` count)."""
    out: list[dict[str, Any]] = []
    for priority, (colour, size, label_id, label_en) in PRIORITY_STYLE.items():
        rows = [i for i in incidents if int(i["priority"]) == priority and i.get("is_emergency", True)]
        if not rows:
            if keep_empty:
                out.append(empty_trace(f"incident-p{priority}"))
            continue
        out.append({
            "type": "scattermap", "mode": "markers", **_lon_lat(rows),
            "marker": {"size": size, "color": colour, "opacity": 0.9},
            "hoverinfo": "text", "hovertext": [incident_hover(i, lang) for i in rows],
            "name": tr("Insiden: ", "Incidents: ", lang) + tr(label_id, label_en, lang), "legendgroup": "incidents",
            "customdata": [["incident", i["id"]] for i in rows]})
    return out


def municipal_traces(incidents: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Open municipal tickets (non-emergency types) as one small grey trace; none when there are none."""
    rows = [i for i in incidents if not i.get("is_emergency", True)]
    if not rows:
        return []
    return [{
        "type": "scattermap", "mode": "markers", **_lon_lat(rows),
        "marker": {"size": 6, "color": "#78909c", "opacity": 0.6},
        "hoverinfo": "text", "hovertext": [incident_hover(i, lang) for i in rows],
        "name": tr("Tiket layanan kota (terbuka)", "Municipal tickets (open)", lang), "legendgroup": "incidents",
        "customdata": [["incident", i["id"]] for i in rows]}]


def facility_traces(facilities: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One trace per facility category; approximate locations are drawn paler."""
    out: list[dict[str, Any]] = []
    for category, (colour, label_id, label_en) in FACILITY_STYLE.items():
        rows = [f for f in facilities if f["category"] == category]
        if not rows:
            continue
        out.append({
            "type": "scattermap", "mode": "markers", **_lon_lat(rows),
            "marker": {"size": 11, "color": colour,
                       "opacity": [0.55 if r["location_confidence"] == "approximate" else 0.95 for r in rows]},
            "text": [facility_hover(r, lang) for r in rows], "hovertemplate": "%{text}<extra></extra>",
            "name": tr(label_id, label_en, lang), "legendgroup": "facilities",
            "customdata": [["facility", r["id"]] for r in rows]})
    return out


def route_line(coordinates: Sequence[Sequence[float]], lang: str, *, colour: str = "#1565c0",
               width: float = 5) -> dict[str, Any]:
    """One route as a line (no hover, no legend entry)."""
    return {"type": "scattermap", "mode": "lines", "lon": [c[0] for c in coordinates],
            "lat": [c[1] for c in coordinates], "line": {"width": width, "color": colour}, "hoverinfo": "skip",
            "showlegend": False, "name": tr("Rute", "Route", lang)}


def route_traces(routes: Sequence[Mapping[str, Any]], lang: str, *, slots: int = ROUTE_SLOTS) -> list[dict[str, Any]]:
    """Two traces per slot: the route line and its ETA label at the unit's end (empty slots padded).

    Each route: ``{"callsign", "eta_s", "route": GeoJSON LineString, "selected", "assigned"}``.
    """
    out: list[dict[str, Any]] = []
    for k in range(slots):
        if k >= len(routes):
            out += [empty_trace(f"route-{k}"), empty_trace(f"eta-{k}")]
            continue
        r = routes[k]
        coords = r["route"]["coordinates"]
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        # dispatched or en route: both are "assigned"
        on_way = f" ({tr('ditugaskan', 'assigned', lang)})" if r.get("assigned") else ""
        label = f"{r['callsign']}{on_way} · {minutes_text(r['eta_s'], lang)}"
        line = route_line(coords, lang, colour=colour, width=6 if r.get("assigned") else 5 if r["selected"] else 3)
        line.update({"opacity": 0.9 if r["selected"] else 0.55, "name": label, "legendgroup": "routes",
                     "showlegend": True})
        out.append(line)
        out.append({"type": "scattermap", "mode": "text+markers", "lon": [coords[0][0]], "lat": [coords[0][1]],
                    "text": [label], "textposition": "bottom right", "textfont": {"size": 12, "color": colour},
                    "marker": {"size": 7, "color": colour}, "hoverinfo": "skip", "showlegend": False,
                    "name": f"eta-{k}"})
    return out


def routes_to_draw(recommendation: Mapping[str, Any] | None, moving: Sequence[Mapping[str, Any]], *,
                   limit: int = ROUTE_SLOTS) -> list[dict[str, Any]]:
    """The routes of a selected incident: its units still on their way first, then the
    recommended units' routes (the plan's choices first, then by ETA), at most ``limit``."""
    out = [{"unit_id": m["unit_id"], "callsign": m["callsign"], "eta_s": m["eta_s"], "route": m["route"],
            "selected": True, "assigned": True} for m in moving]
    if recommendation:
        chosen = set() if recommendation.get("plan_fulfilled") else {
            u for item in recommendation.get("plan") or [] for u in item.get("selected") or []}
        routed = [c for c in recommendation.get("candidates") or [] if c.get("route")]
        routed.sort(key=lambda c: (c["unit_id"] not in chosen, c["eta_s"] or 0))
        out += [{"unit_id": c["unit_id"], "callsign": c["callsign"], "eta_s": c["eta_s"], "route": c["route"],
                 "selected": c["unit_id"] in chosen, "assigned": False} for c in routed]
    return out[:limit]


def live_traces(units: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]],
                routes: Sequence[Mapping[str, Any]], selected: Mapping[str, Any] | None,
                draft: Mapping[str, Any] | None, lang: str) -> list[dict[str, Any]]:
    """The changing traces of the dispatch map, always :data:`LIVE_SLOTS` of them in the same order,
    so that a refresh can replace them in place (``dash.Patch``) without resending the boundaries.

    ``selected`` and ``draft`` are ``{"lon", "lat"}`` points (the selected incident, the new call's place).
    """
    slots = unit_traces(units, lang, keep_empty=True) + incident_traces(incidents, lang, keep_empty=True)
    slots += route_traces(routes[:ROUTE_SLOTS], lang)
    if selected and selected.get("lon") is not None:
        slots.append({"type": "scattermap", "mode": "markers", "lon": [selected["lon"]], "lat": [selected["lat"]],
                      "marker": {"size": 26, "color": "#000", "opacity": 0.25}, "hoverinfo": "skip",
                      "name": tr("Insiden terpilih", "Selected incident", lang), "showlegend": False})
    else:
        slots.append(empty_trace("selected"))
    slots.append(draft_trace(draft, lang))
    if len(slots) != LIVE_SLOTS:
        raise AssertionError(f"live map has {len(slots)} traces, expected {LIVE_SLOTS}")
    return slots


def draft_trace(draft: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
    """The new call's pin: the last of the :func:`live_traces` slots (an empty trace without a pin)."""
    if not draft:
        return empty_trace("draft")
    label = tr("Lokasi baru", "New location", lang)
    return {"type": "scattermap", "mode": "markers+text", "lon": [draft["lon"]], "lat": [draft["lat"]],
            "marker": {"size": 18, "color": "#d500f9"}, "text": [label], "textposition": "top center",
            "hoverinfo": "skip", "name": label, "showlegend": False}
