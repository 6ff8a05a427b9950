"""Where the database is: one function, used by the app, the CLI and the tests."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "dashboard.sqlite"
DB_URL_ENV = "DASHBOARD_DB_URL"


def database_url() -> str:
    """Return the SQLAlchemy URL of the database.

    Order: the ``DASHBOARD_DB_URL`` environment variable, then ``db_url`` in
    ``.streamlit/secrets.toml`` (top level or under ``[database]``), then the embedded
    SQLite file ``var/dashboard.sqlite``.
    """
    url = os.environ.get(DB_URL_ENV)
    if url:
        return url
    secrets = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    if secrets.exists():
        with secrets.open("rb") as handle:
            data = tomllib.load(handle)
        url = data.get("db_url") or data.get("database", {}).get("url")
        if url:
            return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"
