"""Units over the API: the fleet with status and last position; position reports; status changes."""

from __future__ import annotations

from typing import Annotated, Any

import flask
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api._common import Principal, error, json_body, parse, require_token, respond
from incidents import validation
from incidents.model import Actor
from services import incidents as service
from web.context import get_db

bp = flask.Blueprint("api_units", __name__, url_prefix="/api/v1")

Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class PositionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Coordinate
    lon: Coordinate
    recorded_at: StrictStr | None = None
    source: StrictStr | None = None


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StrictStr
    at: StrictStr | None = None


def _unit_json(r: dict[str, Any]) -> dict[str, Any]:
    return {"unit_id": r["id"], "callsign": r["callsign"], "unit_type": r["unit_type"],
            "agency": r["agency_code"], "status": r["status"], "status_at": r["status_at"],
            "lon": r["lon"], "lat": r["lat"], "position_at": r["position_at"],
            "at_home_station": r["at_home_station"], "home_station": r["home_station"],
            "incident_id": r["assigned_incident_id"]}


def _own_unit_only(principal: Principal, unit_id: int) -> None:
    """A crew token may report only for the unit its user staffs."""
    if principal.role != "crew":
        return
    own = service.unit_of_user(get_db(), principal.user_id) if principal.user_id else None
    if own != unit_id:
        raise error(403, f"a crew token may only report for its own unit ({own or 'none'})")


@bp.get("/units")
@require_token("dispatcher", "leadership", "planner", "crew")
def list_units(*, principal: Principal) -> Any:
    rows = service.units(get_db())
    return respond({"units": [_unit_json(r) for r in rows]})


@bp.get("/units/<int:unit_id>")
@require_token("dispatcher", "leadership", "planner", "crew")
def get_unit(unit_id: int, *, principal: Principal) -> Any:
    return respond(service.unit_state(get_db(), unit_id).to_dict())


@bp.post("/units/<int:unit_id>/position")
@require_token("dispatcher", "crew")
def report_position(unit_id: int, *, principal: Principal) -> Any:
    body = parse(PositionBody, json_body())
    _own_unit_only(principal, unit_id)
    source = validation.text(body.source, "source", max_chars=32) or "api"
    fix = service.record_position(get_db(), unit_id, body.lat, body.lon, recorded_at=body.recorded_at,
                                  source=source)
    return respond(fix, 201)


@bp.post("/units/<int:unit_id>/status")
@require_token("dispatcher", "crew")
def change_status(unit_id: int, *, principal: Principal) -> Any:
    body = parse(StatusBody, json_body())
    _own_unit_only(principal, unit_id)
    state = service.set_unit_status(get_db(), unit_id, body.status, Actor(principal.actor, principal.user_id),
                                    at=body.at)
    return respond(state.to_dict())
