"""Unit timelines stage of the demo data: dispatch per run card, unit stamps, closing, unit state at ``now``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from demo._common import (
    ZONE_NORTH,
    BoolArray,
    FloatArray,
    IntArray,
    haversine_m,
    local_hour,
    lognormal,
    lookup,
    point_along,
    route_m,
    route_points,
    to_datetime64,
)
from demo.fleet import Hospitals
from demo.incidents import IncidentDraw
from demo.model import TYPE_MODELS, PlanRow, Table, TypeModel

#: Mean urban driving speed with lights and sirens, per unit type (km/h).
SPEED_KMH: Mapping[str, float] = MappingProxyType({
    "ambulance": 32.0, "fire_engine": 28.0, "water_tanker": 25.0, "rescue": 30.0,
    "police_patrol": 32.0, "bpbd_rescue": 28.0,
})
DEFAULT_SPEED_KMH = 30.0
#: Unit types whose crews wait at the station, ready to roll (shorter turnout).
FAST_TURNOUT_TYPES = frozenset({"ambulance", "fire_engine", "water_tanker", "rescue"})
#: A unit crew forgets to press "en route" / "on scene" now and then.
MISSING_EN_ROUTE_P = 0.055
MISSING_ON_SCENE_P = 0.015
#: Chance that the nearest suitable unit is busy, so the 2nd (3rd) nearest goes.
SKIP_NEAREST_P = (0.85, 0.12, 0.03)
#: Units in the workshop at ``now``, drawn in this range.
OUT_OF_SERVICE_RANGE = (1, 2)

#: Municipal tickets are forwarded to an OPD; the share it closes in the system and the median
#: time it takes (hours). Calibrated so that ~58 % of all tickets end up closed.
AGENCY_CLOSURE: Mapping[str, tuple[float, float]] = MappingProxyType({
    "PLN": (0.42, 10.0), "PDAM": (0.30, 48.0), "DLHK": (0.25, 72.0), "PUBLIC_WORKS": (0.15, 168.0),
})
DEFAULT_MUNICIPAL_CLOSURE = (0.30, 72.0)


# --- Dispatch -----------------------------------------------------------------------------------
def _assign_units(rng: np.random.Generator, fleet: Table, inc_type: np.ndarray, inc_lon: FloatArray,
                  inc_lat: FloatArray, eligible: BoolArray,
                  plans: Sequence[PlanRow]) -> tuple[IntArray, IntArray, IntArray]:
    """Pick units per the run cards: the nearest unit(s) of the plan's type by straight line
    (substitutes when the fleet has too few), sometimes the 2nd/3rd nearest (nearest busy).

    Returns incident index, unit index and slot number per assignment.
    """
    utype = fleet["unit_type"]
    by_type: dict[str, list[PlanRow]] = {}
    for p in plans:
        by_type.setdefault(p.incident_type, []).append(p)
    out_inc: list[IntArray] = []
    out_unit: list[IntArray] = []
    out_slot: list[IntArray] = []
    for code in sorted(by_type):
        rows = np.flatnonzero(eligible & (inc_type == code))
        if len(rows) == 0:
            continue
        taken = np.zeros((len(rows), len(utype)), dtype=bool)
        slot = 0
        for plan in sorted(by_type[code], key=lambda p: p.unit_type):
            pool = np.flatnonzero(utype == plan.unit_type)
            if len(pool) < plan.unit_count:
                subs = [np.flatnonzero(utype == s) for s in plan.substitutes]
                pool = np.concatenate([pool, *subs]) if subs else pool
            if len(pool) == 0:
                continue
            dist = haversine_m(inc_lon[rows][:, None], inc_lat[rows][:, None],
                               fleet["home_lon"][pool][None, :], fleet["home_lat"][pool][None, :])
            for _ in range(plan.unit_count):
                d = np.where(taken[:, pool], np.inf, dist)
                order = np.argsort(d, axis=1, kind="stable")
                free = np.isfinite(d).sum(axis=1)
                skip = rng.choice(len(SKIP_NEAREST_P), size=len(rows), p=SKIP_NEAREST_P)
                rank = np.minimum(skip, np.maximum(free - 1, 0))
                pick = pool[order[np.arange(len(rows)), rank]]
                ok = free > 0
                taken[np.flatnonzero(ok), pick[ok]] = True
                out_inc.append(rows[ok])
                out_unit.append(pick[ok])
                out_slot.append(np.full(int(ok.sum()), slot, dtype=np.int64))
                slot += 1
    if not out_inc:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    inc = np.concatenate(out_inc)
    unit = np.concatenate(out_unit)
    slot_arr = np.concatenate(out_slot)
    order = np.lexsort((slot_arr, inc))
    return inc[order], unit[order], slot_arr[order]


@dataclass
class Chain:
    """Per-assignment stamps (epoch s, NaN = none) and the route facts behind them."""

    assigned: FloatArray
    en_route: FloatArray
    on_scene: FloatArray
    transport: FloatArray
    at_hospital: FloatArray
    cleared: FloatArray
    eta_s: FloatArray
    hospital: IntArray           # station index, -1
    way_out: IntArray            # route to the scene (0 direct, 1 bay head, 2 bridge)
    way_hosp: IntArray


def _unit_chain(rng: np.random.Generator, assigned: FloatArray, unit_type: np.ndarray,
                home: tuple[FloatArray, FloatArray, IntArray], scene: tuple[FloatArray, FloatArray, IntArray],
                kind: IntArray, models: Sequence[TypeModel], outcome: np.ndarray,
                hospitals: Hospitals) -> Chain:
    """Turnout, travel, on scene, transport and clear for a batch of assignments (vectorised)."""
    n = len(assigned)
    fast = np.isin(unit_type, list(FAST_TURNOUT_TYPES))
    night = np.isin(local_hour(assigned), [22, 23, 0, 1, 2, 3, 4, 5])
    turnout = np.where(fast, lognormal(rng, 50.0, 0.35, n), lognormal(rng, 75.0, 0.4, n))
    turnout = np.clip(turnout * np.where(night & fast, 1.25, 1.0), 15.0, 420.0)
    en_route = assigned + turnout

    speed_ms = lookup(unit_type, SPEED_KMH, DEFAULT_SPEED_KMH) / 3.6
    hour = local_hour(en_route)
    traffic = np.where(np.isin(hour, [7, 8, 16, 17, 18]), 0.8, np.where(night, 1.2, 1.0))
    dist, way_out = route_m(home[0], home[1], home[2], scene[0], scene[1], scene[2])
    eta = dist / speed_ms
    travel = 30.0 + eta / traffic * lognormal(rng, 1.0, 0.2, n)
    on_scene = en_route + travel

    med = np.array([m.on_scene_min[0] for m in models])[kind] * 60.0
    sig = np.array([m.on_scene_min[1] for m in models])[kind]
    duration = lognormal(rng, med, sig, n)
    short = np.isin(outcome, ["false_alarm", "prank"])
    duration = np.where(short, lognormal(rng, 420.0, 0.4, n), duration)
    cleared = on_scene + np.clip(duration, 120.0, 12 * 3600.0)

    transport = np.full(n, np.nan)
    at_hosp = np.full(n, np.nan)
    hosp_idx = np.full(n, -1, dtype=np.int64)
    way_hosp = np.zeros(n, dtype=np.int64)
    if len(hospitals[0]):
        tp = np.array([m.transport_p for m in models])[kind]
        goes = (unit_type == "ambulance") & (outcome == "resolved") & (rng.random(n) < tp)
        if np.any(goes):
            g = np.flatnonzero(goes)
            d_h = haversine_m(scene[0][g][:, None], scene[1][g][:, None], hospitals[0][None, :], hospitals[1][None, :])
            hi = np.argmin(d_h, axis=1)
            hd, hw = route_m(scene[0][g], scene[1][g], scene[2][g],
                             hospitals[0][hi], hospitals[1][hi], hospitals[2][hi])
            transport[g] = on_scene[g] + lognormal(rng, 12 * 60.0, 0.35, len(g))
            at_hosp[g] = transport[g] + 20.0 + hd / speed_ms[g] * lognormal(rng, 1.0, 0.2, len(g))
            cleared[g] = at_hosp[g] + lognormal(rng, 20 * 60.0, 0.4, len(g))
            hosp_idx[g], way_hosp[g] = hi, hw

    cancelled = outcome == "cancelled"
    cleared = np.where(cancelled, en_route + travel * rng.uniform(0.2, 0.9, n), cleared)
    on_scene = np.where(cancelled, np.nan, on_scene)
    return Chain(assigned, en_route, on_scene, transport, at_hosp, cleared, eta, hosp_idx, way_out, way_hosp)


def _subset(chain: Chain, keep: BoolArray) -> Chain:
    return Chain(**{k: v[keep] for k, v in vars(chain).items()})


def _group_min(group: IntArray, values: FloatArray, n: int) -> FloatArray:
    out = np.full(n, np.inf)
    ok = ~np.isnan(values)
    np.minimum.at(out, group[ok], values[ok])
    out[np.isinf(out)] = np.nan
    return out


def _assignment_status(chain: Chain) -> np.ndarray:
    status = np.full(len(chain.assigned), "dispatched", dtype=object)
    for name, arr in (("en_route", chain.en_route), ("on_scene", chain.on_scene),
                      ("transporting", chain.transport), ("at_hospital", chain.at_hospital),
                      ("cleared", chain.cleared)):
        status[~np.isnan(arr)] = name
    return status


def _resolve_busy(rng: np.random.Generator, chain: Chain, plan: Chain, a_inc: IntArray, a_unit: IntArray,
                  active: BoolArray, fleet: Table, lon: FloatArray, lat: FloatArray, zone: IntArray,
                  type_idx: IntArray, model: Sequence[TypeModel], outcome: np.ndarray,
                  hospitals: Hospitals, end_s: float) -> tuple[Chain, Chain, IntArray]:
    """At ``now`` a unit serves one incident: give a busy unit's later assignment to the nearest
    free unit of the same type (re-timed from its station), or drop it when none is free."""
    a_unit = a_unit.copy()
    busy: set[int] = set()
    for j in np.flatnonzero(active)[np.argsort(chain.assigned[active], kind="stable")]:
        u = int(a_unit[j])
        if u not in busy:
            busy.add(u)
            continue
        same = np.flatnonzero(fleet["unit_type"] == fleet["unit_type"][u])
        on_incident = set(a_unit[a_inc == a_inc[j]].tolist())
        free = np.array([c for c in same.tolist() if c not in busy and c not in on_incident], dtype=np.int64)
        if len(free) == 0:
            for arr in vars(chain).values():
                if arr.dtype.kind == "f":
                    arr[j] = np.nan
            continue
        i = int(a_inc[j])
        d = haversine_m(lon[i], lat[i], fleet["home_lon"][free], fleet["home_lat"][free])
        c = int(free[np.argmin(d)])
        redo = _unit_chain(rng, chain.assigned[j:j + 1], fleet["unit_type"][c:c + 1],
                           (fleet["home_lon"][c:c + 1], fleet["home_lat"][c:c + 1], fleet["home_zone"][c:c + 1]),
                           (lon[i:i + 1], lat[i:i + 1], zone[i:i + 1]), type_idx[i:i + 1], model,
                           outcome[i:i + 1].astype(object), hospitals)
        for k, v in vars(redo).items():
            getattr(plan, k)[j] = v[0]
            val = v[0]
            if k in ("en_route", "on_scene", "transport", "at_hospital", "cleared") and val > end_s:
                val = np.nan
            getattr(chain, k)[j] = val
        a_unit[j] = c
        if np.isnan(chain.cleared[j]):
            busy.add(c)
    return chain, plan, a_unit


@dataclass(frozen=True)
class Timelines:
    """The assignments and what they mean for the incidents: closing and first stamps."""

    chain: Chain                # recorded stamps per assignment (NaN = not pressed / not yet)
    plan: Chain                 # the same, untruncated (where a unit is on its way)
    a_inc: IntArray             # incident per assignment
    a_unit: IntArray            # unit per assignment
    a_status: np.ndarray        # assignment status at ``now``
    active: BoolArray           # not cleared at ``now``
    closed: FloatArray          # incident closed at (NaN = open)
    is_open: BoolArray
    outcome: np.ndarray         # ``None`` while open
    dup_of: IntArray            # -1 while open
    first_dispatched: FloatArray
    first_en_route: FloatArray
    first_on_scene: FloatArray


def run_timelines(draw: IncidentDraw, fleet: Table, plans: Sequence[PlanRow], hospitals: Hospitals,
                  end_s: float, *, dispatch_rng: np.random.Generator, chain_rng: np.random.Generator,
                  open_rng: np.random.Generator) -> Timelines:
    """Send units per the run cards, stamp their steps, close the incidents, truncate at ``now``.

    Parameters
    ----------
    draw
        The incidents.
    fleet
        The units at their stations.
    plans
        The response plans (run cards).
    hospitals
        Where ambulances take patients.
    end_s
        ``now`` in epoch seconds.
    dispatch_rng, chain_rng, open_rng
        The random streams of the dispatch, the unit stamps and the closing.

    Returns
    -------
    Timelines
    """
    n = draw.count
    type_idx, lon, lat, kel_zone = draw.type_idx, draw.lon, draw.lat, draw.zone
    is_em, dup_of, outcome = draw.is_emergency, draw.dup_of, draw.outcome
    created, agency = draw.created, draw.agency
    model = [TYPE_MODELS[c] for c in draw.codes]

    # 6. units per the run cards, and their stamps --------------------------------------------
    drng = dispatch_rng
    eligible = is_em & (dup_of < 0)
    a_inc, a_unit, a_slot = _assign_units(drng, fleet, draw.code, lon, lat, eligible, plans)
    m = len(a_inc)
    # the first unit goes at the first dispatch, the others seconds later; now and then one is
    # added minutes later
    stagger = np.where(a_slot > 0, lognormal(drng, 12.0, 0.6, m) * a_slot, 0.0)
    later = (a_slot > 0) & (drng.random(m) < 0.1)
    stagger = stagger + np.where(later, drng.uniform(120, 600, m), 0.0)
    assigned = draw.first_dispatch[a_inc] + stagger
    home = (fleet["home_lon"][a_unit], fleet["home_lat"][a_unit], fleet["home_zone"][a_unit])
    scene = (lon[a_inc], lat[a_inc], kel_zone[a_inc])
    chain = _unit_chain(chain_rng, assigned, fleet["unit_type"][a_unit], home, scene, type_idx[a_inc],
                        model, outcome[a_inc], hospitals)
    # crews forget a button now and then
    lost_en = drng.random(m) < MISSING_EN_ROUTE_P
    lost_on = drng.random(m) < MISSING_ON_SCENE_P
    plan = Chain(**{k: v.copy() for k, v in vars(chain).items()})     # untruncated, for positions
    chain.en_route[lost_en] = np.nan
    chain.on_scene[lost_on] = np.nan

    # 7. closing -------------------------------------------------------------------------------
    orng = open_rng
    closed = np.full(n, np.nan)
    last_clear = np.full(n, -np.inf)
    np.maximum.at(last_clear, a_inc, chain.cleared)
    has_units = np.isfinite(last_clear)
    lag = np.clip(lognormal(orng, 360.0, 1.0, n), 30.0, 48 * 3600.0)
    closed = np.where(is_em & has_units, last_clear + lag, closed)
    em_no_units = is_em & ~has_units
    closed = np.where(em_no_units, created + np.clip(lognormal(orng, 900.0, 0.8, n), 60.0, 6 * 3600.0), closed)
    # municipal tickets: the OPD closes a share, after hours to days
    share = np.array([AGENCY_CLOSURE.get(a, DEFAULT_MUNICIPAL_CLOSURE)[0] for a in agency])
    med_h = np.array([AGENCY_CLOSURE.get(a, DEFAULT_MUNICIPAL_CLOSURE)[1] for a in agency])
    muni_closes = ~is_em & (orng.random(n) < share)
    muni_time = created + np.clip(lognormal(orng, med_h * 3600.0, 0.9, n), 600.0, 90 * 86400.0)
    closed = np.where(muni_closes, muni_time, closed)
    # duplicates are merged minutes after creation
    is_dup = dup_of >= 0
    closed = np.where(is_dup, created + np.clip(lognormal(orng, 300.0, 0.5, n), 60.0, 3600.0), closed)

    # still open at `now`: the live incidents and whatever is not done yet
    closed[draw.live] = np.nan
    closed[closed > end_s] = np.nan
    is_open = np.isnan(closed)
    outcome = np.where(is_open, np.full(n, None, dtype=object), outcome)
    dup_of = np.where(is_open, -1, dup_of)

    # truncate unit stamps at `now` for open incidents; drop units not yet dispatched
    keep = ~(assigned > end_s)
    stamps = ("en_route", "on_scene", "transport", "at_hospital", "cleared")
    for s in stamps:
        arr = getattr(chain, s)
        arr[arr > end_s] = np.nan
    chain, plan, a_inc, a_unit = _subset(chain, keep), _subset(plan, keep), a_inc[keep], a_unit[keep]
    active = np.isnan(chain.cleared)
    chain, plan, a_unit = _resolve_busy(orng, chain, plan, a_inc, a_unit, active, fleet, lon, lat, kel_zone,
                                        type_idx, model, outcome, hospitals, end_s)
    active = np.isnan(chain.cleared)
    keep = np.isfinite(chain.assigned)
    chain, plan, a_inc, a_unit, active = (
        _subset(chain, keep), _subset(plan, keep), a_inc[keep], a_unit[keep], active[keep])

    # projections of the unit stamps onto the incident
    first_disp = _group_min(a_inc, chain.assigned, n)
    first_en = _group_min(a_inc, chain.en_route, n)
    first_on = _group_min(a_inc, chain.on_scene, n)
    # a lost "en route" must not leave the first en-route stamp after the first arrival
    bad = first_en > first_on
    if np.any(bad):
        fix = bad[a_inc] & np.isnan(chain.en_route) & (plan.en_route <= end_s)
        chain.en_route[fix] = plan.en_route[fix]
        first_en = _group_min(a_inc, chain.en_route, n)
    return Timelines(chain=chain, plan=plan, a_inc=a_inc, a_unit=a_unit, a_status=_assignment_status(chain),
                     active=active, closed=closed, is_open=is_open, outcome=outcome, dup_of=dup_of,
                     first_dispatched=first_disp, first_en_route=first_en, first_on_scene=first_on)


def unit_state(rng: np.random.Generator, fleet: Table, timelines: Timelines, draw: IncidentDraw,
               hospitals: Hospitals, start_s: float, end_s: float) -> dict[str, np.ndarray]:
    """Status and position of every unit at ``now``, consistent with its open assignment.

    Parameters
    ----------
    rng
        The units' random stream (which idle units are out of service).
    fleet
        The units at their stations.
    timelines
        The assignments.
    draw
        The incidents (scene positions).
    hospitals
        Where transports go.
    start_s, end_s
        The history window in epoch seconds.

    Returns
    -------
    dict
        The fleet columns plus ``status``, ``status_at``, ``lon``, ``lat``, ``position_at``
        (``datetime64``), ``status_at_s`` (epoch s) and ``out_of_service`` (unit indexes).
    """
    chain, plan, a_inc, a_unit = timelines.chain, timelines.plan, timelines.a_inc, timelines.a_unit
    a_status, active = timelines.a_status, timelines.active
    lon, lat, zone = draw.lon, draw.lat, draw.zone
    k = len(fleet["callsign"])
    status = np.full(k, "available", dtype=object)
    pos_lon = fleet["home_lon"].copy()
    pos_lat = fleet["home_lat"].copy()
    last_clear = np.full(k, start_s)
    ok = ~np.isnan(chain.cleared)
    np.maximum.at(last_clear, a_unit[ok], chain.cleared[ok])
    status_at = last_clear.copy()
    for j in np.flatnonzero(active):
        u, i = int(a_unit[j]), int(a_inc[j])
        st = str(a_status[j])
        status[u] = st
        stamp = {"dispatched": chain.assigned, "en_route": chain.en_route, "on_scene": chain.on_scene,
                 "transporting": chain.transport, "at_hospital": chain.at_hospital}[st][j]
        status_at[u] = stamp
        from_north = bool(fleet["home_zone"][u] == ZONE_NORTH)
        if st == "en_route":
            pts = route_points(pos_lon[u], pos_lat[u], lon[i], lat[i], int(plan.way_out[j]), from_north)
            frac = (end_s - chain.en_route[j]) / max(plan.on_scene[j] - plan.en_route[j], 1.0)
            pos_lon[u], pos_lat[u] = point_along(pts, frac)
        elif st == "on_scene":
            pos_lon[u], pos_lat[u] = lon[i], lat[i]
        elif st in ("transporting", "at_hospital"):
            h = int(plan.hospital[j])
            if st == "at_hospital" or h < 0:
                pos_lon[u], pos_lat[u] = (hospitals[0][h], hospitals[1][h]) if h >= 0 else (lon[i], lat[i])
            else:
                pts = route_points(lon[i], lat[i], hospitals[0][h], hospitals[1][h], int(plan.way_hosp[j]),
                                    bool(zone[i] == ZONE_NORTH))
                frac = (end_s - chain.transport[j]) / max(plan.at_hospital[j] - plan.transport[j], 1.0)
                pos_lon[u], pos_lat[u] = point_along(pts, frac)
    # one or two units out of service (workshop), chosen among the idle ones
    idle = np.flatnonzero(status == "available")
    n_oos = int(rng.integers(OUT_OF_SERVICE_RANGE[0], OUT_OF_SERVICE_RANGE[1] + 1))
    oos = np.sort(rng.choice(idle, size=min(n_oos, len(idle)), replace=False)) if len(idle) else idle
    since = end_s - rng.uniform(2 * 3600, 48 * 3600, len(oos))
    status_at[oos] = np.minimum(np.maximum(since, last_clear[oos] + 600.0), end_s - 60.0)
    status[oos] = "out_of_service"
    return {
        **fleet, "status": status, "status_at": to_datetime64(status_at), "lon": pos_lon, "lat": pos_lat,
        "position_at": to_datetime64(status_at), "out_of_service": oos, "status_at_s": status_at,
    }
