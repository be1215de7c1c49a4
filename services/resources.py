"""Shared read-only resources (catalog, facilities, boundaries, travel network) kept per worker process.

One :class:`Resources` object lives in the app's state. Every accessor compares the resource's
version in PostgreSQL (table ``resource_versions``, bumped by triggers on the underlying tables or
by :func:`store.resources.bump`) and reloads only what changed, so an administrator's correction
reaches every worker process within ``check_interval_s`` (default 1 s). Values handed out are
never mutated: callers treat them as read-only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from store import geo, resources as store_resources
from store import incidents as store_incidents
from store._errors import StoreError
from store.db import Database

log = logging.getLogger(__name__)

#: How often a worker compares the versions in the database (the upper bound on staleness).
DEFAULT_CHECK_INTERVAL_S = 1.0


@dataclass(frozen=True)
class Loaded:
    """One loaded resource: its value, the version it was loaded at and when."""

    value: Any
    version: int
    loaded_at: datetime
    load_s: float


def _load_network(_db: Database) -> Any:
    from routing.graph import load_graph

    return load_graph()


class Resources:
    """Per-process holder of the current read-only resources, reloaded on a version change.

    Parameters
    ----------
    db
        The app's database.
    network_loader
        Builds the travel network; receives ``db`` (corrections live there). Defaults to the
        imported road network when present, else the approximate land lattice.
    check_interval_s
        Minimum time between two version reads (the bound on how stale a worker can be).
    """

    def __init__(self, db: Database, *, network_loader: Callable[[Database], Any] | None = None,
                 check_interval_s: float = DEFAULT_CHECK_INTERVAL_S) -> None:
        self._db = db
        self._loaders: dict[str, Callable[[Database], Any]] = {
            "catalog": store_incidents.incident_types,
            "facilities": geo.facilities,
            "areas": geo.area_layers,
            "network": network_loader or _load_network,
        }
        self._check_interval_s = check_interval_s
        self._lock = threading.Lock()
        self._loaded: dict[str, Loaded] = {}
        self._versions: dict[str, int] = {}
        self._checked_at = float("-inf")

    # --- versions ---------------------------------------------------------------------------------
    def _current_versions(self) -> Mapping[str, int]:
        now = time.monotonic()
        if now - self._checked_at >= self._check_interval_s:
            try:
                self._versions = store_resources.versions(self._db)
            except StoreError as exc:
                # Keep serving what is loaded while the database is away; retry next time.
                log.warning("resource versions unavailable (%s); serving loaded resources", exc)
            self._checked_at = now
        return self._versions

    def _get(self, name: str) -> Any:
        version = self._current_versions().get(name, 0)
        hit = self._loaded.get(name)
        if hit is not None and hit.version == version:
            return hit.value
        with self._lock:
            hit = self._loaded.get(name)
            if hit is not None and hit.version == version:
                return hit.value
            if hit is not None and not self._versions:
                return hit.value  # database away: keep the loaded value
            t0 = time.perf_counter()
            value = self._loaders[name](self._db)
            load_s = time.perf_counter() - t0
            self._loaded[name] = Loaded(value=value, version=version,
                                        loaded_at=datetime.now(timezone.utc), load_s=load_s)
            log.info("resource %s loaded (version %s) in %.2f s", name, version, load_s)
            return value

    def refresh_now(self) -> None:
        """Read the versions at the next access (after a change made by this process)."""
        self._checked_at = float("-inf")

    # --- accessors ---------------------------------------------------------------------------------
    def incident_types(self) -> tuple[dict[str, Any], ...]:
        """Incident types (code, names, default priority, agency), emergencies first."""
        return tuple(self._get("catalog"))

    def known_types(self) -> dict[str, int]:
        """Incident type code → default priority."""
        return {str(r["code"]): int(r["default_priority"]) for r in self._get("catalog")}

    def facilities(self) -> tuple[dict[str, Any], ...]:
        """Stations and facilities with their location and confidence."""
        return tuple(self._get("facilities"))

    def area_layers(self) -> dict[str, Any]:
        """Kecamatan/kelurahan GeoJSON and label points for the maps."""
        value: dict[str, Any] = self._get("areas")
        return value

    def graph(self) -> Any:
        """The travel network in use (imported roads when present, else the approximate lattice)."""
        return self._get("network")

    def model_info(self) -> dict[str, Any]:
        """What travel network this process has loaded (without loading it): for ``/healthz``."""
        hit = self._loaded.get("network")
        if hit is None:
            return {"loaded": False}
        graph = hit.value
        info: dict[str, Any] = {"loaded": True, "model": getattr(graph, "model", None),
                                "version": hit.version, "loaded_at": hit.loaded_at.isoformat(),
                                "load_s": round(hit.load_s, 3)}
        n_nodes = getattr(graph, "n_nodes", None)
        if n_nodes is not None:
            info["nodes"] = int(n_nodes)
        for key in ("source", "licence"):
            value = getattr(graph, key, None)
            if value:
                info[key] = value
        return info
