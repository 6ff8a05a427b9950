"""The Chinese official working-day calendar and the 3-working-day response deadline.

Working days follow the ``chinesecalendar`` package: weekends off, statutory holidays
off, adjusted working weekends (调休) on. For a year the package does not cover, the
calendar falls back to "Monday to Friday" and :func:`uncovered_years` reports it, so the
UI and CLI can say so.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

try:
    import chinese_calendar
except ImportError:  # pragma: no cover - the package is a pinned requirement
    chinese_calendar = None

RESPONSE_WORKING_DAYS = 3
_CALENDAR_FIRST = dt.date(2000, 1, 1)
_CALENDAR_LAST = dt.date(2040, 12, 31)


@lru_cache(maxsize=None)
def year_is_covered(year: int) -> bool:
    """Whether the official calendar knows the holidays of ``year``."""
    if chinese_calendar is None:
        return False
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def uncovered_years(first: dt.date | int, last: dt.date | int) -> list[int]:
    """Years between ``first`` and ``last`` for which weekends-only is used."""
    first_year = first if isinstance(first, int) else first.year
    last_year = last if isinstance(last, int) else last.year
    return [year for year in range(first_year, last_year + 1) if not year_is_covered(year)]


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day (official calendar, or Mon–Fri where uncovered)."""
    if year_is_covered(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


@lru_cache(maxsize=1)
def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """Day numbers (days since epoch) and the running count of working days up to each."""
    days = pd.date_range(_CALENDAR_FIRST, _CALENDAR_LAST, freq="D")
    flags = np.fromiter((is_workday(day.date()) for day in days), dtype=bool, count=len(days))
    cumulative = np.cumsum(flags)
    day_numbers = days.values.astype("datetime64[D]").astype(np.int64)
    return day_numbers, cumulative


def response_due_dates(received: pd.Series | np.ndarray | list) -> pd.Series:
    """The last day on which a response is on time, for each receipt timestamp.

    That is the 3rd working day after the day of receipt (the day of receipt itself does
    not count, whether or not it is a working day). Received Monday 2024-09-30 → due
    2024-10-10 (1–7 October are the National Day holiday).
    """
    received_days = pd.to_datetime(pd.Series(received)).values.astype("datetime64[D]")
    numbers = received_days.astype(np.int64)
    day_numbers, cumulative = _calendar()
    if len(numbers) and (numbers.min() < day_numbers[0] or numbers.max() > day_numbers[-2]):
        raise ValueError(f"received dates must lie between {_CALENDAR_FIRST} and {_CALENDAR_LAST}")
    positions = numbers - day_numbers[0]
    targets = cumulative[positions] + RESPONSE_WORKING_DAYS
    due_positions = np.searchsorted(cumulative, targets, side="left")
    due = (day_numbers[0] + due_positions).astype("datetime64[D]")
    return pd.Series(due.astype("datetime64[ns]"))


def response_due_at(received: pd.Series | np.ndarray | list) -> pd.Series:
    """Exclusive deadline timestamps: midnight at the start of the day after the due day.

    A response is on time when ``responded_at < response_due_at``.
    """
    return response_due_dates(received) + pd.Timedelta(days=1)


def response_due_date(received: dt.datetime | dt.date) -> dt.date:
    """Scalar form of :func:`response_due_dates`."""
    return response_due_dates([pd.Timestamp(received)]).iloc[0].date()
