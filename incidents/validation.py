"""Field rules shared by the HTTP API and the dispatch forms (coordinates, codes, text, phone, times).

Every check raises :class:`ValidationFailed` listing each bad field with an Indonesian and an
English message; the API turns it into a 422, the pages show the message in the user's language.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely

from field_errors import FieldError as FieldError, ValidationFailed as ValidationFailed, fail as fail
from incidents.model import PRIORITIES, REQUESTABLE_STATUSES, NewIncident, Outcome

#: Limits follow the CHECK constraints of ``migrations/001_core.sql``.
MAX_DESCRIPTION_CHARS = 4000
MAX_ADDRESS_CHARS = 500
MAX_PHONE_CHARS = 32
MAX_NOTE_CHARS = 1000
MAX_SEARCH_CHARS = 100
#: A point may lie this far outside the city's land polygons (shore, slivers, bridges).
CITY_BUFFER_M = 1000.0
#: Half-width of the band around the buffer's edge that is checked exactly.
_BAND_M = 10.0
#: Clock skew tolerated for client-supplied times in the future.
FUTURE_SKEW_S = 5 * 60
#: How far back a client may date a call or a status change.
MAX_BACKDATE_S = 7 * 24 * 3600
#: Digits with optional leading '+', spaces, hyphens, dots and parentheses; 3 to 20 digits.
_PHONE_RE = re.compile(r"^\+?[0-9 ().\-]+$")
_MIN_PHONE_DIGITS = 3
_MAX_PHONE_DIGITS = 20


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            self.errors.extend(exc.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


# --- single rules ---------------------------------------------------------------------------
def number(value: Any, field: str) -> float:
    """A finite real number (a string from a form is parsed; booleans are refused)."""
    if isinstance(value, bool) or value is None:
        raise fail(field, "wajib berupa angka", "must be a number")
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text:
            raise fail(field, "wajib diisi", "is required")
        try:
            value = float(text)
        except ValueError:
            raise fail(field, "bukan angka yang sah", "is not a valid number") from None
    if not isinstance(value, (int, float)):
        raise fail(field, "wajib berupa angka", "must be a number")
    result = float(value)
    if not math.isfinite(result):
        raise fail(field, "wajib berupa angka terhingga (bukan NaN/Infinity)",
                   "must be a finite number (not NaN/Infinity)")
    return result


def coordinates(lat: Any, lon: Any, *, lat_field: str = "lat", lon_field: str = "lon") -> tuple[float, float]:
    """Check a point: finite, in range, on Kendari's land or within 1 km of it.

    Returns
    -------
    (lon, lat)
    """
    c = _Collector()
    lat_v = c.run(number, lat, lat_field)
    lon_v = c.run(number, lon, lon_field)
    if lat_v is not None and not -90.0 <= lat_v <= 90.0:
        c.errors.append(FieldError(lat_field, "lintang harus antara -90 dan 90", "latitude must be between -90 and 90"))
        lat_v = None
    if lon_v is not None and not -180.0 <= lon_v <= 180.0:
        c.errors.append(FieldError(lon_field, "bujur harus antara -180 dan 180",
                                   "longitude must be between -180 and 180"))
        lon_v = None
    c.raise_if_any()
    assert lat_v is not None and lon_v is not None
    if not inside_service_area(lon_v, lat_v):
        msg_id = f"titik ({lat_v:.5f}, {lon_v:.5f}) berada di luar Kota Kendari (lebih dari 1 km dari daratannya)"
        msg_en = f"point ({lat_v:.5f}, {lon_v:.5f}) lies outside Kota Kendari (more than 1 km from its land)"
        raise ValidationFailed([FieldError(lat_field, msg_id, msg_en), FieldError(lon_field, msg_id, msg_en)])
    return lon_v, lat_v


def inside_service_area(lon: float, lat: float) -> bool:
    """On the city's land polygons or within :data:`CITY_BUFFER_M` of them.

    Same answer as ``layers.geodata.point_in_city(lon, lat, buffer_m=CITY_BUFFER_M)``, in ~15 µs:
    prepared polygons of the outline buffered by the distance ± 10 m (in UTM 51S) settle every
    point except those in a 20 m band, which go to the exact distance test.
    """
    from layers.geodata import CITY_BBOX, point_in_city

    minx, miny, maxx, maxy = CITY_BBOX
    if not (minx - 0.05 <= lon <= maxx + 0.05 and miny - 0.05 <= lat <= maxy + 0.05):
        return False
    to_utm, inner, outer = _service_area()
    x, y = to_utm.transform(lon, lat)
    point = shapely.Point(x, y)
    if inner.contains(point):
        return True
    if not outer.contains(point):
        return False
    return point_in_city(lon, lat, buffer_m=CITY_BUFFER_M)


@functools.lru_cache(maxsize=1)
def _service_area() -> tuple[Any, Any, Any]:
    """(lon/lat → UTM transformer, outline ⊕ (buffer − 10 m), outline ⊕ (buffer + 10 m)), prepared."""
    import geopandas as gpd
    from pyproj import Transformer

    from layers.geodata import UTM_51S, WGS84, city_outline

    outline = gpd.GeoSeries([city_outline()], crs=WGS84).to_crs(UTM_51S).iloc[0]
    inner = outline.buffer(CITY_BUFFER_M - _BAND_M)
    outer = outline.buffer(CITY_BUFFER_M + _BAND_M)
    shapely.prepare(inner)
    shapely.prepare(outer)
    return Transformer.from_crs(WGS84, UTM_51S, always_xy=True), inner, outer


# --- where an incident may be placed (the routing package's rule) --------------------------------
@dataclass(frozen=True)
class Placement:
    """An accepted incident location: the point and how it lies (``on_land``, or in the shore band
    ``offshore_m`` from the land, routed from the nearest land)."""

    lon: float
    lat: float
    on_land: bool
    offshore_m: float = 0.0


def _fmt_coord(value: float, lang: str) -> str:
    text = f"{value:.5f}".replace("-", "−")
    return text.replace(".", ",") if lang == "id" else text


def _point_text(lat: float, lon: float, lang: str) -> str:
    if lang == "id":
        return f"lintang {_fmt_coord(lat, lang)}, bujur {_fmt_coord(lon, lang)}"
    return f"latitude {_fmt_coord(lat, lang)}, longitude {_fmt_coord(lon, lang)}"


def _metres(value: float, lang: str) -> str:
    if value >= 10_000:
        km = f"{value / 1000:.0f}"
    elif value >= 1000:
        km = f"{value / 1000:.1f}"
    else:
        return f"{value:.0f} m"
    return (km.replace(".", ",") if lang == "id" else km) + " km"


def _land() -> Any:
    """Kendari's land as routing uses it (buffers from ``geo_data/routing.json``)."""
    from routing._land import kendari_land
    from routing.config import load_config

    cfg = load_config()
    return kendari_land(service_buffer_m=cfg.service_area_buffer_m, water_tolerance_m=cfg.water_tolerance_m)


def placement_hint(lat: float, lon: float) -> tuple[float, float] | None:
    """A likely intended point when (lat, lon) lies outside the service area but a forgotten minus
    sign or swapped fields would put it inside: ``(lat, lon)`` of that point, else None."""
    for cand_lat, cand_lon in ((-lat, lon), (lon, lat), (-lon, lat)):
        valid = -90.0 <= cand_lat <= 90.0 and -180.0 <= cand_lon <= 180.0 and (cand_lat, cand_lon) != (lat, lon)
        if valid and _in_service_area(cand_lon, cand_lat):
            return cand_lat, cand_lon
    return None


def _in_service_area(lon: float, lat: float) -> bool:
    from layers.geodata import CITY_BBOX
    from routing._proj import to_utm

    minx, miny, maxx, maxy = CITY_BBOX
    if not (minx - 0.05 <= lon <= maxx + 0.05 and miny - 0.05 <= lat <= maxy + 0.05):
        return False
    x, y = to_utm([lon], [lat])
    return bool(_land().in_service_area(x, y)[0])


def _hint_messages(hint: tuple[float, float] | None) -> tuple[str, str]:
    if hint is None:
        return "", ""
    lat, lon = hint
    if lat != 0 and abs(lat) < 10 and abs(lon) > 100:
        return (f" Maksud Anda {_fmt_coord(lat, 'id')}, {_fmt_coord(lon, 'id')} (lintang, bujur)?",
                f" Did you mean {_fmt_coord(lat, 'en')}, {_fmt_coord(lon, 'en')} (latitude, longitude)?")
    return "", ""


def incident_location(lat: Any, lon: Any, *, lat_field: str = "lat", lon_field: str = "lon") -> Placement:
    """Where an incident may be placed — the same rule as routing's (``geo_data/routing.json``):
    on the city's land, or in the shore band up to ``snapping.service_area_buffer_m`` (250 m) off
    the shore (piers, stilt houses: routed from the nearest land). Open water farther out and
    points outside the city are refused with the reason, in Indonesian and English, and a likely
    intended point when a minus sign was forgotten or the fields were swapped ("did you mean
    −3.985?").

    Raises
    ------
    ValidationFailed
        Not a number, out of range, in the bay or at sea, or outside Kota Kendari.
    """
    c = _Collector()
    lat_v = c.run(number, lat, lat_field)
    lon_v = c.run(number, lon, lon_field)
    if lat_v is None or lon_v is None:
        if lat_v is not None and not -90.0 <= lat_v <= 90.0:
            c.errors.append(FieldError(lat_field, "lintang harus antara −90 dan 90",
                                       "latitude must be between -90 and 90"))
        if lon_v is not None and not -180.0 <= lon_v <= 180.0:
            c.errors.append(FieldError(lon_field, "bujur harus antara −180 dan 180",
                                       "longitude must be between -180 and 180"))
        c.raise_if_any()
    assert lat_v is not None and lon_v is not None
    if not (-90.0 <= lat_v <= 90.0 and -180.0 <= lon_v <= 180.0):
        hint_id, hint_en = _hint_messages(placement_hint(lat_v, lon_v) if -180 <= lat_v <= 180 else None)
        msg_id = "lintang harus antara −90 dan 90, bujur antara −180 dan 180." + hint_id
        msg_en = "latitude must be between -90 and 90, longitude between -180 and 180." + hint_en
        raise ValidationFailed([FieldError(lat_field, msg_id, msg_en), FieldError(lon_field, msg_id, msg_en)])
    from routing._proj import to_utm

    land = _land()
    x, y = to_utm([lon_v], [lat_v])
    if _in_service_area(lon_v, lat_v):
        on_land = bool(land.contains(x, y)[0])
        return Placement(lon=lon_v, lat=lat_v, on_land=on_land,
                         offshore_m=0.0 if on_land else land.distance_m(float(x[0]), float(y[0])))
    off = land.distance_m(float(x[0]), float(y[0])) if math.isfinite(float(x[0])) else float("inf")
    hint_id, hint_en = _hint_messages(placement_hint(lat_v, lon_v))
    band = _metres(land.service_buffer_m, "id"), _metres(land.service_buffer_m, "en")
    if off <= 5000.0:
        msg_id = (f"Titik ({_point_text(lat_v, lon_v, 'id')}) berada di perairan teluk atau laut, "
                  f"{_metres(off, 'id')} dari daratan. Insiden hanya dapat ditempatkan di darat atau "
                  f"paling jauh {band[0]} dari pantai (dermaga, rumah panggung).")
        msg_en = (f"The point ({_point_text(lat_v, lon_v, 'en')}) lies in the bay or at sea, "
                  f"{_metres(off, 'en')} from the land. An incident can only be placed on land or at most "
                  f"{band[1]} off the shore (piers, stilt houses).")
    else:
        msg_id = (f"Titik ({_point_text(lat_v, lon_v, 'id')}) berada di luar Kota Kendari "
                  f"({_metres(off, 'id')} dari wilayahnya).")
        msg_en = (f"The point ({_point_text(lat_v, lon_v, 'en')}) lies outside Kota Kendari "
                  f"({_metres(off, 'en')} from it).")
    raise ValidationFailed([FieldError(lat_field, msg_id + hint_id, msg_en + hint_en),
                            FieldError(lon_field, msg_id + hint_id, msg_en + hint_en)])


def text(value: Any, field: str, *, max_chars: int, required: bool = False) -> str | None:
    """Free text kept verbatim (no trimming inside); empty means None; NUL and oversize refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise fail(field, "wajib diisi", "is required")
        return None
    if not isinstance(value, str):
        raise fail(field, "wajib berupa teks", "must be a string")
    if len(value) > max_chars:
        raise fail(field, f"terlalu panjang ({len(value)} karakter; maksimum {max_chars})",
                   f"is too long ({len(value)} characters; at most {max_chars})")
    if "\x00" in value:
        raise fail(field, "mengandung karakter NUL", "contains a NUL character")
    return value


def phone(value: Any, field: str = "caller_phone") -> str | None:
    """A phone number: digits with optional +, spaces, hyphens, dots, parentheses (3–20 digits)."""
    result = text(value, field, max_chars=MAX_PHONE_CHARS)
    if result is None:
        return None
    result = result.strip()
    digits = sum(ch.isdigit() for ch in result)
    if not _PHONE_RE.match(result) or not _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS:
        raise fail(field, "format nomor telepon tidak sah (contoh: +62 812-3456-7890)",
                   "is not a valid phone number (e.g. +62 812-3456-7890)")
    return result


def incident_type(value: Any, known: Mapping[str, Any], field: str = "type") -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "wajib diisi", "is required")
    if value not in known:
        raise fail(field, f"jenis kejadian tidak dikenal: {value[:40]!r}", f"unknown incident type: {value[:40]!r}")
    return value


def priority(value: Any, field: str = "priority") -> int:
    if isinstance(value, bool) or value is None:
        raise fail(field, "prioritas harus 1, 2, 3 atau 4", "priority must be 1, 2, 3 or 4")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value not in PRIORITIES:
        raise fail(field, "prioritas harus 1, 2, 3 atau 4", "priority must be 1, 2, 3 or 4")
    return value


def unit_status(value: Any, field: str = "status") -> str:
    if not isinstance(value, str) or value not in REQUESTABLE_STATUSES:
        shown = str(value)[:40]
        raise fail(field, f"status tidak dikenal: {shown!r}; pilihan: {', '.join(REQUESTABLE_STATUSES)}",
                   f"unknown status: {shown!r}; one of {', '.join(REQUESTABLE_STATUSES)}")
    return value


def outcome(value: Any, field: str = "outcome") -> str:
    allowed = [o.value for o in Outcome]
    if not isinstance(value, str) or value not in allowed:
        shown = str(value)[:40]
        raise fail(field, f"hasil tidak dikenal: {shown!r}; pilihan: {', '.join(allowed)}",
                   f"unknown outcome: {shown!r}; one of {', '.join(allowed)}")
    return value


def positive_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise fail(field, "wajib berupa bilangan bulat positif", "must be a positive integer")
    return value


def timestamp(value: Any, field: str, *, now: datetime | None = None) -> datetime | None:
    """An ISO 8601 time with a UTC offset, not in the future (5 min skew), at most 7 days old."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(field, "bukan waktu ISO 8601 yang sah", "is not a valid ISO 8601 time") from None
    if not isinstance(value, datetime):
        raise fail(field, "wajib berupa waktu ISO 8601", "must be an ISO 8601 time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise fail(field, "waktu harus menyertakan zona waktu (mis. +08:00)",
                   "must include a UTC offset (e.g. +08:00)")
    current = now or datetime.now(UTC)
    if value > current + timedelta(seconds=FUTURE_SKEW_S):
        raise fail(field, "waktu berada di masa depan", "lies in the future")
    if value < current - timedelta(seconds=MAX_BACKDATE_S):
        raise fail(field, "waktu lebih dari 7 hari yang lalu", "is more than 7 days in the past")
    return value


# --- whole requests ---------------------------------------------------------------------------
def new_incident(data: Mapping[str, Any], *, known_types: Mapping[str, int],
                 now: datetime | None = None) -> NewIncident:
    """Validate a create-incident request (API body or form values).

    Parameters
    ----------
    data
        ``lat``, ``lon``, ``type``, optional ``priority``, ``description``, ``address``,
        ``caller_phone``, ``call_received_at``, ``call_answered_at``.
    known_types
        Incident type code → default priority (from the ``incident_types`` table).
    """
    c = _Collector()
    placed = c.run(incident_location, data.get("lat"), data.get("lon"))
    point = None if placed is None else (placed.lon, placed.lat)
    type_code = c.run(incident_type, data.get("type"), known_types)
    prio_raw = data.get("priority")
    prio = c.run(priority, prio_raw) if prio_raw not in (None, "") else None
    description = c.run(text, data.get("description"), "description", max_chars=MAX_DESCRIPTION_CHARS)
    address = c.run(text, data.get("address"), "address", max_chars=MAX_ADDRESS_CHARS)
    caller_phone = c.run(phone, data.get("caller_phone"))
    received = c.run(timestamp, data.get("call_received_at"), "call_received_at", now=now)
    answered = c.run(timestamp, data.get("call_answered_at"), "call_answered_at", now=now)
    if received and answered and answered < received:
        c.errors.append(FieldError("call_answered_at", "tidak boleh sebelum call_received_at",
                                   "must not be before call_received_at"))
    c.raise_if_any()
    assert point is not None and type_code is not None
    if prio is None:
        prio = int(known_types[type_code])
    return NewIncident(lon=point[0], lat=point[1], incident_type=type_code, priority=prio,
                       description=description, address=address, caller_phone=caller_phone,
                       call_received_at=received, call_answered_at=answered)


def search_query(value: Any, field: str = "q") -> str:
    result = text(value, field, max_chars=MAX_SEARCH_CHARS, required=True)
    assert result is not None
    return result.strip()
