"""Parsing values as people type them, a whole column at a time.

Every parser takes a *cleaned* column (strings, stripped, NFKC-normalised, ``""`` for an
empty cell: see :func:`clean`) and returns the parsed values plus masks of the rows it
could not read. Fast vectorised paths handle the canonical forms (ISO dates, plain
numbers); the odd forms (``2024年3月5日``, ``2024/3/5 14:20``, Excel serial numbers) are
parsed once per distinct value and mapped back, so a million rows stay fast.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_access.importing.specs import code_lookup, lookup_key

# --- cleaning --------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


#: Arrow arrays of the columns cleaned in the current chunk (cleaning makes them anyway):
#: the parsers' vectorised regex and length checks on those same columns reuse them.
#: Per thread, since the app may import in several sessions at once.
_CACHE = threading.local()


def _cleaned() -> list[tuple[pd.Series, pa.Array]]:
    if not hasattr(_CACHE, "arrays"):
        _CACHE.arrays = []
    return _CACHE.arrays


def forget_cleaned() -> None:
    """Drop the cached Arrow arrays (call before cleaning a new chunk)."""
    _cleaned().clear()


def _arrow(s: pd.Series) -> pa.Array:
    """An object column of strings as an Arrow string array (None → null)."""
    for series, array in _cleaned():
        if series is s:
            return array
    return pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """Whether each string matches the whole of ``pattern`` (RE2 syntax; vectorised)."""
    result = pc.match_substring_regex(_arrow(s), f"^(?:{pattern})$")
    return pd.Series(result.to_numpy(zero_copy_only=False), index=s.index).fillna(False) \
        .astype(bool)


def lengths(s: pd.Series) -> pd.Series:
    """Length in characters of each string."""
    return pd.Series(pc.utf8_length(_arrow(s)).to_numpy(zero_copy_only=False), index=s.index)


def clean(raw: pd.Series) -> pd.Series:
    """Strings stripped of surrounding spaces, NFKC-normalised (full-width digits and
    punctuation become ASCII), invisible characters removed; ``""`` for empty cells."""
    return clean_present(raw)[0]


def clean_present(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`clean`, and the mask of non-empty cells."""
    array = pc.utf8_trim_whitespace(pc.fill_null(_arrow(raw), ""))
    unusual = pc.invert(pc.string_is_ascii(array)).to_numpy(zero_copy_only=False)
    s = pd.Series(array.to_numpy(zero_copy_only=False), index=raw.index, dtype=object)
    if unusual.any():
        s[unusual] = _per_unique(s[unusual], clean_text)
        present = s.to_numpy() != ""
    else:
        present = pc.greater(pc.binary_length(array), 0).to_numpy(zero_copy_only=False)
        cache = _cleaned()
        cache.append((s, array))
        del cache[:-64]
    return s, pd.Series(present, index=raw.index)


def _per_unique(values: pd.Series, function) -> np.ndarray:
    """``function`` applied once per distinct value, mapped back (an object array)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [function(u) for u in uniques]
    return results[codes]


def clean_text(text: object) -> str:
    """:func:`clean` for one value."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text))).strip()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold (dates in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.microsecond:
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


# --- results -------------------------------------------------------------------------------

@dataclass
class Parsed:
    """Parsed values of one column and the rows that failed, by reason code."""

    values: pd.Series
    errors: list[tuple[str, pd.Series]] = field(default_factory=list)  # (reason code, mask)


# --- scalar parsers for the odd forms ----------------------------------------------------------

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:时点]\s*(?:(\d{1,2})\s*分?\s*"
    r"(?::?\s*(\d{1,2})(?:\.(\d{1,6})\d*)?\s*秒?)?)?)?$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*T?\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})\s*(?:年度?|年)?$")
_ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTERS = (
    re.compile(r"^(\d{4})\s*[-_/ ]?\s*年?\s*Q([1-4])$", re.IGNORECASE),
    re.compile(r"^Q([1-4])\s*[-_/ ]?\s*(\d{4})$", re.IGNORECASE),
    re.compile(r"^(\d{4})\s*年?\s*[-_/ ]?\s*第?\s*([1-4一二三四])\s*季度?$"),
)


def parse_datetime_text(text: str) -> dt.datetime | None:
    """One date-time in any accepted form, or None."""
    try:
        if match := _DATETIME.match(text):
            year, month, day, hour, minute, second, fraction = match.groups()
            micro = int((fraction or "0").ljust(6, "0"))
            return dt.datetime(int(year), int(month), int(day), int(hour or 0),
                               int(minute or 0), int(second or 0), micro)
        if match := _COMPACT.match(text):
            year, month, day, hour, minute, second = match.groups()
            return dt.datetime(int(year), int(month), int(day), int(hour or 0),
                               int(minute or 0), int(second or 0))
        if _SERIAL.match(text):
            days = float(text)
            moment = _EXCEL_EPOCH + dt.timedelta(days=days)
            # Excel stores times as fractions of a day: round to the second
            return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0) \
                if moment.microsecond else moment
    except (ValueError, OverflowError):
        return None
    return None


def parse_month_text(text: str) -> str | None:
    """``2024-03`` for 2024-03, 2024/3, 2024年3月, 202403, a date or an Excel serial."""
    year = month = None
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    elif match := _MONTH_COMPACT.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    elif moment := parse_datetime_text(text):
        year, month = moment.year, moment.month
    if year is None or not 1 <= month <= 12:
        return None
    return f"{year:04d}-{month:02d}"


def parse_quarter_text(text: str) -> str | None:
    """``2024-Q1`` for 2024-Q1, 2024Q1, 2024 Q1, Q1 2024, 2024年一季度, 2024年第一季度."""
    for number, pattern in enumerate(_QUARTERS):
        if match := pattern.match(text):
            year, quarter = match.groups() if number != 1 else match.groups()[::-1]
            return f"{int(year):04d}-Q{_ZH_DIGITS[quarter.upper() if quarter.isascii() else quarter]}"
    return None


def parse_period_text(text: str) -> str | None:
    """A survey period: a month (``2024-03``), a quarter (``2024-Q1``) or a year (``2024``)."""
    if match := _YEAR.match(text):
        return f"{int(match.group(1)):04d}"
    return parse_quarter_text(text) or parse_month_text(text)


_TRUE = ("yes", "y", "true", "t", "1", "是", "有", "对", "√", "✓", "满意", "已成立", "已建立")
_FALSE = ("no", "n", "false", "f", "0", "否", "无", "没有", "不", "错", "×", "✗", "不满意",
          "未成立", "未建立")
BOOL_LOOKUP = {**{lookup_key(t): True for t in _TRUE}, **{lookup_key(f): False for f in _FALSE}}
CATEGORY_LOOKUP = code_lookup("category")

# --- column parsers ----------------------------------------------------------------------------


def _map_unique(s: pd.Series, present: pd.Series, function) -> pd.Series:
    """Apply ``function`` once per distinct present value; None where absent/unreadable."""
    result = pd.Series(None, index=s.index, dtype=object)
    if present.any():
        result[present] = _per_unique(s[present], function)
    return result


def parse_text(s: pd.Series, present: pd.Series, max_length: int | None = None) -> Parsed:
    values = s.where(present, None).astype(object)
    errors = []
    if max_length:
        errors.append(("too_long", present & (lengths(s) > max_length)))
    return Parsed(values, errors)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def _numbers(s: pd.Series, present: pd.Series) -> pd.Series:
    text = s.where(present, "")
    grouped = present & text.str.contains(",", regex=False)
    if grouped.any():
        thousands = grouped & text.str.match(_THOUSANDS)
        text = text.copy()
        text[thousands] = text[thousands].str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text.where(present, None), errors="coerce")
    return numbers.astype(float)


def parse_float(s: pd.Series, present: pd.Series) -> Parsed:
    numbers = _numbers(s, present)
    bad = present & ~np.isfinite(numbers.fillna(np.inf).to_numpy())
    bad = pd.Series(bad, index=s.index) & present
    return Parsed(numbers.where(~bad), [("not_a_number", bad)])


def parse_int(s: pd.Series, present: pd.Series) -> Parsed:
    numbers = _numbers(s, present)
    finite = np.isfinite(numbers.fillna(np.inf).to_numpy())
    not_number = present & pd.Series(~finite, index=s.index)
    fractional = present & ~not_number & (numbers != np.floor(numbers.fillna(0)))
    too_big = present & ~not_number & (numbers.abs() > 2**31)
    ok = present & ~not_number & ~fractional & ~too_big
    values = numbers.where(ok).astype("Int64")
    return Parsed(values, [("not_a_number", not_number), ("not_whole", fractional),
                           ("out_of_range", too_big)])


def parse_bool(s: pd.Series, present: pd.Series) -> Parsed:
    values = _map_unique(s, present, lambda v: BOOL_LOOKUP.get(lookup_key(v)))
    bad = present & values.isna()
    return Parsed(values.astype("boolean"), [("not_yes_no", bad)])


def parse_code(s: pd.Series, present: pd.Series, code_set: str) -> Parsed:
    lookup = code_lookup(code_set)
    values = _map_unique(s, present, lambda v: lookup.get(lookup_key(v)))
    return Parsed(values, [("unknown_code", present & values.isna())])


def parse_category(s: pd.Series, present: pd.Series) -> Parsed:
    """Known categories (English key or Chinese name) become keys; other text is kept."""
    values = _map_unique(s, present, lambda v: CATEGORY_LOOKUP.get(lookup_key(v), v))
    return Parsed(values, [])


_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_SLASH_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def parse_datetime(s: pd.Series, present: pd.Series) -> Parsed:
    """Date-times: ISO (vectorised), then slash forms (vectorised), then the rest."""
    values = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if not present.any():
        return Parsed(values, [("not_a_datetime", present)])
    fast = present & matches(s, _ISO_DATETIME)
    if fast.any():
        values[fast] = pd.to_datetime(s[fast], format="ISO8601", errors="coerce")
    rest = present & values.isna()
    if rest.sum() > 1000:  # many rows in a slash form: vectorise those too
        for fmt in _SLASH_FORMATS:
            candidates = rest & s.str.contains("/", regex=False)
            if not candidates.any():
                break
            values[candidates] = pd.to_datetime(s[candidates], format=fmt, errors="coerce")
            rest = present & values.isna()
    if rest.any():
        parsed = _map_unique(s, rest, parse_datetime_text)
        values[rest] = pd.to_datetime(parsed[rest])
    bad = present & values.isna()
    return Parsed(values, [("not_a_datetime", bad)])


def parse_date(s: pd.Series, present: pd.Series) -> Parsed:
    parsed = parse_datetime(s, present)
    return Parsed(parsed.values.dt.normalize(), [("not_a_date", parsed.errors[0][1])])


def parse_month(s: pd.Series, present: pd.Series) -> Parsed:
    values = _map_unique(s, present, parse_month_text)
    return Parsed(values, [("not_a_month", present & values.isna())])


def parse_quarter(s: pd.Series, present: pd.Series) -> Parsed:
    values = _map_unique(s, present, parse_quarter_text)
    return Parsed(values, [("not_a_quarter", present & values.isna())])


def parse_period(s: pd.Series, present: pd.Series) -> Parsed:
    values = _map_unique(s, present, parse_period_text)
    return Parsed(values, [("not_a_period", present & values.isna())])


#: 7–12 digits after an optional +86, with spaces, dashes and brackets between.
_PHONE = r"(?:\+?86|0086)?[\s\-()]*(?:\d[\s\-()]*){7,12}"


def parse_phone(s: pd.Series, present: pd.Series, max_length: int | None = None) -> Parsed:
    """Phone numbers kept as written (cleaned); 7–12 digits after an optional +86."""
    bad = present & ~matches(s, _PHONE)
    if max_length:
        bad |= present & (lengths(s) > max_length)
    return Parsed(s.where(present & ~bad, None).astype(object), [("not_a_phone", bad)])


def mask_phone(text: object) -> str:
    """``13800000001`` → ``138****0001``: enough to find the cell, not to call anyone."""
    value = "" if text is None else str(text)
    if len(value) >= 8:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 2:
        return "*" * (len(value) - 2) + value[-2:]
    return "*" * len(value)


def parse_column(kind: str, s: pd.Series, present: pd.Series, *, code_set: str | None = None,
                 max_length: int | None = None) -> Parsed:
    """Dispatch on the column kind (see specs.KINDS)."""
    if kind == "text":
        return parse_text(s, present, max_length)
    if kind == "int":
        return parse_int(s, present)
    if kind == "float":
        return parse_float(s, present)
    if kind == "bool":
        return parse_bool(s, present)
    if kind == "code":
        return parse_code(s, present, code_set)
    if kind == "category":
        parsed = parse_category(s, present)
        if max_length:
            parsed.errors.append(("too_long", present & (lengths(s) > max_length)))
        return parsed
    if kind == "datetime":
        return parse_datetime(s, present)
    if kind == "date":
        return parse_date(s, present)
    if kind == "month":
        return parse_month(s, present)
    if kind == "quarter":
        return parse_quarter(s, present)
    if kind == "period":
        return parse_period(s, present)
    if kind == "phone":
        return parse_phone(s, present, max_length)
    raise ValueError(f"unknown column kind {kind!r}")
