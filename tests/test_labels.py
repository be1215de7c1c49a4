"""incidents/labels.py: every code the interface shows has a name in both languages; unknown codes
read as words, never as the raw code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from incidents import labels
from incidents.model import ASSIGNMENT_TRANSITIONS, OUTCOME_LABELS, STATUS_LABELS, UnitStatus
from store.users import ROLES

CATALOG = json.loads(labels.CATALOG_PATH.read_text(encoding="utf-8"))
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
FACILITY_CATEGORIES = ("puskesmas", "hospital", "fire_post", "police_station", "bpbd_post", "command_centre",
                       "landmark")
EVENT_KINDS = ("call_received", "call_answered", "incident_created", "unit_dispatched", "unit_en_route",
               "unit_on_scene", "transport_started", "at_hospital", "unit_cleared", "incident_closed",
               "incident_updated", "unit_unassigned", "unit_status", "login", "logout", "login_failed",
               "login_throttled", "facility_corrected", "import", "network_correction", "network_imported")


def _all_codes() -> list[tuple[Callable[[str, str], str], str]]:
    cases: list[tuple[Callable[[str, str], str], str]] = []
    statuses = [*STATUS_LABELS, *ASSIGNMENT_TRANSITIONS, *(u.value for u in UnitStatus)]
    cases += [(labels.status_label, s) for s in statuses]
    cases += [(labels.unit_type_label, u["code"]) for u in CATALOG["unit_types"]]
    cases += [(labels.incident_type_label, t["code"]) for t in CATALOG["incident_types"]]
    cases += [(labels.agency_label, a["code"]) for a in CATALOG["agencies"]]
    cases += [(labels.role_label, r) for r in ROLES]
    cases += [(labels.outcome_label, o) for o in OUTCOME_LABELS]
    cases += [(labels.facility_category_label, c) for c in FACILITY_CATEGORIES]
    cases += [(labels.event_label, k) for k in EVENT_KINDS]
    cases += [(labels.confidence_label, c) for c in ("surveyed", "high", "medium-high", "medium", "low", "approximate")]
    return cases


@pytest.mark.parametrize("func, code", _all_codes(), ids=lambda v: getattr(v, "__name__", v))
def test_every_known_code_has_a_name_in_both_languages(func: Callable[[str, str], str], code: str) -> None:
    text_id, text_en = func(code, "id"), func(code, "en")
    assert text_id and text_en, code
    assert text_en != labels.readable(code) or text_id != labels.readable(code), (code, text_id)  # a real name
    assert not SNAKE.search(text_id + " " + text_en), (code, text_id, text_en)
    if func is not labels.agency_label:   # "BPBD Kota Kendari": an agency's name may hold its code
        assert code not in text_id.split(), (code, text_id)


def test_names_come_from_the_catalog() -> None:
    assert labels.unit_type_label("fire_engine", "id") == "Mobil pemadam"
    assert labels.unit_type_label("ambulance", "en") == "Ambulance"
    assert labels.agency_label("PSC119", "id") == "PSC 119 (Dinas Kesehatan)"
    assert labels.incident_type_label("structure_fire", "id") == "Kebakaran bangunan"
    assert labels.facility_category_label("fire_post", "id") == "Pos Damkar"
    assert labels.role_label("dispatcher", "id") == "Petugas pengarah"
    assert labels.outcome_label("false_alarm", "en") == "False alarm"
    assert labels.event_label("transport_started", "id") == "Mulai mengantar pasien"
    assert labels.status_label("en_route", "id") == "Menuju lokasi"


def test_unknown_codes_read_as_words() -> None:
    assert labels.unit_type_label("foam_tender", "id") == "Foam tender"
    assert labels.status_label("on_break", "en") == "On break"
    assert labels.agency_label("SAR_TEAM", "id") == "SAR TEAM"
    assert labels.event_label(None, "id") == "—"
    assert labels.readable("") == "—"


def test_priorities() -> None:
    assert labels.priority_label(1, "id") == "Prioritas 1 (kritis)"
    assert labels.priority_label("2", "en") == "Priority 2 (urgent)"
    assert labels.priority_label(9, "id") == "Prioritas 9"
    assert labels.priority_label(None, "en") == "Priority —"


def test_a_unit_is_named_by_its_callsign() -> None:
    assert labels.unit_label("AMB-08", 8, "id") == "AMB-08"
    assert labels.unit_label(None, 8, "id") == "Unit #8"
    assert labels.unit_label(None, None, "en") == "—"


def test_transition_message() -> None:
    assert labels.transition_message("AMB-12", "dispatched", "at_hospital", "id") == (
        "AMB-12: Ditugaskan → Di rumah sakit tidak diizinkan")
    assert labels.transition_message("AMB-12", "dispatched", "at_hospital", "en") == (
        "AMB-12: Dispatched → At hospital is not allowed")
    assert labels.transition_message("FE-01", "on_scene", "transporting", "id", allowed=("cleared",)) == (
        "FE-01: Di lokasi → Mengantar pasien tidak diizinkan (berikutnya: Selesai)")
    assert labels.transition_message(None, "available", "en_route", "en", allowed=()) == (
        "Available → En route is not allowed (next: none)")


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        labels.ROLE_LABELS["x"] = ("a", "b")
    with pytest.raises(TypeError):
        labels.EVENT_LABELS["x"] = ("a", "b")
