"""The demo generator: determinism, integrity of the generated rows, city calibration.

The "test" scale is built a few times (a couple of seconds each), on each backend for the
integrity checks; the "city" scale once per session on SQLite (well under a minute) and
checked against the published figures in DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import select, text

from data_access import schema
from data_access.demo import SCALES, DemoSummary, build_demo, default_end_month
from data_access.engine import make_engine
from tests.conftest import blank_database
from tests.pg_support import as_sqlite_returns, frame_as_sqlite_returns

END = "2026-10"
END_CUTOFF = "2026-10-31 23:59:59"


def _build(url, scale="test", seed=42, end_month=END):
    engine = make_engine(url)
    summary = build_demo(engine, scale, seed=seed, end_month=end_month)
    return engine, summary


def _read(engine, sql: str) -> pd.DataFrame:
    """The result of ``sql``, values as SQLite returns them (one check for both backends)."""
    with engine.connect() as conn:
        frame = pd.read_sql(text(sql), conn)
    # SQLite's results are the reference form already; skipping them keeps the city-scale
    # reads fast
    return frame if engine.dialect.name == "sqlite" else frame_as_sqlite_returns(frame)


def _fingerprint(engine) -> str:
    """Hash of every raw table's rows, sorted and type-normalised, so that it compares
    across backends (meta built_at excluded: it is the clock)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in schema.RAW_TABLES:
            rows = conn.execute(select(table)).all()
            if table is schema.meta:
                rows = [row for row in rows if row[0] != "built_at"]
            digest.update(table.name.encode())
            for line in sorted(repr(tuple(as_sqlite_returns(v) for v in row)) for row in rows):
                digest.update(line.encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The test scale, seed 42, built on SQLite: (engine, summary)."""
    engine, summary = _build(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ref.sqlite'}")
    yield engine, summary
    engine.dispose()


@pytest.fixture(scope="module")
def test_db(db_backend, reference, tmp_path_factory):
    """The test scale, seed 42, on each backend: (engine, summary); on SQLite the
    reference itself."""
    if db_backend == "sqlite":
        yield reference
        return
    with blank_database(db_backend, tmp_path_factory.mktemp("demo")) as url:
        engine, summary = _build(url)
        yield engine, summary
        engine.dispose()


@pytest.fixture(scope="module")
def city_db(city_demo):
    """The session's city-scale demo (tests/conftest.py); its build time is one check."""
    url, summary = city_demo
    assert summary.end_month == END
    engine = make_engine(url, create=False)
    yield engine, summary
    engine.dispose()


# --- contract of the public functions ----------------------------------------------------


def test_default_end_month_is_last_complete_month():
    assert default_end_month(dt.date(2026, 11, 22)) == "2026-10"
    assert default_end_month(dt.date(2026, 11, 1)) == "2026-10"
    assert default_end_month(dt.date(2026, 10, 31)) == "2026-09"
    assert default_end_month(dt.date(2027, 1, 5)) == "2026-12"
    assert len(default_end_month()) == 7


def test_scales_and_bad_arguments(tmp_path):
    assert set(SCALES) == {"test", "city", "province"}
    assert SCALES["city"].estates == 1500 and SCALES["city"].companies == 400
    engine = make_engine(f"sqlite:///{tmp_path / 'bad.sqlite'}")
    with pytest.raises(ValueError):
        build_demo(engine, "galaxy")
    with pytest.raises(ValueError):
        build_demo(engine, "test", end_month="2018-12")
    with pytest.raises(ValueError):
        build_demo(engine, "test", end_month="2026-13")


def test_other_seed_other_rows(reference, tmp_path):
    engine, summary = reference
    other, other_summary = _build(f"sqlite:///{tmp_path / 'other.sqlite'}", seed=7)
    assert _fingerprint(engine) != _fingerprint(other)
    assert (summary.households, summary.complaints) != (
        other_summary.households, other_summary.complaints)
    other.dispose()


def test_short_history_then_a_rebuild_over_it(blank_db_url, reference):
    """A short history ends at its end month; a build over it (another seed, the full
    history) holds exactly the rows of the SQLite reference built into an empty database:
    the same seed gives the same rows, nothing of the earlier build remains, and
    PostgreSQL stores what SQLite stores."""
    engine, summary = _build(blank_db_url, seed=3, end_month="2020-06")
    assert summary.end_month == "2020-06"
    months = _read(engine, "select distinct period from survey order by period").period
    assert list(months)[0] == "2019-01" and list(months)[-1] == "2020-06" and len(months) == 18
    assert _read(engine, "select count(*) n from contract where mode = 'bundle'").n[0] == 0
    assert _read(engine, "select max(received_at) m from complaint").m[0] <= "2020-06-30 23:59:59"
    milestones = _read(engine, "select on_date from milestone").on_date
    assert list(milestones) == ["2019-04-01"]
    meta = dict(_read(engine, "select key, value from meta").values)
    assert meta["data_end"] == "2020-06"

    summary = build_demo(engine, "test", seed=42, end_month=END)
    assert _fingerprint(engine) == _fingerprint(reference[0])
    assert (summary.households, summary.complaints) == (
        reference[1].households, reference[1].complaints)
    assert _read(engine, "select count(*) n from estate").n[0] == summary.estates
    engine.dispose()


# --- test scale: integrity -------------------------------------------------------------------


def test_test_scale_counts(test_db):
    engine, summary = test_db
    assert isinstance(summary, DemoSummary)
    assert summary.scale == "test" and summary.end_month == END and summary.seed == 42
    assert summary.seconds < 15  # typically 1–3 s; generous so a busy machine does not flake
    counts = {t.name: _read(engine, f"select count(*) n from {t.name}").n[0]
              for t in schema.RAW_TABLES}
    assert 100 <= counts["estate"] <= 140
    assert counts["estate"] == summary.estates
    assert counts["company"] == summary.companies == 20
    assert counts["complaint"] == summary.complaints > 1000
    districts = _read(engine, "select code, name, name_en from district order by code")
    assert list(districts.code) == ["371002", "371003", "371082", "371083"]
    assert list(districts.name) == ["环翠区", "文登区", "荣成市", "乳山市"]
    assert districts.name_en.notna().all()
    streets = _read(engine, "select * from street")
    assert streets.synthetic.all() and streets.name.is_unique and streets.code.is_unique
    assert streets.groupby("district_id").size().min() >= 3
    assert streets.name.str.endswith(("街道", "镇")).all()
    communities = _read(engine, "select * from community")
    assert communities.synthetic.all() and communities.name.is_unique
    assert set(communities.street_id) == set(streets.id)
    assert (communities.code.str[:9].values
            == streets.set_index("id").loc[communities.street_id, "code"].values).all()
    estates = _read(engine, "select * from estate")
    assert estates.code.is_unique and estates.name.is_unique
    assert estates.households.sum() == summary.households
    assert (estates.build_year <= 2018).all() and (estates.build_year >= 1980).all()
    months = 12 * 7 + 10
    assert counts["survey"] == counts["estate"] * months
    assert _read(engine, "select count(*) n from estate_month").n[0] == counts["estate"] * months
    meta = dict(_read(engine, "select key, value from meta").values)
    assert {k: meta[k] for k in ("source", "scale", "seed", "end_month", "data_start",
                                 "data_end")} == {
        "source": "demo", "scale": "test", "seed": "42", "end_month": END,
        "data_start": "2019-01", "data_end": END}
    dt.datetime.fromisoformat(meta["built_at"])
    stories = json.loads(meta["demo_stories"])
    assert set(stories) >= {"deteriorating_companies", "unmanaged_cluster_street",
                            "lagging_streets"}
    milestones = _read(engine, "select * from milestone order by on_date")
    assert milestones.on_date.iloc[0] == "2019-04-01"
    assert milestones.label_zh.iloc[0] == "红色物业工作启动"
    assert len(milestones) >= 3


def test_estates_lie_inside_their_street_and_district(test_db):
    engine, _ = test_db
    estates = _read(engine, """select e.longitude, e.latitude, s.geometry_geojson street_geo,
                                      d.geometry_geojson district_geo
                               from estate e join street s on s.id = e.street_id
                               join district d on d.id = s.district_id""")
    district_shapes = shapely.from_geojson(estates.district_geo.to_numpy())
    street_shapes = shapely.from_geojson(estates.street_geo.to_numpy())
    assert shapely.contains_xy(district_shapes, estates.longitude, estates.latitude).all()
    assert shapely.contains_xy(street_shapes, estates.longitude, estates.latitude).all()
    communities = _read(engine, """select c.longitude, c.latitude, s.geometry_geojson street_geo
                                   from community c join street s on s.id = c.street_id""")
    assert shapely.contains_xy(shapely.from_geojson(communities.street_geo.to_numpy()),
                               communities.longitude, communities.latitude).all()
    # Streets tile their district.
    streets = _read(engine, "select district_id, geometry_geojson from street")
    districts = _read(engine, "select id, geometry_geojson from district").set_index("id")
    for district_id, group in streets.groupby("district_id"):
        union = shapely.union_all(shapely.from_geojson(group.geometry_geojson.to_numpy()))
        whole = shapely.from_geojson(districts.at[district_id, "geometry_geojson"])
        assert abs(union.area - whole.area) / whole.area < 1e-6


def test_contracts_do_not_overlap_and_match_current_state(test_db):
    engine, _ = test_db
    contracts = _read(engine, "select * from contract order by estate_id, start_month")
    assert set(contracts["mode"]) <= {"professional", "bundle"}
    assert contracts.company_id.notna().all()
    ended = contracts.end_month.notna()
    assert (contracts.start_month[ended] <= contracts.end_month[ended]).all()
    assert (contracts.end_month[ended] < END).all()
    for _, group in contracts.groupby("estate_id"):
        rows = list(group.itertuples())
        for before, after in zip(rows, rows[1:]):
            assert before.end_month is not None and before.end_month < after.start_month
    running = contracts[(contracts.start_month <= END)
                        & (contracts.end_month.isna() | (contracts.end_month >= END))]
    assert running.estate_id.is_unique
    estates = _read(engine, "select id, management_mode, company_id from estate").set_index("id")
    merged = estates.merge(
        running.set_index("estate_id")[["company_id", "mode"]].rename(
            columns={"company_id": "company_id_contract"}),
        left_index=True, right_index=True, how="left")
    has = merged["mode"].notna()
    assert (merged.loc[has, "management_mode"] == merged.loc[has, "mode"]).all()
    assert (merged.loc[has, "company_id"] == merged.loc[has, "company_id_contract"]).all()
    assert merged.loc[~has, "management_mode"].isin(["self", "unmanaged"]).all()
    assert merged.loc[~has, "company_id"].isna().all()
    assert set(merged.management_mode) <= set(schema.MANAGEMENT_MODES)
    # Changes of company: the next contract starts the month after the last one ended.
    changes = _read(engine, """select count(*) n from contract a join contract b
        on a.estate_id = b.estate_id and a.end_month is not null
        and b.start_month > a.end_month""").n[0]
    assert changes >= 1


def test_fact_rows_are_consistent(test_db):
    engine, _ = test_db
    fee = _read(engine, """select f.*, e.households from fee_month f
                           join estate e on e.id = f.estate_id""")
    assert (fee.households_paid <= fee.households_billed).all()
    assert (fee.households_paid >= 0).all()
    assert (fee.households_billed == fee.households).all()
    assert (fee.amount_collected_yuan <= fee.amount_billed_yuan + 0.01).all()
    assert fee.month.between("2019-01", END).all()
    # fee rows exist exactly for months with a running contract
    months_with_contract = _read(engine, """
        select count(*) n from fee_month f where not exists (
          select 1 from contract c where c.estate_id = f.estate_id and c.start_month <= f.month
          and (c.end_month is null or c.end_month >= f.month))""").n[0]
    assert months_with_contract == 0
    survey = _read(engine, """select s.*, e.households from survey s
                              join estate e on e.id = s.estate_id""")
    assert (survey.satisfied <= survey.respondents).all() and (survey.satisfied >= 0).all()
    assert (survey.respondents <= survey.households).all() and (survey.respondents >= 1).all()
    assert (survey.span == "month").all()
    assert (survey.start_month == survey.period).all() and (survey.end_month == survey.period).all()
    dims = list(schema.ASSESSMENT_DIMENSIONS)
    assessment = _read(engine, "select * from assessment")
    values = assessment[dims].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 100).all()
    assert set(assessment.assessor) == set(schema.ASSESSORS)
    assert assessment.quarter.max() == "2026-Q4" and assessment.quarter.min() == "2019-Q1"
    assert assessment.company_id.notna().all()


def test_complaints_are_well_formed(test_db):
    engine, _ = test_db
    c = _read(engine, "select * from complaint")
    assert c.code.is_unique and c.code.str.fullmatch(r"TS\d{13}").all()
    assert (c.code.str[2:8] == c.received_month.str.replace("-", "")).all()
    assert c.complainant_phone.str.fullmatch(r"1[3-9]\d{9}").all()
    assert set(c.channel) == set(schema.CHANNELS)
    assert set(c.category) == set(schema.COMPLAINT_CATEGORIES)
    assert set(c.resolved_level.dropna()) <= set(schema.RESOLVED_LEVELS)
    for column in ("received_at", "responded_at", "resolved_at"):
        assert c[column].dropna().max() <= END_CUTOFF
    assert c.received_at.min() >= "2019-01-01"
    assert (c.received_month == c.received_at.str[:7]).all()
    responded = c.responded_at.notna()
    assert (c.responded_at[responded] >= c.received_at[responded]).all()
    resolved = c.resolved_at.notna()
    assert (c.resolved_at[resolved] >= c.responded_at[resolved]).all()
    assert c.responded_at[resolved].notna().all()
    assert c.resolved_level[resolved].notna().all() and c.resolved_level[~resolved].isna().all()
    assert c.resident_satisfied[~resolved].isna().all()
    assert (c.response_due_at > c.received_at).all()
    # company is the one serving the estate at receipt
    mismatched = _read(engine, """select count(*) n from complaint k where
        coalesce(k.company_id, -1) != coalesce((select c.company_id from contract c
          where c.estate_id = k.estate_id and c.start_month <= k.received_month
          and (c.end_month is null or c.end_month >= k.received_month)), -1)""").n[0]
    assert mismatched == 0
    tv = c[c.channel == "tv"].received_at.str[11:16]
    assert tv.between("17:30", "18:30").all()


def test_no_dates_after_the_end_month(test_db):
    engine, _ = test_db
    assert _read(engine, "select max(month) m from fee_month").m[0] == END
    assert _read(engine, "select max(period) m from survey").m[0] == END
    assert _read(engine, "select max(start_month) m from contract").m[0] <= END
    assert _read(engine, "select max(committee_formed_on) m from estate").m[0] <= "2026-10-31"
    assert _read(engine, "select max(on_date) m from milestone").m[0] <= "2026-10-31"


# --- city scale: size, calibration and stories --------------------------------------------------


def _yearly(engine, sql: str) -> pd.Series:
    frame = _read(engine, sql)
    return frame.set_index("y").iloc[:, 0]


@pytest.mark.slow
def test_city_size(city_db):
    engine, summary = city_db
    assert summary.seconds < 60
    estates = _read(engine, "select households, build_year from estate")
    assert 1400 <= len(estates) <= 1600
    assert 400_000 <= estates.households.sum() <= 600_000
    assert 0.35 <= (estates.build_year < 2006).mean() <= 0.45
    assert 350 <= summary.companies <= 450
    assert _read(engine, "select count(*) n from street").n[0] in range(55, 66)
    per_street = _read(engine, "select street_id, count(*) n from community group by 1").n
    assert per_street.between(4, 6).all()
    assert set(_read(engine, "select distinct assessor from assessment").assessor) == set(
        schema.ASSESSORS)


@pytest.mark.slow
def test_city_payment_rate(city_db):
    engine, _ = city_db
    rate = _yearly(engine, """select substr(month, 1, 4) y,
        sum(households_paid) * 1.0 / sum(households_billed) r from fee_month group by 1""")
    assert abs(rate["2019"] - 0.680) <= 0.005
    assert abs(rate["2020"] - 0.79) <= 0.02
    assert abs(rate["2021"] - 0.872) <= 0.005
    for year in ("2022", "2023", "2024", "2025"):
        assert 0.875 <= rate[year] <= 0.905


@pytest.mark.slow
def test_city_satisfaction(city_db):
    engine, _ = city_db
    rate = _yearly(engine, """select substr(period, 1, 4) y,
        sum(satisfied) * 1.0 / sum(respondents) r from survey where span = 'month' group by 1""")
    assert abs(rate["2019"] - 0.570) <= 0.005
    assert abs(rate["2020"] - 0.78) <= 0.02
    assert abs(rate["2021"] - 0.905) <= 0.005
    for year in ("2022", "2023", "2024", "2025"):
        assert 0.90 <= rate[year] <= 0.935


@pytest.mark.slow
def test_city_complaint_rate(city_db):
    engine, _ = city_db
    households = _read(engine, "select sum(households) h from estate").h[0]
    counts = _read(engine, """select substr(received_month, 1, 4) y, count(*) n,
        count(distinct received_month) m from complaint group by 1""").set_index("y")
    rate = counts.n / households * 12 / counts.m
    assert abs(rate["2019"] - 0.072) <= 0.003
    assert abs(rate["2020"] - 0.025) <= 0.005
    assert abs(rate["2021"] - 0.004) <= 0.001
    for year in ("2022", "2023", "2024", "2025", "2026"):
        assert abs(rate[year] - 0.004) <= 0.001
    # summer peak over spring in the plateau years
    season = _read(engine, """select substr(received_month, 6, 2) m, count(*) n from complaint
        where received_month between '2022-01' and '2025-12' group by 1""").set_index("m").n
    assert season["07"] + season["08"] > 1.3 * (season["04"] + season["05"])


@pytest.mark.slow
def test_city_complaint_handling(city_db):
    engine, _ = city_db
    stats = _read(engine, """select substr(received_month, 1, 4) y,
        avg(case when responded_at < response_due_at then 1.0 else 0.0 end) on_time,
        avg(case when resolved_at is not null then 1.0 else 0.0 end) resolved,
        avg(case when channel = 'hotline' then 1.0 else 0.0 end) hotline,
        avg(case when channel = 'tv' then 1.0 else 0.0 end) tv,
        avg(case when channel = 'app' then 1.0 else 0.0 end) app,
        avg(case when resolved_level = 'estate' then 1.0 else 0.0 end) in_estate
        from complaint group by 1""").set_index("y")
    assert 0.60 <= stats.on_time["2019"] <= 0.70
    assert (stats.on_time[["2022", "2023", "2024", "2025"]] >= 0.92).all()
    assert 0.82 <= stats.resolved["2019"] <= 0.88
    assert (stats.resolved[["2022", "2023", "2024", "2025"]] >= 0.95).all()
    assert stats.hotline.between(0.50, 0.60).all() and stats.tv.between(0.03, 0.08).all()
    assert stats.app["2025"] > 2 * stats.app["2019"]
    assert stats.in_estate["2025"] > stats.in_estate["2019"] + 0.15
    open_old = _read(engine, """select count(*) n from complaint
        where resolved_at is null and received_month < '2024-01'""").n[0]
    assert open_old > 0


@pytest.mark.slow
def test_city_coverage_and_committees(city_db):
    engine, _ = city_db
    estates = _read(engine, "select * from estate")

    def coverage(month: str) -> float:
        managed = _read(engine, f"""select count(distinct estate_id) n from contract
            where start_month <= '{month}' and (end_month is null or end_month >= '{month}')""")
        return managed.n[0] / len(estates)

    assert 0.62 <= coverage("2019-01") <= 0.68
    assert coverage("2019-01") < coverage("2021-01") < coverage(END)
    assert 0.85 <= coverage(END) <= 0.89
    assert estates.management_mode.isin(["professional", "bundle"]).mean() == pytest.approx(
        coverage(END))
    assert 0.015 <= (estates.management_mode == "self").mean() <= 0.035
    bundles = _read(engine, """select c.start_month, e.street_id, e.build_year from contract c
        join estate e on e.id = c.estate_id where c.mode = 'bundle'""")
    assert (bundles.start_month >= "2023-03").all() and (bundles.build_year < 2006).all()
    assert 8 <= bundles.street_id.nunique() <= 12
    formed = pd.to_datetime(estates.committee_formed_on)
    assert estates.owners_committee.sum() == formed.notna().sum()
    assert 0.32 <= (formed < "2019-01-01").mean() <= 0.38
    assert 0.60 <= estates.owners_committee.mean() <= 0.67


@pytest.mark.slow
def test_city_assessment_grades(city_db):
    engine, _ = city_db
    scores = _read(engine, """select estate_id, quarter,
        avg((service_quality + owner_satisfaction + complaint_handling + disclosure + safety
             + party_building) / 6.0) s from assessment
        where quarter between '2025-Q1' and '2025-Q4' group by 1, 2""").s
    assert 0.12 <= (scores >= 90).mean() <= 0.28
    assert 0.55 <= ((scores >= 75) & (scores < 90)).mean() <= 0.75
    assert 0.08 <= (scores < 75).mean() <= 0.22
    # only managed estates are assessed, under the company of the quarter's last month
    unmanaged = _read(engine, """select count(*) n from assessment a join estate e
        on e.id = a.estate_id where e.management_mode in ('self', 'unmanaged')
        and not exists (select 1 from contract c where c.estate_id = a.estate_id)""").n[0]
    assert unmanaged == 0


@pytest.mark.slow
def test_city_stories(city_db):
    engine, _ = city_db
    stories = json.loads(_read(engine, "select value from meta where key = 'demo_stories'")
                         .value[0])
    codes = stories["deteriorating_companies"]
    assert 3 <= len(codes) <= 4
    ids = ",".join(str(i) for i in _read(
        engine, f"select id from company where code in ({','.join(repr(c) for c in codes)})").id)
    sizes = _read(engine, f"select company_id, count(*) n from estate where company_id in ({ids})"
                          " group by 1").n
    assert len(sizes) == len(codes) and (sizes >= 5).all()
    sat = _yearly(engine, f"""select substr(s.period, 1, 4) y,
        sum(s.satisfied) * 1.0 / sum(s.respondents) r from survey s
        join estate e on e.id = s.estate_id where e.company_id in ({ids}) group by 1""")
    assert sat["2023"] - sat["2025"] >= 0.08
    pay = _yearly(engine, f"""select substr(f.month, 1, 4) y,
        sum(f.households_paid) * 1.0 / sum(f.households_billed) r from fee_month f
        join estate e on e.id = f.estate_id where e.company_id in ({ids}) group by 1""")
    assert pay["2023"] - pay["2025"] >= 0.04
    complaints = _yearly(engine, f"""select substr(received_month, 1, 4) y, count(*) n
        from complaint where company_id in ({ids}) group by 1""")
    assert complaints["2025"] >= 2.5 * complaints["2023"]
    quarterly = _read(engine, f"""select company_id, quarter,
        avg((service_quality + owner_satisfaction + complaint_handling + disclosure + safety
             + party_building) / 6.0) s from assessment
        where company_id in ({ids}) and quarter in ('2024-Q1', '2024-Q2') group by 1, 2""")
    assert len(quarterly) == 2 * len(codes) and (quarterly.s < 75).all()

    cluster = stories["unmanaged_cluster_street"]
    assert cluster.startswith("371002")
    unmanaged_old = _read(engine, f"""select count(*) n from estate e join street s
        on s.id = e.street_id where s.code = '{cluster}' and e.management_mode = 'unmanaged'
        and e.build_year < 2006
        and not exists (select 1 from contract c where c.estate_id = e.id)""").n[0]
    assert unmanaged_old >= 20

    lagging = stories["lagging_streets"]
    assert len(lagging) == 3
    lag_list = ",".join(repr(c) for c in lagging)
    split = _read(engine, f"""select s.code in ({lag_list}) lagging,
        sum(v.satisfied) * 1.0 / sum(v.respondents) r from survey v
        join estate e on e.id = v.estate_id join street s on s.id = e.street_id
        where v.period like '2025-%' group by 1""").set_index("lagging").r
    assert split[0] - split[1] >= 0.05
