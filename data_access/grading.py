"""Assessment scores and grades, from the rules in assets/grading.toml.

Project score for a quarter = Σ over assessors of w_assessor × (Σ over dimensions of
w_dimension × score) with both weight sets normalised over what is present.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sqlalchemy import ColumnElement, Connection, select

from data_access.config import ASSETS_DIR
from data_access.frames import result_frame
from data_access.schema import ASSESSMENT_DIMENSIONS, assessment, estate, street

GRADES = ("excellent", "qualified", "unqualified")
GRADE_LABELS = {
    "excellent": {"zh": "优秀", "en": "Excellent"},
    "qualified": {"zh": "合格", "en": "Qualified"},
    "unqualified": {"zh": "不合格", "en": "Unqualified"},
}


@dataclass(frozen=True)
class GradingRules:
    dimension_weights: tuple[tuple[str, float], ...]
    assessor_weights: tuple[tuple[str, float], ...]
    excellent_from: float
    qualified_from: float
    # --- company grades, lists and quality–price match (optional sections of the TOML) ---
    #: graded 不合格 in this many consecutive quarters → key supervision (重点监管)
    key_supervision_quarters: int = 2
    #: red list: at most this share of the year's complaints answered after their deadline
    red_max_overdue_share: float = 0.05
    #: black list: 不合格 in at least this many quarters of the year
    black_min_unqualified_quarters: int = 2
    #: fee tiers (元/㎡·月): tier 1 below the first bound, tier n+1 from the n-th bound up
    fee_tier_bounds: tuple[float, ...] = (1.0, 1.6)
    #: the highest fee tier each grade supports
    max_tier_by_grade: tuple[tuple[str, int], ...] = (
        ("excellent", 3), ("qualified", 2), ("unqualified", 1))
    #: league table: fewer surveyed households in the period → "insufficient data"
    min_surveyed_households: int = 100
    #: confidence levels of the funnel plot's control limits
    funnel_levels: tuple[float, ...] = (0.95, 0.998)

    def grade(self, score: float | None) -> str | None:
        """Grade key for a score (None for a missing score)."""
        if score is None:
            return None
        return self.grades(np.array([score], dtype=float))[0]

    def grades(self, scores: np.ndarray) -> np.ndarray:
        """Grade keys for an array of scores (None where a score is NaN): :meth:`grade`
        for a whole column at once (a million scores at province scale)."""
        values = np.asarray(scores, dtype=float)
        return np.select([np.isnan(values), values >= self.excellent_from,
                          values >= self.qualified_from],
                         [None, "excellent", "qualified"], default="unqualified")

    # --- helpers of the grades pages (additive) -------------------------------------------

    def threshold(self, grade: str) -> float:
        """Lowest score of ``grade`` (0 for 不合格)."""
        return {"excellent": self.excellent_from, "qualified": self.qualified_from}.get(
            grade, 0.0)

    def next_grade(self, score: float | None) -> tuple[str, float] | None:
        """(the grade above the one ``score`` earns, its lowest score); None at the top."""
        grade = self.grade(score)
        if grade is None or grade == "excellent":
            return None
        above = "excellent" if grade == "qualified" else "qualified"
        return above, self.threshold(above)

    @property
    def tier_count(self) -> int:
        return len(self.fee_tier_bounds) + 1

    def fee_tier(self, fee: float | None) -> int | None:
        """Fee tier 1..n of a fee per m² and month (None for a missing fee)."""
        if fee is None or (isinstance(fee, float) and np.isnan(fee)):
            return None
        return 1 + sum(1 for bound in self.fee_tier_bounds if fee >= bound)

    def supported_tier(self, grade: str | None) -> int | None:
        """The highest fee tier ``grade`` supports (None for no grade)."""
        if grade is None:
            return None
        return dict(self.max_tier_by_grade).get(grade)

    def tier_range(self, tier: int) -> tuple[float | None, float | None]:
        """(lowest fee, fee from which the next tier starts) of a tier; None = open."""
        bounds = self.fee_tier_bounds
        low = bounds[tier - 2] if tier >= 2 else None
        high = bounds[tier - 1] if tier - 1 < len(bounds) else None
        return low, high

    def grade_for_tier(self, tier: int) -> str | None:
        """The lowest grade that supports fee tier ``tier`` (None if no grade does)."""
        supporting = [g for g in reversed(GRADES) if (self.supported_tier(g) or 0) >= tier]
        return supporting[0] if supporting else None


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> GradingRules:
    """Read the grading rules (default assets/grading.toml)."""
    with (path or ASSETS_DIR / "grading.toml").open("rb") as handle:
        data = tomllib.load(handle)
    thresholds = data["grade_thresholds"]
    defaults = GradingRules((), (), 0.0, 0.0)
    key_supervision = data.get("key_supervision", {})
    lists = data.get("red_black_list", {})
    quality_price = data.get("quality_price", {})
    league = data.get("league_table", {})
    return GradingRules(
        dimension_weights=tuple(data["dimension_weights"].items()),
        assessor_weights=tuple(data["assessor_weights"].items()),
        excellent_from=float(thresholds["excellent"]),
        qualified_from=float(thresholds["qualified"]),
        key_supervision_quarters=int(key_supervision.get(
            "consecutive_unqualified", defaults.key_supervision_quarters)),
        red_max_overdue_share=float(lists.get(
            "red_max_overdue_share", defaults.red_max_overdue_share)),
        black_min_unqualified_quarters=int(lists.get(
            "black_min_unqualified_quarters", defaults.black_min_unqualified_quarters)),
        fee_tier_bounds=tuple(float(b) for b in quality_price.get(
            "tier_bounds", defaults.fee_tier_bounds)),
        max_tier_by_grade=tuple((g, int(v)) for g, v in quality_price.get(
            "max_tier", dict(defaults.max_tier_by_grade)).items()),
        min_surveyed_households=int(league.get(
            "min_surveyed_households", defaults.min_surveyed_households)),
        funnel_levels=tuple(float(x) for x in league.get(
            "funnel_levels", defaults.funnel_levels)),
    )


def assessment_rows(conn: Connection,
                    selected: Callable[[ColumnElement, ColumnElement], ColumnElement]
                    | None = None) -> pd.DataFrame:
    """Every assessment row with its estate's households, street_id and district_id (only
    those whose (estate_id, quarter) ``selected`` keeps, when given): what the project
    scores and dimension points are graded from."""
    statement = (select(assessment, estate.c.households, estate.c.street_id,
                        street.c.district_id)
                 .join(estate, estate.c.id == assessment.c.estate_id)
                 .join(street, street.c.id == estate.c.street_id))
    if selected is not None:
        statement = statement.where(selected(assessment.c.estate_id, assessment.c.quarter))
    return result_frame(conn.execute(statement))


def project_scores(rows: pd.DataFrame, rules: GradingRules) -> pd.DataFrame:
    """One row per (estate_id, quarter) with ``score``, from one row per assessor.

    ``rows`` has estate_id, quarter, assessor, the six dimension columns and any other
    columns, which are carried from the first assessor row (company_id, households, …).
    """
    dimension_weights = dict(rules.dimension_weights)
    values = rows[list(ASSESSMENT_DIMENSIONS)].astype(float)
    weights = pd.DataFrame({d: np.where(values[d].notna(), dimension_weights.get(d, 0.0), 0.0)
                            for d in ASSESSMENT_DIMENSIONS}, index=rows.index)
    weighted = (values.fillna(0.0) * weights).sum(axis=1)
    assessor_score = weighted / weights.sum(axis=1).replace(0.0, np.nan)
    frame = rows.assign(
        _score=assessor_score,
        _weight=rows["assessor"].map(dict(rules.assessor_weights)).fillna(0.0),
    )
    frame = frame[frame["_score"].notna() & (frame["_weight"] > 0)]
    frame = frame.assign(_weighted=frame["_score"] * frame["_weight"])
    keys = ["estate_id", "quarter"]
    totals = frame.groupby(keys, sort=True)[["_weighted", "_weight"]].sum()
    carried = frame.drop(columns=["assessor", "_score", "_weight", "_weighted",
                                  *ASSESSMENT_DIMENSIONS]).groupby(keys, sort=True).first()
    result = carried.assign(score=totals["_weighted"] / totals["_weight"]).reset_index()
    return result


def dimension_points(rows: pd.DataFrame, rules: GradingRules) -> pd.DataFrame:
    """Each dimension's share of the project score, per (estate_id, quarter).

    Same weighting as :func:`project_scores`: with a_w the assessor's weight normalised
    over the assessors present and d_w the dimension's weight normalised over the
    dimensions that assessor scored, the dimension's *points* are Σ_assessors a_w × d_w ×
    score, so the points of the six dimensions add up to the project score exactly. The
    dimension's own score (0–100) is the assessor-weighted mean of its scores.

    Returns estate_id, quarter, then ``<dimension>`` (score) and ``<dimension>_points``
    for every dimension of ASSESSMENT_DIMENSIONS (NaN where nobody scored it).
    """
    dimension_weights = dict(rules.dimension_weights)
    values = rows[list(ASSESSMENT_DIMENSIONS)].astype(float)
    weights = pd.DataFrame({d: np.where(values[d].notna(), dimension_weights.get(d, 0.0), 0.0)
                            for d in ASSESSMENT_DIMENSIONS}, index=rows.index)
    row_total = weights.sum(axis=1)
    assessor_weight = rows["assessor"].map(dict(rules.assessor_weights)).fillna(0.0)
    usable = (row_total > 0) & (assessor_weight > 0)
    keys = ["estate_id", "quarter"]
    frame = rows.loc[usable, keys].copy()
    a_w = assessor_weight[usable]
    a_total = a_w.groupby([frame["estate_id"], frame["quarter"]]).transform("sum")
    a_norm = a_w / a_total
    d_norm = weights[usable].div(row_total[usable], axis=0)
    for d in ASSESSMENT_DIMENSIONS:
        present = values.loc[usable, d].notna()
        frame[f"{d}_points"] = (a_norm * d_norm[d] * values.loc[usable, d].fillna(0.0))
        frame[f"_{d}_w"] = np.where(present, a_norm, 0.0)
        frame[f"_{d}_wx"] = np.where(present, a_norm * values.loc[usable, d].fillna(0.0), 0.0)
    summed = frame.groupby(keys, sort=True).sum()
    result = pd.DataFrame(index=summed.index)
    for d in ASSESSMENT_DIMENSIONS:
        weight = summed[f"_{d}_w"]
        result[d] = summed[f"_{d}_wx"] / weight.where(weight > 0)
        result[f"{d}_points"] = summed[f"{d}_points"].where(weight > 0)
    return result.reset_index()
