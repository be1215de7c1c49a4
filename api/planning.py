"""Planning over the API: Gi* hotspots and drive-time coverage as JSON with GeoJSON layers."""

from __future__ import annotations

import json
from typing import Any

import flask
from shapely.geometry import mapping

from api._common import Principal, error, require_token, respond
from planning._errors import NoIncidentsError, NoStationsError, PlanningError
from planning.hotspots import cells_geojson
from services import planning as service
from web.context import get_db, get_resources

bp = flask.Blueprint("api_planning", __name__, url_prefix="/api/v1/planning")


def _query() -> service.PlanningQuery:
    args = flask.request.args
    try:
        return service.PlanningQuery.from_dict({
            "types": args.get("types", ""), "start": args.get("start"), "end": args.get("end"),
            "hour_from": args.get("hour_from"), "hour_to": args.get("hour_to"),
            "resolution": args.get("resolution")})
    except PlanningError as exc:
        raise error(422, str(exc), "query") from None




def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as plain JSON values (numpy integers and booleans included)."""
    return json.loads(frame.to_json(orient="records"))


def _fail(exc: Exception) -> Any:
    if isinstance(exc, (NoIncidentsError, NoStationsError)):
        return error(404, str(exc))
    return error(422, str(exc))


@bp.get("/hotspots")
@require_token("planner", "leadership")
def hotspots(*, principal: Principal) -> Any:
    """``?types=a,b&start=YYYY-MM-DD&end=YYYY-MM-DD&hour_from=&hour_to=&resolution=8|9``."""
    query = _query()
    try:
        view = service.hotspot_analysis(get_db(), query)
    except PlanningError as exc:
        raise _fail(exc) from None
    res = view.hotspots
    return respond({
        "query": query.to_dict(), "n_incidents": view.n_incidents, "h3_resolution": res.resolution,
        "method": {"statistic": "Getis-Ord Gi* (esda.G_Local, star=True, binary weights)", "weights": res.weights,
                   "significance": res.significance, "permutations": res.permutations, "seed": res.seed},
        "classes": res.class_counts(),
        "cells": cells_geojson(res.cells, ["count", "gi", "z", "p_sim", "klass", "confidence"]),
        "kelurahan": _records(view.kelurahan),
    })


@bp.get("/coverage")
@require_token("planner", "leadership")
def coverage(*, principal: Principal) -> Any:
    """``?kind=fire|ambulance|police|bpbd&bands=4,8,15`` plus the incident filters.

    ``approximate_stations`` names the stations known only by their kecamatan: their coverage is
    indicative.
    """
    query = _query()
    kind = flask.request.args.get("kind", "fire")
    try:
        from routing._errors import RoutingError

        view = service.coverage_analysis(get_db(), get_resources().graph(), query, kind=kind,
                                         bands_min=flask.request.args.get("bands", "4,8,15"))
    except PlanningError as exc:
        raise _fail(exc) from None
    except RoutingError as exc:
        raise error(503, f"travel graph unavailable: {exc}") from None
    res = view.result
    return respond({
        "query": query.to_dict(), "kind": kind, "routing": res.model, "bands_min": list(res.bands_min),
        "land_area_km2": round(res.land_area_km2, 3), "stats": _records(res.stats),
        "stations": _records(res.stations.drop(columns=["node"])),
        "approximate_stations": [str(r["name"]) for r in view.stations
                                 if r.get("location_confidence") == "approximate"],
        "areas": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"band": label, "index": i}, "geometry": mapping(geom)}
            for i, (label, geom) in enumerate(zip(res.labels, res.polygons)) if not geom.is_empty]},
    })
