"""Admin operations: facility correction, run-card edits, accounts — good and bad input."""

from __future__ import annotations

import pytest

from services import admin as admin_ops
from store import ConflictError, Database


def _facility(db: Database, name: str) -> dict:
    with db.transaction() as cur:
        cur.execute("SELECT id, location_confidence, kelurahan_kode FROM facilities WHERE name = %s", (name,))
        row = cur.fetchone()
    assert row is not None, name
    return dict(row)


def test_correct_approximate_facility(db: Database) -> None:
    fac = _facility(db, "Pos Damkar Poasia")
    assert fac["location_confidence"] == "approximate"
    row = admin_ops.correct_facility(db, facility_id=fac["id"], lat=-3.998, lon=122.548, actor="admin",
                                     actor_user_id=None)
    assert row["location_confidence"] == "surveyed"
    after = _facility(db, "Pos Damkar Poasia")
    assert after["kelurahan_kode"] is not None
    with db.transaction() as cur:
        cur.execute("SELECT data FROM events WHERE kind = 'facility_corrected'")
        data = cur.fetchone()["data"]
    assert data["facility_id"] == fac["id"] and data["new"] == {"lon": 122.548, "lat": -3.998}


@pytest.mark.parametrize(("lat", "lon", "field"), [
    ("abc", 122.5, "lat"), (float("nan"), 122.5, "lat"), (-95, 122.5, "lat"), (-3.98, 190, "lon"),
    (-6.2, 106.8, "lat"),  # Jakarta: outside Kendari
])
def test_bad_facility_points_are_refused_and_nothing_changes(db: Database, lat, lon, field) -> None:
    fac = _facility(db, "Pos Damkar Poasia")
    with pytest.raises(admin_ops.ValidationFailed) as info:
        admin_ops.correct_facility(db, facility_id=fac["id"], lat=lat, lon=lon, actor="a", actor_user_id=None)
    assert info.value.errors[0].field == field
    assert _facility(db, "Pos Damkar Poasia")["location_confidence"] == "approximate"


def test_edit_response_plan(db: Database) -> None:
    admin_ops.set_plan_item(db, incident_type="medical", unit_type="ambulance", unit_count=2,
                            substitutes=["rescue"], actor="admin")
    with db.transaction() as cur:
        cur.execute("SELECT unit_count, substitutes FROM response_plans"
                    " WHERE incident_type='medical' AND unit_type='ambulance'")
        assert cur.fetchone() == {"unit_count": 2, "substitutes": ["rescue"]}
    admin_ops.set_plan_item(db, incident_type="medical", unit_type="ambulance", unit_count=0,
                            substitutes=[], actor="admin")
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM response_plans WHERE incident_type='medical' AND unit_type='ambulance'")
        assert cur.fetchone()["n"] == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"incident_type": "alien_landing"}, "incident_type"),
    ({"unit_type": "submarine"}, "unit_type"),
    ({"unit_count": 11}, "unit_count"),
    ({"unit_count": "two"}, "unit_count"),
    ({"substitutes": ["ambulance"]}, "substitutes"),
])
def test_bad_plan_edits_are_refused(db: Database, kwargs, field) -> None:
    args = {"incident_type": "medical", "unit_type": "ambulance", "unit_count": 1, "substitutes": [], **kwargs}
    with pytest.raises(admin_ops.ValidationFailed) as info:
        admin_ops.set_plan_item(db, actor="admin", **args)
    assert info.value.errors[0].field == field


def test_create_accounts(db: Database) -> None:
    user = admin_ops.create_account(db, username="Siti.R", password="long-enough", role="dispatcher")
    assert user.username == "siti.r"
    with pytest.raises(ConflictError):
        admin_ops.create_account(db, username="siti.r", password="long-enough", role="planner")
    with pytest.raises(admin_ops.ValidationFailed, match="crew account needs"):
        admin_ops.create_account(db, username="crew1", password="long-enough", role="crew")
    with pytest.raises(admin_ops.ValidationFailed) as info:
        admin_ops.create_account(db, username="x", password="short", role="planner")
    assert info.value.errors[0].field == "username"
    with pytest.raises(admin_ops.ValidationFailed) as info:
        admin_ops.create_account(db, username="okname", password="short", role="planner")
    assert info.value.errors[0].field == "password"
