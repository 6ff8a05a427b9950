"""Leadership cockpit: headline KPIs, their trends, and the comparison of areas."""

from dashboard import components, data, state
from dashboard.i18n import t

lang = state.current_lang()
scope = state.viewer_scope()
filters = state.current_filters()

components.page_header(t("overview.title", lang), lang, filters, scope)
result = data.kpis(scope, filters)

if result.has_data:
    components.kpi_cards(scope, filters, lang, result)
    components.partial_period_note(result, filters, lang)
    components.calendar_note(result, lang)
else:
    components.empty_state(filters, lang, scope)

components.trend_section(scope, filters, lang)

if result.has_data:
    components.area_section(scope, filters, lang)
