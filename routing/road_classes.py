"""Road-class mapping files: how a road layer's attributes become class, speed, one-way and access.

A mapping is a small JSON file in ``geo_data/road_classes/`` (a user can add one for their own
schema). Two formats:

* ``"format": "attributes"`` (any line layer, e.g. ``rbi_remark.json`` for BIG RBI layers): the
  class is the value of the first of ``class_fields`` the layer has; each listed value maps to
  a ``road_class`` and a ``speed_kmh`` with its reason; ``default`` (or ``null`` to drop) for
  other values; optional ``oneway`` (``{"field": ..., "forward": [...], "backward": [...]}``)
  and ``drop`` (values of the class field that are not roads for vehicles).
* ``"format": "osm"`` (``osm_highway.json``): OpenStreetMap tags, with the one-way and access
  rules given in the file and the class speeds of ``routing.json`` (``road_speeds_kmh``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from routing._errors import RoutingConfigError
from settings import GEO_DATA_DIR

CLASSES_DIR = GEO_DATA_DIR / "road_classes"
OSM_MAPPING = "osm_highway.json"
RBI_MAPPING = "rbi_remark.json"
UNKNOWN_SOURCE = "unknown — set SOURCE/LICENCE"


@dataclass(frozen=True)
class RoadClass:
    """One class of a mapping: its name, emergency speed and the reason for that speed."""

    road_class: str
    speed_kmh: float
    reason: str


@dataclass(frozen=True)
class OsmRules:
    """OpenStreetMap one-way and access rules (values as in ``osm_highway.json``)."""

    forward: frozenset[str] = frozenset({"yes", "true", "1"})
    backward: frozenset[str] = frozenset({"-1", "reverse"})
    both: frozenset[str] = frozenset({"no", "false", "0", "reversible", "alternating"})
    implied_by: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({
        "junction": frozenset({"roundabout", "circular"}), "highway": frozenset({"motorway"})}))
    emergency_both: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({
        "oneway:emergency": frozenset({"no"})}))
    allow_keys: tuple[str, ...] = ("emergency", "motor_vehicle", "motorcar", "vehicle")
    allow_values: frozenset[str] = frozenset({"yes", "designated", "permissive", "destination", "emergency",
                                              "official"})
    deny_keys: tuple[str, ...] = ("access", "motor_vehicle", "motorcar", "vehicle")
    deny_values: frozenset[str] = frozenset({"no", "private"})


@dataclass(frozen=True)
class ClassMapping:
    """A parsed mapping file.

    Attributes
    ----------
    classes
        Attribute value (case-folded) -> :class:`RoadClass` (``format == "attributes"``).
    default
        Class for values not listed (``None``: such lines are dropped).
    oneway_field, oneway_forward, oneway_backward
        Optional one-way attribute and its values (case-folded).
    drop
        Class-field values (case-folded) that are not roads for vehicles.
    """

    name: str
    format: str
    class_fields: tuple[str, ...]
    classes: Mapping[str, RoadClass] = field(default_factory=dict)
    default: RoadClass | None = None
    oneway_field: str | None = None
    oneway_forward: frozenset[str] = frozenset()
    oneway_backward: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()
    osm: OsmRules | None = None
    source_default: str = UNKNOWN_SOURCE
    licence_default: str = UNKNOWN_SOURCE
    attribution_default: str | None = None
    path: str = ""

    def find_class_field(self, columns: list[str]) -> str | None:
        """The first of ``class_fields`` present among ``columns`` (exact, then case-insensitive)."""
        for name in self.class_fields:
            if name in columns:
                return name
        lower = {c.lower(): c for c in columns}
        for name in self.class_fields:
            if name.lower() in lower:
                return lower[name.lower()]
        return None

    def classify(self, value: Any) -> RoadClass | None:
        """The class of one attribute value (``None``: not a drivable road)."""
        key = "" if value is None else str(value).strip().casefold()
        if key in self.drop:
            return None
        return self.classes.get(key, self.default)


def _road_class(raw: Any, where: str) -> RoadClass:
    if not isinstance(raw, Mapping) or "road_class" not in raw or "speed_kmh" not in raw:
        raise RoutingConfigError(f"{where}: needs 'road_class' and 'speed_kmh'")
    speed = raw["speed_kmh"]
    if not isinstance(speed, Mapping) or not str(speed.get("reason", "")).strip():
        raise RoutingConfigError(f"{where}.speed_kmh has no documented reason")
    try:
        value = float(speed["value"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RoutingConfigError(f"{where}.speed_kmh.value must be a number") from exc
    if not value > 0:
        raise RoutingConfigError(f"{where}.speed_kmh.value must be positive")
    return RoadClass(str(raw["road_class"]), value, str(speed["reason"]).strip())


def _osm_rules(raw: Mapping[str, Any]) -> OsmRules:
    one = raw.get("oneway") or {}
    acc = raw.get("access") or {}

    def fs(values: Any) -> frozenset[str]:
        return frozenset(str(v).lower() for v in (values or ()))

    base = OsmRules()
    return OsmRules(
        forward=fs(one.get("forward")) or base.forward,
        backward=fs(one.get("backward")) or base.backward,
        both=fs(one.get("both")) or base.both,
        implied_by=MappingProxyType({k: fs(v) for k, v in (one.get("implied_by") or {}).items()}) or base.implied_by,
        emergency_both=MappingProxyType({k: fs(v) for k, v in (one.get("emergency_both") or {}).items()})
        or base.emergency_both,
        allow_keys=tuple(acc.get("allow_keys") or base.allow_keys),
        allow_values=fs(acc.get("allow_values")) or base.allow_values,
        deny_keys=tuple(acc.get("deny_keys") or base.deny_keys),
        deny_values=fs(acc.get("deny_values")) or base.deny_values,
    )


def parse_mapping(raw: Mapping[str, Any], *, where: str = "mapping") -> ClassMapping:
    """Validate a parsed mapping document.

    Raises
    ------
    RoutingConfigError
        Unknown format, no class field, or a speed without a reason.
    """
    fmt = str(raw.get("format", ""))
    if fmt not in ("attributes", "osm"):
        raise RoutingConfigError(f"{where}: format must be 'attributes' or 'osm'")
    fields = tuple(str(f) for f in (raw.get("class_fields") or ()))
    if not fields:
        raise RoutingConfigError(f"{where}: class_fields lists no attribute")
    common = {
        "name": str(raw.get("name", where)), "format": fmt, "class_fields": fields, "path": where,
        "source_default": str(raw.get("source_default", UNKNOWN_SOURCE)),
        "licence_default": str(raw.get("licence_default", UNKNOWN_SOURCE)),
        "attribution_default": raw.get("attribution_default"),
    }
    if fmt == "osm":
        return ClassMapping(osm=_osm_rules(raw), **common)  # type: ignore[arg-type]
    classes_raw = raw.get("classes")
    if not isinstance(classes_raw, Mapping) or not classes_raw:
        raise RoutingConfigError(f"{where}: 'classes' maps no value")
    classes = {str(k).strip().casefold(): _road_class(v, f"{where}: classes[{k!r}]") for k, v in classes_raw.items()}
    default = None if raw.get("default") is None else _road_class(raw["default"], f"{where}: default")
    oneway = raw.get("oneway") or {}
    return ClassMapping(
        classes=MappingProxyType(classes),
        default=default,
        oneway_field=oneway.get("field"),
        oneway_forward=frozenset(str(v).casefold() for v in oneway.get("forward", ())),
        oneway_backward=frozenset(str(v).casefold() for v in oneway.get("backward", ())),
        drop=frozenset(str(v).strip().casefold() for v in raw.get("drop", ())),
        **common,  # type: ignore[arg-type]
    )


def read_mapping(path: Path | str) -> ClassMapping:
    """Read a mapping file (``geo_data/road_classes/*.json`` or a user's own).

    Raises
    ------
    RoutingConfigError
        Missing file, invalid JSON or an invalid mapping.
    """
    source = Path(path)
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RoutingConfigError(f"road class mapping missing: {source}") from exc
    except json.JSONDecodeError as exc:
        raise RoutingConfigError(f"{source.name}: not valid JSON ({exc})") from exc
    return parse_mapping(raw, where=source.name)


def default_mapping(is_osm: bool, directory: Path = CLASSES_DIR) -> ClassMapping:
    """The shipped mapping for OSM data (``osm_highway.json``) or for other layers (``rbi_remark.json``)."""
    return read_mapping(Path(directory) / (OSM_MAPPING if is_osm else RBI_MAPPING))
