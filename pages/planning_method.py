"""How the planning results are computed: the method sections of ``docs/planning.md`` as a page.

The planning page's folded "how this was computed" sections link here (``/planning/method#hotspots``,
``#coverage``, ``#siting``). Each ``###`` heading becomes a section whose id is the slug of the
heading's first words (``### Hotspots — …`` → ``hotspots``).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from pages._planning_layout import ROLES
from pages._planning_views import method_sections
from settings import ROOT_DIR
from web.auth import page_guard
from web.lang import current_lang, tr

dash.register_page(__name__, path="/planning/method", name="Metode perencanaan",
                   title="Kendari 112 — Metode perencanaan")

DOC_PATH = ROOT_DIR / "docs" / "planning.md"


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    lang = current_lang()
    sections = method_sections(DOC_PATH.read_text(encoding="utf-8")) if DOC_PATH.is_file() else []
    return html.Div([
        html.H2(tr("Metode perencanaan", "Planning methods", lang)),
        html.P(tr("Penjelasan teknis (bahasa Inggris) dari dokumentasi proyek, docs/planning.md.",
                  "The technical description from the project documentation, docs/planning.md.", lang)),
        dcc.Link(tr("← Kembali ke perencanaan", "← Back to planning", lang), href="/planning"),
        *(html.Section([html.H3(heading), dcc.Markdown(body)], id=anchor) for anchor, heading, body in sections),
    ], className="k112-card planning-method-page", id="planning-method-page")
