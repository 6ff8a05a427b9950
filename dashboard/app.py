"""Entry point: ``streamlit run dashboard/app.py``.

Sets up the page, the sidebar shell (title, demo badge, language switch, filters, "data
through" caption) and the navigation, then runs the selected page. Pages read the
language and filters from :mod:`dashboard.state`.
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

PAGES_DIR = PROJECT_ROOT / "pages"


def main() -> None:
    lang = state.current_lang()
    st.set_page_config(page_title=t("app.title", lang), layout="wide")
    overview_title = t("nav.overview", lang)
    # The default page is served at the app root only: Streamlit answers "Page not found"
    # at a default page's own url_path. So the overview is the default page (at "/") and
    # also a hidden page at "/overview", so that links to /overview?… work too.
    overview = st.Page(PAGES_DIR / "overview.py", title=overview_title, url_path="home",
                       default=True)
    overview_alias = st.Page(PAGES_DIR / "overview.py", title=overview_title,
                             url_path="overview", visibility="hidden")
    definitions = st.Page(PAGES_DIR / "definitions.py", title=t("nav.definitions", lang),
                          url_path="definitions")
    page = st.navigation([overview, overview_alias, definitions])
    # pages that show the period/district/street filters in the sidebar
    filter_pages = (overview, overview_alias)
    components.sidebar_header(lang)
    lang = state.language_switch()
    state.sidebar_filters(show=any(page is p for p in filter_pages))
    components.data_through_caption(lang)
    page.run()


main()
