"""Routing configuration read from ``geo_data/routing.json`` (every value carries its reason)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from routing._errors import RoutingConfigError
from settings import GEO_DATA_DIR

CONFIG_FILE = "routing.json"


@dataclass(frozen=True)
class ConnectorSide:
    """One end of a connector: the union of these kelurahan of one kecamatan."""

    kecamatan: str
    kelurahan: tuple[str, ...]


@dataclass(frozen=True)
class Connector:
    """A configured bridge (or causeway, ferry) joining two shores, defined by kelurahan.

    Its ends are not coordinates: they are the nearest points across the water between the two
    sides' kelurahan polygons, computed when the network is loaded (see
    :func:`routing.corrections.shipped_connectors`, which turns it into a
    :class:`routing.corrections.ConnectorCorrection` applied to every network).
    """

    name: str
    side_a: ConnectorSide
    side_b: ConnectorSide
    length_m: float
    speed_kmh: float
    max_gap_m: float
    enabled: bool = True
    source: str = ""
    kind: str = "bridge"

    @property
    def time_s(self) -> float:
        """Time to cross, in seconds."""
        return self.length_m / (self.speed_kmh / 3.6)


@dataclass(frozen=True)
class RoutingConfig:
    """Typed view of ``routing.json``; see that file for the reason behind each value."""

    road_speeds_kmh: Mapping[str, float]
    clip_buffer_m: float
    max_edge_m: float
    maxspeed_factor: float
    max_speed_kmh: float
    min_speed_kmh: float
    component: Literal["strong", "weak"]
    exclude_service: tuple[str, ...]
    lattice_spacing_m: float
    approx_speed_kmh: float
    circuity_factor: float
    min_component_nodes: int
    attach_radius_m: float
    attach_tolerance_m: float
    connectors: tuple[Connector, ...]
    max_snap_m: float
    off_network_speed_kmh: float
    service_area_buffer_m: float
    water_tolerance_m: float
    snap_candidates: int
    route_top_n: int
    substitutes_top_n: int
    max_eta_s: float
    isochrone_buffer_m: float
    node_snap_m: float = 15.0
    shore_band_m: float = 300.0
    off_road_speed_kmh: float = 10.0
    join_tolerance_m: float = 3.0
    max_node_gap_m: float = 50.0
    connector_skip_path_m: float = 2000.0
    connector_link_speed_kmh: float = 20.0
    closure_line_buffer_m: float = 15.0
    reasons: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def without_connectors(self) -> RoutingConfig:
        """A copy with every connector disabled (e.g. to measure what a bridge is worth)."""
        return replace(self, connectors=tuple(replace(c, enabled=False) for c in self.connectors))

    def with_overrides(self, **kwargs: Any) -> RoutingConfig:
        """A copy with the given fields replaced."""
        return replace(self, **kwargs)

    @property
    def off_network_speed_ms(self) -> float:
        """Off-network speed in metres per second."""
        return self.off_network_speed_kmh / 3.6

    @property
    def off_road_speed_ms(self) -> float:
        """Speed of an off-road leg beyond the snapping limit, metres per second."""
        return self.off_road_speed_kmh / 3.6


def _value(section: Mapping[str, Any], key: str, where: str, reasons: dict[str, str]) -> Any:
    try:
        entry = section[key]
    except KeyError as exc:
        raise RoutingConfigError(f"{CONFIG_FILE}: {where}.{key} is missing") from exc
    if not isinstance(entry, Mapping) or "value" not in entry:
        raise RoutingConfigError(f"{CONFIG_FILE}: {where}.{key} must be {{\"value\": ..., \"reason\": ...}}")
    reason = str(entry.get("reason", "")).strip()
    if not reason:
        raise RoutingConfigError(f"{CONFIG_FILE}: {where}.{key} has no documented reason")
    reasons[f"{where}.{key}"] = reason
    return entry["value"]


def _positive(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RoutingConfigError(f"{CONFIG_FILE}: {name} must be a number, got {value!r}") from exc
    if not number > 0:
        raise RoutingConfigError(f"{CONFIG_FILE}: {name} must be positive, got {value!r}")
    return number


def _side(raw: Any, where: str) -> ConnectorSide:
    if not isinstance(raw, Mapping) or not raw.get("kecamatan") or not raw.get("kelurahan"):
        raise RoutingConfigError(f"{CONFIG_FILE}: {where} needs 'kecamatan' and a 'kelurahan' list")
    return ConnectorSide(kecamatan=str(raw["kecamatan"]), kelurahan=tuple(str(k) for k in raw["kelurahan"]))


def parse_config(raw: Mapping[str, Any]) -> RoutingConfig:
    """Validate the parsed JSON document and build a :class:`RoutingConfig`.

    Raises
    ------
    RoutingConfigError
        A value is missing, not a positive number, or has no reason.
    """
    reasons: dict[str, str] = {}
    try:
        speeds_raw = raw["road_speeds_kmh"]
        osm = raw["osm"]
        approx = raw["approximate"]
        snapping = raw["snapping"]
        rec = raw["recommend"]
        iso = raw["isochrones"]
        repair = raw["repair"]
        corrections = raw["corrections"]
    except KeyError as exc:
        raise RoutingConfigError(f"{CONFIG_FILE}: section {exc.args[0]!r} is missing") from exc
    speeds = {
        key: _positive(_value(speeds_raw, key, "road_speeds_kmh", reasons), f"road_speeds_kmh.{key}")
        for key in speeds_raw
        if not key.startswith("_")
    }
    if not speeds:
        raise RoutingConfigError(f"{CONFIG_FILE}: road_speeds_kmh lists no road class")
    component = _value(osm, "component", "osm", reasons)
    if component not in ("strong", "weak"):
        raise RoutingConfigError(f"{CONFIG_FILE}: osm.component must be 'strong' or 'weak'")
    connectors = []
    for i, c in enumerate(raw.get("connectors", [])):
        where = f"connectors[{i}]"
        if not c.get("name"):
            raise RoutingConfigError(f"{CONFIG_FILE}: {where} has no name")
        connectors.append(
            Connector(
                name=str(c["name"]),
                side_a=_side(c.get("from"), f"{where}.from"),
                side_b=_side(c.get("to"), f"{where}.to"),
                length_m=_positive(_value(c, "length_m", where, reasons), f"{where}.length_m"),
                speed_kmh=_positive(_value(c, "speed_kmh", where, reasons), f"{where}.speed_kmh"),
                max_gap_m=_positive(_value(c, "max_gap_m", where, reasons), f"{where}.max_gap_m"),
                enabled=bool(c.get("enabled", True)),
                source=str(c.get("source", "")),
                kind=str(c.get("kind", "bridge")),
            )
        )

    def num(section: Mapping[str, Any], key: str, where: str) -> float:
        return _positive(_value(section, key, where, reasons), f"{where}.{key}")

    cfg = RoutingConfig(
        road_speeds_kmh=MappingProxyType(speeds),
        clip_buffer_m=num(osm, "clip_buffer_m", "osm"),
        max_edge_m=num(osm, "max_edge_m", "osm"),
        maxspeed_factor=num(osm, "maxspeed_factor", "osm"),
        max_speed_kmh=num(osm, "max_speed_kmh", "osm"),
        min_speed_kmh=num(osm, "min_speed_kmh", "osm"),
        component=component,
        exclude_service=tuple(_value(osm, "exclude_service", "osm", reasons)),
        lattice_spacing_m=num(approx, "lattice_spacing_m", "approximate"),
        approx_speed_kmh=num(approx, "speed_kmh", "approximate"),
        circuity_factor=num(approx, "circuity_factor", "approximate"),
        min_component_nodes=int(num(approx, "min_component_nodes", "approximate")),
        attach_radius_m=num(approx, "attach_radius_m", "approximate"),
        attach_tolerance_m=num(approx, "attach_tolerance_m", "approximate"),
        connectors=tuple(connectors),
        max_snap_m=num(snapping, "max_snap_m", "snapping"),
        off_network_speed_kmh=num(snapping, "off_network_speed_kmh", "snapping"),
        service_area_buffer_m=num(snapping, "service_area_buffer_m", "snapping"),
        water_tolerance_m=num(snapping, "water_tolerance_m", "snapping"),
        snap_candidates=int(num(snapping, "candidates", "snapping")),
        route_top_n=int(num(rec, "route_top_n", "recommend")),
        substitutes_top_n=int(num(rec, "substitutes_top_n", "recommend")),
        max_eta_s=num(rec, "max_eta_s", "recommend"),
        isochrone_buffer_m=num(iso, "buffer_m", "isochrones"),
        node_snap_m=num(snapping, "node_snap_m", "snapping"),
        shore_band_m=num(snapping, "shore_band_m", "snapping"),
        off_road_speed_kmh=num(snapping, "off_road_speed_kmh", "snapping"),
        join_tolerance_m=num(repair, "join_tolerance_m", "repair"),
        max_node_gap_m=num(repair, "max_node_gap_m", "repair"),
        connector_skip_path_m=num(corrections, "skip_if_path_m", "corrections"),
        connector_link_speed_kmh=num(corrections, "link_speed_kmh", "corrections"),
        closure_line_buffer_m=num(corrections, "closure_line_buffer_m", "corrections"),
        reasons=MappingProxyType(reasons),
    )
    if cfg.circuity_factor < 1:
        raise RoutingConfigError(f"{CONFIG_FILE}: approximate.circuity_factor must be >= 1")
    if cfg.min_speed_kmh > cfg.max_speed_kmh:
        raise RoutingConfigError(f"{CONFIG_FILE}: osm.min_speed_kmh exceeds osm.max_speed_kmh")
    return cfg


def read_config(directory: Path = GEO_DATA_DIR) -> RoutingConfig:
    """Read and validate ``routing.json`` in ``directory`` (not cached: reads the file every call).

    Raises
    ------
    RoutingConfigError
        The file is missing, is not JSON, or a value is invalid or undocumented.
    """
    path = Path(directory) / CONFIG_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RoutingConfigError(f"routing configuration missing: {path}") from exc
    except json.JSONDecodeError as exc:
        raise RoutingConfigError(f"{CONFIG_FILE}: not valid JSON ({exc})") from exc
    return parse_config(raw)


@lru_cache(maxsize=4)
def load_config(directory: Path = GEO_DATA_DIR) -> RoutingConfig:
    """:func:`read_config`, memoised per directory (the shipped file does not change while running).

    Raises
    ------
    RoutingConfigError
        The file is missing, is not JSON, or a value is invalid or undocumented.
    """
    return read_config(directory)


def config_digest(directory: Path = GEO_DATA_DIR) -> str:
    """A short hash of ``routing.json`` (used to key cached graphs)."""
    import hashlib

    return hashlib.sha256((Path(directory) / CONFIG_FILE).read_bytes()).hexdigest()[:12]
