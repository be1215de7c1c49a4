"""ETA accuracy report: predicted travel times against the recorded en-route → on-scene times.

Use cases for the admin/planner page and the API: :func:`accuracy_report` reads the recent trips
of closed incidents (:mod:`store.accuracy`), predicts each over the network in use
(:mod:`routing.accuracy`) and groups the errors by kecamatan, road class and WITA hour band;
:func:`apply_band_factor` stores a band's fitted speed factor as a correction (audited, reversible
by retiring it, applied by every worker within seconds).

On demo data every trip is synthetic (``incidents.synthetic``): the recorded times were drawn
from the demo generator's own travel model, so the report then checks that model, not the city.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from field_errors import FieldError, ValidationFailed, fail
from i18n import WITA
from incidents.model import Actor
from routing.accuracy import (
    HOUR_BANDS,
    BandFit,
    GroupStats,
    band_keys,
    band_label,
    band_order,
    factors_in_band,
    fit_band_factors,
    predict_trips,
    summarise,
)
from routing.corrections import SpeedFactor
from routing.network import network_summary
from services import corrections as corrections_service
from services.resources import Resources
from store import accuracy as store
from store.db import Database

#: The default period: the last 90 days.
DEFAULT_DAYS = 90
#: Longest period a report covers.
MAX_DAYS = 366
#: Most trips in one report (the most recent ones).
MAX_TRIPS = 5000
#: Most Dijkstra runs in one report (~1–2 ms each): bounds it to about 2 s when trips start everywhere.
MAX_RUNS = 1000
SYNTHETIC_NOTE_ID = ("Data demo: semua perjalanan sintetis. Laporan ini hanya memeriksa model perjalanan sintetis "
                     "pembangkit data demo, bukan kota yang sebenarnya.")
SYNTHETIC_NOTE_EN = ("Demo data: every trip is synthetic. This report only checks the demo generator's synthetic "
                     "travel model, not the real city.")
#: Where the source of a fitted factor is written.
FACTOR_SOURCE = "ETA accuracy report"


@dataclass(frozen=True)
class Period:
    """``[start, end)``, time-zone aware."""

    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400


@dataclass(frozen=True)
class AccuracyReport:
    """The report: how many trips, the accuracy per group, the fitted factors per hour band."""

    period: Period
    trips: int
    evaluated: int
    not_evaluated: int
    synthetic_trips: int
    from_position: int
    from_home: int
    capped: bool
    overall: GroupStats
    by_kecamatan: tuple[GroupStats, ...]
    by_road_class: tuple[GroupStats, ...]
    by_band: tuple[GroupStats, ...]
    fits: tuple[BandFit, ...]
    factors_in_force: Mapping[str, tuple[Mapping[str, Any], ...]]
    network: Mapping[str, Any]
    dijkstra_runs: int
    seconds: float
    road_classes: tuple[str, ...] = field(default=())

    @property
    def synthetic_only(self) -> bool:
        """Every trip is synthetic (demo data): the report checks the synthetic model only."""
        return self.trips > 0 and self.synthetic_trips == self.trips

    def fit(self, band: int) -> BandFit:
        return self.fits[band]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.period.start.isoformat(), "to": self.period.end.isoformat(), "timezone": "Asia/Makassar",
            "trips": self.trips, "evaluated": self.evaluated, "not_evaluated": self.not_evaluated,
            "synthetic_trips": self.synthetic_trips, "synthetic_only": self.synthetic_only,
            "note": SYNTHETIC_NOTE_EN if self.synthetic_trips else None,
            "origins": {"position_at_dispatch": self.from_position, "home_station": self.from_home},
            "capped_at": MAX_TRIPS if self.capped else None,
            "ratio": "recorded / predicted (above 1: trips take longer than predicted)",
            "overall": self.overall.to_dict(),
            "by_kecamatan": [s.to_dict() for s in self.by_kecamatan],
            "by_road_class": [s.to_dict() for s in self.by_road_class],
            "by_hour_band": [s.to_dict() for s in self.by_band],
            "fitted_factors": [f.to_dict() | {"in_force": list(self.factors_in_force.get(f.label, ()))}
                               for f in self.fits],
            "network": dict(self.network),
            "dijkstra_runs": self.dijkstra_runs, "seconds": round(self.seconds, 3),
        }


# --- input ------------------------------------------------------------------------------------------
def _moment(value: Any, field_name: str, *, end: bool) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise fail(field_name, "wajib berupa tanggal TTTT-BB-HH", "must be a date YYYY-MM-DD")
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            at = datetime(day.year, day.month, day.day, tzinfo=WITA)
            return at + timedelta(days=1) if end else at  # "to" names the last day, inclusive
        at = datetime.fromisoformat(text)
    except ValueError:
        raise fail(field_name, "bukan tanggal yang sah (TTTT-BB-HH)", "is not a valid date (YYYY-MM-DD)") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=WITA)


def parse_period(start: Any = None, end: Any = None, *, now: datetime | None = None) -> Period:
    """The report's period from ``from`` / ``to`` (dates ``YYYY-MM-DD`` in WITA, ``to`` inclusive, or
    ISO times); default the last :data:`DEFAULT_DAYS` days.

    Raises
    ------
    ValidationFailed
        Naming ``from`` or ``to``: not a date, out of range, ``to`` before ``from``, longer than a year.
    """
    errors: list[FieldError] = []
    moments: dict[str, datetime | None] = {}
    for name, value, is_end in (("from", start, False), ("to", end, True)):
        try:
            moments[name] = _moment(value, name, end=is_end)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            moments[name] = None
    if errors:
        raise ValidationFailed(errors)
    when = now or datetime.now(UTC)
    stop = moments["to"] or when
    begin = moments["from"] or stop - timedelta(days=DEFAULT_DAYS)
    for name, at in (("from", begin), ("to", stop)):
        if not datetime(2000, 1, 1, tzinfo=UTC) <= at <= datetime(2100, 1, 1, tzinfo=UTC):
            errors.append(FieldError(name, "di luar rentang yang masuk akal", "is outside a sensible range"))
    if errors:
        raise ValidationFailed(errors)
    if stop <= begin:
        raise fail("to", "harus setelah tanggal mulai", "must be after from")
    if stop - begin > timedelta(days=MAX_DAYS):
        raise fail("to", f"periode paling lama {MAX_DAYS} hari", f"the period is at most {MAX_DAYS} days")
    return Period(begin, stop)


def band_index(value: Any) -> int:
    """A band's index from its index or label (``"06-09"`` or ``"06–09"``).

    Raises
    ------
    ValidationFailed
        For ``band`` when it names no band.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(HOUR_BANDS):
        return value
    if isinstance(value, str):
        label = value.strip().replace("-", "–")
        for b in range(len(HOUR_BANDS)):
            if band_label(b) == label:
                return b
    choices = ", ".join(band_label(b) for b in range(len(HOUR_BANDS)))
    raise fail("band", f"rentang jam tidak dikenal (pilih {choices})", f"unknown hour band (one of {choices})")


# --- use cases --------------------------------------------------------------------------------------
def _stored_speed_factors(db: Database) -> list[SpeedFactor]:
    return [c for c in corrections_service.active_corrections(db) if isinstance(c, SpeedFactor)]


def accuracy_report(db: Database, res: Resources, period: Period) -> AccuracyReport:
    """Compare predicted and recorded travel times of the trips in ``period`` (at most :data:`MAX_TRIPS`)."""
    t0 = time.perf_counter()
    graph = res.graph()
    rows = [r for r in store.recorded_trips(db, start=period.start, end=period.end, limit=MAX_TRIPS)
            if r["origin_lon"] is not None and r["dest_lon"] is not None]
    factors = _stored_speed_factors(db)
    count = len(rows)
    olon = np.array([r["origin_lon"] for r in rows], dtype=np.float64)
    olat = np.array([r["origin_lat"] for r in rows], dtype=np.float64)
    dlon = np.array([r["dest_lon"] for r in rows], dtype=np.float64)
    dlat = np.array([r["dest_lat"] for r in rows], dtype=np.float64)
    recorded = np.array([r["recorded_s"] for r in rows], dtype=np.float64)
    local = [r["en_route_at"].astimezone(WITA) for r in rows]
    hours = np.array([t.hour + t.minute / 60 + t.second / 3600 for t in local], dtype=np.float64)
    pred = predict_trips(graph, olon, olat, dlon, dlat, hours=hours, speed_factors=factors, max_runs=MAX_RUNS)
    kecamatan = [r["kecamatan"] or "—" for r in rows]
    bands = band_keys(hours) if count else []
    fits = fit_band_factors(pred.predicted_s, recorded, hours)
    in_force = {band_label(b): tuple(factors_in_band(factors, b)) for b in range(len(HOUR_BANDS))}
    summary = network_summary(graph) if hasattr(graph, "meta") else {"model": getattr(graph, "model", None)}
    network = {k: summary.get(k) for k in ("model", "source", "licence", "attribution")}
    return AccuracyReport(
        period=period, trips=count, evaluated=int(pred.ok.sum()), not_evaluated=count - int(pred.ok.sum()),
        synthetic_trips=sum(1 for r in rows if r["synthetic"]),
        from_position=sum(1 for r in rows if r["origin"] == "position"),
        from_home=sum(1 for r in rows if r["origin"] == "home"),
        capped=count >= MAX_TRIPS,
        overall=summarise(pred.predicted_s, recorded)[0],
        by_kecamatan=tuple(summarise(pred.predicted_s, recorded, kecamatan)),
        by_road_class=tuple(summarise(pred.predicted_s, recorded, [c or "—" for c in pred.road_class])),
        by_band=tuple(summarise(pred.predicted_s, recorded, bands, order=band_order())),
        fits=tuple(fits), factors_in_force=in_force, network=network, dijkstra_runs=pred.dijkstra_runs,
        seconds=time.perf_counter() - t0,
        road_classes=tuple(getattr(graph, "road_classes", ())),
    )


def apply_band_factor(db: Database, res: Resources, period: Period, band: Any,
                      actor: Actor) -> corrections_service.CorrectionView:
    """Store the fitted speed factor of one hour band as a correction for every road class.

    The factor is computed again from the same period (the caller names only the band), stored
    through :func:`services.corrections.create_correction` (audited; every worker applies it
    within seconds) and taken back by retiring that correction.

    Parameters
    ----------
    band
        The band's index in :data:`routing.accuracy.HOUR_BANDS` or its label (``"06-09"``).

    Raises
    ------
    ValidationFailed
        ``band`` is not a band, or the band has too few trips for a factor.
    """
    report = accuracy_report(db, res, period)
    fit = report.fit(band_index(band))
    if fit.factor is None:
        raise fail("band", f"terlalu sedikit perjalanan ({fit.trips}) untuk faktor",
                   f"too few trips ({fit.trips}) for a factor")
    start_day = period.start.astimezone(WITA).date().isoformat()
    end_day = (period.end.astimezone(WITA) - timedelta(seconds=1)).date().isoformat()
    synthetic = " (synthetic demo trips)" if report.synthetic_only else ""
    reason = (f"fitted: median predicted/recorded {fit.raw:.3f} over {fit.trips} trips "
              f"{start_day}..{end_day}{synthetic}")
    return corrections_service.create_correction(db, {
        "kind": "speed_factor", "road_class": "*", "start_hour": fit.start_hour, "end_hour": fit.end_hour,
        "factor": fit.factor, "name": f"ETA {fit.label}", "reason": reason[:500], "source": FACTOR_SOURCE,
    }, actor)


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "MAX_TRIPS", "AccuracyReport", "Period", "accuracy_report",
           "apply_band_factor", "band_index", "parse_period"]
