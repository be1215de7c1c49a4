"""HTML of the dispatch console's incident panel: facts, recommendation, assigned units, timeline, close."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from i18n import fmt_num, fmt_wita, tr
from incidents.labels import (
    event_label,
    outcome_label,
    priority_label,
    status_label,
    unit_type_label,
)
from incidents.model import next_statuses
from layers.traces import PRIORITY_STYLE, minutes_text as minutes
from pages._dispatch_views import (
    PANEL_CANDIDATES,
    PLAN_ALTERNATIVES,
    coords_text,
    distance_m,
    duplicate_link,
    metres,
    place_name,
    routing_label,
    unit_text,
)
from web.errors import user_message


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
                      f"{place_name(inc.kelurahan, inc.kecamatan, lang)} ({coords_text(inc.lat, inc.lon)})"],
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
        facts.append(html.Div(duplicate_link(inc.possible_duplicate_of, lang, id="dispatch-duplicate-link"),
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
        said = " ".join(str(data.get("description") or "").split())
        said = f": “{said[:157]}…”" if len(said) > 160 else (f": “{said}”" if said else "")
        return tr("Panggilan tambahan", "Further call", lang) + phone + said
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


def pin_key(draft: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """The draft pin in micro-degrees (what a move confirmation was asked for)."""
    if not draft or draft.get("lat") is None or draft.get("lon") is None:
        return None
    return round(float(draft["lat"]) * 1e6), round(float(draft["lon"]) * 1e6)


def move_confirm(inc: Any, draft: Mapping[str, Any], lang: str) -> Any:
    """Correcting an incident's location to the pin: name where it is, where it goes and how far."""
    key = pin_key(draft)
    assert key is not None
    far = distance_m(float(inc.lat), float(inc.lon), float(draft["lat"]), float(draft["lon"]))
    old = place_name(inc.kelurahan, inc.kecamatan, lang)
    new = place_name(draft.get("kelurahan"), draft.get("kecamatan"), lang)
    return html.Div([
        html.Div(tr(f"Pindahkan lokasi #{inc.id} dari {old} ke pin baru di {new} ({metres(far, lang)})? "
                    "Tercatat di riwayat; rekomendasi dihitung ulang.",
                    f"Move #{inc.id} from {old} to the new pin in {new} ({metres(far, lang)})? "
                    "It is audited; the recommendation is recomputed.", lang), id="dispatch-move-confirm-text"),
        html.Div([
            html.Button(tr("Ya, pindahkan", "Yes, move it", lang),
                        id={"type": "dispatch-move-yes", "incident": int(inc.id), "lat6": key[0], "lon6": key[1]},
                        n_clicks=0, className="dsp-small dsp-primary-inline"),
            html.Button(tr("Batal", "Cancel", lang), id={"type": "dispatch-move-no", "incident": int(inc.id)},
                        n_clicks=0, className="dsp-small dsp-ghost"),
        ], className="dsp-row"),
    ], className="dsp-warning dsp-confirm", id="dispatch-move-confirm", role="alertdialog")


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
