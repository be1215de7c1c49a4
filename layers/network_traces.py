"""Plotly map traces (plain dicts) of the travel network's corrections and repair report.

* :func:`closure_traces` — closures: areas filled, road stretches as thick lines; active ones
  red, proposed ones (from a flood or landslide ticket) orange; hover: reason, name, from–until (WITA).
* :func:`connector_traces` — bridges, ferries and links as lines with their two ends.
* :func:`dropped_traces` — road pieces the import left out, with length and the gap to the network.
* :func:`draft_trace` — the points an admin is clicking (a connector's two ends, a closure's outline).

Inputs are plain mappings (``services.corrections.CorrectionView.to_dict()`` rows, GeoJSON);
every value from the data is escaped in hover labels. Nothing here reads a request or a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from i18n import fmt_num, fmt_wita, tr
from layers.traces import empty_trace, escape

#: Closure reasons: (Indonesian, English).
CLOSURE_REASON_LABELS: dict[str, tuple[str, str]] = {
    "flood": ("Banjir", "Flood"),
    "landslide": ("Longsor", "Landslide"),
    "event": ("Acara", "Event"),
    "works": ("Pekerjaan jalan", "Road works"),
    "accident": ("Kecelakaan", "Accident"),
    "other": ("Lainnya", "Other"),
}
#: Connector kinds: (Indonesian, English).
CONNECTOR_KIND_LABELS: dict[str, tuple[str, str]] = {
    "bridge": ("Jembatan", "Bridge"),
    "ferry": ("Penyeberangan feri", "Ferry"),
    "link": ("Ruas penghubung", "Missing link"),
}
#: Traces of :func:`closure_traces` with ``keep_empty``.
CLOSURE_SLOTS = 4
ACTIVE_COLOUR = "#c62828"
PROPOSED_COLOUR = "#ef6c00"
CONNECTOR_COLOUR = "#6a1b9a"
DROPPED_COLOUR = "#8d6e63"
DRAFT_COLOUR = "#d500f9"
_AREAS = ("Polygon", "MultiPolygon")
_LINES = ("LineString", "MultiLineString")


def reason_label(reason: str | None, lang: str) -> str:
    """A closure reason in the user's language (free text as written)."""
    pair = CLOSURE_REASON_LABELS.get(reason or "")
    return tr(pair[0], pair[1], lang) if pair else (reason or tr("Lainnya", "Other", lang))


def connector_kind_label(kind: str | None, lang: str) -> str:
    pair = CONNECTOR_KIND_LABELS.get(kind or "")
    return tr(pair[0], pair[1], lang) if pair else tr("Penghubung", "Connector", lang)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def period_text(starts_at: Any, ends_at: Any, lang: str) -> str:
    """``01-12-2026 08:00 WITA – 02-12-2026 08:00 WITA``; open ends in words."""
    start, end = _time(starts_at), _time(ends_at)
    left = fmt_wita(start) if start else tr("sejak dibuat", "since created", lang)
    right = fmt_wita(end) if end else tr("sampai dicabut", "until lifted", lang)
    return f"{left} – {right}"


def _rgba(colour: str, alpha: float) -> str:
    """``#rrggbb`` with an opacity, as ``rgba(r, g, b, a)``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    """The coordinate runs of a line or polygon geometry (each polygon ring, each line part)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "LineString":
        return [list(coords)]
    if kind in ("MultiLineString", "Polygon"):
        return [list(part) for part in coords]
    if kind == "MultiPolygon":
        return [list(ring) for poly in coords for ring in poly]
    return []


def _runs_trace(runs: Sequence[tuple[list[list[float]], str]], *, name: str, colour: str, fill: bool,
                width: float, group: str) -> dict[str, Any]:
    """One scattermap trace of several runs of points (separated by gaps), a hover text per point."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    text: list[str | None] = []
    for coords, hover in runs:
        for pt in coords:
            lon.append(float(pt[0]))
            lat.append(float(pt[1]))
            text.append(hover)
        lon.append(None)
        lat.append(None)
        text.append(None)
    trace: dict[str, Any] = {
        "type": "scattermap", "mode": "lines", "lon": lon, "lat": lat, "line": {"width": width, "color": colour},
        "hoverinfo": "text", "hovertext": text, "name": name, "legendgroup": group, "showlegend": True,
    }
    if fill:
        trace.update(fill="toself", fillcolor=_rgba(colour, 0.25))
    return trace


def closure_hover(row: Mapping[str, Any], lang: str) -> str:
    """Reason, name, from–until (WITA) and status of a stored closure."""
    status = tr("usulan (belum berlaku)", "proposed (not in force)", lang) if row.get("status") == "proposed" else (
        tr("berlaku", "in force", lang) if row.get("active_now", True) else tr("terjadwal", "scheduled", lang))
    name = f"<br>{escape(row['name'])}" if row.get("name") else ""
    return (f"<b>{escape(tr('Penutupan', 'Closure', lang))}: {escape(reason_label(row.get('reason'), lang))}</b>"
            f"{name}<br>{escape(period_text(row.get('starts_at'), row.get('ends_at'), lang))}<br>{escape(status)}")


def closure_traces(corrections: Sequence[Mapping[str, Any]], lang: str, *, include_proposed: bool = False,
                   include_scheduled: bool = False, keep_empty: bool = False) -> list[dict[str, Any]]:
    """Closures as map traces: active areas and stretches (red), proposed ones (orange, optional).

    Parameters
    ----------
    corrections
        Stored corrections as mappings (``CorrectionView.to_dict()``); other kinds are ignored.
    include_proposed
        Also draw proposals (from a flood or landslide ticket) that are not yet in force.
    include_scheduled
        Also draw active closures that have not started or have ended (``active_now`` false).
    keep_empty
        Always return :data:`CLOSURE_SLOTS` traces in the same order (empty ones for groups
        without closures), so a live map can replace them in place (``dash.Patch``).

    Returns
    -------
    list
        Up to four traces (active areas, active stretches, proposed areas, proposed stretches);
        none for a group without closures (unless ``keep_empty``).
    """
    groups: dict[tuple[str, str], list[tuple[list[list[float]], str]]] = {}
    for row in corrections:
        if row.get("kind") != "closure" or not isinstance(row.get("geometry"), Mapping):
            continue
        status = row.get("status")
        if status == "proposed" and not include_proposed:
            continue
        if status == "active" and not row.get("active_now", True) and not include_scheduled:
            continue
        if status not in ("active", "proposed"):
            continue
        geometry = row["geometry"]
        shape = "area" if geometry.get("type") in _AREAS else "line" if geometry.get("type") in _LINES else ""
        if not shape:
            continue
        hover = closure_hover(row, lang)
        groups.setdefault((str(status), shape), []).extend((run, hover) for run in _rings(geometry))
    names = {
        ("active", "area"): tr("Penutupan jalan (area)", "Road closures (areas)", lang),
        ("active", "line"): tr("Penutupan jalan (ruas)", "Road closures (stretches)", lang),
        ("proposed", "area"): tr("Usulan penutupan (area)", "Proposed closures (areas)", lang),
        ("proposed", "line"): tr("Usulan penutupan (ruas)", "Proposed closures (stretches)", lang),
    }
    out = []
    for key in (("active", "area"), ("active", "line"), ("proposed", "area"), ("proposed", "line")):
        runs = groups.get(key)
        if not runs:
            if keep_empty:
                out.append(empty_trace(f"closure-{key[0]}-{key[1]}"))
            continue
        colour = ACTIVE_COLOUR if key[0] == "active" else PROPOSED_COLOUR
        out.append(_runs_trace(runs, name=names[key], colour=colour, fill=key[1] == "area",
                               width=2.5 if key[1] == "area" else 6, group="closures"))
    return out


def connector_hover(row: Mapping[str, Any], lang: str) -> str:
    kind = connector_kind_label(row.get("connector_kind"), lang)
    name = escape(row.get("name") or kind)
    parts = [f"<b>{name}</b> · {escape(kind)}"]
    if row.get("length_m"):
        parts.append(f"{fmt_num(float(row['length_m']), lang)} m")
    if row.get("crossing_s") is not None:
        wait = float(row.get("waiting_s") or 0.0)
        parts.append(tr(f"menyeberang {fmt_num(float(row['crossing_s']) / 60, lang, digits=1)} mnt, "
                        f"menunggu {fmt_num(wait / 60, lang, digits=1)} mnt",
                        f"crossing {fmt_num(float(row['crossing_s']) / 60, lang, digits=1)} min, "
                        f"waiting {fmt_num(wait / 60, lang, digits=1)} min", lang))
    elif row.get("speed_kmh"):
        parts.append(f"{fmt_num(float(row['speed_kmh']), lang)} {tr('km/jam', 'km/h', lang)}")
    if row.get("status") == "proposed":
        parts.append(tr("usulan (belum berlaku)", "proposed (not in force)", lang))
    if row.get("source"):
        parts.append(tr("sumber: ", "source: ", lang) + escape(row["source"]))
    return "<br>".join(parts)


def connector_traces(corrections: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Stored connectors (active and proposed) as one line trace with the ends marked."""
    runs = [(list(row["geometry"]["coordinates"]), connector_hover(row, lang)) for row in corrections
            if row.get("kind") == "connector" and row.get("status") in ("active", "proposed")
            and isinstance(row.get("geometry"), Mapping) and row["geometry"].get("type") == "LineString"]
    if not runs:
        return []
    trace = _runs_trace(runs, name=tr("Penghubung (jembatan, feri, ruas)", "Connectors (bridges, ferries, links)",
                                      lang), colour=CONNECTOR_COLOUR, fill=False, width=5, group="connectors")
    trace["mode"] = "lines+markers"
    trace["marker"] = {"size": 9, "color": CONNECTOR_COLOUR}
    return [trace]


def shipped_connector_traces(placed: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Connectors placed on the loaded network (``graph.meta["connectors"]``: the shipped bridge), drawn thin."""
    runs = []
    for row in placed:
        a, b = row.get("a_lonlat"), row.get("b_lonlat")
        if not a or not b:
            continue
        hover = (f"<b>{escape(row.get('name') or '')}</b><br>"
                 + tr("dari koreksi jaringan", "from the network corrections", lang))
        runs.append(([list(a), list(b)], hover))
    if not runs:
        return []
    return [_runs_trace(runs, name=tr("Penghubung bawaan", "Shipped connectors", lang), colour="#4a148c", fill=False,
                        width=3, group="connectors")]


def dropped_hover(piece: Mapping[str, Any], lang: str) -> str:
    """Length, nodes and gap to the network of a dropped road piece."""
    parts = [f"<b>{escape(tr('Potongan jalan terputus', 'Dropped road piece', lang))} #{escape(piece.get('rank'))}</b>",
             f"{tr('panjang', 'length', lang)} {fmt_num(float(piece.get('length_m') or 0.0), lang)} m"]
    gap = piece.get("gap_m", piece.get("nearest_kept_m"))
    if gap is not None:
        parts.append(f"{tr('jarak ke jaringan', 'gap to the network', lang)} {fmt_num(float(gap), lang, digits=1)} m")
    return "<br>".join(parts)


def dropped_traces(pieces: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Dropped road pieces (repair report) as one brown line trace."""
    runs = []
    for piece in pieces:
        geometry = piece.get("geometry") or {}
        hover = dropped_hover(piece, lang)
        if geometry.get("type") == "MultiPoint":
            runs += [([list(pt)], hover) for pt in geometry.get("coordinates") or []]
        else:
            runs += [(run, hover) for run in _rings(geometry)]
    if not runs:
        return []
    trace = _runs_trace(runs, name=tr("Potongan jalan terputus (laporan perbaikan)", "Dropped road pieces (repair "
                                      "report)", lang), colour=DROPPED_COLOUR, fill=False, width=4, group="dropped")
    trace["mode"] = "lines+markers"
    trace["marker"] = {"size": 4, "color": DROPPED_COLOUR}
    return [trace]


def draft_trace(points: Sequence[Sequence[float]], mode: str, lang: str) -> dict[str, Any]:
    """The points being clicked: numbered markers joined by a line (closed for an area)."""
    pts = [list(p) for p in points]
    line = [*pts, pts[0]] if mode == "closure_area" and len(pts) >= 3 else pts
    return {
        "type": "scattermap", "mode": "lines+markers+text" if pts else "markers",
        "lon": [p[0] for p in line], "lat": [p[1] for p in line],
        "text": [str(i + 1) for i in range(len(pts))] + ([""] if len(line) > len(pts) else []),
        "textposition": "top right", "textfont": {"size": 12, "color": DRAFT_COLOUR},
        "marker": {"size": 11, "color": DRAFT_COLOUR}, "line": {"width": 3, "color": DRAFT_COLOUR},
        "fill": "toself" if mode == "closure_area" and len(pts) >= 3 else "none",
        "fillcolor": _rgba(DRAFT_COLOUR, 0.2), "hoverinfo": "skip", "showlegend": False,
        "name": tr("Titik yang diklik", "Clicked points", lang),
    }


__all__ = [
    "CLOSURE_REASON_LABELS", "CLOSURE_SLOTS", "CONNECTOR_KIND_LABELS", "closure_hover", "closure_traces",
    "connector_kind_label", "connector_traces", "draft_trace", "dropped_traces", "period_text", "reason_label",
    "shipped_connector_traces",
]
