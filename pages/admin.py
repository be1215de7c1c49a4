"""Administration (admin only): accounts overview; later response plans, facilities, imports."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from i18n import tr
from store import users
from web.auth import page_guard
from web.context import get_db

dash.register_page(__name__, path="/admin", name="Admin", title="Kendari 112 — Admin")


def layout(**_: Any) -> Any:
    denied = page_guard("admin")
    if denied is not None:
        return denied
    rows = users.list_users(get_db())
    return html.Div([
        html.H2(tr("Administrasi", "Administration")),
        html.H3(tr("Akun pengguna", "User accounts")),
        html.Table([
            html.Thead(html.Tr([html.Th(tr("Nama pengguna", "User name")), html.Th(tr("Peran", "Role"))])),
            html.Tbody([html.Tr([html.Td(u.username), html.Td(u.role)]) for u in rows]),
        ], id="admin-users", className="k112-table"),
    ], className="k112-card")
