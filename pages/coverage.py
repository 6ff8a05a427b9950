"""Coverage map: estates by management mode, unmanaged estates with their nearest managed
neighbours, the big-property (大物业) bundle planner and coverage trends.

The planner and the trends are expanders whose content runs only when opened
(``on_change="rerun"``): their tables and plotly charts would otherwise compete with the
map for the browser (benchmarks/map_render.py). The planner's settings are kept while it
is closed, so the map's bundles stay as planned (the map reads the plan itself, cached)."""

import streamlit as st

from dashboard import components, coverage_components, coverage_data, state
from dashboard.i18n import t
from data_access.periods import Period

lang = state.current_lang()
scope = state.viewer_scope()
filters = state.current_filters()

components.page_header(t("coverage.title", lang), lang, filters, scope)
month = coverage_data.as_of_month(filters)

if month is None:
    components.empty_state(filters, lang, scope)
else:
    st.caption(t("coverage.intro", lang, month=Period.parse(month).label(lang)))
    coverage_components.kpi_strip(scope, filters, lang, month)
    estates = coverage_data.estates(scope, filters, month)
    if estates.empty:
        st.info(t("coverage.no_estates", lang, month=Period.parse(month).label(lang)))
    else:
        settings = coverage_components.planner_settings(keep=True)
        coverage_components.map_section(scope, filters, lang, month, estates, settings)
        coverage_components.unmanaged_section(scope, filters, lang, month)
        planner = st.expander(t("coverage.plan.title", lang),
                              key=coverage_components.KEY_PLAN_OPEN, on_change="rerun")
        if planner.open:
            with planner:
                coverage_components.planner_section(
                    scope, filters, lang, month,
                    coverage_data.plan(scope, filters, month, settings))

trend = st.expander(t("coverage.trend.title", lang), key=coverage_components.KEY_TREND_OPEN,
                     on_change="rerun")
if trend.open:
    with trend:
        coverage_components.trend_section(scope, filters, lang)
