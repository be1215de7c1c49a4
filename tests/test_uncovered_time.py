"""Uncovered-time KPI from availability changes: exact shares on a hand-made case, day splitting in
WITA, and agreement with a minute-by-minute replay."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from planning import live_coverage as lc, posts as ps
from planning._errors import InvalidParameterError
from planning.uncovered_time import AvailabilityChange, uncovered_since, uncovered_time_kpi
from routing.graph import TravelGraph
from tests.test_live_coverage import line_cells, line_graph, node_lonlat

WITA = ZoneInfo("Asia/Makassar")


def at(day: int, hour: float) -> datetime:
    """March 2026, local time (WITA)."""
    return datetime(2026, 3, day, tzinfo=WITA) + timedelta(hours=hour)


@pytest.fixture(scope="module")
def two_points() -> tuple[TravelGraph, lc.DemandCells, ps.PostSet]:
    """One demand point per area (W at node 1, E at node 9) and a post at each: each post covers only
    its own point within 2.5 minutes."""
    g = line_graph(11)
    lon, lat = zip(node_lonlat(1), node_lonlat(9))
    cells = lc.demand_points(g, lon, lat, [0, 1], ("W", "E"))
    posts = ps.prepare_posts(g, cells, [ps.Post("PW", "W", *node_lonlat(1)), ps.Post("PE", "E", *node_lonlat(9))],
                             unit_type="ambulance", threshold_min=2.5)
    assert posts.cover.tolist() == [[True, False], [False, True]]
    return g, cells, posts


def test_exact_shares_and_days_split_at_wita_midnight(
        two_points: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    _, cells, posts = two_points
    changes = [
        AvailabilityChange("A", at(1, 10), False, "PW"), AvailabilityChange("A", at(1, 16), True, "PW"),
        # across midnight: two hours on each day
        AvailabilityChange("B", at(1, 22), False, "PE"), AvailabilityChange("B", at(2, 2), True, "PE"),
        # a second unit at PW from day 2, 08:00: A's commitment on day 2 leaves no hole
        AvailabilityChange("C", at(2, 8), True, "PW"),
        AvailabilityChange("A", at(2, 12), False, "PW"), AvailabilityChange("A", at(2, 13), True, "PW"),
    ]
    kpi = uncovered_time_kpi(posts, cells, reversed(changes), start=at(1, 0), end=at(3, 0))
    assert kpi.days == (date(2026, 3, 1), date(2026, 3, 2))
    assert kpi.areas == ("W", "E")
    np.testing.assert_allclose(kpi.uncovered_share, [[6 / 24, 2 / 24], [0.0, 2 / 24]], atol=1e-12)
    np.testing.assert_allclose(kpi.city_uncovered_share, [8 / 48, 2 / 48], atol=1e-12)
    np.testing.assert_allclose(kpi.observed_s, [86_400, 86_400])
    assert kpi.period_share() == {"W": pytest.approx(3 / 24), "E": pytest.approx(2 / 24)}
    assert kpi.n_changes == 7 and kpi.unknown_posts == ()
    rows = kpi.rows()
    assert len(rows) == 4 and rows[0] == {"day": date(2026, 3, 1), "kecamatan": "W", "unit_type": "ambulance",
                                          "uncovered_share": pytest.approx(0.25), "observed_s": 86_400.0}
    assert json.dumps(kpi.to_dict())
    # the same in UTC input times; a period starting at noon observes half a day
    utc = [AvailabilityChange(c.unit_id, c.at.astimezone(UTC), c.available, c.post_id) for c in changes]
    half = uncovered_time_kpi(posts, cells, utc, start=at(1, 12), end=at(2, 0))
    np.testing.assert_allclose(half.uncovered_share, [[4 / 12, 2 / 12]], atol=1e-12)
    assert half.observed_s.tolist() == [43_200.0]


def test_initial_state_changes_before_the_start_and_unknown_posts(
        two_points: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    _, cells, posts = two_points
    # explicit start: nobody at PE; A at PW; a change before the start commits A
    changes = [AvailabilityChange("A", at(1, 23), False, "PW"), AvailabilityChange("A", at(2, 6), True, "PW"),
               AvailabilityChange("X", at(2, 0), True, "P-UNKNOWN")]
    kpi = uncovered_time_kpi(posts, cells, changes, start=at(2, 0), end=at(3, 0), initial={"A": "PW"})
    np.testing.assert_allclose(kpi.uncovered_share, [[6 / 24, 1.0]], atol=1e-12)
    assert kpi.unknown_posts == ("P-UNKNOWN",)
    # no initial state given: a unit first seen available was not available before
    late = [AvailabilityChange("B", at(2, 6), True, "PE")]
    kpi = uncovered_time_kpi(posts, cells, late, start=at(2, 0), end=at(3, 0))
    np.testing.assert_allclose(kpi.uncovered_share, [[1.0, 6 / 24]], atol=1e-12)
    with pytest.raises(InvalidParameterError):
        uncovered_time_kpi(posts, cells, late, start=datetime(2026, 3, 2), end=at(3, 0))
    with pytest.raises(InvalidParameterError):
        uncovered_time_kpi(posts, cells, late, start=at(3, 0), end=at(2, 0))
    with pytest.raises(InvalidParameterError):
        uncovered_time_kpi(posts, cells, late, start=at(2, 0), end=at(3, 0), weights=[1.0])


def test_agrees_with_a_minute_by_minute_replay_on_land_cells() -> None:
    g = line_graph(11)
    cells = line_cells(g, 11, split_at=(3_500.0, 7_000.0), names=("A", "B", "C"))
    posts = ps.prepare_posts(g, cells, [ps.Post(f"P{i}", f"P{i}", *node_lonlat(i)) for i in (1, 4, 6, 9)],
                             unit_type="ambulance", threshold_min=2.5)
    rng = np.random.default_rng(7)
    start = at(1, 0)
    home: dict[int | str, int | str] = {u: f"P{(1, 4, 6, 9)[u % 4]}" for u in range(6)}
    changes = []
    for u in range(6):
        t = 0.0
        avail = True
        while True:
            t += float(rng.exponential(5 * 3600 if avail else 2 * 3600))
            if t >= 3 * 86_400:
                break
            avail = not avail
            post = home[u] if rng.random() < 0.8 else f"P{(1, 4, 6, 9)[int(rng.integers(4))]}"
            changes.append(AvailabilityChange(u, start + timedelta(seconds=round(t)), avail, post))
    kpi = uncovered_time_kpi(posts, cells, changes, start=start, end=at(4, 0), initial=home)
    # replay: the state at every minute
    by_time = sorted(changes, key=lambda c: c.at)
    where: dict[int | str, int | str] = dict(home)
    w = cells.land_km2
    totals = cells.area_totals(w)
    expected = np.zeros((3, 3))
    j = 0
    for minute in range(3 * 1440):
        now = start + timedelta(minutes=minute)
        while j < len(by_time) and by_time[j].at <= now:
            c = by_time[j]
            where.pop(c.unit_id, None)
            if c.available:
                where[c.unit_id] = str(c.post_id)
            j += 1
        occupied = [posts.index(p) for p in set(where.values())]
        covered = posts.cover[occupied].any(axis=0) if occupied else np.zeros(len(cells), bool)
        expected[minute // 1440] += cells.area_totals(np.where(covered, 0.0, w)) / totals / 1440
    np.testing.assert_allclose(kpi.uncovered_share, expected, atol=2.0 / 1440)
    assert kpi.n_states >= 3 and kpi.uncovered_share.max() > 0


def test_uncovered_since(two_points: tuple[TravelGraph, lc.DemandCells, ps.PostSet]) -> None:
    _, cells, posts = two_points
    changes = [AvailabilityChange("A", at(1, 10), False, "PW"), AvailabilityChange("A", at(1, 16), True, "PW"),
               AvailabilityChange("A", at(1, 20), False, "PW"), AvailabilityChange("B", at(1, 21), False, "PE"),
               AvailabilityChange("B", at(1, 21.5), True, "PE")]
    since = uncovered_since(posts, cells, changes, at=at(1, 22), start=at(1, 0), initial={"A": "PW", "B": "PE"})
    assert since == {"W": at(1, 20), "E": None}
    since = uncovered_since(posts, cells, changes, at=at(1, 21.2), start=at(1, 0), initial={"A": "PW", "B": "PE"})
    assert since == {"W": at(1, 20), "E": at(1, 21)}
    since = uncovered_since(posts, cells, [], at=at(1, 5), start=at(1, 0), initial={})
    assert since == {"W": at(1, 0), "E": at(1, 0)}
