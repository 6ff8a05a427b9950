"""Entry point: ``streamlit run dashboard/app.py``.

Sets up the page, the sidebar shell (title, demo badge, language switch, filters, "data
through" caption) and the navigation from :mod:`dashboard.navigation`, then runs the
selected page. Pages read the language and filters from :mod:`dashboard.state`.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # Streamlit only puts dashboard/ on the path
    sys.path.insert(0, str(PROJECT_ROOT))

import streamlit as st  # noqa: E402

from dashboard import components, state  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.navigation import PAGES  # noqa: E402


def main() -> None:
    lang = state.current_lang()
    st.set_page_config(page_title=t("app.title", lang), layout="wide")
    default, *others = PAGES
    # Streamlit serves the default page at "/" only and answers "Page not found" at its
    # own url_path, so the default page is registered twice: at "/" (url_path "home")
    # and as a hidden page at its real url_path, so that links to /overview?… work.
    pages = {
        "default": (st.Page(default.path, title=t(default.title_key, lang), url_path="home",
                            default=True), default),
        "alias": (st.Page(default.path, title=t(default.title_key, lang),
                          url_path=default.url_path, visibility="hidden"), default),
    }
    for spec in others:
        pages[spec.url_path] = (st.Page(spec.path, title=t(spec.title_key, lang),
                                        url_path=spec.url_path), spec)
    selected = st.navigation([page for page, _ in pages.values()])
    components.stop_unless_schema_ready(lang)
    spec = next(spec for page, spec in pages.values() if page is selected)
    components.sidebar_header(lang)
    lang = state.language_switch()
    state.sidebar_filters(show=spec.shows_filters)
    components.data_through_caption(lang)
    selected.run()


main()
