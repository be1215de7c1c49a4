"""Run the planning analyses on the database: one function per question, used by the page and the API.

Each function loads what it needs through :mod:`store.planning` and the cached geodata, runs one
analysis module and returns its result (frozen dataclasses). The travel graph is passed in by
the caller (``Resources.graph()``, one per worker process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planning import coverage as cov, hotspots as hs, siting as sit, temporal as tmp
from planning._errors import InvalidParameterError, NoStationsError
from planning._format import CATEGORY_LABELS
from planning._proj import to_utm
from settings import DISPLAY_TZ
from store import admin as store_admin, incidents as store_incidents, planning as store
from store.db import Database

WITA = ZoneInfo(DISPLAY_TZ)


@dataclass(frozen=True)
class PlanningQuery:
    """Which incidents an analysis looks at.

    Attributes
    ----------
    types
        Incident type codes; empty means all types.
    start, end
        First and last day (inclusive, WITA); None leaves that side open.
    hour_from, hour_to
        Hour band in WITA, ``[from, to)``; ``from > to`` wraps midnight; 0–24 is all day.
    resolution
        H3 resolution of the hotspot grid (8 or 9).
    """

    types: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    hour_from: int = 0
    hour_to: int = 24
    resolution: int = hs.DEFAULT_RESOLUTION

    def __post_init__(self) -> None:
        if not 0 <= self.hour_from <= 23 or not 1 <= self.hour_to <= 24:
            raise InvalidParameterError("hours must be 0–23 (from) and 1–24 (to)")
        if self.resolution not in hs.H3_RESOLUTIONS:
            raise InvalidParameterError(f"H3 resolution must be one of {hs.H3_RESOLUTIONS}")
        if self.start and self.end and self.end < self.start:
            raise InvalidParameterError("the period ends before it starts")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """``[start 00:00 WITA, end + 1 day 00:00 WITA)`` as aware datetimes."""
        lo = datetime.combine(self.start, time(0), WITA) if self.start else None
        hi = datetime.combine(self.end + timedelta(days=1), time(0), WITA) if self.end else None
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["types"] = list(self.types)
        d["start"] = self.start.isoformat() if self.start else None
        d["end"] = self.end.isoformat() if self.end else None
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanningQuery:
        """Build from JSON-like values (dcc.Store, API query); raises InvalidParameterError."""
        try:
            types = data.get("types") or ()
            if isinstance(types, str):
                types = [t for t in types.split(",") if t]
            start, end = data.get("start"), data.get("end")
            return cls(
                types=tuple(sorted(str(t) for t in types)),
                start=_as_date(start), end=_as_date(end),
                hour_from=int(data.get("hour_from", 0) if data.get("hour_from") is not None else 0),
                hour_to=int(data.get("hour_to", 24) if data.get("hour_to") is not None else 24),
                resolution=int(data.get("resolution") or hs.DEFAULT_RESOLUTION),
            )
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(f"invalid filter: {exc}") from None


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 7:  # YYYY-MM
        return date.fromisoformat(text + "-01")
    return date.fromisoformat(text[:10])


def month_end(month: str) -> date:
    """Last day of a ``YYYY-MM`` month."""
    first = date.fromisoformat(month + "-01")
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def load_incidents(db: Database, query: PlanningQuery) -> pd.DataFrame:
    """The incidents the query selects (see :func:`store.planning.incident_points`)."""
    start, end = query.bounds()
    return store.incident_points(db, types=list(query.types) or None, start=start, end=end,
                                 hour_from=query.hour_from, hour_to=query.hour_to)


# --- hotspots -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HotspotView:
    """Gi* cells, kernel density and kelurahan counts for one query."""

    query: PlanningQuery
    hotspots: hs.HotspotResult
    density: hs.KdeGrid
    kelurahan: pd.DataFrame
    n_incidents: int
    emerging: pd.DataFrame | None = None
    compare: PlanningQuery | None = None
    hot_places: pd.DataFrame | None = None


def hotspot_analysis(
    db: Database, query: PlanningQuery, *, compare: PlanningQuery | None = None,
    bandwidth_m: float = hs.DEFAULT_BANDWIDTH_M, permutations: int = hs.DEFAULT_PERMUTATIONS,
    seed: int = hs.DEFAULT_SEED,
) -> HotspotView:
    """Gi* on H3 cells, KDE and kelurahan counts; with ``compare``, emerging hotspots too
    (``compare`` is the earlier period, ``query`` the later one)."""
    from layers.geodata import kelurahan

    inc = load_incidents(db, query)
    lon, lat = inc["lon"].to_numpy(), inc["lat"].to_numpy()
    result = hs.hotspots(lon, lat, resolution=query.resolution, permutations=permutations, seed=seed)
    x, y = to_utm(lon, lat)
    density = hs.kde_grid(x, y, bandwidth_m=bandwidth_m)
    kel = hs.kelurahan_counts(inc["kelurahan_kode"].to_numpy(), kelurahan())
    hot_places = None
    if result.point_cells is not None:
        hot_places = hs.hot_kelurahan(result.point_cells, inc["kelurahan_kode"].to_numpy(), result.cells, kelurahan())
    emerging = None
    if compare is not None:
        before = load_incidents(db, compare)
        emerging = hs.emerging_hotspots(before["lon"].to_numpy(), before["lat"].to_numpy(), lon, lat,
                                        resolution=query.resolution, permutations=permutations, seed=seed)
    return HotspotView(query=query, hotspots=result, density=density, kelurahan=kel,
                       n_incidents=len(inc), emerging=emerging, compare=compare, hot_places=hot_places)


# --- when -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemporalView:
    query: PlanningQuery
    hour_weekday: pd.DataFrame
    seasonality: tmp.Seasonality
    n_incidents: int


def temporal_analysis(db: Database, query: PlanningQuery) -> TemporalView:
    """Hour × weekday counts and monthly seasonality per type for the query's incidents."""
    inc = load_incidents(db, query)
    return TemporalView(query=query, hour_weekday=tmp.hour_weekday(inc["created_at"]),
                        seasonality=tmp.seasonality(inc["created_at"], inc["incident_type"]),
                        n_incidents=len(inc))


# --- coverage -------------------------------------------------------------------------------
def station_rows(db: Database, kind: str) -> list[dict[str, Any]]:
    """Stations of a kind (``fire``, ``ambulance``, ``police``, ``bpbd``)."""
    if kind not in cov.STATION_KINDS:
        raise InvalidParameterError(f"unknown station kind {kind!r}; one of {sorted(cov.STATION_KINDS)}")
    rows = store.stations(db, cov.STATION_KINDS[kind])
    if not rows:
        raise NoStationsError(f"there is no station of kind {kind!r}")
    return rows


def served_types(db: Database, kind: str) -> tuple[str, ...]:
    """Incident types the stations of ``kind`` answer, from the response plans in the database.

    The agencies are those of the stations (``facilities.agency_code``), else the kind's usual
    agency; see :func:`planning.coverage.served_incident_types`.
    """
    rows = station_rows(db, kind)
    agencies = {str(r["agency_code"]) for r in rows if r.get("agency_code")} or set(cov.STATION_KIND_AGENCIES[kind])
    return cov.served_incident_types(agencies, store_incidents.unit_types(db), store_admin.response_plans(db))


def type_names(db: Database) -> dict[str, tuple[str, str]]:
    """Incident type code → (Indonesian name, English name)."""
    return {str(t["code"]): (str(t["name_id"]), str(t["name_en"])) for t in store.incident_types(db)}


def landmarks(db: Database) -> list[dict[str, Any]]:
    """Facilities that can name a place (every category; approximate ones are skipped when naming)."""
    return store.stations(db, list(CATEGORY_LABELS))


@dataclass(frozen=True)
class CoverageView:
    query: PlanningQuery
    kind: str
    result: cov.CoverageResult
    stations: list[dict[str, Any]] = field(default_factory=list)


def coverage_analysis(db: Database, graph: Any, query: PlanningQuery, *, kind: str,
                      bands_min: Sequence[float] | str = cov.DEFAULT_BANDS_MIN) -> CoverageView:
    """Drive-time bands from every station of ``kind``; incident shares for the query."""
    rows = station_rows(db, kind)
    inc = load_incidents(db, query)
    result = cov.coverage(graph, [r["lon"] for r in rows], [r["lat"] for r in rows],
                          bands_min=cov.parse_bands(bands_min), station_names=[r["name"] for r in rows],
                          incidents_lon=inc["lon"].to_numpy(), incidents_lat=inc["lat"].to_numpy(), kind=kind)
    return CoverageView(query=query, kind=kind, result=result, stations=rows)


# --- siting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitingView:
    """A what-if with the area within T minutes before and after.

    ``types`` are the incident types counted (``types_default``: the ones the kind serves under
    the response plans, chosen by default); ``type_names`` names them; ``stations`` are today's
    stations of the kind.
    """

    query: PlanningQuery
    kind: str
    result: sit.SitingResult
    before: cov.CoverageResult
    after: cov.CoverageResult
    stations: list[dict[str, Any]] = field(default_factory=list)
    types: tuple[str, ...] = ()
    type_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    types_default: bool = False


def candidates_for(source: str, clicked: Sequence[Sequence[float]] = (), *,
                   grid_spacing_m: float = sit.DEFAULT_GRID_SPACING_M,
                   landmarks: Sequence[Mapping[str, Any]] = ()) -> sit.Candidates:
    """Candidate sites: ``kelurahan`` (64 representative points), ``grid`` or ``clicked``, each
    named by its kelurahan and the nearest of ``landmarks``."""
    if source == "kelurahan":
        cands = sit.kelurahan_candidates()
    elif source == "grid":
        cands = sit.grid_candidates(grid_spacing_m)
    elif source == "clicked":
        if not clicked:
            raise InvalidParameterError("click at least one point on the map first")
        cands = sit.clicked_candidates(clicked)
    else:
        raise InvalidParameterError(f"unknown candidate source {source!r}")
    return sit.with_places(cands, landmarks)


def siting_analysis(
    db: Database, graph: Any, query: PlanningQuery, *, kind: str, k: int = 1,
    max_minutes: float = sit.DEFAULT_MAX_MINUTES, candidates: str = "kelurahan",
    clicked: Sequence[Sequence[float]] = (), relocate: bool = False,
    grid_spacing_m: float = sit.DEFAULT_GRID_SPACING_M, types: Sequence[str] | None = None,
) -> SitingView:
    """Best ``k`` new posts of ``kind`` within ``max_minutes`` for the query's period and hours.

    ``types`` are the incident types that count as demand; by default (None or empty) the types
    the kind serves (:func:`served_types`): a fire-post what-if never counts street lights.
    """
    rows = station_rows(db, kind)
    served = served_types(db, kind)
    chosen_types = tuple(sorted(str(t) for t in types)) if types else served
    if not chosen_types:
        raise InvalidParameterError(f"no incident type is served by station kind {kind!r}; choose types")
    query = replace(query, types=chosen_types)
    cands = candidates_for(candidates, clicked, grid_spacing_m=grid_spacing_m, landmarks=landmarks(db))
    inc = load_incidents(db, query)
    lon, lat = inc["lon"].to_numpy(), inc["lat"].to_numpy()
    e_lon = [r["lon"] for r in rows]
    e_lat = [r["lat"] for r in rows]
    result = sit.site_stations(graph, candidates=cands, incidents_lon=lon, incidents_lat=lat,
                               existing_lon=e_lon, existing_lat=e_lat,
                               existing_names=[r["name"] for r in rows], k=k, max_minutes=max_minutes,
                               relocate=relocate)
    bands = (float(max_minutes),)
    before = cov.coverage(graph, e_lon, e_lat, bands_min=bands, incidents_lon=lon, incidents_lat=lat, kind=kind)
    kept = result.existing[~result.existing["removed"]]
    chosen = result.chosen
    after = cov.coverage(graph, np.concatenate([kept["lon"].to_numpy(), chosen["lon"].to_numpy()]),
                         np.concatenate([kept["lat"].to_numpy(), chosen["lat"].to_numpy()]),
                         bands_min=bands, incidents_lon=lon, incidents_lat=lat, kind=kind)
    return SitingView(query=query, kind=kind, result=result, before=before, after=after, stations=rows,
                      types=chosen_types, type_names=type_names(db), types_default=set(chosen_types) == set(served))


# --- periods for the UI ---------------------------------------------------------------------
def available_months(db: Database) -> list[str]:
    """``YYYY-MM`` months (WITA) from the first to the last incident; empty without incidents."""
    period = store.incident_period(db)
    if not period.get("first"):
        return []
    first = period["first"].astimezone(WITA)
    last = period["last"].astimezone(WITA)
    months = pd.period_range(f"{first:%Y-%m}", f"{last:%Y-%m}", freq="M")
    return [str(m) for m in months]


def incident_type_options(db: Database) -> list[dict[str, Any]]:
    """Incident types (code, names, count) for the type filter."""
    return store.incident_types(db)


# --- reports --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportSpec:
    """What goes into a report: the incidents, and optionally coverage and a what-if.

    ``coverage`` is ``{"kind": ..., "bands": ...}``; ``siting`` holds the keyword arguments of
    :func:`siting_analysis` (``kind, k, max_minutes, candidates, clicked, relocate``);
    ``compare`` is an earlier period for emerging hotspots.
    """

    query: PlanningQuery
    title: str = "Kendari 112 — laporan perencanaan"
    coverage: Mapping[str, Any] | None = None
    siting: Mapping[str, Any] | None = None
    compare: PlanningQuery | None = None
    lang: str = "id"


def describe_query(db: Database, query: PlanningQuery, lang: str = "id") -> str:
    """One line: period, hours, types (names), H3 resolution."""
    from i18n import tr

    names = {t["code"]: (t["name_en"] if lang == "en" else t["name_id"]) for t in store.incident_types(db)}
    types = ", ".join(names.get(t, t) for t in query.types) if query.types else tr("semua jenis", "all types", lang)
    period = (f"{query.start:%d-%m-%Y} – {query.end:%d-%m-%Y}" if query.start and query.end else
              tr("seluruh data", "all data", lang))
    hours = tr("sepanjang hari", "all day", lang) if (query.hour_from, query.hour_to) == (0, 24) else \
        f"{query.hour_from:02d}:00–{query.hour_to:02d}:00 WITA"
    return tr(f"Periode {period} · jam {hours} · jenis: {types}",
              f"Period {period} · hours {hours} · types: {types}", lang)


def _report_parts(db: Database, graph: Any,
                  spec: ReportSpec) -> tuple[HotspotView, CoverageView | None, SitingView | None]:
    hot = hotspot_analysis(db, spec.query, compare=spec.compare)
    cov_view = None
    if spec.coverage:
        cov_view = coverage_analysis(db, graph, spec.query, kind=spec.coverage["kind"],
                                     bands_min=spec.coverage.get("bands", cov.DEFAULT_BANDS_MIN))
    site_view = None
    if spec.siting:
        site_view = siting_analysis(db, graph, spec.query, **dict(spec.siting))
    return hot, cov_view, site_view


def report_html(db: Database, graph: Any, spec: ReportSpec) -> str:
    """The standalone HTML report (see :func:`planning.report.build_report`)."""
    from planning.report import build_report

    hot, cov_view, site_view = _report_parts(db, graph, spec)
    return build_report(title=spec.title, period=describe_query(db, spec.query, spec.lang), hotspots=hot,
                        coverage=cov_view, siting=site_view, lang=spec.lang)


def report_geojson(db: Database, graph: Any, spec: ReportSpec) -> bytes:
    """The report's layers as a zip of GeoJSON files with ``metadata.json``."""
    from planning.report import geojson_zip, kde_layer, report_layers

    hot, cov_view, site_view = _report_parts(db, graph, spec)
    layers = [*report_layers(hotspots=hot, coverage=cov_view, siting=site_view, lang=spec.lang),
              kde_layer(hot, spec.lang)]
    meta = {
        "title": spec.title, "query": spec.query.to_dict(), "description": describe_query(db, spec.query, spec.lang),
        "language": spec.lang, "layers": {layer.key: layer.name for layer in layers},
        "siting_types": list(site_view.types) if site_view else None,
        "crs": "EPSG:4326", "generated_at": datetime.now(WITA).isoformat(timespec="seconds"),
        "coverage": dict(spec.coverage) if spec.coverage else None,
        "siting": dict(spec.siting) if spec.siting else None,
        "travel_model": (cov_view.result.model if cov_view else site_view.result.model if site_view else None),
        "hotspots": {"method": "Getis-Ord Gi* (esda.G_Local, star=True, transform=B)",
                     "weights": hot.hotspots.weights, "significance": hot.hotspots.significance,
                     "permutations": hot.hotspots.permutations, "seed": hot.hotspots.seed,
                     "h3_resolution": hot.hotspots.resolution, "kde_bandwidth_m": hot.density.bandwidth_m},
    }
    return geojson_zip(layers, meta)
