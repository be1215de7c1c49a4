"""HTML of the dispatch console (pages/dispatch.py): worklist rows, messages, the incident panel.

Formatting only: every function takes what a service returned and the user's ``lang``; no
database, no request. Every code a user could see (status, unit type, agency, outcome, event) goes
through :mod:`incidents.labels`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import dcc, html

from field_errors import ValidationFailed
from i18n import fmt_num, fmt_wita, tr
from incidents.labels import (
    agency_label,
    priority_label,
    status_label,
    unit_type_label,
)
from incidents.model import next_statuses
from web.errors import user_message

#: Alternatives listed after the plan's choice on each plan line (the rest under "more").
PLAN_ALTERNATIVES = 2
#: How many ranked candidates per plan item "more" lists (all are in the API answer).
PANEL_CANDIDATES = 6

_PLACE_KINDS = {"kelurahan": ("Kel.", "Kel."), "kecamatan": ("Kec.", "District"),
                "facility": ("Fasilitas", "Facility"), "landmark": ("Tempat", "Landmark")}


# --- messages ------------------------------------------------------------------------------------
def message(text: str, ok: bool) -> Any:
    return html.Div(text, className="k112-ok" if ok else "k112-error", id="dispatch-msg-text")


def refusal(exc: BaseException, hint: tuple[float, float] | None, lang: str) -> Any:
    """A refused point: why, and when a forgotten minus sign or swapped fields would put it in the
    city, a button that takes the likely intended point."""
    text = message(error_text(exc, lang), False)
    if hint is None:
        return text
    lat, lon = hint
    label = tr(f"Pakai {fmt_num(lat, lang, digits=5)}, {fmt_num(lon, lang, digits=5)}",
               f"Use {fmt_num(lat, lang, digits=5)}, {fmt_num(lon, lang, digits=5)}", lang).replace("-", "−")
    return html.Div([text, html.Button(label, id={"type": "dispatch-hint", "lat6": round(lat * 1e6),
                                                  "lon6": round(lon * 1e6)},
                                       n_clicks=0, className="dsp-small dsp-primary-inline", title=tr(
                                           "Tempatkan di titik yang mungkin dimaksud (lintang, bujur)",
                                           "Place the point probably meant (latitude, longitude)", lang))])


def error_text(exc: BaseException, lang: str) -> str:
    """One line for ``exc``; a refusal that names both coordinates is said once."""
    if isinstance(exc, ValidationFailed):
        seen: list[str] = []
        for e in exc.errors:
            text = tr(e.message_id, e.message_en, lang)
            if text not in seen:
                seen.append(text)
        if len(seen) == 1 and exc.errors[0].field in ("lat", "lon"):
            return seen[0]
    return user_message(exc, lang)


def error_message(exc: BaseException, lang: str) -> Any:
    return message(error_text(exc, lang), False)


def routing_label(model: str | None, lang: str) -> str:
    if model == "road":
        return tr("ETA: jaringan jalan", "ETA: road network", lang)
    if model == "approximate":
        return tr("ETA: perkiraan (kisi daratan + jembatan, tanpa data jalan)",
                  "ETA: approximate (land lattice + bridges, no road data)", lang)
    return ""


def place_name(kelurahan: str | None, kecamatan: str | None, lang: str) -> str:
    return f"{tr('Kel.', 'Kel.', lang)} {kelurahan or '—'}, {tr('Kec.', 'Kec.', lang)} {kecamatan or '—'}"


def coords_text(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (what a dispatcher is told, not what routing uses)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def metres(value: float, lang: str) -> str:
    if value >= 1000:
        return fmt_num(value / 1000, lang, digits=1) + " km"
    return fmt_num(value, lang, digits=0) + " m"


def _ago(seconds: float, lang: str) -> str:
    mins = max(0, round(seconds / 60))
    return tr(f"{mins} mnt lalu", f"{mins} min ago", lang) if mins else tr("baru saja", "just now", lang)


def unit_text(callsign: str, status: str | None, lang: str) -> str:
    """``AMB-12 (Menuju lokasi)``."""
    return f"{callsign} ({status_label(status, lang)})" if status else str(callsign)


# --- board and worklist ------------------------------------------------------------------------------
def board_summary(board: Any, lang: str) -> str:
    available = sum(1 for u in board.units if u["status"] == "available")
    n_inc, n_units, municipal = len(board.incidents), len(board.units), board.municipal_open
    waiting = sum(1 for r in board.incidents if not int(r["units_assigned"] or 0))
    return tr(f"{n_inc} insiden terbuka ({waiting} belum ada unit) · {available}/{n_units} unit siaga"
              f" · {municipal} tiket layanan kota di OPD",
              f"{n_inc} open incidents ({waiting} without a unit) · {available}/{n_units} units available"
              f" · {municipal} municipal tickets with the OPD", lang)


def _epoch_ms(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value is not None else 0


def worklist_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key of the worklist: incidents without a unit first, then by priority, then the oldest call."""
    received = row.get("call_received_at") or row.get("created_at")
    return (int(row.get("units_assigned") or 0) > 0, int(row["priority"]), _epoch_ms(received), int(row["id"]))


def queue_rows(rows: Sequence[Mapping[str, Any]], units: Mapping[int, Sequence[Mapping[str, Any]]],
               thresholds: Mapping[int, tuple[int, int]], lang: str) -> list[dict[str, Any]]:
    """Worklist rows in order (:func:`worklist_key`) with what the waiting clock needs."""
    out = []
    for r in sorted(rows, key=worklist_key):
        received = r["call_received_at"] or r["created_at"]
        amber, red = thresholds.get(int(r["priority"]), (600, 1200))
        on_it = units.get(int(r["id"])) or []
        type_name = str(r["type_name_en"] if lang == "en" else r["type_name_id"])
        units_text = ", ".join(unit_text(u["callsign"], u["status"], lang) for u in on_it) or tr(
            "belum ada", "none", lang)
        where = place_name(r["kelurahan"], r["kecamatan"], lang)
        description = (r["description"] or "")[:300]
        out.append({
            "row_id": str(r["id"]), "id": r["id"], "priority": r["priority"],
            "priority_text": priority_label(r["priority"], lang),
            "type": type_name, "kelurahan": r["kelurahan"] or "—", "kecamatan": r["kecamatan"] or "—",
            "received": fmt_wita(received, date=False, seconds=True),
            "units": units_text, "description": description,
            "tip": f"#{r['id']} {type_name} · {where}" + (f" · {description}" if description else ""),
            "t0": _epoch_ms(received), "amber_s": amber, "red_s": red, "assigned": bool(on_it),
            "wait_title": tr(f"Masuk {fmt_wita(received, date=False, seconds=True)}; kuning setelah "
                             f"{amber // 60} mnt, merah setelah {red // 60} mnt tanpa unit",
                             f"Received {fmt_wita(received, date=False, seconds=True)}; amber after {amber // 60} min, "
                             f"red after {red // 60} min without a unit", lang),
        })
    return out


def unit_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{
        "row_id": str(u["id"]), "id": u["id"], "callsign": u["callsign"],
        "unit_type": unit_type_label(u["unit_type"], lang), "agency": agency_label(u["agency_code"], lang),
        "status": status_label(u["status"], lang),
        "since": fmt_wita(u["status_at"], date=False), "incident": u["assigned_incident_id"],
        "where": (tr("markas: ", "station: ", lang) + str(u["home_station"] or "—")) if u["at_home_station"]
        else tr("dilaporkan ", "reported ", lang) + fmt_wita(u["position_at"], date=False),
    } for u in rows]


def unit_selected(unit: Any, lang: str) -> Any:
    return html.Span([html.B(unit.callsign), f" · {status_label(unit.status, lang)}"], id="dispatch-unit-selected")


def board_allowed(unit_type: str | None, unit: Any) -> tuple[str, ...]:
    """The statuses the board's buttons may set for ``unit`` now (the others are dimmed)."""
    if unit.assignment_status:
        return next_statuses(unit_type or "", unit.assignment_status, assigned=True)
    return next_statuses(unit_type or "", unit.status, assigned=False)


# --- new call ------------------------------------------------------------------------------------------
def search_results(hits: Sequence[Mapping[str, Any]], lang: str) -> Any:
    if not hits:
        return html.Div(tr("Tidak ditemukan.", "Nothing found.", lang), className="dsp-hint")
    buttons = []
    for i, h in enumerate(hits):
        alias = f" ← {h['matched']}" if h["matched"] and h["matched"] != h["name"] else ""
        kind = tr(*_PLACE_KINDS.get(str(h["kind"]), (str(h["kind"]), str(h["kind"]))), lang)
        buttons.append(html.Button(f"{kind} {h['name']}{alias}" + (f" · {h['detail']}" if h["detail"] else ""),
                                   id={"type": "dispatch-place", "index": i}, n_clicks=0, className="dsp-result"))
    return buttons


def draft_of(placed: Any, source: str) -> dict[str, Any]:
    """The draft location kept in the browser (it survives a reload)."""
    place = placed.place
    return {"lon": place.lon, "lat": place.lat, "kecamatan": place.kecamatan, "kelurahan": place.kelurahan,
            "source": source, "on_land": placed.on_land, "offshore_m": round(placed.offshore_m),
            "off_road_m": round(placed.off_road_m)}


def place_text(draft: Mapping[str, Any], lang: str) -> Any:
    """The draft place: names, coordinates (latitude first), where it came from, and how it is reached."""
    text = (f"{place_name(draft.get('kelurahan'), draft.get('kecamatan'), lang)} · "
            f"({coords_text(float(draft['lat']), float(draft['lon']))}) · {draft.get('source') or ''}")
    notes: list[Any] = []
    if draft.get("offshore_m"):
        notes.append(html.Div(tr(f"Di perairan dekat pantai, {metres(draft['offshore_m'], lang)} dari darat: "
                                 "rute dihitung dari titik darat terdekat.",
                                 f"In the water near the shore, {metres(draft['offshore_m'], lang)} from land: "
                                 "routed from the nearest land.", lang), className="dsp-note"))
    if draft.get("off_road_m"):
        notes.append(html.Div(tr(f"Tanpa jalan {metres(draft['off_road_m'], lang)} dari jalan terdekat "
                                 "(dihitung dengan kecepatan jalan kaki/kendaraan pelan).",
                                 f"Off-road: {metres(draft['off_road_m'], lang)} from the nearest road "
                                 "(timed at a slow off-road speed).", lang), className="dsp-note"))
    return html.Div([html.Span(text, id="dispatch-draft-text", className="k112-ok"), *notes])


def no_place(lang: str) -> str:
    return tr("Lokasi belum dipilih", "No location yet", lang)


def duplicate_link(of_id: int, lang: str, **link: Any) -> list[Any]:
    return ["⚠ ", tr("Kemungkinan duplikat dari ", "Possible duplicate of ", lang),
            dcc.Link(f"#{of_id}", href=f"/dispatch?incident={of_id}", **link)]


def created(incident: Any, lang: str) -> list[Any]:
    where = f"Kel. {incident.kelurahan or '—'}, Kec. {incident.kecamatan or '—'}"
    text = tr(f"Insiden #{incident.id} dibuat · {where}", f"Incident #{incident.id} created · {where}", lang)
    parts: list[Any] = [html.Div(text, className="k112-ok", id="dispatch-created")]
    if incident.possible_duplicate_of:
        parts.append(html.Div(duplicate_link(incident.possible_duplicate_of, lang), className="dsp-warning",
                              id="dispatch-created-duplicate"))
    return parts


def attached(incident: Any, lang: str) -> Any:
    return html.Div(tr(f"Panggilan dicatat pada insiden #{incident.id} (tidak ada insiden baru).",
                       f"Call recorded on incident #{incident.id} (no new incident).", lang),
                    className="k112-ok", id="dispatch-attached")


def duplicate_prompt(candidates: Sequence[Mapping[str, Any]], lang: str) -> Any:
    """"Open medical 50 m away, 4 min ago: attach the call to it / create anyway"."""
    rows = []
    for c in candidates[:3]:
        name = str(c["type_name_en"] if lang == "en" else c["type_name_id"])
        units = tr(f"{c['units_assigned']} unit", f"{c['units_assigned']} unit(s)", lang) if c["units_assigned"] \
            else tr("belum ada unit", "no unit yet", lang)
        text = tr(f"#{c['id']} {name} terbuka, {metres(float(c['distance_m']), lang)} dari sini, "
                  f"{_ago(float(c['age_s']), lang)} · Kel. {c['kelurahan'] or '—'} · {units}",
                  f"#{c['id']} open {name}, {metres(float(c['distance_m']), lang)} away, "
                  f"{_ago(float(c['age_s']), lang)} · Kel. {c['kelurahan'] or '—'} · {units}", lang)
        rows.append(html.Div([
            html.Span(text),
            html.Button(tr(f"Lampirkan panggilan ke #{c['id']}", f"Attach the call to #{c['id']}", lang),
                        id={"type": "dispatch-attach", "incident": int(c["id"])}, n_clicks=0,
                        className="dsp-small dsp-primary-inline"),
        ], className="dsp-row"))
    return html.Div([
        html.B(tr("Mungkin sudah dilaporkan:", "Probably reported already:", lang)),
        *rows,
        html.Button(tr("Tetap buat insiden baru", "Create a new incident anyway", lang),
                    id={"type": "dispatch-create-anyway", "index": 0}, n_clicks=0, className="dsp-small dsp-ghost"),
    ], className="dsp-warning", id="dispatch-dup-prompt", role="alert")


# --- the incident panel ------------------------------------------------------------------------------
def no_incident(lang: str) -> Any:
    return html.Div(tr("Pilih insiden di peta atau di antrean (J/K).", "Select an incident on the map or in the "
                       "queue (J/K).", lang), className="dsp-hint")
