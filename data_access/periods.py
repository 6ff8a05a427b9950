"""Reporting periods: a year (``2021``), a quarter (``2021-Q3``) or a month (``2021-06``).

A period knows its first and last month as ``YYYY-MM`` strings (the form months are
stored in), the one before it, and how to name itself in Chinese and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
_ZH_QUARTERS = ("一", "二", "三", "四")


class PeriodError(ValueError):
    """A period string that is not a year, a quarter or a month."""


def month_key(year: int, month: int) -> str:
    """``month_key(2021, 6) == "2021-06"``."""
    return f"{year:04d}-{month:02d}"


def quarter_of_month(month: str) -> str:
    """``quarter_of_month("2021-08") == "2021-Q3"``."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year:04d}-Q{(mon - 1) // 3 + 1}"


def add_months(month: str, count: int) -> str:
    """Shift a ``YYYY-MM`` month by ``count`` months (negative goes back)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + count
    return month_key(index // 12, index % 12 + 1)


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (empty when last < first)."""
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Build it with :meth:`parse`."""

    kind: PeriodKind
    year: int
    number: int = 0  # quarter 1-4 or month 1-12; 0 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Parse ``2021``, ``2021-Q3`` (or ``2021Q3``) or ``2021-06``; raise PeriodError."""
        value = str(text).strip()
        if match := _YEAR.match(value):
            return cls("year", int(match.group(1)))
        if match := _QUARTER.match(value):
            return cls("quarter", int(match.group(1)), int(match.group(2)))
        if match := _MONTH.match(value):
            month = int(match.group(2))
            if 1 <= month <= 12:
                return cls("month", int(match.group(1)), month)
        raise PeriodError(
            f"period {text!r} is not a year (2021), a quarter (2021-Q3) or a month (2021-06)"
        )

    @property
    def key(self) -> str:
        """The canonical string: ``2021``, ``2021-Q3`` or ``2021-06``."""
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return month_key(self.year, self.number)

    def __str__(self) -> str:
        return self.key

    @property
    def first_month(self) -> str:
        if self.kind == "year":
            return month_key(self.year, 1)
        if self.kind == "quarter":
            return month_key(self.year, 3 * self.number - 2)
        return self.key

    @property
    def last_month(self) -> str:
        if self.kind == "year":
            return month_key(self.year, 12)
        if self.kind == "quarter":
            return month_key(self.year, 3 * self.number)
        return self.key

    def months(self) -> list[str]:
        return month_range(self.first_month, self.last_month)

    def previous(self) -> "Period":
        """The period of the same kind just before this one (2021-Q1 → 2020-Q4)."""
        if self.kind == "year":
            return Period("year", self.year - 1)
        if self.kind == "quarter":
            if self.number == 1:
                return Period("quarter", self.year - 1, 4)
            return Period("quarter", self.year, self.number - 1)
        previous = add_months(self.key, -1)
        return Period("month", int(previous[:4]), int(previous[5:7]))

    def contains_span(self, span: str) -> bool:
        """Whether survey rows of ``span`` (month/quarter/year) can lie inside this period."""
        order = {"month": 0, "quarter": 1, "year": 2}
        return order[span] <= order[self.kind]

    def label(self, lang: str = "zh") -> str:
        """Human name: 2021年 / 2021年第三季度 / 2021年6月, or 2021 / 2021 Q3 / Jun 2021."""
        if lang == "zh":
            if self.kind == "year":
                return f"{self.year}年"
            if self.kind == "quarter":
                return f"{self.year}年第{_ZH_QUARTERS[self.number - 1]}季度"
            return f"{self.year}年{self.number}月"
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year} Q{self.number}"
        return f"{_EN_MONTHS[self.number - 1]} {self.year}"


def periods_between(first_month: str, last_month: str, kind: PeriodKind) -> list[Period]:
    """Every period of ``kind`` that overlaps the months ``first_month``..``last_month``."""
    seen: dict[str, Period] = {}
    for month in month_range(first_month, last_month):
        year, mon = int(month[:4]), int(month[5:7])
        if kind == "year":
            period = Period("year", year)
        elif kind == "quarter":
            period = Period("quarter", year, (mon - 1) // 3 + 1)
        else:
            period = Period("month", year, mon)
        seen.setdefault(period.key, period)
    return list(seen.values())
