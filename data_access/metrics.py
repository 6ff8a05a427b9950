"""The metric registry: every metric of DOMAIN.md defined once.

A metric is computed from *components*, sums that the data-access layer reads from the
summary tables for a period and a scope (or for each group of a breakdown):

=====================  ==================================================================
component              meaning
=====================  ==================================================================
respondents/satisfied  survey sums over survey rows lying inside the period
households_billed/paid fee collection sums over the months of the period
complaints             complaints received in the period
complaints_on_time     … of which answered by the end of the 3rd working day after receipt
complaints_resolved    … of which resolved
household_months       Σ over the months of the period of the households in scope
estates, households    estates and their households in scope at the end of the period
managed_estates        … managed by a company or a street bundle (专业物业 / 大物业)
managed_households     households of those
unmanaged_estates      … with no company and no bundle
committee_estates      … with an owners' committee
score_weighted/weight  Σ households × project score, Σ households, over assessed projects
=====================  ==================================================================

Rates are ratios of sums (never averages of estate rates) and are fractions 0–1.
:func:`evaluate` works on one mapping of scalars or on a DataFrame with one row per group.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from data_access import grading

Format = Literal["percent1", "percent2", "per1000", "count", "score", "grade"]

COMPONENTS = (
    "respondents",
    "satisfied",
    "households_billed",
    "households_paid",
    "complaints",
    "complaints_on_time",
    "complaints_resolved",
    "household_months",
    "estates",
    "households",
    "managed_estates",
    "managed_households",
    "unmanaged_estates",
    "committee_estates",
    "score_weighted",
    "score_weight",
)


def ratio(numerator: Any, denominator: Any) -> Any:
    """numerator / denominator; None (scalars) or NaN (Series, arrays) where the
    denominator is 0."""
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        numerator, denominator = np.broadcast_arrays(np.asarray(numerator, dtype=float),
                                                     np.asarray(denominator, dtype=float))
        quotient = np.full(numerator.shape, np.nan)
        np.divide(numerator, denominator, out=quotient, where=denominator != 0)
        return quotient
    if isinstance(numerator, pd.Series) or isinstance(denominator, pd.Series):
        denominator = pd.Series(denominator, dtype=float) if not isinstance(
            denominator, pd.Series) else denominator.astype(float)
        return numerator / denominator.where(denominator != 0)
    if denominator is None or numerator is None or denominator == 0:
        return None
    if isinstance(denominator, float) and math.isnan(denominator):
        return None
    return numerator / denominator


def _scale(value: Any, factor: float) -> Any:
    return None if value is None else value * factor


def _grade(score: Any) -> Any:
    rules = grading.load_rules()
    if isinstance(score, pd.Series):
        return pd.Series(rules.grades(score.to_numpy(dtype=float)), index=score.index,
                         dtype=object)
    if isinstance(score, np.ndarray):
        return rules.grades(score).astype(object)
    return rules.grade(score)


@dataclass(frozen=True)
class Metric:
    """One metric: how it is named, computed, shown and judged."""

    key: str
    label_zh: str
    label_en: str
    formula_zh: str
    formula_en: str
    compute: Callable[[Mapping[str, Any]], Any]
    format: Format
    higher_is_better: bool | None
    target: float | None
    kind: Literal["flow", "stock", "score"]
    headline: bool = False

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def formula(self, lang: str) -> str:
        return self.formula_zh if lang == "zh" else self.formula_en

    def meets_target(self, value: Any) -> bool | None:
        """Whether ``value`` reaches the target in the metric's good direction."""
        if value is None or self.target is None or self.higher_is_better is None:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


METRICS: tuple[Metric, ...] = (
    Metric(
        "satisfaction_rate", "满意度", "Satisfaction",
        "满意户数之和 ÷ 受访户数之和（调查期间在统计期内的调查）",
        "Σ satisfied ÷ Σ respondents, over surveys whose period lies in the period",
        lambda c: ratio(c["satisfied"], c["respondents"]),
        "percent1", True, 0.90, "flow", headline=True,
    ),
    Metric(
        "payment_rate", "物业费收缴率", "Fee payment rate",
        "实缴户数之和 ÷ 应缴户数之和（统计期内各月）",
        "Σ households paid ÷ Σ households billed, over the months in the period",
        lambda c: ratio(c["households_paid"], c["households_billed"]),
        "percent1", True, 0.85, "flow", headline=True,
    ),
    Metric(
        "complaint_rate", "投诉率", "Complaint rate",
        "统计期内投诉件数 ÷ 范围内小区总户数，按年折算（× 12 ÷ 月数）",
        "complaints received ÷ Σ households in scope, annualised (× 12 ÷ months)",
        lambda c: ratio(c["complaints"] * 12, c["household_months"]),
        "percent2", False, 0.005, "flow", headline=True,
    ),
    Metric(
        "complaints_per_1000", "千户投诉量", "Complaints per 1,000 households",
        "投诉率 × 1000（年化）", "complaint rate × 1,000 (annualised)",
        lambda c: _scale(c["complaint_rate"], 1000),
        "per1000", False, 5.0, "flow",
    ),
    Metric(
        "coverage_rate", "专业物业覆盖率", "Professional coverage",
        "由物业企业或街道大物业管理的小区数 ÷ 全部小区数（期末）",
        "estates managed by a company or a street bundle ÷ all estates (end of period)",
        lambda c: ratio(c["managed_estates"], c["estates"]),
        "percent1", True, 0.90, "stock", headline=True,
    ),
    Metric(
        "coverage_rate_households", "专业物业覆盖率（按户）", "Coverage by households",
        "受专业物业或大物业服务的户数 ÷ 全部户数（期末）",
        "households in managed estates ÷ all households (end of period)",
        lambda c: ratio(c["managed_households"], c["households"]),
        "percent1", True, 0.90, "stock",
    ),
    Metric(
        "unmanaged_estates", "脱管小区", "Unmanaged estates",
        "既无物业企业也无大物业的小区数（期末）",
        "estates with no company and no bundle (end of period)",
        lambda c: c["unmanaged_estates"],
        "count", False, 0, "stock", headline=True,
    ),
    Metric(
        "committee_rate", "业委会组建率", "Owners' committees",
        "已成立业主委员会的小区数 ÷ 全部小区数（期末）",
        "estates with an owners' committee ÷ all estates (end of period)",
        lambda c: ratio(c["committee_estates"], c["estates"]),
        "percent1", True, 0.60, "stock", headline=True,
    ),
    Metric(
        "on_time_response_rate", "按时响应率", "On-time response",
        "受理后第3个工作日结束前答复的投诉 ÷ 统计期内受理的投诉（国家法定工作日历）",
        "complaints answered by the end of the 3rd working day after receipt ÷ complaints "
        "received (Chinese official working-day calendar)",
        lambda c: ratio(c["complaints_on_time"], c["complaints"]),
        "percent1", True, 0.95, "flow",
    ),
    Metric(
        "resolution_rate", "办结率", "Resolution rate",
        "统计期内受理且已办结的投诉 ÷ 统计期内受理的投诉",
        "complaints received in the period and resolved ÷ complaints received",
        lambda c: ratio(c["complaints_resolved"], c["complaints"]),
        "percent1", True, 0.95, "flow",
    ),
    Metric(
        "assessment_score", "考核得分", "Assessment score",
        "各项目季度加权考核得分的按户加权平均",
        "household-weighted mean of the projects' weighted quarterly assessment scores",
        lambda c: ratio(c["score_weighted"], c["score_weight"]),
        "score", True, 90.0, "score",
    ),
    Metric(
        "grade", "等级", "Grade",
        "按考核得分：优秀 / 合格 / 不合格（阈值可配置）",
        "from the assessment score: excellent / qualified / unqualified (configurable)",
        lambda c: _grade(c["assessment_score"]),
        "grade", None, None, "score",
    ),
)

#: Metrics of complaint handling computed from the complaint summary's own components
#: (complaints_satisfied, complaints_rated, complaints_repeat, resolved_total) on the
#: complaints page and the estate profile; not part of :func:`evaluate`'s headline set.
COMPLAINT_HANDLING_METRICS: tuple[Metric, ...] = (
    Metric(
        "handling_satisfaction_rate", "处理满意率", "Satisfied with handling",
        "对处理结果表示满意的投诉 ÷ 投诉人作出评价的投诉",
        "complaints whose complainant was satisfied with the handling ÷ complaints rated",
        lambda c: ratio(c["complaints_satisfied"], c["complaints_rated"]),
        "percent1", True, None, "flow",
    ),
    Metric(
        "repeat_share", "重复投诉占比", "Repeat complaints",
        "同一小区同一类别、距上一次投诉不超过30天的投诉 ÷ 投诉件数",
        "complaints about the same estate and category within 30 days of the previous one "
        "÷ complaints",
        lambda c: ratio(c["complaints_repeat"], c["complaints"]),
        "percent1", False, None, "flow",
    ),
    Metric(
        "resolved_level_share", "办结层级占比", "Share of resolved complaints",
        "在该层级办结的投诉 ÷ 已办结投诉", "complaints resolved at that level ÷ complaints resolved",
        lambda c: ratio(c["complaints_resolved"], c["resolved_total"]),
        "percent1", None, None, "flow",
    ),
)

METRICS_BY_KEY: dict[str, Metric] = {
    metric.key: metric for metric in (*METRICS, *COMPLAINT_HANDLING_METRICS)}
HEADLINE_KEYS = tuple(metric.key for metric in METRICS if metric.headline)


def get(key: str) -> Metric:
    """The metric with ``key``; KeyError names the known keys."""
    try:
        return METRICS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(METRICS_BY_KEY)}") from None


def evaluate(components: Mapping[str, Any] | pd.DataFrame) -> dict[str, Any] | pd.DataFrame:
    """Compute every metric from ``components``.

    A mapping of scalars gives a dict {metric key: value or None}. A DataFrame (one row
    per group) gives a copy with one added column per metric (NaN where undefined).
    Missing components count as 0.
    """
    if isinstance(components, pd.DataFrame):
        return evaluate_frame(components, METRICS)
    values: dict[str, Any] = {name: float(components.get(name) or 0) for name in COMPONENTS}
    result: dict[str, Any] = {}
    for metric in METRICS:
        value = metric.compute(values)
        if isinstance(value, (np.floating, np.integer)):
            value = value.item()
        values[metric.key] = value
        result[metric.key] = value
    return result


def evaluate_frame(components: pd.DataFrame, metrics: tuple[Metric, ...],
                   component_names: tuple[str, ...] = COMPONENTS) -> pd.DataFrame:
    """:func:`evaluate` of a frame for ``metrics``: a copy of ``components`` with each of
    ``component_names`` as float (null and missing → 0) and one column per metric, in
    the order the metrics are given (a metric may read those before it).

    Computed on numpy arrays and assembled once: inserting a column at a time costs a
    pandas block copy each, several times the arithmetic on a frame of a few rows.
    """
    values: dict[str, Any] = {}
    for name in component_names:
        values[name] = (components[name].fillna(0).to_numpy(dtype=float)
                        if name in components else np.zeros(len(components)))
    for metric in metrics:
        values[metric.key] = metric.compute(values)
    order = [*components.columns, *(name for name in values if name not in components)]
    kept = components.drop(columns=[name for name in values if name in components])
    added = pd.DataFrame(values, index=components.index)
    return pd.concat([kept, added], axis=1)[order]


def format_value(metric: Metric | str, value: Any, lang: str = "zh") -> str:
    """Format a metric value for display: 90.5% · 0.40% · 4.0 · 1,234 · 88.2 · 合格."""
    metric = get(metric) if isinstance(metric, str) else metric
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.format == "percent1":
        return f"{value * 100:.1f}%"
    if metric.format == "percent2":
        return f"{value * 100:.2f}%"
    if metric.format == "per1000":
        return f"{value:.1f}"
    if metric.format == "count":
        return f"{int(round(value)):,}"
    if metric.format == "score":
        return f"{value:.1f}"
    return grading.GRADE_LABELS.get(value, {}).get(lang, str(value))


def format_delta(metric: Metric | str, current: Any, previous: Any, lang: str = "zh") -> str | None:
    """The change from ``previous`` to ``current`` in the metric's unit, or None.

    Rates change in percentage points (+2.1 pp / +2.1个百分点); counts and scores by value.
    """
    metric = get(metric) if isinstance(metric, str) else metric
    if metric.format == "grade" or current is None or previous is None:
        return None
    if any(isinstance(v, float) and math.isnan(v) for v in (current, previous)):
        return None
    change = current - previous
    if metric.format in ("percent1", "percent2"):
        digits = 1 if metric.format == "percent1" else 2
        unit = "个百分点" if lang == "zh" else " pp"
        return f"{_signed(change * 100, digits)}{unit}"
    if metric.format == "count":
        return _signed(round(change), 0)
    return _signed(change, 1)


def _signed(value: float, digits: int) -> str:
    """+1.5 / -1.5 / 0.0: no sign when the value rounds to zero (no false arrows)."""
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+,.{digits}f}"


def format_target(metric: Metric | str, lang: str = "zh") -> str | None:
    """'≥ 90.0%' / '≤ 0.50%' style target text, or None when the metric has no target."""
    metric = get(metric) if isinstance(metric, str) else metric
    if metric.target is None or metric.higher_is_better is None:
        return None
    sign = "≥" if metric.higher_is_better else "≤"
    return f"{sign} {format_value(metric, metric.target, lang)}"
