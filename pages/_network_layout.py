"""The component tree of the network admin page (pages/network.py).

Element ids are prefixed ``network-`` and stay stable (browser tests use them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import dcc, html

from i18n import WITA, tr
from layers.network_traces import CLOSURE_REASON_LABELS, CONNECTOR_KIND_LABELS
from pages import _network_views as views

ROLES = ("admin",)
MAP_CONFIG: Any = {"scrollZoom": True, "displaylogo": False}
#: Format of the from–until inputs (WITA).
TIME_FORMAT = "%Y-%m-%d %H:%M"


def mode_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": tr(" Penghubung: klik dua titik", " Connector: click two points", lang), "value": "connector"},
        {"label": tr(" Penutupan area: klik titik-titik batasnya", " Closure area: click its outline", lang),
         "value": "closure_area"},
        {"label": tr(" Penutupan ruas: klik titik-titik di sepanjang jalan", " Closed stretch: click along the road",
                     lang), "value": "closure_line"},
    ]


def _label(text: str) -> Any:
    return html.Label(text, className="network-label")


def _connector_form(lang: str) -> Any:
    return html.Div([
        _label(tr("Jenis penghubung", "Connector kind", lang)),
        dcc.Dropdown(id="network-conn-kind", value="link", clearable=False,
                     options=[{"label": tr(a, b, lang), "value": k} for k, (a, b) in CONNECTOR_KIND_LABELS.items()]),
        _label(tr("Nama", "Name", lang)),
        dcc.Input(id="network-conn-name", type="text", maxLength=200, className="network-input",
                  placeholder=tr("mis. Jembatan Lapulu", "e.g. Lapulu bridge", lang)),
        html.Div([
            html.Div([_label(tr("Kecepatan (km/jam)", "Speed (km/h)", lang)),
                      dcc.Input(id="network-conn-speed", type="number", min=1, max=130, step="any", value=40,
                                className="network-input")]),
            html.Div([_label(tr("Panjang (m; kosong = garis lurus)", "Length (m; empty = straight line)", lang)),
                      dcc.Input(id="network-conn-length", type="number", min=1, step="any",
                                className="network-input")]),
        ], className="network-pair"),
        html.Div([
            html.Div([_label(tr("Feri: menyeberang (menit)", "Ferry: crossing (minutes)", lang)),
                      dcc.Input(id="network-conn-crossing", type="number", min=0, step="any",
                                className="network-input")]),
            html.Div([_label(tr("Feri: menunggu (menit)", "Ferry: waiting (minutes)", lang)),
                      dcc.Input(id="network-conn-waiting", type="number", min=0, step="any",
                                className="network-input")]),
        ], className="network-pair"),
        _label(tr("Sumber (siapa yang menyatakan penghubung ini ada)", "Source (who says it exists)", lang)),
        dcc.Input(id="network-conn-source", type="text", maxLength=200, className="network-input"),
        html.Button(tr("Simpan penghubung", "Save connector", lang), id="network-connector-save", n_clicks=0,
                    className="network-primary"),
    ], id="network-connector-form")


def _closure_form(lang: str) -> Any:
    now = datetime.now(WITA).replace(second=0, microsecond=0)
    return html.Div([
        _label(tr("Alasan", "Reason", lang)),
        dcc.Dropdown(id="network-closure-reason", value="flood", clearable=False,
                     options=[{"label": tr(a, b, lang), "value": k} for k, (a, b) in CLOSURE_REASON_LABELS.items()]),
        _label(tr("Nama / keterangan", "Name / note", lang)),
        dcc.Input(id="network-closure-name", type="text", maxLength=200, className="network-input",
                  placeholder=tr("mis. Banjir Jl. Sao-Sao", "e.g. flooding on Jl. Sao-Sao", lang)),
        html.Div([
            html.Div([_label(tr("Mulai (WITA, TTTT-BB-HH JJ:MM)", "From (WITA, YYYY-MM-DD HH:MM)", lang)),
                      dcc.Input(id="network-closure-from", type="text", value=now.strftime(TIME_FORMAT),
                                className="network-input")]),
            html.Div([_label(tr("Sampai (WITA; kosong = sampai dicabut)", "Until (WITA; empty = until lifted)",
                                lang)),
                      dcc.Input(id="network-closure-until", type="text",
                                value=(now + timedelta(hours=24)).strftime(TIME_FORMAT), className="network-input")]),
        ], className="network-pair"),
        html.Button(tr("Simpan penutupan", "Save closure", lang), id="network-closure-save", n_clicks=0,
                    className="network-primary"),
    ], id="network-closure-form", style={"display": "none"})


def _factor_form(road_classes: tuple[str, ...], lang: str) -> Any:
    classes = ["*", *[c for c in road_classes if c != "connector_link"]]
    hours = [{"label": f"{h:02d}:00", "value": h} for h in range(24)]
    return html.Section([
        html.H3(tr("Faktor kecepatan (kelas jalan × jam WITA)", "Speed factors (road class × WITA hours)", lang)),
        html.P(tr("Faktor 0,7 berarti perjalanan 1/0,7 = 1,43 kali lebih lama pada jam itu (mis. jam sibuk). "
                  "Rentang 22–06 melewati tengah malam.",
                  "A factor of 0.7 makes travel take 1/0.7 = 1.43 times as long in that band (e.g. rush hour). "
                  "A band 22–06 wraps around midnight.", lang)),
        html.Div([
            dcc.Dropdown(id="network-factor-class", value="*", clearable=False, className="network-medium",
                         options=[{"label": views.road_class_label(c, lang), "value": c} for c in classes]),
            dcc.Dropdown(id="network-factor-start", options=hours, value=7, clearable=False, className="network-small"),
            dcc.Dropdown(id="network-factor-end", options=[*hours[1:], {"label": "24:00", "value": 24}], value=9,
                         clearable=False, className="network-small"),
            dcc.Input(id="network-factor-value", type="number", min=0.05, max=3, step=0.05, value=0.7,
                      className="network-input network-narrow"),
            dcc.Input(id="network-factor-reason", type="text", maxLength=500, className="network-input",
                      placeholder=tr("alasan, mis. jam sibuk pagi", "reason, e.g. morning rush hour", lang)),
            html.Button(tr("Simpan faktor", "Save factor", lang), id="network-factor-save", n_clicks=0,
                        className="network-primary"),
        ], className="k112-form-row"),
        html.Div(id="network-factor-msg", role="status"),
    ], className="k112-card")


def build(view: Any, *, lang: str) -> Any:
    """The page for one overview (:func:`services.network.overview`)."""
    joins = [[list(p.join_from), list(p.join_to)] if p.join_from and p.join_to else None for p in view.dropped]
    return html.Div([
        html.H2(tr("Jaringan jalan dan koreksinya", "Road network and its corrections", lang)),
        html.P([tr("Koreksi berlaku untuk setiap jaringan (impor atau perkiraan) dan mencapai semua pekerja dalam "
                   "beberapa detik. ", "Corrections apply to every network (imported or approximate) and reach "
                   "every worker within seconds. ", lang),
                dcc.Link(tr("Laporan akurasi ETA", "ETA accuracy report", lang), href="/network/accuracy",
                         id="network-accuracy-link")]),
        html.Div([
            html.Div([
                dcc.Graph(id="network-map", className="network-map", config=MAP_CONFIG),
            ], className="network-mapcol"),
            html.Div([
                html.H3(tr("Tambah koreksi di peta", "Add a correction on the map", lang)),
                dcc.RadioItems(id="network-mode", value="connector", options=mode_options(lang),
                               className="network-modes"),
                html.Div(id="network-draft-text", className="network-hint", role="status"),
                html.Div([
                    html.Button(tr("Hapus titik terakhir", "Remove last point", lang), id="network-undo",
                                n_clicks=0, className="network-small"),
                    html.Button(tr("Mulai ulang", "Start again", lang), id="network-clear", n_clicks=0,
                                className="network-small"),
                ], className="network-buttons"),
                _connector_form(lang),
                _closure_form(lang),
                html.Div(id="network-msg", role="status"),
            ], className="network-side k112-card"),
        ], className="network-body"),
        html.Section([
            html.H3(tr("Koreksi tersimpan (berlaku dan usulan)", "Stored corrections (in force and proposed)", lang)),
            html.Div(id="network-list-msg", role="status"),
            html.Div(views.corrections_table(view.corrections, lang), id="network-corrections"),
        ], className="k112-card"),
        _factor_form(view.road_classes, lang),
        html.Section([html.H3(tr("Jaringan yang dipakai", "Network in use", lang)), views.network_card(view, lang)],
                     className="k112-card"),
        html.Section([
            html.H3(tr("Laporan perbaikan impor: potongan jalan terputus", "Import repair report: dropped road pieces",
                       lang)),
            html.Div(views.repair_list(view, lang), id="network-repair"),
        ], className="k112-card"),
        dcc.Store(id="network-click"),
        dcc.Store(id="network-click-hook"),
        dcc.Store(id="network-draft", data=[]),
        dcc.Store(id="network-version", data=0),
        dcc.Store(id="network-map-base"),
        dcc.Store(id="network-joins", data=joins),
    ], className="network-root")
