"""Baseline: the schema every database had before migrations existed.

Databases built by ``metadata.create_all`` before then are stamped with this revision
(data_access.migrations). Written out in full, never derived from data_access.schema, so
that it stays what it was when schema.py changes.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=True),
        sa.Column("geometry_geojson", sa.Text(), nullable=True, comment="GeoJSON geometry, WGS84"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "street",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("geometry_geojson", sa.Text(), nullable=True, comment="GeoJSON geometry, WGS84"),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_street_district_id", "street", ["district_id"])
    op.create_table(
        "community",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_community_street_id", "community", ["street_id"])
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("party_org", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "estate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True, comment="WGS84"),
        sa.Column("latitude", sa.Float(), nullable=True, comment="WGS84"),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("build_year", sa.Integer(), nullable=True),
        sa.Column("fee_yuan_m2_month", sa.Float(), nullable=True),
        sa.Column("management_mode", sa.String(length=16), nullable=False,
                  comment="one of MANAGEMENT_MODES"),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("owners_committee", sa.Boolean(), nullable=False),
        sa.Column("committee_formed_on", sa.Date(), nullable=True),
        sa.Column("party_org", sa.Boolean(), nullable=False),
        sa.Column("smart_star", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_estate_community_id", "estate", ["community_id"])
    op.create_index("ix_estate_company_id", "estate", ["company_id"])
    op.create_index("ix_estate_street_id", "estate", ["street_id"])
    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="professional or bundle"),
        sa.Column("start_month", sa.String(length=7), nullable=False),
        sa.Column("end_month", sa.String(length=7), nullable=True,
                  comment="last month served; NULL while running"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["estate_id"], ["estate.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contract_company_id", "contract", ["company_id"])
    op.create_index("ix_contract_estate_id", "contract", ["estate_id"])
    op.create_table(
        "fee_month",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("households_billed", sa.Integer(), nullable=False),
        sa.Column("households_paid", sa.Integer(), nullable=False),
        sa.Column("amount_billed_yuan", sa.Float(), nullable=True),
        sa.Column("amount_collected_yuan", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["estate_id"], ["estate.id"]),
        sa.PrimaryKeyConstraint("estate_id", "month"),
    )
    op.create_table(
        "survey",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False,
                  comment="YYYY-MM, YYYY-Qn or YYYY"),
        sa.Column("span", sa.String(length=8), nullable=False, comment="month, quarter or year"),
        sa.Column("start_month", sa.String(length=7), nullable=False),
        sa.Column("end_month", sa.String(length=7), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["estate_id"], ["estate.id"]),
        sa.PrimaryKeyConstraint("estate_id", "period"),
    )
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False, comment="投诉编号"),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False,
                  comment="derived from received_at"),
        sa.Column("response_due_at", sa.DateTime(), nullable=False,
                  comment="derived: start of the day after the 3rd working day after receipt"),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("resolved_level", sa.String(length=16), nullable=True),
        sa.Column("resident_satisfied", sa.Boolean(), nullable=True),
        sa.Column("complainant_phone", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["estate_id"], ["estate.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_complaint_estate_month", "complaint", ["estate_id", "received_month"])
    op.create_index("ix_complaint_month", "complaint", ["received_month"])
    op.create_table(
        "assessment",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("assessor", sa.String(length=16), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("service_quality", sa.Float(), nullable=True),
        sa.Column("owner_satisfaction", sa.Float(), nullable=True),
        sa.Column("complaint_handling", sa.Float(), nullable=True),
        sa.Column("disclosure", sa.Float(), nullable=True),
        sa.Column("safety", sa.Float(), nullable=True),
        sa.Column("party_building", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["estate_id"], ["estate.id"]),
        sa.PrimaryKeyConstraint("estate_id", "quarter", "assessor"),
    )
    op.create_index("ix_assessment_company_id", "assessment", ["company_id"])
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("label_zh", sa.String(length=128), nullable=False),
        sa.Column("label_en", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("on_date", "label_zh"),
    )
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=True,
                  comment="login name once login exists"),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("rows_inserted", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False,
                  comment="imported, rejected or dry_run"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "month_calendar",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("month_end", sa.Date(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_table(
        "estate_month",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True,
                  comment="company serving the estate in that month"),
        sa.Column("management_mode", sa.String(length=16), nullable=False,
                  comment="mode in that month"),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("has_committee", sa.Integer(), nullable=False),
        sa.Column("households_billed", sa.Integer(), nullable=False),
        sa.Column("households_paid", sa.Integer(), nullable=False),
        sa.Column("amount_billed_yuan", sa.Float(), nullable=False),
        sa.Column("amount_collected_yuan", sa.Float(), nullable=False),
        sa.Column("respondents_month", sa.Integer(), nullable=False),
        sa.Column("satisfied_month", sa.Integer(), nullable=False),
        sa.Column("respondents_quarter", sa.Integer(), nullable=False),
        sa.Column("satisfied_quarter", sa.Integer(), nullable=False),
        sa.Column("respondents_year", sa.Integer(), nullable=False),
        sa.Column("satisfied_year", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("complaints_on_time", sa.Integer(), nullable=False),
        sa.Column("complaints_resolved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("estate_id", "month"),
    )
    op.create_index("ix_estate_month_company", "estate_month", ["company_id", "month"])
    op.create_index("ix_estate_month_month", "estate_month", ["month"])
    op.create_index("ix_estate_month_street", "estate_month", ["street_id", "month"])
    op.create_table(
        "street_month",
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("estates", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("managed_estates", sa.Integer(), nullable=False),
        sa.Column("managed_households", sa.Integer(), nullable=False),
        sa.Column("unmanaged_estates", sa.Integer(), nullable=False),
        sa.Column("committee_estates", sa.Integer(), nullable=False),
        sa.Column("households_billed", sa.Integer(), nullable=False),
        sa.Column("households_paid", sa.Integer(), nullable=False),
        sa.Column("amount_billed_yuan", sa.Float(), nullable=False),
        sa.Column("amount_collected_yuan", sa.Float(), nullable=False),
        sa.Column("respondents_month", sa.Integer(), nullable=False),
        sa.Column("satisfied_month", sa.Integer(), nullable=False),
        sa.Column("respondents_quarter", sa.Integer(), nullable=False),
        sa.Column("satisfied_quarter", sa.Integer(), nullable=False),
        sa.Column("respondents_year", sa.Integer(), nullable=False),
        sa.Column("satisfied_year", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("complaints_on_time", sa.Integer(), nullable=False),
        sa.Column("complaints_resolved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("street_id", "month"),
    )
    op.create_index("ix_street_month_district", "street_month", ["district_id", "month"])
    op.create_index("ix_street_month_month", "street_month", ["month"])
    op.create_table(
        "project_quarter",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False, comment="weighted assessment score 0-100"),
        sa.PrimaryKeyConstraint("estate_id", "quarter"),
    )
    op.create_index("ix_project_quarter_street", "project_quarter", ["street_id", "quarter"])
    op.create_table(
        "complaint_repeat",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id"),
    )
    op.create_table(
        "complaint_month",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True, comment="company on the complaint"),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("resolved_level", sa.String(length=16), nullable=True,
                  comment="NULL when not resolved at any level"),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("complaints_on_time", sa.Integer(), nullable=False),
        sa.Column("complaints_resolved", sa.Integer(), nullable=False),
        sa.Column("complaints_rated", sa.Integer(), nullable=False,
                  comment="resident gave a verdict on the handling"),
        sa.Column("complaints_satisfied", sa.Integer(), nullable=False),
        sa.Column("complaints_repeat", sa.Integer(), nullable=False),
    )
    op.create_index("ix_complaint_month_estate", "complaint_month", ["estate_id", "month"])
    op.create_index("ix_complaint_month_month", "complaint_month", ["month"])
    op.create_index("ix_complaint_month_street", "complaint_month", ["street_id", "month"])
    op.create_table(
        "project_dimension_quarter",
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("service_quality", sa.Float(), nullable=True),
        sa.Column("owner_satisfaction", sa.Float(), nullable=True),
        sa.Column("complaint_handling", sa.Float(), nullable=True),
        sa.Column("disclosure", sa.Float(), nullable=True),
        sa.Column("safety", sa.Float(), nullable=True),
        sa.Column("party_building", sa.Float(), nullable=True),
        sa.Column("service_quality_points", sa.Float(), nullable=True),
        sa.Column("owner_satisfaction_points", sa.Float(), nullable=True),
        sa.Column("complaint_handling_points", sa.Float(), nullable=True),
        sa.Column("disclosure_points", sa.Float(), nullable=True),
        sa.Column("safety_points", sa.Float(), nullable=True),
        sa.Column("party_building_points", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("estate_id", "quarter"),
    )
    op.create_index("ix_project_dimension_quarter_company", "project_dimension_quarter",
                    ["company_id", "quarter"])
    op.create_table(
        "trend_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("group_code", sa.String(length=32), nullable=False),
        sa.Column("estates", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("managed_estates", sa.Integer(), nullable=False),
        sa.Column("managed_households", sa.Integer(), nullable=False),
        sa.Column("unmanaged_estates", sa.Integer(), nullable=False),
        sa.Column("committee_estates", sa.Integer(), nullable=False),
        sa.Column("households_billed", sa.Integer(), nullable=False),
        sa.Column("households_paid", sa.Integer(), nullable=False),
        sa.Column("respondents_month", sa.Integer(), nullable=False),
        sa.Column("satisfied_month", sa.Integer(), nullable=False),
        sa.Column("respondents_quarter", sa.Integer(), nullable=False),
        sa.Column("satisfied_quarter", sa.Integer(), nullable=False),
        sa.Column("respondents_year", sa.Integer(), nullable=False),
        sa.Column("satisfied_year", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("complaints_on_time", sa.Integer(), nullable=False),
        sa.Column("complaints_resolved", sa.Integer(), nullable=False),
    )
    op.create_index("ix_trend_month_dimension", "trend_month", ["dimension", "month"])
    op.create_index("ix_trend_month_group", "trend_month", ["dimension", "group_code", "month"])
    op.create_index("ix_trend_month_street", "trend_month", ["dimension", "street_id", "month"])


def downgrade() -> None:
    op.drop_table("trend_month")
    op.drop_table("project_dimension_quarter")
    op.drop_table("complaint_month")
    op.drop_table("complaint_repeat")
    op.drop_table("project_quarter")
    op.drop_table("street_month")
    op.drop_table("estate_month")
    op.drop_table("month_calendar")
    op.drop_table("meta")
    op.drop_table("import_log")
    op.drop_table("milestone")
    op.drop_table("assessment")
    op.drop_table("complaint")
    op.drop_table("survey")
    op.drop_table("fee_month")
    op.drop_table("contract")
    op.drop_table("estate")
    op.drop_table("company")
    op.drop_table("community")
    op.drop_table("street")
    op.drop_table("district")
