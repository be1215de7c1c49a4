"""Administrator actions with validation (no Dash): facility fixes, run cards, accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auth.passwords import MIN_PASSWORD_LEN, hash_password
from incidents import validation
from incidents.labels import role_label
from incidents.validation import ValidationFailed, fail
from store import admin as store_admin, users as store_users
from store.db import Database

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: Roles an account can have.
ROLES = store_users.ROLES
#: A user account (name, role, the unit a crew account staffs).
Account = store_users.User

__all__ = ["ROLES", "Account", "AdminOverview", "ValidationFailed", "accounts", "correct_facility", "create_account",
           "facilities", "import_population", "overview", "response_plans", "set_plan_item"]


@dataclass(frozen=True)
class AdminOverview:
    """What the administration page lists and offers to choose from."""

    facilities: list[dict[str, Any]]
    response_plans: list[dict[str, Any]]
    accounts: list[store_users.User]
    incident_types: list[dict[str, Any]]
    unit_types: list[dict[str, Any]]
    units: list[dict[str, Any]]


def overview(db: Database) -> AdminOverview:
    """Facilities, run cards, accounts and the reference codes for the forms."""
    codes = store_admin.reference_codes(db)
    return AdminOverview(facilities=facilities(db), response_plans=response_plans(db), accounts=accounts(db),
                         incident_types=list(codes["incident_types"]), unit_types=list(codes["unit_types"]),
                         units=list(codes["units"]))


def facilities(db: Database) -> list[dict[str, Any]]:
    """Every facility with its location, how sure that location is, and who corrected it when."""
    return store_admin.facilities_for_admin(db)


def response_plans(db: Database) -> list[dict[str, Any]]:
    """Run-card lines: incident type, unit type, count, substitutes."""
    return store_admin.response_plans(db)


def accounts(db: Database) -> list[store_users.User]:
    return store_users.list_users(db)


def correct_facility(db: Database, *, facility_id: int, lat: Any, lon: Any, actor: str,
                     actor_user_id: int | None) -> dict[str, Any]:
    """Move a facility to a surveyed point on Kendari's land (or within 1 km of it)."""
    lon_f, lat_f = validation.coordinates(lat, lon)
    return store_admin.correct_facility_location(db, facility_id=facility_id, lon=lon_f, lat=lat_f,
                                                 actor=actor, actor_user_id=actor_user_id)


def set_plan_item(db: Database, *, incident_type: str, unit_type: str, unit_count: Any,
                  substitutes: list[str], actor: str) -> None:
    """Set one line of a run card; ``unit_count`` 0 removes the line."""
    codes = store_admin.reference_codes(db)
    types = {t["code"] for t in codes["incident_types"]}
    unit_types = {u["code"] for u in codes["unit_types"]}
    if incident_type not in types:
        raise fail("incident_type", f"jenis insiden '{incident_type}' tidak dikenal",
                   f"unknown incident type '{incident_type}'")
    if unit_type not in unit_types:
        raise fail("unit_type", f"jenis unit '{unit_type}' tidak dikenal", f"unknown unit type '{unit_type}'")
    try:
        count = int(unit_count)
    except (TypeError, ValueError):
        raise fail("unit_count", "jumlah unit harus bilangan bulat",
                   "the number of units must be a whole number") from None
    if not 0 <= count <= 10:
        raise fail("unit_count", "jumlah unit antara 0 dan 10 (0 menghapus baris)",
                   "the number of units must be between 0 and 10 (0 removes the line)")
    bad = [s for s in substitutes if s not in unit_types or s == unit_type]
    if bad:
        raise fail("substitutes", f"pengganti tidak dikenal atau sama: {', '.join(bad)}",
                   f"unknown or identical substitute unit types: {', '.join(bad)}")
    store_admin.set_plan_item(db, incident_type=incident_type, unit_type=unit_type, unit_count=count,
                              substitutes=substitutes, actor=actor)


def create_account(db: Database, *, username: str, password: str, role: str,
                   display_name: str | None = None, unit_id: int | None = None) -> store_users.User:
    """Create a user; a crew account must name the unit it staffs."""
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise fail("username", "2–64 karakter: huruf kecil, angka, '.', '_' atau '-'",
                   "2–64 characters: lower-case letters, digits, '.', '_' or '-'")
    if role not in store_users.ROLES:
        raise fail("role", f"peran harus salah satu dari {', '.join(role_label(r, 'id') for r in store_users.ROLES)}",
                   f"role must be one of {', '.join(store_users.ROLES)}")
    if len(password or "") < MIN_PASSWORD_LEN:
        raise fail("password", f"minimal {MIN_PASSWORD_LEN} karakter", f"at least {MIN_PASSWORD_LEN} characters")
    if role == "crew" and unit_id is None:
        raise fail("unit_id", "akun kru harus terhubung ke unitnya", "a crew account needs the unit it staffs")
    store_admin.ensure_unused_username(db, username)
    return store_users.create_user(db, username=username, password_hash=hash_password(password), role=role,
                                   display_name=display_name or username,
                                   unit_id=unit_id if role == "crew" else None)


def import_population(db: Database, text: str, *, actor: str, actor_user_id: int | None) -> int:
    """Validate a BPS population CSV (every bad line reported) and store it whole; return rows."""
    from layers.population import parse_population_csv

    rows = parse_population_csv(text)
    return store_admin.set_population(db, rows, actor=actor, actor_user_id=actor_user_id)
