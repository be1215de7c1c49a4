"""The plain-HTML parts of the planning report: header, key findings, legend, tables, method, sources.

Every text is in the report's language and every number in its format; summaries open with what
they mean for the city, and the method sits in folded ``<details>`` sections.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from i18n import fmt_wita, tr
from planning import figures as fg
from planning._format import band_labels, model_label, num, uncovered_label
from planning._summaries import Summary
from planning._svg import svg_drawing, svg_toggles

#: Where the method is described in full (shipped with the application).
METHOD_DOC = "docs/planning.md"

#: (Indonesian, English) lines naming each data source and its licence.
DATA_SOURCES: tuple[tuple[str, str], ...] = (
    ("Batas kecamatan/kelurahan: `cahyadsn/wilayah_boundaries` (lisensi MIT), kode Kemendagri (Kepmendagri "
     "300.2.2-2138/2025).",
     "Kecamatan/kelurahan boundaries: `cahyadsn/wilayah_boundaries` (MIT licence), Kemendagri codes (Kepmendagri "
     "300.2.2-2138/2025)."),
    ("Puskesmas (pangkalan ambulans): basis data PSC 119 Kendari (`madukubah/psc-kendari`); rumah sakit dari sumber "
     "web publik; pos Damkar, polsek dan BPBD hanya diketahui kecamatannya (lokasi perkiraan).",
     "Puskesmas (ambulance bases): Kendari PSC 119 database (`madukubah/psc-kendari`); hospitals from public web "
     "sources; fire posts, police and BPBD known by kecamatan only (approximate locations)."),
    ("Insiden: basis data Kendari 112 (data demo bertanda sintetis bila ada). Insiden iseng dan duplikat tidak "
     "dihitung.",
     "Incidents: the Kendari 112 database (demo data is marked synthetic). Prank and duplicate incidents are not "
     "counted."),
    ("Waktu tempuh: graf perjalanan proyek (model jalan dari OpenStreetMap © kontributor OSM, ODbL; atau model "
     "perkiraan dari poligon daratan dan Jembatan Teluk Kendari).",
     "Travel times: the project's travel graph (road model from OpenStreetMap © OSM contributors, ODbL; or the "
     "approximate model from the land polygons and the Teluk Kendari bridge)."),
    ("Peta dasar: © kontributor OpenStreetMap (ODbL), hanya bila ada internet. Perangkat lunak: esda/libpysal (BSD), "
     "H3 (Apache-2.0), PuLP/CBC (MIT/EPL), folium/Leaflet (MIT/BSD-2).",
     "Background map: © OpenStreetMap contributors (ODbL), online only. Software: esda/libpysal (BSD), H3 "
     "(Apache-2.0), PuLP/CBC (MIT/EPL), folium/Leaflet (MIT/BSD-2)."),
)

METHOD_NOTES: tuple[tuple[str, str], ...] = (
    ("Titik panas: Getis-Ord Gi* (esda) pada heksagon H3 di atas daratan kota, ketetanggaan cincin-1 (sel itu sendiri "
     "dan 6 tetangganya, bobot biner); signifikansi dari nilai p pseudo 999 permutasi bersyarat (seed tetap): 99 % p ≤ "
     "0,01, 95 % p ≤ 0,05, 90 % p ≤ 0,10; arah dari tanda skor z. Tanpa koreksi uji berganda.",
     "Hotspots: Getis-Ord Gi* (esda) on H3 hexagons over the city's land, ring-1 contiguity (the cell and its 6 "
     "neighbours, binary weights); significance from the pseudo p-value of 999 conditional permutations (fixed seed): "
     "99% p ≤ 0.01, 95% p ≤ 0.05, 90% p ≤ 0.10; direction from the z-score's sign. No multiple-testing correction."),
    ("Kepadatan kernel: kernel Gauss dengan bandwidth tetap dalam meter, pada grid UTM 51S (EPSG:32751), dalam insiden "
     "per km².",
     "Kernel density: Gaussian kernel with a fixed bandwidth in metres on a UTM 51S (EPSG:32751) grid, in incidents "
     "per km²."),
    ("Cakupan: waktu tempuh dari pos terdekat (Dijkstra multi-sumber pada graf perjalanan) ke setiap sel grid 100 m di "
     "daratan dan ke setiap insiden; air tidak pernah dihitung terjangkau.",
     "Coverage: travel time from the nearest station (multi-source Dijkstra on the travel graph) to every 100 m grid "
     "cell on land and to every incident; water never counts as covered."),
    ("Lokasi pos: masalah lokasi cakupan maksimal (MCLP), diselesaikan eksak dengan PuLP/CBC; insiden yang sudah "
     "terjangkau pos saat ini dihitung tercakup.",
     "Siting: maximal covering location problem (MCLP), solved exactly with PuLP/CBC; incidents already covered by "
     "today's posts count as covered."),
)

CSS = """
<style>
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: #1c2733; margin: 0; }
.k112r-header { padding: 0.6rem 1rem; background: #102a43; color: #fff; }
.k112r-header h1 { margin: 0; font-size: 1.3rem; }
.k112r-header p { margin: 0.2rem 0; font-size: 0.9rem; color: #d9e2ec; }
.k112r-findings { padding: 0.5rem 1rem; background: #f0f4f8; }
.k112r-findings p, .k112r-headline { font-size: 1rem; font-weight: 600; margin: 0.3rem 0; }
.k112r-section { padding: 0.5rem 1rem; }
.k112r-section h2 { font-size: 1.05rem; margin: 0.6rem 0 0.3rem; }
.k112r-section h3 { font-size: 0.95rem; margin: 0.5rem 0 0.2rem; }
.k112r-section details { font-size: 0.85rem; color: #486581; margin: 0.3rem 0; }
.k112r-legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; font-size: 0.85rem; }
.k112r-swatch { display: inline-block; width: 14px; height: 14px; margin-right: 4px; vertical-align: middle;
                border: 1px solid #999; }
table.k112r { border-collapse: collapse; font-size: 0.85rem; }
table.k112r th, table.k112r td { border: 1px solid #d9e2ec; padding: 2px 8px; text-align: left; }
#k112r-fallback { display: none; padding: 0 1rem; }
#k112r-fallback svg { width: 100%; max-width: 1100px; height: auto; border: 1px solid #d9e2ec; background: #eef3f7; }
.k112r-note, .k112r-warning { font-size: 0.85rem; color: #7a4a00; background: #fff6e0; padding: 0.4rem 0.6rem; }
</style>
"""

_FALLBACK_SCRIPT = """<script>
window.addEventListener('load', function () {
  if (typeof L === 'undefined') {
    document.getElementById('k112r-fallback').style.display = 'block';
    document.querySelectorAll('.folium-map').forEach(function (el) { el.style.display = 'none'; });
  }
});
</script>"""


def _p(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{html.escape(text)}</p>"


def _with_code(text: str) -> str:
    """Escape ``text``; parts in backticks (repository names) become ``<code>``."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def summary_html(summary: Summary, lang: str) -> str:
    """Headline, warnings and facts, then the method folded away with a pointer to the full description."""
    parts = [_p(summary.headline, "k112r-headline")]
    parts += [_p(w, "k112r-warning") for w in summary.warnings]
    parts += [_p(f) for f in summary.facts]
    if summary.method:
        more = tr(f"Uraian lengkap: {METHOD_DOC}", f"Full description: {METHOD_DOC}", lang)
        parts.append("<details><summary>" + html.escape(tr("Cara menghitung", "How this was computed", lang))
                     + "</summary>" + "".join(_p(m) for m in summary.method) + _p(more) + "</details>")
    return "".join(parts)


def header_html(*, title: str, period: str, findings: Sequence[Summary], extra: Sequence[str], model: str | None,
                lang: str, generated_at: datetime | None) -> str:
    """The title bar and the key findings (the headlines, with their warnings) above the map."""
    lines = [_p(period)]
    if model:
        lines.append(_p(tr("Model waktu tempuh: ", "Travel-time model: ", lang) + model_label(model, lang)))
    generated = tr("Dibuat ", "Generated ", lang) + fmt_wita(generated_at or datetime.now().astimezone())
    lines.append(f"<p>{html.escape(generated)} · Kendari 112</p>")
    lines += [_p(s) for s in extra]
    seen: set[str] = set()
    key = ""
    for s in findings:
        key += _p(s.headline) + "".join(_p(w, "k112r-warning") for w in s.warnings if w not in seen)
        seen.update(s.warnings)
    block = ('<section class="k112r-findings" id="k112r-findings"><h2>'
             + html.escape(tr("Temuan utama", "Key findings", lang)) + "</h2>" + key + "</section>") if key else ""
    return (CSS + '<header class="k112r-header" id="k112r-header"><h1>' + html.escape(title) + "</h1>"
            + "".join(lines) + "</header>" + block)


def _legend_groups(layers: Sequence[Any], hotspots: Any, coverage: Any, siting: Any,
                   lang: str) -> list[tuple[str, bool, list[tuple[str, str]]]]:
    shown = {layer.key: layer.show for layer in layers}
    groups: list[tuple[str, bool, list[tuple[str, str]]]] = []
    if hotspots is not None:
        groups.append((tr("Titik panas dan dingin", "Hot and cold spots", lang), shown.get("hotspots_gi", True),
                       [(c, tr(i, e, lang)) for c, i, e in fg.HOTSPOT_STYLE.values()]))
        groups.append((tr("Kepadatan kernel", "Kernel density", lang), False,
                       [("#969696", tr("abu-abu muda rendah → gelap tinggi", "light grey low → dark high", lang))]))
        if hotspots.emerging is not None:
            groups.append((tr("Perubahan titik panas", "Emerging hotspots", lang),
                           shown.get("emerging_hotspots", False),
                           [(c, tr(i, e, lang)) for c, i, e in fg.EMERGING_STYLE.values()]))
    if coverage is not None:
        res = coverage.result
        colours = fg.band_colours(len(res.bands_min))
        items = list(zip(colours[:-1], band_labels(res.bands_min, lang)[:-1]))
        items.append((fg.UNCOVERED_COLOUR, uncovered_label(res.bands_min, lang)))
        groups.append((tr("Cakupan waktu tempuh", "Drive-time coverage", lang), shown.get("coverage_bands", False),
                       items))
        groups.append((tr("Pos/stasiun", "Stations", lang), shown.get("stations", True),
                       [(fg.STATION_COLOUR, tr("Pos/stasiun", "Stations", lang))]))
    if siting is not None:
        groups.append((tr("Pos baru (what-if)", "New posts (what-if)", lang), shown.get("siting_candidates", True),
                       [(fg.GAINED_COLOUR, tr("Tambahan cakupan", "Added coverage", lang)),
                        (fg.CHOSEN_COLOUR, tr("Pos baru (usulan)", "New post (proposed)", lang)),
                        (fg.CANDIDATE_COLOUR, tr("Kandidat", "Candidates", lang))]))
    return groups


def legend_html(layers: Sequence[Any], hotspots: Any, coverage: Any, siting: Any, lang: str) -> str:
    """The legend, grouped by layer, saying which layers are on when the report opens."""
    out = []
    for title, on, items in _legend_groups(layers, hotspots, coverage, siting, lang):
        state = tr("tampil saat dibuka", "shown at opening", lang) if on else \
            tr("nyalakan di kontrol lapisan", "switch on in the layer control", lang)
        spans = "".join(f'<span><span class="k112r-swatch" style="background:{c}"></span>{html.escape(t)}</span>'
                        for c, t in items)
        out.append(f"<h3>{html.escape(title)} <small>({html.escape(state)})</small></h3>"
                   f'<div class="k112r-legend">{spans}</div>')
    return f'<div id="k112r-legend" class="k112r-legend-groups">{"".join(out)}</div>'


def table_html(rows: Sequence[Mapping[str, Any]], table_id: str) -> str:
    """A plain table (values already formatted)."""
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f'<table class="k112r" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _section(title: str, body: str, section_id: str = "") -> str:
    attr = f' id="{section_id}"' if section_id else ""
    return f'<section class="k112r-section"{attr}><h2>{html.escape(title)}</h2>{body}</section>'


def sections_html(*, layers: Sequence[Any], hotspots: Any, coverage: Any, siting: Any, lang: str) -> str:
    """Everything below the map: fallback drawing, legend, one section per result, method, sources."""
    parts = [
        '<div id="k112r-fallback"><p class="k112r-note">'
        + html.escape(tr("Peta interaktif tidak dapat dimuat (Leaflet dimuat dari internet). Di bawah ini gambar "
                         "statis dari lapisan yang sama.",
                         "The interactive map could not load (Leaflet comes from the internet). Below is a static "
                         "drawing of the same layers.", lang))
        + "</p>" + svg_toggles(layers, lang) + svg_drawing(layers, lang=lang) + "</div>",
        _section(tr("Legenda", "Legend", lang), legend_html(layers, hotspots, coverage, siting, lang)),
    ]
    if hotspots is not None:
        rows = [{"Kelurahan": r["nama"], "Kecamatan": r["kecamatan"],
                 tr("Insiden", "Incidents", lang): num(int(r["count"]), lang),
                 tr("per km²", "per km²", lang): num(r["per_km2"], lang, 1)}
                for r in hotspots.kelurahan.head(10).to_dict("records")]
        parts.append(_section(tr("Titik rawan", "Hotspots", lang),
                              summary_html(fg.hotspot_summary(hotspots, lang), lang)
                              + table_html(rows, "k112r-kelurahan")))
    if coverage is not None:
        parts.append(_section(tr("Cakupan waktu tempuh", "Drive-time coverage", lang),
                              summary_html(fg.coverage_summary(coverage, lang), lang)
                              + table_html(fg.coverage_rows(coverage.result, lang), "k112r-coverage")))
    if siting is not None:
        parts.append(_section(tr("Lokasi pos baru (what-if)", "New post siting (what-if)", lang),
                              summary_html(fg.siting_summary(siting, lang), lang)))
    notes = "".join(f"<li>{html.escape(tr(i, e, lang))}</li>" for i, e in METHOD_NOTES)
    parts.append(_section(tr("Metode", "Method", lang),
                          "<details><summary>" + html.escape(tr("Cara menghitung semua hasil di atas",
                                                                "How every result above was computed", lang))
                          + f"</summary><ul>{notes}</ul>"
                          + _p(tr(f"Uraian lengkap: {METHOD_DOC}", f"Full description: {METHOD_DOC}", lang))
                          + "</details>"))
    sources = "".join(f"<li>{_with_code(tr(i, e, lang))}</li>" for i, e in DATA_SOURCES)
    parts.append(_section(tr("Sumber data dan lisensi", "Data sources and licences", lang), f"<ul>{sources}</ul>",
                          "k112r-sources"))
    parts.append(_FALLBACK_SCRIPT)
    return "\n".join(parts)
