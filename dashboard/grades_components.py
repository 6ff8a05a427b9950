"""Building blocks of the grades pages: the rules panel, the league table with its funnel
plot and key-supervision list, the company profile, the red/black list and the
quality–price mismatch list.

Functions that return data (``*_table``, ``*_display``, ``table_xlsx``, labels) are pure
and tested directly; the others render with Streamlit. Every table shown has a download
of exactly what is shown, whose first line describes the filters.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts, components, grades_charts, grades_data
from dashboard import data as base_data
from dashboard.i18n import t
from dashboard.navigation import PAGES_DIR
from data_access import grading, metrics
from data_access.filters import Filters, Scope
from data_access.grades import quarters_of, waterfall_parts
from data_access.periods import Period
from data_access.schema import ASSESSMENT_DIMENSIONS

COMPANIES_PAGE: Path = PAGES_DIR / "companies.py"
COMPANY_PAGE: Path = PAGES_DIR / "company.py"
REDBLACK_PAGE: Path = PAGES_DIR / "redblack.py"
MISMATCH_PAGE: Path = PAGES_DIR / "mismatch.py"

#: URL parameter of the company profile (/company?company=CODE)
COMPANY_PARAM = "company"

KEY_LEAGUE_TABLE = "grades_league"
KEY_GRADE_FILTER = "grades_grade_filter"
KEY_SEARCH = "grades_search"
KEY_COMPANY = "grades_company"
KEY_YEAR = "grades_year"
KEY_GOTO = "_grades_goto"
KEY_COMPANY_URL = "_grades_company_url"
NO_GRADE = "none"
GRADE_OPTIONS = (*grading.GRADES, NO_GRADE)

LEAGUE_METRICS = ("satisfaction_rate", "payment_rate", "complaint_rate",
                  "on_time_response_rate")


# --- labels -----------------------------------------------------------------------------------


def grade_label(grade: str | None, lang: str) -> str:
    """优秀 / 合格 / 不合格, or 未评级 / Not graded."""
    return grades_charts.grade_label(grade, lang)


def grade_option_label(option: str, lang: str) -> str:
    return t("grades.grade.none", lang) if option == NO_GRADE else grade_label(option, lang)


def signal_label(signal: str | None, lang: str) -> str:
    labels = {"high": t("grades.signal.high", lang), "elevated": t("grades.signal.elevated", lang),
              "normal": t("grades.signal.normal", lang), "low": t("grades.signal.low", lang)}
    return labels.get(signal, "—")


def category_label(category: str, lang: str) -> str:
    labels = {
        "cleaning": t("grades.category.cleaning", lang),
        "security": t("grades.category.security", lang),
        "parking": t("grades.category.parking", lang),
        "elevators": t("grades.category.elevators", lang),
        "fire_safety": t("grades.category.fire_safety", lang),
        "ebike_charging": t("grades.category.ebike_charging", lang),
        "fees": t("grades.category.fees", lang),
        "public_income": t("grades.category.public_income", lang),
        "greening": t("grades.category.greening", lang),
        "water_leaks": t("grades.category.water_leaks", lang),
        "noise": t("grades.category.noise", lang),
        "other": t("grades.category.other", lang),
    }
    return labels.get(category, category)


def list_label(name: str | None, lang: str) -> str:
    if name == "red":
        return t("grades.list.red", lang)
    if name == "black":
        return t("grades.list.black", lang)
    return t("grades.list.none", lang)


def tier_label(tier, lang: str) -> str:
    if tier is None or (isinstance(tier, float) and math.isnan(tier)):
        return "—"
    return t("grades.tier.label", lang, tier=int(tier))


def quarter_label(quarter: str, lang: str) -> str:
    return Period.parse(quarter).label(lang)


def quarters_text(first: str | None, last: str | None, lang: str) -> str:
    if not first:
        return "—"
    if first == last:
        return quarter_label(first, lang)
    return t("grades.quarters_range", lang, first=quarter_label(first, lang),
             last=quarter_label(last, lang))


def _score(value) -> str:
    return metrics.format_value("assessment_score", None if _missing(value) else float(value))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        not isinstance(value, (str, list, tuple)) and pd.isna(value))


def _separator(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def _street(row, lang: str) -> str:
    name = row.get("street_name")
    return name if lang == "zh" else (row.get("street_name_en") or name)


# --- exports ----------------------------------------------------------------------------------


def table_xlsx(table: pd.DataFrame, description: str, sheet: str = "data") -> bytes:
    """An Excel workbook: the description in A1, the table from row 3."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet, index=False, startrow=2)
        writer.sheets[sheet]["A1"] = description
    return buffer.getvalue()


def file_stem(stem: str, filters: Filters, extra: str | None = None) -> str:
    """'red-property_companies_2025_371002' (no extension)."""
    parts = ["red-property", stem, extra or filters.period]
    parts += [code for code in (filters.district, filters.street) if code]
    return "_".join(parts)


def downloads(table: pd.DataFrame, description: str, stem: str, key: str, lang: str,
              *, xlsx: bool = False) -> None:
    """CSV (and Excel) download buttons of ``table`` with ``description`` on top."""
    line = t("download.filters_line", lang, description=description)
    columns = st.columns([1, 1, 3]) if xlsx else [st]
    # callables: the files are built when a button is clicked, not on every run
    columns[0].download_button(t("download.csv", lang),
                               data=functools.partial(components.table_csv, table, line),
                               file_name=stem + ".csv", mime="text/csv",
                               key=f"{key}_csv", on_click="ignore")
    if xlsx:
        columns[1].download_button(
            t("grades.download.xlsx", lang), data=functools.partial(table_xlsx, table, line),
            file_name=stem + ".xlsx", key=f"{key}_xlsx", on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- rules panel ------------------------------------------------------------------------------


def fee_tier_table(lang: str, rules: grading.GradingRules | None = None) -> pd.DataFrame:
    """Fee tiers: tier, fee range and the lowest grade that supports it."""
    rules = rules or grading.load_rules()
    rows = []
    for tier in range(1, rules.tier_count + 1):
        low, high = rules.tier_range(tier)
        if low is None:
            fees = t("grades.tier.below", lang, high=f"{high:.2f}")
        elif high is None:
            fees = t("grades.tier.from", lang, low=f"{low:.2f}")
        else:
            fees = t("grades.tier.between", lang, low=f"{low:.2f}", high=f"{high:.2f}")
        required = rules.grade_for_tier(tier)
        rows.append({t("grades.rules.tier_col", lang): tier_label(tier, lang),
                     t("grades.rules.fee_col", lang): fees,
                     t("grades.rules.grade_col", lang): grade_label(required, lang)
                     if required else t("grades.rules.no_grade", lang)})
    return pd.DataFrame(rows)


def rules_lines(lang: str, rules: grading.GradingRules | None = None) -> list[str]:
    """The rules in words, numbers from the configuration."""
    rules = rules or grading.load_rules()
    share = metrics.format_value("on_time_response_rate", rules.red_max_overdue_share, lang)
    return [
        t("grades.rules.project", lang),
        t("grades.rules.company", lang),
        t("grades.rules.key_supervision", lang, n=rules.key_supervision_quarters),
        t("grades.rules.red", lang, share=share),
        t("grades.rules.black", lang, n=rules.black_min_unqualified_quarters),
        t("grades.rules.league", lang, n=f"{rules.min_surveyed_households:,}"),
        t("grades.rules.quality_price", lang),
    ]


def rules_panel(lang: str, *, expanded: bool = False) -> None:
    """The "how grades are computed" expander: weights, thresholds and every rule."""
    rules = grading.load_rules()
    with st.expander(t("grades.rules.title", lang), expanded=expanded):
        lines = rules_lines(lang, rules)
        for line in lines[:6]:
            st.markdown("- " + line)
        weights, assessors, thresholds = st.columns(3)
        with weights:
            st.markdown(f"**{t('defs.dimension_weights', lang)}**")
            st.table(components.dimension_weights_table(lang, rules), hide_index=True)
        with assessors:
            st.markdown(f"**{t('defs.assessor_weights', lang)}**")
            st.table(components.assessor_weights_table(lang, rules), hide_index=True)
        with thresholds:
            st.markdown(f"**{t('defs.thresholds', lang)}**")
            st.table(components.thresholds_table(lang, rules), hide_index=True)
        st.markdown(lines[6])
        st.table(fee_tier_table(lang, rules), hide_index=True)
        st.caption(t("grades.rules.source", lang))


def page_links(lang: str, current: str) -> None:
    """Links between the four grades pages (the current one left out)."""
    targets = [("companies", COMPANIES_PAGE, t("grades.nav.companies", lang)),
               ("company", COMPANY_PAGE, t("grades.nav.company", lang)),
               ("redblack", REDBLACK_PAGE, t("grades.nav.redblack", lang)),
               ("mismatch", MISMATCH_PAGE, t("grades.nav.mismatch", lang))]
    shown = [target for target in targets if target[0] != current]
    for column, (_, path, label) in zip(st.columns(len(shown) + 2), shown):
        with column:
            st.page_link(path, label=label)


# --- league table -----------------------------------------------------------------------------


def rank_text(row: dict, lang: str) -> str:
    if not row.get("eligible"):
        return t("grades.rank.insufficient", lang)
    if _missing(row.get("rank")):
        return t("grades.rank.no_score", lang)
    return str(int(row["rank"]))


def profile_url(code: str, filters: Filters, lang: str) -> str:
    """Relative link to the company profile keeping language and period."""
    return f"company?company={code}&lang={lang}&period={filters.period}"


def filter_league(table: pd.DataFrame, grades_chosen: list[str] | None,
                  search: str | None) -> pd.DataFrame:
    """Rows whose grade is among ``grades_chosen`` (``none`` = not graded; empty/None:
    all) and whose name or code contains ``search``."""
    frame = table
    if grades_chosen:
        wanted = set(grades_chosen)
        keep = frame["grade"].map(lambda g: (NO_GRADE if _missing(g) else g) in wanted)
        frame = frame[keep]
    if search:
        needle = search.strip().lower()
        frame = frame[frame["name"].str.lower().str.contains(needle, regex=False)
                      | frame["code"].str.lower().str.contains(needle, regex=False)]
    return frame.reset_index(drop=True)


def league_columns(lang: str, quarters: int) -> dict[str, str]:
    """Column key → header, in display order."""
    return {
        "rank": t("grades.col.rank", lang),
        "name": t("grades.col.company", lang),
        "code": t("grades.col.code", lang),
        "estates": t("grades.col.estates", lang),
        "households": t("grades.col.households_managed", lang),
        "score": metrics.get("assessment_score").label(lang),
        "grade": metrics.get("grade").label(lang),
        "trend": t("grades.col.trend", lang, n=quarters),
        **{key: metrics.get(key).label(lang) for key in LEAGUE_METRICS},
        "signal": t("grades.col.signal", lang),
        "surveyed": t("grades.col.surveyed", lang),
        "key_supervision": t("grades.col.key_supervision", lang),
        "profile": t("grades.col.profile", lang),
    }


def league_display(table: pd.DataFrame, filters: Filters, lang: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, export) of the league table.

    ``shown`` keeps numbers in display units (rates in %) so st.dataframe sorts them;
    ``export`` holds the same cells as text formatted by the registry (the CSV). Both
    have the headers of :func:`league_columns` in ``lang``.
    """
    quarters = len(table["trend_quarters"].iloc[0]) if len(table) else 0
    headers = league_columns(lang, quarters)
    shown_rows, export_rows = [], []
    for row in table.to_dict("records"):
        shown = {
            "rank": rank_text(row, lang), "name": row["name"], "code": row["code"],
            "estates": int(row["estates"]), "households": int(row["households"]),
            "score": None if _missing(row["score"]) else round(float(row["score"]), 1),
            "grade": grade_label(None if _missing(row["grade"]) else row["grade"], lang),
            "trend": [None if _missing(v) else round(float(v), 1) for v in row["trend_scores"]],
            **{key: charts.display_value(key, row[key]) for key in LEAGUE_METRICS},
            "signal": signal_label(row.get("funnel_signal"), lang),
            "surveyed": int(row["surveyed"]),
            "key_supervision": t("grades.yes", lang) if row["key_supervision"] else "—",
            "profile": profile_url(row["code"], filters, lang),
        }
        export = dict(shown)
        export["score"] = _score(row["score"])
        export["trend"] = " / ".join(_score(v) for v in row["trend_scores"])
        for key in LEAGUE_METRICS:
            export[key] = metrics.format_value(key, None if _missing(row[key]) else row[key],
                                               lang)
        export["estates"] = f"{int(row['estates']):,}"
        export["households"] = f"{int(row['households']):,}"
        export["surveyed"] = f"{int(row['surveyed']):,}"
        shown_rows.append(shown)
        export_rows.append(export)
    shown = pd.DataFrame(shown_rows, columns=list(headers)).rename(columns=headers)
    export = pd.DataFrame(export_rows, columns=list(headers)).rename(columns=headers)
    export = export.drop(columns=[headers["profile"]])
    return shown, export


def _number_format(key: str) -> str:
    metric = metrics.get(key)
    return {"percent1": "%.1f%%", "percent2": "%.2f%%"}.get(metric.format, "%.1f")


def _league_config(lang: str, quarters: int, table: pd.DataFrame) -> dict:
    headers = league_columns(lang, quarters)
    scores = [v for values in table["trend_scores"] for v in values if not _missing(v)]
    low = math.floor(min(scores)) - 1 if scores else 50
    config = {
        headers["estates"]: st.column_config.NumberColumn(format="%d"),
        headers["households"]: st.column_config.NumberColumn(format="localized"),
        headers["score"]: st.column_config.NumberColumn(format="%.1f"),
        headers["trend"]: st.column_config.LineChartColumn(y_min=low, y_max=100),
        headers["surveyed"]: st.column_config.NumberColumn(format="localized"),
        headers["profile"]: st.column_config.LinkColumn(
            display_text=t("grades.profile_link", lang)),
    }
    for key in LEAGUE_METRICS:
        config[headers[key]] = st.column_config.NumberColumn(format=_number_format(key))
    return config


def _on_league_select() -> None:
    """Row selected in the league table: remember the company to open (the page switch
    happens in the script run, not in the callback)."""
    selection = st.session_state.get(KEY_LEAGUE_TABLE)
    rows = getattr(getattr(selection, "selection", None), "rows", None) or []
    codes = st.session_state.get("_grades_league_codes", [])
    if rows and rows[0] < len(codes):
        st.session_state[KEY_GOTO] = codes[rows[0]]


def open_profile(code: str, filters: Filters, lang: str) -> None:
    """Switch to the company profile of ``code`` (keeps language and filters in the URL)."""
    st.switch_page(COMPANY_PAGE, query_params={
        COMPANY_PARAM: code, "lang": lang, **filters.to_query_params()})


def league_section(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame | None:
    """The league table with its grade filter and search, selection → profile, and
    downloads. Returns the table shown (None when there is nothing)."""
    goto = st.session_state.pop(KEY_GOTO, None)
    if goto:
        open_profile(goto, filters, lang)
    table, info = grades_data.league(scope, filters)
    description = components.describe(filters, lang, scope)
    if table.empty:
        st.info(t("grades.league.empty", lang, description=description))
        return None
    month = Period.parse(info["last_month"]).label(lang)
    st.caption(t("grades.league.caption", lang, description=description,
                 quarters=quarters_text(info["first_quarter"], info["last_quarter"], lang),
                 month=month))
    if filters.district or filters.street:
        st.caption(t("grades.league.area_note", lang))
    left, right = st.columns([2, 1])
    chosen = left.multiselect(t("grades.league.filter_grade", lang), list(GRADE_OPTIONS),
                              key=KEY_GRADE_FILTER,
                              placeholder=t("grades.league.all_grades", lang),
                              format_func=lambda g: grade_option_label(g, lang))
    search = right.text_input(t("grades.league.search", lang), key=KEY_SEARCH)
    filtered = filter_league(table, chosen, search)
    if filtered.empty:
        st.info(t("grades.league.no_match", lang))
        return None
    shown, export = league_display(filtered, filters, lang)
    st.session_state["_grades_league_codes"] = list(filtered["code"])
    quarters = len(filtered["trend_quarters"].iloc[0])
    st.caption(t("grades.league.count", lang, shown=len(filtered), total=len(table)) + " "
               + t("grades.league.select_hint", lang))
    st.dataframe(shown, hide_index=True, width="stretch", key=KEY_LEAGUE_TABLE,
                 column_config=_league_config(lang, quarters, filtered),
                 on_select=_on_league_select, placeholder="—",
                 selection_mode="single-row", height=38 + 35 * min(len(shown), 15))
    rules = grading.load_rules()
    st.caption(t("grades.league.insufficient_note", lang,
                 n=f"{rules.min_surveyed_households:,}"))
    downloads(export, description, file_stem("companies", filters),
              "grades_league_download", lang)
    return shown


def funnel_section(scope: Scope, filters: Filters, lang: str) -> None:
    """The complaint-rate funnel plot of the companies in the league table."""
    table, info = grades_data.league(scope, filters)
    st.subheader(t("grades.funnel.title", lang))
    city_rate = info.get("city", {}).get("complaint_rate") if info else None
    if table.empty or city_rate is None:
        st.info(t("grades.funnel.empty", lang))
        return
    rate = metrics.format_value("complaint_rate", city_rate, lang)
    st.caption(t("grades.funnel.caption", lang, rate=rate))
    rules = grading.load_rules()
    figure = grades_charts.funnel_figure(table, city_rate, info["months"], rules.funnel_levels,
                                         lang)
    st.plotly_chart(figure, width="stretch", config=charts.PLOTLY_CONFIG, key="grades_funnel")
    headers = {"name": t("grades.col.company", lang), "code": t("grades.col.code", lang),
               "households_avg": t("grades.funnel.x", lang),
               "complaint_rate": metrics.get("complaint_rate").label(lang),
               "funnel_signal": t("grades.col.signal", lang)}
    export = pd.DataFrame({
        headers["name"]: table["name"], headers["code"]: table["code"],
        headers["households_avg"]: [f"{v:,.0f}" for v in table["households_avg"]],
        headers["complaint_rate"]: [metrics.format_value(
            "complaint_rate", None if _missing(v) else v, lang) for v in table["complaint_rate"]],
        headers["funnel_signal"]: [signal_label(s, lang) for s in table["funnel_signal"]],
    })
    downloads(export, components.describe(filters, lang, scope) + " · " + rate,
              file_stem("funnel", filters), "grades_funnel_download",
              lang)


def key_supervision_tables(companies: pd.DataFrame, projects: pd.DataFrame, lang: str
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The key-supervision lists as shown: companies and projects with their run of
    不合格 quarters and scores."""
    def runs(row) -> tuple[str, str]:
        quarters, scores = list(row["quarters"]), list(row["recent_scores"])
        text = t("grades.ks.run", lang, n=len(quarters), first=quarter_label(quarters[0], lang))
        recent = " / ".join(_score(s) for s in scores)
        return text, ("… / " + recent if len(quarters) > len(scores) else recent)

    company_rows = []
    for row in companies.to_dict("records"):
        quarters, scores = runs(row)
        company_rows.append({t("grades.col.company", lang): row["name"],
                             t("grades.col.code", lang): row["code"],
                             t("grades.col.unqualified_quarters", lang): quarters,
                             t("grades.col.scores", lang): scores})
    project_rows = []
    for row in projects.to_dict("records"):
        quarters, scores = runs(row)
        project_rows.append({t("grades.col.estate", lang): row["estate_name"],
                             t("grades.col.estate_code", lang): row["estate_code"],
                             t("grades.col.street", lang): _street(row, lang),
                             t("grades.col.company", lang): row.get("company_name") or "—",
                             t("grades.col.unqualified_quarters", lang): quarters,
                             t("grades.col.scores", lang): scores})
    company_headers = [t("grades.col.company", lang), t("grades.col.code", lang),
                       t("grades.col.unqualified_quarters", lang), t("grades.col.scores", lang)]
    project_headers = [t("grades.col.estate", lang), t("grades.col.estate_code", lang),
                       t("grades.col.street", lang), t("grades.col.company", lang),
                       t("grades.col.unqualified_quarters", lang), t("grades.col.scores", lang)]
    return (pd.DataFrame(company_rows, columns=company_headers),
            pd.DataFrame(project_rows, columns=project_headers))


def key_supervision_section(scope: Scope, filters: Filters, lang: str) -> None:
    """Companies and projects on key supervision at the end of the period."""
    quarter, companies_on, projects_on = grades_data.key_supervision(scope, filters)
    if quarter is None:
        st.subheader(t("grades.ks.title", lang, quarter="—"))
        st.info(t("grades.ks.no_assessment", lang))
        return
    label = quarter_label(quarter, lang)
    st.subheader(t("grades.ks.title", lang, quarter=label))
    rules = grading.load_rules()
    st.caption(t("grades.ks.caption", lang, n=rules.key_supervision_quarters, quarter=label))
    company_table, project_table = key_supervision_tables(companies_on, projects_on, lang)
    description = components.describe(filters, lang, scope) + " · " + label
    left, right = st.tabs([f"{t('grades.ks.companies', lang)} ({len(company_table)})",
                           f"{t('grades.ks.projects', lang)} ({len(project_table)})"])
    with left:
        if company_table.empty:
            st.info(t("grades.ks.none_companies", lang))
        else:
            st.dataframe(company_table, hide_index=True, width="stretch",
                         key="grades_ks_companies")
            downloads(company_table, description,
                      file_stem("key-supervision-companies", filters),
                      "grades_ks_companies_download", lang)
    with right:
        if project_table.empty:
            st.info(t("grades.ks.none_projects", lang))
        else:
            st.dataframe(project_table, hide_index=True, width="stretch",
                         key="grades_ks_projects")
            downloads(project_table, description,
                      file_stem("key-supervision-projects", filters),
                      "grades_ks_projects_download", lang)


def _open_listing_page(title_key: str, current: str, lang: str
                       ) -> tuple[Scope, Filters] | None:
    """Header, links to the sibling pages and the rules panel of a listing page; returns
    the viewer's scope and filters, or None (after an explanation) when there is no data."""
    from dashboard import state

    scope = state.viewer_scope()
    filters = state.current_filters()
    components.page_header(t(title_key, lang), lang, filters, scope)
    page_links(lang, current)
    rules_panel(lang)
    if base_data.data_months() is None:
        components.empty_state(filters, lang, scope)
        return None
    return scope, filters


def league_page(lang: str) -> None:
    """The whole league page (called by pages/companies.py)."""
    opened = _open_listing_page("grades.league.title", "companies", lang)
    if opened is None:
        return
    scope, filters = opened
    shown = league_section(scope, filters, lang)
    if shown is None:
        return
    funnel_section(scope, filters, lang)
    key_supervision_section(scope, filters, lang)


# --- company profile --------------------------------------------------------------------------


def company_picker(lang: str) -> str | None:
    """The company of the profile: from the URL (?company=CODE) or the picker, which
    writes its choice back to the URL. Returns the code (None when none is chosen)."""
    names = grades_data.companies()
    codes = list(names["code"])
    label = dict(zip(names["code"], names["name"]))
    url_code = st.query_params.get(COMPANY_PARAM) or None
    if st.session_state.get(KEY_COMPANY_URL, "__unset__") != url_code:
        st.session_state[KEY_COMPANY_URL] = url_code
        st.session_state[KEY_COMPANY] = url_code if url_code in label else None
    chosen = st.selectbox(t("grades.profile.pick", lang), codes, key=KEY_COMPANY,
                          index=None, placeholder=t("grades.profile.pick_hint", lang),
                          format_func=lambda c: f"{label.get(c, c)}（{c}）" if lang == "zh"
                          else f"{label.get(c, c)} ({c})")
    if chosen and chosen != url_code:
        st.query_params[COMPANY_PARAM] = chosen
        st.session_state[KEY_COMPANY_URL] = chosen
        return chosen
    if url_code and url_code not in label:
        st.warning(t("grades.profile.unknown", lang, code=url_code))
        return None
    return chosen


def estates_table(estates: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The company's estates as shown: code, name, street, households, fee, tier, score,
    grade, supported tier, quality–price match."""
    rows = []
    for row in estates.to_dict("records"):
        gap = row.get("gap")
        if _missing(gap):
            match = "—"
        elif gap > 0:
            match = t("grades.match.over", lang, gap=int(gap))
        else:
            match = t("grades.match.ok", lang)
        rows.append({
            t("grades.col.estate_code", lang): row["estate_code"],
            t("grades.col.estate", lang): row["estate_name"],
            t("grades.col.street", lang): _street(row, lang),
            t("grades.col.households", lang): f"{int(row['households']):,}",
            t("grades.col.fee", lang): "—" if _missing(row["fee"]) else f"{row['fee']:.2f}",
            t("grades.col.fee_tier", lang): tier_label(row.get("fee_tier"), lang),
            metrics.get("assessment_score").label(lang): _score(row.get("score")),
            metrics.get("grade").label(lang): grade_label(
                None if _missing(row.get("grade")) else row["grade"], lang),
            t("grades.col.supported_tier", lang): tier_label(row.get("supported_tier"), lang),
            t("grades.col.match", lang): match,
        })
    headers = [t("grades.col.estate_code", lang), t("grades.col.estate", lang),
               t("grades.col.street", lang), t("grades.col.households", lang),
               t("grades.col.fee", lang), t("grades.col.fee_tier", lang),
               metrics.get("assessment_score").label(lang), metrics.get("grade").label(lang),
               t("grades.col.supported_tier", lang), t("grades.col.match", lang)]
    return pd.DataFrame(rows, columns=headers)


def waterfall_table(parts: dict, lang: str) -> pd.DataFrame:
    """Per dimension: its score, its points in the company score and the raise of that
    dimension alone that reaches the next grade."""
    rows = []
    for dim in ASSESSMENT_DIMENSIONS:
        raise_needed = parts["raise_needed"].get(dim)
        if parts.get("next_grade") is None:
            needed = "—"
        elif raise_needed is None:
            needed = t("grades.raise.impossible", lang)
        else:
            needed = f"+{raise_needed:.1f}"
        dim_score = parts["dimension_scores"].get(dim)
        rows.append({t("grades.col.dimension", lang): grades_charts.dimension_label(dim, lang),
                     t("grades.col.dimension_score", lang): _score(dim_score),
                     t("grades.col.points", lang): f"{parts['points'][dim]:.2f}",
                     t("grades.col.raise", lang): needed})
    return pd.DataFrame(rows)


def next_grade_text(parts: dict, rules: grading.GradingRules, lang: str) -> str:
    if parts.get("next_grade") is None:
        above = parts["score"] - rules.excellent_from
        return t("grades.profile.top", lang, points=f"{above:.1f}")
    return t("grades.profile.next", lang, grade=grade_label(parts["next_grade"], lang),
             threshold=f"{parts['next_threshold']:g}", points=f"{parts['points_needed']:.1f}")


def list_reason(row: dict, lang: str) -> str:
    """Why a company is on the red or black list, in ``lang``."""
    if row["list"] == "red":
        share = metrics.format_value("on_time_response_rate", row["overdue_share"], lang)
        return t("grades.reason.red", lang, quarters=int(row["quarters"]), share=share)
    parts = []
    bad = list(row.get("unqualified_quarters") or [])
    if len(bad) >= grading.load_rules().black_min_unqualified_quarters:
        parts.append(t("grades.reason.unqualified", lang, count=len(bad),
                       quarters=_separator(lang).join(quarter_label(q, lang) for q in bad)))
    if row.get("key_supervision_end"):
        parts.append(t("grades.reason.key_supervision", lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def history_tables(quarters: pd.DataFrame, years: pd.DataFrame, lang: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(quarterly grades with key supervision, red/black list by year) as shown."""
    quarter_rows = [{
        t("grades.col.quarter", lang): quarter_label(row["quarter"], lang),
        metrics.get("assessment_score").label(lang): _score(row["score"]),
        metrics.get("grade").label(lang): grade_label(
            None if _missing(row["grade"]) else row["grade"], lang),
        t("grades.col.key_supervision", lang): t("grades.yes", lang)
        if row["key_supervision"] else "—",
    } for row in quarters.to_dict("records")]
    year_rows = [{
        t("grades.col.year", lang): str(int(row["year"])),
        t("grades.col.year_grade", lang): grade_label(
            None if _missing(row["grade"]) else row["grade"], lang),
        t("grades.col.list", lang): list_label(row["list"], lang),
        t("grades.col.reason", lang): list_reason(row, lang) if row["list"] else "—",
    } for row in years.to_dict("records")]
    quarter_headers = [t("grades.col.quarter", lang),
                       metrics.get("assessment_score").label(lang),
                       metrics.get("grade").label(lang), t("grades.col.key_supervision", lang)]
    year_headers = [t("grades.col.year", lang), t("grades.col.year_grade", lang),
                    t("grades.col.list", lang), t("grades.col.reason", lang)]
    return (pd.DataFrame(quarter_rows, columns=quarter_headers),
            pd.DataFrame(year_rows, columns=year_headers))


def categories_table(categories: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("grades.col.category", lang): [category_label(c, lang) for c in categories["category"]],
        t("grades.col.complaints", lang): [f"{int(v):,}" for v in categories["complaints"]],
    })


def _profile_cards(row: dict | None, total_ranked: int, lang: str, on_list: bool) -> None:
    if row is None:
        return
    rank = row.get("rank")
    if not row.get("eligible"):
        rank_value = t("grades.rank.insufficient", lang)
    elif _missing(rank):
        rank_value = t("grades.rank.no_score", lang)
    else:
        rank_value = t("grades.profile.rank_value", lang, rank=int(rank), total=total_ranked)
    cards = [
        (metrics.get("assessment_score").label(lang), _score(row["score"])),
        (metrics.get("grade").label(lang),
         grade_label(None if _missing(row["grade"]) else row["grade"], lang)),
        (t("grades.profile.rank", lang), rank_value),
        (t("grades.col.estates", lang), f"{int(row['estates']):,}"),
        (t("grades.col.households_managed", lang), f"{int(row['households']):,}"),
        *[(metrics.get(key).label(lang),
           metrics.format_value(key, None if _missing(row[key]) else row[key], lang))
          for key in LEAGUE_METRICS],
    ]
    # first row: score, grade (a wider card: "Unqualified"), rank, estates, households
    for start, widths in ((0, [1, 1.5, 1.2, 1, 1]), (5, [1, 1, 1, 1, 1])):
        row_cards = cards[start:start + 5]
        for column, (label, value) in zip(st.columns(widths[:len(row_cards)] + [1] * (
                5 - len(row_cards))), row_cards):
            column.metric(label, value, border=True)
    if on_list:
        st.badge(t("grades.profile.key_supervision", lang), color="red")


def company_profile(lang: str) -> None:
    """The whole company profile page (called by pages/company.py)."""
    from dashboard import state

    scope = state.viewer_scope()
    filters = state.current_filters()
    everywhere = Filters(filters.period)
    rules = grading.load_rules()
    code = company_picker(lang)
    if not code:
        st.title(t("grades.nav.company", lang))
        components.demo_badge(lang)
        page_links(lang, "company")
        st.info(t("grades.profile.pick_hint", lang))
        return
    names = grades_data.companies()
    info = names[names["code"] == code].iloc[0]
    company_id = int(info["company_id"])
    st.title(info["name"])
    components.demo_badge(lang)
    period_label = filters.period_obj.label(lang)
    st.caption(t("grades.profile.caption", lang, code=code, period=period_label))
    page_links(lang, "company")

    table, league_info = grades_data.league(scope, everywhere)
    match = table[table["code"] == code]
    row = match.iloc[0].to_dict() if not match.empty else None
    quarters, years = grades_data.company_history(scope, company_id)
    last_quarter = league_info.get("last_quarter") if league_info else None
    on_list = bool(not quarters.empty and last_quarter and quarters[
        (quarters["quarter"] <= last_quarter)].head(1)["key_supervision"].any())
    if row is None:
        st.info(t("grades.profile.no_data", lang, period=period_label))
    else:
        _profile_cards(row, int(table["rank"].notna().sum()), lang, on_list)

    # why this grade
    history = grades_data.dimension_history(scope, company_id)
    period = filters.period_obj
    first_q, last_q = quarters_of(period)
    parts = waterfall_parts(history, first_q, last_q, rules)
    st.subheader(t("grades.profile.waterfall", lang))
    if parts is None:
        st.info(t("grades.profile.no_data", lang, period=period_label))
    else:
        st.caption(t("grades.profile.waterfall_caption", lang,
                     quarters=quarters_text(parts["quarters"][0], parts["quarters"][-1], lang),
                     score=_score(parts["score"]), grade=grade_label(parts["grade"], lang)))
        left, right = st.columns([3, 2])
        with left:
            st.plotly_chart(grades_charts.waterfall_figure(parts, rules, lang, title=""),
                            width="stretch", config=charts.PLOTLY_CONFIG,
                            key="grades_waterfall")
        with right:
            st.markdown(f"**{next_grade_text(parts, rules, lang)}**")
            if parts.get("next_grade"):
                st.caption(t("grades.profile.raise_title", lang,
                             grade=grade_label(parts["next_grade"], lang)))
            breakdown = waterfall_table(parts, lang)
            st.dataframe(breakdown, hide_index=True, width="stretch", key="grades_breakdown")
            downloads(breakdown, f"{info['name']} ({code}) · {period_label}",
                      f"red-property_company-{code}_why-grade_{filters.period}",
                      "grades_breakdown_download", lang)

    # estates: map and table
    estates = grades_data.company_estates(scope, company_id, filters)
    month_label = Period.parse(league_info["last_month"]).label(lang) if league_info and \
        league_info.get("last_month") else period_label
    st.subheader(t("grades.profile.estates", lang, month=month_label))
    if estates.empty:
        st.info(t("grades.profile.no_estates", lang))
    else:
        left, right = st.columns([2, 3])
        with left:
            st.plotly_chart(grades_charts.estates_map_figure(grades_data.outlines(scope),
                                                             estates, lang, title=""),
                            width="stretch", config=charts.PLOTLY_CONFIG, key="grades_map")
        with right:
            shown = estates_table(estates, lang)
            st.dataframe(shown, hide_index=True, width="stretch", key="grades_estates")
            downloads(shown, f"{info['name']} ({code}) · {month_label}",
                      f"red-property_company-{code}_estates_{filters.period}",
                      "grades_estates_download", lang)

    # score history by dimension
    st.subheader(t("grades.profile.history", lang))
    st.caption(t("grades.profile.history_caption", lang))
    st.plotly_chart(grades_charts.dimension_history_figure(history, rules, lang, title=""),
                    width="stretch", config=charts.PLOTLY_CONFIG, key="grades_history")
    if not history.empty:
        history_export = pd.DataFrame({
            t("grades.col.quarter", lang): [quarter_label(q, lang) for q in history["quarter"]],
            metrics.get("assessment_score").label(lang): [_score(v) for v in history["score"]],
            **{grades_charts.dimension_label(d, lang): [_score(v) for v in history[d]]
               for d in ASSESSMENT_DIMENSIONS}})
        downloads(history_export, f"{info['name']} ({code})",
                  f"red-property_company-{code}_history", "grades_history_download", lang)

    # complaints by category
    categories = grades_data.categories(scope, company_id, filters)
    st.subheader(t("grades.profile.categories", lang))
    if categories.empty or categories["complaints"].sum() == 0:
        st.info(t("grades.profile.no_complaints", lang))
    else:
        labels = {c: category_label(c, lang) for c in categories["category"]}
        st.plotly_chart(grades_charts.categories_figure(categories, labels, lang, title=""),
                        width="stretch", config=charts.PLOTLY_CONFIG, key="grades_categories")
        downloads(categories_table(categories, lang), f"{info['name']} ({code}) · {period_label}",
                  f"red-property_company-{code}_complaints_{filters.period}",
                  "grades_categories_download", lang)

    # key supervision and list history
    st.subheader(t("grades.profile.lists", lang))
    quarter_table, year_table = history_tables(quarters, years, lang)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('grades.profile.quarter_history', lang)}**")
        st.dataframe(quarter_table, hide_index=True, width="stretch", key="grades_quarters",
                     height=38 + 35 * min(max(len(quarter_table), 1), 8))
        downloads(quarter_table, f"{info['name']} ({code})",
                  f"red-property_company-{code}_quarters", "grades_quarters_download", lang)
    with right:
        st.markdown(f"**{t('grades.profile.year_history', lang)}**")
        st.dataframe(year_table, hide_index=True, width="stretch", key="grades_years")
        downloads(year_table, f"{info['name']} ({code})",
                  f"red-property_company-{code}_lists", "grades_years_download", lang)


# --- red/black list ---------------------------------------------------------------------------


def red_black_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The published list: list, company name, code, grade of the year, year, reason —
    public fields only."""
    headers = [t("grades.col.list", lang), t("grades.col.company", lang),
               t("grades.col.code", lang), t("grades.col.year_grade", lang),
               t("grades.col.year", lang), t("grades.col.reason", lang)]
    rows = [{
        headers[0]: list_label(row["list"], lang), headers[1]: row["name"],
        headers[2]: row["code"],
        headers[3]: grade_label(None if _missing(row["grade"]) else row["grade"], lang),
        headers[4]: str(int(row["year"])), headers[5]: list_reason(row, lang),
    } for row in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=headers)


def red_black_page(lang: str) -> None:
    """The whole red/black list page (called by pages/redblack.py)."""
    from dashboard import state

    scope = state.viewer_scope()
    filters = state.current_filters()
    components.page_header(t("grades.redblack.title", lang), lang)
    page_links(lang, "redblack")
    years = grades_data.list_years(scope)
    if not years:
        st.info(t("grades.redblack.no_years", lang))
        return
    wanted = filters.period_obj.year
    if st.session_state.get(KEY_YEAR) not in years:
        st.session_state[KEY_YEAR] = wanted if wanted in years else years[0]
    picker, _ = st.columns([1, 3])
    year = picker.selectbox(t("grades.redblack.year", lang), years, key=KEY_YEAR)
    area = components.area_label(filters, lang, scope)
    st.caption(t("grades.redblack.caption", lang, year=year, area=area))
    span = base_data.data_months()
    if span and span[1] < f"{year}-12":
        st.caption(t("grades.redblack.provisional", lang, year=year,
                     month=Period.parse(span[1]).label(lang)))
    if filters.district or filters.street:
        st.caption(t("grades.redblack.area_note", lang))
    frame = grades_data.red_black(scope, int(year), filters)
    table = red_black_table(frame, lang)
    list_header = t("grades.col.list", lang)
    for name in ("red", "black"):
        part = table[table[list_header] == list_label(name, lang)]
        st.subheader(f"{list_label(name, lang)}（{len(part)}）" if lang == "zh"
                     else f"{list_label(name, lang)} ({len(part)})")
        if part.empty:
            st.info(t("grades.redblack.none_red", lang, year=year) if name == "red"
                    else t("grades.redblack.none_black", lang, year=year))
        else:
            st.dataframe(part, hide_index=True, width="stretch", key=f"grades_{name}_list")
    description = f"{t('grades.redblack.title', lang)} · {year} · {area}"
    extra = str(year)
    downloads(table, description, file_stem("red-black-list", filters, extra),
              "grades_redblack_download", lang, xlsx=True)
    rules_panel(lang)


# --- quality–price mismatch -------------------------------------------------------------------


def mismatch_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The mismatch list as shown."""
    headers = [t("grades.col.estate_code", lang), t("grades.col.estate", lang),
               t("grades.col.street", lang), t("grades.col.company", lang),
               t("grades.col.fee", lang), t("grades.col.fee_tier", lang),
               metrics.get("assessment_score").label(lang), metrics.get("grade").label(lang),
               t("grades.col.supported_tier", lang), t("grades.col.gap", lang),
               t("grades.col.required_grade", lang), t("grades.col.points_short", lang)]
    rows = []
    for row in frame.to_dict("records"):
        rows.append(dict(zip(headers, [
            row["estate_code"], row["estate_name"], _street(row, lang),
            row.get("company_name") or "—", f"{row['fee']:.2f}",
            tier_label(row["fee_tier"], lang), _score(row["score"]),
            grade_label(row["grade"], lang), tier_label(row["supported_tier"], lang),
            str(int(row["gap"])), grade_label(row["required_grade"], lang),
            f"{row['points_short']:.1f}",
        ])))
    return pd.DataFrame(rows, columns=headers)


def mismatch_page(lang: str) -> None:
    """The whole quality–price mismatch page (called by pages/mismatch.py)."""
    opened = _open_listing_page("grades.mismatch.title", "mismatch", lang)
    if opened is None:
        return
    scope, filters = opened
    frame, total = grades_data.mismatches(scope, filters)
    description = components.describe(filters, lang, scope)
    period = filters.period_obj
    first_q, last_q = quarters_of(period)
    st.caption(t("grades.mismatch.caption", lang, description=description,
                 quarters=quarters_text(first_q, last_q, lang)))
    if total == 0:
        components.empty_state(filters, lang, scope)
        return
    st.markdown(t("grades.mismatch.summary", lang, count=len(frame), total=total))
    if frame.empty:
        st.info(t("grades.mismatch.empty", lang, description=description))
        return
    table = mismatch_table(frame, lang)
    st.dataframe(table, hide_index=True, width="stretch", key="grades_mismatch",
                 height=38 + 35 * min(len(table), 20))
    downloads(table, description,
              file_stem("quality-price-mismatch", filters),
              "grades_mismatch_download", lang, xlsx=True)


__all__ = ["COMPANY_PARAM", "company_profile", "league_page", "mismatch_page",
           "red_black_page"]
