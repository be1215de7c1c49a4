"""The demo generator: runs the stages in order and assembles the row tables and the event history.

A pure, vectorised generator (numpy + shapely, no SQL, no Dash). It takes the city's geography,
stations, incident types and response plans as plain data (:class:`~demo.model.DemoInputs`) and
returns column arrays per table (:class:`~demo.model.DemoData`). Each stage draws from its own
random stream, so the same inputs, seed and ``now`` give identical arrays, and a change in one
stage does not reshuffle the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from demo._common import (
    SERVICE_LAUNCH,
    FloatArray,
    IntArray,
    Progress,
    StageClock,
    make_grid,
    map_str,
    months_before,
    to_datetime64,
)
from demo._errors import DemoInputError
from demo.calls import build_calls
from demo.fleet import build_fleet, hospitals
from demo.incidents import build_geography, draw_incidents
from demo.model import (
    CALL_CLASSES,
    EVENT_KINDS,
    OUTCOMES,
    TYPE_MODELS,
    DemoData,
    DemoInputs,
    Table,
)
from demo.timelines import Chain, run_timelines, unit_state

#: A reference column of the event history: one index per row, or one for all rows.
IndexArg = IntArray | np.int64
#: One random stream per stage, spawned from the seed in this order.
STREAMS = ("fleet", "geo", "incidents", "places", "calls", "dispatch", "chain", "open", "nuisance", "units")


def generate(inputs: DemoInputs, *, seed: int = 112, months: int = 12, now: datetime | None = None,
             n_incidents: int | None = None, with_events: bool = True,
             progress: Progress | None = None) -> DemoData:
    """Generate the fleet and ``months`` of history ending at ``now``.

    Parameters
    ----------
    inputs
        Geography, stations, incident types, unit types and response plans.
    seed
        Random seed; the same seed, inputs and ``now`` give identical output.
    months
        Length of the history. It starts no earlier than the service launch (10 June 2025)
        when ``now`` is after the launch.
    now
        End of the history (timezone-aware; default: the current time, rounded to the second).
    n_incidents
        Exact number of incidents instead of the calibrated volume (benchmarks); every rate
        (calls, duplicates, nuisance calls) scales with it.
    with_events
        Also build the events table (the append-only history).
    progress
        Receives one line per finished stage (name, rows, seconds); ``None``: silent.

    Returns
    -------
    DemoData

    Raises
    ------
    DemoInputError
        No kelurahan, no modelled incident type, no station, a naive ``now`` or ``months < 1``.
    """
    if not inputs.kelurahan:
        raise DemoInputError("no kelurahan polygons")
    if now is None:
        now = datetime.now(UTC).replace(microsecond=0)
    if now.tzinfo is None:
        raise DemoInputError("now must be timezone-aware")
    if months < 1:
        raise DemoInputError("months must be at least 1")
    start = months_before(now, months)
    if start < SERVICE_LAUNCH < now:
        start = SERVICE_LAUNCH
    start_s, end_s = start.timestamp(), now.timestamp()
    rngs = dict(zip(STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STREAMS)))))

    clock = StageClock(progress)
    types = {t.code: t for t in inputs.incident_types}
    codes = [c for c in sorted(types) if c in TYPE_MODELS and TYPE_MODELS[c].per_year > 0]
    if not codes:
        raise DemoInputError("none of the catalog's incident types has a demo model")
    grid = make_grid(start_s, end_s)
    geo = build_geography(inputs.kelurahan, rngs["geo"])
    clock.done("geography", f"{len(inputs.kelurahan):,} kelurahan")
    fleet = build_fleet(inputs, rngs["fleet"])
    hosp = hospitals(inputs)
    clock.done("fleet", f"{len(fleet['callsign']):,} units")

    draw = draw_incidents(inputs.incident_types, codes, grid, geo, end_s, n_incidents,
                          times_rng=rngs["incidents"], places_rng=rngs["places"], calls_rng=rngs["calls"])
    clock.done("incidents", f"{draw.count:,} incidents")
    tl = run_timelines(draw, fleet, inputs.plans, hosp, end_s, dispatch_rng=rngs["dispatch"],
                       chain_rng=rngs["chain"], open_rng=rngs["open"])
    clock.done("unit timelines", f"{len(tl.a_inc):,} assignments")
    calls = build_calls(rngs["nuisance"], grid, start_s, end_s, draw.received, draw.answered, draw.type_idx,
                        codes, tl.outcome, tl.dup_of)
    clock.done("calls", f"{len(calls['received']):,} calls")
    units = unit_state(rngs["units"], fleet, tl, draw, hosp, start_s, end_s)
    clock.done("unit state", f"{int((units['status'] != 'available').sum()):,} units not available")

    chain = tl.chain
    incidents: Table = {
        "call_idx": calls["incident_call"],
        "incident_type": draw.code,
        "priority": draw.priority,
        "lon": draw.lon, "lat": draw.lat,
        "kelurahan_kode": np.array([k.kode for k in inputs.kelurahan], dtype=object)[draw.kel_idx],
        "kecamatan_kode": np.array([k.kecamatan_kode for k in inputs.kelurahan], dtype=object)[draw.kel_idx],
        "location_approximate": draw.location_approximate,
        "address": np.array([f"Kel. {k.nama}, Kec. {k.kecamatan}" for k in inputs.kelurahan],
                            dtype=object)[draw.kel_idx],
        "caller_phone": calls["phone"][calls["incident_call"]],
        "status": np.where(tl.is_open, "open", "closed").astype(object),
        "outcome": tl.outcome,
        "duplicate_of": tl.dup_of,
        "call_received_at": to_datetime64(draw.received),
        "call_answered_at": to_datetime64(draw.answered),
        "created_at": to_datetime64(draw.created),
        "first_dispatched_at": to_datetime64(tl.first_dispatched),
        "first_en_route_at": to_datetime64(tl.first_en_route),
        "first_on_scene_at": to_datetime64(tl.first_on_scene),
        "closed_at": to_datetime64(tl.closed),
        "is_emergency": draw.is_emergency,
    }
    assignments: Table = {
        "incident_idx": tl.a_inc,
        "unit_idx": tl.a_unit,
        "status": tl.a_status,
        "assigned_at": to_datetime64(chain.assigned),
        "en_route_at": to_datetime64(chain.en_route),
        "on_scene_at": to_datetime64(chain.on_scene),
        "transport_started_at": to_datetime64(chain.transport),
        "at_hospital_at": to_datetime64(chain.at_hospital),
        "cleared_at": to_datetime64(chain.cleared),
        "eta_s": np.round(chain.eta_s, 1),
    }
    call_table: Table = {
        "received_at": to_datetime64(calls["received"]),
        "answered_at": to_datetime64(calls["answered"]),
        "ended_at": to_datetime64(calls["ended"]),
        "caller_phone": calls["phone"],
        "classification": calls["classification"],
        "incident_idx": calls["incident_idx"],
    }
    unit_table: Table = {k: units[k] for k in (
        "callsign", "unit_type", "agency_code", "home_facility_id", "status", "status_at", "lon", "lat",
        "position_at")}
    events = None
    if with_events:
        events = _events(calls, incidents, tl.closed, draw.created, chain, tl.a_inc, tl.a_unit, units, fleet,
                         codes, draw.type_idx)
        clock.done("events", f"{len(events['kind']):,} events")
    info = {"scale": draw.scale, "expected_incidents": draw.expected,
            "open_emergency": int((tl.is_open & draw.is_emergency).sum()), "start": start.isoformat()}
    return DemoData(start=start, now=now, units=unit_table, calls=call_table, incidents=incidents,
                    assignments=assignments, events=events, info=info)


def _events(calls: dict[str, np.ndarray], incidents: Table, closed: FloatArray, created: FloatArray,
            chain: Chain, a_inc: IntArray, a_unit: IntArray, units: dict[str, np.ndarray], fleet: Table,
            codes: Sequence[str], type_idx: IntArray) -> Table:
    """The append-only history: one row per stamp, in time order."""
    kinds: list[np.ndarray] = []
    at: list[FloatArray] = []
    inc: list[IntArray] = []
    call: list[IntArray] = []
    unit: list[IntArray] = []
    asg: list[IntArray] = []
    data: list[np.ndarray] = []

    def add(kind: str, t: FloatArray, i: IndexArg, c: IndexArg, u: IndexArg, a: IndexArg, d: np.ndarray) -> None:
        ok = ~np.isnan(t)
        kinds.append(np.full(int(ok.sum()), EVENT_KINDS.index(kind), dtype=np.int64))
        at.append(t[ok])
        for column, arr in ((inc, i), (call, c), (unit, u), (asg, a)):
            column.append(np.broadcast_to(arr, t.shape)[ok].astype(np.int64))
        data.append(np.broadcast_to(d, t.shape)[ok])

    none = np.int64(-1)
    nc = len(calls["received"])
    call_idx = np.arange(nc)
    cls_data = map_str(calls["classification"], {c: f'{{"synthetic": true, "classification": "{c}"}}'
                                                  for c in CALL_CLASSES})
    add("call_received", calls["received"], none, call_idx, none, none, cls_data)
    add("call_answered", calls["answered"], none, call_idx, none, none, cls_data)

    n = len(created)
    inc_idx = np.arange(n)
    prio = incidents["priority"]
    created_data = np.array([f'{{"synthetic": true, "incident_type": "{c}", "priority": {p}}}'
                             for c in codes for p in range(1, 5)], dtype=object)[type_idx * 4 + prio - 1]
    add("incident_created", created, inc_idx, incidents["call_idx"], none, none, created_data)
    outcome = np.where(incidents["outcome"] == None, "", incidents["outcome"])  # noqa: E711
    closed_data = map_str(outcome, {o: f'{{"synthetic": true, "outcome": "{o}"}}' for o in OUTCOMES})
    add("incident_closed", closed, inc_idx, none, none, none, closed_data)

    m = len(a_inc)
    a_idx = np.arange(m)
    cs = fleet["callsign"]
    unit_data = np.array([f'{{"synthetic": true, "callsign": "{c}"}}' for c in cs], dtype=object)[a_unit]
    disp_data = np.array([f'{{"synthetic": true, "callsign": "{c}", "eta_s": {e:.0f}}}'
                          for c, e in zip(cs[a_unit].tolist(), chain.eta_s.tolist())], dtype=object)
    add("unit_dispatched", chain.assigned, a_inc, none, a_unit, a_idx, disp_data)
    for kind, arr in (("unit_en_route", chain.en_route), ("unit_on_scene", chain.on_scene),
                      ("transport_started", chain.transport), ("at_hospital", chain.at_hospital),
                      ("unit_cleared", chain.cleared)):
        add(kind, arr, a_inc, none, a_unit, a_idx, unit_data)
    oos = units["out_of_service"]
    add("unit_status", units["status_at_s"][oos], none, none, oos.astype(np.int64), none,
        np.array(['{"synthetic": true, "status": "out_of_service"}'] * len(oos), dtype=object))

    kind_a = np.concatenate(kinds)
    at_a = np.concatenate(at)
    order = np.lexsort((kind_a, at_a))
    return {
        "kind": np.array(EVENT_KINDS, dtype=object)[kind_a[order]],
        "at": to_datetime64(at_a[order]),
        "incident_idx": np.concatenate(inc)[order],
        "call_idx": np.concatenate(call)[order],
        "unit_idx": np.concatenate(unit)[order],
        "assignment_idx": np.concatenate(asg)[order],
        "data": np.concatenate(data)[order],
    }
