"""Every UI string of the dashboard, in Chinese (default) and English.

Use :func:`t` with a literal key everywhere (tests scan the sources for ``t("…")`` calls
and check that each key exists in both languages). Metric labels and formulas are not
here: they come from the metric registry (``Metric.label(lang)``/``formula(lang)``);
grade labels come from ``data_access.grading.GRADE_LABELS``.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"

CATALOG: dict[str, dict[str, str]] = {
    # --- shell -------------------------------------------------------------------------
    "app.title": {"zh": "红色物业监管平台", "en": "Red Property supervision"},
    "app.schema_outdated": {
        "zh": "数据库结构版本低于本程序所需版本，请管理员先备份数据库，再运行 `{command}` 升级（数据会保留）。",
        "en": "The database's schema is older than this version needs. An administrator should "
              "back up the database, then run `{command}` to upgrade it (the data is kept).",
    },
    "app.subtitle": {"zh": "住宅小区物业服务监管数据看板",
                     "en": "Residential property management supervision dashboard"},
    "nav.overview": {"zh": "监管驾驶舱", "en": "Overview"},
    "nav.definitions": {"zh": "指标口径", "en": "Definitions"},
    "demo.badge": {"zh": "演示数据", "en": "Demo data"},
    "demo.help": {"zh": "本数据库由演示数据生成器生成，所有数字均为模拟，不代表真实情况。",
                  "en": "This database was built by the demo generator; every figure is "
                        "simulated and describes no real place."},
    "lang.label": {"zh": "语言", "en": "Language"},
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    "sidebar.data_through": {"zh": "数据截至 {month}", "en": "Data through {month}"},
    "sidebar.no_data": {"zh": "数据库中暂无数据", "en": "The database holds no data yet"},
    # --- filters -----------------------------------------------------------------------
    "filter.header": {"zh": "筛选", "en": "Filters"},
    "filter.granularity": {"zh": "统计周期", "en": "Period type"},
    "grain.year": {"zh": "年", "en": "Year"},
    "grain.quarter": {"zh": "季度", "en": "Quarter"},
    "grain.month": {"zh": "月", "en": "Month"},
    "filter.period": {"zh": "统计期", "en": "Period"},
    "filter.period_no_data": {"zh": "{period}（无数据）", "en": "{period} (no data)"},
    "filter.district": {"zh": "区县", "en": "District"},
    "filter.street": {"zh": "街道", "en": "Street"},
    "filter.all_city": {"zh": "全市", "en": "Whole city"},
    "filter.all_streets": {"zh": "全部街道", "en": "All streets"},
    "filter.street_needs_district": {"zh": "请先选择区县", "en": "Choose a district first"},
    # --- overview ----------------------------------------------------------------------
    "overview.title": {"zh": "红色物业监管驾驶舱", "en": "Red Property supervision cockpit"},
    "overview.scope": {"zh": "当前范围：{description}", "en": "Showing: {description}"},
    "overview.trends": {"zh": "核心指标趋势", "en": "Headline trends"},
    "overview.trends_caption": {
        "zh": "{area}自有数据以来的走势；虚线为目标值，点线为重要节点，阴影为所选统计期。",
        "en": "{area} since data began; dashed line: target, dotted line: milestone, "
              "shading: the selected period."},
    "overview.compare_districts": {"zh": "区县对比", "en": "District comparison"},
    "overview.compare_streets": {"zh": "街道对比", "en": "Street comparison"},
    "overview.compare_caption": {"zh": "{description}；颜色较浅的条形未达到目标。",
                                 "en": "{description}; lighter bars miss the target."},
    "overview.table_title": {"zh": "核心指标明细", "en": "Headline indicators by area"},
    "trend.grain": {"zh": "趋势粒度", "en": "Trend by"},
    "compare.metric": {"zh": "对比指标", "en": "Metric to compare"},
    "kpi.target_met": {"zh": "目标 {target} · :green[达标]", "en": "Target {target} · :green[met]"},
    "kpi.target_not_met": {"zh": "目标 {target} · :red[未达标]",
                           "en": "Target {target} · :red[not met]"},
    "kpi.target_unknown": {"zh": "目标 {target} · 暂无数据", "en": "Target {target} · no data"},
    "kpi.partial_period": {
        "zh": "{period}只有{first}至{last}的数据：比率按这些月份计算（投诉率按月数年化），"
              "存量指标取{last}末。",
        "en": "{period} has data for {first} to {last} only: rates cover those months (the "
              "complaint rate annualised by month count), stocks are taken at the end of "
              "{last}."},
    "kpi.vs_previous": {"zh": "较{period}", "en": "vs {period}"},
    "status.met": {"zh": "达标", "en": "met"},
    "status.not_met": {"zh": "未达标", "en": "not met"},
    "status.no_data": {"zh": "无数据", "en": "no data"},
    "table.district": {"zh": "区县", "en": "District"},
    "table.street": {"zh": "街道", "en": "Street"},
    "download.csv": {"zh": "下载表格（CSV）", "en": "Download table (CSV)"},
    "download.filters_line": {"zh": "筛选条件：{description}", "en": "Filters: {description}"},
    "empty.no_data": {
        "zh": "所选范围在{period}没有数据（{area}）。现有数据覆盖{first}至{last}，"
              "请在左侧选择其他统计期或区域。",
        "en": "There is no data for {area} in {period}. The data cover {first} to {last}; "
              "choose another period or area in the sidebar."},
    "empty.no_data_db": {
        "zh": "数据库中还没有任何数据。请先导入数据或生成演示数据，然后刷新本页。",
        "en": "The database holds no data yet. Load data or build the demo data, then "
              "reload this page."},
    "empty.no_trend": {"zh": "所选区域没有可以绘制的历史数据。",
                       "en": "The selected area has no history to chart."},
    "calendar.fallback": {
        "zh": "{years}年的按时响应率仅按周末认定休息日（官方节假日日历尚未覆盖这些年份）。",
        "en": "On-time response for {years} treats weekends only as days off (the official "
              "holiday calendar does not cover those years yet)."},
    # --- charts ------------------------------------------------------------------------
    "chart.target": {"zh": "目标 {target}", "en": "Target {target}"},
    "chart.milestone": {"zh": "{label}（{month}）", "en": "{label} ({month})"},
    "chart.milestone_legend": {"zh": "重要节点：{items}", "en": "Milestones: {items}"},
    # --- definitions page --------------------------------------------------------------
    "defs.title": {"zh": "指标口径与考核规则", "en": "Metric definitions and grading rules"},
    "defs.intro": {
        "zh": "本平台所有页面、图表和导出使用同一套指标定义。比率一律按“分子之和 ÷ 分母之和”"
              "计算（不对各小区比率取平均），以百分比显示。",
        "en": "Every page, chart and export uses the same metric definitions. Rates are "
              "always a sum of numerators divided by a sum of denominators (never an "
              "average of estate rates) and are shown in %."},
    "defs.metrics": {"zh": "指标定义", "en": "Metrics"},
    "defs.col.metric": {"zh": "指标", "en": "Metric"},
    "defs.col.formula": {"zh": "计算口径", "en": "Definition"},
    "defs.col.target": {"zh": "目标值", "en": "Target"},
    "defs.col.direction": {"zh": "方向", "en": "Direction"},
    "defs.col.headline": {"zh": "核心指标", "en": "Headline"},
    "defs.yes": {"zh": "是", "en": "yes"},
    "defs.no": {"zh": "否", "en": "no"},
    "defs.none": {"zh": "—", "en": "—"},
    "direction.higher": {"zh": "越高越好", "en": "Higher is better"},
    "direction.lower": {"zh": "越低越好", "en": "Lower is better"},
    "defs.workdays": {
        "zh": "按时响应：受理日之后第3个工作日结束前答复。工作日按国家法定日历：周末休息、法定节假日"
              "休息、调休上班日上班。",
        "en": "On time: answered by the end of the 3rd working day after the day of receipt. "
              "Working days follow the Chinese official calendar: weekends and statutory "
              "holidays off, adjusted working weekends (调休) on."},
    "defs.grading": {"zh": "物业服务项目考核规则", "en": "Project assessment rules"},
    "defs.grading_intro": {
        "zh": "项目季度得分 = Σ 评价主体权重 ×（Σ 维度权重 × 维度得分），两组权重均在实际参与的"
              "主体和维度上归一化。等级按得分划分。",
        "en": "Quarterly project score = Σ assessor weight × (Σ dimension weight × dimension "
              "score), both weight sets normalised over the assessors and dimensions present. "
              "The grade follows from the score."},
    "defs.dimension_weights": {"zh": "考核维度权重", "en": "Dimension weights"},
    "defs.assessor_weights": {"zh": "评价主体权重", "en": "Assessor weights"},
    "defs.thresholds": {"zh": "等级划分", "en": "Grade thresholds"},
    "defs.col.dimension": {"zh": "维度", "en": "Dimension"},
    "defs.col.assessor": {"zh": "评价主体", "en": "Assessor"},
    "defs.col.weight": {"zh": "权重", "en": "Weight"},
    "defs.col.share": {"zh": "归一化占比", "en": "Normalised share"},
    "defs.col.grade": {"zh": "等级", "en": "Grade"},
    "defs.col.score_range": {"zh": "得分", "en": "Score"},
    "defs.score_from": {"zh": "≥ {score} 分", "en": "≥ {score}"},
    "defs.score_between": {"zh": "{low} 分 ≤ 得分 < {high} 分", "en": "{low} ≤ score < {high}"},
    "defs.score_below": {"zh": "< {score} 分", "en": "< {score}"},
    "dim.service_quality": {"zh": "服务质量", "en": "Service quality"},
    "dim.owner_satisfaction": {"zh": "业主满意", "en": "Owner satisfaction"},
    "dim.complaint_handling": {"zh": "投诉处理", "en": "Complaint handling"},
    "dim.disclosure": {"zh": "信息公开", "en": "Disclosure"},
    "dim.safety": {"zh": "安全管理", "en": "Safety"},
    "dim.party_building": {"zh": "党建引领", "en": "Party building"},
    "assessor.community": {"zh": "社区", "en": "Community"},
    "assessor.street": {"zh": "街道", "en": "Street office"},
    "assessor.district": {"zh": "区县", "en": "District"},
    "assessor.owners": {"zh": "业主", "en": "Owners"},
    "assessor.experts": {"zh": "专家", "en": "Experts"},
}


def _merge_area_catalogs() -> None:
    from dashboard.catalogs import area_entries

    for key, entry in area_entries().items():
        if key in CATALOG:
            raise ValueError(f"i18n key {key!r} defined twice")
        CATALOG[key] = entry


_merge_area_catalogs()


def normalize_lang(value: object) -> str:
    """``value`` if it is a supported language code, else the default (Chinese)."""
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def t(key: str, lang: str, **fmt: object) -> str:
    """The text of ``key`` in ``lang`` (Chinese for an unknown language), formatted.

    Raises KeyError for an unknown key, so a typo fails loudly in tests.
    """
    try:
        entry = CATALOG[key]
    except KeyError:
        raise KeyError(f"unknown i18n key {key!r}") from None
    text = entry[normalize_lang(lang)]
    return text.format(**fmt) if fmt else text


def has_key(key: str) -> bool:
    return key in CATALOG
