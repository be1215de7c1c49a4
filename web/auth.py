"""Login/logout routes, the session gate in front of every page and callback, role checks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

import flask
from dash import html
from dash.exceptions import PreventUpdate
from flask.typing import ResponseReturnValue

from i18n import LANG_COOKIE, LANGUAGES
from services import accounts
from store._errors import DatabaseUnavailableError
from web.context import current_user, get_db, get_settings
from web.lang import current_lang, tr
from web.security import cookies_secure

log = logging.getLogger(__name__)
SESSION_COOKIE = "k112_session"
F = TypeVar("F", bound=Callable[..., Any])

#: Paths served without a session (login page, static files, health and the token-protected API).
_PUBLIC_PREFIXES = ("/login", "/logout", "/lang/", "/assets/", "/_dash-component-suites/",
                    "/healthz", "/readyz", "/api/", "/_favicon", "/favicon")

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


def load_user() -> ResponseReturnValue | None:
    """before_request: attach the session's user; refuse anonymous access to the app."""
    cookie = flask.request.cookies.get(SESSION_COOKIE)
    path = flask.request.path
    try:
        flask.g.k112_user = accounts.session_user(get_db(), cookie) if cookie else None
    except DatabaseUnavailableError:
        if not path.startswith(_PUBLIC_PREFIXES):
            raise  # answered 503 by web.outage
        flask.g.k112_user = None
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
            result = (accounts.login(get_db(), username, password, address=flask.request.remote_addr)
                      if username and password else accounts.LoginResult(None))
            if result.user is not None:
                user = result.user
                token = accounts.start_session(get_db(), user, hours=get_settings().session_hours)
                target = "/crew" if user.role == "crew" and nxt == "/" else nxt
                resp = flask.redirect(target)
                resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                                secure=cookies_secure(flask.request),
                                max_age=get_settings().session_hours * 3600)
                return resp
            if result.throttled:
                wait_s = int(result.retry_after_s + 0.999)
                error = tr(f"Terlalu banyak percobaan gagal. Coba lagi dalam {wait_s} detik.",
                           f"Too many failed attempts. Try again in {wait_s} seconds.")
                page = flask.render_template("login.html", error=error, next=nxt, lang=current_lang(), tr=tr,
                                             username=username)
                return page, 429, {"Retry-After": str(wait_s)}
            error = tr("Nama pengguna atau kata sandi salah.", "Wrong user name or password.")
        status = 401 if error else 200
        return flask.render_template("login.html", error=error, next=nxt, lang=current_lang(),
                                     tr=tr, username=flask.request.form.get("username", "")), status

    @server.route("/logout", methods=["GET", "POST"])
    def logout() -> Any:
        if flask.request.method == "GET":  # a link or a prefetch must not end a session
            return flask.render_template("logout.html", lang=current_lang(), tr=tr)
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


#: Attribute that :func:`callback_roles` sets on the function it guards (the roles allowed).
ROLES_ATTR = "k112_roles"


def callback_roles(*roles: str) -> Callable[[F], F]:
    """Decorate a Dash callback: refuse (no update) unless the user has one of ``roles``.

    Place it below ``@callback``; an empty ``roles`` means administrators only. Every server-side
    callback needs it: :func:`check_callback_roles` refuses an app with a callback that has none.
    """
    unknown = [r for r in roles if r not in ROLE_LABELS]
    if unknown:
        raise ValueError(f"unknown role(s) in callback_roles: {unknown}")

    def deco(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_role(*roles):
                raise PreventUpdate
            try:
                return func(*args, **kwargs)
            except (ValueError, TypeError, KeyError, OverflowError) as exc:
                # Callback inputs come from the browser and can be forged (an id that is not a
                # number, a missing key): refuse the update instead of answering 500.
                log.warning("callback %s refused malformed input: %s: %s", func.__name__,
                            type(exc).__name__, str(exc)[:200])
                raise PreventUpdate from exc

        setattr(wrapper, ROLES_ATTR, tuple(roles))
        return wrapper  # type: ignore[return-value]

    return deco


class UnguardedCallbackError(RuntimeError):
    """A server-side Dash callback has no role rule (:func:`callback_roles`)."""


def callback_role_rule(func: Callable[..., Any]) -> tuple[str, ...] | None:
    """The roles a registered callback function allows, or None when it has no rule.

    Follows the ``__wrapped__`` chain that ``functools.wraps`` leaves (Dash wraps the function too).
    """
    seen: set[int] = set()
    current: Any = func
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        roles = getattr(current, ROLES_ATTR, None)
        if roles is not None:
            return tuple(roles)
        current = getattr(current, "__wrapped__", None)
    return None


def unguarded_callbacks(callback_map: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Ids of the server-side callbacks in ``callback_map`` without a role rule.

    Clientside callbacks (no Python function) and Dash's own page router are not counted.
    """
    bad = []
    for callback_id, spec in callback_map.items():
        func = spec.get("callback")
        if func is None:
            continue  # clientside: runs in the browser, reaches no data
        if getattr(func, "__module__", "").partition(".")[0] == "dash":
            continue  # Dash's page router: renders the page layouts, each of which calls page_guard
        if callback_role_rule(func) is None:
            bad.append(f"{callback_id} ({getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')})")
    return sorted(bad)


def check_callback_roles(app: Any) -> None:
    """Refuse an app with a server-side callback that has no role rule (deny by default).

    Looks at the app's callback map and at the callbacks registered with ``dash.callback`` that
    the app takes over on its first request.

    Raises
    ------
    UnguardedCallbackError
        Naming each callback without a rule.
    """
    from dash import _callback

    bad = unguarded_callbacks({**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map})
    if bad:
        raise UnguardedCallbackError("Dash callbacks without a role rule (add @callback_roles below @callback): "
                                     + "; ".join(bad))
