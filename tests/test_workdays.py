import datetime as dt

import pandas as pd
import pytest

from data_access import workdays


def test_domain_example_national_day_2024():
    # DOMAIN.md: received Monday 2024-09-30; 1–7 October off; due end of Thursday 10-10.
    assert workdays.response_due_date(dt.datetime(2024, 9, 30, 9, 0)) == dt.date(2024, 10, 10)
    deadline = workdays.response_due_at([pd.Timestamp("2024-09-30 09:00")]).iloc[0]
    assert pd.Timestamp("2024-10-09 16:00") < deadline          # answered 10-09: on time
    assert pd.Timestamp("2024-10-10 23:59") < deadline          # still on time that evening
    assert not pd.Timestamp("2024-10-11 00:00") < deadline      # next day: late


@pytest.mark.parametrize("received, due", [
    # ordinary week: Monday → Thursday
    ("2024-03-04 10:00", "2024-03-07"),
    # Friday → Wednesday (weekend skipped)
    ("2024-03-08 18:00", "2024-03-13"),
    # received on a Saturday: Mon, Tue, Wed
    ("2024-03-09 11:00", "2024-03-13"),
    # Spring Festival 2024: Feb 10–17 off, Sun Feb 18 is an adjusted working day
    ("2024-02-08 15:00", "2024-02-19"),
    # Oct 12 2024 (Saturday) is an adjusted working day: Thu 10-10 → Fri 11, Sat 12, Mon 14
    ("2024-10-10 09:00", "2024-10-14"),
])
def test_official_calendar_cases(received, due):
    assert workdays.response_due_date(pd.Timestamp(received)) == dt.date.fromisoformat(due)


def test_uncovered_year_falls_back_to_weekends_and_says_so():
    year = 2035
    assert not workdays.year_is_covered(year)
    assert year in workdays.uncovered_years(2024, year)
    assert 2024 not in workdays.uncovered_years(2024, year)
    # 2035-01-01 is a Monday; official holidays unknown → Tue, Wed, Thu
    assert workdays.response_due_date(dt.date(2035, 1, 1)) == dt.date(2035, 1, 4)


def test_vectorised_matches_scalar():
    received = pd.Series(pd.date_range("2024-01-01", "2024-12-31", freq="37h"))
    vector = workdays.response_due_dates(received)
    for stamp, due in list(zip(received, vector))[::25]:
        assert workdays.response_due_date(stamp) == due.date()
        # the due day is a working day and exactly 3 working days follow the receipt day
        days = pd.date_range(stamp.normalize() + pd.Timedelta(days=1), due, freq="D")
        assert sum(workdays.is_workday(d.date()) for d in days) == 3
        assert workdays.is_workday(due.date())
