"""Hotspots: Gi* equals esda run directly, classes, emerging hotspots, KDE, counts; temporal patterns."""

from __future__ import annotations

from typing import Any

import h3
import numpy as np
import pandas as pd
import pytest

from planning import hotspots as hs, temporal as tmp
from planning._errors import InvalidParameterError, NoIncidentsError

CENTRE = h3.latlng_to_cell(-3.99, 122.52, 9)

#: esda's G_Local warns that its default alternative hypothesis will change and offers no argument to choose it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning")


def _fixture_points() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A disk of 61 cells: a dense cluster near one side, sparse elsewhere (fixed seed)."""
    rng = np.random.default_rng(6)
    study = sorted(h3.grid_disk(CENTRE, 4))
    hot_side = h3.grid_disk(h3.grid_ring(CENTRE, 3)[0], 1)
    lon, lat = [], []
    for cell in study:
        n = int(rng.poisson(12 if cell in hot_side else 1.5))
        cy, cx = h3.cell_to_latlng(cell)
        lon += [cx] * n
        lat += [cy] * n
    return np.array(lon), np.array(lat), study


def _direct_esda(counts: pd.Series, seed: int) -> Any:
    """Gi* computed straight with libpysal/esda from the hexagon polygons (Queen contiguity)."""
    import geopandas as gpd
    from esda import G_Local
    from libpysal.weights import Queen, fill_diagonal
    from shapely.geometry import Polygon

    cells = list(counts.index)
    polys = [Polygon([(lng, lt) for lt, lng in h3.cell_to_boundary(c)]) for c in cells]
    gdf = gpd.GeoDataFrame({"cell": cells}, geometry=polys, crs="EPSG:4326")
    w = Queen.from_dataframe(gdf, ids=cells, use_index=False)
    w = fill_diagonal(w, 1)
    return G_Local(counts.to_numpy(), w, transform="B", star=True, permutations=999, seed=seed, n_jobs=1)


def test_gi_star_equals_esda_directly() -> None:
    lon, lat, study = _fixture_points()
    result = hs.hotspots(lon, lat, resolution=9, study=study, permutations=999, seed=7)
    cells = result.cells
    assert list(cells.index) == study and int(cells["count"].sum()) == len(lon)
    direct = _direct_esda(cells["count"], seed=7)
    np.testing.assert_allclose(cells["gi"].to_numpy(), direct.Gs, rtol=1e-12)
    np.testing.assert_allclose(cells["z"].to_numpy(), direct.Zs, rtol=1e-9)
    np.testing.assert_allclose(cells["p_sim"].to_numpy(), direct.p_sim)
    expected = hs.classify(direct.Zs, direct.p_sim)
    assert list(cells["klass"]) == list(expected)
    # the planted cluster is found: its centre is a 99 % hot spot; significant classes exist both ways
    hot_centre = h3.grid_ring(CENTRE, 3)[0]
    assert cells.loc[hot_centre, "klass"] == "hot_99"
    counts = result.class_counts()
    assert counts["hot_99"] >= 3 and sum(v for k, v in counts.items() if k.startswith("cold")) >= 1


def test_classification_thresholds_and_sign() -> None:
    z = np.array([2.9, 2.0, 1.7, 0.5, -1.7, -2.0, -3.0, 1.0])
    p = np.array([0.001, 0.04, 0.09, 0.5, 0.09, 0.05, 0.01, 0.10])
    assert list(hs.classify(z, p)) == ["hot_99", "hot_95", "hot_90", "ns", "cold_90", "cold_95", "cold_99", "hot_90"]
    assert list(hs.signed_confidence(["hot_95", "cold_90", "ns", "nt"])) == [95, -90, 0, 0]


def test_permutation_inference_is_reproducible_with_a_seed() -> None:
    lon, lat, study = _fixture_points()
    a = hs.hotspots(lon, lat, study=study, seed=11).cells["p_sim"]
    b = hs.hotspots(lon, lat, study=study, seed=11).cells["p_sim"]
    pd.testing.assert_series_equal(a, b)


def test_isolated_cells_are_not_tested() -> None:
    lon, lat, study = _fixture_points()
    far = h3.latlng_to_cell(-4.05, 122.60, 9)
    cy, cx = h3.cell_to_latlng(far)
    result = hs.hotspots(np.r_[lon, cx], np.r_[lat, cy], study=study)
    assert result.cells.loc[far, "klass"] == "nt" and np.isnan(result.cells.loc[far, "p_sim"])


def test_no_incidents_is_a_typed_error() -> None:
    with pytest.raises(NoIncidentsError):
        hs.hotspots([], [], study=sorted(h3.grid_disk(CENTRE, 2)))
    with pytest.raises(InvalidParameterError):
        hs.getis_ord(pd.Series([1.0, 2.0], index=list(h3.grid_disk(CENTRE, 1))[:2]), permutations=9)


def test_emerging_hotspots_flag_changed_cells() -> None:
    lon, lat, study = _fixture_points()
    # later period: the same cluster moved to the opposite side of the disk
    shift = h3.grid_ring(CENTRE, 3)[9]
    cy, cx = h3.cell_to_latlng(shift)
    lon2 = np.r_[lon[: len(lon) // 3], [cx] * 60]
    lat2 = np.r_[lat[: len(lat) // 3], [cy] * 60]
    from unittest import mock

    with mock.patch.object(hs, "land_cells", return_value=tuple(study)):
        em = hs.emerging_hotspots(lon, lat, lon2, lat2, resolution=9)
    assert set(em["change"]) <= set(hs.EMERGING_CLASSES)
    assert em.loc[shift, "change"] == "new_hot"
    assert em.loc[h3.grid_ring(CENTRE, 3)[0], "change"] in ("ended_hot", "weakening_hot", "new_cold")
    assert hs._change(95, 95) == "unchanged" and hs._change(90, 99) == "intensifying_hot"
    assert hs._change(-95, 0) == "ended_cold" and hs._change(0, -90) == "new_cold"


def test_binned_kde_matches_a_direct_gaussian_kernel() -> None:
    rng = np.random.default_rng(3)
    cell = 50.0
    # points on cell centres, so that binning adds no error
    cols = rng.integers(40, 160, 300)
    rows = rng.integers(40, 160, 300)
    x = (cols + 0.5) * cell
    y = (rows + 0.5) * cell
    grid = hs.kde_grid(x, y, bandwidth_m=300.0, cell_m=cell, frame=(0.0, 0.0, 200, 200))
    cx, cy = grid.centres()
    probe_r, probe_c = np.array([50, 100, 120, 150]), np.array([60, 100, 80, 140])
    h = 300.0
    for r, c in zip(probe_r, probe_c):
        d2 = (x - cx[c]) ** 2 + (y - cy[r]) ** 2
        direct = np.exp(-d2 / (2 * h * h)).sum() / (2 * np.pi * h * h) * 1e6  # per km²
        assert grid.density[r, c] == pytest.approx(direct, rel=0.02)
    # the surface integrates to the number of points (no mass lost inside this frame)
    assert np.nansum(grid.density) * (cell * cell / 1e6) == pytest.approx(300, rel=1e-3)


def test_kde_over_the_city_is_masked_to_land() -> None:
    grid = hs.kde([122.52, 122.53], [-3.99, -3.995])
    assert np.isnan(grid.density).any() and np.nanmax(grid.density) > 0
    corners = grid.corners_lonlat()
    assert corners[0][1] > corners[3][1]  # top-left is north of bottom-left


def test_kelurahan_counts_lists_every_kelurahan() -> None:
    kel = pd.DataFrame({"kode": ["a", "b", "c"], "nama": ["A", "B", "C"], "kecamatan": ["K"] * 3,
                        "area_km2": [1.0, 2.0, 4.0]})
    out = hs.kelurahan_counts(np.array(["b", "b", "a", None, "b"], dtype=object), kel)
    assert list(out["kode"]) == ["b", "a", "c"]
    assert list(out["count"]) == [3, 1, 0]
    assert out.loc[0, "per_km2"] == pytest.approx(1.5) and out.loc[0, "share"] == pytest.approx(0.6)


def test_hour_weekday_in_wita() -> None:
    times = pd.Series(pd.to_datetime(["2026-01-05T16:30:00Z", "2026-01-05T01:00:00Z", "2026-01-11T15:59:00Z"],
                                     utc=True))
    m = tmp.hour_weekday(times)
    assert m.shape == (7, 24) and int(m.to_numpy().sum()) == 3
    assert m.loc[1, 0] == 1  # Tue 00:30 WITA
    assert m.loc[0, 9] == 1  # Mon 09:00 WITA
    assert m.loc[6, 23] == 1  # Sun 23:59 WITA


def test_seasonality_per_type_and_month() -> None:
    times = pd.Series(pd.to_datetime(["2025-08-10T02:00Z", "2025-08-20T02:00Z", "2025-10-01T02:00Z",
                                      "2026-08-03T02:00Z"], utc=True))
    types = pd.Series(["land_fire", "land_fire", "flood", "land_fire"])
    s = tmp.seasonality(times, types)
    assert list(s.by_month.columns) == ["flood", "land_fire"]
    assert len(s.by_month) == 13  # Aug 2025 … Aug 2026, empty months included
    assert s.by_month.loc[pd.Timestamp("2025-08-01"), "land_fire"] == 2
    assert s.by_month_of_year.loc[8, "land_fire"] == pytest.approx(1.5)  # mean of Aug 2025 (2) and Aug 2026 (1)
