"""Calls stage of the demo data: answer times, duplicate, nuisance and abandoned calls, caller numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from demo._common import (
    SERVICE_LAUNCH,
    FloatArray,
    Grid,
    IntArray,
    hour_profile,
    launch_decay,
    local_hour,
    lognormal,
    norm,
)
from demo.model import FLAT_WEEK, FLAT_YEAR, MUNICIPAL_WEEK, TYPE_MODELS

#: Abandoned share of all calls: 37 % in the first weeks (2,238 of 5,982), then down to 12 %.
ABANDON_AT_LAUNCH = 0.37
ABANDON_FLOOR = 0.12
ABANDON_DECAY_DAYS = 60.0
#: Time constant of the launch surge of invalid calls (days).
LAUNCH_SURGE_DAYS = 30.0
#: Shares of *all* calls (Jan 2026: 1,028 prank/ghost of 4,336 calls = 23.7 %).
PRANK_GHOST_SHARE = 0.24
PRANK_OF_PRANK_GHOST = 0.45
INVALID_SHARE = 0.06
INFO_SHARE = 0.05


@dataclass(frozen=True)
class NuisanceModel:
    """A stream of calls that do not become incidents (prank, ghost, invalid, information)."""

    share: float                                    # of all calls
    hours: tuple[tuple[float, float, float], ...]
    hours_base: float
    weekday: tuple[float, ...] = FLAT_WEEK
    talk_s: tuple[float, float] = (20.0, 0.6)       # lognormal median seconds, sigma
    no_phone_p: float = 0.0                         # locked phone / no SIM: no number shown
    launch_boost: float = 0.0                       # extra rate on the launch day (x), decaying


NUISANCE_MODELS: Mapping[str, NuisanceModel] = MappingProxyType({
    "prank": NuisanceModel(PRANK_GHOST_SHARE * PRANK_OF_PRANK_GHOST, ((15.0, 2.5, 1.2), (20.5, 2.0, 1.2)),
                           0.15, (0.9, 0.9, 0.9, 0.95, 1.0, 1.2, 1.15), (25.0, 0.6), 0.3),
    "ghost": NuisanceModel(PRANK_GHOST_SHARE * (1 - PRANK_OF_PRANK_GHOST), ((11.0, 4.0, 0.8), (19.0, 3.0, 0.8)),
                           0.35, talk_s=(12.0, 0.5), no_phone_p=0.4),
    # the first 20 days had 1,222 invalid calls of 5,982 (curiosity, testing the new number)
    "invalid": NuisanceModel(INVALID_SHARE, ((10.0, 3.0, 1.0), (16.0, 3.0, 0.8)), 0.2, talk_s=(30.0, 0.5),
                             launch_boost=8.0),
    "info": NuisanceModel(INFO_SHARE, ((10.0, 2.5, 1.2), (14.5, 2.0, 0.8)), 0.1, MUNICIPAL_WEEK,
                          talk_s=(75.0, 0.5)),
})


def abandon_share(days_since_launch: FloatArray) -> FloatArray:
    """Abandoned share of all calls, decaying from the launch figure to the floor.

    Parameters
    ----------
    days_since_launch
        Days since the service launch.

    Returns
    -------
    numpy.ndarray
        Share between :data:`ABANDON_FLOOR` and :data:`ABANDON_AT_LAUNCH`.
    """
    return ABANDON_FLOOR + (ABANDON_AT_LAUNCH - ABANDON_FLOOR) * launch_decay(days_since_launch, ABANDON_DECAY_DAYS)


def answer_time(rng: np.random.Generator, received: FloatArray) -> FloatArray:
    """Seconds from queue entry to pick-up: median ~12-15 s, a long tail at busy hours and at launch.

    Parameters
    ----------
    rng
        The random stream of the calling stage.
    received
        Epoch seconds at which each call entered the queue.

    Returns
    -------
    numpy.ndarray
        Seconds to answer, 2..600.
    """
    n = len(received)
    tail = rng.random(n) < 0.2
    base = np.where(tail, lognormal(rng, 30.0, 0.7, n), lognormal(rng, 11.0, 0.45, n))
    busy = hour_profile(((10.0, 3.0, 1.0), (19.5, 3.0, 1.0)), 0.35)[local_hour(received)] ** 0.3
    launch = 1.0 + launch_decay((received - SERVICE_LAUNCH.timestamp()) / 86400.0, ABANDON_DECAY_DAYS)
    return np.clip(base * busy * launch, 2.0, 600.0)


def build_calls(rng: np.random.Generator, grid: Grid, start_s: float, end_s: float, received: FloatArray,
                answered: FloatArray, type_idx: IntArray, codes: Sequence[str], outcome: np.ndarray,
                dup_of: IntArray) -> dict[str, np.ndarray]:
    """All calls: one per incident, duplicate calls, nuisance calls, abandoned calls.

    Parameters
    ----------
    rng
        The calls' random stream.
    grid
        Local hour cells of the history window.
    start_s, end_s
        The window in epoch seconds.
    received, answered
        First call of each incident: received and answered (epoch s), in incident order.
    type_idx
        Index into ``codes`` per incident.
    codes
        Incident type codes with a model.
    outcome
        Outcome per incident (``None`` while open); prank incidents start with a prank call.
    dup_of
        Index of the original incident per duplicate ticket, ``-1`` otherwise.

    Returns
    -------
    dict
        Per call in time order: ``received``, ``answered``, ``ended`` (epoch s, NaN = none),
        ``classification``, ``incident_idx`` (-1 = none), ``phone``; and ``incident_call``, the
        first call of each incident.
    """
    n = len(received)
    # first call of each incident
    cls_first = np.full(n, "valid", dtype=object)
    cls_first[outcome == "prank"] = "prank"
    cls_first[dup_of >= 0] = "duplicate"
    # extra calls about the same event (many for a visible fire)
    lam = np.array([TYPE_MODELS[c].duplicate_calls for c in codes])[type_idx]
    k = rng.poisson(lam)
    d_inc = np.repeat(np.arange(n), k)
    d_recv = received[d_inc] + np.clip(lognormal(rng, 240.0, 0.9, len(d_inc)), 20.0, 3600.0)
    # nuisance streams, sized relative to the answered valid traffic
    answered_valid = n + len(d_inc)
    no_nuisance = 1.0 - sum(m.share for m in NUISANCE_MODELS.values()) - ABANDON_FLOOR
    per_share = answered_valid / max(no_nuisance, 1e-9)
    nz_recv, nz_cls, nz_talk, nz_nophone = [], [], [], []
    for name, nm in NUISANCE_MODELS.items():
        w = grid.weights(hour_profile(nm.hours, nm.hours_base), norm(nm.weekday), norm(FLAT_YEAR))
        boost = 1.0 + nm.launch_boost * launch_decay(grid.days_since_launch, LAUNCH_SURGE_DAYS)
        count = int(rng.poisson(per_share * nm.share * (w * boost).sum() / max(w.sum(), 1e-12)))
        w = w * boost
        t = grid.sample(rng, w, count)
        nz_recv.append(t)
        nz_cls.append(np.full(count, name, dtype=object))
        nz_talk.append(np.clip(lognormal(rng, nm.talk_s[0], nm.talk_s[1], count), 2.0, 1800.0))
        nz_nophone.append(rng.random(count) < nm.no_phone_p)
    nz_recv_a = np.concatenate(nz_recv)
    nz_cls_a = np.concatenate(nz_cls)

    # answered calls in one list
    recv = np.concatenate([received, d_recv, nz_recv_a])
    ans = np.concatenate([answered, d_recv + answer_time(rng, d_recv), nz_recv_a + answer_time(rng, nz_recv_a)])
    talk = np.concatenate([np.clip(lognormal(rng, 100.0, 0.5, n), 20.0, 1800.0),
                           np.clip(lognormal(rng, 45.0, 0.5, len(d_inc)), 10.0, 900.0),
                           np.concatenate(nz_talk)])
    cls = np.concatenate([cls_first, np.full(len(d_inc), "duplicate", dtype=object), nz_cls_a])
    inc_of = np.concatenate([np.arange(n), d_inc, np.full(len(nz_recv_a), -1)])
    nophone = np.concatenate([np.zeros(n + len(d_inc), dtype=bool), np.concatenate(nz_nophone)])
    is_first = np.concatenate([np.ones(n, dtype=bool), np.zeros(len(recv) - n, dtype=bool)])
    keep = is_first | ((ans <= end_s) & (recv >= start_s))
    recv, ans, talk, cls, inc_of, nophone, is_first = (
        a[keep] for a in (recv, ans, talk, cls, inc_of, nophone, is_first))
    ended = ans + talk
    ended[ended > end_s] = np.nan

    # abandoned calls: busy hours lose more, and many more right after the launch
    share = abandon_share((recv - SERVICE_LAUNCH.timestamp()) / 86400.0)
    busy = hour_profile(((10.0, 3.0, 1.0), (19.5, 3.0, 1.0)), 0.35) ** 0.5
    q = np.clip(share / (1 - share) * (busy / busy.mean())[local_hour(recv)], 0.0, 0.95)
    spawn = rng.random(len(recv)) < q
    ab_recv = recv[spawn] - rng.uniform(0, 900, int(spawn.sum()))
    ab_recv = ab_recv[(ab_recv >= start_s) & (ab_recv < end_s)]
    ab_end = np.minimum(ab_recv + np.clip(lognormal(rng, 25.0, 0.7, len(ab_recv)), 3.0, 600.0), end_s)

    all_recv = np.concatenate([recv, ab_recv])
    all_ans = np.concatenate([ans, np.full(len(ab_recv), np.nan)])
    all_end = np.concatenate([ended, ab_end])
    all_cls = np.concatenate([cls, np.full(len(ab_recv), "abandoned", dtype=object)])
    all_inc = np.concatenate([inc_of, np.full(len(ab_recv), -1)])
    all_nophone = np.concatenate([nophone, rng.random(len(ab_recv)) < 0.2])
    all_first = np.concatenate([is_first, np.zeros(len(ab_recv), dtype=bool)])

    order = np.argsort(all_recv, kind="stable")
    all_recv, all_ans, all_end, all_cls, all_inc, all_nophone, all_first = (
        a[order] for a in (all_recv, all_ans, all_end, all_cls, all_inc, all_nophone, all_first))
    incident_call = np.empty(n, dtype=np.int64)
    first_rows = np.flatnonzero(all_first)
    incident_call[all_inc[first_rows]] = first_rows
    # caller numbers: pranksters call again and again (a few numbers make many calls)
    total = len(all_recv)
    pool = rng.integers(0, 10_000_000, total)
    prank_pool = rng.zipf(1.6, total) % 400
    num = np.where(all_cls == "prank", 9_000_000 + prank_pool, pool)
    phone = np.array([f"DEMO-{x:07d}" for x in num.tolist()], dtype=object)
    phone[all_nophone] = None
    return {
        "received": all_recv, "answered": all_ans, "ended": all_end, "classification": all_cls,
        "incident_idx": all_inc.astype(np.int64), "phone": phone, "incident_call": incident_call,
    }
