"""Analytics data (admin): import historical incidents from CSV, and edit the response-time targets."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from analytics._errors import TargetsError
from analytics.csv_import import COLUMNS
from analytics.intervals import INTERVAL_KEYS
from i18n import fmt_wita
from services import analytics as analytics_service, imports as import_service
from web.auth import callback_roles, page_guard
from web.context import current_user, get_db
from web.lang import current_lang, tr

dash.register_page(__name__, path="/analytics/data", name="Data kinerja", title="Kendari 112 — Data kinerja")

ROLES = ("admin",)
MAX_SHOWN_ERRORS = 2000
TEMPLATE = ",".join(COLUMNS) + "\n" + \
    "incident,KDI-2025-000123,medical,1,122.5151,-3.9716,Jl. Contoh 1,,2025-06-12T08:01:05+08:00," \
    "2025-06-12T08:01:12+08:00,2025-06-12T08:02:30+08:00,2025-06-12T09:10:00+08:00,resolved,,,,,,,\n" + \
    "unit,KDI-2025-000123,,,,,,,,,,,,AMB-01,2025-06-12T08:03:10+08:00,2025-06-12T08:04:00+08:00," \
    "2025-06-12T08:11:45+08:00,2025-06-12T08:25:00+08:00,2025-06-12T08:41:00+08:00,2025-06-12T09:05:00+08:00\n"

def _target_columns() -> list[dict[str, Any]]:
    """Editable columns of the targets grid (headers in the user's language; values are codes)."""
    return [
        {"field": "interval", "headerName": tr("Interval", "Interval"), "editable": True,
         "cellEditor": "agSelectCellEditor", "cellEditorParams": {"values": list(INTERVAL_KEYS)},
         "checkboxSelection": True},
        {"field": "agency", "headerName": tr("Instansi (kosong = semua)", "Agency (empty = all)"),
         "editable": True, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": ["", *sorted(_labels()[0].values())]}},
        {"field": "incident_type", "headerName": tr("Jenis insiden (kosong = semua)", "Incident type (empty = all)"),
         "editable": True, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": ["", *sorted(_labels()[1].values())]}},
        {"field": "target_s", "headerName": tr("Target (detik)", "Target (seconds)"), "editable": True,
         "cellDataType": "number"},
        {"field": "goal_share", "headerName": tr("Porsi sasaran (0–1)", "Goal share (0–1)"), "editable": True,
         "cellDataType": "number"},
        {"field": "source", "headerName": tr("Sumber", "Source"), "editable": True, "flex": 1},
    ]


def _imports_table() -> Any:
    rows = import_service.recent_imports(get_db())
    if not rows:
        return html.P(tr("Belum ada impor.", "No imports yet."))
    return html.Table([
        html.Thead(html.Tr([html.Th("#"), html.Th(tr("Berkas", "File")), html.Th(tr("Insiden", "Incidents")),
                            html.Th(tr("Respons unit", "Unit responses")), html.Th(tr("Oleh", "By")),
                            html.Th(tr("Waktu", "When"))])),
        html.Tbody([html.Tr([html.Td(r["id"]), html.Td(r["filename"] or "—"), html.Td(r["incidents_n"]),
                             html.Td(r["units_n"]), html.Td(r["actor"]), html.Td(fmt_wita(r["imported_at"]))])
                    for r in rows]),
    ], className="k112-table", id="imports-history")


def layout(**_: Any) -> Any:
    denied = page_guard(*ROLES)
    if denied is not None:
        return denied
    targets = analytics_service.load_targets(get_db())
    return html.Div([
        html.H2(tr("Data kinerja: impor riwayat dan target", "Performance data: history import and targets")),
        html.Section([
            html.H3(tr("Impor insiden historis (CSV)", "Import historical incidents (CSV)")),
            html.P([tr("Satu berkas UTF-8 dengan baris judul. Kolom ", "One UTF-8 file with a header row. Column "),
                    html.Code("record"), ": ", html.Code("incident"),
                    tr(" (satu baris per insiden) atau ", " (one row per incident) or "), html.Code("unit"),
                    tr(" (satu baris per respons unit, dihubungkan lewat ", " (one row per unit response, joined by "),
                    html.Code("ref"),
                    tr("). Cap waktu ISO 8601 dengan zona (mis. 2026-01-31T21:05:09+08:00). Berkas diimpor utuh "
                       "atau tidak sama sekali.", "). Time stamps in ISO 8601 with offset "
                       "(e.g. 2026-01-31T21:05:09+08:00). A file is imported whole or not at all.")]),
            html.Code(",".join(COLUMNS), className="k112-an-code"),
            html.Div([html.Button(tr("Unduh contoh", "Download a sample"), id="imports-template-button"),
                      dcc.Download(id="imports-template")]),
            dcc.Checklist(id="imports-dry-run", options=[{"label": tr(" Hanya periksa (tidak disimpan)",
                                                                       " Check only (store nothing)"),
                                                          "value": "dry"}], value=[]),
            dcc.Upload(id="imports-upload", children=html.Div(tr("Tarik berkas CSV ke sini atau klik untuk memilih",
                                                                 "Drop a CSV file here or click to choose")),
                       className="k112-upload", accept=".csv,text/csv", max_size=20 * 1024 * 1024),
            dcc.Loading(html.Div(id="imports-result")),
            html.H4(tr("Impor terakhir", "Recent imports")),
            html.Div(_imports_table(), id="imports-history-box"),
        ], className="k112-card k112-an-section"),
        html.Section([
            html.H3(tr("Target per interval, instansi dan jenis", "Targets per interval, agency and type")),
            html.P(tr("Aturan paling spesifik berlaku (jenis > instansi > bawaan). Setiap interval perlu satu aturan "
                      "bawaan tanpa instansi dan jenis. Porsi sasaran: porsi insiden yang harus dalam target "
                      "(0,9 = persentil ke-90).",
                      "The most specific rule applies (type > agency > default). Every interval needs one default "
                      "rule without agency and type. Goal share: share of incidents that must be within the target "
                      "(0.9 = 90th percentile).")),
            dag.AgGrid(
                id="imports-targets", columnDefs=_target_columns(), rowData=[_rule_row(r) for r in targets.rules],
                dashGridOptions={"rowSelection": "multiple", "suppressRowClickSelection": True,
                                 "singleClickEdit": True, "stopEditingWhenCellsLoseFocus": True,
                                 "domLayout": "autoHeight"},
                defaultColDef={"resizable": True}, style={"width": "100%"},
            ),
            html.Div([
                html.Button(tr("Tambah aturan", "Add a rule"), id="imports-targets-add"),
                html.Button(tr("Hapus baris terpilih", "Delete selected rows"), id="imports-targets-delete"),
                html.Button(tr("Simpan target", "Save targets"), id="imports-targets-save"),
                html.Button(tr("Kembalikan bawaan", "Restore defaults"), id="imports-targets-reset"),
            ], className="k112-quick-row"),
            html.Div(id="imports-targets-result"),
        ], className="k112-card k112-an-section"),
    ], className="k112-analytics")


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Agency and incident-type code → name in the user's language."""
    names = analytics_service.names(get_db())
    pick = 1 if current_lang() == "en" else 0
    return ({c: n[pick] for c, n in names.agencies.items()}, {c: n[pick] for c, n in names.types.items()})


def _rule_row(rule: Any) -> dict[str, Any]:
    """A target rule as a grid row: agency and type shown by name, not by code."""
    agencies, types = _labels()
    return {"interval": rule.interval, "agency": agencies.get(rule.agency or "", rule.agency or ""),
            "incident_type": types.get(rule.incident_type or "", rule.incident_type or ""),
            "target_s": rule.target_s, "goal_share": rule.goal_share, "source": rule.source}


def _code_of(value: Any, labels: dict[str, str]) -> str | None:
    """The code for a name (or a code typed as such); None for empty."""
    text = str(value or "").strip()
    if not text:
        return None
    by_name = {name: code for code, name in labels.items()}
    return by_name.get(text, text)


def _decode(contents: str) -> str:
    try:
        _, b64 = contents.split(",", 1)
        return base64.b64decode(b64).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(tr("Berkas bukan teks UTF-8.", "The file is not UTF-8 text.")) from exc


def _errors_table(errors: list[Any]) -> html.Table:
    shown = errors[:MAX_SHOWN_ERRORS]
    return html.Table([
        html.Thead(html.Tr([html.Th(tr("Baris", "Line")), html.Th(tr("Kolom", "Field")),
                            html.Th(tr("Alasan", "Reason"))])),
        html.Tbody([html.Tr([html.Td(e.line), html.Td(e.field), html.Td(e.message)]) for e in shown]),
    ], className="k112-table", id="imports-errors")


@callback(
    Output("imports-result", "children"), Output("imports-history-box", "children"),
    Input("imports-upload", "contents"), State("imports-upload", "filename"), State("imports-dry-run", "value"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def upload(contents: str | None, filename: str | None, dry: list[str] | None) -> tuple[Any, Any]:
    if not contents:
        raise PreventUpdate
    try:
        text = _decode(contents)
    except ValueError as exc:
        return html.P(str(exc), className="k112-error", id="imports-failed"), dash.no_update
    if dry:
        return _check(text, filename), dash.no_update
    user = current_user()
    result = import_service.import_incidents(get_db(), text, actor=user.username if user else "admin",
                                             actor_user_id=user.id if user else None, filename=filename)
    if not result.ok:
        return _failure(result.errors, filename), dash.no_update
    return html.P(tr(f"Diimpor: {result.incidents} insiden, {result.units} respons unit dari {filename} "
                     f"({result.seconds:.1f} d).", f"Imported {result.incidents} incidents and {result.units} unit "
                     f"responses from {filename} ({result.seconds:.1f} s)."), className="k112-ok",
                  id="imports-ok"), _imports_table()


def _check(text: str, filename: str | None) -> Any:
    """The answer to a dry run: every problem, or the counts of a valid file."""
    parsed = import_service.validate(get_db(), text)
    if parsed.errors:
        return _failure(parsed.errors, filename)
    return html.P(tr(f"Berkas sah: {len(parsed.incidents)} insiden, {len(parsed.units)} respons unit "
                     "(belum disimpan).", f"The file is valid: {len(parsed.incidents)} incidents, "
                     f"{len(parsed.units)} unit responses (not stored)."), className="k112-ok", id="imports-ok")


def _failure(errors: list[Any], filename: str | None) -> Any:
    more = len(errors) - MAX_SHOWN_ERRORS
    return html.Div([
        html.P(tr(f"{filename}: {len(errors)} masalah; tidak ada yang disimpan.",
                  f"{filename}: {len(errors)} problems; nothing was stored."), className="k112-error",
               id="imports-failed"),
        _errors_table(errors),
        html.P(tr(f"… dan {more} lagi", f"… and {more} more")) if more > 0 else None,
    ])


@callback(Output("imports-template", "data"), Input("imports-template-button", "n_clicks"),
          prevent_initial_call=True)
@callback_roles(*ROLES)
def template(_: int | None) -> Any:
    return dcc.send_string(TEMPLATE, "kendari112-import-sample.csv", type="text/csv")


@callback(
    Output("imports-targets", "rowData"), Output("imports-targets-result", "children"),
    Input("imports-targets-add", "n_clicks"), Input("imports-targets-save", "n_clicks"),
    Input("imports-targets-reset", "n_clicks"), Input("imports-targets-delete", "n_clicks"),
    State("imports-targets", "rowData"), State("imports-targets", "selectedRows"),
    prevent_initial_call=True,
)
@callback_roles(*ROLES)
def edit_targets(_add: int | None, _save: int | None, _reset: int | None, _delete: int | None,
                 rows: list[dict[str, Any]] | None, selected: list[dict[str, Any]] | None) -> tuple[Any, Any]:
    trigger = dash.ctx.triggered_id
    rows = list(rows or [])
    if trigger == "imports-targets-delete":
        return [r for r in rows if r not in (selected or [])], dash.no_update
    if trigger == "imports-targets-add":
        return [*rows, {"interval": "total", "agency": "", "incident_type": "", "target_s": 900,
                        "goal_share": 0.9, "source": ""}], dash.no_update
    if trigger == "imports-targets-reset":
        saved = analytics_service.reset_targets(get_db())
        return [_rule_row(r) for r in saved.rules], html.P(tr("Target bawaan dipulihkan.", "Defaults restored."),
                                                           className="k112-ok")
    return _save_targets(rows)


def _save_targets(rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    agencies, types = _labels()
    doc = {"rules": [{**r, "agency": _code_of(r.get("agency"), agencies),
                      "incident_type": _code_of(r.get("incident_type"), types)} for r in rows]}
    try:
        saved = analytics_service.save_targets(get_db(), doc)
    except TargetsError as exc:
        return dash.no_update, html.P([tr("Target tidak disimpan: ", "Targets not saved: "), html.Code(str(exc))],
                                      className="k112-error", id="imports-targets-error")
    return [_rule_row(r) for r in saved.rules], html.P(tr("Target disimpan.", "Targets saved."), className="k112-ok",
                                                       id="imports-targets-saved")
