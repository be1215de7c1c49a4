"""Administrator actions with validation (no Dash): facility fixes, run cards, accounts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from auth.accounts import MIN_PASSWORD_LEN, hash_password
from layers.geodata import point_in_city
from store import admin as store_admin
from store import users as store_users
from store.db import Database

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
CITY_BUFFER_M = 1000.0


@dataclass(frozen=True)
class FieldError(Exception):
    """One invalid input field with a message for the person who typed it."""

    field: str
    message: str


def check_point(lat: Any, lon: Any) -> tuple[float, float]:
    """Parse and check a point: finite, in range, on Kendari's land or within 1 km of it."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise FieldError("lat", "latitude and longitude must be numbers") from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise FieldError("lat", "latitude and longitude must be finite numbers")
    if not -90 <= lat_f <= 90:
        raise FieldError("lat", "latitude must be between -90 and 90")
    if not -180 <= lon_f <= 180:
        raise FieldError("lon", "longitude must be between -180 and 180")
    if not point_in_city(lon_f, lat_f, buffer_m=CITY_BUFFER_M):
        raise FieldError("lat", "the point is outside Kota Kendari (its land plus 1 km)")
    return lat_f, lon_f


def correct_facility(db: Database, *, facility_id: int, lat: Any, lon: Any, actor: str,
                     actor_user_id: int | None) -> dict[str, Any]:
    lat_f, lon_f = check_point(lat, lon)
    return store_admin.correct_facility_location(db, facility_id=facility_id, lon=lon_f, lat=lat_f,
                                                 actor=actor, actor_user_id=actor_user_id)


def set_plan_item(db: Database, *, incident_type: str, unit_type: str, unit_count: Any,
                  substitutes: list[str], actor: str) -> None:
    codes = store_admin.reference_codes(db)
    types = {t["code"] for t in codes["incident_types"]}
    unit_types = {u["code"] for u in codes["unit_types"]}
    if incident_type not in types:
        raise FieldError("incident_type", f"unknown incident type '{incident_type}'")
    if unit_type not in unit_types:
        raise FieldError("unit_type", f"unknown unit type '{unit_type}'")
    try:
        count = int(unit_count)
    except (TypeError, ValueError):
        raise FieldError("unit_count", "the number of units must be a whole number") from None
    if not 0 <= count <= 10:
        raise FieldError("unit_count", "the number of units must be between 0 and 10 (0 removes the line)")
    bad = [s for s in substitutes if s not in unit_types or s == unit_type]
    if bad:
        raise FieldError("substitutes", f"unknown or identical substitute unit types: {', '.join(bad)}")
    store_admin.set_plan_item(db, incident_type=incident_type, unit_type=unit_type, unit_count=count,
                              substitutes=substitutes, actor=actor)


def create_account(db: Database, *, username: str, password: str, role: str,
                   display_name: str | None = None, unit_id: int | None = None) -> store_users.User:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise FieldError("username", "2–64 characters: lower-case letters, digits, '.', '_' or '-'")
    if role not in store_users.ROLES:
        raise FieldError("role", f"role must be one of {', '.join(store_users.ROLES)}")
    if len(password or "") < MIN_PASSWORD_LEN:
        raise FieldError("password", f"at least {MIN_PASSWORD_LEN} characters")
    if role == "crew" and unit_id is None:
        raise FieldError("unit_id", "a crew account needs the unit it staffs")
    store_admin.ensure_unused_username(db, username)
    return store_users.create_user(db, username=username, password_hash=hash_password(password), role=role,
                                   display_name=display_name or username,
                                   unit_id=unit_id if role == "crew" else None)
