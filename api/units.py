"""Units over the API: the fleet with status and last position."""

from __future__ import annotations

from typing import Any

import flask

from api._common import Principal, require_token, respond
from store import geo
from web.context import get_db

bp = flask.Blueprint("api_units", __name__, url_prefix="/api/v1")


@bp.get("/units")
@require_token("dispatcher", "leadership", "planner", "crew")
def list_units(*, principal: Principal) -> Any:
    rows = geo.units(get_db())
    return respond({"units": [
        {"unit_id": r["id"], "callsign": r["callsign"], "unit_type": r["unit_type"],
         "agency": r["agency_code"], "status": r["status"], "status_at": r["status_at"],
         "lon": r["lon"], "lat": r["lat"], "position_at": r["position_at"],
         "home_station": r["home_station"], "incident_id": r["assigned_incident_id"]}
        for r in rows]})
