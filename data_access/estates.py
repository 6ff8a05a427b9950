"""Estate profile reads: facts, contract history, monthly sums, assessment grades.

Every read takes the viewer's scope: an estate outside it is "not found". Nothing here
touches personal data (the complaint list comes from
:func:`data_access.complaints.open_complaints`, which never selects phone numbers).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, select

from data_access import grading
from data_access.filters import Filters, Scope, area_clause
from data_access.aggregates import estate_month_sums
from data_access.frames import read_frame
from data_access.schema import (
    community,
    company,
    contract,
    district,
    estate,
    estate_month,
    project_quarter,
    street,
)
from data_access.trends import OLD_BUILT_BEFORE, SUM_COLUMNS, _FLOWS


def find_estate(engine: Engine, scope: Scope, code: str | None) -> dict[str, Any] | None:
    """The estate's facts, or None when the code is unknown or outside the scope.

    Keys: id, code, name, address, households, floor_area_m2, build_year, old (built
    before 2006), fee_yuan_m2_month, management_mode, company_code, company_name,
    company_party_org, owners_committee, committee_formed_on, party_org, smart_star,
    street_code, street_name, street_name_en, district_code, district_name,
    district_name_en, community_name, longitude, latitude.
    """
    if not code:
        return None
    statement = (
        select(estate.c.id, estate.c.code, estate.c.name, estate.c.address,
               estate.c.households, estate.c.floor_area_m2, estate.c.build_year,
               estate.c.fee_yuan_m2_month, estate.c.management_mode,
               company.c.code.label("company_code"), company.c.name.label("company_name"),
               company.c.party_org.label("company_party_org"), estate.c.owners_committee,
               estate.c.committee_formed_on, estate.c.party_org, estate.c.smart_star,
               street.c.code.label("street_code"), street.c.name.label("street_name"),
               street.c.name_en.label("street_name_en"),
               district.c.code.label("district_code"), district.c.name.label("district_name"),
               district.c.name_en.label("district_name_en"),
               community.c.name.label("community_name"), estate.c.longitude,
               estate.c.latitude)
        .select_from(estate.join(street, street.c.id == estate.c.street_id)
                     .join(district, district.c.id == street.c.district_id)
                     .outerjoin(community, community.c.id == estate.c.community_id)
                     .outerjoin(company, company.c.id == estate.c.company_id))
        .where(and_(estate.c.code == code, area_clause(estate.c.street_id, scope)))
    )
    with engine.connect() as conn:
        row = conn.execute(statement).mappings().first()
    if row is None:
        return None
    facts = dict(row)
    year = facts.get("build_year")
    facts["old"] = None if year is None else year < OLD_BUILT_BEFORE
    return facts


def list_estates(engine: Engine, scope: Scope, filters: Filters | None = None) -> pd.DataFrame:
    """Estates in scope ∩ the filters' area: code, name, street_name, street_name_en,
    households; by street then name."""
    statement = (select(estate.c.code, estate.c.name, street.c.name.label("street_name"),
                        street.c.name_en.label("street_name_en"), estate.c.households)
                 .join(street, street.c.id == estate.c.street_id)
                 .where(area_clause(estate.c.street_id, scope, filters))
                 .order_by(street.c.code, estate.c.name, estate.c.code))
    with engine.connect() as conn:
        return read_frame(conn, statement, ["code", "name", "street_name", "street_name_en",
                                            "households"])


def contract_history(engine: Engine, scope: Scope, code: str) -> pd.DataFrame:
    """The estate's contracts, latest first: company_code, company_name, mode,
    start_month, end_month (None while running)."""
    statement = (select(company.c.code.label("company_code"),
                        company.c.name.label("company_name"), contract.c.mode,
                        contract.c.start_month, contract.c.end_month)
                 .select_from(contract.join(estate, estate.c.id == contract.c.estate_id)
                              .outerjoin(company, company.c.id == contract.c.company_id))
                 .where(and_(estate.c.code == code, area_clause(estate.c.street_id, scope)))
                 .order_by(contract.c.start_month.desc()))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return pd.DataFrame(rows, columns=["company_code", "company_name", "mode", "start_month",
                                       "end_month"])


def monthly_sums(engine: Engine, scope: Scope, code: str) -> pd.DataFrame:
    """The estate's monthly sums over the data range, shaped like
    :func:`data_access.trends.monthly_sums` (group_code = the estate code)."""
    em = estate_month
    columns = {
        **estate_month_sums(_FLOWS),
    }
    statement = (select(em.c.month, *[expr.label(name) for name, expr in columns.items()])
                 .select_from(em.join(estate, estate.c.id == em.c.estate_id))
                 .where(and_(estate.c.code == code, area_clause(em.c.street_id, scope)))
                 .group_by(em.c.month).order_by(em.c.month))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["month", *SUM_COLUMNS])
    frame.insert(1, "group_code", code)
    frame[list(SUM_COLUMNS)] = frame[list(SUM_COLUMNS)].astype(float)
    return frame


def grades(engine: Engine, scope: Scope, code: str) -> pd.DataFrame:
    """The estate's quarterly assessment: quarter, company_name, score, grade (key),
    latest first."""
    pq = project_quarter
    statement = (select(pq.c.quarter, company.c.name.label("company_name"), pq.c.score)
                 .select_from(pq.join(estate, estate.c.id == pq.c.estate_id)
                              .outerjoin(company, company.c.id == pq.c.company_id))
                 .where(and_(estate.c.code == code, area_clause(pq.c.street_id, scope)))
                 .order_by(pq.c.quarter.desc()))
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["quarter", "company_name", "score"])
    rules = grading.load_rules()
    frame["grade"] = [rules.grade(float(s)) for s in frame["score"]]
    return frame


def area_series_filters(facts: dict[str, Any]) -> Filters:
    """Filters selecting the estate's street (for comparing with its street)."""
    return Filters(period="2000", district=facts["district_code"], street=facts["street_code"])
