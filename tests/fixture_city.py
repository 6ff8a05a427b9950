"""A tiny hand-made city whose metrics are computed by hand in EXPECTED.

Data range 2024-01..2024-12. Two districts, three streets, four estates:

====  ======  ==========  ==========================================================
code  street  households  management over 2024
====  ======  ==========  ==========================================================
E1    S1      100         professional, company C1 all year; committee since 2020-06
E2    S1      300         unmanaged until June, street bundle with C2 from 2024-07;
                          committee formed 2024-08-20
E3    S2      200         professional: C2 until 2024-03, C1 from 2024-04;
                          committee (date unknown → counts throughout)
E4    S3      400         self-managed all year, no committee
====  ======  ==========  ==========================================================

Complaints: K1 (E1, received Mon 2024-09-30, answered 10-09, on time — the DOMAIN.md
example: due 2024-10-10), K2 (E1, same day, answered 10-11: late, still open), K3 (E2,
Mon 03-04, answered Thu 03-07 23:00: on time), K4 (E4, Thu 02-08 before Spring Festival,
answered Mon 02-19: on time, the 3rd working day counting the adjusted Sunday 02-18),
K5 (E3, 05-20, never answered, open), K6 (E3, 11-05, answered next day).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, delete

from data_access.loading import bulk_insert, derive_complaint_fields
from data_access.schema import (
    assessment,
    community,
    company,
    complaint,
    contract,
    district,
    estate,
    fee_month,
    meta,
    metadata,
    milestone,
    street,
    survey,
)
from data_access.summary import refresh_summaries

D1, D2 = "371002", "371003"
S1, S2, S3 = "371002001", "371002002", "371003001"

# Every figure below is worked out by hand from the rows in build_fixture_city.
EXPECTED = {
    ("2024", None, None): {
        # fees: paid 80+90+100+150+170+150 = 740 of billed 100+100+100+200+200+300 = 1000
        "payment_rate": 0.74,
        # surveys in 2024: E1 8/10 (month), E3 15/20 (quarter), E4 30/40 (year), E2 2/10
        "satisfaction_rate": 55 / 80,
        # 6 complaints, 1000 households, 12 months
        "complaint_rate": 6 / 1000,
        "complaints_per_1000": 6.0,
        "on_time_response_rate": 4 / 6,   # K1, K3, K4, K6
        "resolution_rate": 4 / 6,         # K1, K3, K4, K6
        "coverage_rate": 3 / 4,           # December: E1, E2 (bundle), E3
        "coverage_rate_households": 600 / 1000,
        "unmanaged_estates": 1,           # E4 self-managed: no company, no bundle
        "committee_rate": 3 / 4,          # E1, E2 (formed August), E3
        "assessment_score": (100 * 86 + 200 * 70) / 300,
        "grade": "qualified",
    },
    ("2024-Q1", None, None): {
        "payment_rate": 320 / 400,
        "satisfaction_rate": 23 / 30,     # E1 month + E3 quarter; E4's year survey excluded
        "complaint_rate": 2 / 1000 * 12 / 3,   # K3, K4
        "coverage_rate": 2 / 4,           # March: E1, E3 (C2)
        "unmanaged_estates": 2,           # E2 (unmanaged), E4 (self)
        "committee_rate": 2 / 4,          # E1, E3
    },
    ("2024-Q3", None, None): {
        "complaint_rate": 2 / 1000 * 12 / 3,   # K1, K2
        "on_time_response_rate": 1 / 2,
        "satisfaction_rate": None,        # no survey lies in Q3
    },
    ("2024-01", None, None): {
        "satisfaction_rate": 0.8,
        "payment_rate": 230 / 300,
        "complaint_rate": 0.0,
    },
    ("2024", D1, None): {
        "payment_rate": 740 / 1000,
        "complaint_rate": 5 / 600,
        "coverage_rate": 3 / 3,
        "unmanaged_estates": 0,
    },
    ("2024", D1, S1): {
        "payment_rate": 420 / 600,
        "satisfaction_rate": 10 / 20,
        "complaint_rate": 3 / 400,
    },
}


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def build_fixture_city(engine: Engine, *, demo_flag: bool = False) -> None:
    """Write the fixture rows (replacing everything) and refresh the summaries."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
        bulk_insert(conn, district, [
            {"id": 1, "code": D1, "name": "环翠区", "name_en": "Huancui"},
            {"id": 2, "code": D2, "name": "文登区", "name_en": "Wendeng"},
        ])
        bulk_insert(conn, street, [
            {"id": 1, "code": S1, "name": "海滨街道", "name_en": "Haibin", "district_id": 1,
             "synthetic": True},
            {"id": 2, "code": S2, "name": "青山街道", "name_en": "Qingshan", "district_id": 1,
             "synthetic": True},
            {"id": 3, "code": S3, "name": "龙山街道", "name_en": "Longshan", "district_id": 2,
             "synthetic": True},
        ])
        bulk_insert(conn, community, [
            {"id": 1, "code": "371002001001", "name": "海滨社区", "street_id": 1,
             "synthetic": True},
        ])
        bulk_insert(conn, company, [
            {"id": 1, "code": "C1", "name": "威海安居物业服务有限公司", "party_org": True},
            {"id": 2, "code": "C2", "name": "威海海岸物业服务有限公司", "party_org": False},
        ])
        common = {"fee_yuan_m2_month": 1.0, "party_org": False, "smart_star": 0,
                  "longitude": 122.1, "latitude": 37.5}
        bulk_insert(conn, estate, [
            {**common, "id": 1, "code": "E1", "name": "海景花园", "households": 100,
             "build_year": 1998, "management_mode": "professional", "company_id": 1,
             "owners_committee": True, "committee_formed_on": dt.date(2020, 6, 15),
             "street_id": 1, "community_id": 1, "floor_area_m2": 9000.0},
            {**common, "id": 2, "code": "E2", "name": "幸福家园", "households": 300,
             "build_year": 2003, "management_mode": "bundle", "company_id": 2,
             "owners_committee": True, "committee_formed_on": dt.date(2024, 8, 20),
             "street_id": 1, "floor_area_m2": 27000.0},
            {**common, "id": 3, "code": "E3", "name": "青年小区", "households": 200,
             "build_year": 2012, "management_mode": "professional", "company_id": 1,
             "owners_committee": True, "committee_formed_on": None,
             "street_id": 2, "floor_area_m2": 18000.0},
            {**common, "id": 4, "code": "E4", "name": "龙山新村", "households": 400,
             "build_year": 2010, "management_mode": "self", "company_id": None,
             "owners_committee": False, "committee_formed_on": None,
             "street_id": 3, "floor_area_m2": 36000.0},
        ])
        bulk_insert(conn, contract, [
            {"estate_id": 1, "company_id": 1, "mode": "professional", "start_month": "2023-06",
             "end_month": None},
            {"estate_id": 2, "company_id": 2, "mode": "bundle", "start_month": "2024-07",
             "end_month": None},
            {"estate_id": 3, "company_id": 2, "mode": "professional", "start_month": "2020-01",
             "end_month": "2024-03"},
            {"estate_id": 3, "company_id": 1, "mode": "professional", "start_month": "2024-04",
             "end_month": None},
        ])
        bulk_insert(conn, fee_month, [
            {"estate_id": 1, "month": "2024-01", "households_billed": 100, "households_paid": 80},
            {"estate_id": 1, "month": "2024-02", "households_billed": 100, "households_paid": 90},
            {"estate_id": 1, "month": "2024-07", "households_billed": 100, "households_paid": 100},
            {"estate_id": 3, "month": "2024-01", "households_billed": 200, "households_paid": 150},
            {"estate_id": 3, "month": "2024-04", "households_billed": 200, "households_paid": 170},
            {"estate_id": 2, "month": "2024-08", "households_billed": 300, "households_paid": 150},
        ])
        bulk_insert(conn, survey, [
            {"estate_id": 1, "period": "2024-01", "span": "month", "start_month": "2024-01",
             "end_month": "2024-01", "respondents": 10, "satisfied": 8},
            {"estate_id": 3, "period": "2024-Q1", "span": "quarter", "start_month": "2024-01",
             "end_month": "2024-03", "respondents": 20, "satisfied": 15},
            {"estate_id": 4, "period": "2024", "span": "year", "start_month": "2024-01",
             "end_month": "2024-12", "respondents": 40, "satisfied": 30},
            {"estate_id": 2, "period": "2024-05", "span": "month", "start_month": "2024-05",
             "end_month": "2024-05", "respondents": 10, "satisfied": 2},
        ])
        complaints = pd.DataFrame([
            ("K1", 1, 1, "2024-09-30 09:00", "2024-10-09 16:00", "2024-10-12 10:00", "tv",
             "elevators", "estate", True, "13800000001"),
            ("K2", 1, 1, "2024-09-30 10:00", "2024-10-11 09:00", None, "hotline", "fees",
             None, None, "13800000002"),
            ("K3", 2, None, "2024-03-04 10:00", "2024-03-07 23:00", "2024-03-10 12:00", "app",
             "parking", "community", False, "13800000003"),
            ("K4", 4, None, "2024-02-08 15:00", "2024-02-19 10:00", "2024-02-20 10:00",
             "walk_in", "water_leaks", "street", True, "13800000004"),
            ("K5", 3, 1, "2024-05-20 08:30", None, None, "street_office", "noise", None, None,
             "13800000005"),
            ("K6", 3, 1, "2024-11-05 14:00", "2024-11-06 09:00", "2024-11-07 18:00", "hotline",
             "cleaning", "estate", True, "13800000006"),
        ], columns=["code", "estate_id", "company_id", "received_at", "responded_at",
                    "resolved_at", "channel", "category", "resolved_level",
                    "resident_satisfied", "complainant_phone"])
        for column in ("received_at", "responded_at", "resolved_at"):
            complaints[column] = pd.to_datetime(complaints[column])
        complaints["company_id"] = complaints["company_id"].astype("Int64")
        complaints["resident_satisfied"] = complaints["resident_satisfied"].astype("boolean")
        bulk_insert(conn, complaint, derive_complaint_fields(complaints))
        scores_e1_street = dict.fromkeys(
            ("service_quality", "owner_satisfaction", "complaint_handling", "disclosure",
             "safety", "party_building"), 92.0)
        scores_e1_owners = dict.fromkeys(scores_e1_street, 80.0)
        scores_e3_street = dict.fromkeys(scores_e1_street, 70.0)
        bulk_insert(conn, assessment, [
            {"estate_id": 1, "quarter": "2024-Q1", "assessor": "street", "company_id": 1,
             **scores_e1_street},
            {"estate_id": 1, "quarter": "2024-Q1", "assessor": "owners", "company_id": 1,
             **scores_e1_owners},
            {"estate_id": 3, "quarter": "2024-Q1", "assessor": "street", "company_id": 2,
             **scores_e3_street},
        ])
        bulk_insert(conn, milestone, [
            {"on_date": dt.date(2019, 4, 1), "label_zh": "红色物业工作启动",
             "label_en": "Red Property programme launched"},
        ])
        meta_rows = [{"key": "data_start", "value": "2024-01"},
                     {"key": "data_end", "value": "2024-12"}]
        if demo_flag:
            meta_rows.append({"key": "source", "value": "demo"})
        bulk_insert(conn, meta, meta_rows)
        refresh_summaries(conn)
