"""HTML of the dispatch console (pages/dispatch.py): rows, messages, the incident panel.

Formatting only: every function takes what a service returned and the user's ``lang``; no
database, no request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from i18n import fmt_wita, tr
from incidents.model import OUTCOME_LABELS, STATUS_LABELS
from layers.traces import PRIORITY_STYLE, minutes_text as minutes
from web.errors import user_message

#: How many ranked candidates per plan item the panel lists (all are in the API answer).
PANEL_CANDIDATES = 6
#: Status buttons of a unit on an open incident.
UNIT_BUTTON_STATUSES = ("en_route", "on_scene", "transporting", "at_hospital", "cleared")

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "call_received": ("Panggilan masuk", "Call received"),
    "call_answered": ("Panggilan dijawab", "Call answered"),
    "incident_created": ("Insiden dibuat", "Incident created"),
    "incident_updated": ("Insiden diubah", "Incident updated"),
    "unit_dispatched": ("Unit ditugaskan", "Unit dispatched"),
    "unit_en_route": ("Unit menuju lokasi", "Unit en route"),
    "unit_on_scene": ("Unit tiba di lokasi", "Unit on scene"),
    "transport_started": ("Mulai mengantar pasien", "Transport started"),
    "at_hospital": ("Tiba di rumah sakit", "At hospital"),
    "unit_cleared": ("Unit selesai", "Unit cleared"),
    "unit_unassigned": ("Unit dilepas", "Unit unassigned"),
    "incident_closed": ("Insiden ditutup", "Incident closed"),
}
_PLACE_KINDS = {"kelurahan": ("Kel.", "Kel."), "kecamatan": ("Kec.", "District"),
                "facility": ("Fasilitas", "Facility"), "landmark": ("Tempat", "Landmark")}


# --- messages ------------------------------------------------------------------------------------
def message(text: str, ok: bool) -> Any:
    return html.Div(text, className="k112-ok" if ok else "k112-error", id="dispatch-msg-text")


def error_message(exc: BaseException, lang: str) -> Any:
    return message(user_message(exc, lang), False)


def _label(table: Mapping[str, tuple[str, str]], code: str, lang: str) -> str:
    """``code``'s label in ``table`` (Indonesian, English), or the code itself when it has none."""
    text_id, text_en = table.get(code, (code, code))
    return tr(text_id, text_en, lang)


def status_label(status: str, lang: str) -> str:
    return _label(STATUS_LABELS, status, lang)


def routing_label(model: str | None, lang: str) -> str:
    if model == "road":
        return tr("ETA: jaringan jalan (OpenStreetMap)", "ETA: road network (OpenStreetMap)", lang)
    if model == "approximate":
        return tr("ETA: perkiraan (kisi daratan + jembatan, tanpa data jalan)",
                  "ETA: approximate (land lattice + bridges, no road data)", lang)
    return ""


def _place(kelurahan: str | None, kecamatan: str | None, lang: str) -> str:
    return f"{tr('Kel.', 'Kel.', lang)} {kelurahan or '—'}, {tr('Kec.', 'Kec.', lang)} {kecamatan or '—'}"


# --- board ---------------------------------------------------------------------------------------
def board_summary(board: Any, lang: str) -> str:
    available = sum(1 for u in board.units if u["status"] == "available")
    n_inc, n_units, municipal = len(board.incidents), len(board.units), board.municipal_open
    return tr(f"{n_inc} insiden darurat terbuka · {available}/{n_units} unit siaga"
              f" · {municipal} tiket layanan kota di OPD",
              f"{n_inc} open emergency incidents · {available}/{n_units} units available"
              f" · {municipal} municipal tickets with the OPD", lang)


def queue_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{
        "row_id": str(r["id"]), "id": r["id"], "priority": r["priority"],
        "type": str(r["type_name_en"] if lang == "en" else r["type_name_id"]),
        "kelurahan": r["kelurahan"] or "—", "kecamatan": r["kecamatan"] or "—",
        "received": fmt_wita(r["call_received_at"] or r["created_at"], date=False, seconds=True),
        "units": r["callsigns"] or tr("belum ada", "none", lang),
        "description": (r["description"] or "")[:120],
    } for r in rows]


def unit_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{
        "row_id": str(u["id"]), "id": u["id"], "callsign": u["callsign"], "unit_type": u["unit_type"],
        "agency": u["agency_code"], "status": status_label(u["status"], lang),
        "since": fmt_wita(u["status_at"], date=False), "incident": u["assigned_incident_id"],
        "where": (tr("markas: ", "station: ", lang) + str(u["home_station"] or "—")) if u["at_home_station"]
        else tr("dilaporkan ", "reported ", lang) + fmt_wita(u["position_at"], date=False),
    } for u in rows]


def unit_selected(unit: Any, lang: str) -> Any:
    return html.Span([html.B(unit.callsign), f" · {status_label(unit.status, lang)}"], id="dispatch-unit-selected")


# --- new incident form -------------------------------------------------------------------------------
def search_results(hits: Sequence[Mapping[str, Any]], lang: str) -> Any:
    if not hits:
        return html.Div(tr("Tidak ditemukan.", "Nothing found.", lang), className="dsp-hint")
    buttons = []
    for i, h in enumerate(hits):
        alias = f" ← {h['matched']}" if h["matched"] and h["matched"] != h["name"] else ""
        kind = _label(_PLACE_KINDS, str(h["kind"]), lang)
        buttons.append(html.Button(f"{kind} {h['name']}{alias}" + (f" · {h['detail']}" if h["detail"] else ""),
                                   id={"type": "dispatch-place", "index": i}, n_clicks=0, className="dsp-result"))
    return buttons


def place_text(place: Any, source: str, lang: str) -> Any:
    text = f"{_place(place.kelurahan, place.kecamatan, lang)} · ({place.lat:.5f}, {place.lon:.5f}) · {source}"
    return html.Span(text, id="dispatch-draft-text", className="k112-ok")


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


# --- the incident panel ------------------------------------------------------------------------------
def no_incident(lang: str) -> Any:
    return html.Div(tr("Pilih insiden di peta atau di antrean.", "Select an incident on the map or in the queue.",
                       lang), className="dsp-hint")


def detail(panel: Any, lang: str) -> Any:
    """Head, facts, recommendation (open incidents), assigned units and timeline of ``panel``."""
    inc = panel.detail.incident
    prio = PRIORITY_STYLE.get(inc.priority)
    state = tr("terbuka", "open", lang) if inc.status == "open" else \
        tr("ditutup: ", "closed: ", lang) + (_label(OUTCOME_LABELS, inc.outcome, lang) if inc.outcome else "")
    head = html.Div([
        html.H3(f"#{inc.id} {inc.type_name_en if lang == 'en' else inc.type_name_id}", id="dispatch-detail-title"),
        html.Span(f"P{inc.priority}", className="dsp-prio", style={"background": prio[0] if prio else "#999"}),
        html.Span(state, className="dsp-status", id="dispatch-detail-status"),
    ], className="dsp-row")
    parts: list[Any] = [head, html.Div(_facts(inc, lang), className="dsp-facts")]
    if inc.status == "open":
        error = user_message(panel.recommendation_error, lang) if panel.recommendation_error else None
        parts.append(recommendation_block(inc.id, panel.recommendation, error, lang))
    parts.append(assignment_block(inc.id, panel.detail.assignments, inc.status == "open", lang))
    parts.append(timeline_block(panel.detail.timeline, lang))
    return html.Div(parts)


def _facts(inc: Any, lang: str) -> list[Any]:
    facts = [
        html.Div([html.B(tr("Lokasi: ", "Location: ", lang)),
                  f"{_place(inc.kelurahan, inc.kecamatan, lang)} ({inc.lat:.5f}, {inc.lon:.5f})"],
                 id="dispatch-detail-place"),
        html.Div([html.B(tr("Masuk: ", "Received: ", lang)), fmt_wita(inc.call_received_at, seconds=True)]),
    ]
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


def recommendation_block(incident_id: int, rec: Mapping[str, Any] | None, error: str | None, lang: str) -> Any:
    title = html.H4(tr("Unit yang direkomendasikan", "Recommended units", lang))
    if error:
        return html.Div([title, html.Div(error, className="k112-error")], id="dispatch-recs")
    if not rec:
        return html.Div([title, html.Div("—")], id="dispatch-recs")
    fulfilled = bool(rec.get("plan_fulfilled"))
    plan_lines = _plan_lines(rec, lang)
    rows = _candidate_rows(incident_id, rec, lang)
    substitutes = rec.get("substitutes") or []
    notes = [] if fulfilled else [html.Div(_unfilled_text(u, substitutes, lang), className="k112-error")
                                  for u in rec.get("unfilled") or []]
    heads = ("#", tr("Unit", "Unit", lang), tr("Jenis", "Type", lang), "ETA", tr("Jarak", "Distance", lang),
             tr("Rencana", "Plan", lang), "")
    table = html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)],
                       className="dsp-table", id="dispatch-rec-table") if rows else html.Div(
        tr("Tidak ada unit yang sesuai dan tersedia.", "No suitable unit available.", lang), className="k112-error")
    return html.Div([
        title,
        html.Div(routing_label(rec.get("routing"), lang), className="dsp-badge", id="dispatch-rec-model"),
        html.Ul(plan_lines, className="dsp-plan") if plan_lines else html.Div(
            tr("Jenis ini tidak memerlukan unit darurat (diteruskan ke OPD).",
               "This type needs no emergency unit (passed to the agency).", lang)),
        table, *notes,
    ], id="dispatch-recs")


def _plan_lines(rec: Mapping[str, Any], lang: str) -> list[Any]:
    lines: list[Any] = []
    assigned = rec.get("assigned") or {}
    if assigned:
        lines.append(html.Li(tr("Sudah ditugaskan: ", "Already assigned: ", lang)
                             + ", ".join(f"{t} ×{n}" for t, n in sorted(assigned.items()))))
    if rec.get("plan_fulfilled"):
        lines.append(html.Li(tr("Rencana respons sudah terpenuhi; daftar di bawah untuk bantuan tambahan.",
                                "The response plan is fulfilled; the list below is for reinforcements.", lang),
                             className="k112-ok", id="dispatch-plan-fulfilled"))
        return lines
    for item in rec.get("plan") or []:
        missing, counts = item.get("missing"), f"{item['filled']}/{item['required']}"
        short = tr(f" — kurang {missing}", f" — {missing} short", lang) if missing else ""
        lines.append(html.Li(tr(f"Diperlukan {item['unit_type']}: {counts} tersedia",
                                f"Needed {item['unit_type']}: {counts} available", lang) + short))
    return lines


def _assign_button(unit_id: int, incident_id: int, lang: str) -> Any:
    return html.Button(tr("Tugaskan", "Assign", lang), n_clicks=0, className="dsp-small",
                       id={"type": "dispatch-assign", "unit": unit_id, "incident": incident_id})


def _distance(c: Mapping[str, Any]) -> str:
    return f"{(c['distance_m'] or 0) / 1000:.1f} km"


def _candidate_rows(incident_id: int, rec: Mapping[str, Any], lang: str) -> list[Any]:
    """Ranked rows: each plan item's reachable candidates, substitute types, then busy units."""
    rows: list[Any] = []
    fulfilled = bool(rec.get("plan_fulfilled"))
    for item in rec.get("plan") or []:
        chosen = set() if fulfilled else set(item.get("selected") or [])
        fitting = [c for c in rec.get("candidates") or [] if c["unit_type"] == item["unit_type"] and c["reachable"]]
        for c in fitting[:PANEL_CANDIDATES]:
            plan = c["unit_id"] in chosen
            rows.append(html.Tr([
                html.Td(str(len(rows) + 1)), html.Td(c["callsign"], className="dsp-callsign"), html.Td(c["unit_type"]),
                html.Td(minutes(c["eta_s"], lang), className="dsp-eta"), html.Td(_distance(c)),
                html.Td("★" if plan else ""), html.Td(_assign_button(c["unit_id"], incident_id, lang)),
            ], className="dsp-cand" + (" dsp-cand-plan" if plan else "")))
    substitutes = [s for s in rec.get("substitutes") or [] if s.get("reachable")]
    for s in (s for s in substitutes if s.get("kind") == "substitute_type"):
        rows.append(html.Tr([
            html.Td(str(len(rows) + 1)), html.Td(s["callsign"], className="dsp-callsign"),
            html.Td(f"{s['unit_type']} ({tr('pengganti', 'substitute', lang)} {s['for_unit_type']})"),
            html.Td(minutes(s["eta_s"], lang), className="dsp-eta"), html.Td(_distance(s)),
            html.Td(""), html.Td(_assign_button(s["unit_id"], incident_id, lang)),
        ], className="dsp-cand"))
    for s in (s for s in substitutes if s.get("kind") == "busy_unit"):
        # busy: shown so the dispatcher knows who frees up first; not assignable yet
        rows.append(html.Tr([
            html.Td(str(len(rows) + 1)), html.Td(s["callsign"], className="dsp-callsign"),
            html.Td(f"{s['unit_type']} ({tr('sibuk, bebas ±', 'busy, free in ~', lang)}"
                    f"{minutes(s.get('free_in_s'), lang)})"),
            html.Td(minutes(s["eta_s"], lang), className="dsp-eta"), html.Td(_distance(s)),
            html.Td(""), html.Td(tr("sibuk", "busy", lang), className="dsp-busy"),
        ], className="dsp-cand dsp-cand-busy"))
    return rows


def _unfilled_text(item: Mapping[str, Any], substitutes: Sequence[Mapping[str, Any]], lang: str) -> str:
    offers = sum(1 for s in substitutes if s.get("for_unit_type") == item["unit_type"] and s.get("reachable"))
    return tr(f"{item['unit_type']}: hanya {item['filled']} dari {item['required']} tersedia dan terjangkau; "
              f"{offers} tawaran pengganti di atas",
              f"{item['unit_type']}: only {item['filled']} of {item['required']} available and reachable; "
              f"{offers} substitute offer(s) above", lang)


def assignment_block(incident_id: int, assignments: Sequence[Any], is_open: bool, lang: str) -> Any:
    items: list[Any] = []
    for a in assignments:
        row: list[Any] = [html.Span(a.callsign, className="dsp-callsign"), html.Span(a.unit_type),
                          html.Span(status_label(a.status, lang), className=f"dsp-ustatus dsp-ustatus-{a.status}")]
        if a.active and is_open:
            row += [html.Button(status_label(s, lang), n_clicks=0, className="dsp-small",
                                id={"type": "dispatch-ustatus", "unit": a.unit_id, "status": s,
                                    "incident": incident_id})
                    for s in UNIT_BUTTON_STATUSES]
            row.append(html.Button(tr("Lepas", "Unassign", lang), n_clicks=0, className="dsp-small dsp-danger",
                                   id={"type": "dispatch-unassign", "unit": a.unit_id, "incident": incident_id}))
        items.append(html.Li(row, className="dsp-row" + ("" if a.active else " dsp-cleared"),
                             id=f"dispatch-assignment-{a.unit_id}"))
    return html.Div([html.H4(tr("Unit ditugaskan", "Assigned units", lang)),
                     html.Ul(items, className="dsp-assignments") if items else html.Div("—")],
                    id="dispatch-assignments")


def timeline_block(timeline: Sequence[Any], lang: str) -> Any:
    rows = [html.Tr([html.Td(fmt_wita(e.at, date=False, seconds=True)),
                     html.Td(_label(EVENT_LABELS, e.kind, lang)),
                     html.Td(e.callsign or ""), html.Td(e.actor or ""), html.Td(e.data.get("outcome") or "")])
            for e in timeline]
    return html.Details([
        html.Summary(tr(f"Riwayat ({len(rows)} kejadian, WITA)", f"Timeline ({len(rows)} events, WITA)", lang)),
        html.Table(html.Tbody(rows), className="dsp-table dsp-timeline"),
    ], open=True, id="dispatch-timeline")
