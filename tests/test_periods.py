import pytest

from data_access.periods import Period, PeriodError, add_months, month_range, periods_between


@pytest.mark.parametrize("text, kind, first, last, months", [
    ("2021", "year", "2021-01", "2021-12", 12),
    ("2021-Q3", "quarter", "2021-07", "2021-09", 3),
    ("2021q1", "quarter", "2021-01", "2021-03", 3),
    ("2021-06", "month", "2021-06", "2021-06", 1),
    ("2021-6", "month", "2021-06", "2021-06", 1),
])
def test_parse_gives_month_span(text, kind, first, last, months):
    period = Period.parse(text)
    assert period.kind == kind
    assert (period.first_month, period.last_month) == (first, last)
    assert len(period.months()) == months


@pytest.mark.parametrize("text", ["21", "2021-13", "2021-Q5", "last year", "", "2021-00"])
def test_parse_rejects_garbage_with_a_clear_message(text):
    with pytest.raises(PeriodError, match="is not a year"):
        Period.parse(text)


@pytest.mark.parametrize("text, previous", [
    ("2021", "2020"), ("2021-Q1", "2020-Q4"), ("2021-Q3", "2021-Q2"),
    ("2021-01", "2020-12"), ("2021-06", "2021-05"),
])
def test_previous_period(text, previous):
    assert Period.parse(text).previous().key == previous


def test_labels_in_both_languages():
    assert Period.parse("2021-Q3").label("zh") == "2021年第三季度"
    assert Period.parse("2021-Q3").label("en") == "2021 Q3"
    assert Period.parse("2021-06").label("zh") == "2021年6月"
    assert Period.parse("2021-06").label("en") == "Jun 2021"
    assert Period.parse("2021").label("zh") == "2021年"


def test_month_arithmetic():
    assert add_months("2020-12", 1) == "2021-01"
    assert add_months("2021-01", -13) == "2019-12"
    assert month_range("2020-11", "2021-02") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert month_range("2021-02", "2021-01") == []
    assert [p.key for p in periods_between("2020-11", "2021-04", "quarter")] == [
        "2020-Q4", "2021-Q1", "2021-Q2"]
