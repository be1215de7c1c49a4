"""Plain language and one number format in planning: summaries, page pieces, figures and the HTML report.

The scan: in ``id`` no English thousands ("24,068"), no English percentages ("91.2%") or decimals
("264.7"); no raw codes ("fire_post", "structure_fire", "hot_99", "ambulance") where a label is
expected; no method names ("Gi*", "MCLP") in a headline. Also: what-if demand per station kind,
approximate-station warnings, candidate names, the report's default layers and metric scale.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest

from layers.geodata import facilities, kelurahan
from planning import coverage as cov, figures as fg, hotspots as hs, report as rp, siting as sit
from planning._places import Place, locate, place_label
from services import planning as service

#: esda's G_Local warns that its default alternative hypothesis will change and offers no argument to choose it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning")

EN_THOUSANDS = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")
ID_THOUSANDS = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:\.\d{3})+(?![\d.])")
EN_PERCENT = re.compile(r"\d%")
ID_PERCENT = re.compile(r"\d %")
EN_DECIMAL = re.compile(r"(?<![\d.,])(?<![A-Za-z]-)\d+\.\d{1,2}(?![\d.])")  # not "Apache-2.0"
ID_DECIMAL = re.compile(r"(?<![\d.,])\d+,\d{1,2}(?![\d,])")
RAW_CODES = ("fire_post", "police_station", "bpbd_post", "structure_fire", "land_fire", "street_light",
             "traffic_accident", "animal_rescue", "fallen_tree", "hot_99", "hot_95", "hot_90", "cold_99", "cold_95",
             "cold_90", "new_hot", "p_sim", "klass")
RAW_WORDS_ID = ("ambulance", "approximate", "fire", "police")
JARGON = ("Gi*", "MCLP", "CBC", "esda", "Getis", "permutasi", "permutation", "H3", "KDE", "Dijkstra")

FIRE_SERVED = {"structure_fire", "land_fire", "flood", "fallen_tree", "animal_rescue"}

# The console's rules (tests/test_no_raw_codes.py), applied to the planning texts in Indonesian:
#: any snake_case word is a raw code.
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: one-word codes that are English words (incident and unit types, categories, confidences).
ONE_WORD_RE = re.compile(r"\b(medical|crime|disturbance|flood|landslide|waste|rescue|ambulance|hospital|landmark|"
                         r"approximate|surveyed|open|closed|fire|police|bpbd|road)\b")
AGENCY_CODES_RE = re.compile(r"\b(PSC119|DAMKAR|POLICE|PUBLIC_WORKS|DLHK)\b")
ENGLISH_RE = re.compile(r"\b(the|The|and|of|is|are|not|with|without|from|Incident|incident|incidents|Cannot|"
                        r"error|failed|Hot spot|Coverage|Stations|Candidates)\b")


def scan(texts: Iterable[str], lang: str) -> list[str]:
    """Every offending piece: wrong number format for ``lang``, a raw code, or English in ``id``."""
    bad = []
    for text in texts:
        plain = re.sub(r"<code>.*?</code>", " ", text)
        plain = re.sub(r"%\{[^}]*\}", " ", re.sub(r"<[^>]+>", " ", plain))
        found = (EN_THOUSANDS.findall(plain) + EN_PERCENT.findall(plain) + EN_DECIMAL.findall(plain)) \
            if lang == "id" else (ID_THOUSANDS.findall(plain) + ID_PERCENT.findall(plain) + ID_DECIMAL.findall(plain))
        found += [c for c in RAW_CODES if c in plain]
        if lang == "id":
            found += [w for w in RAW_WORDS_ID if re.search(rf"\b{w}\b", plain, re.I)]
            for regex in (SNAKE_CASE, ONE_WORD_RE, AGENCY_CODES_RE, ENGLISH_RE):
                found += [m.group(0) for m in regex.finditer(plain)]
        bad += [f"{f!r} in {text[:160]!r}" for f in found]
    return bad


def component_texts(node: Any) -> list[str]:
    """The visible strings of a Dash component tree (children, labels, placeholders; never values)."""
    if node is None or isinstance(node, bool):
        return []
    if isinstance(node, (str, int, float)):
        return [str(node)]
    if isinstance(node, (list, tuple)):
        return [t for n in node for t in component_texts(n)]
    out: list[str] = []
    for prop in ("children", "label", "placeholder", "title"):
        value = getattr(node, prop, None)
        if value is not None and not (prop == "title" and not isinstance(value, str)):
            out += component_texts(value)
    for option in getattr(node, "options", None) or []:
        if isinstance(option, dict):
            out += component_texts(option.get("label"))
    return out


def figure_texts(fig: Any) -> list[str]:
    """Trace names, hover texts and titles of a plotly figure, with the template placeholders removed."""
    out: list[str] = []
    for trace in fig.data:
        out.append(str(trace.name or ""))
        text = getattr(trace, "text", None)
        if isinstance(text, str):
            out.append(text)
        elif text is not None:
            out += [str(t) for t in text]
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str):
            out.append(re.sub(r"%\{[^}]*\}|<extra>.*?</extra>", "", template))
    layout = fig.layout
    for title in (layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text):
        if title:
            out.append(str(title))
    return out


def visible_report_text(page: str) -> list[str]:
    """What a reader of the report sees: page text, layer-control names and tooltips (literal
    technical text in ``<code>``, such as repository names, left out)."""
    body = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
    body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)
    texts = [html_lib.unescape(t).strip() for t in re.split(r"<[^>]+>", body)]
    block = re.search(r"layer_control_\w+_layers = \{(.*?)\};", page, re.S)
    assert block is not None
    texts += [json.loads(f'"{k}"') for k in re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', block.group(1))]
    tips = [json.loads(f'"{t}"') for t in re.findall(r'"_tip": "((?:[^"\\]|\\.)*)"', page)]
    tips += re.findall(r"bindTooltip\(\s*`(.*?)`", page, re.S)
    texts += [html_lib.unescape(re.sub(r"<[^>]+>", " ", t)) for t in tips]
    return [t for t in texts if t]


@pytest.fixture(scope="module")
def views(travel_graph) -> dict[str, Any]:
    """Hotspots, fire-post coverage and a two-post what-if over 2,400 synthetic incidents."""
    rng = np.random.default_rng(11)
    kel = kelurahan()
    pts = kel.geometry.representative_point()
    idx = np.r_[rng.integers(0, 64, 1400), np.full(1000, 10)]
    lon = pts.x.to_numpy()[idx] + rng.normal(0, 0.002, idx.size)
    lat = pts.y.to_numpy()[idx] + rng.normal(0, 0.002, idx.size)
    q = service.PlanningQuery()
    result = hs.hotspots(lon, lat, resolution=9, permutations=199)
    codes = kel["kode"].to_numpy()[idx]
    assert result.point_cells is not None
    hot = service.HotspotView(query=q, hotspots=result, density=hs.kde(lon, lat),
                              kelurahan=hs.kelurahan_counts(codes, kel), n_incidents=idx.size,
                              hot_places=hs.hot_kelurahan(result.point_cells, codes, result.cells, kel))
    fire = [f for f in facilities() if f.category == "fire_post"]
    rows = [{"name": f.name, "lon": f.lon, "lat": f.lat, "category": f.category,
             "location_confidence": f.location_confidence, "kelurahan": f.stated_kelurahan} for f in fire]
    f_lon, f_lat = [f.lon for f in fire], [f.lat for f in fire]
    coverage = service.CoverageView(query=q, kind="fire", stations=rows, result=cov.coverage(
        travel_graph, f_lon, f_lat, incidents_lon=lon, incidents_lat=lat, kind="fire"))
    marks = [{"name": f.name, "lon": f.lon, "lat": f.lat, "location_confidence": f.location_confidence}
             for f in facilities()]
    cands = sit.with_places(sit.kelurahan_candidates(), marks)
    res = sit.site_stations(travel_graph, candidates=cands, incidents_lon=lon, incidents_lat=lat,
                            existing_lon=f_lon, existing_lat=f_lat, existing_names=[f.name for f in fire], k=2,
                            max_minutes=8)
    after = cov.coverage(travel_graph, np.r_[f_lon, res.chosen["lon"]], np.r_[f_lat, res.chosen["lat"]],
                         bands_min=(8,))
    siting = service.SitingView(query=q, kind="fire", result=res, after=after, stations=rows,
                                before=cov.coverage(travel_graph, f_lon, f_lat, bands_min=(8,)),
                                types=("land_fire", "structure_fire"), types_default=True,
                                type_names={"land_fire": ("Kebakaran lahan/hutan", "Land / forest fire"),
                                            "structure_fire": ("Kebakaran bangunan", "Structure fire")})
    return {"hotspots": hot, "coverage": coverage, "siting": siting}


def _areas() -> dict[str, Any]:
    kel = kelurahan()
    return {"kecamatan": {"geojson": {"type": "FeatureCollection", "features": []}, "labels": []},
            "kelurahan": {"geojson": {"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": k, "properties": {"kode": k}, "geometry": g.__geo_interface__}
                for k, g in zip(kel["kode"], kel.geometry)]}, "labels": []}}


def _summaries(views: dict[str, Any], lang: str) -> list[Any]:
    return [fg.hotspot_summary(views["hotspots"], lang), fg.coverage_summary(views["coverage"], lang),
            fg.siting_summary(views["siting"], lang)]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_summaries_say_what_it_means_first_and_keep_the_method_folded(views: dict[str, Any], lang: str) -> None:
    hot, coverage, siting = _summaries(views, lang)
    for summary in (hot, coverage, siting):
        assert not [j for j in JARGON if j in summary.headline], summary.headline
        assert summary.method and summary.facts and summary.anchor
    # the busiest kelurahan is named, with a plain confidence statement
    assert "Kendari Caddi" in hot.headline
    sure = "99 % yakin ini bukan kebetulan" if lang == "id" else "99% sure this is not chance"
    assert sure in hot.headline
    # the method names are kept in the folded method lines
    assert any("Gi*" in m for m in hot.method) and any("MCLP" in m for m in siting.method)
    assert any("CBC" in m for m in siting.method)
    # the what-if headline names places, not grid codes or coordinates
    assert "Kel. " in siting.headline and not re.search(r"\bG\d+\b|\(\d+\.\d+, -?\d", siting.headline)
    assert scan([s for summary in (hot, coverage, siting) for s in summary.lines()], lang) == []


def test_numbers_follow_the_language(views: dict[str, Any]) -> None:
    idn = fg.hotspot_summary(views["hotspots"], "id").facts[0]
    eng = fg.hotspot_summary(views["hotspots"], "en").facts[0]
    assert idn.startswith("2.400 insiden") and eng.startswith("2,400 incidents")
    rows_id = fg.coverage_rows(views["coverage"].result, "id")
    rows_en = fg.coverage_rows(views["coverage"].result, "en")
    assert all(re.fullmatch(r"\d+,\d %", r["% daratan"]) for r in rows_id)
    assert all(re.fullmatch(r"\d+\.\d%", r["% of land"]) for r in rows_en)
    assert scan([str(v) for r in rows_id for v in r.values()], "id") == []
    assert scan([str(v) for r in rows_en for v in r.values()], "en") == []


def test_page_pieces_and_figures_pass_the_scan(views: dict[str, Any]) -> None:
    from pages import _planning_layout, _planning_views

    types = [{"code": "structure_fire", "name_id": "Kebakaran bangunan", "name_en": "Structure fire",
              "n_incidents": 24068},
             {"code": "street_light", "name_id": "Lampu jalan", "name_en": "Street light", "n_incidents": 1160}]
    texts = component_texts(_planning_layout.build(lang="id", types=types, months=["2026-01", "2026-02"]))
    assert "Kebakaran bangunan (24.068)" in texts and "Lampu jalan (1.160)" in texts
    english = component_texts(_planning_layout.build(lang="en", types=types, months=["2026-01"]))
    assert "Structure fire (24,068)" in english and scan(english, "en") == []
    rendered = [_planning_views.summary(s, "id") for s in _summaries(views, "id")]
    texts += component_texts(rendered)
    texts += component_texts(_planning_views.table(fg.coverage_rows(views["coverage"].result, "id"), "t"))
    areas = _areas()
    for layer in fg.HOTSPOT_LAYERS:
        texts += figure_texts(fg.hotspot_figure(views["hotspots"], areas=areas, layer=layer, lang="id"))
    texts += figure_texts(fg.coverage_figure(views["coverage"], areas=areas, lang="id"))
    texts += figure_texts(fg.siting_figure(views["siting"], areas=areas, lang="id", clicked=[(122.5, -4.0)]))
    texts += _temporal_texts("id")
    assert scan(texts, "id") == []
    headlines = [h.children for r in rendered for h in r.children if getattr(h, "className", "") == "planning-headline"]
    assert len(headlines) == 3 and not [j for h in headlines for j in JARGON if j in h]
    # the method is folded (html.Details) with a link to the method page
    details = [c for r in rendered for c in r.children if type(c).__name__ == "Details"]
    assert len(details) == 3
    links = [c.href for d in details for c in d.children if type(c).__name__ == "A"]
    assert links == ["/planning/method#hotspots", "/planning/method#coverage", "/planning/method#siting"]


def _temporal_texts(lang: str) -> list[str]:
    import pandas as pd

    from planning import temporal as tmp

    times = pd.Series(pd.to_datetime(["2026-05-05T16:30:00Z", "2026-08-05T01:00:00Z"], utc=True))
    when = type("V", (), {"hour_weekday": tmp.hour_weekday(times),
                          "seasonality": tmp.seasonality(times, pd.Series(["medical", "street_light"]))})()
    season = fg.seasonality_figure(when, {"medical": "Kegawatdaruratan medis"}, lang)
    assert "Mei 2026" in list(season.data[0].x) and season.layout.separators == ",."
    return (figure_texts(fg.hour_weekday_figure(when, lang)) + figure_texts(season)
            + fg.temporal_summary(when, lang).lines())


def test_when_summary_names_the_busiest_hours_day_and_month() -> None:
    import pandas as pd

    from planning import temporal as tmp

    # 1,200 incidents on Saturdays 20:00–20:59 WITA in August, 30 more spread over other times
    busy = pd.date_range("2026-08-01T12:00Z", periods=1200, freq="1s")
    calm = pd.date_range("2026-03-02T01:00Z", periods=30, freq="7h")
    times = pd.Series(busy.append(calm))
    when = type("V", (), {"hour_weekday": tmp.hour_weekday(times),
                          "seasonality": tmp.seasonality(times, pd.Series(["medical"] * len(times)))})()
    idn, eng = fg.temporal_summary(when, "id"), fg.temporal_summary(when, "en")
    assert "hari Sabtu" in idn.headline and "Agu 2026 (1.200 insiden)" in idn.headline
    assert "on Saturdays" in eng.headline and "Aug 2026 (1,200 incidents)" in eng.headline
    assert re.search(r"pukul (18|19|20):00–(21|22|23):00 WITA", idn.headline), idn.headline


def test_figures_use_the_languages_separators(views: dict[str, Any]) -> None:
    fig = fg.coverage_figure(views["coverage"], areas=_areas(), lang="id")
    assert fig.layout.separators == ",."
    assert fg.coverage_figure(views["coverage"], areas=_areas(), lang="en").layout.separators == ".,"


def test_the_report_passes_the_scan_in_both_languages(views: dict[str, Any]) -> None:
    for lang in ("id", "en"):
        page = rp.build_report(title="Laporan", period="Periode", lang=lang, **views)
        assert scan(visible_report_text(page), lang) == []
        assert not [c for c in RAW_CODES if c in page]  # not even in the inline data
        findings = re.search(r'id="k112r-findings">(.*?)</section>', page, re.S).group(1)
        assert not [j for j in JARGON if j in re.sub(r"<[^>]+>", " ", findings)]
        assert "<details>" in page and "MCLP" in page and "Gi*" in page


def test_report_opens_with_the_default_layers_and_a_metric_scale(views: dict[str, Any]) -> None:
    layers = rp.report_layers(**views)
    assert {layer.key for layer in layers if layer.show} == {"hotspots_gi", "stations", "siting_candidates"}
    page = rp.build_report(title="t", period="p", **views)
    assert "L.control.scale({metric: true, imperial: false" in page
    assert "L.control.scale()" not in page
    # hot spots and drive-time bands draw from different colour families
    hot = {c for c, _, _ in fg.HOTSPOT_STYLE.values()}
    assert not hot & set(fg.band_colours(3)) and not hot & set(fg.BAND_COLOURS)


def test_coverage_warns_about_approximate_stations(views: dict[str, Any]) -> None:
    summary = fg.coverage_summary(views["coverage"], "id")
    fire = [f.name for f in facilities() if f.category == "fire_post"]
    assert len(summary.warnings) == 1 and "perkiraan" in summary.warnings[0]
    assert all(name in summary.warnings[0] for name in fire)
    warning_en = fg.coverage_summary(views["coverage"], "en").warnings[0]
    assert "approximately" in warning_en and all(name in warning_en for name in fire)
    exact = [{"name": "Puskesmas Mata", "location_confidence": "medium-high"}]
    assert fg.coverage_summary.__module__  # the warnings come from the same helper
    from planning._summaries import station_warnings

    assert station_warnings(exact, "ambulance", "id") == []
    mixed = station_warnings([*exact, {"name": "Polsek Abeli", "location_confidence": "approximate"}], "police", "id")
    assert len(mixed) == 1 and "1 dari 2" in mixed[0] and "Polsek Abeli" in mixed[0]


def test_candidates_are_named_by_kelurahan_and_landmark() -> None:
    marks = [{"name": f.name, "lon": f.lon, "lat": f.lat, "location_confidence": f.location_confidence}
             for f in facilities()]
    abeli = next(f for f in facilities() if f.name == "Puskesmas Abeli")
    (place,) = locate([abeli.lon + 0.001], [abeli.lat], marks)
    assert place.landmark == "Puskesmas Abeli" and place.kelurahan
    assert place_label(place, "id") == f"Kel. {place.kelurahan}, dekat Puskesmas Abeli"
    assert place_label(place, "en") == f"Kel. {place.kelurahan}, near Puskesmas Abeli"
    far = Place(kelurahan="Lalolara", kecamatan="Abeli", landmark="Puskesmas Abeli", landmark_m=1840.0)
    assert place_label(far, "id") == "Kel. Lalolara, 1,8 km dari Puskesmas Abeli"
    assert place_label(far, "en") == "Kel. Lalolara, 1.8 km from Puskesmas Abeli"
    # approximate stations are no landmarks
    fire = next(f for f in facilities() if f.category == "fire_post")
    (near_post,) = locate([fire.lon], [fire.lat], marks)
    assert near_post.landmark != fire.name
    grid = sit.with_places(sit.grid_candidates(2000), marks)
    labels = [place_label(p, "id") for p in grid.places]
    assert all(label.startswith("Kel. ") for label in labels) and len(set(labels)) == len(labels)
    assert not any(re.match(r"G\d+ \(", name) for name in grid.names)
    clicked = sit.with_places(sit.clicked_candidates([(abeli.lon, abeli.lat)]), marks)
    row = {"name": clicked.names[0], "source": "clicked", "kelurahan": clicked.places[0].kelurahan,
           "kecamatan": clicked.places[0].kecamatan, "landmark": clicked.places[0].landmark,
           "landmark_m": clicked.places[0].landmark_m, "place_n": 0}
    assert sit.site_label(row, "id").startswith("P1: Kel. ") and "dekat Puskesmas Abeli" in sit.site_label(row, "id")


def test_the_method_page_has_a_section_per_summary() -> None:
    from pages._planning_views import method_sections
    from settings import ROOT_DIR

    sections = method_sections((ROOT_DIR / "docs" / "planning.md").read_text(encoding="utf-8"))
    ids = {anchor: (heading, body) for anchor, heading, body in sections}
    assert {"hotspots", "coverage", "siting"} <= set(ids)
    assert "Gi*" in ids["hotspots"][0] and "MCLP" in ids["siting"][0] and "permutations" in ids["hotspots"][1]


def _catalog() -> dict[str, Any]:
    from settings import ROOT_DIR

    return json.loads((ROOT_DIR / "incidents" / "catalog.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind, expected", [
    ("fire", FIRE_SERVED),
    ("ambulance", {"structure_fire", "traffic_accident", "medical", "landslide"}),
    ("police", {"traffic_accident", "crime", "disturbance"}),
    ("bpbd", {"flood", "landslide"}),
])
def test_what_if_types_follow_the_response_plans(kind: str, expected: set[str]) -> None:
    catalog = _catalog()
    plans = [{"incident_type": t["code"], "unit_type": p["unit_type"]} for t in catalog["incident_types"]
             for p in t.get("plan", [])] + [{"incident_type": "street_light", "unit_type": None}]
    served = cov.served_incident_types(cov.STATION_KIND_AGENCIES[kind], catalog["unit_types"], plans)
    assert set(served) == expected
    assert not {"street_light", "power_outage", "water_supply", "waste"} & set(served)


def test_what_if_counts_the_served_types_by_default(db, travel_graph) -> None:
    kel = kelurahan()
    pts = kel.geometry.representative_point()
    rows = [("structure_fire", 3), ("land_fire", 4), ("street_light", 5), ("street_light", 6), ("medical", 7)]
    with db.transaction() as cur:
        for itype, k in rows:
            cur.execute("INSERT INTO incidents (incident_type, priority, geom, created_at, status)"
                        " VALUES (%s, 2, ST_SetSRID(ST_MakePoint(%s, %s), 4326), now(), 'open')",
                        (itype, float(pts.x.iloc[k]), float(pts.y.iloc[k])))
    assert set(service.served_types(db, "fire")) == FIRE_SERVED
    view = service.siting_analysis(db, travel_graph, service.PlanningQuery(), kind="fire", k=1, max_minutes=8)
    assert view.result.n_incidents == 2 and view.types_default and set(view.types) == FIRE_SERVED
    assert "lampu" not in " ".join(fg.siting_summary(view, "id").facts).lower()
    assert "Kebakaran bangunan" in fg.siting_summary(view, "id").facts[-2]
    chosen = service.siting_analysis(db, travel_graph, service.PlanningQuery(), kind="fire", k=1, max_minutes=8,
                                     types=["street_light"])
    assert chosen.result.n_incidents == 2 and not chosen.types_default
    assert service.siting_analysis(db, travel_graph, service.PlanningQuery(), kind="ambulance", k=1,
                                   max_minutes=8).result.n_incidents == 2  # structure fire + medical
