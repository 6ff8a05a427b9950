"""Aggregates of ``estate_month`` rows shared by the summaries and the breakdown queries.

Every grouping of estate-months (by street, by company, by estate, by breakdown group)
counts estates by their state in the month and sums the flow columns the same way; this
module says how once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, case, func

from data_access.schema import MANAGED_MODES, SUMMARY_SUM_COLUMNS, estate_month


def estate_month_sums(flows: Iterable[str] = SUMMARY_SUM_COLUMNS) -> dict[str, ColumnElement]:
    """Name → aggregate over ``estate_month`` rows: estate counts by state (estates,
    households, managed_estates, managed_households, unmanaged_estates,
    committee_estates) followed by Σ of each column in ``flows``."""
    em = estate_month
    managed = em.c.management_mode.in_(MANAGED_MODES)
    return {
        "estates": func.count(),
        "households": func.sum(em.c.households),
        "managed_estates": func.sum(case((managed, 1), else_=0)),
        "managed_households": func.sum(case((managed, em.c.households), else_=0)),
        "unmanaged_estates": func.sum(case((managed, 0), else_=1)),
        "committee_estates": func.sum(em.c.has_committee),
        **{name: func.sum(em.c[name]) for name in flows},
    }
