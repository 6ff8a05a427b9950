"""Reads of the coverage page: estates on the map, street and district shapes, street
coverage, how long unmanaged estates have been unmanaged, company grades, coverage
trends — plus the WGS84 → GCJ-02 shift for Chinese tile servers.

Every query takes the viewer's :class:`Scope` and the :class:`Filters` and applies them
with :func:`area_clause`. An estate's management mode and company are those of the
summary table ``estate_month`` in the *as-of month* (the last month of the period that
has data), so the map agrees with the registry's coverage metrics of the same period.
Unmanaged means "not managed": neither a company nor a street bundle
(:data:`MANAGED_MODES`), as in the ``unmanaged_estates`` metric; self-managed estates
(自管) are unmanaged too.

Metric values (coverage rates, scores, grades) come from :func:`metrics.evaluate` over
component sums, never from a formula written here.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, select

from data_access import metrics, queries, rollups
from data_access.filters import Filters, Scope, area_clause
from data_access.frames import read_frame
from data_access.periods import quarter_of_month
from data_access.schema import (
    MANAGED_MODES,
    company,
    company_district_quarter,
    contract,
    district,
    estate,
    estate_month,
    project_quarter,
    street,
    street_quarter,
)

#: build year before which an estate counts as old (built before the end of 2005)
OLD_ESTATE_BEFORE = 2006

ESTATE_COLUMNS = [
    "estate_id", "code", "name", "longitude", "latitude", "households",
    "floor_area_m2", "build_year", "fee_yuan_m2_month", "management_mode", "managed",
    "company_code", "company_name", "street_code", "street_name", "street_name_en",
    "district_code", "district_name", "district_name_en", "old", "assessment_score",
    "grade",
]


# --- the month the map shows ---------------------------------------------------------------

def as_of_month(engine: Engine, filters: Filters) -> str | None:
    """The last month of the filters' period that has data, or None (no data then)."""
    span = queries.data_months(engine)
    if span is None:
        return None
    period = filters.period_obj
    last = min(period.last_month, span[1])
    if last < period.first_month or last < span[0]:
        return None
    return last


def latest_assessed_quarter(engine: Engine, scope: Scope, month: str) -> str | None:
    """The latest quarter, up to the quarter of ``month``, with assessed projects in scope
    (read from the street × quarter roll-up, which has a row wherever projects were)."""
    sq = street_quarter
    statement = select(func.max(sq.c.quarter)).where(and_(
        area_clause(sq.c.street_id, scope), sq.c.quarter <= quarter_of_month(month)))
    with engine.connect() as conn:
        return conn.execute(statement).scalar()


def _score_and_grade(components: pd.DataFrame) -> pd.DataFrame:
    """``components`` (score_weighted, score_weight; NaN = no project) with the registry's
    assessment_score and grade added. Only those two metrics: :func:`metrics.evaluate`
    computes every metric, which costs more than the read on 20,000 estates."""
    return metrics.evaluate_frame(
        components, (metrics.get("assessment_score"), metrics.get("grade")),
        ("score_weighted", "score_weight"))


# --- estates -------------------------------------------------------------------------------

_ESTATE_READ = ["estate_id", "code", "name", "longitude", "latitude", "households",
                "floor_area_m2", "build_year", "fee_yuan_m2_month", "management_mode",
                "company_id", "street_id"]
_COMPANY_READ = ["company_id", "company_code", "company_name"]
_STREET_READ = ["street_id", "street_code", "street_name", "street_name_en",
                "district_code", "district_name", "district_name_en"]


def estates(engine: Engine, scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    """Every estate in scope ∩ the filters' area with its state in ``month``, ordered by
    code.

    Columns: :data:`ESTATE_COLUMNS`. ``grade``/``assessment_score`` are the estate's
    project grade in the latest assessed quarter up to ``month`` (None / NaN when it was
    not assessed then); ``old`` is True for estates built before 2006.
    """
    em, pq = estate_month, project_quarter
    estate_statement = (
        select(estate.c.id, estate.c.code, estate.c.name, estate.c.longitude,
               estate.c.latitude, em.c.households, estate.c.floor_area_m2,
               estate.c.build_year, estate.c.fee_yuan_m2_month, em.c.management_mode,
               em.c.company_id, em.c.street_id)
        .select_from(estate.join(em, and_(em.c.estate_id == estate.c.id, em.c.month == month)))
        # the month's street (the estate's): lets a street or district filter use the
        # (street, month) index instead of reading the whole month
        .where(area_clause(em.c.street_id, scope, filters)))
    # Street, district and company names come from small lookups: joined in SQL they
    # would be converted once per estate.
    company_statement = select(company.c.id, company.c.code, company.c.name)
    street_statement = (
        select(street.c.id, street.c.code, street.c.name, street.c.name_en, district.c.code,
               district.c.name, district.c.name_en)
        .join(district, district.c.id == street.c.district_id)
        .where(area_clause(street.c.id, scope, filters)))
    quarter = latest_assessed_quarter(engine, scope, month)
    # An estate has at most one project a quarter (the key of project_quarter), so its
    # score components are that project's households × score and households. Read by
    # quarter (a range of the covering index on project_quarter's quarter), not joined
    # to the estates (two index searches per estate).
    score_statement = (
        select(pq.c.estate_id, pq.c.households * pq.c.score, pq.c.households)
        .where(and_(pq.c.quarter == quarter, area_clause(pq.c.street_id, scope, filters))))
    with engine.connect() as conn:
        frame = read_frame(conn, estate_statement, _ESTATE_READ)
        if frame.empty:
            return pd.DataFrame(columns=ESTATE_COLUMNS)
        streets = read_frame(conn, street_statement, _STREET_READ)
        companies = read_frame(conn, company_statement, _COMPANY_READ)
        score_columns = ["estate_id", "score_weighted", "score_weight"]
        scores = (read_frame(conn, score_statement, score_columns) if quarter is not None
                  else pd.DataFrame(columns=score_columns))
    # Sorted here, not in SQL: the same (code point) order on every backend, and cheaper
    # than PostgreSQL's collation-aware sort (tens of milliseconds at province scale).
    frame = (frame.sort_values("code", ignore_index=True)
             .merge(streets, on="street_id", how="left")
             .merge(scores, on="estate_id", how="left"))
    named = companies.set_index("company_id")
    for column in ("company_code", "company_name"):
        # None, not NaN, for an estate without a company (as an outer join gives)
        frame[column] = frame["company_id"].map(named[column]).astype(object)
        frame.loc[frame[column].isna(), column] = None
    scored = _score_and_grade(frame[["score_weighted", "score_weight"]])
    frame["assessment_score"] = scored["assessment_score"]
    frame["grade"] = scored["grade"].astype(object).where(scored["grade"].notna(), None)
    frame["managed"] = frame["management_mode"].isin(MANAGED_MODES)
    frame["old"] = frame["build_year"].notna() & (frame["build_year"] < OLD_ESTATE_BEFORE)
    return frame[ESTATE_COLUMNS]


def unmanaged_since(engine: Engine, scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    """When each estate's last contract ended, up to ``month``.

    Columns: estate_id, last_end_month (the last month a contract served, before
    ``month``; None when no contract ended by then). An unmanaged estate with no such
    month was never managed in the data.
    """
    statement = (select(contract.c.estate_id,
                        func.max(contract.c.end_month).label("last_end_month"))
                 .select_from(contract.join(estate, estate.c.id == contract.c.estate_id))
                 .where(and_(area_clause(estate.c.street_id, scope, filters),
                             contract.c.end_month.is_not(None),
                             contract.c.end_month < month))
                 .group_by(contract.c.estate_id))
    with engine.connect() as conn:
        return read_frame(conn, statement, ["estate_id", "last_end_month"])


def months_between(first: str, last: str) -> int:
    """Whole months from ``first`` to ``last`` (2023-01 → 2023-04 is 3)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def unmanaged_months(last_end_month: str | None, month: str) -> int | None:
    """Months an estate has been unmanaged at ``month`` when its last contract served
    through ``last_end_month`` (None: never managed in the data)."""
    if not last_end_month or (isinstance(last_end_month, float) and math.isnan(last_end_month)):
        return None
    return months_between(last_end_month, month)


# --- companies -----------------------------------------------------------------------------

COMPANY_GRADE_COLUMNS = ["company_code", "company_name", "assessment_score", "grade",
                         "quarter"]


def company_grades(engine: Engine, scope: Scope, month: str) -> pd.DataFrame:
    """Each company's household-weighted assessment score and grade over its projects in
    scope, in the latest assessed quarter up to ``month``, ordered by company code.

    Columns: :data:`COMPANY_GRADE_COLUMNS`. Summed per company in SQL: from the company ×
    district roll-up when the scope is whole districts, from the projects otherwise.
    """
    quarter = latest_assessed_quarter(engine, scope, month)
    if quarter is None:
        return pd.DataFrame(columns=COMPANY_GRADE_COLUMNS)
    if rollups.serves(scope):
        cdq = company_district_quarter
        source, company_id = cdq, cdq.c.company_id
        sums = (func.sum(cdq.c.score_weighted), func.sum(cdq.c.score_weight))
        condition = and_(cdq.c.quarter == quarter,
                         rollups.area_condition(cdq.c.district_id, scope))
    else:
        pq = project_quarter
        source, company_id = pq, pq.c.company_id
        sums = (func.sum(pq.c.households * pq.c.score), func.sum(pq.c.households))
        condition = and_(pq.c.quarter == quarter, area_clause(pq.c.street_id, scope))
    statement = (select(company.c.code, company.c.name, *sums)
                 .select_from(source.join(company, company.c.id == company_id))
                 .where(condition)
                 .group_by(company.c.id, company.c.code, company.c.name)
                 .order_by(company.c.code))
    with engine.connect() as conn:
        sums_frame = read_frame(conn, statement, ["company_code", "company_name",
                                              "score_weighted", "score_weight"])
    if sums_frame.empty:
        return pd.DataFrame(columns=COMPANY_GRADE_COLUMNS)
    scored = _score_and_grade(sums_frame[["score_weighted", "score_weight"]])
    return sums_frame[["company_code", "company_name"]].assign(
        assessment_score=scored["assessment_score"], grade=scored["grade"],
        quarter=quarter)[COMPANY_GRADE_COLUMNS]


# --- shapes and street coverage -------------------------------------------------------------

def area_shapes(engine: Engine, scope: Scope, filters: Filters) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """(streets, districts) in scope ∩ the filters' area with their GeoJSON geometry.

    streets: code, name, name_en, district_code, geometry (dict or None);
    districts: code, name, name_en, geometry — the districts holding those streets.
    """
    streets_statement = (
        select(street.c.code, street.c.name, street.c.name_en,
               district.c.code.label("district_code"), street.c.geometry_geojson)
        .join(district, district.c.id == street.c.district_id)
        .where(area_clause(street.c.id, scope, filters)).order_by(street.c.code))
    with engine.connect() as conn:
        streets = read_frame(conn, streets_statement, ["code", "name", "name_en",
                                                   "district_code", "geometry_geojson"])
        codes = sorted(set(streets["district_code"]))
        districts = read_frame(conn, select(district.c.code, district.c.name, district.c.name_en,
                                        district.c.geometry_geojson)
                           .where(district.c.code.in_(codes)).order_by(district.c.code),
                           ["code", "name", "name_en", "geometry_geojson"])
    for frame in (streets, districts):
        frame["geometry"] = frame.pop("geometry_geojson").map(_parse_geometry)
    return streets, districts


def _parse_geometry(text: Any) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) and "coordinates" in value else None


def street_coverage(engine: Engine, scope: Scope, filters: Filters, month: str) -> pd.DataFrame:
    """Coverage metrics per street in ``month`` (from street_month, via the registry).

    Columns: code, estates, households, managed_estates, managed_households,
    unmanaged_estates, coverage_rate, coverage_rate_households.
    """
    monthly = queries.monthly_sums(engine, scope, filters, month, month, "street")
    components = queries.components_by_bucket(monthly, "month", ("group_code",))
    evaluated = metrics.evaluate(components).rename(columns={"group_code": "code"})
    columns = ["code", "estates", "households", "managed_estates", "managed_households",
               "unmanaged_estates", "coverage_rate", "coverage_rate_households"]
    if evaluated.empty:
        return pd.DataFrame(columns=columns)
    return evaluated[columns].reset_index(drop=True)


# --- trends --------------------------------------------------------------------------------

TREND_KEYS = ("coverage_rate", "coverage_rate_households", "unmanaged_estates")


def coverage_trend(engine: Engine, scope: Scope, filters: Filters,
                   grain: queries.Grain = "quarter") -> pd.DataFrame:
    """Coverage metrics over the whole history: the selected area and each district in it
    (each street when a district is selected; the street alone when a street is).

    Long frame: bucket, last_month, area_code ("" for the selected area as a whole),
    level ("total", "district" or "street"), estates, managed_estates, unmanaged_estates,
    coverage_rate, coverage_rate_households.
    """
    columns = ["bucket", "last_month", "area_code", "level", "estates", "managed_estates",
               "unmanaged_estates", *TREND_KEYS[:2]]
    span = queries.data_months(engine)
    if span is None:
        return pd.DataFrame(columns=columns)
    total = queries.kpi_series(engine, scope, filters, grain)
    parts = [total.assign(area_code="", level="total")] if not total.empty else []
    breakdown = "street" if (filters.district or filters.street) else "district"
    monthly = queries.monthly_sums(engine, scope, filters, span[0], span[1], breakdown)
    by_area = metrics.evaluate(queries.components_by_bucket(monthly, grain, ("group_code",)))
    if not by_area.empty and not filters.street:
        parts.append(by_area.rename(columns={"group_code": "area_code"}).assign(level=breakdown))
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    return frame[columns].sort_values(["level", "area_code", "bucket"]).reset_index(drop=True)


# --- WGS84 → GCJ-02 -------------------------------------------------------------------------

_GCJ_A = 6378245.0                     # Krasovsky 1940 semi-major axis
_GCJ_EE = 0.00669342162296594323       # its first eccentricity squared


def _gcj_delta_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_delta_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def outside_china(lng, lat):
    """True where a point lies outside the rough box where GCJ-02 applies."""
    lng, lat = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def wgs84_to_gcj02(lng, lat):
    """Shift WGS84 longitude/latitude (scalars or arrays) to GCJ-02 ("Mars") coordinates,
    the datum of Amap and Tencent tiles, with the public conversion formula. Points
    outside China are returned unchanged. Returns (lng, lat) of the same shape."""
    scalar = np.isscalar(lng) and np.isscalar(lat)
    lng_a, lat_a = np.asarray(lng, dtype=float), np.asarray(lat, dtype=float)
    x, y = lng_a - 105.0, lat_a - 35.0
    dlat, dlng = _gcj_delta_lat(x, y), _gcj_delta_lng(x, y)
    radlat = lat_a / 180.0 * np.pi
    magic = 1 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrtmagic) * np.pi)
    dlng = (dlng * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = outside_china(lng_a, lat_a)
    out_lng = np.where(outside, lng_a, lng_a + dlng)
    out_lat = np.where(outside, lat_a, lat_a + dlat)
    if scalar:
        return float(out_lng), float(out_lat)
    return out_lng, out_lat


def shift_geometry(geometry: dict | None) -> dict | None:
    """A GeoJSON geometry (dict) with every position shifted WGS84 → GCJ-02."""
    if geometry is None:
        return None

    def is_position(value) -> bool:
        return bool(value) and isinstance(value[0], (int, float))

    def shift(coords):
        # Arrays only of one position or one line of positions: the rings of a polygon
        # (and the polygons of a multipolygon) differ in length, so they are shifted
        # part by part.
        if is_position(coords):
            lng, lat = wgs84_to_gcj02(float(coords[0]), float(coords[1]))
            return [lng, lat, *coords[2:]]
        if coords and is_position(coords[0]):
            array = np.asarray(coords, dtype=float)
            lng, lat = wgs84_to_gcj02(array[:, 0], array[:, 1])
            return np.column_stack([lng, lat, array[:, 2:]]).tolist()
        return [shift(part) for part in coords]

    if geometry.get("type") == "GeometryCollection":
        return {**geometry, "geometries": [shift_geometry(g) for g in geometry["geometries"]]}
    return {**geometry, "coordinates": shift(geometry["coordinates"])}


__all__ = [
    "COMPANY_GRADE_COLUMNS", "ESTATE_COLUMNS", "OLD_ESTATE_BEFORE", "TREND_KEYS", "area_shapes",
    "as_of_month", "company_grades", "coverage_trend", "estates", "latest_assessed_quarter",
    "months_between", "outside_china", "shift_geometry", "street_coverage",
    "unmanaged_months", "unmanaged_since", "wgs84_to_gcj02",
]
