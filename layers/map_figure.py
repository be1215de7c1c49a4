"""Build the plotly MapLibre figure of Kendari from plain data (no Dash, no SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from i18n import fmt_wita, tr

KENDARI_CENTER = {"lon": 122.535, "lat": -3.985}
DEFAULT_ZOOM = 11.3
ALL_LAYERS = ("kecamatan", "kelurahan", "labels", "facilities", "units", "incidents", "municipal")
#: Shown when the page opens; open municipal tickets (thousands) are one click away.
DEFAULT_LAYERS = ("kecamatan", "kelurahan", "labels", "facilities", "units", "incidents")

UNIT_STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (colour, Indonesian, English)
    "available": ("#2e7d32", "Siaga", "Available"),
    "dispatched": ("#f9a825", "Ditugaskan", "Dispatched"),
    "en_route": ("#ef6c00", "Menuju lokasi", "En route"),
    "on_scene": ("#c62828", "Di lokasi", "On scene"),
    "transporting": ("#6a1b9a", "Mengantar pasien", "Transporting"),
    "at_hospital": ("#1565c0", "Di rumah sakit", "At hospital"),
    "out_of_service": ("#757575", "Tidak beroperasi", "Out of service"),
}
PRIORITY_STYLE: dict[int, tuple[str, int, str, str]] = {
    1: ("#b71c1c", 16, "Prioritas 1 (kritis)", "Priority 1 (critical)"),
    2: ("#e65100", 13, "Prioritas 2 (mendesak)", "Priority 2 (urgent)"),
    3: ("#f9a825", 11, "Prioritas 3", "Priority 3"),
    4: ("#78909c", 9, "Prioritas 4 (layanan kota)", "Priority 4 (municipal)"),
}
FACILITY_STYLE: dict[str, tuple[str, str, str]] = {
    "puskesmas": ("#00897b", "Puskesmas (pangkalan ambulans)", "Puskesmas (ambulance base)"),
    "hospital": ("#0d47a1", "Rumah sakit", "Hospital"),
    "fire_post": ("#d84315", "Pos Damkar", "Fire post"),
    "police_station": ("#283593", "Polsek", "Police station"),
    "bpbd_post": ("#4e342e", "BPBD", "Disaster agency (BPBD)"),
}


def basemap_style(basemap: str) -> str:
    """``osm`` → OpenStreetMap raster tiles (online); anything else → plain offline style."""
    return "open-street-map" if basemap == "osm" else "white-bg"


def _area_trace(layer: Mapping[str, Any], *, name: str, width: float, colour: str,
                lang: str) -> go.Choroplethmap:
    features = layer["geojson"]["features"]
    codes = [f["properties"]["kode"] for f in features]
    names = [f["properties"]["nama"] for f in features]
    areas = [f["properties"]["area_km2"] for f in features]
    extra = [_population_text(f["properties"], lang) for f in features]
    return go.Choroplethmap(
        geojson=layer["geojson"], locations=codes, featureidkey="properties.kode",
        z=[0] * len(codes), colorscale=[[0, "rgba(0,0,0,0.02)"], [1, "rgba(0,0,0,0.02)"]],
        showscale=False, marker={"line": {"width": width, "color": colour}},
        text=[f"<b>{n}</b><br>{name} · {a} km²{x}" for n, a, x in zip(names, areas, extra)],
        hovertemplate="%{text}<extra></extra>", name=name, showlegend=True,
    )


def _population_text(props: Mapping[str, Any], lang: str) -> str:
    population = props.get("population")
    if not population:
        return ""
    # No density here: BPS areas differ from the polygon areas (PROVENANCE.md), so mixing the two
    # sources would mislead.
    return f"<br>{tr('Penduduk', 'Population', lang)} {population:,} (BPS {props.get('population_year') or '—'})"


def _points(rows: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[float]]:
    return [float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]


def build_map_figure(
    *,
    areas: Mapping[str, Any],
    facilities: Sequence[Mapping[str, Any]] = (),
    units: Sequence[Mapping[str, Any]] = (),
    incidents: Sequence[Mapping[str, Any]] = (),
    layers: Iterable[str] = ALL_LAYERS,
    lang: str = "id",
    basemap: str = "osm",
    extra_traces: Sequence[Any] = (),
    uirevision: str = "kendari-map",
) -> go.Figure:
    """The operational map: boundaries, facilities, units by status, open incidents by priority."""
    shown = set(layers)
    fig = go.Figure()
    if "kecamatan" in shown:
        fig.add_trace(_area_trace(areas["kecamatan"], name=tr("Kecamatan", "Districts (kecamatan)", lang),
                                  width=2.2, colour="#37474f", lang=lang))
    if "kelurahan" in shown:
        fig.add_trace(_area_trace(areas["kelurahan"], name=tr("Kelurahan", "Urban villages (kelurahan)", lang),
                                  width=0.7, colour="#90a4ae", lang=lang))
    if "labels" in shown:
        labels = areas["kecamatan"]["labels"]
        fig.add_trace(go.Scattermap(
            lon=[l[2] for l in labels], lat=[l[3] for l in labels], text=[l[1] for l in labels],
            mode="text", textfont={"size": 12, "color": "#263238"}, hoverinfo="skip",
            name=tr("Nama kecamatan", "District names", lang), showlegend=False))
    if "facilities" in shown:
        for category, (colour, label_id, label_en) in FACILITY_STYLE.items():
            rows = [f for f in facilities if f["category"] == category]
            if not rows:
                continue
            lon, lat = _points(rows)
            fig.add_trace(go.Scattermap(
                lon=lon, lat=lat, mode="markers",
                marker={"size": 11, "color": colour,
                        "opacity": [0.55 if r["location_confidence"] == "approximate" else 0.95 for r in rows]},
                text=[_facility_hover(r, lang) for r in rows], hovertemplate="%{text}<extra></extra>",
                name=tr(label_id, label_en, lang), legendgroup="facilities",
                customdata=[["facility", r["id"]] for r in rows]))
    if "units" in shown:
        for status, (colour, label_id, label_en) in UNIT_STATUS_STYLE.items():
            rows = [u for u in units if u["status"] == status]
            if not rows:
                continue
            lon, lat = _points(rows)
            fig.add_trace(go.Scattermap(
                lon=lon, lat=lat, mode="markers+text", text=[u["callsign"] for u in rows],
                textposition="top right", textfont={"size": 10, "color": colour},
                marker={"size": 10, "color": colour},
                hovertext=[_unit_hover(u, label_id, label_en, lang) for u in rows], hoverinfo="text",
                name=tr("Unit: ", "Units: ", lang) + tr(label_id, label_en, lang), legendgroup="units",
                customdata=[["unit", u["id"]] for u in rows]))
    if "incidents" in shown:
        for priority, (colour, size, label_id, label_en) in PRIORITY_STYLE.items():
            rows = [i for i in incidents if int(i["priority"]) == priority and i.get("is_emergency", True)]
            if not rows:
                continue
            lon, lat = _points(rows)
            fig.add_trace(go.Scattermap(
                lon=lon, lat=lat, mode="markers", marker={"size": size, "color": colour, "opacity": 0.9},
                hovertext=[_incident_hover(i, lang) for i in rows], hoverinfo="text",
                name=tr("Insiden: ", "Incidents: ", lang) + tr(label_id, label_en, lang),
                legendgroup="incidents", customdata=[["incident", i["id"]] for i in rows]))
    if "municipal" in shown:
        rows = [i for i in incidents if not i.get("is_emergency", True)]
        if rows:
            lon, lat = _points(rows)
            fig.add_trace(go.Scattermap(
                lon=lon, lat=lat, mode="markers", marker={"size": 6, "color": "#78909c", "opacity": 0.6},
                hovertext=[_incident_hover(i, lang) for i in rows], hoverinfo="text",
                name=tr("Tiket layanan kota (terbuka)", "Municipal tickets (open)", lang),
                legendgroup="incidents", customdata=[["incident", i["id"]] for i in rows]))
    for trace in extra_traces:
        fig.add_trace(trace)
    fig.update_layout(
        map={"style": basemap_style(basemap), "center": KENDARI_CENTER, "zoom": DEFAULT_ZOOM},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
        uirevision=uirevision,
        clickmode="event",
    )
    return fig


def _facility_hover(r: Mapping[str, Any], lang: str) -> str:
    approx = r["location_confidence"] == "approximate"
    conf = tr("lokasi perkiraan (hanya kecamatan diketahui)", "approximate location (kecamatan only)", lang) \
        if approx else tr("keyakinan lokasi: ", "location confidence: ", lang) + str(r["location_confidence"])
    parts = [f"<b>{r['name']}</b>", f"{r.get('kelurahan') or '—'}, {r.get('kecamatan') or '—'}", conf]
    if r.get("phone"):
        parts.append(str(r["phone"]))
    return "<br>".join(parts)


def _unit_hover(u: Mapping[str, Any], label_id: str, label_en: str, lang: str) -> str:
    where = tr("di markas", "at home station", lang) if u.get("at_home_station") else \
        tr("posisi ", "position ", lang) + fmt_wita(u.get("position_at"))
    return (f"<b>{u['callsign']}</b> · {u['unit_type']}<br>{tr(label_id, label_en, lang)} "
            f"{tr('sejak', 'since', lang)} {fmt_wita(u.get('status_at'))}<br>{where}")


def _incident_hover(i: Mapping[str, Any], lang: str) -> str:
    name = i["type_name_en"] if lang == "en" else i["type_name_id"]
    return (f"<b>#{i['id']} {name}</b> (P{i['priority']})<br>{i.get('kelurahan') or '—'}, "
            f"{i.get('kecamatan') or '—'}<br>{tr('dibuat', 'created', lang)} {fmt_wita(i.get('created_at'))}"
            f"<br>{tr('unit ditugaskan', 'units assigned', lang)}: {i.get('units_assigned', 0)}")
