"""complaints.complaint_sums read from ``complaint_street_month`` equals the same read from
``complaint_month``, on the fixture city (tests/fixture_city.py, complaints K1–K6), on
each backend. The district roll-up, which city and district views read by default, is
turned off here (tests/test_complaint_district_summary.py compares it).

K1–K6 in 2024, by street (S1, S2 in district D1; S3 in D2):

====  ======  ======  =============  ===========  ===========  ==========
code  estate  street  channel        category     month        level
====  ======  ======  =============  ===========  ===========  ==========
K1    E1      S1      tv             elevators    2024-09      estate
K2    E1      S1      hotline        fees         2024-09      (open)
K3    E2      S1      app            parking      2024-03      community
K4    E4      S3      walk_in        water_leaks  2024-02      street
K5    E3      S2      street_office  noise        2024-05      (open)
K6    E3      S2      hotline        cleaning     2024-11      estate
====  ======  ======  =============  ===========  ===========  ==========
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from data_access import complaints
from data_access.complaints import Selection, complaint_sums, street_summary_dimension
from data_access.filters import Filters, Scope
from tests.fixture_city import D1, S1

EVERYTHING = Scope.everything()
BYS = ((), ("category",), ("channel",), ("resolved_level",), ("month",), ("category", "month"))
SELECTIONS = (None, Selection(category="fees"), Selection(channel="hotline"),
              Selection(month="2024-09"), Selection(category="fees", channel="hotline"))
AREAS = (Filters("2024"), Filters("2024", D1), Filters("2024", D1, S1))


def test_every_read_equals_the_complaint_month_read(fixture_engine):
    for by, selection, filters in itertools.product(BYS, SELECTIONS, AREAS):
        fast = complaint_sums(fixture_engine, EVERYTHING, filters, selection, by,
                              use_district_rollup=False)
        slow = complaint_sums(fixture_engine, EVERYTHING, filters, selection, by,
                              use_street_summary=False)
        pd.testing.assert_frame_equal(fast, slow, obj=f"{by} {selection} {filters}")


@pytest.mark.parametrize(("by", "selection", "dimension"), [
    ((), None, "category"),
    (("month",), Selection(month="2024-09"), "category"),
    (("category", "month"), Selection(category="fees"), "category"),
    (("month",), Selection(channel="hotline"), "channel"),
    (("resolved_level",), None, "resolved_level"),
    (("resolved_level",), Selection(channel="hotline"), None),
    (("category", "month"), Selection(channel="hotline"), None),
    (("estate_id",), None, None),
])
def test_which_reads_use_the_street_summary(by, selection, dimension):
    assert street_summary_dimension(by, selection, None) == dimension
    assert street_summary_dimension(by, selection, "E1") is None


def test_hand_counted_figures(fixture_engine):
    """Read from the street summary (the comparison above proves the paths agree; these
    prove the figures)."""
    levels = complaint_sums(fixture_engine, EVERYTHING, Filters("2024"), None,
                            ("resolved_level",), use_district_rollup=False)
    # Unresolved: a missing level, as complaint_month's NULL reads.
    counts = {None if pd.isna(level) else level: count
              for level, count in zip(levels["resolved_level"], levels["complaints"])}
    assert counts == {"estate": 2, "community": 1, "street": 1, None: 2}
    assert levels["complaints"].dtype == "int64"

    channels = complaint_sums(fixture_engine, EVERYTHING, Filters("2024", D1), None,
                              ("channel",), use_district_rollup=False)
    assert dict(zip(channels["channel"], channels["complaints"])) == {
        "app": 1, "hotline": 2, "street_office": 1, "tv": 1}
    # Answered on time: K1 (tv) and K6 (hotline); K2 (hotline) late.
    assert dict(zip(channels["channel"], channels["complaints_on_time"])) == {
        "app": 1, "hotline": 1, "street_office": 0, "tv": 1}

    hotline = complaint_sums(fixture_engine, EVERYTHING, Filters("2024", D1, S1),
                             Selection(channel="hotline"), ("month",))
    assert hotline[["month", "complaints", "complaints_resolved"]].values.tolist() == [
        ["2024-09", 1, 0]]  # K2, open

    nothing = complaints.complaint_sums(fixture_engine, EVERYTHING, Filters("2024-01"),
                                        use_district_rollup=False)
    assert nothing.empty
