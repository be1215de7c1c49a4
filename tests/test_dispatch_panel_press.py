"""The incident panel's presses (assets/panel_actions.js → pages/_dispatch_callbacks.panel_action):
what the browser writes is checked before anything acts on it, and both sides name the same buttons."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dash.exceptions import PreventUpdate

from layers.traces import trace_digest
from pages._dispatch_callbacks import PANEL_BUTTONS, panel_press, shown_incident

ROOT = Path(__file__).resolve().parent.parent


def test_the_script_and_the_server_name_the_same_panel_buttons() -> None:
    text = (ROOT / "assets" / "panel_actions.js").read_text(encoding="utf-8")
    listed = re.search(r"PANEL_TYPES = (\[[^\]]*\])", text)
    assert listed is not None
    assert sorted(json.loads(listed.group(1).replace("\n", " "))) == sorted(PANEL_BUTTONS)


def test_a_press_is_parsed_with_integer_ids() -> None:
    press = {"id": {"type": "dispatch-ustatus", "unit": 7, "status": "en_route", "incident": "12"}, "n": 1, "t": 5}
    assert panel_press(press) == {"type": "dispatch-ustatus", "unit": 7, "status": "en_route", "incident": 12}
    assert panel_press({"id": {"type": "dispatch-close-no", "incident": 3}}) == {"type": "dispatch-close-no",
                                                                                 "incident": 3}


@pytest.mark.parametrize("press", [
    None, "junk", 5, [], {}, {"id": None}, {"id": "dispatch-close"}, {"id": {"incident": 1}},
    {"id": {"type": "dispatch-create", "incident": 1}},                       # not a panel button
    {"id": {"type": "dispatch-assign", "incident": 1}},                       # unit missing
    {"id": {"type": "dispatch-assign", "incident": 1, "unit": "x"}},          # not a number
    {"id": {"type": "dispatch-assign", "incident": 1, "unit": True}},         # a boolean is no id
    {"id": {"type": "dispatch-assign", "incident": 1.5, "unit": 2}},          # nor a float
    {"id": {"type": "dispatch-ustatus", "incident": 1, "unit": 2, "status": ""}},
    {"id": {"type": "dispatch-ustatus", "incident": 1, "unit": 2, "status": ["en_route"]}},
    {"id": {"type": "dispatch-move-yes", "incident": 1}},                     # which pin it was asked for
    {"id": {"type": "dispatch-move-yes", "incident": 1, "lat6": -3.98, "lon6": 122}},
])
def test_a_forged_or_malformed_press_does_nothing(press: object) -> None:
    with pytest.raises(PreventUpdate):
        panel_press(press)


def test_a_move_is_confirmed_for_the_pin_it_was_asked_for() -> None:
    from types import SimpleNamespace

    from pages._dispatch_panel_views import move_confirm, pin_key

    draft = {"lat": -3.966900, "lon": 122.512000, "kelurahan": "Mandonga", "kecamatan": "Mandonga"}
    assert pin_key(draft) == (-3966900, 122512000)
    assert pin_key(None) is None and pin_key({"lat": None, "lon": 1}) is None
    press = {"id": {"type": "dispatch-move-yes", "incident": 9, "lat6": -3966900, "lon6": "122512000"}}
    assert panel_press(press) == {"type": "dispatch-move-yes", "incident": 9, "lat6": -3966900, "lon6": 122512000}
    inc = SimpleNamespace(id=9, lat=-4.0100, lon=122.5300, kelurahan="Kambu", kecamatan="Kambu")
    html = str(move_confirm(inc, draft, "id"))
    assert "#9" in html and "Kel. Kambu" in html and "Kel. Mandonga" in html and "(5,2 km)" in html
    assert "'lat6': -3966900" in html and "Ya, pindahkan" in html
    assert "Move #9 from Kel. Kambu" in str(move_confirm(inc, draft, "en"))


def test_the_panel_shown_names_the_incident_the_buttons_act_on() -> None:
    assert shown_incident([12, "v1"]) == 12
    for shown in (None, [], [None, "v"], ["12", "v"], [True, "v"], "12", {"0": 12}):
        assert shown_incident(shown) is None


def test_a_trace_digest_follows_the_content_not_the_key_order() -> None:
    a = {"type": "scattermap", "lon": [1.0, 2.0], "lat": [3.0, 4.0], "name": "x"}
    b = {"name": "x", "lat": [3.0, 4.0], "lon": [1.0, 2.0], "type": "scattermap"}
    assert trace_digest(a) == trace_digest(b)
    assert trace_digest(a) != trace_digest({**a, "lon": [1.0, 2.5]})
