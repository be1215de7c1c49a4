"""HTTP API v1 under /api/v1: each module in this package that defines ``bp`` is registered."""

from __future__ import annotations

import importlib
import pkgutil

import flask

from api._common import install_error_handlers


def register(server: flask.Flask) -> list[str]:
    """Register every ``api.<module>.bp`` blueprint and the JSON error handlers."""
    names: list[str] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        bp = getattr(module, "bp", None)
        if isinstance(bp, flask.Blueprint):
            server.register_blueprint(bp)
            names.append(bp.name)
    install_error_handlers(server)
    return names
