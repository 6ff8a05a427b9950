"""Red and black list of property companies, for publication (public fields only)."""

from dashboard import grades_components, state

grades_components.red_black_page(state.current_lang())
