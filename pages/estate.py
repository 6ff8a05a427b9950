"""Estate profile (/estate?estate=CODE): facts, trends against its street and the city,
complaints, assessment grades, company and contract history. No personal data."""

from dashboard import components, state
from dashboard import estate_components as profile
from dashboard import estate_data
from dashboard.i18n import t

lang = state.current_lang()
scope = state.viewer_scope()
filters = state.current_filters()

code = profile.current_estate()
facts = estate_data.find_estate(scope, code)

if facts is None:
    components.page_header(t("estate.title", lang), lang)
    profile.estate_picker(scope, lang, code)
    if code is None:
        profile.intro(lang)
    else:
        profile.not_found(code, lang)
else:
    components.page_header(t("estate.title_of", lang, name=facts["name"]), lang)
    profile.scope_caption(facts, filters, lang)
    profile.estate_picker(scope, lang, code)
    profile.facts_section(facts, lang)
    profile.trends_section(scope, facts, lang)
    profile.complaints_section(scope, facts, filters, lang)
    profile.grades_section(scope, facts, lang)
    profile.contracts_section(scope, facts, lang)
