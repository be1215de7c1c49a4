"""Turn a boolean raster on a regular UTM grid into polygons (row runs merged, then dissolved)."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry


def raster_polygon(raster: NDArray[np.bool_], *, x0_m: float, y0_m: float, cell_m: float) -> BaseGeometry:
    """Union of the true cells of ``raster`` (row 0 at ``y0_m``, the southern edge), in UTM.

    Consecutive true cells of a row are merged into one rectangle first, which makes the
    dissolve an order of magnitude faster than one square per cell.
    """
    grid = np.asarray(raster, dtype=bool)
    ny, nx = grid.shape
    padded = np.zeros((ny, nx + 2), dtype=np.int8)
    padded[:, 1:-1] = grid
    d = np.diff(padded, axis=1)
    r_start, c_start = np.nonzero(d == 1)
    r_end, c_end = np.nonzero(d == -1)
    if r_start.size == 0:
        return shapely.Polygon()
    boxes = shapely.box(x0_m + c_start * cell_m, y0_m + r_start * cell_m,
                        x0_m + c_end * cell_m, y0_m + (r_end + 1) * cell_m)
    return shapely.union_all(boxes)
