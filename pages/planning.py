"""Planning (planners; admin too): hotspots, when incidents happen, coverage, new-post what-if, reports.

The page is split in private modules: :mod:`pages._planning_layout` (the component tree),
:mod:`pages._planning_callbacks` (the callbacks, wired here into the app being built) and
:mod:`pages._planning_views` (summaries, tables, messages). Every summary opens with what a
result means for the city; the method sits in a folded section linked to ``/planning/method``.

Clicking the siting map: the clientside function ``k112.mapClick`` (assets/map_click.js) writes
the clicked lon/lat into ``planning-site-click``; a callback adds it to the candidate points.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, clientside_callback

from pages import _planning_callbacks, _planning_layout
from pages._planning_layout import ROLES
from pages._wiring import register
from services import planning as service
from web.auth import page_guard
from web.context import get_db
from web.lang import current_lang

dash.register_page(__name__, path="/planning", name="Perencanaan", title="Kendari 112 — Perencanaan")


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    db = get_db()
    return _planning_layout.build(lang=current_lang(), types=service.incident_type_options(db),
                                  months=service.available_months(db))


register(_planning_callbacks)
clientside_callback(ClientsideFunction(namespace="k112", function_name="mapClick"),
                    Output("planning-site-click-hook", "data"), Input("planning-site-map", "figure"))
