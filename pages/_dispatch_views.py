"""HTML of the dispatch console (pages/dispatch.py): worklist rows, messages, the incident panel.

Formatting only: every function takes what a service returned and the user's ``lang``; no
database, no request. Every code a user could see (status, unit type, agency, outcome, event) goes
through :mod:`incidents.labels`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import dcc, html

from field_errors import ValidationFailed
from i18n import fmt_num, fmt_wita, tr
from incidents.labels import (
    agency_label,
    event_label,
    outcome_label,
    priority_label,
    status_label,
    unit_type_label,
)
from incidents.model import next_statuses
from layers.traces import PRIORITY_STYLE, minutes_text as minutes
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


def _place(kelurahan: str | None, kecamatan: str | None, lang: str) -> str:
    return f"{tr('Kel.', 'Kel.', lang)} {kelurahan or '—'}, {tr('Kec.', 'Kec.', lang)} {kecamatan or '—'}"


def _coords(lat: float, lon: float) -> str:
    return f"{lat:.5f}, {lon:.5f}"


def _metres(value: float, lang: str) -> str:
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
        where = _place(r["kelurahan"], r["kecamatan"], lang)
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
    text = (f"{_place(draft.get('kelurahan'), draft.get('kecamatan'), lang)} · "
            f"({_coords(float(draft['lat']), float(draft['lon']))}) · {draft.get('source') or ''}")
    notes: list[Any] = []
    if draft.get("offshore_m"):
        notes.append(html.Div(tr(f"Di perairan dekat pantai, {_metres(draft['offshore_m'], lang)} dari darat: "
                                 "rute dihitung dari titik darat terdekat.",
                                 f"In the water near the shore, {_metres(draft['offshore_m'], lang)} from land: "
                                 "routed from the nearest land.", lang), className="dsp-note"))
    if draft.get("off_road_m"):
        notes.append(html.Div(tr(f"Tanpa jalan {_metres(draft['off_road_m'], lang)} dari jalan terdekat "
                                 "(dihitung dengan kecepatan jalan kaki/kendaraan pelan).",
                                 f"Off-road: {_metres(draft['off_road_m'], lang)} from the nearest road "
                                 "(timed at a slow off-road speed).", lang), className="dsp-note"))
    return html.Div([html.Span(text, id="dispatch-draft-text", className="k112-ok"), *notes])


def no_place(lang: str) -> str:
    return tr("Lokasi belum dipilih", "No location yet", lang)


def _duplicate_link(of_id: int, lang: str, **link: Any) -> list[Any]:
    return ["⚠ ", tr("Kemungkinan duplikat dari ", "Possible duplicate of ", lang),
            dcc.Link(f"#{of_id}", href=f"/dispatch?incident={of_id}", **link)]


def created(incident: Any, lang: str) -> list[Any]:
    where = f"Kel. {incident.kelurahan or '—'}, Kec. {incident.kecamatan or '—'}"
    text = tr(f"Insiden #{incident.id} dibuat · {where}", f"Incident #{incident.id} created · {where}", lang)
    parts: list[Any] = [html.Div(text, className="k112-ok", id="dispatch-created")]
    if incident.possible_duplicate_of:
        parts.append(html.Div(_duplicate_link(incident.possible_duplicate_of, lang), className="dsp-warning",
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
        text = tr(f"#{c['id']} {name} terbuka, {_metres(float(c['distance_m']), lang)} dari sini, "
                  f"{_ago(float(c['age_s']), lang)} · Kel. {c['kelurahan'] or '—'} · {units}",
                  f"#{c['id']} open {name}, {_metres(float(c['distance_m']), lang)} away, "
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


def detail(panel: Any, lang: str) -> Any:
    """Head, facts, recommendation (open incidents), assigned units and timeline of ``panel``."""
    inc = panel.detail.incident
    prio = PRIORITY_STYLE.get(inc.priority)
    state = tr("terbuka", "open", lang) if inc.status == "open" else \
        tr("ditutup: ", "closed: ", lang) + (outcome_label(inc.outcome, lang) if inc.outcome else "")
    head = html.Div([
        html.H3(f"#{inc.id} {inc.type_name_en if lang == 'en' else inc.type_name_id}", id="dispatch-detail-title"),
        html.Span(f"P{inc.priority}", className="dsp-prio", style={"background": prio[0] if prio else "#999"},
                  title=priority_label(inc.priority, lang)),
        html.Span(state, className="dsp-status", id="dispatch-detail-status"),
    ], className="dsp-row")
    parts: list[Any] = [head, html.Div(_facts(inc, lang), className="dsp-facts")]
    if inc.status == "open":
        error = user_message(panel.recommendation_error, lang) if panel.recommendation_error else None
        parts.append(recommendation_block(inc.id, panel.recommendation, error, lang))
    parts.append(assignment_block(inc.id, panel.detail.assignments, inc.status == "open", lang))
    parts.append(timeline_block(panel.detail.timeline, lang))
    return html.Div(parts)


#: Tickets that can become a proposed road closure in one action (services.corrections.CLOSURE_TYPES).
CLOSURE_TICKET_TYPES = ("flood", "landslide")


def _facts(inc: Any, lang: str) -> list[Any]:
    place = html.Div([html.B(tr("Lokasi: ", "Location: ", lang)),
                      f"{_place(inc.kelurahan, inc.kecamatan, lang)} ({_coords(inc.lat, inc.lon)})"],
                     id="dispatch-detail-place")
    facts: list[Any] = [place]
    if inc.status == "open":
        facts.append(html.Div(html.Button(tr("Koreksi lokasi ke pin baru", "Move to the new pin", lang),
                                          id={"type": "dispatch-move", "incident": inc.id}, n_clicks=0,
                                          className="dsp-small dsp-ghost",
                                          title=tr("Taruh pin baru (P, klik peta), lalu tekan ini; tercatat di riwayat",
                                                   "Place a new pin (P, click the map), then press this; it is audited",
                                                   lang))))
    if inc.status == "open" and inc.incident_type in CLOSURE_TICKET_TYPES:
        facts.append(html.Div(html.Button(tr("Usulkan penutupan jalan di sini", "Propose a road closure here", lang),
                                          id={"type": "dispatch-propose-closure", "incident": inc.id}, n_clicks=0,
                                          className="dsp-small dsp-ghost",
                                          title=tr("Lingkaran 150 m selama 24 jam; berlaku setelah diaktifkan admin",
                                                   "A 150 m circle for 24 h; in force once an admin activates it",
                                                   lang))))
    facts.append(html.Div([html.B(tr("Masuk: ", "Received: ", lang)), fmt_wita(inc.call_received_at, seconds=True)]))
    if inc.description:
        facts.append(html.Div([html.B(tr("Keterangan: ", "Description: ", lang)),
                               html.Span(inc.description, id="dispatch-detail-description")]))
    if inc.address:
        facts.append(html.Div([html.B(tr("Alamat: ", "Address: ", lang)), inc.address]))
    if inc.caller_phone:
        facts.append(html.Div([html.B(tr("Penelepon: ", "Caller: ", lang)), inc.caller_phone]))
    if inc.possible_duplicate_of:
        facts.append(html.Div(_duplicate_link(inc.possible_duplicate_of, lang, id="dispatch-duplicate-link"),
                              className="dsp-warning", id="dispatch-duplicate"))
    if inc.duplicate_of:
        facts.append(html.Div([tr("Duplikat dari ", "Duplicate of ", lang),
                               dcc.Link(f"#{inc.duplicate_of}", href=f"/dispatch?incident={inc.duplicate_of}")]))
    return facts


def plan_summary(rec: Mapping[str, Any] | None, lang: str) -> str:
    """What "Assign the plan" would do, next to the button."""
    if not rec:
        return ""
    if rec.get("plan_fulfilled"):
        return tr("Rencana sudah terpenuhi", "Plan already fulfilled", lang)
    by_id = {c["unit_id"]: c for c in rec.get("candidates") or []}
    chosen = [by_id[u]["callsign"] for item in rec.get("plan") or [] for u in item.get("selected") or []
              if u in by_id]
    return " + ".join(chosen) if chosen else tr("tidak ada unit yang tersedia", "no unit available", lang)


def _assign_button(unit_id: int, incident_id: int, lang: str) -> Any:
    return html.Button(tr("Tugaskan", "Assign", lang), n_clicks=0, className="dsp-small",
                       id={"type": "dispatch-assign", "unit": unit_id, "incident": incident_id})


def _distance(c: Mapping[str, Any], lang: str) -> str:
    return fmt_num((c["distance_m"] or 0) / 1000, lang, digits=1) + " km"


def _cand_row(c: Mapping[str, Any], incident_id: int, lang: str, *, chosen: bool, note: str = "") -> Any:
    kind = unit_type_label(c["unit_type"], lang) + (f" ({note})" if note else "")
    return html.Tr([
        html.Td("★" if chosen else "", className="dsp-star"), html.Td(c["callsign"], className="dsp-callsign"),
        html.Td(kind, className="dsp-kind"), html.Td(minutes(c["eta_s"], lang), className="dsp-eta"),
        html.Td(_distance(c, lang)), html.Td(_assign_button(c["unit_id"], incident_id, lang)),
    ], className="dsp-cand" + (" dsp-cand-plan" if chosen else ""))


def recommendation_block(incident_id: int, rec: Mapping[str, Any] | None, error: str | None, lang: str) -> Any:
    """Compact: per plan line the chosen unit(s) and two alternatives; "more" lists the rest."""
    title = html.H4(tr("Rekomendasi", "Recommendation", lang))
    if error:
        return html.Div([title, html.Div(error, className="k112-error")], id="dispatch-recs")
    if not rec:
        return html.Div([title, html.Div("—")], id="dispatch-recs")
    fulfilled = bool(rec.get("plan_fulfilled"))
    candidates = [c for c in rec.get("candidates") or [] if c["reachable"]]
    lines: list[Any] = []
    more: list[Any] = []
    shown: set[int] = set()
    for item in rec.get("plan") or []:
        chosen = [] if fulfilled else list(item.get("selected") or [])
        fitting = [c for c in candidates if c["unit_type"] == item["unit_type"]]
        picked = [c for c in fitting if c["unit_id"] in chosen]
        alternatives = [c for c in fitting if c["unit_id"] not in chosen][:PLAN_ALTERNATIVES]
        label = unit_type_label(item["unit_type"], lang)
        missing = item.get("missing")
        head = f"{label} ×{item['required']}" + (tr(f" — kurang {missing}", f" — {missing} short", lang)
                                                   if missing and not fulfilled else "")
        lines.append(html.Tr(html.Td(head, colSpan=6, className="dsp-planhead")))
        for c in picked + alternatives:
            lines.append(_cand_row(c, incident_id, lang, chosen=c["unit_id"] in chosen))
            shown.add(int(c["unit_id"]))
        for c in fitting[:PANEL_CANDIDATES]:
            if int(c["unit_id"]) not in shown:
                more.append(_cand_row(c, incident_id, lang, chosen=False))
    for s in rec.get("substitutes") or []:
        if not s.get("reachable"):
            continue
        if s.get("kind") == "substitute_type":
            more.append(_cand_row(s, incident_id, lang, chosen=False, note=tr(
                "pengganti ", "substitute for ", lang) + unit_type_label(s["for_unit_type"], lang)))
        elif s.get("kind") == "busy_unit":
            busy = tr("sibuk, bebas ±", "busy, free in ~", lang) + minutes(s.get("free_in_s"), lang)
            more.append(html.Tr([html.Td(""), html.Td(s["callsign"], className="dsp-callsign"),
                                 html.Td(f"{unit_type_label(s['unit_type'], lang)} ({busy})"),
                                 html.Td(minutes(s["eta_s"], lang), className="dsp-eta"), html.Td(_distance(s, lang)),
                                 html.Td(tr("sibuk", "busy", lang), className="dsp-busy")],
                                className="dsp-cand dsp-cand-busy"))
    notes: list[Any] = []
    if rec.get("assigned"):
        done = ", ".join(f"{unit_type_label(t, lang)} ×{n}" for t, n in sorted(rec["assigned"].items()))
        notes.append(html.Div(tr("Sudah ditugaskan: ", "Already assigned: ", lang) + done, className="dsp-hint"))
    if fulfilled:
        notes.append(html.Div(tr("Rencana respons sudah terpenuhi; di bawah untuk bantuan tambahan.",
                                 "The response plan is fulfilled; below for reinforcements.", lang),
                              className="k112-ok", id="dispatch-plan-fulfilled"))
    if not rec.get("plan"):
        notes.append(html.Div(tr("Jenis ini tidak memerlukan unit darurat (diteruskan ke OPD).",
                                 "This type needs no emergency unit (passed to the agency).", lang)))
    for item in ([] if fulfilled else rec.get("unfilled") or []):
        notes.append(html.Div(tr(f"{unit_type_label(item['unit_type'], lang)}: hanya {item['filled']} dari "
                                 f"{item['required']} tersedia dan terjangkau",
                                 f"{unit_type_label(item['unit_type'], lang)}: only {item['filled']} of "
                                 f"{item['required']} available and reachable", lang), className="k112-error"))
    table = html.Table(html.Tbody(lines), className="dsp-table dsp-rectable", id="dispatch-rec-table") if lines \
        else html.Div(tr("Tidak ada unit yang sesuai dan tersedia.", "No suitable unit available.", lang),
                      className="k112-error")
    extra = html.Details([
        html.Summary(tr(f"Lainnya ({len(more)})", f"More ({len(more)})", lang)),
        html.Table(html.Tbody(more), className="dsp-table", id="dispatch-rec-more"),
    ], id="dispatch-rec-details") if more else None
    return html.Div([
        html.Div([title, html.Span(routing_label(rec.get("routing"), lang), className="dsp-badge",
                                   id="dispatch-rec-model")], className="dsp-row"),
        *notes, table, *([extra] if extra else []),
    ], id="dispatch-recs")


def assignment_block(incident_id: int, assignments: Sequence[Any], is_open: bool, lang: str) -> Any:
    """Each assigned unit: callsign, type, status, and buttons for the statuses its type may take next."""
    items: list[Any] = []
    first_next = True
    for a in assignments:
        row: list[Any] = [html.Span(a.callsign, className="dsp-callsign"),
                          html.Span(unit_type_label(a.unit_type, lang), className="dsp-kind"),
                          html.Span(status_label(a.status, lang), className=f"dsp-ustatus dsp-ustatus-{a.status}")]
        if a.active and is_open:
            for k, s in enumerate(next_statuses(a.unit_type, a.status, assigned=True)):
                cls = "dsp-small"
                if k == 0 and s != "cleared":
                    cls += " dsp-next"
                    if first_next:
                        cls += " dsp-next-status"
                        first_next = False
                row.append(html.Button(status_label(s, lang), n_clicks=0, className=cls,
                                       id={"type": "dispatch-ustatus", "unit": a.unit_id, "status": s,
                                           "incident": incident_id}))
            row.append(html.Button(tr("Lepas", "Unassign", lang), n_clicks=0, className="dsp-small dsp-danger",
                                   id={"type": "dispatch-unassign", "unit": a.unit_id, "incident": incident_id}))
        items.append(html.Li(row, className="dsp-row" + ("" if a.active else " dsp-cleared"),
                             id=f"dispatch-assignment-{a.unit_id}", **{"data-unit-type": a.unit_type}))
    return html.Div([html.H4(tr("Unit ditugaskan", "Assigned units", lang)),
                     html.Ul(items, className="dsp-assignments") if items else html.Div("—")],
                    id="dispatch-assignments")


def event_text(entry: Any, lang: str) -> str:
    """A timeline line's "what happened", in words."""
    data = entry.data or {}
    if entry.kind == "incident_updated" and data.get("change") == "location":
        before, after = data.get("from") or {}, data.get("to") or {}
        return tr(f"Lokasi dikoreksi: Kel. {before.get('kelurahan') or '—'} → Kel. {after.get('kelurahan') or '—'}",
                  f"Location corrected: Kel. {before.get('kelurahan') or '—'} → Kel. {after.get('kelurahan') or '—'}",
                  lang)
    if entry.kind == "call_received" and data.get("attached"):
        phone = f" ({data['caller_phone']})" if data.get("caller_phone") else ""
        return tr("Panggilan tambahan", "Further call", lang) + phone
    return event_label(entry.kind, lang)


def timeline_block(timeline: Sequence[Any], lang: str) -> Any:
    rows = [html.Tr([html.Td(fmt_wita(e.at, date=False, seconds=True)),
                     html.Td(event_text(e, lang)),
                     html.Td(e.callsign or ""), html.Td(e.actor or ""),
                     html.Td(outcome_label(e.data.get("outcome"), lang) if e.data.get("outcome") else "")])
            for e in timeline]
    return html.Details([
        html.Summary(tr(f"Riwayat ({len(rows)} kejadian, WITA)", f"Timeline ({len(rows)} events, WITA)", lang)),
        html.Table(html.Tbody(rows), className="dsp-table dsp-timeline"),
    ], open=True, id="dispatch-timeline")


def close_confirm(incident_id: int, active: Sequence[Any], outcome: str, lang: str) -> Any:
    """Closing with units still active: name them and ask."""
    names = ", ".join(unit_text(a.callsign, a.status, lang) for a in active)
    return html.Div([
        html.Div(tr(f"{len(active)} unit masih aktif pada #{incident_id}: {names}. Menutup insiden akan "
                    f"membebaskan semuanya ({outcome_label(outcome, lang)}). Lanjutkan?",
                    f"{len(active)} unit(s) still active on #{incident_id}: {names}. Closing the incident clears "
                    f"them all ({outcome_label(outcome, lang)}). Go on?", lang), id="dispatch-close-confirm-text"),
        html.Div([
            html.Button(tr("Ya, tutup dan bebaskan unit", "Yes, close and clear the units", lang),
                        id={"type": "dispatch-close-yes", "incident": incident_id}, n_clicks=0,
                        className="dsp-danger dsp-small"),
            html.Button(tr("Batal", "Cancel", lang), id={"type": "dispatch-close-no", "incident": incident_id},
                        n_clicks=0, className="dsp-small dsp-ghost"),
        ], className="dsp-row"),
    ], className="dsp-warning dsp-confirm")
