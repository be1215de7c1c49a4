"""A static SVG drawing of the report's layers, shown when Leaflet cannot start (works offline)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from i18n import tr


def svg_toggles(layers: Sequence[Any], lang: str) -> str:
    """Checkboxes that show and hide the SVG's layers (plain JavaScript, works offline)."""
    boxes = []
    for layer in layers:
        checked = " checked" if layer.show else ""
        boxes.append(f'<label><input type="checkbox" data-toggle="{layer.key}"{checked} '
                     f'onchange="document.querySelector(\'#k112r-svg g[data-layer={layer.key}]\').style.display='
                     f'this.checked?\'\':\'none\'"> {html.escape(layer.name)}</label>')
    return '<div class="k112r-legend" id="k112r-svg-layers">' + "".join(boxes) + "</div>"


def svg_drawing(layers: Sequence[Any], *, width_px: int = 1000, lang: str = "id") -> str:
    """An SVG of the layers (equirectangular, north up) with the kelurahan boundaries.

    Layers hidden at opening (``show=False``) are drawn hidden; :func:`svg_toggles` switches them.
    """
    from shapely.geometry import shape

    from layers.geodata import city_outline, kelurahan

    minx, miny, maxx, maxy = city_outline().bounds
    pad = 0.005
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    kx = np.cos(np.radians((miny + maxy) / 2))
    scale = width_px / ((maxx - minx) * kx)
    height_px = int((maxy - miny) * scale) + 1

    def pt(x: float, y: float) -> str:
        return f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}"

    def path(geom: BaseGeometry) -> str:
        d = []
        for p in getattr(geom, "geoms", [geom]):
            if p.geom_type != "Polygon" or p.is_empty:
                continue
            for ring in [p.exterior, *p.interiors]:
                d.append("M" + " L".join(pt(x, y) for x, y in ring.coords) + " Z")
        return " ".join(d)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_px} {height_px}" '
           f'id="k112r-svg" role="img" aria-label="{html.escape(tr("Peta statis", "Static map", lang))}">',
           f'<path d="{path(city_outline().simplify(0.0002))}" fill="#ffffff" stroke="none"/>']
    for layer in layers:
        hidden = "" if layer.show else ' style="display:none"'
        out.append(f'<g data-layer="{layer.key}"{hidden}>')
        for f in layer.fc["features"]:
            st = f["properties"].get("_style", {})
            geom = shape(f["geometry"])
            if isinstance(geom, Point):
                r = max(2, int(st.get("radius", 6)) * 0.6)
                x, y = pt(geom.x, geom.y).split(",")
                out.append(f'<circle cx="{x}" cy="{y}" r="{r:.0f}" fill="{st.get("color", "#333")}" stroke="#fff"/>')
            else:
                out.append(f'<path d="{path(geom.simplify(0.0001))}" fill="{st.get("fillColor", "#999")}" '
                           f'fill-opacity="{st.get("fillOpacity", 0.5)}" fill-rule="evenodd" '
                           f'stroke="{st.get("color", "none")}" stroke-width="0.3"/>')
        out.append("</g>")
    out.append('<g data-layer="kelurahan">')
    for row in kelurahan().itertuples():
        out.append(f'<path d="{path(row.geometry.simplify(0.0001))}" fill="none" stroke="#37474f" stroke-width="0.6"/>')
    out.append("</g></svg>")
    return "".join(out)
