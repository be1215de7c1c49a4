"""The travel network over the API: what is loaded, and its corrections (connectors, closures, speed factors)."""

from __future__ import annotations

from typing import Any

import flask

from api._common import Principal, error, json_body, require_token, respond
from incidents.model import Actor
from services import accuracy as accuracy_service, corrections
from web.context import get_db, get_resources

bp = flask.Blueprint("api_network", __name__, url_prefix="/api/v1")

READ_ROLES = ("dispatcher", "leadership", "planner")


def _actor(principal: Principal) -> Actor:
    return Actor(principal.actor, principal.user_id)


@bp.get("/network")
@require_token(*READ_ROLES)
def network(*, principal: Principal) -> Any:
    get_resources().graph()
    return respond(get_resources().model_info())


@bp.get("/network/corrections")
@require_token(*READ_ROLES)
def list_corrections(*, principal: Principal) -> Any:
    include = ("active", "proposed", "retired") if flask.request.args.get("all") == "1" else ("active", "proposed")
    return respond({"corrections": [c.to_dict() for c in corrections.list_corrections(get_db(), include=include)]})


@bp.post("/network/corrections")
@require_token()
def create_correction(*, principal: Principal) -> Any:
    view = corrections.create_correction(get_db(), json_body(), _actor(principal))
    return respond(view.to_dict(), 201)


@bp.post("/network/corrections/<int:correction_id>/retire")
@require_token()
def retire(correction_id: int, *, principal: Principal) -> Any:
    corrections.retire_correction(get_db(), correction_id, _actor(principal))
    return respond({"id": correction_id, "status": "retired"})


@bp.post("/network/corrections/<int:correction_id>/activate")
@require_token("dispatcher")
def activate(correction_id: int, *, principal: Principal) -> Any:
    corrections.activate_correction(get_db(), correction_id, _actor(principal))
    return respond({"id": correction_id, "status": "active"})


@bp.post("/incidents/<int:incident_id>/proposed-closure")
@require_token("dispatcher")
def propose_closure(incident_id: int, *, principal: Principal) -> Any:
    view = corrections.propose_closure_from_incident(get_db(), incident_id, _actor(principal))
    return respond(view.to_dict(), 201)


@bp.get("/network/accuracy")
@require_token("planner", "leadership")
def accuracy(*, principal: Principal) -> Any:
    args = flask.request.args
    unknown = sorted(set(args) - {"from", "to"})
    if unknown:
        raise error(422, f"unknown parameter(s): {', '.join(unknown)}", unknown[0])
    period = accuracy_service.parse_period(args.get("from"), args.get("to"))
    return respond(accuracy_service.accuracy_report(get_db(), get_resources(), period).to_dict())


@bp.post("/network/accuracy/apply")
@require_token()
def apply_accuracy_factor(*, principal: Principal) -> Any:
    body = json_body()
    period = accuracy_service.parse_period(body.get("from"), body.get("to"))
    view = accuracy_service.apply_band_factor(get_db(), get_resources(), period, body.get("band"), _actor(principal))
    return respond(view.to_dict(), 201)
