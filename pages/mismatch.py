"""Quality–price mismatch list: estates whose fee tier is above what their grade supports."""

from dashboard import grades_components, state

grades_components.mismatch_page(state.current_lang())
