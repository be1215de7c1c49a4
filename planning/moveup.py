"""Move-up advice: which available units should move to which posts to restore the most coverage.

When committed units leave a hole, moving an available unit to a post (a station or a standby
point) can cover more demand than leaving it where it is. The advice is a maximal covering
model over the candidate moves, solved **exactly** — by enumeration for one move, with PuLP's
bundled CBC (the solver ``planning.siting`` uses) for several::

    maximise   Σ_g w_g y_g  −  λ Σ_(u,p) t_up x_up
    subject to y_g + Σ_{u ∈ U_g} r_u − Σ_{p ∈ P_g} m_p ≤ |U_g|          every demand group g
               r_u = Σ_p x_up ≤ 1,   m_p = Σ_u x_up ≤ 1,   Σ x_up ≤ K
               Σ_{g in a} w_g y_g ≥ min(C_a, τ W_a) − S_a                 every kecamatan a
               x_up ∈ {0, 1},  0 ≤ y_g ≤ 1

``x_up = 1`` moves unit u to post p; ``U_g`` are the available units that reach demand group g
within the target now and ``P_g`` the posts that would. Demand cells with the same units, posts
and kecamatan form one group (an exact reduction). Cells that at least K + 1 units (or a unit
that may not move) reach stay covered whatever the moves, and are fixed (``S_a``); a unit that
reaches none of the remaining cells loses nothing by moving, so only the K quickest such units
per post are kept as candidates (exact as well). ``λ`` is small (all moves together cost at most
10⁻⁶ of the demand): among equally good answers the quicker moves win.

Rules:

* at most ``K`` moves; one unit per post, one post per unit;
* **no kecamatan is left uncovered**: a kecamatan keeps at least ``τ`` (``area_min_share``,
  default 0.5) of its demand covered, or all it had when it had less — so the only unit that
  covers a kecamatan never leaves it bare (``C_a`` covered before, ``W_a`` its demand);
* only units whose status is in ``movable_statuses`` (default ``available``) move: units
  transporting a patient, at the hospital, on a call or already moving to a post never do;
* moves longer than the post set's ``max_move_s`` (default 20 minutes) are not proposed.

Limits: units are assumed to wait exactly at the post; posts known only by kecamatan are
approximate; on the approximate network (land lattice + bridges) times are estimates; demand is
what was given (recent incidents, population or land) — the model does not forecast calls.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planning._errors import InvalidParameterError, SolverError
from planning._proj import to_utm
from planning.live_coverage import (
    AVAILABLE_STATUSES,
    DemandCells,
    UnitLike,
    arrival_matrix_s,
    available_units,
    nearest_area,
    snap_ends,
)
from planning.posts import PostSet

#: Statuses of units that are never moved (committed, transporting, at hospital, out of service).
NEVER_MOVED_STATUSES: Final[tuple[str, ...]] = (
    "dispatched", "en_route", "on_scene", "transporting", "at_hospital", "out_of_service",
)
MOVABLE_STATUSES: Final[tuple[str, ...]] = ("available",)
DEFAULT_K: Final = 1
MAX_K: Final = 5
#: Advice is computed when more than this share of the demand is beyond the target.
DEFAULT_TRIGGER_SHARE: Final = 0.05
#: A proposal must cover at least this share of the demand more than now.
DEFAULT_MIN_GAIN_SHARE: Final = 0.005
#: A kecamatan keeps at least this share of its demand covered (or all it had when less).
DEFAULT_AREA_MIN_SHARE: Final = 0.5
#: A unit this close to a post is already at it (no move proposed to it).
SAME_POST_M: Final = 150.0
#: Upper bound of the move-time tie-breaker, as a share of the demand.
_TIE_BREAK_SHARE: Final = 1e-6
_TOL: Final = 1e-9
#: Slack of the kecamatan floors, as a share of the demand (the status quo sits exactly on them).
_FLOOR_SLACK: Final = 1e-7
SOLVER_TIME_LIMIT_S: Final = 10.0
DEMAND_KINDS: Final = ("auto", "incidents", "population", "land")


# --- the pure model on matrices ---------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MoveSolution:
    """An optimal set of moves.

    Attributes
    ----------
    pairs
        ``(unit index, post index)`` of each move, ordered so that each next move adds the most.
    marginal
        Demand each move adds when applied in that order (sums to ``covered_after - covered_before``).
    covered_before, covered_after, total
        Demand covered now, after the moves, and in all (weight units).
    area_total, area_before, area_after
        The same per area (kecamatan).
    method
        ``"enumerate"`` (one move, every candidate tried) or ``"milp"`` (CBC).
    optimal
        Proven optimal. ``False`` only when CBC's answer was worse than the best single move
        (a solver fault; the single move is returned then).
    """

    pairs: tuple[tuple[int, int], ...]
    marginal: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float
    area_total: NDArray[np.float64] = field(repr=False)
    area_before: NDArray[np.float64] = field(repr=False)
    area_after: NDArray[np.float64] = field(repr=False)
    method: str = "enumerate"
    optimal: bool = True
    solve_s: float = 0.0
    n_pairs: int = 0
    n_groups: int = 0

    @property
    def gain(self) -> float:
        return self.covered_after - self.covered_before


def covered_after(unit_cover: NDArray[np.bool_], post_cover: NDArray[np.bool_],
                  pairs: Sequence[tuple[int, int]]) -> NDArray[np.bool_]:
    """Cells covered once the units of ``pairs`` have moved to their posts."""
    stay = np.ones(unit_cover.shape[0], dtype=bool)
    posts = []
    for u, p in pairs:
        stay[u] = False
        posts.append(p)
    out = unit_cover[stay].any(axis=0) if stay.any() else np.zeros(unit_cover.shape[1], dtype=bool)
    if posts:
        out = out | post_cover[posts].any(axis=0)
    return np.asarray(out)


def area_floor(area_before: NDArray[np.float64], area_total: NDArray[np.float64],
               area_min_share: float) -> NDArray[np.float64]:
    """Demand each area must keep covered: ``min(covered before, τ × its demand)``."""
    return np.asarray(np.minimum(area_before, float(area_min_share) * area_total))


def _order(unit_cover: NDArray[np.bool_], post_cover: NDArray[np.bool_], w: NDArray[np.float64],
           chosen: list[tuple[int, int]], base: float) -> tuple[tuple[tuple[int, int], ...], tuple[float, ...]]:
    """Order moves greedily by what each adds on top of the previous ones."""
    done: list[tuple[int, int]] = []
    gains: list[float] = []
    current = base
    left = list(chosen)
    while left:
        values = [float(w[covered_after(unit_cover, post_cover, [*done, m])].sum()) for m in left]
        best = int(np.argmax(values))
        gains.append(values[best] - current)
        current = values[best]
        done.append(left.pop(best))
    return tuple(done), tuple(gains)


def solve_moves(
    unit_cover: ArrayLike,
    post_cover: ArrayLike,
    move_s: ArrayLike,
    weights: ArrayLike,
    area_idx: ArrayLike,
    *,
    n_areas: int | None = None,
    k: int = DEFAULT_K,
    area_min_share: float = DEFAULT_AREA_MIN_SHARE,
    min_gain: float = 0.0,
    method: str = "auto",
    time_limit_s: float = SOLVER_TIME_LIMIT_S,
) -> MoveSolution:
    """Best moves of at most ``k`` units to posts (see the module docs for the model).

    Parameters
    ----------
    unit_cover
        ``(n_units, n_cells)`` bool: available unit reaches the cell within the target now.
    post_cover
        ``(n_posts, n_cells)`` bool: a unit at the post would reach the cell.
    move_s
        ``(n_units, n_posts)`` drive time of each move; ``inf`` where the move is not allowed
        (unit may not move, too far, already there).
    weights, area_idx
        Demand per cell and its area index.
    k
        Most moves (1–5).
    area_min_share
        ``τ``: each area keeps ``min(covered before, τ × demand)`` covered; 0 switches the rule off.
    min_gain
        Smallest worthwhile gain (weight units): below it no move is proposed.
    method
        ``"auto"`` (enumeration for k = 1, CBC otherwise), ``"enumerate"`` (k = 1 only) or ``"milp"``.

    Raises
    ------
    InvalidParameterError
        Shapes that disagree, k or τ out of range, unknown method.
    SolverError
        CBC failed or did not prove optimality in ``time_limit_s``.
    """
    uc = np.asarray(unit_cover, dtype=bool)
    pc = np.asarray(post_cover, dtype=bool)
    ms = np.asarray(move_s, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    ai = np.asarray(area_idx, dtype=np.int64)
    if uc.ndim != 2 or pc.ndim != 2 or uc.shape[1] != pc.shape[1] or w.shape != (uc.shape[1],) \
            or ai.shape != w.shape or ms.shape != (uc.shape[0], pc.shape[0]):
        raise InvalidParameterError("unit cover, post cover, move times, weights and areas disagree in shape")
    if not 1 <= int(k) <= MAX_K:
        raise InvalidParameterError(f"at most 1 to {MAX_K} moves")
    if not 0.0 <= float(area_min_share) <= 1.0:
        raise InvalidParameterError("the kecamatan share to keep must be between 0 and 1")
    if method not in ("auto", "enumerate", "milp"):
        raise InvalidParameterError(f"unknown method {method!r}")
    if method == "enumerate" and k != 1:
        raise InvalidParameterError("enumeration solves one move; use the MILP for more")
    k = int(k)
    n_units, n_cells = uc.shape
    n_a = int(n_areas) if n_areas is not None else (int(ai.max()) + 1 if ai.size else 0)
    t0 = time.perf_counter()
    count = uc.sum(axis=0)
    before = count > 0
    area_total = np.bincount(ai, weights=w, minlength=n_a).astype(np.float64)
    area_before = np.bincount(ai, weights=np.where(before, w, 0.0), minlength=n_a).astype(np.float64)
    need = area_floor(area_before, area_total, area_min_share) if area_min_share > 0 else np.zeros(n_a)
    total = float(w.sum())
    cov_before = float(w[before].sum())

    allowed: NDArray[np.bool_] = np.asarray(np.isfinite(ms), dtype=bool)
    movable: NDArray[np.bool_] = np.asarray(allowed.any(axis=1), dtype=bool)
    # cells covered whatever the moves: by a unit that cannot move, or by more units than may move
    safe: NDArray[np.bool_] = np.asarray(
        (uc[~movable].any(axis=0) if (~movable).any() else np.zeros(n_cells, dtype=bool)) | (count >= k + 1))
    relevant: NDArray[np.bool_] = np.asarray(~safe & (before | pc.any(axis=0)) & (w > 0))
    # a post that reaches no relevant cell adds nothing
    allowed &= np.asarray(pc[:, relevant].any(axis=1), dtype=bool)[None, :]
    # units that reach no relevant cell lose nothing by moving: keep the k quickest per post
    free: NDArray[np.bool_] = np.asarray(movable & ~uc[:, relevant].any(axis=1))
    if free.any() and n_units:
        fm = np.where(free[:, None] & allowed, ms, np.inf)
        keep = np.zeros_like(allowed)
        ranked = np.argsort(fm, axis=0, kind="stable")[: min(k, n_units)]
        cols = np.arange(pc.shape[0])
        for rank_rows in ranked:
            ok = np.isfinite(fm[rank_rows, cols])
            keep[rank_rows[ok], cols[ok]] = True
        allowed = (allowed & ~free[:, None]) | keep
    # units left without a move keep covering: their cells are fixed too
    stays = ~allowed.any(axis=1)
    if stays.any():
        safe |= uc[stays].any(axis=0)
        relevant &= ~safe
    pairs = np.argwhere(allowed)
    safe_area = np.bincount(ai, weights=np.where(safe, w, 0.0), minlength=n_a).astype(np.float64)

    def result(chosen: list[tuple[int, int]], used: str, n_groups: int) -> MoveSolution:
        after = covered_after(uc, pc, chosen)
        cov_after = float(w[after].sum())
        if chosen and cov_after - cov_before < max(float(min_gain), _TOL * max(total, 1.0)):
            chosen, after, cov_after = [], before, cov_before
        ordered, gains = _order(uc, pc, w, chosen, cov_before)
        area_after = np.bincount(ai, weights=np.where(after, w, 0.0), minlength=n_a).astype(np.float64)
        for arr in (area_total, area_before, area_after):
            arr.flags.writeable = False
        return MoveSolution(pairs=tuple((int(u), int(p)) for u, p in ordered), marginal=gains,
                            covered_before=cov_before, covered_after=cov_after, total=total,
                            area_total=area_total, area_before=area_before, area_after=area_after, method=used,
                            optimal=True, solve_s=time.perf_counter() - t0, n_pairs=int(pairs.shape[0]),
                            n_groups=n_groups)

    if pairs.shape[0] == 0 or not relevant.any():
        return result([], "enumerate" if method != "milp" else "milp", 0)
    if method == "enumerate" or (method == "auto" and k == 1):
        return result(_enumerate_one(uc, pc, ms, w, ai, n_a, pairs, relevant, safe, count, need), "enumerate", 0)
    chosen, n_groups = _milp(uc, pc, ms, w, ai, n_a, k, pairs, relevant, safe_area, need, total, time_limit_s)
    # safeguard: the answer can never be worse than the best single move (enumerated exactly; for one
    # move, cells that two units reach stay covered)
    safe_one = safe | (count >= 2)
    single = _enumerate_one(uc, pc, ms, w, ai, n_a, pairs, relevant & ~safe_one, safe_one, count, need)
    if single and float(w[covered_after(uc, pc, single)].sum()) > float(w[covered_after(uc, pc, chosen)].sum()) \
            + _TOL * max(total, 1.0):
        return replace(result(single, "milp", n_groups), optimal=False)
    return result(chosen, "milp", n_groups)


def _enumerate_one(uc: NDArray[np.bool_], pc: NDArray[np.bool_], ms: NDArray[np.float64], w: NDArray[np.float64],
                   ai: NDArray[np.int64], n_a: int, pairs: NDArray[np.int64], relevant: NDArray[np.bool_],
                   safe: NDArray[np.bool_], count: NDArray[np.int64], need: NDArray[np.float64]
                   ) -> list[tuple[int, int]]:
    """Every single move tried: the best feasible one (quickest among equals), or none."""
    r = np.flatnonzero(relevant)
    w_r = w[r]
    by_area = np.zeros((r.size, n_a))
    by_area[np.arange(r.size), ai[r]] = w_r
    safe_w = float(w[safe].sum())
    safe_area = np.bincount(ai, weights=np.where(safe, w, 0.0), minlength=n_a)
    count_r = count[r]
    uc_r = uc[:, r]
    pc_r = pc[:, r]
    tol = _TOL * max(float(w.sum()), 1.0)
    now = safe_w + float(w_r[count_r > 0].sum())
    best: tuple[float, float, tuple[int, int] | None] = (now, 0.0, None)
    for u in np.unique(pairs[:, 0]).tolist():
        posts = pairs[pairs[:, 0] == u, 1]
        stay = (count_r - uc_r[u]) > 0
        after = (stay[None, :] | pc_r[posts]).astype(np.float64)
        cov = safe_w + after @ w_r
        slack = _FLOOR_SLACK * max(float(w.sum()), _TOL)
        feasible = np.all(safe_area[None, :] + after @ by_area >= need[None, :] - slack, axis=1)
        for j in np.flatnonzero(feasible).tolist():
            value, t = float(cov[j]), float(ms[u, posts[j]])
            if value > best[0] + tol or (best[2] is not None and abs(value - best[0]) <= tol and t < best[1]):
                best = (value, t, (int(u), int(posts[j])))
    return [] if best[2] is None else [best[2]]


def _milp(uc: NDArray[np.bool_], pc: NDArray[np.bool_], ms: NDArray[np.float64], w: NDArray[np.float64],
          ai: NDArray[np.int64], n_a: int, k: int, pairs: NDArray[np.int64], relevant: NDArray[np.bool_],
          safe_area: NDArray[np.float64], need: NDArray[np.float64], total: float, time_limit_s: float
          ) -> tuple[list[tuple[int, int]], int]:
    """The covering model with CBC; returns the chosen moves and the number of demand groups."""
    import pulp

    r = np.flatnonzero(relevant)
    units = np.unique(pairs[:, 0])
    posts = np.unique(pairs[:, 1])
    ucols = units[uc[np.ix_(units, r)].any(axis=1)]
    pattern = np.hstack([uc[np.ix_(ucols, r)].T, pc[np.ix_(posts, r)].T])
    # demand groups: cells with the same covering units and posts, in the same area
    area_bytes = np.ascontiguousarray(ai[r].astype(">i4")).view(np.uint8).reshape(r.size, 4)
    key = np.hstack([np.packbits(pattern, axis=1), area_bytes])
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    g_w = np.bincount(inverse, weights=w[r], minlength=uniq.shape[0]) / max(total, _TOL)
    first = np.zeros(uniq.shape[0], dtype=np.int64)
    first[inverse[::-1]] = np.arange(r.size)[::-1]
    g_pat = pattern[first]
    g_area = ai[r][first]
    n_u = ucols.size

    max_t = float(np.max(ms[pairs[:, 0], pairs[:, 1]])) if pairs.size else 1.0
    lam = _TIE_BREAK_SHARE / (k * max(max_t, 1.0))
    prob = pulp.LpProblem("moveup", pulp.LpMaximize)
    x = [prob.add_variable(f"x_{u}_{p}", cat="Binary") for u, p in pairs.tolist()]
    y = [prob.add_variable(f"y{g}", lowBound=0, upBound=1) for g in range(uniq.shape[0])]
    # r_u: unit u leaves; m_p: a unit arrives at post p (each at most once)
    r_var = {int(u): prob.add_variable(f"r{u}", lowBound=0, upBound=1) for u in units.tolist()}
    m_var = {int(p): prob.add_variable(f"m{p}", lowBound=0, upBound=1) for p in posts.tolist()}
    by_unit: dict[int, list[Any]] = {u: [] for u in r_var}
    by_post: dict[int, list[Any]] = {p: [] for p in m_var}
    for (u, p), var in zip(pairs.tolist(), x):
        by_unit[u].append(var)
        by_post[p].append(var)
    prob += pulp.LpAffineExpression([(y[g], float(g_w[g])) for g in range(len(y))]
                                    + [(var, -lam * float(ms[u, p])) for (u, p), var in zip(pairs.tolist(), x)])
    for u, var in r_var.items():
        prob += pulp.LpAffineExpression([(v, 1.0) for v in by_unit[u]] + [(var, -1.0)]) == 0
    for p, var in m_var.items():
        prob += pulp.LpAffineExpression([(v, 1.0) for v in by_post[p]] + [(var, -1.0)]) == 0
    prob += pulp.LpAffineExpression([(v, 1.0) for v in x]) <= k
    u_list, p_list = ucols.tolist(), posts.tolist()
    for g in range(len(y)):
        us = [u_list[i] for i in np.flatnonzero(g_pat[g, :n_u]).tolist()]
        ps_ = [p_list[i] for i in np.flatnonzero(g_pat[g, n_u:]).tolist()]
        terms = [(y[g], 1.0)] + [(r_var[u], 1.0) for u in us] + [(m_var[p], -1.0) for p in ps_]
        prob += pulp.LpAffineExpression(terms) <= len(us)
    for a in range(n_a):
        floor = (need[a] - safe_area[a]) / max(total, _TOL)
        if floor > _TOL:
            members = np.flatnonzero(g_area == a).tolist()
            prob += pulp.LpAffineExpression([(y[g], float(g_w[g])) for g in members]) >= floor - _FLOOR_SLACK
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
        # CBC 2.10's preprocessing mis-solves these models (the status quo sits exactly on the
        # kecamatan floors): it has returned a worse "optimal" answer, and "infeasible"; without it
        # the answers equal brute force
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(np.ceil(time_limit_s))), gapRel=0.0,
                                   options=["preprocess off"])
    try:
        prob.solve(solver)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the CBC solver failed: {exc}") from exc
    status = pulp.LpStatus.get(prob.status, str(prob.status))
    if status != "Optimal":
        raise SolverError(f"the solver ended with status {status!r}")
    chosen = [(int(u), int(p)) for (u, p), v in zip(pairs.tolist(), x) if (v.value() or 0.0) > 0.5]
    return chosen, int(uniq.shape[0])


# --- advice for the console -------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """One proposed move.

    ``gain`` is the demand the move adds (in the order of :attr:`MoveAdvice.moves`), ``gain_share``
    the same as a share of all demand; ``travel_s`` the drive time of the move.
    """

    unit_id: int | str
    from_lon: float
    from_lat: float
    from_area: str | None
    post_id: int | str
    post_name: str
    post_kind: str
    to_lon: float
    to_lat: float
    to_area: str | None
    travel_s: float
    gain: float
    gain_share: float


@dataclass(frozen=True)
class AreaChange:
    """Uncovered share of a kecamatan's demand now and after the proposed moves."""

    area: str
    demand: float
    uncovered_before: float
    uncovered_after: float


@dataclass(frozen=True)
class ExcludedUnit:
    """An available unit that is not considered for a move, and why (``reason_code``)."""

    unit_id: int | str
    reason_code: str


@dataclass(frozen=True)
class MoveAdvice:
    """Move-up advice for one unit type.

    Attributes
    ----------
    status
        ``proposed`` (moves listed), ``below_threshold`` (uncovered demand not above the
        baseline plus the trigger), ``no_gain`` (no allowed move gains enough),
        ``no_available_unit``.
    demand
        Which demand was maximised: ``incidents``, ``population`` or ``land``.
    uncovered_before, uncovered_after
        Shares of that demand beyond the target now and after the moves.
    moves
        The proposal, best move first.
    areas
        Per kecamatan, uncovered shares before and after.
    """

    unit_type: str
    threshold_min: float
    model: str
    demand: str
    status: str
    k: int
    uncovered_before: float
    uncovered_after: float
    moves: tuple[Move, ...]
    areas: tuple[AreaChange, ...]
    excluded: tuple[ExcludedUnit, ...]
    method: str
    optimal: bool
    solve_s: float
    n_candidate_moves: int
    notes: tuple[str, ...] = ()

    @property
    def gain_share(self) -> float:
        return self.uncovered_before - self.uncovered_after

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (shares rounded to 4 decimals, seconds to 0.1)."""
        return {
            "unit_type": self.unit_type, "threshold_min": self.threshold_min, "routing": self.model,
            "demand": self.demand, "status": self.status, "k": self.k,
            "uncovered_before": round(self.uncovered_before, 4), "uncovered_after": round(self.uncovered_after, 4),
            "gain_share": round(self.gain_share, 4),
            "moves": [{
                "unit_id": m.unit_id, "from": {"lon": round(m.from_lon, 6), "lat": round(m.from_lat, 6),
                                               "kecamatan": m.from_area},
                "to": {"post_id": m.post_id, "name": m.post_name, "kind": m.post_kind, "lon": round(m.to_lon, 6),
                       "lat": round(m.to_lat, 6), "kecamatan": m.to_area},
                "travel_s": round(m.travel_s, 1), "gain_share": round(m.gain_share, 4),
            } for m in self.moves],
            "kecamatan": [{"kecamatan": a.area, "uncovered_before": round(a.uncovered_before, 4),
                           "uncovered_after": round(a.uncovered_after, 4)} for a in self.areas],
            "excluded": [{"unit_id": e.unit_id, "reason_code": e.reason_code} for e in self.excluded],
            "method": self.method, "optimal": self.optimal, "solve_ms": round(self.solve_s * 1000, 1),
            "notes": list(self.notes),
        }


def demand_weights(cells: DemandCells, *, incidents: ArrayLike | None = None, population: ArrayLike | None = None,
                   demand: str = "auto") -> tuple[str, NDArray[np.float64]]:
    """The demand to maximise: ``auto`` takes incidents, else population, else land (whichever is given).

    Raises
    ------
    InvalidParameterError
        Unknown kind, a kind asked for but not given, or arrays of the wrong length.
    """
    if demand not in DEMAND_KINDS:
        raise InvalidParameterError(f"demand must be one of {', '.join(DEMAND_KINDS)}")
    n = len(cells)
    given: dict[str, NDArray[np.float64]] = {}
    for name, values in (("incidents", incidents), ("population", population)):
        if values is not None:
            arr = np.asarray(values, dtype=np.float64).ravel()
            if arr.shape != (n,) or not np.all(np.isfinite(arr)) or (arr < 0).any():
                raise InvalidParameterError(f"{name} must give one finite, non-negative value per demand cell")
            given[name] = arr
    land = cells.land_km2 if cells.cell_m > 0 else np.ones(n)
    if demand == "auto":
        for name in ("incidents", "population"):
            if name in given and given[name].sum() > 0:
                return name, given[name]
        return "land", np.asarray(land, dtype=np.float64)
    if demand == "land":
        return "land", np.asarray(land, dtype=np.float64)
    if demand not in given:
        raise InvalidParameterError(f"{demand} demand was asked for but not given")
    return demand, given[demand]


def advise_moves(
    graph: Any,
    cells: DemandCells,
    posts: PostSet,
    units: Sequence[UnitLike],
    *,
    unit_type: str,
    incidents: ArrayLike | None = None,
    population: ArrayLike | None = None,
    demand: str = "auto",
    k: int = DEFAULT_K,
    trigger_share: float = DEFAULT_TRIGGER_SHARE,
    baseline_share: float = 0.0,
    min_gain_share: float = DEFAULT_MIN_GAIN_SHARE,
    area_min_share: float = DEFAULT_AREA_MIN_SHARE,
    available_statuses: Sequence[str] = AVAILABLE_STATUSES,
    movable_statuses: Sequence[str] = MOVABLE_STATUSES,
    method: str = "auto",
    snap_kwargs: Mapping[str, Any] | None = None,
) -> MoveAdvice:
    """Which available units of ``unit_type`` should move to which posts to cover the most demand.

    Parameters
    ----------
    graph
        The travel graph recommendations use (corrections applied).
    cells
        Demand cells joined to this graph.
    posts
        Candidate posts prepared for this graph, cells and the unit type's target
        (:func:`planning.posts.prepare_posts`); their target and longest move apply.
    units
        All units (``routing.recommend.UnitPosition`` works): units of ``unit_type`` whose status
        is in ``available_statuses`` cover from their position; those in ``movable_statuses``
        may be moved.
    incidents, population, demand
        Demand per cell; see :func:`demand_weights`.
    k
        Most moves proposed at once (1–5).
    trigger_share
        Advice is only computed when the uncovered share of the demand exceeds
        ``baseline_share`` by more than this.
    baseline_share
        Uncovered share that does not count as a hole, e.g. the share uncovered with every unit
        of the type available at its home station (:func:`planning.live_coverage.live_coverage`
        with those positions); 0 compares the uncovered share itself with the trigger.
    min_gain_share
        Smallest worthwhile gain, as a share of the demand.
    area_min_share
        Each kecamatan keeps at least this share of its demand covered, or all it had when less.

    Returns
    -------
    MoveAdvice

    Raises
    ------
    InvalidParameterError
        Bad parameters, a never-moved status listed as movable, or posts/cells of another graph.
    SolverError
        CBC failed.
    """
    from routing.snap import snap_many

    cells.check_graph(graph)
    posts.check(graph, cells, unit_type)
    bad = sorted(set(movable_statuses) & set(NEVER_MOVED_STATUSES))
    if bad:
        raise InvalidParameterError(f"units with status {', '.join(bad)} are never moved")
    if not 0.0 <= float(trigger_share) < 1.0 or not 0.0 <= float(min_gain_share) <= 1.0 \
            or not 0.0 <= float(baseline_share) <= 1.0:
        raise InvalidParameterError("the trigger, the baseline and the smallest gain are shares between 0 and 1")
    kind, w = demand_weights(cells, incidents=incidents, population=population, demand=demand)
    limit_s = posts.threshold_min * 60.0
    avail = available_units(units, unit_type, available_statuses)
    n_areas = len(cells.area_names)
    notes = ("approximate_network",) if graph.model == "approximate" else ()
    total = float(w.sum())

    def areas_of(before: NDArray[np.float64], after: NDArray[np.float64], tot: NDArray[np.float64]
                 ) -> tuple[AreaChange, ...]:
        return tuple(AreaChange(area=name, demand=float(tot[a]),
                                uncovered_before=float(1 - before[a] / tot[a]) if tot[a] > 0 else 0.0,
                                uncovered_after=float(1 - after[a] / tot[a]) if tot[a] > 0 else 0.0)
                     for a, name in enumerate(cells.area_names))

    area_tot = cells.area_totals(w)
    if not avail:
        zero = np.zeros(n_areas)
        return MoveAdvice(unit_type=unit_type, threshold_min=posts.threshold_min, model=str(graph.model), demand=kind,
                          status="no_available_unit", k=int(k), uncovered_before=1.0 if total > 0 else 0.0,
                          uncovered_after=1.0 if total > 0 else 0.0, moves=(), areas=areas_of(zero, zero, area_tot),
                          excluded=(), method="none", optimal=True, solve_s=0.0, n_candidate_moves=0, notes=notes)
    lon = np.array([float(u.lon) for u in avail])
    lat = np.array([float(u.lat) for u in avail])
    snaps = snap_many(graph, lon, lat, **(snap_kwargs or {}))
    ok = np.asarray(snaps.ok, dtype=bool)
    out_node, out_s = snap_ends(graph, snaps, inbound=False)
    unit_cover = arrival_matrix_s(graph, cells, out_node, out_s, limit_s=limit_s) <= limit_s
    before = unit_cover.any(axis=0)
    uncovered_before = float(w[~before].sum() / total) if total > 0 else 0.0

    excluded: list[ExcludedUnit] = []
    movable = np.zeros(len(avail), dtype=bool)
    for i, u in enumerate(avail):
        if not ok[i]:
            excluded.append(ExcludedUnit(u.unit_id, "off_network"))
        elif u.status not in movable_statuses:
            excluded.append(ExcludedUnit(u.unit_id, "status_not_movable"))
        else:
            movable[i] = True
    # drive time of every move: min over the unit's ways onto the graph
    n_posts = len(posts)
    move_s = np.full((len(avail), n_posts), np.inf)
    if n_posts:
        to_post = posts.to_post_s.astype(np.float64)
        for slot in range(2):
            move_s = np.minimum(move_s, out_s[:, slot][:, None] + to_post[:, out_node[:, slot]].T)
        ux, uy = to_utm(lon, lat)
        px, py = to_utm(np.array([p.lon for p in posts.posts]), np.array([p.lat for p in posts.posts]))
        at_post = np.hypot(ux[:, None] - px[None, :], uy[:, None] - py[None, :]) <= SAME_POST_M
        move_s[~movable] = np.inf
        move_s[:, ~posts.on_network] = np.inf
        move_s[at_post | (move_s > posts.max_move_s)] = np.inf

    if uncovered_before - float(baseline_share) <= float(trigger_share):
        cov = cells.area_totals(np.where(before, w, 0.0))
        return MoveAdvice(unit_type=unit_type, threshold_min=posts.threshold_min, model=str(graph.model), demand=kind,
                          status="below_threshold", k=int(k), uncovered_before=uncovered_before,
                          uncovered_after=uncovered_before, moves=(), areas=areas_of(cov, cov, area_tot),
                          excluded=tuple(excluded), method="none", optimal=True, solve_s=0.0,
                          n_candidate_moves=int(np.isfinite(move_s).sum()), notes=notes)
    sol = solve_moves(unit_cover, posts.cover, move_s, w, cells.area_idx, n_areas=n_areas, k=k,
                      area_min_share=area_min_share, min_gain=float(min_gain_share) * total, method=method)
    unit_area = nearest_area(cells, lon, lat)
    moves = tuple(Move(
        unit_id=avail[u].unit_id, from_lon=float(lon[u]), from_lat=float(lat[u]), from_area=unit_area[u],
        post_id=posts.posts[p].post_id, post_name=posts.posts[p].name, post_kind=posts.posts[p].kind,
        to_lon=float(posts.posts[p].lon), to_lat=float(posts.posts[p].lat), to_area=posts.area[p],
        travel_s=float(move_s[u, p]), gain=float(g), gain_share=float(g / total) if total > 0 else 0.0,
    ) for (u, p), g in zip(sol.pairs, sol.marginal))
    return MoveAdvice(
        unit_type=unit_type, threshold_min=posts.threshold_min, model=str(graph.model), demand=kind,
        status="proposed" if moves else "no_gain", k=int(k), uncovered_before=uncovered_before,
        uncovered_after=float(1 - sol.covered_after / total) if total > 0 else 0.0, moves=moves,
        areas=areas_of(sol.area_before, sol.area_after, sol.area_total), excluded=tuple(excluded),
        method=sol.method, optimal=sol.optimal, solve_s=sol.solve_s, n_candidate_moves=sol.n_pairs, notes=notes,
    )
