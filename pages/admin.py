"""Administration (admin only): correct facility locations, edit response plans, add accounts."""

from __future__ import annotations

import base64
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from i18n import fmt_wita
from incidents import labels
from services import admin as admin_ops
from web.auth import callback_roles, page_guard
from web.context import current_user, get_db
from web.errors import EXPECTED, field_messages, user_message
from web.lang import current_lang, tr

dash.register_page(__name__, path="/admin", name="Admin", title="Kendari 112 — Admin")


def _names(rows: list[dict[str, Any]], lang: str) -> dict[str, str]:
    """Code → name in the user's language, from reference rows (``code``, ``name_id``, ``name_en``)."""
    return {str(r["code"]): str(r["name_en"] if lang == "en" else r["name_id"]) for r in rows}


def _unit_type_name(code: str | None, names: dict[str, str], lang: str) -> str:
    return names.get(code or "") or labels.unit_type_label(code, lang)


def _facility_table(rows: list[dict[str, Any]]) -> Any:
    lang = current_lang()
    return html.Table([
        html.Thead(html.Tr([html.Th("ID"), html.Th(tr("Nama", "Name")), html.Th(tr("Jenis", "Kind")),
                            html.Th(tr("Keyakinan lokasi", "Location confidence")), html.Th(tr("Lintang", "Lat")),
                            html.Th(tr("Bujur", "Lon")), html.Th(tr("Dikoreksi", "Corrected"))])),
        html.Tbody([html.Tr([
            html.Td(r["id"]), html.Td(r["name"]), html.Td(labels.facility_category_label(r["category"], lang)),
            html.Td(labels.confidence_label(r["location_confidence"], lang),
                    className="k112-approx" if r["location_confidence"] == "approximate" else ""),
            html.Td(f"{r['lat']:.6f}"), html.Td(f"{r['lon']:.6f}"),
            html.Td(f"{r['corrected_by']} {fmt_wita(r['corrected_at'])}" if r["corrected_by"] else "—"),
        ]) for r in rows]),
    ], className="k112-table", id="admin-facilities-table")


def _plans_table(rows: list[dict[str, Any]], unit_types: list[dict[str, Any]]) -> Any:
    lang = current_lang()
    names = _names(unit_types, lang)
    return html.Table([
        html.Thead(html.Tr([html.Th(tr("Jenis insiden", "Incident type")), html.Th(tr("Jenis unit", "Unit type")),
                            html.Th(tr("Jumlah", "Count")), html.Th(tr("Pengganti", "Substitutes"))])),
        html.Tbody([html.Tr([
            html.Td(r["name_en"] if lang == "en" else r["name_id"]),
            html.Td(_unit_type_name(r["unit_type"], names, lang) if r["unit_type"] else "—"),
            html.Td(r["unit_count"] or "—"),
            html.Td(", ".join(_unit_type_name(s, names, lang) for s in r["substitutes"] or []) or "—"),
        ]) for r in rows]),
    ], className="k112-table", id="admin-plans-table")


def _users_table(accounts: list[Any], units: list[dict[str, Any]]) -> Any:
    lang = current_lang()
    callsigns = {int(u["id"]): str(u["callsign"]) for u in units}
    return html.Table([
        html.Thead(html.Tr([html.Th(tr("Nama pengguna", "User name")), html.Th(tr("Peran", "Role")),
                            html.Th(tr("Unit", "Unit"))])),
        html.Tbody([html.Tr([html.Td(u.username), html.Td(labels.role_label(u.role, lang)),
                             html.Td(labels.unit_label(callsigns.get(int(u.unit_id)), int(u.unit_id), lang)
                                     if u.unit_id else "—")])
                    for u in accounts]),
    ], id="admin-users", className="k112-table")


def layout(**_: Any) -> Any:
    denied = page_guard("admin")
    if denied is not None:
        return denied
    view = admin_ops.overview(get_db())
    lang = current_lang()
    type_opts = [{"label": t["name_en"] if lang == "en" else t["name_id"], "value": t["code"]}
                 for t in view.incident_types]
    unit_type_opts = [{"label": u["name_en"] if lang == "en" else u["name_id"], "value": u["code"]}
                      for u in view.unit_types]
    return html.Div([
        html.H2(tr("Administrasi", "Administration")),
        html.P([
            tr("Impor data historis (CSV) dan target waktu respons: ",
               "Historical import (CSV) and response-time targets: "),
            dcc.Link(tr("Data & target analitik", "Analytics data & targets"), href="/analytics/data",
                     id="admin-analytics-data-link"),
        ]),
        html.P([tr("Jaringan jalan, jembatan, penutupan dan faktor kecepatan: ",
                   "Road network, bridges, closures and speed factors: "),
                dcc.Link(tr("Jaringan jalan", "Road network"), href="/admin/network", id="admin-network-link"),
                " · ", dcc.Link(tr("Akurasi ETA", "ETA accuracy"), href="/network/accuracy",
                                id="admin-accuracy-link")]),
        html.Section([
            html.H3(tr("Koreksi lokasi fasilitas", "Correct a facility location")),
            html.P(tr(f"Pos yang hanya diketahui kecamatannya ditandai "
                      f"'{labels.confidence_label('approximate', 'id')}'. Masukkan koordinat hasil survei.",
                      f"Stations known only by their kecamatan are marked "
                      f"'{labels.confidence_label('approximate', 'en')}'. Enter surveyed coordinates.")),
            html.Div([
                dcc.Dropdown(id="admin-fac-id",
                             options=[{"label": f"{f['name']} · "
                                                f"{labels.confidence_label(f['location_confidence'], lang)}",
                                       "value": f["id"]} for f in view.facilities],
                             placeholder=tr("Pilih fasilitas", "Choose a facility"), style={"minWidth": "22rem"}),
                dcc.Input(id="admin-fac-lat", type="number", step="any",
                          placeholder=tr("lintang, mis. -3.9700", "lat, e.g. -3.9700")),
                dcc.Input(id="admin-fac-lon", type="number", step="any",
                          placeholder=tr("bujur, mis. 122.5300", "lon, e.g. 122.5300")),
                html.Button(tr("Simpan lokasi", "Save location"), id="admin-fac-save"),
            ], className="k112-form-row"),
            html.Div(id="admin-fac-msg", role="status"),
            html.Div(_facility_table(view.facilities), id="admin-facilities"),
        ], className="k112-card"),
        html.Section([
            html.H3(tr("Rencana respons (run card)", "Response plans (run cards)")),
            html.Div([
                dcc.Dropdown(id="admin-plan-type", options=type_opts, placeholder=tr("Jenis insiden", "Incident type"),
                             style={"minWidth": "16rem"}),
                dcc.Dropdown(id="admin-plan-unit", options=unit_type_opts, placeholder=tr("Jenis unit", "Unit type"),
                             style={"minWidth": "12rem"}),
                dcc.Input(id="admin-plan-count", type="number", min=0, max=10, step=1,
                          placeholder=tr("Jumlah (0 = hapus)", "Count (0 = remove)")),
                dcc.Dropdown(id="admin-plan-subs", options=unit_type_opts, multi=True,
                             placeholder=tr("Pengganti", "Substitutes"), style={"minWidth": "14rem"}),
                html.Button(tr("Simpan", "Save"), id="admin-plan-save"),
            ], className="k112-form-row"),
            html.Div(id="admin-plan-msg", role="status"),
            html.Div(_plans_table(view.response_plans, view.unit_types), id="admin-plans"),
        ], className="k112-card"),
        html.Section([
            html.H3(tr("Penduduk per kecamatan (tabel BPS)", "Population per kecamatan (BPS table)")),
            html.P(tr("CSV dengan kolom kecamatan,population,year (nama, alias atau kode Kemendagri), mis. dari "
                      "\"Kota Kendari Dalam Angka\". Seluruh berkas disimpan atau tidak sama sekali.",
                      "CSV with columns kecamatan,population,year (name, alias or Kemendagri code), e.g. from "
                      "\"Kota Kendari Dalam Angka\". The whole file is stored or nothing.")),
            dcc.Upload(html.Button(tr("Unggah CSV penduduk", "Upload population CSV")), id="admin-pop-upload",
                       accept=".csv,text/csv", max_size=1_000_000),
            html.Div(id="admin-pop-msg", role="status"),
        ], className="k112-card"),
        html.Section([
            html.H3(tr("Akun pengguna", "User accounts")),
            html.Div([
                dcc.Input(id="admin-user-name", placeholder=tr("nama pengguna", "user name")),
                dcc.Input(id="admin-user-password", type="password",
                          placeholder=tr("kata sandi (≥ 8)", "password (≥ 8)")),
                dcc.Dropdown(id="admin-user-role",
                             options=[{"label": labels.role_label(r, lang), "value": r} for r in admin_ops.ROLES],
                             placeholder=tr("Peran", "Role"), style={"minWidth": "10rem"}),
                dcc.Dropdown(id="admin-user-unit", options=[{"label": u["callsign"], "value": u["id"]}
                                                            for u in view.units],
                             placeholder=tr("Unit (untuk kru)", "Unit (for crew)"), style={"minWidth": "10rem"}),
                html.Button(tr("Buat akun", "Create account"), id="admin-user-save"),
            ], className="k112-form-row"),
            html.Div(id="admin-user-msg", role="status"),
            html.Div(_users_table(view.accounts, view.units), id="admin-users-wrap"),
        ], className="k112-card"),
    ], className="k112-admin")


def _user() -> admin_ops.Account:
    user = current_user()
    assert user is not None  # guarded by callback_roles("admin")
    return user


def _fail(exc: BaseException) -> Any:
    return html.Span(user_message(exc, current_lang()), className="k112-error")


def _refused(message: str) -> Any:
    return html.Span(message, className="k112-error")


def _ok(message: str) -> Any:
    return html.Span(message, className="k112-ok")


@callback(Output("admin-fac-msg", "children"), Output("admin-facilities", "children"),
          Input("admin-fac-save", "n_clicks"),
          State("admin-fac-id", "value"), State("admin-fac-lat", "value"), State("admin-fac-lon", "value"),
          prevent_initial_call=True)
@callback_roles("admin")
def save_facility(_n: int, facility_id: int | None, lat: Any, lon: Any) -> tuple[Any, Any]:
    if facility_id is None:
        return _refused(tr("Pilih fasilitas dulu.", "Choose a facility first.")), dash.no_update
    user = _user()
    try:
        row = admin_ops.correct_facility(get_db(), facility_id=int(facility_id), lat=lat, lon=lon,
                                         actor=user.username, actor_user_id=user.id)
    except EXPECTED as exc:
        return _fail(exc), dash.no_update
    return (_ok(tr(f"Lokasi {row['name']} disimpan.", f"Location of {row['name']} saved.")),
            _facility_table(admin_ops.facilities(get_db())))


@callback(Output("admin-plan-msg", "children"), Output("admin-plans", "children"),
          Input("admin-plan-save", "n_clicks"),
          State("admin-plan-type", "value"), State("admin-plan-unit", "value"),
          State("admin-plan-count", "value"), State("admin-plan-subs", "value"),
          prevent_initial_call=True)
@callback_roles("admin")
def save_plan(_n: int, incident_type: str | None, unit_type: str | None, count: Any,
              subs: list[str] | None) -> tuple[Any, Any]:
    try:
        admin_ops.set_plan_item(get_db(), incident_type=incident_type or "", unit_type=unit_type or "",
                                unit_count=count, substitutes=subs or [], actor=_user().username)
    except EXPECTED as exc:
        return _fail(exc), dash.no_update
    view = admin_ops.overview(get_db())
    return (_ok(tr("Rencana respons disimpan.", "Response plan saved.")),
            _plans_table(view.response_plans, view.unit_types))


@callback(Output("admin-user-msg", "children"), Output("admin-users-wrap", "children"),
          Input("admin-user-save", "n_clicks"),
          State("admin-user-name", "value"), State("admin-user-password", "value"),
          State("admin-user-role", "value"), State("admin-user-unit", "value"),
          prevent_initial_call=True)
@callback_roles("admin")
def save_user(_n: int, username: str | None, password: str | None, role: str | None,
              unit_id: int | None) -> tuple[Any, Any]:
    try:
        user = admin_ops.create_account(get_db(), username=username or "", password=password or "",
                                        role=role or "", unit_id=unit_id)
    except EXPECTED as exc:
        return _fail(exc), dash.no_update
    view = admin_ops.overview(get_db())
    return _ok(tr(f"Akun {user.username} dibuat.", f"Account {user.username} created.")), \
        _users_table(view.accounts, view.units)


@callback(Output("admin-pop-msg", "children"), Input("admin-pop-upload", "contents"),
          State("admin-pop-upload", "filename"), prevent_initial_call=True)
@callback_roles("admin")
def upload_population(contents: str | None, filename: str | None) -> Any:
    if not contents:
        return dash.no_update
    user = _user()
    try:
        text = base64.b64decode(contents.split(",", 1)[1]).decode("utf-8")
    except (IndexError, ValueError, UnicodeDecodeError):
        return _refused(tr("Berkas bukan CSV UTF-8.", "The file is not UTF-8 CSV."))
    try:
        n = admin_ops.import_population(get_db(), text, actor=user.username, actor_user_id=user.id)
    except admin_ops.ValidationFailed as exc:
        return html.Ul([html.Li(line, className="k112-error") for line in field_messages(exc, current_lang())],
                       id="admin-pop-errors")
    except EXPECTED as exc:
        return _fail(exc)
    return _ok(tr(f"{filename}: penduduk {n} kecamatan disimpan.", f"{filename}: population of {n} kecamatan saved."))
