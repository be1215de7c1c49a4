"""Live coverage and move-up over the API: the live layer, proposals (accept, dismiss), moves to a
post and arrivals, standby posts, the settings, and the uncovered-time KPI."""

from __future__ import annotations

from typing import Any

import flask
from pydantic import BaseModel, ConfigDict, StrictStr

from api._common import Principal, error, json_body, parse, require_token, respond
from incidents.model import Actor
from services import coverage as service, incidents as incident_service
from web.context import get_db, get_resources

bp = flask.Blueprint("api_coverage", __name__, url_prefix="/api/v1")


class DismissBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: StrictStr
    note: StrictStr | None = None


class MoveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    post_id: StrictStr


def _actor(principal: Principal) -> Actor:
    return Actor(principal.actor, principal.user_id)


def _own_unit_only(principal: Principal, unit_id: int) -> None:
    """A crew token may act only for the unit its user staffs."""
    if principal.role != "crew":
        return
    own = incident_service.unit_of_user(get_db(), principal.user_id) if principal.user_id else None
    if own != unit_id:
        raise error(403, f"a crew token may only report for its own unit ({own or 'none'})")


@bp.get("/coverage/live")
@require_token("dispatcher", "leadership", "planner")
def live(*, principal: Principal) -> Any:
    unit_type = flask.request.args.get("unit_type")
    if unit_type:
        cells = flask.request.args.get("cells") in ("1", "true", "yes")
        return respond(service.live(get_db(), get_resources(), unit_type, with_cells=cells).to_dict())
    return respond(service.console(get_db(), get_resources()).to_dict())


@bp.get("/coverage/proposals")
@require_token("dispatcher", "leadership", "planner")
def proposals(*, principal: Principal) -> Any:
    view = service.console(get_db(), get_resources())
    return respond({"proposals": [p.to_dict() for p in view.proposals]})


@bp.post("/coverage/proposals/<int:proposal_id>/accept")
@require_token("dispatcher")
def accept(proposal_id: int, *, principal: Principal) -> Any:
    started = service.accept_proposal(get_db(), proposal_id, _actor(principal))
    return respond({"proposal_id": proposal_id, "moves": [m.to_dict() for m in started]})


@bp.post("/coverage/proposals/<int:proposal_id>/dismiss")
@require_token("dispatcher")
def dismiss(proposal_id: int, *, principal: Principal) -> Any:
    body = parse(DismissBody, json_body())
    done = service.dismiss_proposal(get_db(), proposal_id, body.reason, _actor(principal), note=body.note)
    return respond(done.to_dict())


@bp.post("/units/<int:unit_id>/move-to-post")
@require_token("dispatcher")
def move_to_post(unit_id: int, *, principal: Principal) -> Any:
    body = parse(MoveBody, json_body())
    started = service.move_unit(get_db(), get_resources(), unit_id, body.post_id, _actor(principal))
    return respond(started.to_dict(), 201)


@bp.post("/units/<int:unit_id>/at-post")
@require_token("dispatcher", "crew")
def at_post(unit_id: int, *, principal: Principal) -> Any:
    _own_unit_only(principal, unit_id)
    source = "crew" if principal.role == "crew" else "dispatcher"
    return respond(service.arrive(get_db(), unit_id, _actor(principal), source=source).to_dict())


@bp.get("/coverage/posts")
@require_token("dispatcher", "leadership", "planner")
def posts(*, principal: Principal) -> Any:
    unit_type = flask.request.args.get("unit_type")
    if unit_type:
        return respond({"unit_type": unit_type, "posts": service.posts(get_db(), get_resources(), unit_type)})
    include = flask.request.args.get("all") in ("1", "true", "yes")
    return respond({"standby_posts": service.standby_posts(get_db(), include_retired=include)})


@bp.post("/coverage/posts")
@require_token()
def add_post(*, principal: Principal) -> Any:
    return respond(service.add_standby_post(get_db(), json_body(), _actor(principal)), 201)


@bp.post("/coverage/posts/<int:post_id>/retire")
@require_token()
def retire_post(post_id: int, *, principal: Principal) -> Any:
    return respond(service.retire_standby_post(get_db(), post_id, _actor(principal)))


@bp.get("/coverage/settings")
@require_token("dispatcher", "leadership", "planner")
def get_settings(*, principal: Principal) -> Any:
    return respond(service.settings(get_db()).to_dict())


@bp.put("/coverage/settings")
@require_token()
def put_settings(*, principal: Principal) -> Any:
    return respond(service.save_settings(get_db(), json_body(), _actor(principal)).to_dict())


@bp.get("/coverage/uncovered-time")
@require_token("leadership", "planner")
def uncovered_time(*, principal: Principal) -> Any:
    args = flask.request.args
    start, end = service.parse_period(args.get("from"), args.get("to"))
    kpi = service.uncovered_time(get_db(), get_resources(), start, end, args.get("unit_type", "ambulance"))
    return respond(kpi.to_dict())


@bp.get("/coverage/today")
@require_token("leadership", "planner", "dispatcher")
def today(*, principal: Principal) -> Any:
    unit_type = flask.request.args.get("unit_type") or None
    found = service.uncovered_share_today(get_db(), get_resources(), unit_type=unit_type)
    return respond(found.to_dict() if found is not None else None)
