"""HTML pieces of the planning page: summaries (plain words first, method folded), tables, messages.

Pure functions of their arguments (``lang`` always given); the callbacks in
:mod:`pages._planning_callbacks` call them with what a service returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

from i18n import fmt_num, tr
from planning.figures import Summary
from web.errors import user_message

#: The page that explains every method (pages/planning_method.py).
METHOD_PAGE = "/planning/method"
HEADLINE_STYLE = {"fontSize": "1.02rem", "fontWeight": 600, "margin": "0.2rem 0 0.3rem", "color": "#102a43"}
WARNING_STYLE = {"background": "#fff6e0", "color": "#7a4a00", "padding": "0.3rem 0.5rem", "margin": "0.2rem 0",
                 "borderRadius": "4px"}
DETAILS_STYLE = {"fontSize": "0.82rem", "color": "#486581", "margin": "0.3rem 0"}


def type_options(types: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Incident type options ``Name (1.160)`` for a dropdown."""
    return [{"label": f"{t['name_en'] if lang == 'en' else t['name_id']} ({fmt_num(t.get('n_incidents', 0), lang)})",
             "value": t["code"]} for t in types]


def summary(block: Summary, lang: str, *, block_id: str | None = None) -> Any:
    """Headline, warnings and facts; the method in a folded section with a link to the method page."""
    children: list[Any] = [html.P(block.headline, className="planning-headline", style=HEADLINE_STYLE)]
    children += [html.Div(w, className="planning-warning", style=WARNING_STYLE) for w in block.warnings]
    children += [html.Div(f, className="planning-fact") for f in block.facts]
    if block.method:
        anchor = f"#{block.anchor}" if block.anchor else ""
        children.append(html.Details([
            html.Summary(tr("Cara menghitung", "How this was computed", lang)),
            *(html.Div(m) for m in block.method),
            html.A(tr("Penjelasan metode lengkap", "Full description of the method", lang),
                   href=METHOD_PAGE + anchor, target="_blank"),
        ], className="planning-method", style=DETAILS_STYLE))
    return html.Div(children, id=block_id) if block_id else html.Div(children)


def message(exc: Exception, lang: str) -> Any:
    """A typed error as one clear line in the user's language (never a stack trace)."""
    return html.Div(user_message(exc, lang), className="k112-error planning-error")


def note(text: str) -> Any:
    """A one-line notice (what to do next)."""
    return html.Div(text, className="k112-error planning-error")


def table(rows: Sequence[Mapping[str, Any]], table_id: str) -> Any:
    """A plain table of already formatted values."""
    if not rows:
        return html.Div()
    return html.Table([
        html.Thead(html.Tr([html.Th(k) for k in rows[0]])),
        html.Tbody([html.Tr([html.Td(v) for v in r.values()]) for r in rows]),
    ], id=table_id, className="k112-table planning-table")


def coverage_hint(lang: str) -> str:
    return tr("Pilih jenis pos dan pita waktu, lalu tekan «Hitung cakupan».",
              "Choose a station kind and time bands, then press “Compute coverage”.", lang)


def siting_hint(lang: str) -> str:
    return tr("Pilih jenis pos, jumlah pos baru dan batas menit, lalu tekan «Jalankan what-if». Untuk kandidat sendiri "
              "pilih «Titik yang saya klik» dan klik peta.",
              "Choose a station kind, the number of new posts and the minutes, then press “Run what-if”. For your "
              "own candidates choose “Points I click” and click the map.", lang)


def comparison_needed(lang: str) -> str:
    return tr("Pilih periode pembanding (bulan dari–sampai) untuk melihat perubahan.",
              "Choose a comparison period (months from–to) to see changes.", lang)


def export_status(kind: str, name: str, size_bytes: int, lang: str) -> str:
    """``Laporan dibuat: x.html (1.234 KB)``."""
    what = tr("Laporan dibuat", "Report ready", lang) if kind == "html" else tr("GeoJSON dibuat", "GeoJSON ready", lang)
    return f"{what}: {name} ({fmt_num(size_bytes / 1024, lang)} KB)"


def slug(heading: str) -> str:
    """``Hotspots — Getis-Ord Gi*`` → ``hotspots``; ``Kernel density (KDE)`` → ``kernel-density``."""
    head = re.split(r"\s+[—(]", heading.strip(), maxsplit=1)[0]
    return re.sub(r"[^a-z0-9]+", "-", head.lower()).strip("-")


def method_sections(text: str) -> list[tuple[str, str, str]]:
    """The ``## Methods`` part of the document as ``(id, heading, markdown body)`` per ``###`` heading."""
    match = re.search(r"^## Methods\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if match is None:
        return []
    parts = re.split(r"^### (.+)$", match.group(1), flags=re.M)
    return [(slug(h), h.strip().replace("\\*", "*"), body.strip()) for h, body in zip(parts[1::2], parts[2::2])]
