"""Data import: templates, upload → recognition → preview → validation → confirmed
import, and the import history (the import workflow lives in
dashboard.importing_components)."""

import streamlit as st

from dashboard import components, importing_components, state
from dashboard.i18n import t

lang = state.current_lang()

components.page_header(t("importing.title", lang), lang)
st.markdown(t("importing.intro", lang))

importing_components.templates_section(lang)
importing_components.upload_section(lang)
importing_components.history_section(lang)
