"""Company league table: grades, funnel plot of complaint rates, key-supervision list."""

from dashboard import grades_components, state

grades_components.league_page(state.current_lang())
