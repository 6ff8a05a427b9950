"""Complaints: volume and rate by category, channel and month, the handling chain, open
complaints past their deadline and estates ranked by complaint rate — cross-filtered by
selecting bars."""

import streamlit as st

from dashboard import complaints_components as complaints
from dashboard import complaints_data, components, state
from dashboard.i18n import t

lang = state.current_lang()
scope = state.viewer_scope()
filters = state.current_filters()
selection = complaints.resolve_selection(filters)

components.page_header(t("complaints.title", lang), lang, filters, scope)
complaints.selection_chips(selection, lang)
summary = complaints_data.summary(scope, filters, selection)

if summary["months"] == 0:
    components.empty_state(filters, lang, scope)
else:
    complaints.headline(summary, lang)
    if summary["complaints"] == 0:
        complaints.empty_state(filters, selection, lang, scope)
    left, right = st.columns(2)
    with left:
        complaints.breakdown_chart(scope, filters, selection, "category", lang)
    with right:
        complaints.breakdown_chart(scope, filters, selection, "channel", lang)
    complaints.breakdown_chart(scope, filters, selection, "month", lang)
    complaints.heatmap(scope, filters, selection, lang)
    complaints.handling_section(scope, filters, selection, summary, lang)
    complaints.open_section(scope, filters, selection, lang)
    complaints.ranking_section(scope, filters, selection, lang)
