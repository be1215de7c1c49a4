"""The folium report: a standalone file that opens in Chromium (file://) and holds the expected layers."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from layers.geodata import facilities, kelurahan
from planning import coverage as cov, hotspots as hs, report as rp, siting as sit
from services import planning as service

EXPECTED_LAYERS = ("kelurahan_counts", "hotspots_gi", "emerging_hotspots", "coverage_bands", "uncovered",
                   "stations", "siting_gain", "siting_candidates")


@pytest.fixture(scope="module")
def views(travel_graph) -> dict:
    rng = np.random.default_rng(5)
    kel = kelurahan()
    pts = kel.geometry.representative_point()
    idx = np.r_[rng.integers(0, 64, 600), np.full(400, 10)]
    lon = pts.x.to_numpy()[idx] + rng.normal(0, 0.003, idx.size)
    lat = pts.y.to_numpy()[idx] + rng.normal(0, 0.003, idx.size)
    q = service.PlanningQuery()
    hot = service.HotspotView(query=q, hotspots=hs.hotspots(lon, lat, resolution=8), density=hs.kde(lon, lat),
                              kelurahan=hs.kelurahan_counts(kel["kode"].to_numpy()[idx], kel), n_incidents=idx.size,
                              emerging=hs.emerging_hotspots(lon[::2], lat[::2], lon[1::2], lat[1::2], resolution=8))
    graph = travel_graph
    fire = [f for f in facilities() if f.category == "fire_post"]
    rows = [{"name": f.name, "lon": f.lon, "lat": f.lat, "category": f.category,
             "location_confidence": f.location_confidence} for f in fire]
    f_lon, f_lat = [f.lon for f in fire], [f.lat for f in fire]
    coverage = service.CoverageView(query=q, kind="fire", stations=rows, result=cov.coverage(
        graph, f_lon, f_lat, incidents_lon=lon, incidents_lat=lat, kind="fire"))
    res = sit.site_stations(graph, candidates=sit.kelurahan_candidates(), incidents_lon=lon, incidents_lat=lat,
                            existing_lon=f_lon, existing_lat=f_lat, k=2, max_minutes=8)
    after = cov.coverage(graph, np.r_[f_lon, res.chosen["lon"]], np.r_[f_lat, res.chosen["lat"]], bands_min=(8,))
    siting = service.SitingView(query=q, kind="fire", result=res, after=after,
                                before=cov.coverage(graph, f_lon, f_lat, bands_min=(8,)))
    return {"hotspots": hot, "coverage": coverage, "siting": siting}


def test_report_layers_and_html_content(views: dict) -> None:
    layers = rp.report_layers(**views)
    assert [layer.key for layer in layers] == list(EXPECTED_LAYERS)
    page = rp.build_report(title="Laporan uji", period="Periode uji", **views)
    block = re.search(r"layer_control_\w+_layers = \{(.*?)\};", page, re.S).group(1)
    names = {json.loads(f'"{k}"') for k in re.findall(r'"((?:[^"\\]|\\.)*)"\s*:', block)}
    for layer in layers:  # every layer is switchable in the Leaflet layer control
        assert layer.name in names
    assert "Kepadatan kernel (KDE)" in names and "Batas kelurahan" in names
    assert "data:image/png;base64," in page  # the density surface is inlined
    for needle in ("Laporan uji", "Periode uji", "Sumber data dan lisensi", "cahyadsn/wilayah_boundaries",
                   "k112r-legend", "k112r-coverage"):
        assert needle in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()


def test_local_leaflet_is_inlined(views: dict, tmp_path, monkeypatch) -> None:
    (tmp_path / "leaflet.js").write_text("/* local leaflet js */")
    (tmp_path / "leaflet.css").write_text("/* local leaflet css */")
    monkeypatch.setenv("K112_LEAFLET_DIR", str(tmp_path))
    page = rp.build_report(title="t", period="p", hotspots=views["hotspots"])
    assert "/* local leaflet js */" in page and "/* local leaflet css */" in page
    assert "cdn.jsdelivr.net/npm/leaflet" not in page


def _open_file(page, path) -> None:
    """Open a local file: the page fixture blocks every non-loopback URL, so let file:// through."""
    page.context.route("file://**", lambda route: route.continue_())
    page.goto(path.as_uri(), wait_until="load")


@pytest.mark.browser
def test_report_opens_in_chromium_from_a_file(views: dict, tmp_path, page, screenshot) -> None:
    save_screenshot = screenshot
    path = tmp_path / "report.html"
    path.write_text(rp.build_report(title="Laporan uji", period="Periode uji", **views), encoding="utf-8")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_file(page, path)
    assert page.locator("#k112r-header h1").inner_text() == "Laporan uji"
    assert page.locator("#k112r-coverage tbody tr").count() == 4
    # The vendored Leaflet is inlined: the interactive map works with no network at all.
    assert page.evaluate("typeof L !== 'undefined'")
    page.wait_for_selector(".leaflet-control-layers-overlays label")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Gi*" in t for t in labels) and any("Cakupan" in t for t in labels)
    assert page.locator(".leaflet-overlay-pane path").count() > 100
    assert not page.locator("#k112r-fallback").is_visible()
    assert errors == []
    # a metric scale only, and a readable set of layers at opening (hot spots, stations, proposed posts)
    scale = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 1 and re.fullmatch(r"\d+ k?m", scale[0].strip()), scale
    checked = page.evaluate("""() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
        .filter(l => l.querySelector('input').checked).map(l => l.innerText.trim())""")
    shown = {layer.name for layer in rp.report_layers(**views) if layer.show}
    assert set(checked) == shown | {"Batas kelurahan"}
    assert page.locator(".leaflet-image-layer").count() == 0  # the density surface starts hidden
    save_screenshot(page, "planning-report-default-layers")


@pytest.mark.browser
def test_report_falls_back_to_a_static_drawing_without_leaflet(views: dict, tmp_path, page, monkeypatch) -> None:
    monkeypatch.setattr(rp, "LEAFLET_DIRS", ())   # as if no local Leaflet: folium's CDN link, unreachable here
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    path = tmp_path / "report.html"
    path.write_text(rp.build_report(title="Laporan uji", period="Periode uji", **views), encoding="utf-8")
    _open_file(page, path)
    if page.evaluate("typeof L !== 'undefined'"):
        pytest.skip("the CDN is reachable from this machine; the offline fallback cannot be exercised")
    assert page.locator("#k112r-fallback").is_visible()
    assert all("L is not defined" in e for e in errors)  # only folium's own script fails
    drawn = page.evaluate("() => [...document.querySelectorAll('#k112r-svg g[data-layer]')].map(g => g.dataset.layer)")
    assert set(EXPECTED_LAYERS) <= set(drawn)
    display = "() => getComputedStyle(document.querySelector('#k112r-svg g[data-layer=kelurahan_counts]')).display"
    hidden = page.evaluate(display)
    assert hidden == "none"
    page.check("input[data-toggle=kelurahan_counts]")
    shown = page.evaluate(display)
    assert shown != "none"
    assert page.locator("#k112r-svg path").count() > 100


def test_page_figures_for_every_layer(views: dict) -> None:
    """The plotly figures the page shows, in both languages (no Dash needed)."""
    import pandas as pd

    from planning import figures as fg, temporal as tmp

    kel = kelurahan()
    areas = {"kecamatan": {"geojson": {"type": "FeatureCollection", "features": []}, "labels": []},
             "kelurahan": {"geojson": {"type": "FeatureCollection", "features": [
                 {"type": "Feature", "id": k, "properties": {"kode": k}, "geometry": g.__geo_interface__}
                 for k, g in zip(kel["kode"], kel.geometry)]}, "labels": []}}
    for lang in ("id", "en"):
        for layer in fg.HOTSPOT_LAYERS:
            fig = fg.hotspot_figure(views["hotspots"], areas=areas, layer=layer, lang=lang)
            assert len(fig.data) >= 1 and fig.layout.map.layers[0].sourcetype == "image"
        cov_fig = fg.coverage_figure(views["coverage"], areas=areas, lang=lang)
        assert sum(1 for t in cov_fig.data if t.legendgroup == "coverage") == 4
        site_fig = fg.siting_figure(views["siting"], areas=areas, lang=lang, clicked=[(122.5, -4.0)])
        assert any(len(t.lon or []) == 2 for t in site_fig.data if t.type == "scattermap")
        assert fg.siting_summary(views["siting"], lang) and fg.hotspot_summary(views["hotspots"], lang)
    times = pd.Series(pd.to_datetime(["2026-01-05T16:30:00Z", "2026-02-05T01:00:00Z"], utc=True))
    when = type("V", (), {"hour_weekday": tmp.hour_weekday(times),
                          "seasonality": tmp.seasonality(times, pd.Series(["medical", "flood"]))})()
    assert fg.hour_weekday_figure(when).data[0].z.shape == (7, 24)
    assert len(fg.seasonality_figure(when, {"medical": "Medis"}).data) == 2
    rgba, vmax = fg.kde_rgba(np.array([[np.nan, 0.0], [1.0, 2.0]]))
    assert rgba.shape == (2, 2, 4) and rgba[0, 0, 3] == 0 and rgba[1, 1, 3] > 0 and vmax > 0
