"""The page registry: every page of the app, in menu order.

A page is a script under pages/ with a url_path, a title key in the i18n catalog and
whether the sidebar shows the global filters (period, district, street) on it. The
first entry is the default page (served at "/"; see dashboard/app.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    script: str          # file name under pages/
    url_path: str
    title_key: str       # i18n key of the menu title
    shows_filters: bool = True

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.script


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "overview", "nav.overview"),
    PageSpec("coverage.py", "coverage", "coverage.nav"),
    PageSpec("trends.py", "trends", "trends.nav"),
    PageSpec("complaints.py", "complaints", "complaints.nav"),
    PageSpec("estate.py", "estate", "estate.nav", shows_filters=False),
    PageSpec("companies.py", "companies", "grades.nav.companies"),
    PageSpec("company.py", "company", "grades.nav.company"),
    PageSpec("redblack.py", "redblack", "grades.nav.redblack"),
    PageSpec("mismatch.py", "mismatch", "grades.nav.mismatch"),
    PageSpec("definitions.py", "definitions", "nav.definitions", shows_filters=False),
    PageSpec("data_import.py", "import", "nav.import", shows_filters=False),
)
