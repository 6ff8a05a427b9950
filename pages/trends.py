"""Trends: metrics over time by area, company, mode and age; two periods side by side;
small multiples."""

from dashboard import components, state
from dashboard import trends_components as trends
from dashboard.i18n import t

lang = state.current_lang()
scope = state.viewer_scope()
filters = state.current_filters()

components.page_header(t("trends.title", lang), lang, filters, scope)
controls = trends.controls(lang)
trends.trend_section(scope, filters, lang, controls)
trends.comparison_section(scope, filters, lang, controls)
trends.small_multiples_section(scope, filters, lang, controls)
