"""Periods and filters: WITA calendar days, the previous equal-length period, URL round trips."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics._errors import FilterError

WITA = ZoneInfo("Asia/Makassar")
MAX_DAYS = 3 * 366
DEFAULT_DAYS = 30
GROUP_BYS = ("none", "kecamatan", "kelurahan", "type", "agency")


@dataclass(frozen=True)
class Filters:
    """A half-open period ``[start, end)`` (aware datetimes) and optional narrowing filters."""

    start: datetime
    end: datetime
    incident_types: tuple[str, ...] = ()
    agency: str | None = None
    kecamatan: str | None = None

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Filters:
        """The period of equal length just before this one (same narrowing filters)."""
        return replace(self, start=self.start - self.length, end=self.start)

    def with_period(self, start: datetime, end: datetime) -> Filters:
        return replace(self, start=start, end=end)

    @property
    def first_day(self) -> date:
        return self.start.astimezone(WITA).date()

    @property
    def last_day(self) -> date:
        """The last WITA calendar day touched by the period (end is exclusive)."""
        return (self.end.astimezone(WITA) - timedelta(microseconds=1)).date()

    def to_query(self) -> dict[str, str]:
        """Query-string parameters that :func:`parse_filters` turns back into these filters."""
        q = {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}
        if self.incident_types:
            q["type"] = ",".join(self.incident_types)
        if self.agency:
            q["agency"] = self.agency
        if self.kecamatan:
            q["kecamatan"] = self.kecamatan
        return q


#: The range a period may lie in (far dates would overflow the date arithmetic).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def day_start(day: date) -> datetime:
    """00:00 WITA of ``day``."""
    return datetime.combine(day, time(0), tzinfo=WITA)


def days_period(first: date, last: date) -> tuple[datetime, datetime]:
    """WITA days ``first`` .. ``last`` inclusive as a half-open period."""
    return day_start(first), day_start(last + timedelta(days=1))


def _parse_bound(name: str, text: str, *, is_end: bool) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                raise FilterError(name, f"{name}: the date must lie between {EARLIEST_DAY} and {LATEST_DAY}")
            return day_start(day + timedelta(days=1)) if is_end else day_start(day)
        value = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise FilterError(name, f"{name}: expected a date YYYY-MM-DD (WITA) or an ISO 8601 time with offset") from None
    if value.tzinfo is None:
        raise FilterError(name, f"{name}: a time needs a UTC offset, e.g. 2026-01-31T08:00:00+08:00")
    if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
        raise FilterError(name, f"{name}: the time must lie between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


def parse_filters(params: Mapping[str, str | None], *, now: datetime,
                  known_types: set[str] | None = None, known_agencies: set[str] | None = None,
                  known_kecamatan: set[str] | None = None) -> Filters:
    """Filters from query parameters ``from``, ``to``, ``type``, ``agency``, ``kecamatan``.

    ``from``/``to`` are WITA calendar days (``to`` inclusive) or ISO 8601 times with offset
    (``to`` exclusive). Without them: the last 30 days up to now. Raises FilterError(field, …).
    """
    start_text = (params.get("from") or "").strip()
    end_text = (params.get("to") or "").strip()
    end = _parse_bound("to", end_text, is_end=True) if end_text else now
    start = _parse_bound("from", start_text, is_end=False) if start_text else \
        day_start((end.astimezone(WITA) - timedelta(days=DEFAULT_DAYS)).date())
    if end <= start:
        raise FilterError("to", "to must be after from")
    if (end - start) > timedelta(days=MAX_DAYS):
        raise FilterError("from", f"the period may be at most {MAX_DAYS} days long")
    types = tuple(t for t in (params.get("type") or "").replace(" ", "").split(",") if t)
    if known_types is not None:
        bad = [t for t in types if t not in known_types]
        if bad:
            raise FilterError("type", f"unknown incident type: {', '.join(bad)}")
    agency = (params.get("agency") or "").strip() or None
    if agency and known_agencies is not None and agency not in known_agencies:
        raise FilterError("agency", f"unknown agency: {agency}")
    kecamatan = (params.get("kecamatan") or "").strip() or None
    if kecamatan and known_kecamatan is not None and kecamatan not in known_kecamatan:
        raise FilterError("kecamatan", f"unknown kecamatan code: {kecamatan}")
    return Filters(start=start, end=end, incident_types=types, agency=agency, kecamatan=kecamatan)


def kpi_windows(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """``(key, start, end)`` for today (WITA, so far), the last 7 days and the last 30 days."""
    today = day_start(now.astimezone(WITA).date())
    return [("today", today, now), ("7d", now - timedelta(days=7), now), ("30d", now - timedelta(days=30), now)]


def view_filters(query: Mapping[str, object], *, now: datetime, known_types: set[str] | None = None,
                 known_agencies: set[str] | None = None, known_kecamatan: set[str] | None = None) -> Filters:
    """Filters of a page view (``?from=&to=&type=&agency=&kecamatan=``): without a period, the 30
    WITA days up to today. Raises FilterError like :func:`parse_filters`."""
    q = {k: v for k, v in query.items() if isinstance(v, str)}
    if not q.get("from") and not q.get("to"):
        today = now.astimezone(WITA).date()
        q["from"], q["to"] = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), today.isoformat()
    return parse_filters(q, now=now, known_types=known_types, known_agencies=known_agencies,
                         known_kecamatan=known_kecamatan)
