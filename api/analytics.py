"""Response-time analytics over the API: fractiles per group and interval; the targets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flask

from analytics._errors import FilterError, TargetsError
from analytics.fractiles import METHOD_EN
from analytics.intervals import INTERVAL_KEYS
from analytics.model import GroupRow, Names
from analytics.period import Filters, parse_filters
from analytics.targets import Targets
from api._common import Principal, error, json_body, require_token, respond
from services import analytics as analytics_service
from web.context import get_db

bp = flask.Blueprint("api_analytics", __name__, url_prefix="/api/v1")

_PARAMS = {"from", "to", "group_by", "type", "agency", "kecamatan"}


def _filters(names: Names) -> Filters:
    args = flask.request.args
    unknown = sorted(set(args) - _PARAMS)
    if unknown:
        raise error(422, f"unknown parameter(s): {', '.join(unknown)}", unknown[0])
    try:
        return parse_filters(args, now=datetime.now(UTC), known_types=set(names.types),
                             known_agencies=set(names.agencies), known_kecamatan=set(names.kecamatan))
    except FilterError as exc:
        raise error(422, str(exc), exc.field) from None


def _target(targets: Targets, names: Names, filters: Filters, group_by: str, key: str | None,
            interval: str) -> int | None:
    if group_by == "type" and key:
        return targets.resolve(interval, incident_type=key, agency=names.type_agency.get(key)).target_s
    pairs = [(c, a) for c, a in names.type_agency.items()
             if (not filters.incident_types or c in filters.incident_types)
             and (not filters.agency or a == filters.agency)
             and (group_by != "agency" or key is None or a == key)]
    return targets.uniform_target(interval, pairs) if pairs else None


def _group(row: GroupRow, names: Names, targets: Targets, filters: Filters, group_by: str) -> dict[str, Any]:
    if group_by == "kecamatan":
        name = names.kecamatan.get(row.key or "")
    elif group_by == "kelurahan":
        name = names.kelurahan.get(row.key or "")
    elif group_by == "type":
        name = names.types.get(row.key or "", (None, None))[1]
    elif group_by == "agency":
        name = names.agencies.get(row.key or "", (None, None))[1]
    else:
        name = "all"
    return {
        "key": row.key, "name": name, "incidents": row.incidents,
        "intervals": {k: {"p50_s": s.p50_s, "p90_s": s.p90_s, "within_target_share": s.within_target_share,
                          "n": s.n, "completeness_share": s.completeness_share, "population": s.population,
                          "target_s": _target(targets, names, filters, group_by, row.key, k)}
                      for k, s in row.intervals.items()},
    }


@bp.get("/analytics/response-times")
@require_token("leadership")
def response_times(*, principal: Principal) -> Any:
    db = get_db()
    names = analytics_service.names(db)
    group_by = flask.request.args.get("group_by") or "none"
    if group_by not in analytics_service.GROUP_BYS:
        raise error(422, f"group_by must be one of {', '.join(analytics_service.GROUP_BYS)}", "group_by")
    filters = _filters(names)
    targets = analytics_service.load_targets(db)
    rows = analytics_service.response_times(db, filters, group_by=group_by, targets=targets)
    return respond({
        "from": filters.start, "to": filters.end, "timezone": "Asia/Makassar", "group_by": group_by,
        "filters": {"type": list(filters.incident_types), "agency": filters.agency,
                    "kecamatan": filters.kecamatan},
        "intervals": list(INTERVAL_KEYS),
        "percentile_method": METHOD_EN,
        "groups": [_group(r, names, targets, filters, group_by) for r in rows],
    })


@bp.get("/analytics/targets")
@require_token("leadership")
def get_targets(*, principal: Principal) -> Any:
    return respond(analytics_service.load_targets(get_db()).to_json())


@bp.put("/analytics/targets")
@require_token("admin")
def put_targets(*, principal: Principal) -> Any:
    try:
        saved = analytics_service.save_targets(get_db(), json_body())
    except TargetsError as exc:
        raise error(422, str(exc), "rules") from None
    return respond(saved.to_json())
