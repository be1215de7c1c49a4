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
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from routing.graph import TravelGraph
from routing.network import ROADS_DIR, NetworkCache, installed_roads, network_summary
from settings import GEO_DATA_DIR
from store import geo, incidents as store_incidents, resources as store_resources
from store._errors import StoreError
from store.db import Database

log = logging.getLogger(__name__)

#: Resources whose version row has another name (stored corrections change the network).
_VERSION_OF = {"corrections": "network"}
#: How often a worker compares the versions in the database (the upper bound on staleness).
DEFAULT_CHECK_INTERVAL_S = 1.0


@dataclass(frozen=True)
class Loaded:
    """One loaded resource: its value, the version it was loaded at and when."""

    value: Any
    version: int
    loaded_at: datetime
    load_s: float


def _load_corrections(db: Database) -> Any:
    from services.corrections import active_corrections

    return tuple(active_corrections(db))


class Resources:
    """Per-process holder of the current read-only resources, reloaded on a version change.

    Parameters
    ----------
    db
        The app's database.
    network_loader
        Builds the travel network from ``db``; by default the imported road network when one is
        installed (``var/roads/``), else the approximate land lattice, with the shipped connectors
        and the stored corrections in force now (a closure that ends drops out by itself).
    check_interval_s
        Minimum time between two version reads (the bound on how stale a worker can be).
    """

    def __init__(self, db: Database, *, network_loader: Callable[[Database], Any] | None = None,
                 check_interval_s: float = DEFAULT_CHECK_INTERVAL_S, geo_dir: Path = GEO_DATA_DIR,
                 roads_dir: Path = ROADS_DIR) -> None:
        self._db = db
        self._loaders: dict[str, Callable[[Database], Any]] = {
            "catalog": store_incidents.incident_types,
            "facilities": geo.facilities,
            "areas": geo.area_layers,
            "corrections": _load_corrections,
        }
        self._network_loader = network_loader
        self._network = NetworkCache(directory=geo_dir) if network_loader is None else None
        self._check_interval_s = check_interval_s
        self._lock = threading.Lock()
        self._loaded: dict[str, Loaded] = {}
        self._versions: dict[str, int] = {}
        self._checked_at = float("-inf")
        self._roads_dir = roads_dir
        self._derived: dict[Hashable, tuple[Any, Hashable, Any]] = {}
        self._derived_lock = threading.RLock()

    # --- versions ---------------------------------------------------------------------------------
    def _current_versions(self) -> Mapping[str, int]:
        now = time.monotonic()
        if getattr(self._db, "unavailable_since", None) is not None and self._loaded:
            return self._versions  # the database is known to be away: serve what is loaded, no extra wait
        if now - self._checked_at >= self._check_interval_s:
            try:
                self._versions = store_resources.versions(self._db)
            except StoreError as exc:
                # Keep serving what is loaded while the database is away; retry next time.
                log.warning("resource versions unavailable (%s); serving loaded resources", exc)
            self._checked_at = now
        return self._versions

    def _get(self, name: str) -> Any:
        version = self._current_versions().get(_VERSION_OF.get(name, name), 0)
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
                                        loaded_at=datetime.now(UTC), load_s=load_s)
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
        """The travel network in use (imported roads when present, else the approximate lattice), corrected."""
        if self._network_loader is not None:
            return self._get_custom_network()
        corrections = self._get("corrections")
        roads = installed_roads(self._roads_dir)
        t0 = time.perf_counter()
        with self._lock:
            assert self._network is not None
            graph = self._network.get(roads_path=roads, corrections=corrections)
            hit = self._loaded.get("network")
            if hit is None or hit.value is not graph:
                version = self._versions.get("network", 0)
                self._loaded["network"] = Loaded(value=graph, version=version, loaded_at=datetime.now(UTC),
                                                  load_s=time.perf_counter() - t0)
        return graph

    def _get_custom_network(self) -> Any:
        version = self._current_versions().get("network", 0)
        hit = self._loaded.get("network")
        if hit is not None and hit.version == version:
            return hit.value
        with self._lock:
            t0 = time.perf_counter()
            assert self._network_loader is not None
            value = self._network_loader(self._db)
            self._loaded["network"] = Loaded(value=value, version=version, loaded_at=datetime.now(UTC),
                                              load_s=time.perf_counter() - t0)
            return value

    def derived(self, key: Hashable, builder: Callable[[Any], Any], *, stamp: Hashable = None,
                depends: tuple[str, ...] = ()) -> Any:
        """A value computed from the travel network (``builder(graph)``), kept per network version.

        One value per ``key``: it is rebuilt when the network in use changes (a correction, a new
        road import), when a resource version named in ``depends`` changes, or when ``stamp``
        differs from the one it was built with. The value is shared read-only.
        """
        graph = self.graph()
        versions = self._current_versions()
        tag = (tuple(versions.get(_VERSION_OF.get(n, n), 0) for n in depends), stamp)
        hit = self._derived.get(key)
        if hit is not None and hit[0] is graph and hit[1] == tag:
            return hit[2]
        with self._derived_lock:
            hit = self._derived.get(key)
            if hit is not None and hit[0] is graph and hit[1] == tag:
                return hit[2]
            t0 = time.perf_counter()
            value = builder(graph)
            self._derived[key] = (graph, tag, value)
            log.info("derived %s built in %.2f s", key, time.perf_counter() - t0)
            return value

    def model_info(self) -> dict[str, Any]:
        """What travel network this process has loaded (without loading it): for ``/healthz``."""
        hit = self._loaded.get("network")
        if hit is None:
            return {"loaded": False}
        graph = hit.value
        info: dict[str, Any] = {"loaded": True, "version": hit.version, "loaded_at": hit.loaded_at.isoformat(),
                                "load_s": round(hit.load_s, 3)}
        if isinstance(graph, TravelGraph):
            info.update(network_summary(graph))
        else:
            info["model"] = getattr(graph, "model", None)
        return info
