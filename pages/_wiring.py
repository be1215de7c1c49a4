"""Callbacks of private page modules, wired into the Dash app that is being built.

Dash Pages executes every page module (``pages/x.py``) once per app, so a ``@callback`` there is
registered with each app. A private module (``pages/_x.py``) is imported once per process: its
callbacks are marked with :func:`wire` and registered by :func:`register`, which the page module
calls. Each callback names the roles that may run it (``web.auth.callback_roles``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

import dash

from web.auth import callback_roles

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "_k112_wiring"


@dataclass(frozen=True)
class Wiring:
    """A callback's Dash dependencies (Output/Input/State), options and allowed roles."""

    dependencies: tuple[Any, ...]
    options: Mapping[str, Any]
    roles: tuple[str, ...]


def wire(*dependencies: Any, roles: tuple[str, ...], **options: Any) -> Callable[[F], F]:
    """Mark ``func`` as a Dash callback that only ``roles`` may run (registered by :func:`register`)."""
    if not roles:
        raise ValueError("a callback needs the roles that may run it")

    def deco(func: F) -> F:
        setattr(func, _ATTR, Wiring(tuple(dependencies), dict(options), tuple(roles)))
        return func

    return deco


def register(module: ModuleType) -> int:
    """Register every callback of ``module`` marked with :func:`wire`; return how many."""
    count = 0
    for value in list(vars(module).values()):
        wiring = getattr(value, _ATTR, None)
        if not isinstance(wiring, Wiring) or getattr(value, "__module__", None) != module.__name__:
            continue
        dash.callback(*wiring.dependencies, **wiring.options)(callback_roles(*wiring.roles)(value))
        count += 1
    return count
