"""Static SVG figures for printed reports (pure): a choropleth map, line and stacked-bar charts.

Drawn as plain SVG markup so that a report prints the same in any browser engine without
scripts or network. Every axis starts at 0; numbers are formatted in the report's language.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from i18n import fmt_num

#: Yellow-orange-red, light to dark (ColorBrewer YlOrRd, 5 classes).
RAMP = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
FEW = "#cfd8dc"
NO_DATA = "#f0f4f8"
FONT = "font-family=\"Noto Sans, DejaVu Sans, Arial, sans-serif\""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def ramp_colour(t: float) -> str:
    """The colour at ``t`` in [0, 1] along :data:`RAMP` (linear between the stops)."""
    t = min(1.0, max(0.0, t))
    pos = t * (len(RAMP) - 1)
    i = min(int(pos), len(RAMP) - 2)
    f = pos - i
    a, b = _hex(RAMP[i]), _hex(RAMP[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def nice_max(value: float, ticks: int = 4) -> float:
    """A round upper bound at or above ``value`` whose ``ticks`` steps are 1, 2 or 5 × 10ⁿ (at least 1)."""
    if value <= 1:
        return 1.0
    raw = value / ticks
    exp = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * exp >= raw:
            return float(step * exp * ticks)
    return float(10 * exp * ticks)


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def choropleth(geojson: Mapping[str, Any], values: Mapping[str, float | None], *, labels: Mapping[str, str],
               value_text: Mapping[str, str], few: set[str], vmax: float, legend_title: str, lang: str,
               width: int = 680, height: int = 480, few_label: str = "", no_data_label: str = "") -> str:
    """Areas of ``geojson`` (``properties.kode``) coloured by ``values`` from 0 to ``vmax``,
    each labelled with its name and ``value_text``; ``few`` areas grey, areas without a value pale."""
    features = geojson["features"]
    xs = [p[0] for f in features for ring in _rings(f["geometry"]) for p in ring]
    ys = [p[1] for f in features for ring in _rings(f["geometry"]) for p in ring]
    if not xs:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    legend_h = 56
    scale = min((width - 20) / ((lon1 - lon0) * kx), (height - legend_h - 20) / (lat1 - lat0))

    def pt(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - lon0) * kx * scale, 10 + (lat1 - lat) * scale

    shapes, names = [], []
    for f in features:
        code = f["properties"]["kode"]
        rings = _rings(f["geometry"])
        d = " ".join("M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in (pt(*p[:2]) for p in ring)) + " Z"
                     for ring in rings)
        v = values.get(code)
        fill = FEW if code in few else (NO_DATA if v is None else ramp_colour(v / vmax if vmax else 0.0))
        shapes.append(f'<path d="{d}" fill="{fill}" stroke="#37474f" stroke-width="0.8"/>')
        biggest = max(rings, key=len) if rings else []
        if biggest:
            cx = sum(pt(*p[:2])[0] for p in biggest) / len(biggest)
            cy = sum(pt(*p[:2])[1] for p in biggest) / len(biggest)
            names.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" font-size="10" {FONT} '
                         f'fill="#102a43" stroke="#fff" stroke-width="2.5" paint-order="stroke">'
                         f'<tspan x="{cx:.1f}" font-weight="700">{_esc(labels.get(code, code))}</tspan>'
                         f'<tspan x="{cx:.1f}" dy="12">{_esc(value_text.get(code, ""))}</tspan></text>')
    # legend: gradient from 0 to vmax, then the grey and pale boxes
    ly = height - legend_h + 8
    stops = "".join(f'<stop offset="{i / (len(RAMP) - 1):.2f}" stop-color="{c}"/>' for i, c in enumerate(RAMP))
    ticks = []
    for i in range(5):
        v = vmax * i / 4
        x = 10 + 240 * i / 4
        ticks.append(f'<text x="{x:.1f}" y="{ly + 30}" font-size="9" text-anchor="middle" {FONT}>'
                     f'{_esc(fmt_num(v, lang, digits=0 if vmax >= 8 else 1))}</text>')
    legend = (f'<defs><linearGradient id="ramp">{stops}</linearGradient></defs>'
              f'<text x="10" y="{ly - 2}" font-size="10" {FONT}>{_esc(legend_title)}</text>'
              f'<rect x="10" y="{ly + 4}" width="240" height="12" fill="url(#ramp)" stroke="#37474f" '
              f'stroke-width="0.5"/>' + "".join(ticks)
              + f'<rect x="280" y="{ly + 4}" width="14" height="12" fill="{FEW}" stroke="#37474f" stroke-width="0.5"/>'
              f'<text x="298" y="{ly + 14}" font-size="9" {FONT}>{_esc(few_label)}</text>'
              f'<rect x="450" y="{ly + 4}" width="14" height="12" fill="{NO_DATA}" stroke="#37474f" '
              f'stroke-width="0.5"/><text x="468" y="{ly + 14}" font-size="9" {FONT}>{_esc(no_data_label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">' + "".join(shapes) + "".join(names) + legend + "</svg>")


def _axes(width: int, height: int, left: int, bottom: int, top: int, ymax: float, y_title: str, lang: str,
          digits: int) -> tuple[list[str], float]:
    plot_h = height - bottom - top
    parts = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#486581" stroke-width="0.8"/>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#486581" '
             f'stroke-width="0.8"/>',
             f'<text x="4" y="{top - 6}" font-size="9" {FONT} fill="#486581">{_esc(y_title)}</text>']
    for i in range(5):
        v = ymax * i / 4
        y = height - bottom - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#d9e2ec" '
                     f'stroke-width="0.5"/><text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
                     f'{FONT}>{_esc(fmt_num(v, lang, digits=digits))}</text>')
    return parts, plot_h


def _x_labels(labels: Sequence[str], width: int, left: int, height: int, bottom: int, every: int) -> list[str]:
    n = max(1, len(labels))
    step = (width - left - 10) / n
    return [f'<text x="{left + step * (i + 0.5):.1f}" y="{height - bottom + 12}" font-size="8.5" text-anchor="middle" '
            f'{FONT}>{_esc(lab)}</text>' for i, lab in enumerate(labels) if i % every == 0]


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]], *,
               y_title: str, lang: str, hline: tuple[float, str] | None = None, width: int = 680,
               height: int = 240, digits: int = 0) -> str:
    """Lines over categories ``x_labels`` (gaps where a value is None), from 0, with an optional
    horizontal reference line ``(value, label)`` and a legend."""
    left, bottom, top = 46, 34, 22
    values = [v for _, vs, _ in series for v in vs if v is not None] + ([hline[0]] if hline else [])
    ymax = nice_max(max(values, default=1.0) * 1.05)
    parts, plot_h = _axes(width, height, left, bottom, top, ymax, y_title, lang, digits)
    n = max(1, len(x_labels))
    step = (width - left - 10) / n

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + step * (i + 0.5), height - bottom - plot_h * v / ymax

    for _name, vs, colour in series:
        segment: list[str] = []
        for i, v in enumerate(vs):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                                 f'stroke-width="1.8"/>')
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{colour}"/>')
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
    if hline is not None:
        y = height - bottom - plot_h * hline[0] / ymax
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#263238" '
                     f'stroke-dasharray="5 3" stroke-width="1"/><text x="{width - 12}" y="{y - 3:.1f}" font-size="9" '
                     f'text-anchor="end" {FONT}>{_esc(hline[1])}</text>')
    parts += _x_labels(x_labels, width, left, height, bottom, max(1, math.ceil(len(x_labels) / 16)))
    x = left
    for name, _, colour in series:
        parts.append(f'<rect x="{x}" y="4" width="10" height="3" fill="{colour}"/><text x="{x + 14}" y="9" '
                     f'font-size="9" {FONT}>{_esc(name)}</text>')
        x += 14 + 7 * len(name) + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">' + "".join(parts) + "</svg>")


def stacked_bars(x_labels: Sequence[str], stacks: Sequence[tuple[str, Sequence[float], str]], *, y_title: str,
                 lang: str, width: int = 680, height: int = 220) -> str:
    """Stacked bars per category (each stack ``(name, values, colour)``), from 0, with a legend."""
    left, bottom, top = 46, 34, 22
    totals = [sum(vs[i] for _, vs, _ in stacks) for i in range(len(x_labels))]
    ymax = nice_max(max(totals, default=1.0) * 1.05)
    parts, plot_h = _axes(width, height, left, bottom, top, ymax, y_title, lang, 0)
    n = max(1, len(x_labels))
    step = (width - left - 10) / n
    for i in range(len(x_labels)):
        base = 0.0
        for _, vs, colour in stacks:
            h = plot_h * vs[i] / ymax
            y = height - bottom - plot_h * base / ymax - h
            parts.append(f'<rect x="{left + step * i + step * 0.12:.1f}" y="{y:.1f}" width="{step * 0.76:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"/>')
            base += vs[i]
    parts += _x_labels(x_labels, width, left, height, bottom, max(1, math.ceil(len(x_labels) / 16)))
    x = left
    for name, _, colour in stacks:
        parts.append(f'<rect x="{x}" y="2" width="10" height="8" fill="{colour}"/><text x="{x + 14}" y="9" '
                     f'font-size="9" {FONT}>{_esc(name)}</text>')
        x += 14 + 7 * len(name) + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">' + "".join(parts) + "</svg>")
