"""Facilities over the API: list them; an administrator corrects an approximate location."""

from __future__ import annotations

from typing import Any

import flask
from pydantic import BaseModel, ConfigDict

from api._common import Principal, json_body, parse, require_token, respond
from services import admin as admin_ops
from web.context import get_db

bp = flask.Blueprint("api_facilities", __name__, url_prefix="/api/v1")


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float
    lon: float


@bp.get("/facilities")
@require_token("dispatcher", "leadership", "planner")
def list_facilities(*, principal: Principal) -> Any:
    return respond({"facilities": admin_ops.facilities(get_db())})


@bp.post("/facilities/<int:facility_id>/location")
@require_token("admin")
def correct_location(facility_id: int, *, principal: Principal) -> Any:
    body = parse(LocationIn, json_body())
    row = admin_ops.correct_facility(get_db(), facility_id=facility_id, lat=body.lat, lon=body.lon,
                                     actor=principal.actor, actor_user_id=principal.user_id)
    return respond(row)
