"""Assessment scores and grades, from the rules in assets/grading.toml.

Project score for a quarter = Σ over assessors of w_assessor × (Σ over dimensions of
w_dimension × score) with both weight sets normalised over what is present.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from data_access.config import ASSETS_DIR
from data_access.schema import ASSESSMENT_DIMENSIONS

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

    def grade(self, score: float | None) -> str | None:
        """Grade key for a score (None for a missing score)."""
        if score is None or (isinstance(score, float) and np.isnan(score)):
            return None
        if score >= self.excellent_from:
            return "excellent"
        if score >= self.qualified_from:
            return "qualified"
        return "unqualified"


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> GradingRules:
    """Read the grading rules (default assets/grading.toml)."""
    with (path or ASSETS_DIR / "grading.toml").open("rb") as handle:
        data = tomllib.load(handle)
    thresholds = data["grade_thresholds"]
    return GradingRules(
        dimension_weights=tuple(data["dimension_weights"].items()),
        assessor_weights=tuple(data["assessor_weights"].items()),
        excellent_from=float(thresholds["excellent"]),
        qualified_from=float(thresholds["qualified"]),
    )


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
