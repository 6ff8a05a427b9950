"""Company profile (/company?company=CODE): estates, why this grade, history, lists."""

from dashboard import grades_components, state

grades_components.company_profile(state.current_lang())
