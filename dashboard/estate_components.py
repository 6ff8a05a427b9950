"""Streamlit blocks of the estate profile (``/estate?estate=CODE``): the picker, facts,
trends against its street and the city, complaints by category and the open ones,
assessment grades, and the company / contract history. No personal data is read.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import complaints_components as complaint_blocks
from dashboard import complaints_data, data, estate_data
from dashboard import complaints_charts
from dashboard import trends_charts
from dashboard.charts import PLOTLY_CONFIG, milestone_legend
from dashboard.i18n import t
from dashboard.trends_components import series_table
from dashboard.trends_downloads import download_buttons, safe_stem
from dashboard.trends_state import format_choice, init_widget, param, write_param
from data_access import grading, metrics
from data_access.filters import Filters, Scope
from data_access.periods import Period

KEY_PICKER = "estate_picker"
KEY_GRAIN = "estate_grain"
GRAINS = ("month", "quarter", "year")
DEFAULT_GRAIN = "quarter"
TREND_KEYS = ("satisfaction_rate", "payment_rate", "complaint_rate")
NO_ESTATE = ""


def _picker_label(row: dict, lang: str) -> str:
    street = row["street_name"] if lang == "zh" else (row["street_name_en"] or row["street_name"])
    return f"{row['name']} · {street} · {row['code']}"


def current_estate() -> str | None:
    """The estate of the view: the URL's ``estate`` when it is a new link (or the picker has
    no state yet), otherwise the picker's choice; written back to the URL."""
    wanted = param("estate") or NO_ESTATE
    if KEY_PICKER not in st.session_state or st.session_state.get("_estate_url") != wanted:
        st.session_state[KEY_PICKER] = wanted
    chosen = st.session_state.get(KEY_PICKER) or None
    write_param("estate", chosen)
    st.session_state["_estate_url"] = chosen or NO_ESTATE
    return chosen


def estate_picker(scope: Scope, lang: str, code: str | None) -> None:
    """The estate picker (every estate in scope, searchable by name, street or code)."""
    estates = estate_data.list_estates(scope)
    labels = {row["code"]: _picker_label(row, lang) for row in estates.to_dict("records")}
    options = [NO_ESTATE, *labels]
    if code and code not in labels:
        options.append(code)  # an unknown code from a link: kept, explained below
    st.selectbox(t("estate.pick", lang), options, key=KEY_PICKER,
                 format_func=lambda c: labels.get(c, c) if c else t("estate.pick_none", lang))


def _yes_no(value, lang: str) -> str:
    return t("estate.yes", lang) if value else t("estate.no", lang)


def facts_table(facts: dict, lang: str) -> pd.DataFrame:
    """The estate's facts as (item, value) rows in ``lang``."""
    en = lang == "en"
    year = facts.get("build_year")
    if year is None:
        age = t("estate.unknown", lang)
    else:
        age = t("estate.built", lang, year=year) + (
            t("estate.old_suffix", lang) if facts.get("old") else "")
    committee = _yes_no(facts.get("owners_committee"), lang)
    if facts.get("owners_committee") and facts.get("committee_formed_on"):
        committee = t("estate.committee_since", lang,
                      date=pd.Timestamp(facts["committee_formed_on"]).strftime("%Y-%m-%d"))
    company = facts.get("company_name") or t("estate.no_company", lang)
    if facts.get("company_name") and facts.get("company_party_org"):
        company += t("estate.company_party", lang)
    stars = int(facts.get("smart_star") or 0)
    rows = [
        ("estate.fact.code", facts["code"]),
        ("estate.fact.address", facts.get("address") or t("estate.unknown", lang)),
        ("estate.fact.area", " · ".join(v for v in (
            (facts.get("district_name_en") if en else None) or facts.get("district_name"),
            (facts.get("street_name_en") if en else None) or facts.get("street_name"),
            facts.get("community_name")) if v)),
        ("estate.fact.households", f"{int(facts['households']):,}"),
        ("estate.fact.age", age),
        ("estate.fact.mode", t(f"trends.mode.{facts['management_mode']}", lang)),
        ("estate.fact.company", company),
        ("estate.fact.fee", t("estate.fee", lang, fee=f"{facts['fee_yuan_m2_month']:.2f}")
         if facts.get("fee_yuan_m2_month") is not None else t("estate.unknown", lang)),
        ("estate.fact.committee", committee),
        ("estate.fact.party_org", _yes_no(facts.get("party_org"), lang)),
        ("estate.fact.smart_star", "★" * stars if stars else t("estate.no_star", lang)),
    ]
    return pd.DataFrame({t("estate.col.item", lang): [t(k, lang) for k, _ in rows],
                         t("estate.col.value", lang): [str(v) for _, v in rows]})


def _lines(title: str, facts: dict, lang: str, *extra: str) -> list[str]:
    return [title, t("estate.file_line", lang, name=facts["name"], code=facts["code"]),
            *extra]


def _stem(what: str, facts: dict, *parts: str) -> str:
    return safe_stem("estate", facts["code"], what, *parts)


def facts_section(facts: dict, lang: str) -> pd.DataFrame:
    table = facts_table(facts, lang)
    st.table(table, hide_index=True)
    download_buttons(table, _lines(t("estate.facts", lang), facts, lang),
                     _stem("facts", facts), "dl_estate_facts", lang)
    return table


def comparison_series(scope: Scope, facts: dict, grain: str, lang: str
                      ) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The estate's, its street's and the city's metrics per bucket (group_code estate,
    street, city) and the (code, label) of each line."""
    estate_series = estate_data.estate_series(scope, facts["code"], grain).assign(
        group_code="estate")
    street_series = data.kpi_series(scope, estate_data.street_filters(facts), grain).assign(
        group_code="street")
    city_series = data.kpi_series(scope, None, grain).assign(group_code="city")
    street = facts["street_name_en"] if lang == "en" and facts.get("street_name_en") else \
        facts["street_name"]
    groups = [("estate", facts["name"]), ("street", street),
              ("city", t("filter.all_city", lang))]
    frames = [f for f in (estate_series, street_series, city_series) if not f.empty]
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return combined, groups


def trends_section(scope: Scope, facts: dict, lang: str) -> pd.DataFrame | None:
    st.subheader(t("estate.trends", lang))
    init_widget("grain", KEY_GRAIN, GRAINS, DEFAULT_GRAIN)
    grain = st.segmented_control(t("trends.grain", lang), GRAINS, key=KEY_GRAIN,
                                 required=True, format_func=format_choice("grain.", lang)
                                 ) or DEFAULT_GRAIN
    write_param("grain", grain, DEFAULT_GRAIN)
    series, groups = comparison_series(scope, facts, grain, lang)
    if series.empty:
        st.info(t("estate.no_trend", lang, name=facts["name"]))
        return None
    milestones = data.milestones()
    tables = []
    for column, key in zip(st.columns(len(TREND_KEYS)), TREND_KEYS):
        with column:
            fig = trends_charts.lines_figure(series, key, groups, lang, milestones, height=340)
            st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG,
                            key=f"estate_trend_{key}")
        table = series_table(series, groups, key, lang)
        table.columns = [table.columns[0], *[f"{metrics.get(key).label(lang)} · {c}"
                                             for c in table.columns[1:]]]
        tables.append(table.set_index(table.columns[0]))
    notes = [t("estate.trends_caption", lang)]
    legend = milestone_legend(series, milestones, lang)
    if legend:
        notes.append(legend)
    st.caption("  \n".join(notes))
    table = pd.concat(tables, axis=1).reset_index()
    download_buttons(table, _lines(t("estate.trends", lang), facts, lang,
                                   t(f"grain.{grain}", lang), *notes),
                     _stem("trends", facts, grain), "dl_estate_trends", lang)
    return table


def complaints_section(scope: Scope, facts: dict, filters: Filters, lang: str
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    st.subheader(t("estate.complaints", lang))
    period = Filters(period=filters.period)  # the estate decides the area
    frame = complaints_data.breakdown(scope, period, None, "category", facts["code"])
    frame = frame[frame["complaints"] > 0]
    bars = complaint_blocks.bar_rows(frame, "category", lang)
    title = t("estate.by_category", lang, period=filters.period_obj.label(lang))
    table = complaint_blocks.bars_table(bars, "category", lang)
    left, right = st.columns(2)
    with left:
        if bars.empty:
            st.markdown(f"**{title}**")
            st.info(t("estate.no_complaints", lang, name=facts["name"],
                      period=filters.period_obj.label(lang)))
        else:
            st.plotly_chart(complaints_charts.bar_figure(bars, title), width="stretch",
                            config=PLOTLY_CONFIG, key="estate_by_category")
            download_buttons(table, _lines(title, facts, lang), _stem(
                "complaints", facts, filters.period), "dl_estate_categories", lang)
    with right:
        open_table = open_section(scope, facts, lang)
    return table, open_table


def open_section(scope: Scope, facts: dict, lang: str) -> pd.DataFrame:
    title = t("estate.open", lang)
    st.markdown(f"**{title}**")
    day = complaints_data.as_of()
    as_of = complaint_blocks.as_of_label(day, lang)
    rows, total = complaints_data.open_complaints(scope, estate_code=facts["code"],
                                                  past_deadline_only=False)
    table = complaint_blocks.open_table(rows, lang)
    # the estate is the page: its name, street and company columns would repeat it
    table = table.drop(columns=[t("complaints.col.estate", lang),
                                t("complaints.col.street", lang)])
    if rows.empty:
        st.info(t("estate.no_open", lang, name=facts["name"], as_of=as_of))
        return table
    overdue = int((rows["days_overdue"] > 0).sum())
    st.caption(t("estate.open_caption", lang, total=total, overdue=overdue, as_of=as_of))
    st.dataframe(table, hide_index=True, width="stretch", key="estate_open")
    download_buttons(table, _lines(title, facts, lang, t("estate.open_caption", lang, total=total,
                                                          overdue=overdue, as_of=as_of)),
                     _stem("open", facts), "dl_estate_open", lang)
    return table


def grades_table(grades: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("estate.col.quarter", lang): [Period.parse(q).label(lang) for q in grades["quarter"]],
        t("complaints.col.company", lang): grades["company_name"].fillna(
            t("estate.no_company", lang)),
        metrics.get("assessment_score").label(lang): [f"{s:.1f}" for s in grades["score"]],
        metrics.get("grade").label(lang): [
            grading.GRADE_LABELS.get(g, {}).get(lang, "—") for g in grades["grade"]],
    })


def grades_section(scope: Scope, facts: dict, lang: str) -> pd.DataFrame:
    title = t("estate.grades", lang)
    st.subheader(title)
    grades = estate_data.grades(scope, facts["code"])
    table = grades_table(grades, lang)
    if grades.empty:
        st.info(t("estate.no_grades", lang, name=facts["name"]))
        return table
    rules = grading.load_rules()
    st.caption(t("estate.grades_caption", lang, excellent=f"{rules.excellent_from:g}",
                 qualified=f"{rules.qualified_from:g}"))
    st.dataframe(table, hide_index=True, width="stretch", key="estate_grades",
                 height=38 + 35 * min(len(table), 8))
    download_buttons(table, _lines(title, facts, lang), _stem("grades", facts),
                     "dl_estate_grades", lang)
    return table


def contracts_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("complaints.col.company", lang): history["company_name"].fillna(
            t("estate.no_company", lang)),
        t("estate.col.mode", lang): [t(f"trends.mode.{m}", lang) for m in history["mode"]],
        t("estate.col.start", lang): history["start_month"],
        t("estate.col.end", lang): history["end_month"].fillna(t("estate.running", lang)),
    })


def contracts_section(scope: Scope, facts: dict, lang: str) -> pd.DataFrame:
    title = t("estate.contracts", lang)
    st.subheader(title)
    table = contracts_table(estate_data.contract_history(scope, facts["code"]), lang)
    if table.empty:
        st.info(t("estate.no_contracts", lang, name=facts["name"]))
        return table
    st.dataframe(table, hide_index=True, width="stretch", key="estate_contracts")
    download_buttons(table, _lines(title, facts, lang), _stem("contracts", facts),
                     "dl_estate_contracts", lang)
    return table


def intro(lang: str) -> None:
    st.info(t("estate.intro", lang))


def not_found(code: str, lang: str) -> None:
    st.warning(t("estate.not_found", lang, code=code))


def scope_caption(facts: dict, filters: Filters, lang: str) -> None:
    en = lang == "en"
    area = " · ".join(v for v in (
        (facts.get("district_name_en") if en else None) or facts.get("district_name"),
        (facts.get("street_name_en") if en else None) or facts.get("street_name")) if v)
    st.caption(t("estate.scope_caption", lang, area=area,
                 period=filters.period_obj.label(lang)))
