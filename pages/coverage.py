"""Coverage map: estates by management mode, unmanaged estates with their nearest managed
neighbours, the big-property (大物业) bundle planner and coverage trends."""

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
        settings = coverage_components.planner_settings()
        plan = coverage_data.plan(scope, filters, month, settings)
        coverage_components.map_section(scope, filters, lang, month, estates,
                                        coverage_components.map_bundles(plan, lang))
        coverage_components.unmanaged_section(scope, filters, lang, month, estates)
        coverage_components.planner_section(scope, filters, lang, month, plan)

coverage_components.trend_section(scope, filters, lang)
