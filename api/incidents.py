"""Incidents over the API: create, list, read with timeline, recommend, assign, unassign, close."""

from __future__ import annotations

from typing import Annotated, Any

import flask
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from api._common import Principal, error, json_body, parse, require_token, respond
from incidents import validation
from incidents.model import Actor
from services import incidents as service
from web.context import get_db, get_resources

bp = flask.Blueprint("api_incidents", __name__, url_prefix="/api/v1")

#: Who may read incidents, and who may change them (integration and admin always may).
READ_ROLES = ("dispatcher", "leadership", "planner")
WRITE_ROLES = ("dispatcher",)

Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateIncident(_Body):
    lat: Coordinate
    lon: Coordinate
    type: StrictStr
    priority: StrictInt | None = None
    description: StrictStr | None = None
    address: StrictStr | None = None
    caller_phone: StrictStr | None = None
    call_received_at: StrictStr | None = None
    call_answered_at: StrictStr | None = None


class AssignBody(_Body):
    unit_id: StrictInt | None = None
    unit_ids: list[StrictInt] | None = None
    plan: StrictBool | None = None
    eta_s: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)] | None = None


class UnassignBody(_Body):
    unit_id: StrictInt


class CloseBody(_Body):
    outcome: StrictStr
    note: StrictStr | None = None
    duplicate_of: StrictInt | None = None


class MoveBody(_Body):
    lat: Coordinate
    lon: Coordinate
    reason: StrictStr | None = None


class CallBody(_Body):
    caller_phone: StrictStr | None = None
    description: StrictStr | None = None
    call_received_at: StrictStr | None = None


#: Header naming one logical request: a retry with the same key and body returns the first result.
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_CHARS = 200


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.actor, principal.user_id)


def idempotency_of(principal: Principal, body: dict[str, Any], route: str) -> service.IdempotencyKey | None:
    """The request's ``Idempotency-Key`` bound to the caller (the token's actor) and a hash of the
    JSON body; None without the header. The same key with another body is refused (422)."""
    key = flask.request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable():
        raise error(422, f"must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable characters", IDEMPOTENCY_HEADER)
    return service.IdempotencyKey(key=key, principal=principal.actor,
                                  request_hash=service.request_hash({"route": route, "body": body}))


@bp.post("/incidents")
@require_token(*WRITE_ROLES)
def create_incident(*, principal: Principal) -> Any:
    raw = json_body()
    body = parse(CreateIncident, raw)
    incident = service.create_from_input(get_db(), get_resources(), body.model_dump(), actor_of(principal),
                                         idempotency=idempotency_of(principal, raw, "create"))
    resp = respond(incident.to_dict(), 201)
    resp.headers["Location"] = f"/api/v1/incidents/{incident.id}"
    return resp


@bp.get("/incidents")
@require_token(*READ_ROLES)
def list_incidents(*, principal: Principal) -> Any:
    status = flask.request.args.get("status", "open")
    try:
        limit = int(flask.request.args.get("limit", "500"))
    except ValueError:
        raise error(422, "must be an integer", "limit") from None
    if not 1 <= limit <= service.MAX_LIST_LIMIT:
        raise error(422, f"must be between 1 and {service.MAX_LIST_LIMIT}", "limit")
    rows = service.list_incidents(get_db(), status=None if status == "all" else status, limit=limit)
    return respond({"incidents": [i.to_dict() for i in rows], "count": len(rows)})


@bp.get("/incidents/<int:incident_id>")
@require_token(*READ_ROLES)
def get_incident(incident_id: int, *, principal: Principal) -> Any:
    return respond(service.get_incident(get_db(), incident_id).to_dict())


@bp.get("/incidents/<int:incident_id>/timeline")
@require_token(*READ_ROLES)
def get_timeline(incident_id: int, *, principal: Principal) -> Any:
    return respond({"incident_id": incident_id,
                    "timeline": [e.to_dict() for e in service.timeline(get_db(), incident_id)]})


@bp.get("/incidents/<int:incident_id>/recommendations")
@require_token(*READ_ROLES)
def recommendations(incident_id: int, *, principal: Principal) -> Any:
    rec = service.recommend_for_incident(get_db(), get_resources(), incident_id)
    return respond(rec)


@bp.post("/incidents/<int:incident_id>/assignments")
@require_token(*WRITE_ROLES)
def assign(incident_id: int, *, principal: Principal) -> Any:
    raw = json_body()
    body = parse(AssignBody, raw)
    idem = idempotency_of(principal, raw, f"assign:{incident_id}")
    given = [body.unit_id is not None, body.unit_ids is not None, bool(body.plan)]
    if sum(given) != 1:
        raise error(422, "give exactly one of unit_id, unit_ids or plan: true", "unit_id")
    db = get_db()
    actor = actor_of(principal)
    if body.unit_id is not None:
        uid = validation.positive_id(body.unit_id, "unit_id")
        if idem is not None:
            first = service.assign_units(db, incident_id, [(uid, body.eta_s)], actor, idempotency=idem)
            return respond(first[0].to_dict(), 201)
        assignment = service.assign_unit(db, incident_id, uid, actor, eta_s=body.eta_s)
        return respond(assignment.to_dict(), 201)
    if body.unit_ids is not None:
        ids = [validation.positive_id(u, f"unit_ids.{i}") for i, u in enumerate(body.unit_ids)]
        created = service.assign_units(db, incident_id, [(u, None) for u in ids], actor, idempotency=idem)
    elif idem is not None:
        chosen = service.plan_selection(service.recommend_for_incident(db, get_resources(), incident_id))
        created = service.assign_units(db, incident_id, chosen, actor, idempotency=idem) if chosen else \
            service.assign_plan(db, get_resources(), incident_id, actor)
    else:
        created = service.assign_plan(db, get_resources(), incident_id, actor)
    return respond({"assignments": [a.to_dict() for a in created]}, 201)


@bp.delete("/incidents/<int:incident_id>/assignments/<int:unit_id>")
@require_token(*WRITE_ROLES)
def unassign(incident_id: int, unit_id: int, *, principal: Principal) -> Any:
    return respond(service.unassign(get_db(), incident_id, unit_id, actor_of(principal)).to_dict())


@bp.post("/incidents/<int:incident_id>/unassign")
@require_token(*WRITE_ROLES)
def unassign_post(incident_id: int, *, principal: Principal) -> Any:
    body = parse(UnassignBody, json_body())
    uid = validation.positive_id(body.unit_id, "unit_id")
    return respond(service.unassign(get_db(), incident_id, uid, actor_of(principal)).to_dict())


@bp.post("/incidents/<int:incident_id>/close")
@require_token(*WRITE_ROLES)
def close(incident_id: int, *, principal: Principal) -> Any:
    raw = json_body()
    body = parse(CloseBody, raw)
    incident = service.close_incident(get_db(), incident_id, body.outcome, actor_of(principal),
                                      note=body.note, duplicate_of=body.duplicate_of,
                                      idempotency=idempotency_of(principal, raw, f"close:{incident_id}"))
    return respond(incident.to_dict())


@bp.patch("/incidents/<int:incident_id>")
@require_token(*WRITE_ROLES)
def move(incident_id: int, *, principal: Principal) -> Any:
    """Correct an open incident's location (audited; kecamatan/kelurahan set again)."""
    body = parse(MoveBody, json_body())
    incident = service.move_incident(get_db(), incident_id, body.lat, body.lon, actor_of(principal),
                                     reason=body.reason)
    return respond(incident.to_dict())


@bp.post("/incidents/<int:incident_id>/calls")
@require_token(*WRITE_ROLES)
def attach_call(incident_id: int, *, principal: Principal) -> Any:
    """Record a further call about an open incident (no new incident)."""
    raw = json_body()
    body = parse(CallBody, raw)
    incident = service.attach_call(get_db(), incident_id, body.model_dump(), actor_of(principal),
                                   idempotency=idempotency_of(principal, raw, f"call:{incident_id}"))
    return respond(incident.to_dict(), 201)


@bp.get("/incidents/duplicates")
@require_token(*READ_ROLES)
def duplicates(*, principal: Principal) -> Any:
    """Open incidents a new call at (lat, lon) of ``type`` probably reports again (ask before creating)."""
    args = flask.request.args
    rows = service.duplicate_candidates(get_db(), get_resources(),
                                        {"lat": args.get("lat"), "lon": args.get("lon"), "type": args.get("type")})
    return respond({"duplicates": rows})


@bp.get("/incident-types")
@require_token(*READ_ROLES, "crew")
def incident_types(*, principal: Principal) -> Any:
    return respond({"incident_types": service.incident_types(get_resources())})


@bp.get("/places")
@require_token(*READ_ROLES)
def places(*, principal: Principal) -> Any:
    hits = service.search_places(get_db(), flask.request.args.get("q"))
    return respond({"places": hits})


@bp.get("/locate")
@require_token(*READ_ROLES)
def locate(*, principal: Principal) -> Any:
    place = service.locate(get_db(), flask.request.args.get("lat"), flask.request.args.get("lon"))
    return respond({"lat": place.lat, "lon": place.lon, "kecamatan": place.kecamatan, "kelurahan": place.kelurahan})
