"""Labels shared by the planning page, figures and report: minutes, bands, travel model, station kinds.

Every number goes through :func:`i18n.fmt_num` / :func:`i18n.fmt_pct`, so the page, the figures
and the report show the same format in the user's language (``id`` 1.160 and 91,2 %; ``en``
1,160 and 91.2%).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from i18n import fmt_num, fmt_pct, tr

#: A short noun for each station kind, used inside sentences (Indonesian, English).
STATION_KIND_NOUNS: Mapping[str, tuple[str, str]] = {
    "fire": ("pos Damkar", "fire posts"),
    "ambulance": ("pangkalan ambulans", "ambulance bases"),
    "police": ("kantor polisi", "police stations"),
    "bpbd": ("pos BPBD", "BPBD posts"),
}


def num(value: float | int | None, lang: str, digits: int = 0) -> str:
    """A number in the language's format (``1.160`` / ``1,160``)."""
    return fmt_num(value, lang, digits=digits)


def pct(share: float | None, lang: str, digits: int = 1) -> str:
    """A share 0–1 as a percentage (``91,2 %`` / ``91.2%``)."""
    return fmt_pct(share, lang, digits=digits)


def minutes(value: float, lang: str) -> str:
    """A number of minutes without useless decimals: ``4``, ``2,5`` (id) / ``2.5`` (en)."""
    v = float(value)
    return fmt_num(v, lang, digits=0 if v == int(v) else 1)


def band_label(lo: float | None, hi: float | None, lang: str) -> str:
    """``0–4 min``, ``2,5–4,5 min`` (id) or ``> 15 min``."""
    if hi is None:
        return f"> {minutes(lo or 0.0, lang)} min"
    return f"{minutes(lo or 0.0, lang)}–{minutes(hi, lang)} min"


def band_labels(bands_min: Sequence[float], lang: str) -> list[str]:
    """One label per band plus the one for "beyond" (last)."""
    edges = [0.0, *bands_min]
    return [*(band_label(a, b, lang) for a, b in itertools.pairwise(edges)), band_label(bands_min[-1], None, lang)]


def uncovered_label(bands_min: Sequence[float], lang: str) -> str:
    """``Tidak terjangkau > 15 min``."""
    return tr("Tidak terjangkau ", "Not covered ", lang) + band_label(bands_min[-1], None, lang)


def model_label(model: str, lang: str = "id") -> str:
    """The travel model in words."""
    if model == "road":
        return tr("model jalan (OpenStreetMap)", "road model (OpenStreetMap)", lang)
    return tr("model perkiraan (kisi daratan + jembatan; bukan data jalan)",
              "approximate model (land lattice + bridges; not road data)", lang)


def kind_noun(kind: str, lang: str) -> str:
    """``pos Damkar`` / ``fire posts``; the code itself is never shown."""
    names = STATION_KIND_NOUNS.get(kind, ("pos", "posts"))
    return tr(names[0], names[1], lang)


def join_names(names: Sequence[str], lang: str, *, limit: int = 4) -> str:
    """``A, B dan C`` / ``A, B and C``; with more than ``limit``: ``A, B, C dan 3 lainnya``."""
    items = list(names)
    if not items:
        return "—"
    if len(items) > limit:
        rest = len(items) - (limit - 1)
        items = [*items[: limit - 1], tr(f"{num(rest, lang)} lainnya", f"{num(rest, lang)} others", lang)]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + tr(" dan ", " and ", lang) + items[-1]


def type_names(codes: Iterable[str], names: Mapping[str, tuple[str, str]], lang: str) -> list[str]:
    """Incident type names (``names``: code → (Indonesian, English)); a code without a name is
    shown as a neutral placeholder, never raw."""
    out = []
    for code in codes:
        pair = names.get(code)
        out.append(tr(pair[0], pair[1], lang) if pair else tr("jenis lain", "other type", lang))
    return out


def coordinates(lon: float, lat: float, lang: str) -> str:
    """``lon 122,59610 · lat −4,01030`` in the language's decimal format."""
    return f"lon {num(lon, lang, 5)} · lat {num(lat, lang, 5)}"


#: Facility categories in words (Indonesian, English).
CATEGORY_LABELS: Mapping[str, tuple[str, str]] = {
    "fire_post": ("Pos Damkar", "Fire post"),
    "puskesmas": ("Puskesmas (pangkalan ambulans)", "Puskesmas (ambulance base)"),
    "hospital": ("Rumah sakit", "Hospital"),
    "police_station": ("Kantor polisi", "Police station"),
    "bpbd_post": ("Pos BPBD", "BPBD post"),
}


def category_label(category: str | None, lang: str) -> str:
    """A facility category in words; an unknown category is shown neutrally, never raw."""
    names = CATEGORY_LABELS.get(category or "")
    return tr(names[0], names[1], lang) if names else tr("Fasilitas", "Facility", lang)
