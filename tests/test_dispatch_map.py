"""The dispatch map's pin patch (pages/_dispatch_map.pin_patch): a new pin redraws its slot alone."""

from __future__ import annotations

from dash import no_update

from layers.traces import LIVE_SLOTS, draft_trace, empty_trace, trace_digest
from pages._dispatch_map import pin_patch

FIRST = 7
BASE = {"first": FIRST, "lang": "id"}
PIN = {"lat": -4.01, "lon": 122.53, "kelurahan": "Kambu"}


def drawn(draft: dict | None = None) -> dict:
    digests = [f"d{k}" for k in range(LIVE_SLOTS - 1)] + [trace_digest(draft_trace(draft, "id"))]
    return {"base": [FIRST, "id"], "digests": digests, "for": ["rec", "v1", draft, 3]}


def operations(patch) -> list[dict]:  # type: ignore[no-untyped-def]
    return patch.to_plotly_json()["operations"]


def test_a_new_pin_patches_its_slot_alone_and_keeps_what_the_drawing_is_for() -> None:
    patch, now = pin_patch(PIN, BASE, drawn(None), "id")
    ops = operations(patch)
    assert len(ops) == 1 and ops[0]["location"] == ["data", FIRST + LIVE_SLOTS - 1]
    assert ops[0]["params"]["value"]["lat"] == [PIN["lat"]]
    assert now["for"] == ["rec", "v1", PIN, 3]
    assert now["digests"][:-1] == drawn()["digests"][:-1]
    assert now["digests"][-1] == trace_digest(draft_trace(PIN, "id"))


def test_a_refused_point_removes_the_pin_and_the_same_pin_draws_nothing() -> None:
    patch, now = pin_patch(None, BASE, drawn(PIN), "id")
    assert operations(patch)[0]["params"]["value"] == empty_trace("draft")
    assert now["for"][2] is None
    same, again = pin_patch(PIN, BASE, drawn(PIN), "id")
    assert same is no_update and again["for"] == ["rec", "v1", PIN, 3]


def test_a_map_not_known_well_enough_is_left_to_the_full_refresh() -> None:
    assert pin_patch(PIN, None, drawn(), "id") == (no_update, no_update)              # not built yet
    assert pin_patch(PIN, {"first": FIRST, "lang": "en"}, drawn(), "id") == (no_update, no_update)
    assert pin_patch(PIN, BASE, None, "id") == (no_update, no_update)                  # nothing drawn
    short = dict(drawn(), digests=["x"])
    assert pin_patch(PIN, BASE, short, "id") == (no_update, no_update)
    other_base = dict(drawn(), base=[FIRST + 1, "id"])
    assert pin_patch(PIN, BASE, other_base, "id") == (no_update, no_update)
