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
])
def test_a_forged_or_malformed_press_does_nothing(press: object) -> None:
    with pytest.raises(PreventUpdate):
        panel_press(press)


def test_the_panel_shown_names_the_incident_the_buttons_act_on() -> None:
    assert shown_incident([12, "v1"]) == 12
    for shown in (None, [], [None, "v"], ["12", "v"], [True, "v"], "12", {"0": 12}):
        assert shown_incident(shown) is None


def test_a_trace_digest_follows_the_content_not_the_key_order() -> None:
    a = {"type": "scattermap", "lon": [1.0, 2.0], "lat": [3.0, 4.0], "name": "x"}
    b = {"name": "x", "lat": [3.0, 4.0], "lon": [1.0, 2.0], "type": "scattermap"}
    assert trace_digest(a) == trace_digest(b)
    assert trace_digest(a) != trace_digest({**a, "lon": [1.0, 2.5]})
