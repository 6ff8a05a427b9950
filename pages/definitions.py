"""Metric definitions (from the metric registry) and the assessment grading rules."""

import streamlit as st

from dashboard import components, state
from dashboard.i18n import t

lang = state.current_lang()

components.page_header(t("defs.title", lang), lang)
st.markdown(t("defs.intro", lang))

st.subheader(t("defs.metrics", lang))
st.table(components.metric_definitions_table(lang), hide_index=True)
st.caption(t("defs.workdays", lang))

st.subheader(t("defs.grading", lang))
st.markdown(t("defs.grading_intro", lang))
weights, assessors, thresholds = st.columns(3)
with weights:
    st.markdown(f"**{t('defs.dimension_weights', lang)}**")
    st.table(components.dimension_weights_table(lang), hide_index=True)
with assessors:
    st.markdown(f"**{t('defs.assessor_weights', lang)}**")
    st.table(components.assessor_weights_table(lang), hide_index=True)
with thresholds:
    st.markdown(f"**{t('defs.thresholds', lang)}**")
    st.table(components.thresholds_table(lang), hide_index=True)
