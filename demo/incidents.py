"""Incidents stage of the demo data: where and when incidents happen, their first call and their outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from demo._common import (
    BoolArray,
    FloatArray,
    Grid,
    IntArray,
    draw_index,
    haversine_m,
    hour_profile,
    lognormal,
    norm,
    zone_of,
)
from demo.calls import answer_time
from demo.model import TYPE_MODELS, IncidentType, Kelurahan

#: Centrality: density(p) = floor + sum of weight * exp(-(d / scale)^2) over the centres; a centre
#: is the mean of the kelurahan centroids of its kecamatan. Kadia is the core (between Mandonga
#: and Wua-Wua); the old town (Kota Lama, Kec. Kendari), the Kendari Barat shore and Poasia
#: (Anduonohu, the university; 40,054 people in 2021) are smaller centres. A kelurahan's weight is
#: the integral of the density over its polygon (area x mean density).
CENTRES: tuple[tuple[tuple[str, ...], float, float], ...] = (
    (("Kadia",), 1.0, 2_500.0),
    (("Kendari",), 0.7, 1_500.0),
    (("Kendari Barat",), 0.5, 2_000.0),
    (("Poasia",), 0.35, 2_000.0),
)
DENSITY_FLOOR = 0.05
#: Share of urban incidents drawn around 2 hotspots per kelurahan (markets, junctions ...).
HOTSPOT_SHARE = 0.4
HOTSPOT_SIGMA_M = 250.0
HOTSPOTS_PER_KELURAHAN = 2

#: Tickets that a second call-taker opened for the same event (closed as 'duplicate').
DUPLICATE_TICKET_SHARE = 0.025
#: Emergency incidents still open at ``now`` (the most recent ones), drawn in this range.
OPEN_EMERGENCY_RANGE = (20, 40)
#: ... whose calls are spread over the last hours, so that units are on their way or on scene.
LIVE_WINDOW_S = 3 * 3600.0


# --- Geography ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geography:
    """The density fields over the city and what each kelurahan gets of them."""

    centres: tuple[tuple[float, float, float, float], ...]     # lon, lat, weight, scale_m
    urban_w: FloatArray             # integral of the urban density over each kelurahan (normalised)
    rural_w: FloatArray
    urban_max: FloatArray           # max density in each kelurahan (for rejection sampling)
    rural_max: FloatArray
    zone: IntArray
    bounds: FloatArray              # (n, 4)
    hotspots: FloatArray            # (n, HOTSPOTS_PER_KELURAHAN, 2)
    geoms: tuple[BaseGeometry, ...]

    def urban(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Relative density of people and traffic: high in the core and the old town."""
        f = np.full(np.shape(x), DENSITY_FLOOR)
        for cx, cy, weight, scale_m in self.centres:
            f = f + weight * np.exp(-((haversine_m(x, y, cx, cy) / scale_m) ** 2))
        return f

    def rural(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Relative density of open land (land fires, landslides): the complement of urban."""
        return np.maximum(1.1 - np.minimum(self.urban(x, y), 1.0), 0.05)


def _centre(kel: Sequence[Kelurahan], names: Sequence[str]) -> tuple[float, float] | None:
    """Mean of the kelurahan centroids of these kecamatan (small, dense kelurahan count as much
    as big, empty ones, so the centre sits where the town is)."""
    pts = [k.geometry.centroid for k in kel if k.kecamatan in names]
    if not pts:
        return None
    return float(np.mean([p.x for p in pts])), float(np.mean([p.y for p in pts]))


def _uniform_in(rng: np.random.Generator, geom: BaseGeometry, bounds: FloatArray, n: int,
                density: Callable[[FloatArray, FloatArray], FloatArray] | None = None,
                density_max: float = 1.0) -> FloatArray:
    """``n`` points inside ``geom`` by rejection sampling on its bounding box, uniform or
    (with ``density``) proportional to ``density(x, y)`` bounded by ``density_max``."""
    parts: list[FloatArray] = []
    got = 0
    minx, miny, maxx, maxy = bounds
    box_area = (maxx - minx) * (maxy - miny)
    fill = max(min(geom.area / box_area, 1.0), 0.05) * (0.3 if density is not None else 1.0)
    while got < n:
        m = int((n - got) / fill * 1.2) + 16
        x = minx + rng.random(m) * (maxx - minx)
        y = miny + rng.random(m) * (maxy - miny)
        ok = shapely.contains_xy(geom, x, y)
        if density is not None:
            ok &= rng.random(m) * density_max < density(x, y)
        parts.append(np.column_stack([x[ok], y[ok]]))
        got += int(ok.sum())
    return np.vstack(parts)[:n]


def build_geography(kel: Sequence[Kelurahan], rng: np.random.Generator) -> Geography:
    """Density centres, the weight of each kelurahan, and its hotspots.

    Parameters
    ----------
    kel
        The kelurahan polygons (prepared in place for fast point-in-polygon tests).
    rng
        The geography's random stream (Monte Carlo integration, hotspots).

    Returns
    -------
    Geography
    """
    geoms = tuple(k.geometry for k in kel)
    for g in geoms:
        shapely.prepare(g)
    bounds = np.array([g.bounds for g in geoms], dtype=float)
    centres = []
    for names, weight, scale_m in CENTRES:
        c = _centre(kel, names)
        if c is not None:
            centres.append((c[0], c[1], weight, scale_m))
    geo = Geography(tuple(centres), np.empty(0), np.empty(0), np.empty(0), np.empty(0),
                    zone_of([k.kecamatan for k in kel]), bounds, np.empty(0), geoms)
    # integrate the densities over each polygon (Monte Carlo, 400 points each)
    area = np.array([k.area_km2 for k in kel], dtype=float)
    urban_w, rural_w, urban_max, rural_max = (np.empty(len(kel)) for _ in range(4))
    for i, (g, b) in enumerate(zip(geoms, bounds)):
        pts = _uniform_in(rng, g, b, 400)
        fu, fr = geo.urban(pts[:, 0], pts[:, 1]), geo.rural(pts[:, 0], pts[:, 1])
        urban_w[i], rural_w[i] = area[i] * fu.mean(), area[i] * fr.mean()
        urban_max[i], rural_max[i] = fu.max() * 1.1, fr.max() * 1.1
    hot = np.stack([_uniform_in(rng, g, b, HOTSPOTS_PER_KELURAHAN, geo.urban, m)
                    for g, b, m in zip(geoms, bounds, urban_max)])
    return Geography(geo.centres, urban_w / urban_w.sum(), rural_w / rural_w.sum(), urban_max, rural_max,
                geo.zone, bounds, hot, geoms)


def _points(rng: np.random.Generator, geo: Geography, kel_idx: IntArray, hot: BoolArray,
            rural: BoolArray) -> tuple[FloatArray, FloatArray]:
    """A point inside kelurahan ``kel_idx[i]`` for each i, drawn from the urban density (or the
    rural one where ``rural``); ``hot`` ones near one of the kelurahan's hotspots."""
    x = np.empty(len(kel_idx))
    y = np.empty(len(kel_idx))
    sigma_deg = HOTSPOT_SIGMA_M / 111_320.0
    order = np.argsort(kel_idx, kind="stable")
    starts = np.searchsorted(kel_idx[order], np.arange(len(geo.geoms) + 1))
    for k, geom in enumerate(geo.geoms):
        rows = order[starts[k]:starts[k + 1]]
        if len(rows) == 0:
            continue
        h = rows[hot[rows]]
        rest = rows[~hot[rows]]
        if len(h):
            which = rng.integers(0, HOTSPOTS_PER_KELURAHAN, len(h))
            centre = geo.hotspots[k][which]
            hx = centre[:, 0] + rng.standard_normal(len(h)) * sigma_deg
            hy = centre[:, 1] + rng.standard_normal(len(h)) * sigma_deg
            inside = shapely.contains_xy(geom, hx, hy)
            x[h[inside]], y[h[inside]] = hx[inside], hy[inside]
            rest = np.concatenate([rest, h[~inside]])
        for field, fmax, sel in ((geo.urban, geo.urban_max[k], rest[~rural[rest]]),
                                 (geo.rural, geo.rural_max[k], rest[rural[rest]])):
            if len(sel):
                pts = _uniform_in(rng, geom, geo.bounds[k], len(sel), field, fmax)
                x[sel], y[sel] = pts[:, 0], pts[:, 1]
    return x, y


# --- The incidents ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentDraw:
    """Incidents in chronological order of their first call, before any unit goes out.

    Times are epoch seconds. ``outcome`` is what the incident will close with; the timelines
    stage leaves it empty for incidents still open at ``now``.
    """

    codes: tuple[str, ...]              # incident types with a model; ``type_idx`` points here
    type_idx: IntArray
    code: np.ndarray                    # incident type per incident
    received: FloatArray                # first call entered the queue
    answered: FloatArray
    created: FloatArray
    first_dispatch: FloatArray          # when the first unit would be dispatched
    kel_idx: IntArray                   # kelurahan (index into the inputs)
    lon: FloatArray
    lat: FloatArray
    zone: IntArray                      # bay zone of the kelurahan
    dup_of: IntArray                    # original incident of a duplicate ticket, -1
    live: BoolArray                     # still open at ``now`` (the live picture)
    is_emergency: BoolArray
    agency: np.ndarray
    priority: IntArray
    location_approximate: BoolArray
    outcome: np.ndarray
    expected: float                     # incidents expected at the calibrated volume
    scale: float                        # drawn / expected (1 ~ calibrated volume)

    @property
    def count(self) -> int:
        """Number of incidents."""
        return len(self.type_idx)


def draw_incidents(types: Sequence[IncidentType], codes: Sequence[str], grid: Grid, geo: Geography,
                   end_s: float, n_incidents: int | None, *, times_rng: np.random.Generator,
                   places_rng: np.random.Generator, calls_rng: np.random.Generator) -> IncidentDraw:
    """Draw the incidents: type and time, place, duplicate tickets, first call, priority, outcome.

    Parameters
    ----------
    types
        The catalog's incident types.
    codes
        The incident types to draw (sorted, each with a model in :data:`demo.model.TYPE_MODELS`).
    grid
        Local hour cells of the history window.
    geo
        Densities and hotspots per kelurahan.
    end_s
        ``now`` in epoch seconds.
    n_incidents
        Exact number of incidents, or ``None`` for the calibrated (Poisson) volume.
    times_rng, places_rng, calls_rng
        The random streams of the incident times, the places and the call chain.

    Returns
    -------
    IncidentDraw
    """
    by_code = {t.code: t for t in types}
    # 1. incident times per type ------------------------------------------------------------
    type_idx, received, live, n_dup, expected, scale = _times(times_rng, by_code, codes, grid, end_s, n_incidents)

    # 2. places -------------------------------------------------------------------------------
    prng = places_rng
    rural_p = np.array([TYPE_MODELS[c].rural_share for c in codes])[type_idx]
    rural = prng.random(len(type_idx)) < rural_p
    kel_idx = np.where(rural, draw_index(prng, geo.rural_w, len(type_idx)),
                       draw_index(prng, geo.urban_w, len(type_idx)))
    hot = ~rural & (prng.random(len(type_idx)) < HOTSPOT_SHARE)
    lon, lat = _points(prng, geo, kel_idx, hot, rural)

    # 3. duplicate tickets: a second ticket for the same event, same place, minutes later --------
    candidates = np.flatnonzero(received < end_s - 3600)
    if n_dup and len(candidates):
        orig = np.sort(prng.choice(candidates, size=n_dup, replace=len(candidates) < n_dup))
        dup_delay = np.clip(lognormal(prng, 360.0, 0.6, n_dup), 60.0, 2700.0)
        dup_of = np.concatenate([np.full(len(type_idx), -1, dtype=np.int64), orig])
        live = np.concatenate([live, np.zeros(n_dup, dtype=bool)])
        type_idx = np.concatenate([type_idx, type_idx[orig]])
        received = np.concatenate([received, received[orig] + dup_delay])
        kel_idx = np.concatenate([kel_idx, kel_idx[orig]])
        lon, lat = np.concatenate([lon, lon[orig]]), np.concatenate([lat, lat[orig]])
    else:
        dup_of = np.full(len(type_idx), -1, dtype=np.int64)

    # 4. the call chain: answer, processing -------------------------------------------------
    crng = calls_rng
    n = len(type_idx)
    answered = received + answer_time(crng, received)
    processing = np.clip(lognormal(crng, 75.0, 0.45, n), 30.0, 900.0)   # answer -> first dispatch
    created = answered + processing * crng.uniform(0.35, 0.65, n)
    late = created > end_s - 1.0            # not yet created at `now`: move the chain back
    if np.any(late):
        shift = created[late] - end_s + 1.0 + crng.uniform(0, 600, int(late.sum()))
        received[late] -= shift
        answered[late] -= shift
        created[late] -= shift
    dups = np.flatnonzero(dup_of >= 0)       # a duplicate ticket is created after the original
    created[dups] = np.maximum(created[dups], created[dup_of[dups]] + crng.uniform(30, 300, len(dups)))
    first_dispatch = answered + processing

    # sort by time: incident index = chronological order of the first call
    order = np.lexsort((created, received))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    type_idx = type_idx[order]
    received, answered, created, first_dispatch = (
        a[order] for a in (received, answered, created, first_dispatch))
    kel_idx, lon, lat = kel_idx[order], lon[order], lat[order]
    dup_of, live = dup_of[order], live[order]
    dup_of = np.where(dup_of >= 0, inverse[np.maximum(dup_of, 0)], -1)

    code_arr = np.array(codes, dtype=object)
    is_em = np.array([by_code[c].is_emergency for c in codes])[type_idx]
    model = [TYPE_MODELS[c] for c in codes]
    base_prio = np.array([by_code[c].default_priority for c in codes])[type_idx]
    bump = crng.choice([-1, 0, 1], size=n, p=[0.1, 0.75, 0.15])
    priority = np.where(is_em, np.clip(base_prio + bump, 1, 4), base_prio).astype(np.int64)
    location_approx = crng.random(n) < 0.03

    # 5. outcomes ----------------------------------------------------------------------------
    fa = np.array([m.false_alarm_p for m in model])[type_idx]
    pr = np.array([m.prank_p for m in model])[type_idx]
    ca = np.array([m.cancelled_p for m in model])[type_idx]
    u = crng.random(n)
    outcome = np.where(u < fa, "false_alarm", np.where(u < fa + pr, "prank",
                       np.where(u < fa + pr + ca, "cancelled", "resolved"))).astype(object)
    outcome[dup_of >= 0] = "duplicate"

    return IncidentDraw(
        codes=tuple(codes), type_idx=type_idx, code=code_arr[type_idx], received=received, answered=answered,
        created=created, first_dispatch=first_dispatch, kel_idx=kel_idx, lon=lon, lat=lat,
        zone=geo.zone[kel_idx], dup_of=dup_of, live=live, is_emergency=is_em,
        agency=np.array([by_code[c].agency_code for c in codes], dtype=object)[type_idx],
        priority=priority, location_approximate=location_approx, outcome=outcome,
        expected=float(expected.sum()), scale=float(scale),
    )


def _times(rng: np.random.Generator, types: dict[str, IncidentType], codes: Sequence[str], grid: Grid,
           end_s: float, n_incidents: int | None) -> tuple[IntArray, FloatArray, BoolArray, int, FloatArray, float]:
    """Type and first-call time per incident (grouped by type), the live ones, the number of
    duplicate tickets to add, the expected count per type and the volume scale."""
    weights = {c: grid.weights(hour_profile(TYPE_MODELS[c].hours, TYPE_MODELS[c].hours_base),
                               norm(TYPE_MODELS[c].weekday), norm(TYPE_MODELS[c].season)) for c in codes}
    expected = np.array([TYPE_MODELS[c].per_year * weights[c].sum() for c in codes])
    if n_incidents is None:
        counts = rng.poisson(expected)
        n_dup = int(rng.binomial(int(counts.sum()), DUPLICATE_TICKET_SHARE))
    else:
        n_dup = round(n_incidents * DUPLICATE_TICKET_SHARE / (1 + DUPLICATE_TICKET_SHARE))
        counts = rng.multinomial(n_incidents - n_dup, expected / expected.sum())
    scale = counts.sum() / max(expected.sum(), 1e-9)      # 1 ~ calibrated volume
    type_idx = np.repeat(np.arange(len(codes)), counts)
    received = np.concatenate([grid.sample(rng, weights[c], int(k)) for c, k in zip(codes, counts)])
    # the live picture: the last K emergency incidents are still open at `now`, their calls
    # spread over the last LIVE_WINDOW_S so that some units are dispatched, en route, on scene
    em_rows = np.flatnonzero(np.array([types[c].is_emergency for c in codes])[type_idx])
    k_open = int(rng.integers(OPEN_EMERGENCY_RANGE[0], OPEN_EMERGENCY_RANGE[1] + 1))
    live_rows = em_rows[np.argsort(received[em_rows], kind="stable")[-k_open:]] if len(em_rows) else em_rows
    live = np.zeros(len(type_idx), dtype=bool)
    live[live_rows] = True
    if len(live_rows) and end_s - received[live_rows].min() > LIVE_WINDOW_S:
        span = end_s - received[live_rows].min()
        received[live_rows] = end_s - (end_s - received[live_rows]) * LIVE_WINDOW_S / span
    return type_idx, received, live, n_dup, expected, float(scale)
