"""What the user reads for a code: statuses, unit and incident types, roles, outcomes, priorities,
agencies, facility categories and location confidence, timeline events, units and refused status
changes.

Every function takes ``lang`` (``"id"`` or ``"en"``) and returns text in that language. Names of
agencies, unit types and incident types come from ``incidents/catalog.json`` (read once, held as
an immutable mapping); an administrator's later renames live in the database, and pages that hold
those rows show the stored names. An unknown code is shown in a readable form (``"foam_tender"``
→ ``"Foam tender"``), never as the raw code.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from i18n import tr
from incidents.model import OUTCOME_LABELS, STATUS_LABELS

__all__ = [
    "CONFIDENCE_LABELS", "EVENT_LABELS", "FACILITY_CATEGORY_LABELS", "PRIORITY_LABELS", "ROLE_LABELS",
    "agency_label", "confidence_label", "event_label", "facility_category_label", "incident_type_label",
    "outcome_label", "priority_label", "readable", "role_label", "status_label", "transition_message",
    "unit_label", "unit_type_label",
]

CATALOG_PATH = Path(__file__).with_name("catalog.json")

#: Account roles (``users.role``).
ROLE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "dispatcher": ("Petugas pengarah", "Dispatcher"),
    "leadership": ("Pimpinan", "Leadership"),
    "planner": ("Perencana", "Planner"),
    "admin": ("Administrator", "Administrator"),
    "crew": ("Kru unit", "Unit crew"),
})

#: Incident priorities 1 (most urgent) to 4 (municipal service).
PRIORITY_LABELS: Mapping[int, tuple[str, str]] = MappingProxyType({
    1: ("Prioritas 1 (kritis)", "Priority 1 (critical)"),
    2: ("Prioritas 2 (mendesak)", "Priority 2 (urgent)"),
    3: ("Prioritas 3", "Priority 3"),
    4: ("Prioritas 4 (layanan kota)", "Priority 4 (municipal)"),
})

#: Facility categories (``facilities.category``).
FACILITY_CATEGORY_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "puskesmas": ("Puskesmas", "Community health centre"),
    "hospital": ("Rumah sakit", "Hospital"),
    "fire_post": ("Pos Damkar", "Fire station"),
    "police_station": ("Polsek", "Police station"),
    "bpbd_post": ("Pos BPBD", "BPBD post"),
    "command_centre": ("Pusat komando 112", "112 command centre"),
    "landmark": ("Tempat penting", "Landmark"),
})

#: How well a facility's location is known (``facilities.location_confidence``).
CONFIDENCE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "surveyed": ("Disurvei", "Surveyed"),
    "high": ("Tinggi", "High"),
    "medium-high": ("Cukup tinggi", "Medium-high"),
    "medium": ("Sedang", "Medium"),
    "low": ("Rendah", "Low"),
    "approximate": ("Perkiraan (hanya kecamatan)", "Approximate (kecamatan only)"),
})

#: Kinds of ``events`` rows (an incident's timeline and the audit trail).
EVENT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
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
    "unit_status": ("Status unit diubah", "Unit status changed"),
    "login": ("Masuk", "Logged in"),
    "logout": ("Keluar", "Logged out"),
    "login_failed": ("Gagal masuk", "Login failed"),
    "login_throttled": ("Masuk ditahan sementara", "Login throttled"),
    "facility_corrected": ("Lokasi fasilitas dikoreksi", "Facility location corrected"),
    "import": ("Impor data", "Data import"),
    "network_correction": ("Koreksi jaringan jalan", "Road network correction"),
    "network_imported": ("Jaringan jalan diimpor", "Road network imported"),
    "move_up_proposed": ("Usulan geser unit", "Move-up proposed"),
    "move_up_accepted": ("Usulan geser unit diterima", "Move-up accepted"),
    "move_up_dismissed": ("Usulan geser unit ditolak", "Move-up dismissed"),
    "unit_moving_to_post": ("Unit menuju pos siaga", "Unit moving to post"),
    "unit_at_post": ("Unit tiba di pos siaga", "Unit at post"),
    "standby_post_changed": ("Pos siaga diubah", "Standby post changed"),
    "coverage_settings_changed": ("Pengaturan cakupan diubah", "Coverage settings changed"),
})


@functools.cache
def _catalog_names() -> Mapping[str, Mapping[str, tuple[str, str]]]:
    """``{"agencies"|"unit_types"|"incident_types": {code: (name_id, name_en)}}`` from the catalog."""
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return MappingProxyType({
        section: MappingProxyType({str(row["code"]): (str(row["name_id"]), str(row["name_en"]))
                                   for row in raw.get(section, [])})
        for section in ("agencies", "unit_types", "incident_types")
    })


def readable(code: object) -> str:
    """A code as words when no label is known: ``"foam_tender"`` → ``"Foam tender"``, ``"PUBLIC_WORKS"``
    → ``"PUBLIC WORKS"``; ``None`` or ``""`` → ``"—"``."""
    if code is None or code == "":
        return "—"
    text = str(code).replace("_", " ").strip()
    if not text:
        return "—"
    return text if text.isupper() else text[0].upper() + text[1:]


def _pick(table: Mapping[str, tuple[str, str]], code: object, lang: str) -> str:
    pair = table.get(str(code)) if code is not None else None
    return tr(pair[0], pair[1], lang) if pair else readable(code)


def status_label(code: str | None, lang: str) -> str:
    """A unit's or an assignment's status: ``"en_route"`` → ``"Menuju lokasi"`` / ``"En route"``."""
    return _pick(STATUS_LABELS, code, lang)


def unit_type_label(code: str | None, lang: str) -> str:
    """A unit type: ``"fire_engine"`` → ``"Mobil pemadam"`` / ``"Fire engine"``."""
    return _pick(_catalog_names()["unit_types"], code, lang)


def incident_type_label(code: str | None, lang: str) -> str:
    """An incident type: ``"structure_fire"`` → ``"Kebakaran bangunan"`` / ``"Structure fire"``."""
    return _pick(_catalog_names()["incident_types"], code, lang)


def agency_label(code: str | None, lang: str) -> str:
    """An agency: ``"PSC119"`` → ``"PSC 119 (Dinas Kesehatan)"`` / ``"PSC 119 Medical (Health Office)"``."""
    return _pick(_catalog_names()["agencies"], code, lang)


def role_label(code: str | None, lang: str) -> str:
    """An account role: ``"dispatcher"`` → ``"Petugas pengarah"`` / ``"Dispatcher"``."""
    return _pick(ROLE_LABELS, code, lang)


def outcome_label(code: str | None, lang: str) -> str:
    """How an incident ended: ``"false_alarm"`` → ``"Alarm palsu"`` / ``"False alarm"``."""
    return _pick(OUTCOME_LABELS, code, lang)


def facility_category_label(code: str | None, lang: str) -> str:
    """A facility category: ``"fire_post"`` → ``"Pos Damkar"`` / ``"Fire station"``."""
    return _pick(FACILITY_CATEGORY_LABELS, code, lang)


def confidence_label(code: str | None, lang: str) -> str:
    """How well a location is known: ``"approximate"`` → ``"Perkiraan (hanya kecamatan)"``."""
    return _pick(CONFIDENCE_LABELS, code, lang)


def event_label(kind: str | None, lang: str) -> str:
    """A timeline event: ``"transport_started"`` → ``"Mulai mengantar pasien"`` / ``"Transport started"``."""
    return _pick(EVENT_LABELS, kind, lang)


def priority_label(priority: int | str | None, lang: str) -> str:
    """An incident priority: ``1`` → ``"Prioritas 1 (kritis)"`` / ``"Priority 1 (critical)"``."""
    try:
        pair = PRIORITY_LABELS.get(int(priority)) if priority is not None else None
    except (TypeError, ValueError):
        pair = None
    if pair is not None:
        return tr(pair[0], pair[1], lang)
    return tr("Prioritas ", "Priority ", lang) + (str(priority) if priority not in (None, "") else "—")


def unit_label(callsign: str | None, unit_id: int | None, lang: str) -> str:
    """How a unit is named: its callsign (``"AMB-08"``); ``"Unit #8"`` when only the id is known."""
    if callsign:
        return str(callsign)
    if unit_id is not None:
        return f"Unit #{unit_id}"
    return "—"


def transition_message(callsign: str | None, current: str, target: str, lang: str, *,
                       allowed: Sequence[str] | None = None) -> str:
    """A refused status change in words: ``"AMB-12: Ditugaskan → Di rumah sakit tidak diizinkan"``.

    Parameters
    ----------
    callsign
        The unit's callsign (``None``: the sentence starts with the statuses).
    current, target
        Status codes before and requested.
    allowed
        The statuses the unit may take next; when given they are named after the refusal.
    """
    who = f"{callsign}: " if callsign else ""
    text = tr(f"{who}{status_label(current, lang)} → {status_label(target, lang)} tidak diizinkan",
              f"{who}{status_label(current, lang)} → {status_label(target, lang)} is not allowed", lang)
    if allowed is not None:
        names = ", ".join(status_label(s, lang) for s in allowed)
        text += tr(f" (berikutnya: {names or 'tidak ada'})", f" (next: {names or 'none'})", lang)
    return text
