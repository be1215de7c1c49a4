"""Login/logout routes, the session gate in front of every page and callback, role checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import flask
from dash import html
from dash.exceptions import PreventUpdate

from services import accounts
from i18n import LANG_COOKIE, LANGUAGES
from web.lang import current_lang, tr
from web.context import current_user, get_db, get_settings

SESSION_COOKIE = "k112_session"
F = TypeVar("F", bound=Callable[..., Any])

#: Paths served without a session (login page, static files, health and the token-protected API).
_PUBLIC_PREFIXES = ("/login", "/logout", "/lang/", "/assets/", "/_dash-component-suites/",
                    "/healthz", "/api/", "/_favicon", "/favicon")

ROLE_LABELS = {
    "dispatcher": ("Petugas pengarah", "Dispatcher"),
    "leadership": ("Pimpinan", "Leadership"),
    "planner": ("Perencana", "Planner"),
    "admin": ("Administrator", "Administrator"),
    "crew": ("Kru unit", "Unit crew"),
}


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def load_user() -> flask.Response | None:
    """before_request: attach the session's user; refuse anonymous access to the app."""
    cookie = flask.request.cookies.get(SESSION_COOKIE)
    flask.g.k112_user = accounts.session_user(get_db(), cookie) if cookie else None
    path = flask.request.path
    if flask.g.k112_user is not None or path.startswith(_PUBLIC_PREFIXES):
        return None
    if path.startswith("/_dash-") or path.startswith("/_reload-hash"):
        return flask.make_response(flask.jsonify({"error": "login required"}), 401)
    return flask.redirect("/login?next=" + flask.request.full_path.rstrip("?"))


def register(server: flask.Flask) -> None:
    """Add the auth gate and the login/logout/language routes to the Flask server."""
    server.before_request(load_user)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error = None
        nxt = _safe_next(flask.request.values.get("next"))
        if flask.request.method == "POST":
            username = (flask.request.form.get("username") or "")[:64]
            password = (flask.request.form.get("password") or "")[:256]
            user = accounts.authenticate(get_db(), username, password) if username and password else None
            if user is not None:
                token = accounts.start_session(get_db(), user, hours=get_settings().session_hours)
                target = "/crew" if user.role == "crew" and nxt == "/" else nxt
                resp = flask.redirect(target)
                resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                                max_age=get_settings().session_hours * 3600)
                return resp
            error = tr("Nama pengguna atau kata sandi salah.", "Wrong user name or password.")
        status = 401 if error else 200
        return flask.render_template("login.html", error=error, next=nxt, lang=current_lang(),
                                     tr=tr, username=flask.request.form.get("username", "")), status

    @server.route("/logout")
    def logout() -> Any:
        cookie = flask.request.cookies.get(SESSION_COOKIE)
        if cookie:
            accounts.end_session(get_db(), cookie, current_user())
        resp = flask.redirect("/login")
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @server.route("/lang/<code>")
    def set_language(code: str) -> Any:
        target = flask.request.args.get("next")
        if not target and flask.request.referrer:
            ref = urlparse(flask.request.referrer)
            if ref.netloc == flask.request.host:
                target = ref.path + (f"?{ref.query}" if ref.query else "")
        resp = flask.redirect(_safe_next(target))
        if code in LANGUAGES:
            resp.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
        return resp


def has_role(*roles: str) -> bool:
    user = current_user()
    return user is not None and (user.role in roles or user.role == "admin")


def page_guard(*roles: str) -> Any | None:
    """For a page layout: None when the user may see it, else a 'not allowed' component."""
    if has_role(*roles):
        return None
    user = current_user()
    role = tr(*ROLE_LABELS[user.role]) if user else "—"
    return html.Div(
        [
            html.H2(tr("Akses ditolak", "Access denied")),
            html.P(tr(f"Halaman ini tidak tersedia untuk peran Anda ({role}).",
                      f"This page is not available to your role ({role}).")),
            html.A(tr("Kembali ke peta", "Back to the map"), href="/"),
        ],
        className="k112-denied",
        id="access-denied",
    )


def callback_roles(*roles: str) -> Callable[[F], F]:
    """Decorate a Dash callback: refuse (no update) unless the user has one of ``roles``."""

    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_role(*roles):
                raise PreventUpdate
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco
