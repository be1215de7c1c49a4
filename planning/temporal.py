"""When incidents happen: hour × weekday matrix and monthly seasonality per type, in WITA."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from settings import DISPLAY_TZ

#: Monday first (ISO), Indonesian and English names.
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _local(created_at: pd.Series) -> pd.Series:
    times = pd.to_datetime(created_at, utc=True)
    return times.dt.tz_convert(DISPLAY_TZ)


def hour_weekday(created_at: pd.Series) -> pd.DataFrame:
    """Counts by weekday (rows, Monday = 0) and hour of day (columns 0–23), in WITA.

    Every cell is present (zeros included), so the result is always 7 × 24.
    """
    local = _local(created_at)
    matrix = np.zeros((7, 24), dtype=np.int64)
    if len(local):
        np.add.at(matrix, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), 1)
    return pd.DataFrame(matrix, index=pd.RangeIndex(7, name="weekday"), columns=pd.RangeIndex(24, name="hour"))


@dataclass(frozen=True)
class Seasonality:
    """Monthly counts per incident type.

    ``by_month``: one row per calendar month in the data (``month`` = first day, WITA) and one
    column per type; ``by_month_of_year``: the mean count per month of the year (1–12) and type,
    over the years present (a month that does not occur in the data is NaN).
    """

    by_month: pd.DataFrame
    by_month_of_year: pd.DataFrame


def seasonality(created_at: pd.Series, incident_type: pd.Series) -> Seasonality:
    """Monthly counts per type, and the average per month of the year (dry vs rainy season)."""
    local = _local(created_at)
    if len(local) == 0:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="month"))
        return Seasonality(by_month=empty, by_month_of_year=pd.DataFrame(index=pd.RangeIndex(1, 13, name="month")))
    months = local.dt.tz_localize(None).dt.to_period("M")
    frame = pd.DataFrame({"month": months.to_numpy(), "type": np.asarray(incident_type, dtype=object)})
    table = frame.groupby(["month", "type"]).size().unstack("type", fill_value=0)
    full = pd.period_range(table.index.min(), table.index.max(), freq="M")
    table = table.reindex(full, fill_value=0)
    month_starts = pd.PeriodIndex(table.index).to_timestamp()
    table.index = month_starts
    table.index.name = "month"
    per_moy = table.groupby(month_starts.month).mean().reindex(range(1, 13))
    per_moy.index.name = "month"
    return Seasonality(by_month=table, by_month_of_year=per_moy)
