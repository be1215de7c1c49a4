"""GET /api/v1/openapi.json: the hand-written OpenAPI 3.1 description of the dispatch API."""

from __future__ import annotations

from typing import Any

import flask

from api._common import respond
from incidents.model import REQUESTABLE_STATUSES, Outcome
from incidents.validation import MAX_ADDRESS_CHARS, MAX_DESCRIPTION_CHARS, MAX_NOTE_CHARS, MAX_PHONE_CHARS

bp = flask.Blueprint("api_openapi", __name__, url_prefix="/api/v1")



def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, **_json(schema)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict[str, Any], example: dict[str, Any] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"required": True, "content": {"application/json": content}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {401: "Missing or invalid bearer token.", 403: "The token's role may not do this.",
             404: "No such incident, unit or facility.", 409: "Conflict with the current state.",
             413: "Request body too large.",
             422: "Invalid input: each bad field with a message; nothing was stored.",
             503: "Database or travel graph unavailable."}
    return {str(c): {"description": texts[c], **_json(_ref("Errors"))} for c in codes}


_ID = {"name": "incident_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_UNIT = {"name": "unit_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "Names one logical request: a retry with the same key and the same JSON body returns "
                               "the first result without acting again; the same key with another body is refused "
                               "(422). Bound to the calling token."}
_TIME = {"type": "string", "format": "date-time",
         "description": "ISO 8601 with a UTC offset (e.g. 2026-01-31T21:05:00+08:00); "
                        "not more than 5 min in the future nor 7 days in the past."}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (a plain dict)."""
    schemas: dict[str, Any] = {
        "Errors": {"type": "object", "required": ["errors"], "properties": {"errors": {
            "type": "array", "items": {"type": "object", "required": ["field", "message"], "properties": {
                "field": {"type": "string", "description": "The offending field ('' when not field-specific)."},
                "message": {"type": "string"}}}}}},
        "NewIncident": {
            "type": "object", "required": ["lat", "lon", "type"], "additionalProperties": False,
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90,
                        "description": "WGS84; on Kota Kendari's land or in the shore band up to 250 m off it "
                                       "(routing's rule); open water farther out is refused."},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "type": {"type": "string", "description": "An incident type code (GET /api/v1/incident-types)."},
                "priority": {"type": "integer", "enum": [1, 2, 3, 4],
                             "description": "1 critical … 4 municipal; default: the type's default priority."},
                "description": {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS},
                "address": {"type": "string", "maxLength": MAX_ADDRESS_CHARS},
                "caller_phone": {"type": "string", "maxLength": MAX_PHONE_CHARS,
                                 "pattern": r"^\+?[0-9 ().\-]+$", "description": "3 to 20 digits."},
                "call_received_at": {**_TIME, "description": "When the call reached the centre (default: now)."},
                "call_answered_at": {**_TIME,
                                     "description": "When it was answered (default: call_received_at, else now)."},
            }},
        "Incident": {"type": "object", "properties": {
            "id": {"type": "integer"}, "type": {"type": "string"}, "type_name_id": {"type": "string"},
            "type_name_en": {"type": "string"}, "priority": {"type": "integer"},
            "lat": {"type": "number"}, "lon": {"type": "number"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "kecamatan": {"type": ["string", "null"]}, "kelurahan": {"type": ["string", "null"]},
            "description": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]},
            "caller_phone": {"type": ["string", "null"]},
            "outcome": {"type": ["string", "null"], "enum": [o.value for o in Outcome] + [None]},
            "created_at": {"type": "string", "format": "date-time"}, "call_id": {"type": "integer"},
            "call_received_at": {"type": ["string", "null"], "format": "date-time"},
            "call_answered_at": {"type": ["string", "null"], "format": "date-time"},
            "first_dispatched_at": {"type": ["string", "null"], "format": "date-time"},
            "first_en_route_at": {"type": ["string", "null"], "format": "date-time"},
            "first_on_scene_at": {"type": ["string", "null"], "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"},
            "duplicate_of": {"type": ["integer", "null"]},
            "possible_duplicate_of": {"type": ["integer", "null"], "description":
                "An open incident of the same type within 200 m whose call came within 15 minutes."},
            "units_assigned": {"type": "integer"}}},
        "Assignment": {"type": "object", "properties": {
            "id": {"type": "integer"}, "incident_id": {"type": "integer"}, "unit_id": {"type": "integer"},
            "callsign": {"type": "string"}, "unit_type": {"type": "string"},
            "status": {"type": "string", "enum": ["dispatched", "en_route", "on_scene", "transporting",
                                                  "at_hospital", "cleared"]},
            "assigned_at": {"type": "string", "format": "date-time"},
            "en_route_at": {"type": ["string", "null"], "format": "date-time"},
            "on_scene_at": {"type": ["string", "null"], "format": "date-time"},
            "transport_started_at": {"type": ["string", "null"], "format": "date-time"},
            "at_hospital_at": {"type": ["string", "null"], "format": "date-time"},
            "cleared_at": {"type": ["string", "null"], "format": "date-time"},
            "eta_s": {"type": ["number", "null"]}}},
        "Event": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
            "recorded_at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]},
            "actor_user_id": {"type": ["integer", "null"]}, "unit_id": {"type": ["integer", "null"]},
            "callsign": {"type": ["string", "null"]}, "data": {"type": "object"}}},
        "IncidentDetail": {"allOf": [_ref("Incident"), {"type": "object", "properties": {
            "assignments": {"type": "array", "items": _ref("Assignment")},
            "timeline": {"type": "array", "items": _ref("Event"),
                         "description": "The append-only history, oldest first."}}}]},
        "Candidate": {"type": "object", "properties": {
            "unit_id": {"type": "integer"}, "callsign": {"type": "string"}, "unit_type": {"type": "string"},
            "agency_code": {"type": "string"}, "status": {"type": "string"},
            "position_source": {"type": "string", "enum": ["reported", "station"]},
            "reachable": {"type": "boolean"}, "eta_s": {"type": ["number", "null"]},
            "distance_m": {"type": ["number", "null"]}, "reason": {"type": ["string", "null"]},
            "route": {"description": "GeoJSON LineString from the unit to the incident (best few per plan item).",
                      "oneOf": [{"type": "null"}, {"type": "object", "properties": {
                          "type": {"const": "LineString"}, "coordinates": {"type": "array"}}}]}}},
        "Recommendation": {"type": "object", "properties": {
            "incident_id": {"type": "integer"},
            "routing": {"type": "string", "enum": ["road", "approximate"],
                        "description": "Which travel-time model produced every ETA."},
            "plan": {"type": "array", "items": {"type": "object", "properties": {
                "unit_type": {"type": "string"}, "required": {"type": "integer"}, "filled": {"type": "integer"},
                "missing": {"type": "integer"}, "selected": {"type": "array", "items": {"type": "integer"}}}}},
            "candidates": {"type": "array", "items": _ref("Candidate"), "description": "Sorted by eta_s."},
            "unfilled": {"type": "array", "items": {"type": "object"}},
            "substitutes": {"type": "array", "items": {"type": "object"}},
            "notes": {"type": "array", "items": {"type": "string"}}}},
        "Unit": {"type": "object", "properties": {
            "unit_id": {"type": "integer"}, "callsign": {"type": "string"}, "unit_type": {"type": "string"},
            "agency": {"type": "string"}, "status": {"type": "string"},
            "status_at": {"type": "string", "format": "date-time"}, "lon": {"type": ["number", "null"]},
            "lat": {"type": ["number", "null"]}, "position_at": {"type": ["string", "null"], "format": "date-time"},
            "at_home_station": {"type": "boolean"}, "home_station": {"type": ["string", "null"]},
            "incident_id": {"type": ["integer", "null"]}}},
        "UnitState": {"type": "object", "properties": {
            "unit_id": {"type": "integer"}, "callsign": {"type": "string"}, "status": {"type": "string"},
            "status_at": {"type": "string", "format": "date-time"}, "incident_id": {"type": ["integer", "null"]},
            "assignment_id": {"type": ["integer", "null"]}, "assignment_status": {"type": ["string", "null"]}}},
    }
    paths: dict[str, Any] = {
        "/healthz": {"get": {"summary": "Health of the app and its database", "security": [],
                             "responses": {"200": _ok("Healthy", {"type": "object"}),
                                           "503": _ok("Database unavailable", {"type": "object"})}}},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "security": [],
                                         "responses": {"200": _ok("OpenAPI 3.1", {"type": "object"})}}},
        "/api/v1/incidents": {
            "post": {
                "summary": "Create an incident (also writes its call and the call_received, call_answered "
                           "and incident_created events)",
                "parameters": [_IDEMPOTENCY],
                "requestBody": _body(_ref("NewIncident"), {"lat": -3.9669, "lon": 122.512, "type": "medical",
                                                           "description": "Pingsan di pasar",
                                                           "caller_phone": "+62 812-3456-7890"}),
                "responses": {"201": _ok("Created", _ref("Incident")), **_errors(401, 403, 422)}},
            "get": {
                "summary": "List incidents",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "closed", "all"],
                                                                 "default": "open"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2000,
                                                                "default": 500}}],
                "responses": {"200": _ok("Incidents, open first by priority", {"type": "object", "properties": {
                    "incidents": {"type": "array", "items": _ref("Incident")}, "count": {"type": "integer"}}}),
                    **_errors(401, 403, 422)}}},
        "/api/v1/incidents/{incident_id}": {
            "get": {
                "summary": "One incident with its assignments and timeline", "parameters": [_ID],
                "responses": {"200": _ok("The incident", _ref("IncidentDetail")), **_errors(401, 403, 404)}},
            "patch": {
                "summary": "Correct an open incident's location",
                "description": "Audited (an `incident_updated` event with the old and new point and place "
                               "names); kecamatan and kelurahan are set again, and the next recommendation "
                               "is computed from the new point. Same placement rule as creating.",
                "parameters": [_ID],
                "requestBody": _body({"type": "object", "required": ["lat", "lon"], "additionalProperties": False,
                                      "properties": {"lat": {"type": "number"}, "lon": {"type": "number"},
                                                     "reason": {"type": "string", "maxLength": MAX_NOTE_CHARS}}},
                                     {"lat": -3.9669, "lon": 122.512, "reason": "caller gave the wrong street"}),
                "responses": {"200": _ok("The moved incident", _ref("Incident")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/incidents/{incident_id}/calls": {"post": {
            "summary": "Record a further call about an open incident (no new incident)",
            "description": "A `calls` row classified `duplicate` linked to the incident, and a `call_received` "
                           "event with `attached: true`. Honours `Idempotency-Key`.",
            "parameters": [_ID, _IDEMPOTENCY],
            "requestBody": _body({"type": "object", "additionalProperties": False, "properties": {
                "caller_phone": {"type": "string", "maxLength": MAX_PHONE_CHARS},
                "description": {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS},
                "call_received_at": _TIME}}, {"caller_phone": "0812 3333 4444"}),
            "responses": {"201": _ok("The incident", _ref("Incident")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/incidents/duplicates": {"get": {
            "summary": "Open incidents a new call probably reports again (ask before creating)",
            "description": "Same type within 200 m whose call came within 15 minutes, nearest first.",
            "parameters": [{"name": n, "in": "query", "required": True, "schema": {"type": t}}
                           for n, t in (("lat", "number"), ("lon", "number"), ("type", "string"))],
            "responses": {"200": _ok("Candidates", {"type": "object", "properties": {
                "duplicates": {"type": "array", "items": {"type": "object"}}}}), **_errors(401, 403)}}},
        "/api/v1/incidents/{incident_id}/timeline": {"get": {
            "summary": "The incident's event history (who did what, when)", "parameters": [_ID],
            "responses": {"200": _ok("Events, oldest first", {"type": "object", "properties": {
                "timeline": {"type": "array", "items": _ref("Event")}}}), **_errors(401, 403, 404)}}},
        "/api/v1/incidents/{incident_id}/recommendations": {"get": {
            "summary": "Suitable available units ranked by travel time, against the type's response plan",
            "parameters": [_ID],
            "responses": {"200": _ok("Ranking", _ref("Recommendation")), **_errors(401, 403, 404, 422)}}},
        "/api/v1/incidents/{incident_id}/assignments": {"post": {
            "summary": "Assign a unit (or several, or the recommended plan) — all or nothing",
            "description": "Give exactly one of `unit_id`, `unit_ids` or `plan: true`. The unit rows are "
                           "locked inside one transaction: of simultaneous attempts on one unit exactly one "
                           "succeeds; the others get 409.",
            "parameters": [_ID, _IDEMPOTENCY],
            "requestBody": _body({"type": "object", "additionalProperties": False, "properties": {
                "unit_id": {"type": "integer"}, "unit_ids": {"type": "array", "items": {"type": "integer"}},
                "plan": {"type": "boolean"}, "eta_s": {"type": "number", "minimum": 0}}}, {"unit_id": 3}),
            "responses": {"201": _ok("Assigned: the assignment (unit_id), or {assignments: [...]}",
                                     {"oneOf": [_ref("Assignment"), {"type": "object", "properties": {
                                         "assignments": {"type": "array", "items": _ref("Assignment")}}}]}),
                          **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/incidents/{incident_id}/assignments/{unit_id}": {"delete": {
            "summary": "Unassign a unit (it becomes available)", "parameters": [_ID, _UNIT],
            "responses": {"200": _ok("The cleared assignment", _ref("Assignment")), **_errors(401, 403, 404, 409)}}},
        "/api/v1/incidents/{incident_id}/unassign": {"post": {
            "summary": "Unassign a unit (same as DELETE …/assignments/{unit_id})", "parameters": [_ID],
            "requestBody": _body({"type": "object", "required": ["unit_id"], "properties": {
                "unit_id": {"type": "integer"}}}),
            "responses": {"200": _ok("The cleared assignment", _ref("Assignment")),
                          **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/incidents/{incident_id}/close": {"post": {
            "summary": "Close with an outcome; units still assigned are cleared", "parameters": [_ID, _IDEMPOTENCY],
            "requestBody": _body({"type": "object", "required": ["outcome"], "additionalProperties": False,
                                  "properties": {
                                      "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
                                      "note": {"type": "string", "maxLength": MAX_NOTE_CHARS},
                                      "duplicate_of": {"type": "integer",
                                                       "description": "Only with outcome 'duplicate'."}}},
                                 {"outcome": "resolved"}),
            "responses": {"200": _ok("The closed incident", _ref("Incident")),
                          **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/incident-types": {"get": {
            "summary": "Incident types with their default priority",
            "responses": {"200": _ok("Types", {"type": "object"}), **_errors(401, 403)}}},
        "/api/v1/places": {"get": {
            "summary": "Search kelurahan (with spelling aliases), kecamatan, facilities and landmarks",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string",
                                                                                    "maxLength": 100}}],
            "responses": {"200": _ok("Matches with a point each", {"type": "object"}), **_errors(401, 403, 422)}}},
        "/api/v1/locate": {"get": {
            "summary": "Kecamatan and kelurahan of a point",
            "parameters": [{"name": "lat", "in": "query", "required": True, "schema": {"type": "number"}},
                           {"name": "lon", "in": "query", "required": True, "schema": {"type": "number"}}],
            "responses": {"200": _ok("The place", {"type": "object"}), **_errors(401, 403, 422)}}},
        "/api/v1/units": {"get": {
            "summary": "The fleet: status and position (last report, or home station)",
            "responses": {"200": _ok("Units", {"type": "object", "properties": {
                "units": {"type": "array", "items": _ref("Unit")}}}), **_errors(401, 403)}}},
        "/api/v1/units/{unit_id}": {"get": {
            "summary": "One unit's status and active assignment", "parameters": [_UNIT],
            "responses": {"200": _ok("The unit", _ref("UnitState")), **_errors(401, 403, 404)}}},
        "/api/v1/units/{unit_id}/position": {"post": {
            "summary": "Report a position fix (vehicle tracker, crew phone)",
            "description": "A fix older than the unit's current one is kept in the history only. "
                           "Crew tokens may report only for their own unit.",
            "parameters": [_UNIT],
            "requestBody": _body({"type": "object", "required": ["lat", "lon"], "additionalProperties": False,
                                  "properties": {"lat": {"type": "number"}, "lon": {"type": "number"},
                                                 "recorded_at": _TIME,
                                                 "source": {"type": "string", "maxLength": 32}}},
                                 {"lat": -3.97, "lon": 122.52}),
            "responses": {"201": _ok("Stored", {"type": "object", "properties": {
                "unit_id": {"type": "integer"}, "current": {"type": "boolean"}}}),
                **_errors(401, 403, 404, 422)}}},
        "/api/v1/units/{unit_id}/status": {"post": {
            "summary": "Change a unit's status",
            "description": "Life cycle: dispatched → en_route → on_scene → (transporting → at_hospital) → "
                           "cleared; 'cleared' (or 'available') from any active status; without an "
                           "assignment: available ↔ out_of_service. Anything else: 409.",
            "parameters": [_UNIT],
            "requestBody": _body({"type": "object", "required": ["status"], "additionalProperties": False,
                                  "properties": {"status": {"type": "string", "enum": list(REQUESTABLE_STATUSES)},
                                                 "at": _TIME}}, {"status": "en_route"}),
            "responses": {"200": _ok("The unit after the change", _ref("UnitState")),
                          **_errors(401, 403, 404, 409, 422)}}},
    }
    paths.update(_other_paths())
    paths.update(_network_paths())
    paths.update(_coverage_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kendari 112 incident command API", "version": "1.0.0",
                 "description": "API of the Kendari 112 centre: dispatch, facilities, analytics, "
                               "historical import and planning. Every change is written to the "
                                "append-only event history with the caller and the time. Bad input gets "
                                "422 with `errors: [{field, message}]` and nothing is stored."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (`python app.py create-token`) or "
                                                          "KENDARI112_API_TOKEN (integration, all rights)."}},
            "schemas": schemas,
            "responses": {"Error": {"description": "Error", **_json(_ref("Errors"))}},
        },
        "paths": paths,
    }


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_PLANNING_QUERY = [
    _q("types", "Comma-separated incident type codes (default: all)"),
    _q("start", "First month or day (YYYY-MM or YYYY-MM-DD, WITA)"),
    _q("end", "Last month or day (inclusive)"),
    _q("hour_from", "Hour band start, 0–23 WITA (a band may wrap midnight)", {"type": "integer"}),
    _q("hour_to", "Hour band end, 1–24 WITA", {"type": "integer"}),
    _q("resolution", "H3 resolution", {"type": "integer", "enum": [8, 9]}),
]
_OBJECT = {"type": "object"}


def _other_paths() -> dict[str, Any]:
    """Facilities, analytics, historical import and planning (see README and docs/)."""
    interval = {"type": "object", "properties": {
        "p50_s": {"type": ["integer", "null"]}, "p90_s": {"type": ["integer", "null"]},
        "within_target_share": {"type": ["number", "null"]}, "n": {"type": "integer"},
        "completeness_share": {"type": ["number", "null"]}, "population": {"type": "integer"},
        "target_s": {"type": ["integer", "null"]}}}
    return {
        "/api/v1/facilities": {"get": {
            "summary": "Stations and facilities with their location confidence",
            "responses": {"200": _ok("Facilities", {"type": "object", "properties": {
                "facilities": {"type": "array", "items": _OBJECT}}}), **_errors(401, 403)}}},
        "/api/v1/facilities/{facility_id}/location": {"post": {
            "summary": "Correct a facility's location (admin); audited, confidence becomes 'surveyed'",
            "parameters": [{"name": "facility_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": _body({"type": "object", "required": ["lat", "lon"], "additionalProperties": False,
                                  "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
                                 {"lat": -3.9925, "lon": 122.583}),
            "responses": {"200": _ok("The corrected facility", _OBJECT), **_errors(401, 403, 404, 422)}}},
        "/api/v1/analytics/response-times": {"get": {
            "summary": "Response-interval fractiles (nearest rank) against targets, with completeness",
            "description": "Intervals: answer, processing, turnout, travel, total (DOMAIN.md). Days in WITA.",
            "parameters": [
                _q("from", "First WITA day (YYYY-MM-DD) or an ISO 8601 time with offset"),
                _q("to", "Last WITA day (inclusive) or an ISO 8601 time with offset (exclusive)"),
                _q("group_by", "Grouping", {"type": "string",
                                             "enum": ["none", "kecamatan", "kelurahan", "type", "agency"]}),
                _q("type", "Incident type code"), _q("agency", "Agency code"), _q("kecamatan", "Kecamatan code")],
            "responses": {"200": _ok("Groups with their intervals", {"type": "object", "properties": {
                "groups": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]},
                    "intervals": {"type": "object", "additionalProperties": interval}}}}}}),
                **_errors(401, 403, 422)}}},
        "/api/v1/analytics/targets": {
            "get": {"summary": "The response-time targets in force",
                    "responses": {"200": _ok("Targets", _OBJECT), **_errors(401, 403)}},
            "put": {"summary": "Replace the response-time targets (admin)",
                    "requestBody": _body(_OBJECT),
                    "responses": {"200": _ok("Targets", _OBJECT), **_errors(401, 403, 422)}}},
        "/api/v1/imports/incidents": {"post": {
            "summary": "Import historical incidents from CSV (admin): whole file or nothing",
            "description": "Body: text/csv as documented in docs/analytics.md. Every bad line is listed "
                           "in `errors` with its reason; `?dry_run=1` only validates.",
            "parameters": [_q("dry_run", "Only validate", {"type": "string", "enum": ["1", "true", "yes"]}),
                           _q("filename", "Name recorded with the import")],
            "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
            "responses": {"201": _ok("Imported", _OBJECT), "200": _ok("Dry run: valid", _OBJECT),
                          **_errors(401, 403, 413, 422)}}},
        "/api/v1/planning/hotspots": {"get": {
            "summary": "Getis-Ord Gi* hot and cold spots on H3 cells (GeoJSON)",
            "parameters": _PLANNING_QUERY,
            "responses": {"200": _ok("Cells with counts, Gi* z, p and class", _OBJECT),
                          **_errors(401, 403, 422)}}},
        "/api/v1/planning/coverage": {"get": {
            "summary": "Drive-time coverage bands from stations of a kind (GeoJSON)",
            "parameters": [_q("kind", "Station kind", {"type": "string",
                                                        "enum": ["fire", "ambulance", "police", "bpbd"]}),
                           _q("bands", "Band limits in minutes, e.g. 4,8,15"), *_PLANNING_QUERY],
            "responses": {"200": _ok("Bands with shares of land, kelurahan and incidents", _OBJECT),
                          **_errors(401, 403, 422, 503)}}},
    }


def _network_paths() -> dict[str, Any]:
    """The travel network in use and its corrections."""
    cid = [{"name": "correction_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    point = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
             "description": "[lon, lat]"}
    correction = {"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "enum": ["connector", "closure", "speed_factor"]},
        "name": {"type": "string"}, "reason": {"type": "string"}, "source": {"type": "string"},
        "connector_kind": {"type": "string", "enum": ["bridge", "ferry", "link"]}, "a": point, "b": point,
        "length_m": {"type": "number"}, "speed_kmh": {"type": "number"}, "crossing_s": {"type": "number"},
        "waiting_s": {"type": "number"},
        "geometry": {"type": "object", "description": "GeoJSON LineString or Polygon (closures)"},
        "starts_at": _TIME, "ends_at": _TIME, "road_class": {"type": "string"},
        "start_hour": {"type": "number"}, "end_hour": {"type": "number"}, "factor": {"type": "number"}}}
    return {
        "/api/v1/network": {"get": {
            "summary": "The travel network this worker routes on: model, source, licence, corrections applied",
            "responses": {"200": _ok("Network summary", _OBJECT), **_errors(401, 403)}}},
        "/api/v1/network/corrections": {
            "get": {"summary": "Active and proposed corrections (`?all=1` adds retired ones)",
                    "parameters": [_q("all", "Include retired corrections", {"type": "string", "enum": ["1"]})],
                    "responses": {"200": _ok("Corrections", _OBJECT), **_errors(401, 403)}},
            "post": {"summary": "Add a connector, closure or speed factor (admin); audited; every worker "
                                "routes with it within a few seconds",
                     "requestBody": _body(correction, {"kind": "closure", "reason": "flood", "geometry": {
                         "type": "Polygon", "coordinates": [[[122.505, -3.975], [122.52, -3.975],
                                                             [122.52, -3.965], [122.505, -3.975]]]},
                         "ends_at": "2026-12-01T18:00:00+08:00"}),
                     "responses": {"201": _ok("The stored correction", _OBJECT), **_errors(401, 403, 422)}}},
        "/api/v1/network/corrections/{correction_id}/retire": {"post": {
            "summary": "Take a correction out of use (admin); the row and its history stay",
            "parameters": cid, "responses": {"200": _ok("Retired", _OBJECT), **_errors(401, 403, 404, 409)}}},
        "/api/v1/network/corrections/{correction_id}/activate": {"post": {
            "summary": "Put a proposed closure into force (dispatcher)",
            "parameters": cid, "responses": {"200": _ok("Active", _OBJECT), **_errors(401, 403, 404, 409)}}},
        "/api/v1/incidents/{incident_id}/proposed-closure": {"post": {
            "summary": "Propose a closure around a flood or landslide ticket (one action; changes no route "
                       "until activated)",
            "parameters": [{"name": "incident_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"201": _ok("The proposed closure", _OBJECT), **_errors(401, 403, 404, 422)}}},
        "/api/v1/network/accuracy": {"get": {
            "summary": "ETA accuracy: predicted travel time (network in use, from the unit's position at dispatch or "
                       "its home station) against the recorded en-route to on-scene time of closed incidents; median "
                       "ratio and p90 absolute error by kecamatan, road class and WITA hour band, and a fitted speed "
                       "factor per band. On demo data (`synthetic_only`) it checks the synthetic model only",
            "parameters": [_q("from", "First day, YYYY-MM-DD (WITA); default 90 days before `to`"),
                           _q("to", "Last day, YYYY-MM-DD (WITA), inclusive; default today")],
            "responses": {"200": _ok("The report", _OBJECT), **_errors(401, 403, 422)}}},
        "/api/v1/network/accuracy/apply": {"post": {
            "summary": "Store one hour band's fitted speed factor as a correction (admin; audited; retire it to undo)",
            "requestBody": _body({"type": "object", "required": ["band"], "properties": {
                "band": {"type": ["string", "integer"], "description": "Band label (06-09) or index 0-4"},
                "from": {"type": "string"}, "to": {"type": "string"}}},
                {"band": "06-09", "from": "2026-09-01", "to": "2026-11-30"}),
            "responses": {"201": _ok("The stored speed factor", _OBJECT), **_errors(401, 403, 422)}}},
        "/readyz": {"get": {"summary": "Readiness: 200 when the app can serve, 503 with Retry-After when not",
                            "security": [],
                            "responses": {"200": _ok("Ready", _OBJECT), "503": _ok("Not ready", _OBJECT)}}},
    }


def _coverage_paths() -> dict[str, Any]:
    """Live coverage, move-up proposals, moves to a post, standby posts and uncovered time (docs/coverage.md)."""
    pid = [{"name": "proposal_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    post = [{"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    unit_type = _q("unit_type", "Unit type code, e.g. ambulance")
    return {
        "/api/v1/coverage/live": {"get": {
            "summary": "Live coverage per unit type: uncovered shares now and with every unit at home, the "
                       "hole and since when; keeps the move-up proposals up to date",
            "parameters": [unit_type, _q("cells", "With unit_type: also list the uncovered cells",
                                         {"type": "string", "enum": ["1"]})],
            "responses": {"200": _ok("Every type (or one type with its hole geometry)", _OBJECT),
                          **_errors(401, 403, 422, 503)}}},
        "/api/v1/coverage/proposals": {"get": {
            "summary": "Open move-up proposals",
            "responses": {"200": _ok("Proposals", _OBJECT), **_errors(401, 403)}}},
        "/api/v1/coverage/proposals/{proposal_id}/accept": {"post": {
            "summary": "Accept a proposal: each unit in it gets the status moving_to_post (audited)",
            "parameters": pid,
            "responses": {"200": _ok("The moves started", _OBJECT), **_errors(401, 403, 404, 409)}}},
        "/api/v1/coverage/proposals/{proposal_id}/dismiss": {"post": {
            "summary": "Dismiss a proposal with a reason (audited; not proposed again while the same units "
                       "are committed)",
            "parameters": pid,
            "requestBody": _body({"type": "object", "required": ["reason"], "additionalProperties": False,
                                  "properties": {"reason": {"type": "string", "enum": [
                                      "unit_needed_here", "crew_rest", "road_conditions", "short_commitment",
                                      "other"]}, "note": {"type": "string", "maxLength": 500}}},
                                 {"reason": "crew_rest"}),
            "responses": {"200": _ok("The dismissed proposal", _OBJECT), **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/units/{unit_id}/move-to-post": {"post": {
            "summary": "Send an available unit to a post of its type (status moving_to_post)",
            "parameters": [_UNIT],
            "requestBody": _body({"type": "object", "required": ["post_id"], "additionalProperties": False,
                                  "properties": {"post_id": {"type": "string",
                                                             "description": "f<facility id> or s<standby id>"}}},
                                 {"post_id": "s1"}),
            "responses": {"201": _ok("The move", _OBJECT), **_errors(401, 403, 404, 409, 422)}}},
        "/api/v1/units/{unit_id}/at-post": {"post": {
            "summary": "The unit arrived at its post: available there, the post becomes its position",
            "parameters": [_UNIT],
            "responses": {"200": _ok("The arrival", _OBJECT), **_errors(401, 403, 404, 409)}}},
        "/api/v1/coverage/posts": {
            "get": {"summary": "Standby posts, or with unit_type every post of that type",
                    "parameters": [unit_type, _q("all", "Include retired standby posts",
                                                 {"type": "string", "enum": ["1"]})],
                    "responses": {"200": _ok("Posts", _OBJECT), **_errors(401, 403, 422)}},
            "post": {"summary": "Add a standby post (admin); audited",
                     "requestBody": _body({"type": "object", "required": ["name", "lat", "lon"],
                                           "additionalProperties": False, "properties": {
                                               "name": {"type": "string"}, "lat": {"type": "number"},
                                               "lon": {"type": "number"},
                                               "unit_types": {"type": "array", "items": {"type": "string"}},
                                               "note": {"type": "string"},
                                               "location_confidence": {"type": "string"}}},
                                          {"name": "Pos siaga Bundaran Tugu", "lat": -3.9696, "lon": 122.5147,
                                           "unit_types": ["ambulance"]}),
                     "responses": {"201": _ok("The standby post", _OBJECT), **_errors(401, 403, 409, 422)}}},
        "/api/v1/coverage/posts/{post_id}/retire": {"post": {
            "summary": "Retire a standby post (admin); the row and its history stay",
            "parameters": post, "responses": {"200": _ok("Retired", _OBJECT), **_errors(401, 403, 404, 409)}}},
        "/api/v1/coverage/settings": {
            "get": {"summary": "Coverage targets, hole triggers and move-up settings in force",
                    "responses": {"200": _ok("Settings", _OBJECT), **_errors(401, 403)}},
            "put": {"summary": "Replace the coverage settings (admin); audited",
                    "requestBody": _body(_OBJECT, {"threshold_min": {"ambulance": 8}, "trigger_share": 0.05}),
                    "responses": {"200": _ok("Settings", _OBJECT), **_errors(401, 403, 422)}}},
        "/api/v1/coverage/uncovered-time": {"get": {
            "summary": "Per WITA day and kecamatan, the share of time the land was beyond the target "
                       "(from the event history)",
            "parameters": [unit_type, _q("from", "First WITA day (YYYY-MM-DD)"),
                           _q("to", "Last WITA day (inclusive)")],
            "responses": {"200": _ok("Days × kecamatan shares", _OBJECT), **_errors(401, 403, 422, 503)}}},
        "/api/v1/coverage/today": {"get": {
            "summary": "Today's uncovered-time share (WITA), city-wide and per kecamatan",
            "parameters": [unit_type],
            "responses": {"200": _ok("Today's share", _OBJECT), **_errors(401, 403, 422)}}},
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    return respond(document())
