"""Coverage page logic on a small hand-made town whose every answer is worked out here.

Positions are laid out in metres in UTM zone 51N (EPSG:32651, Weihai's zone) from an
origin O = (600000 E, 4150000 N) and stored in WGS84, as the database does:

=====  ======  ===========  ====  =========  ==========  ================================
code   street  x, y (m)     hh    area (m²)  built       management (data 2025-01..12)
=====  ======  ===========  ====  =========  ==========  ================================
U1     SA      (0, 0)       100   10,000     1995 (old)  K2 2020-01..2024-06, then none
U2     SA      (300, 0)     150   5,000      2000 (old)  never managed; named <b>x</b>&amp;
U3     SA      (600, 0)     80    —          2010        self-managed (自管), no contract
U4     SA      (2000, 0)    400   40,000     1990 (old)  K1 2024-01..2025-09, then none
M1     SA      (100, 100)   500   50,000     2015        K1 professional since 2020-01
M2     SA      (0, 500)     300   30,000     2016        K2 professional since 2021-01
M3     SB      (5000, 0)    200   20,000     2018        K3 street bundle since 2022-01
=====  ======  ===========  ====  =========  ==========  ================================

Assessed 2025-Q4 by the street (every dimension the same score, so the project score is
that score): M1 95 (优秀), M2 80 (合格), M3 70 (不合格).

Hand-computed answers (as of 2025-12):
* unmanaged: U1, U2, U3 (self-managed counts), U4 → 4 of 7; coverage 3/7;
  by households 1000/1730. Street SA: 2 of 6 estates, 800 of 1530 households.
* in 2025-Q2/Q3 U4 was still managed: coverage 4/7, 3 unmanaged.
* unmanaged for: U1 18 months (last served 2024-06), U4 3 months (2025-09), U2/U3 never.
* nearest managed to U1: M1 141.42 m, M2 500 m, M3 5000 m; to U4: M1 1902.63 m
  (√(1900² + 100²)), M2 2061.55 m (√(2000² + 500²)), M3 3000 m.
* bundles (400 m, ≥ 300 households): SA-1 = {U4} 400 hh, SA-2 = {U1, U2, U3} 330 hh
  (U1–U2–U3 chained at 300 m); income at 0.5 yuan × 12 × 80%: SA-1 40,000 m² → 192,000;
  SA-2 15,000 m² → 72,000 (U3 has no area).
* candidates within 1000 m: SA-2 → K1 (优秀, 141.42 m), K2 (合格, 500 m); SA-1 → none.
  Within 3500 m: SA-1 → K1 (1902.63), K2 (2061.55), K3 (3000).
"""

from __future__ import annotations

import itertools
import json
import math
import re

import folium
import pandas as pd
import pyproj
import pytest
from sqlalchemy import and_, delete, event, select

from dashboard import coverage_maps as maps
from dashboard.coverage_components import (
    bundle_table,
    bundles_geojson_bytes,
    bundles_xlsx,
    clicked_code,
    estate_card_html,
    format_distance,
    trend_table,
    unmanaged_table,
)
from data_access import bundles, coverage, metrics, queries
from data_access.engine import make_engine
from data_access.filters import Filters, Scope, area_clause
from data_access.loading import bulk_insert
from data_access.schema import (
    MANAGED_MODES,
    assessment,
    company,
    contract,
    district,
    estate,
    estate_month,
    meta,
    metadata,
    project_quarter,
    street,
)
from data_access.summary import refresh_summaries
from tests.fixture_city import D1, D2, S1, S2, S3

ORIGIN = (600000.0, 4150000.0)
TO_WGS84 = pyproj.Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)
DA, SA, SB = "371099", "371099001", "371099002"
EVERYTHING = Scope.everything()
DEC = Filters("2025-12")

ESTATES = [
    # code, street, x, y, households, area, built, mode, company id
    ("U1", 1, 0, 0, 100, 10000.0, 1995, "unmanaged", None),
    ("U2", 1, 300, 0, 150, 5000.0, 2000, "unmanaged", None),
    ("U3", 1, 600, 0, 80, None, 2010, "self", None),
    ("U4", 1, 2000, 0, 400, 40000.0, 1990, "unmanaged", None),
    ("M1", 1, 100, 100, 500, 50000.0, 2015, "professional", 1),
    ("M2", 1, 0, 500, 300, 30000.0, 2016, "professional", 2),
    ("M3", 2, 5000, 0, 200, 20000.0, 2018, "bundle", 3),
]
NAMES = {"U1": "东山楼院", "U2": "<b>x</b>&amp;", "U3": "西河小区", "U4": "南湖新村",
         "M1": "海景花园", "M2": "青年家园", "M3": "龙山小区"}


def lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_WGS84.transform(ORIGIN[0] + x, ORIGIN[1] + y)


def _square(x0, y0, x1, y1) -> str:
    corners = [lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1), lonlat(x0, y0)]
    return json.dumps({"type": "Polygon", "coordinates": [[list(c) for c in corners]]})


def estate_frame() -> pd.DataFrame:
    """The estates as data_access.coverage.estates returns them (no database)."""
    rows = []
    companies = {1: ("K1", "甲物业"), 2: ("K2", "乙物业"), 3: ("K3", "丙物业")}
    for code, street_id, x, y, hh, area, built, mode, company_id in ESTATES:
        lng, lat = lonlat(x, y)
        company_code, company_name = companies.get(company_id, (None, None))
        rows.append({"code": code, "name": NAMES[code], "longitude": lng, "latitude": lat,
                     "households": hh, "floor_area_m2": area, "build_year": built,
                     "management_mode": mode, "managed": mode in ("professional", "bundle"),
                     "company_code": company_code, "company_name": company_name,
                     "street_code": SA if street_id == 1 else SB})
    return pd.DataFrame(rows)


def build_town(url: str, demo: bool = True) -> str:
    """Write the hand-made town into the SQLite database at ``url``; returns the URL."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
        bulk_insert(conn, district, [{"id": 1, "code": DA, "name": "测试区", "name_en": "Test",
                                      "geometry_geojson": _square(-1000, -1000, 6000, 1000)}])
        bulk_insert(conn, street, [
            {"id": 1, "code": SA, "name": "甲街道", "name_en": "Jia", "district_id": 1,
             "synthetic": True, "geometry_geojson": _square(-1000, -1000, 3000, 1000)},
            {"id": 2, "code": SB, "name": "乙街道", "name_en": "Yi", "district_id": 1,
             "synthetic": True, "geometry_geojson": _square(3000, -1000, 6000, 1000)},
        ])
        bulk_insert(conn, company, [
            {"id": 1, "code": "K1", "name": "甲物业", "party_org": False},
            {"id": 2, "code": "K2", "name": "乙物业", "party_org": False},
            {"id": 3, "code": "K3", "name": "丙物业", "party_org": False},
        ])
        rows = []
        for index, (code, street_id, x, y, hh, area, built, mode, company_id) in enumerate(
                ESTATES, start=1):
            lng, lat = lonlat(x, y)
            rows.append({"id": index, "code": code, "name": NAMES[code], "longitude": lng,
                         "latitude": lat, "households": hh, "floor_area_m2": area,
                         "build_year": built, "fee_yuan_m2_month": 1.0,
                         "management_mode": mode, "company_id": company_id,
                         "owners_committee": False, "party_org": False, "smart_star": 0,
                         "street_id": street_id})
        bulk_insert(conn, estate, rows)
        bulk_insert(conn, contract, [
            {"estate_id": 1, "company_id": 2, "mode": "professional", "start_month": "2020-01",
             "end_month": "2024-06"},
            {"estate_id": 4, "company_id": 1, "mode": "professional", "start_month": "2024-01",
             "end_month": "2025-09"},
            {"estate_id": 5, "company_id": 1, "mode": "professional", "start_month": "2020-01",
             "end_month": None},
            {"estate_id": 6, "company_id": 2, "mode": "professional", "start_month": "2021-01",
             "end_month": None},
            {"estate_id": 7, "company_id": 3, "mode": "bundle", "start_month": "2022-01",
             "end_month": None},
        ])
        dimensions = ("service_quality", "owner_satisfaction", "complaint_handling",
                      "disclosure", "safety", "party_building")
        bulk_insert(conn, assessment, [
            {"estate_id": estate_id, "quarter": "2025-Q4", "assessor": "street",
             "company_id": company_id, **dict.fromkeys(dimensions, score)}
            for estate_id, company_id, score in ((5, 1, 95.0), (6, 2, 80.0), (7, 3, 70.0))])
        bulk_insert(conn, meta, [{"key": "data_start", "value": "2025-01"},
                                 {"key": "data_end", "value": "2025-12"}]
                    + ([{"key": "source", "value": "demo"}] if demo else []))
        refresh_summaries(conn)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def town_url(tmp_path_factory) -> str:
    return build_town(f"sqlite:///{tmp_path_factory.mktemp('coverage') / 'town.sqlite'}")


@pytest.fixture()
def town(town_url):
    engine = make_engine(town_url, create=False)
    yield engine
    engine.dispose()


# --- GCJ-02 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("wgs, gcj", [
    # published pairs: wandergis/coordtransform (Beijing) and eviltransform's test table
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),     # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),     # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),     # Beijing
])
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj):
    lng, lat = coverage.wgs84_to_gcj02(*wgs)
    assert lng == pytest.approx(gcj[0], abs=1e-9)
    assert lat == pytest.approx(gcj[1], abs=1e-9)


def test_gcj02_leaves_points_outside_china_and_shifts_geometries():
    assert coverage.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)     # Paris
    lng, lat = coverage.wgs84_to_gcj02([116.404, 2.35], [39.915, 48.85])
    assert list(lng) == pytest.approx([116.41024449916938, 2.35])
    polygon = {"type": "Polygon", "coordinates": [[[116.404, 39.915], [116.5, 39.915],
                                                   [116.404, 40.0], [116.404, 39.915]]]}
    shifted = coverage.shift_geometry(polygon)
    assert shifted["coordinates"][0][0] == pytest.approx([116.41024449916938,
                                                          39.91640428150164])
    assert len(shifted["coordinates"][0]) == 4
    point = coverage.shift_geometry({"type": "Point", "coordinates": [116.404, 39.915]})
    assert point["coordinates"] == pytest.approx([116.41024449916938, 39.91640428150164])


# --- nearest managed, bundles, candidates (pure) -------------------------------------------------

def test_metric_crs_is_weihais_utm_zone():
    assert bundles.metric_crs(estate_frame()) == "EPSG:32651"


def test_nearest_managed_estates_and_distances():
    frame = estate_frame()
    nearest = bundles.nearest_managed(frame[~frame["managed"]], frame[frame["managed"]], k=3)
    u1 = nearest[nearest["code"] == "U1"]
    assert list(u1["neighbour_code"]) == ["M1", "M2", "M3"]
    assert list(u1["company_code"]) == ["K1", "K2", "K3"]
    assert list(u1["distance_m"]) == pytest.approx([math.hypot(100, 100), 500, 5000],
                                                   abs=0.01)
    u4 = nearest[nearest["code"] == "U4"]
    assert list(u4["neighbour_code"]) == ["M1", "M2", "M3"]
    assert list(u4["distance_m"]) == pytest.approx(
        [math.hypot(1900, 100), math.hypot(2000, 500), 3000], abs=0.01)
    assert list(u4["rank"]) == [1, 2, 3]
    assert len(nearest) == 12
    assert bundles.nearest_managed(frame[~frame["managed"]], frame.iloc[0:0]).empty


def test_bundles_of_neighbours_with_income():
    frame = estate_frame()
    settings = bundles.BundleSettings(max_distance_m=400, min_households=300,
                                      fee_yuan_m2_month=0.5, payment_rate=0.8)
    plan, members = bundles.make_bundles(frame[~frame["managed"]], settings)
    assert list(plan["bundle"]) == [f"{SA}-1", f"{SA}-2"]
    assert list(plan["codes"]) == [("U4",), ("U1", "U2", "U3")]
    assert list(plan["households"]) == [400, 330]
    assert list(plan["viable"]) == [True, True]
    assert list(plan["annual_income_yuan"]) == pytest.approx([192000.0, 72000.0])
    assert list(plan["missing_area"]) == [0, 1]
    assert set(members.loc[members["bundle"] == f"{SA}-2", "code"]) == {"U1", "U2", "U3"}
    # a larger minimum makes the chained bundle unviable; a shorter reach splits it
    plan, _ = bundles.make_bundles(frame[~frame["managed"]], bundles.BundleSettings(
        max_distance_m=400, min_households=350))
    assert list(plan["viable"]) == [True, False]
    plan, _ = bundles.make_bundles(frame[~frame["managed"]], bundles.BundleSettings(
        max_distance_m=250, min_households=0))
    assert list(plan["codes"]) == [("U4",), ("U2",), ("U1",), ("U3",)]
    assert bundles.annual_fee_income(1000, 1.2, 0.9) == pytest.approx(12960.0)


def test_bundles_never_cross_streets():
    frame = estate_frame()
    frame.loc[frame["code"] == "U2", "street_code"] = SB
    plan, _ = bundles.make_bundles(frame[~frame["managed"]], bundles.BundleSettings(
        max_distance_m=400))
    assert sorted(plan["codes"]) == [("U1",), ("U2",), ("U3",), ("U4",)]


GRADES = pd.DataFrame({"company_code": ["K1", "K2", "K3"],
                       "assessment_score": [95.0, 80.0, 70.0],
                       "grade": ["excellent", "qualified", "unqualified"]})


def test_candidate_companies_best_grade_first():
    frame = estate_frame()
    unmanaged, managed = frame[~frame["managed"]], frame[frame["managed"]]
    settings = bundles.BundleSettings(max_distance_m=400, radius_m=1000)
    _, members = bundles.make_bundles(unmanaged, settings)
    found = bundles.candidate_companies(members, unmanaged, managed, GRADES, settings)
    assert list(found["bundle"]) == [f"{SA}-2", f"{SA}-2"]           # SA-1 has none nearby
    assert list(found["company_code"]) == ["K1", "K2"]
    assert list(found["distance_m"]) == pytest.approx([math.hypot(100, 100), 500], abs=0.01)
    # the grade decides before the distance: make the nearer company the worse one
    swapped = GRADES.assign(grade=["qualified", "excellent", "unqualified"],
                            assessment_score=[80.0, 95.0, 70.0])
    found = bundles.candidate_companies(members, unmanaged, managed, swapped, settings)
    assert list(found["company_code"]) == ["K2", "K1"]
    wide = bundles.BundleSettings(max_distance_m=400, radius_m=3500)
    found = bundles.candidate_companies(members, unmanaged, managed, GRADES, wide)
    first = found[found["bundle"] == f"{SA}-1"]
    assert list(first["company_code"]) == ["K1", "K2", "K3"]
    assert list(first["grade"]) == ["excellent", "qualified", "unqualified"]
    assert list(first["distance_m"]) == pytest.approx(
        [math.hypot(1900, 100), math.hypot(2000, 500), 3000], abs=0.01)
    # an unassessed company comes after the graded ones
    found = bundles.candidate_companies(members, unmanaged, managed, GRADES.iloc[1:], wide)
    assert list(found.loc[found["bundle"] == f"{SA}-1", "company_code"]) == ["K2", "K3", "K1"]


def test_bundle_shapes_cover_their_estates():
    frame = estate_frame()
    unmanaged = frame[~frame["managed"]]
    settings = bundles.BundleSettings(max_distance_m=400, buffer_m=60)
    plan, members = bundles.make_bundles(unmanaged, settings)
    shapes = bundles.bundle_shapes(members, unmanaged, settings)
    metric = shapes.to_crs("EPSG:32651").set_index("bundle")
    # a bundle of one is a 60 m circle; the chain is a 600 m segment buffered by 60 m
    assert metric.loc[f"{SA}-1"].geometry.area == pytest.approx(math.pi * 60 ** 2, rel=0.02)
    assert metric.loc[f"{SA}-2"].geometry.area == pytest.approx(
        600 * 120 + math.pi * 60 ** 2, rel=0.02)
    collection = bundles.bundles_geojson(plan, shapes)
    assert [f["properties"]["bundle"] for f in collection["features"]] == [f"{SA}-1",
                                                                          f"{SA}-2"]
    assert collection["features"][1]["properties"]["names"] == ["东山楼院", "<b>x</b>&amp;",
                                                                "西河小区"]


# --- data access on the hand-made town ------------------------------------------------------------

def test_estates_in_december(town):
    assert coverage.as_of_month(town, Filters("2025")) == "2025-12"
    assert coverage.as_of_month(town, Filters("2025-Q2")) == "2025-06"
    assert coverage.as_of_month(town, Filters("2026")) is None
    frame = coverage.estates(town, EVERYTHING, Filters("2025"), "2025-12")
    assert list(frame["code"]) == ["M1", "M2", "M3", "U1", "U2", "U3", "U4"]
    by_code = frame.set_index("code")
    assert list(frame.loc[~frame["managed"], "code"]) == ["U1", "U2", "U3", "U4"]
    assert by_code.loc["U3", "management_mode"] == "self"
    assert by_code.loc["M3", "management_mode"] == "bundle"
    assert by_code.loc["M1", "company_name"] == "甲物业"
    assert pd.isna(by_code.loc["U4", "company_code"])
    assert list(by_code.loc[["M1", "M2", "M3"], "grade"]) == ["excellent", "qualified",
                                                             "unqualified"]
    assert by_code.loc["U1", "grade"] is None
    assert list(frame.loc[frame["old"], "code"]) == ["U1", "U2", "U4"]
    # in June U4 was still managed by K1
    june = coverage.estates(town, EVERYTHING, Filters("2025"), "2025-06").set_index("code")
    assert june.loc["U4", "management_mode"] == "professional"
    assert june.loc["U4", "company_code"] == "K1"
    # the street filter
    only_b = coverage.estates(town, EVERYTHING, Filters("2025", district=DA, street=SB),
                              "2025-12")
    assert list(only_b["code"]) == ["M3"]


def test_unmanaged_since_and_months(town):
    since = coverage.unmanaged_since(town, EVERYTHING, DEC, "2025-12")
    ends = dict(zip(since["estate_id"], since["last_end_month"]))
    assert ends == {1: "2024-06", 4: "2025-09"}
    assert coverage.unmanaged_months("2024-06", "2025-12") == 18
    assert coverage.unmanaged_months("2025-09", "2025-12") == 3
    assert coverage.unmanaged_months(None, "2025-12") is None
    # in September U4's contract has not ended yet
    september = coverage.unmanaged_since(town, EVERYTHING, DEC, "2025-09")
    assert dict(zip(september["estate_id"], september["last_end_month"])) == {1: "2024-06"}


def test_street_coverage_and_company_grades(town):
    streets = coverage.street_coverage(town, EVERYTHING, DEC, "2025-12").set_index("code")
    assert streets.loc[SA, "coverage_rate"] == pytest.approx(2 / 6)
    assert streets.loc[SA, "coverage_rate_households"] == pytest.approx(800 / 1530)
    assert streets.loc[SA, "unmanaged_estates"] == 4
    assert streets.loc[SB, "coverage_rate"] == 1.0
    grades = coverage.company_grades(town, EVERYTHING, "2025-12").set_index("company_code")
    assert grades.loc["K1", "assessment_score"] == pytest.approx(95.0)
    assert list(grades.loc[["K1", "K2", "K3"], "grade"]) == ["excellent", "qualified",
                                                            "unqualified"]
    shapes, districts = coverage.area_shapes(town, EVERYTHING, DEC)
    assert list(shapes["code"]) == [SA, SB]
    assert shapes.loc[0, "geometry"]["type"] == "Polygon"
    assert list(districts["code"]) == [DA]


def test_coverage_trend_city_and_by_street(town):
    trend = coverage.coverage_trend(town, EVERYTHING, Filters("2025"), "quarter")
    total = trend[trend["level"] == "total"].set_index("bucket")
    assert total.loc["2025-Q2", "coverage_rate"] == pytest.approx(4 / 7)
    assert total.loc["2025-Q3", "coverage_rate"] == pytest.approx(4 / 7)
    assert total.loc["2025-Q4", "coverage_rate"] == pytest.approx(3 / 7)
    assert total.loc["2025-Q4", "unmanaged_estates"] == 4
    assert total.loc["2025-Q2", "unmanaged_estates"] == 3
    assert total.loc["2025-Q4", "coverage_rate_households"] == pytest.approx(1000 / 1730)
    # the same numbers as the registry's series
    series = queries.kpi_series(town, EVERYTHING, Filters("2025"), "quarter")
    assert list(total["coverage_rate"]) == pytest.approx(list(series["coverage_rate"]))
    districts = trend[trend["level"] == "district"]
    assert set(districts["area_code"]) == {DA}
    streets = coverage.coverage_trend(town, EVERYTHING, Filters("2025", district=DA),
                                      "quarter")
    sa = streets[streets["area_code"] == SA].set_index("bucket")
    assert sa.loc["2025-Q4", "coverage_rate"] == pytest.approx(2 / 6)
    assert sa.loc["2025-Q1", "coverage_rate"] == pytest.approx(3 / 6)


# --- the reads on both databases: the same frames as from the projects' rows ---------------------

def _frame_of(engine, statement) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


def _assessed_by_projects(engine, scope, month):
    """The latest quarter up to ``month`` with projects in scope, from project_quarter."""
    projects = _frame_of(engine, select(project_quarter.c.quarter).where(
        area_clause(project_quarter.c.street_id, scope)))
    quarter = f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    quarters = sorted(q for q in projects["quarter"] if q <= quarter)
    return quarters[-1] if quarters else None


def _estates_by_rows(engine, scope, filters, month) -> pd.DataFrame:
    """coverage.estates the plain way: one joined row per estate, every project row of
    the quarter, summed and graded in pandas by the whole registry."""
    em = estate_month
    frame = _frame_of(engine, select(
        estate.c.id.label("estate_id"), estate.c.code, estate.c.name, estate.c.longitude,
        estate.c.latitude, em.c.households, estate.c.floor_area_m2, estate.c.build_year,
        estate.c.fee_yuan_m2_month, em.c.management_mode,
        company.c.code.label("company_code"), company.c.name.label("company_name"),
        street.c.code.label("street_code"), street.c.name.label("street_name"),
        street.c.name_en.label("street_name_en"), district.c.code.label("district_code"),
        district.c.name.label("district_name"), district.c.name_en.label("district_name_en"))
        .select_from(estate.join(em, and_(em.c.estate_id == estate.c.id, em.c.month == month))
                     .join(street, street.c.id == estate.c.street_id)
                     .join(district, district.c.id == street.c.district_id)
                     .outerjoin(company, company.c.id == em.c.company_id))
        .where(area_clause(estate.c.street_id, scope, filters)))
    if frame.empty:
        return pd.DataFrame(columns=coverage.ESTATE_COLUMNS)
    quarter = _assessed_by_projects(engine, scope, month)
    pq = project_quarter
    projects = _frame_of(engine, select(pq.c.estate_id, pq.c.households, pq.c.score).where(
        and_(pq.c.quarter == quarter, area_clause(pq.c.street_id, scope, filters))))
    sums = pd.DataFrame({"estate_id": projects["estate_id"],
                         "score_weighted": projects["households"] * projects["score"],
                         "score_weight": projects["households"].astype(float)})
    graded = metrics.evaluate(sums.groupby("estate_id", as_index=False).sum())
    frame = frame.merge(graded[["estate_id", "assessment_score", "grade"]], on="estate_id",
                        how="left").sort_values("code", ignore_index=True)
    frame["grade"] = frame["grade"].astype(object).where(frame["grade"].notna(), None)
    frame["managed"] = frame["management_mode"].isin(MANAGED_MODES)
    frame["old"] = frame["build_year"].notna() & (frame["build_year"] < 2006)
    return frame[coverage.ESTATE_COLUMNS]


def _company_grades_by_projects(engine, scope, month) -> pd.DataFrame:
    quarter = _assessed_by_projects(engine, scope, month)
    pq = project_quarter
    rows = _frame_of(engine, select(company.c.code.label("company_code"),
                                    company.c.name.label("company_name"), pq.c.households,
                                    pq.c.score)
                     .select_from(pq.join(company, company.c.id == pq.c.company_id))
                     .where(and_(pq.c.quarter == quarter, area_clause(pq.c.street_id, scope))))
    if rows.empty:
        return pd.DataFrame(columns=coverage.COMPANY_GRADE_COLUMNS)
    sums = pd.DataFrame({"company_code": rows["company_code"],
                         "score_weighted": rows["households"] * rows["score"],
                         "score_weight": rows["households"].astype(float)})
    graded = metrics.evaluate(sums.groupby("company_code", as_index=False).sum())
    names = rows.drop_duplicates("company_code")[["company_code", "company_name"]]
    return (names.merge(graded, on="company_code").assign(quarter=quarter)
            .sort_values("company_code", ignore_index=True)[coverage.COMPANY_GRADE_COLUMNS])


#: (scope, filters) of the fixture city: whole districts (the roll-ups serve them) and
#: streets (they do not)
CITY_VIEWS = ((EVERYTHING, Filters("2024")), (EVERYTHING, Filters("2024", D1)),
              (EVERYTHING, Filters("2024", D1, S1)), (EVERYTHING, Filters("2024", D2)),
              (Scope(district_codes=frozenset({D1})), Filters("2024")),
              (Scope(street_codes=frozenset({S1, S3})), Filters("2024")))
CITY_MONTHS = ("2024-12", "2024-03", "2023-12")


def test_reads_equal_the_plain_reads_of_the_projects(fixture_engine):
    for (scope, filters), month in itertools.product(CITY_VIEWS, CITY_MONTHS):
        what = f"{scope} {filters} {month}"
        assert coverage.latest_assessed_quarter(fixture_engine, scope, month) == \
            _assessed_by_projects(fixture_engine, scope, month), what
        expected = _estates_by_rows(fixture_engine, scope, filters, month)
        if expected.empty:
            assert coverage.estates(fixture_engine, scope, filters, month).empty, what
        else:
            pd.testing.assert_frame_equal(
                coverage.estates(fixture_engine, scope, filters, month), expected, obj=what)
        expected = _company_grades_by_projects(fixture_engine, scope, month)
        if expected.empty:
            assert coverage.company_grades(fixture_engine, scope, month).empty, what
        else:
            pd.testing.assert_frame_equal(coverage.company_grades(fixture_engine, scope, month),
                                          expected, obj=what)


def test_estates_and_company_grades_of_the_fixture_city(fixture_engine):
    """Hand-worked (the comparison above proves the paths agree; these the figures)."""
    december = coverage.estates(fixture_engine, EVERYTHING, Filters("2024"), "2024-12")
    # E1 C1 professional, E2 street bundle with C2, E3 C1 (from April), E4 self-managed
    assert list(december["code"]) == ["E1", "E2", "E3", "E4"]
    assert list(december["management_mode"]) == ["professional", "bundle", "professional",
                                                 "self"]
    assert list(december["managed"]) == [True, True, True, False]
    # only 2024-Q1 was assessed: E1 (92 by the street, 80 by the owners) 86, E3 70
    assert list(december["assessment_score"].fillna(-1)) == pytest.approx([86, -1, 70, -1])
    assert list(december["grade"]) == ["qualified", None, "unqualified", None]
    assert list(december["street_code"]) == [S1, S1, S2, S3]
    grades = coverage.company_grades(fixture_engine, EVERYTHING, "2024-12")
    # the quarter's projects: E1 with C1, E3 with C2 (its company then)
    assert grades[["company_code", "assessment_score", "grade", "quarter"]].values.tolist() \
        == [["C1", 86.0, "qualified", "2024-Q1"], ["C2", 70.0, "unqualified", "2024-Q1"]]
    assert coverage.company_grades(fixture_engine, Scope(district_codes=frozenset({D2})),
                                   "2024-12").empty                    # D2: nothing assessed


def test_company_grades_read_the_district_rollup_for_whole_districts(fixture_engine):
    statements: list[str] = []

    def remember(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement.lower())

    event.listen(fixture_engine, "before_cursor_execute", remember)
    try:
        coverage.company_grades(fixture_engine, Scope(district_codes=frozenset({D1})),
                                "2024-12")
        sums = [sql for sql in statements if "group by" in sql]
        assert any("from street_quarter" in sql for sql in statements)
        assert len(sums) == 1 and "from company_district_quarter" in sums[0]
        statements.clear()
        coverage.company_grades(fixture_engine, Scope(street_codes=frozenset({S1})),
                                "2024-12")
        sums = [sql for sql in statements if "group by" in sql]
        assert len(sums) == 1 and "from project_quarter" in sums[0]
    finally:
        event.remove(fixture_engine, "before_cursor_execute", remember)


# --- the map --------------------------------------------------------------------------------------

def _town_map(town, lang="zh", settings=None, bundle_collection=None) -> folium.Map:
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    streets, districts = coverage.area_shapes(town, EVERYTHING, DEC)
    streets = streets.merge(coverage.street_coverage(town, EVERYTHING, DEC, "2025-12"),
                            on="code", how="left")
    return maps.build_coverage_map(frame, streets, districts, lang, settings,
                                   bundle_collection)


def _script(fmap: folium.Map) -> str:
    from streamlit_folium import _get_map_string

    fmap.render()
    return _get_map_string(fmap)


def test_map_is_offline_and_escapes_names(town):
    fmap = _town_map(town)
    assert maps.external_links(fmap) == []
    script = _script(fmap)
    assert "<b>x</b>" not in script
    assert "&lt;b&gt;x&lt;/b&gt;&amp;amp;" in script       # shown as the characters <b>x</b>&amp;
    assert "http" not in script.replace("http://www.w3.org", "")
    # layers: three street bases, districts, estates, old, unmanaged; no tiles
    names = [child.layer_name for child in fmap._children.values()
             if isinstance(child, maps.DataLayer)]
    assert names == ["街道覆盖率（按小区数）", "街道覆盖率（按户数）", "仅街道边界", "区县边界",
                     "小区（按管理方式）", "老旧小区（2006年前建成）", "脱管小区"]
    assert not any(isinstance(c, folium.TileLayer) for c in fmap._children.values())
    english = _town_map(town, "en")
    assert [c.layer_name for c in english._children.values()
            if isinstance(c, maps.DataLayer)][-1] == "Unmanaged estates"
    assert "Management" in english._children[next(
        k for k, c in english._children.items() if isinstance(c, maps.Legend))].html


def test_estate_rows_for_the_browser(town):
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    data = maps.estate_data(frame)
    rows = {row[0]: dict(zip(maps.ESTATE_ROW, row)) for row in data["rows"]}
    assert rows["U2"]["name"] == "&lt;b&gt;x&lt;/b&gt;&amp;amp;"
    assert data["companies"][rows["M1"]["company"]] == "甲物业"
    assert rows["U1"]["company"] == -1
    assert (rows["U1"]["managed"], rows["U1"]["old"]) == (0, 1)
    assert rows["M1"]["grade"] == "excellent" and rows["U1"]["grade"] == ""
    assert rows["M1"]["radius"] == maps.marker_radius(500) == 6.0
    assert rows["U1"]["lng"] == pytest.approx(frame.set_index("code").loc["U1", "longitude"],
                                              abs=1e-6)


def test_tiles_and_gcj02_shift(town, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[map]\ntile_url = "http://tiles.local/{z}/{x}/{y}.png"\n'
                       'tiles_crs = "GCJ-02"\n')
    settings = maps.MapSettings.from_environment({}, secrets)
    assert settings.tile_url == "http://tiles.local/{z}/{x}/{y}.png"
    assert settings.shift_to_gcj02
    from_env = maps.MapSettings.from_environment({"DASHBOARD_TILE_URL": "http://a/{z}/{x}/{y}",
                                                  "DASHBOARD_TILE_CRS": "wgs84"}, secrets)
    assert from_env.tile_url == "http://a/{z}/{x}/{y}" and not from_env.shift_to_gcj02
    assert not maps.MapSettings.from_environment({}, tmp_path / "none.toml").tile_url
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    shifted = maps.estate_data(frame, shift=True)["rows"][0]
    expected = coverage.wgs84_to_gcj02(frame.loc[0, "longitude"], frame.loc[0, "latitude"])
    assert shifted[1:3] == pytest.approx([round(v, 6) for v in expected])
    fmap = _town_map(town, settings=settings)
    tiles = [c for c in fmap._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and tiles[0].tiles == settings.tile_url


def test_map_text_is_never_a_template(town):
    """Names go into the page as they are: a name that looks like Jinja syntax neither
    breaks the map nor is evaluated (folium compiles each element's output as a
    template; the data scripts bypass that)."""
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    frame.loc[frame["code"] == "U1", "name"] = "{{ 7 * 7 }}"
    frame.loc[frame["code"] == "U3", "name"] = "{% if %}"
    streets, districts = coverage.area_shapes(town, EVERYTHING, DEC)
    fmap = maps.build_coverage_map(frame, streets, districts, "zh")
    page = fmap.get_root().render()
    assert '"{{ 7 * 7 }}"' in page and '"{% if %}"' in page
    assert '"{{ 7 * 7 }}"' in _script(maps.build_coverage_map(frame, streets, districts, "zh"))


def test_map_assembled_from_its_cached_data(town):
    """The page caches map_data and assembles the map on each run: the same map."""
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    streets, districts = coverage.area_shapes(town, EVERYTHING, DEC)
    data = maps.map_data(frame, streets, districts, "en")
    assert data.estate_count == 7 and data.bundles_js is None
    assert json.loads(data.estates_js) == maps.estate_data(frame)
    assert [f["id"] for f in json.loads(data.streets_js)["features"]] == [SA, SB]
    one_shot = maps.build_coverage_map(frame, streets, districts, "en")
    assert _ids_removed(_script(maps.coverage_map(data, "en"))) == \
        _ids_removed(_script(one_shot))


def _ids_removed(script: str) -> str:
    """A map script without folium's random element ids."""
    return re.sub(r"[0-9a-f]{32}", "", script)


def test_unknown_cdn_assets_are_refused(town):
    fmap = _town_map(town)
    from folium.plugins import MarkerCluster

    MarkerCluster().add_to(fmap)
    with pytest.raises(ValueError, match="not served offline"):
        maps.localize_assets(fmap)


# --- selection, tables and exports ------------------------------------------------------------------

def test_clicked_code_from_tooltip_or_position():
    frame = estate_frame()
    codes = set(frame["code"])
    # the text streamlit-folium returns for a clicked estate's tooltip
    tooltip = "小区  <b>x</b>&amp; 编号  U2 物业企业  无 管理方式  无物业 "
    assert clicked_code({"last_object_clicked_tooltip": tooltip,
                         "last_object_clicked": {"lat": 0, "lng": 0}}, codes, frame) == "U2"
    # a street's tooltip selects nothing
    assert clicked_code({"last_object_clicked_tooltip": "街道\t甲街道",
                         "last_object_clicked": {"lat": 0, "lng": 0}}, codes, frame) is None
    lng, lat = lonlat(2000, 5)
    assert clicked_code({"last_object_clicked": {"lat": lat, "lng": lng}}, codes, frame) == "U4"
    assert clicked_code(None, codes, frame) is None


def test_unmanaged_table_and_card(town):
    frame = coverage.estates(town, EVERYTHING, DEC, "2025-12")
    nearest = bundles.nearest_managed(frame[~frame["managed"]], frame[frame["managed"]], 2)
    since = coverage.unmanaged_since(town, EVERYTHING, DEC, "2025-12")
    table = unmanaged_table(frame, nearest, since, "2025-12", "zh")
    assert list(table["小区"]) == ["南湖新村", "<b>x</b>&amp;", "东山楼院", "西河小区"]
    assert list(table["户数"]) == [400, 150, 100, 80]
    assert list(table["脱管时长"]) == ["3 个月", "数据中从未有物业", "18 个月", "数据中从未有物业"]
    assert list(table["管理方式"]) == ["无物业", "无物业", "无物业", "业主自管"]
    assert table.loc[2, "最近的有物业小区（企业，距离）"] == \
        "海景花园（甲物业，141 米）；青年家园（乙物业，500 米）"
    english = unmanaged_table(frame, nearest, since, "2025-12", "en")
    assert english.loc[0, "Unmanaged for"] == "3 months"
    assert english.loc[0, "Nearest managed estates (company, distance)"] == \
        "海景花园 (甲物业, 1.9 km); 青年家园 (乙物业, 2.1 km)"
    assert format_distance(999.4, "zh") == "999 米" and format_distance(1500, "en") == "1.5 km"
    row = frame.set_index("code").loc["U2"].to_dict() | {"code": "U2"}
    card = estate_card_html(row, "zh", "数据中从未有物业", ["海景花园（甲物业，316 米）"])
    assert "&lt;b&gt;x&lt;/b&gt;&amp;amp;" in card and "<b>x</b>" not in card
    assert 'href="/estate?estate=U2"' in card


def test_bundle_table_and_exports(town, tmp_path):
    frame = estate_frame()
    unmanaged, managed = frame[~frame["managed"]], frame[frame["managed"]]
    settings = bundles.BundleSettings(max_distance_m=400, min_households=350, radius_m=1000)
    plan, members = bundles.make_bundles(unmanaged, settings)
    candidates = bundles.candidate_companies(members, unmanaged, managed, GRADES, settings)
    names = {SA: "甲街道"}
    table = bundle_table(plan, candidates, names, "zh")
    assert list(table["片区"]) == [f"{SA}-1", f"{SA}-2"]
    assert list(table["可行"]) == ["是", "否"]
    assert table.loc[1, "包含小区"] == "东山楼院、<b>x</b>&amp;、西河小区"
    assert table.loc[1, "候选企业（等级，距离）"] == "甲物业（优秀，141 米）；乙物业（合格，500 米）"
    assert list(bundle_table(plan, candidates, names, "zh", only_viable=True)["片区"]) == [
        f"{SA}-1"]
    workbook = tmp_path / "bundles.xlsx"
    workbook.write_bytes(bundles_xlsx(table, "筛选条件：2025年12月 · 全市", "参数：…"))
    read = pd.read_excel(workbook, header=None)
    assert read.iloc[0, 0] == "筛选条件：2025年12月 · 全市"
    assert list(read.iloc[3, :3]) == ["片区", "街道", "小区数"]
    assert read.iloc[5, 0] == f"{SA}-2"
    shapes = bundles.bundle_shapes(members, unmanaged, settings)
    collection = json.loads(bundles_geojson_bytes(plan, shapes, candidates, "zh", "筛选", "参数"))
    assert collection["type"] == "FeatureCollection"
    second = collection["features"][1]["properties"]
    assert second["households"] == 330 and second["viable"] is False
    assert [c["company_code"] for c in second["candidates"]] == ["K1", "K2"]
    assert collection["description"] == "筛选"


def test_trend_table_formats_registry_values(town):
    trend = coverage.coverage_trend(town, EVERYTHING, Filters("2025"), "quarter")
    table = trend_table(trend, {DA: "测试区"}, "全市合计", "zh")
    last_total = table[(table["区域"] == "全市合计") & (table["统计期"] == "2025年第四季度")]
    assert last_total.iloc[0]["专业物业覆盖率"] == "42.9%"      # 3/7
    assert last_total.iloc[0]["脱管小区"] == "4"
    assert set(table["区域"]) == {"全市合计", "测试区"}
