"""Database schema: reference tables, raw facts, and the summary tables pages read.

Conventions
-----------
* Months are stored as text ``YYYY-MM``, quarters as ``YYYY-Qn``: they sort and compare
  correctly as strings on every database, so no date function is ever needed in SQL.
* Rates are never stored; the metric registry computes them from stored sums.
* A column holding personal data carries ``info={"personal": True}``. Nothing marked
  personal may be selected by a query that feeds a page, chart, public export or log;
  :func:`personal_columns` lists them so tests can enforce it.
* Every change to this module comes with an Alembic revision in
  ``data_access/migrations/versions/`` (tests/test_migrations.py compares the two).
* Summary tables (``estate_month``, ``street_month``, ``project_quarter``,
  ``month_calendar``) are derived: :mod:`data_access.summary` rebuilds them from the raw
  tables and nothing else writes them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

MANAGEMENT_MODES = ("professional", "bundle", "self", "unmanaged")
#: Modes that count as professional coverage (专业物业覆盖): a company or a street bundle.
MANAGED_MODES = ("professional", "bundle")
CHANNELS = ("hotline", "tv", "app", "walk_in", "street_office")
RESOLVED_LEVELS = ("estate", "community", "street", "district")
ASSESSORS = ("community", "street", "district", "owners", "experts")
ASSESSMENT_DIMENSIONS = (
    "service_quality",
    "owner_satisfaction",
    "complaint_handling",
    "disclosure",
    "safety",
    "party_building",
)
COMPLAINT_CATEGORIES = (
    "cleaning",
    "security",
    "parking",
    "elevators",
    "fire_safety",
    "ebike_charging",
    "fees",
    "public_income",
    "greening",
    "water_leaks",
    "noise",
    "other",
)
SURVEY_SPANS = ("month", "quarter", "year")

# --- reference tables -------------------------------------------------------------

district = Table(
    "district",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(64)),
    Column("geometry_geojson", Text, comment="GeoJSON geometry, WGS84"),
)

street = Table(
    "street",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("name_en", String(64)),
    Column("district_id", Integer, ForeignKey("district.id"), nullable=False, index=True),
    Column("geometry_geojson", Text, comment="GeoJSON geometry, WGS84"),
    Column("synthetic", Boolean, nullable=False, default=False),
)

community = Table(
    "community",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("street_id", Integer, ForeignKey("street.id"), nullable=False, index=True),
    Column("longitude", Float),
    Column("latitude", Float),
    Column("synthetic", Boolean, nullable=False, default=False),
)

company = Table(
    "company",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("registered_on", Date),
    Column("party_org", Boolean, nullable=False, default=False),
)

estate = Table(
    "estate",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("address", String(256)),
    Column("longitude", Float, comment="WGS84"),
    Column("latitude", Float, comment="WGS84"),
    Column("households", Integer, nullable=False),
    Column("floor_area_m2", Float),
    Column("build_year", Integer),
    Column("fee_yuan_m2_month", Float),
    Column("management_mode", String(16), nullable=False, comment="one of MANAGEMENT_MODES"),
    Column("company_id", Integer, ForeignKey("company.id"), index=True),
    Column("owners_committee", Boolean, nullable=False, default=False),
    Column("committee_formed_on", Date),
    Column("party_org", Boolean, nullable=False, default=False),
    Column("smart_star", Integer, nullable=False, default=0),
    Column("street_id", Integer, ForeignKey("street.id"), nullable=False, index=True),
    Column("community_id", Integer, ForeignKey("community.id"), index=True),
)

contract = Table(
    "contract",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("estate_id", Integer, ForeignKey("estate.id"), nullable=False, index=True),
    Column("company_id", Integer, ForeignKey("company.id"), index=True),
    Column("mode", String(16), nullable=False, comment="professional or bundle"),
    Column("start_month", String(7), nullable=False),
    Column("end_month", String(7), comment="last month served; NULL while running"),
)

# --- raw facts ---------------------------------------------------------------------

fee_month = Table(
    "fee_month",
    metadata,
    Column("estate_id", Integer, ForeignKey("estate.id"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("households_billed", Integer, nullable=False),
    Column("households_paid", Integer, nullable=False),
    Column("amount_billed_yuan", Float),
    Column("amount_collected_yuan", Float),
)

survey = Table(
    "survey",
    metadata,
    Column("estate_id", Integer, ForeignKey("estate.id"), primary_key=True),
    Column("period", String(8), primary_key=True, comment="YYYY-MM, YYYY-Qn or YYYY"),
    Column("span", String(8), nullable=False, comment="month, quarter or year"),
    Column("start_month", String(7), nullable=False),
    Column("end_month", String(7), nullable=False),
    Column("respondents", Integer, nullable=False),
    Column("satisfied", Integer, nullable=False),
)

complaint = Table(
    "complaint",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True, comment="投诉编号"),
    Column("estate_id", Integer, ForeignKey("estate.id"), nullable=False),
    Column("company_id", Integer, ForeignKey("company.id")),
    Column("received_at", DateTime, nullable=False),
    Column("received_month", String(7), nullable=False, comment="derived from received_at"),
    Column(
        "response_due_at",
        DateTime,
        nullable=False,
        comment="derived: start of the day after the 3rd working day after receipt",
    ),
    Column("responded_at", DateTime),
    Column("resolved_at", DateTime),
    Column("channel", String(16), nullable=False),
    Column("category", String(64), nullable=False),
    Column("resolved_level", String(16)),
    Column("resident_satisfied", Boolean),
    Column("complainant_phone", String(32), info={"personal": True}),
    Index("ix_complaint_estate_month", "estate_id", "received_month"),
    Index("ix_complaint_month", "received_month"),
)

assessment = Table(
    "assessment",
    metadata,
    Column("estate_id", Integer, ForeignKey("estate.id"), primary_key=True),
    Column("quarter", String(7), primary_key=True),
    Column("assessor", String(16), primary_key=True),
    Column("company_id", Integer, ForeignKey("company.id"), index=True),
    *[Column(dimension, Float) for dimension in ASSESSMENT_DIMENSIONS],
)

milestone = Table(
    "milestone",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("on_date", Date, nullable=False),
    Column("label_zh", String(128), nullable=False),
    Column("label_en", String(128), nullable=False),
    UniqueConstraint("on_date", "label_zh"),
)

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("imported_at", DateTime, nullable=False),
    Column("imported_by", String(64), comment="login name once login exists"),
    Column("file_name", String(256), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("rows_inserted", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, comment="imported, rejected or dry_run"),
    Column("seconds", Float, comment="how long the import took"),
    Column("summary_refresh", String(200),
           comment='what the summary refresh recomputed, e.g. "full" or "3 street-months"'),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
)

# --- summary tables (derived; rebuilt by data_access.summary) ------------------------

month_calendar = Table(
    "month_calendar",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("month_start", Date, nullable=False),
    Column("month_end", Date, nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("year", Integer, nullable=False),
)

#: Sums shared by estate_month and street_month, in the order they are computed.
SUMMARY_SUM_COLUMNS = (
    "households_billed",
    "households_paid",
    "amount_billed_yuan",
    "amount_collected_yuan",
    "respondents_month",
    "satisfied_month",
    "respondents_quarter",
    "satisfied_quarter",
    "respondents_year",
    "satisfied_year",
    "complaints",
    "complaints_on_time",
    "complaints_resolved",
)


def _sum_columns() -> list[Column]:
    return [Column(name, Float if name.startswith("amount") else Integer, nullable=False, default=0)
            for name in SUMMARY_SUM_COLUMNS]


estate_month = Table(
    "estate_month",
    metadata,
    Column("estate_id", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("quarter", String(7), nullable=False),
    Column("year", Integer, nullable=False),
    Column("street_id", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("company_id", Integer, comment="company serving the estate in that month"),
    Column("management_mode", String(16), nullable=False, comment="mode in that month"),
    Column("households", Integer, nullable=False),
    Column("has_committee", Integer, nullable=False),
    *_sum_columns(),
    Index("ix_estate_month_street", "street_id", "month"),
    # One month across the whole scope (the map's estates), and every estate's households
    # and complaints over a period (the complaints ranking): covering, so such reads never
    # visit the table, whose rows of one month lie scattered across it.
    Index("ix_estate_month_at_month", "month", "estate_id", "street_id", "company_id",
          "management_mode", "households", "complaints"),
    Index("ix_estate_month_company", "company_id", "month"),
)

#: ``estate_month``'s households and complaints summed per estate, street and year: a
#: year's complaints ranking reads a twelfth of the rows (an estate that moved street in
#: the year has a row for each).
estate_year = Table(
    "estate_year",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("street_id", Integer, primary_key=True),
    Column("estate_id", Integer, primary_key=True),
    Column("household_months", Integer, nullable=False,
           comment="Σ over the year's months of the households"),
    Column("complaints", Integer, nullable=False),
)

street_month = Table(
    "street_month",
    metadata,
    Column("street_id", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("quarter", String(7), nullable=False),
    Column("year", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("estates", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("managed_estates", Integer, nullable=False),
    Column("managed_households", Integer, nullable=False),
    Column("unmanaged_estates", Integer, nullable=False),
    Column("committee_estates", Integer, nullable=False),
    *_sum_columns(),
    Index("ix_street_month_month", "month"),
    Index("ix_street_month_district", "district_id", "month"),
)

project_quarter = Table(
    "project_quarter",
    metadata,
    Column("estate_id", Integer, primary_key=True),
    Column("quarter", String(7), primary_key=True),
    Column("company_id", Integer),
    Column("street_id", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("score", Float, nullable=False, comment="weighted assessment score 0-100"),
    # Stored so that the key-supervision list is a read of one quarter, not a search
    # through every project's history (data_access.grades.refresh_unqualified_runs).
    Column("unqualified_run", Integer, nullable=False, server_default="0",
           comment="consecutive quarters graded 不合格 ending at this one (0: graded better)"),
    Index("ix_project_quarter_street", "street_id", "quarter"),
    # One quarter across the whole scope (the map's grades, key-supervision lists):
    # covering, so such reads never touch the table.
    Index("ix_project_quarter_quarter", "quarter", "street_id", "estate_id", "company_id",
          "households", "score", "unqualified_run"),
)

#: ``project_quarter`` summed per year, estate and street (an estate that moved street in
#: the year has a row for each), with the company of the row's latest quarter: a year's
#: quality–price match reads one row per estate instead of four. Keyed by year first,
#: then estate, so a year's rows come in estate order.
project_year = Table(
    "project_year",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("estate_id", Integer, primary_key=True),
    Column("street_id", Integer, primary_key=True),
    Column("quarters", Integer, nullable=False, comment="assessed quarters"),
    Column("score_weighted", Float, nullable=False, comment="Σ households × score"),
    Column("score_weight", Integer, nullable=False, comment="Σ households"),
    Column("last_quarter", String(7), nullable=False),
    Column("last_company_id", Integer, comment="company of the last quarter"),
)

#: Complaints flagged as repeats: same estate and category, received on a day at most 30
#: days after the day of the previous complaint of that estate and category.
complaint_repeat = Table(
    "complaint_repeat",
    metadata,
    Column("complaint_id", Integer, primary_key=True),
)

#: Complaint counts per estate, month, category, channel and where they were resolved
#: (NULL: not resolved), for the complaints page and the estate profile.
complaint_month = Table(
    "complaint_month",
    metadata,
    Column("estate_id", Integer, nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("year", Integer, nullable=False),
    Column("street_id", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("company_id", Integer, comment="company on the complaint"),
    Column("category", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("resolved_level", String(16), comment="NULL when not resolved at any level"),
    Column("complaints", Integer, nullable=False, default=0),
    Column("complaints_on_time", Integer, nullable=False, default=0),
    Column("complaints_resolved", Integer, nullable=False, default=0),
    Column("complaints_rated", Integer, nullable=False, default=0,
           comment="resident gave a verdict on the handling"),
    Column("complaints_satisfied", Integer, nullable=False, default=0),
    Column("complaints_repeat", Integer, nullable=False, default=0),
    Index("ix_complaint_month_street", "street_id", "month"),
    Index("ix_complaint_month_month", "month"),
    Index("ix_complaint_month_estate", "estate_id", "month"),
    # A company's complaints by category (its profile): a few hundred of a year's rows.
    Index("ix_complaint_month_company", "company_id", "month"),
)

#: Each assessment dimension of a project and quarter: its assessor-weighted score (the
#: dimension's name) and its points in the weighted project score (``<dimension>_points``;
#: the six add up to project_quarter.score), for the company profile's "why this grade".
project_dimension_quarter = Table(
    "project_dimension_quarter",
    metadata,
    Column("estate_id", Integer, primary_key=True),
    Column("quarter", String(7), primary_key=True),
    Column("company_id", Integer),
    Column("street_id", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    *[Column(dimension, Float) for dimension in ASSESSMENT_DIMENSIONS],
    *[Column(f"{dimension}_points", Float) for dimension in ASSESSMENT_DIMENSIONS],
    Index("ix_project_dimension_quarter_company", "company_id", "quarter"),
)

#: Trends broken down by company, management mode or estate age: estate_month summed per
#: month, street and group (``dimension`` company/mode/age; ``group_code`` a company code
#: or ``__none__``, a mode, or old/new/unknown) — what the trends page reads.
trend_month = Table(
    "trend_month",
    metadata,
    Column("month", String(7), nullable=False),
    Column("street_id", Integer, nullable=False),
    Column("district_id", Integer, nullable=False),
    Column("dimension", String(8), nullable=False),
    Column("group_code", String(32), nullable=False),
    Column("estates", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("managed_estates", Integer, nullable=False),
    Column("managed_households", Integer, nullable=False),
    Column("unmanaged_estates", Integer, nullable=False),
    Column("committee_estates", Integer, nullable=False),
    *[Column(name, Integer, nullable=False, default=0) for name in SUMMARY_SUM_COLUMNS
      if not name.startswith("amount")],
    Index("ix_trend_month_dimension", "dimension", "month"),
    Index("ix_trend_month_street", "dimension", "street_id", "month"),
    Index("ix_trend_month_group", "dimension", "group_code", "month"),
)

#: Complaints summed per month, street and one dimension (``dimension`` category, channel
#: or resolved_level; ``group_code`` the category, the channel, or the level with
#: ``__none__`` for unresolved): complaint_month without estate, company and the other two
#: dimensions, about a tenth of its rows at province scale, for the complaints charts
#: that look at no more than one dimension. The primary key serves reads of one street
#: (or a few) and a dimension; the index, reads of the whole city or a district: it holds
#: every column those read, so they never touch the table (a year of the province's
#: categories: 27 ms → 10 ms on SQLite).
COMPLAINT_STREET_SUM_COLUMNS = ("complaints", "complaints_on_time", "complaints_resolved",
                                "complaints_rated", "complaints_satisfied", "complaints_repeat")
complaint_street_month = Table(
    "complaint_street_month",
    metadata,
    Column("dimension", String(16), primary_key=True),
    Column("street_id", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("group_code", String(64), primary_key=True),
    Column("district_id", Integer, nullable=False),
    *[Column(name, Integer, nullable=False, default=0) for name in COMPLAINT_STREET_SUM_COLUMNS],
    Index("ix_complaint_street_month_month", "dimension", "month", "group_code", "street_id",
          *COMPLAINT_STREET_SUM_COLUMNS),
)

# --- roll-ups by district ------------------------------------------------------------
# Company views grade every company of the viewer's scope; at province scale that is
# hundreds of thousands of estate rows a read. These roll-ups hold the same sums per
# company (or street) and district, a few per cent of the rows, and serve every read whose
# scope and area are whole districts (leaders, district filters); reads of single streets
# keep reading the estate-level tables. data_access.rollups fills them; the reads check
# they give the very same frames (tests/test_rollups.py).

#: The columns of ``company_district_month``'s covering index, in its order.
COMPANY_MONTH_READ_COLUMNS = (
    "month", "district_id", "company_id", "year", "estates", "households", "managed_estates",
    "managed_households", "unmanaged_estates", "committee_estates", "households_billed",
    "households_paid", "respondents_month", "satisfied_month", "respondents_quarter",
    "satisfied_quarter", "respondents_year", "satisfied_year", "complaints",
    "complaints_on_time", "complaints_resolved")

#: ``estate_month`` summed per serving company, district and month (company-months only).
company_district_month = Table(
    "company_district_month",
    metadata,
    Column("company_id", Integer, primary_key=True),
    Column("district_id", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("estates", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("managed_estates", Integer, nullable=False),
    Column("managed_households", Integer, nullable=False),
    Column("unmanaged_estates", Integer, nullable=False),
    Column("committee_estates", Integer, nullable=False),
    *_sum_columns(),
    # Covering for the company reads of a period (league, red/black list): they read a
    # range of months, whose rows lie scattered over the table (ordered by company).
    Index("ix_company_district_month_at_month", *COMPANY_MONTH_READ_COLUMNS),
)

#: ``company_district_month``'s flows summed per year: a year's company views (the
#: league's default period) read a twelfth of the rows. Keyed by year first, so a year's
#: rows are one range of the key.
company_district_year = Table(
    "company_district_year",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("district_id", Integer, primary_key=True),
    Column("company_id", Integer, primary_key=True),
    Column("household_months", Integer, nullable=False,
           comment="Σ over the year's months of the households served"),
    *_sum_columns(),
)

#: ``project_quarter`` summed per company, district and quarter (projects with a company).
company_district_quarter = Table(
    "company_district_quarter",
    metadata,
    Column("company_id", Integer, primary_key=True),
    Column("district_id", Integer, primary_key=True),
    Column("quarter", String(7), primary_key=True),
    Column("projects", Integer, nullable=False),
    Column("score_weighted", Float, nullable=False, comment="Σ households × score"),
    Column("score_weight", Integer, nullable=False, comment="Σ households"),
    Index("ix_company_district_quarter_at_quarter", "quarter", "district_id", "company_id",
          "projects", "score_weighted", "score_weight"),
)

#: ``company_district_quarter`` summed over the districts: each company's city-wide score
#: sums per quarter, with its run of 不合格 quarters (data_access.grades
#: .refresh_company_quarters) — the whole city's key-supervision list of a quarter is a
#: read of that quarter.
company_quarter = Table(
    "company_quarter",
    metadata,
    Column("quarter", String(7), primary_key=True),
    Column("company_id", Integer, primary_key=True),
    Column("projects", Integer, nullable=False),
    Column("score_weighted", Float, nullable=False, comment="Σ households × score"),
    Column("score_weight", Integer, nullable=False, comment="Σ households"),
    Column("unqualified_run", Integer, nullable=False, server_default="0",
           comment="consecutive quarters graded 不合格 ending at this one (0: graded better)"),
    Index("ix_company_quarter_company", "company_id", "quarter"),
)

#: ``project_quarter`` summed per street and quarter (every project, with or without a
#: company): the assessment scores of the KPI charts and which quarters were assessed.
street_quarter = Table(
    "street_quarter",
    metadata,
    Column("street_id", Integer, primary_key=True),
    Column("quarter", String(7), primary_key=True),
    Column("district_id", Integer, nullable=False),
    Column("projects", Integer, nullable=False),
    Column("score_weighted", Float, nullable=False, comment="Σ households × score"),
    Column("score_weight", Integer, nullable=False, comment="Σ households"),
    Index("ix_street_quarter_quarter", "quarter"),
)

#: ``complaint_street_month`` summed per district: the whole city's or a district's
#: complaints charts read a sixteenth of the rows.
complaint_district_month = Table(
    "complaint_district_month",
    metadata,
    Column("dimension", String(16), primary_key=True),
    Column("district_id", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("group_code", String(64), primary_key=True),
    *[Column(name, Integer, nullable=False, default=0) for name in COMPLAINT_STREET_SUM_COLUMNS],
    Index("ix_complaint_district_month_month", "dimension", "month", "group_code",
          "district_id", *COMPLAINT_STREET_SUM_COLUMNS),
)

ROLLUP_TABLES = (company_district_month, company_district_year, company_district_quarter,
                 company_quarter, street_quarter, complaint_district_month)

SUMMARY_TABLES = (month_calendar, estate_month, estate_year, street_month, project_quarter,
                  project_year, complaint_repeat, complaint_month, complaint_street_month,
                  project_dimension_quarter, trend_month, *ROLLUP_TABLES)
RAW_TABLES = (district, street, community, company, estate, contract, fee_month, survey,
              complaint, assessment, milestone, import_log, meta)


def personal_columns() -> list[Column]:
    """Every column marked as personal data, across all tables."""
    return [col for table in metadata.sorted_tables for col in table.columns
            if col.info.get("personal")]
