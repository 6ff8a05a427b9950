"""Schema migrations: the Alembic revisions in ``versions/`` and the functions applying them.

Revision ``0001`` is the schema every database had before migrations existed (built by
``metadata.create_all``); each later revision changes it, and :mod:`data_access.schema`
always describes the head revision (tests/test_migrations.py compares the two).

How a database reaches the head revision (:func:`migrate`, ``python -m data_access
migrate``):

* empty: every revision runs;
* made before migrations (the tables of ``0001``, no ``alembic_version``): its tables are
  checked, it is stamped ``0001``, then upgraded; its data stays;
* at an older revision: upgraded.

:func:`ensure_schema` (what ``make_engine`` calls) does the same, except that it upgrades
an existing database only when asked to: ``make_engine`` asks on SQLite (one office, one
user) but not on PostgreSQL, where the schema is shared by the app, the importer and other
sessions and its administrator upgrades it explicitly; there an out-of-date schema raises
:class:`SchemaError` naming the command.

Alembic is imported only when a migration runs: the up-to-date check costs one query and
no import, because ``make_engine`` runs it every time an engine is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, func, inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError

MIGRATIONS_DIR = Path(__file__).resolve().parent
#: The newest revision; tests/test_migrations.py checks it is the head of ``versions/``.
HEAD_REVISION = "0006"
#: The schema databases had before migrations existed.
BASELINE_REVISION = "0001"
#: The tables revision 0001 creates (tests/test_migrations.py checks this list).
BASELINE_TABLES = frozenset({
    "district", "street", "community", "company", "estate", "contract", "fee_month",
    "survey", "complaint", "assessment", "milestone", "import_log", "meta",
    "month_calendar", "estate_month", "street_month", "project_quarter", "complaint_repeat",
    "complaint_month", "project_dimension_quarter", "trend_month",
})
UPGRADE_COMMAND = "python -m data_access migrate"

# Alembic's own bookkeeping table, described here to read it without importing Alembic.
_alembic_version = Table("alembic_version", MetaData(),
                         Column("version_num", String(32), primary_key=True))

# Key of the PostgreSQL advisory lock held while migrating, so that two processes starting
# on the same new database do not both create its tables (any constant unique to this app).
_MIGRATION_LOCK_KEY = 7_301_001


class SchemaError(RuntimeError):
    """The database's schema is not one this version can use or upgrade by itself."""


@dataclass(frozen=True)
class Migration:
    """What :func:`migrate` did: the revision before (None: empty or made before
    migrations) and after, and whether the database was made before migrations."""

    before: str | None
    after: str | None
    unversioned: bool

    def describe(self) -> str:
        if self.unversioned:
            before = f"unversioned (made before migrations, matches {BASELINE_REVISION})"
        else:
            before = self.before or "empty"
        if self.before == self.after and not self.unversioned:
            return f"schema already at revision {self.after}"
        return f"schema revision {before} -> {self.after}"


def schema_revision(conn: Connection) -> str | None:
    """The database's revision; None when it has none (empty, or made before migrations)."""
    if not inspect(conn).has_table(_alembic_version.name):
        return None
    return conn.execute(select(_alembic_version.c.version_num)).scalar()


def _baseline_tables_present(conn: Connection) -> set[str]:
    return BASELINE_TABLES & set(inspect(conn).get_table_names())


def ensure_schema(engine: Engine, *, upgrade_existing: bool) -> None:
    """Bring ``engine``'s database to :data:`HEAD_REVISION`.

    Already there: one query (the revision), nothing else. Empty: every revision runs.
    An existing database at an older revision (or made before migrations) is upgraded
    only with ``upgrade_existing``; otherwise :class:`SchemaError` tells to run
    :data:`UPGRADE_COMMAND`.
    """
    with engine.connect() as conn:
        try:
            if conn.execute(select(_alembic_version.c.version_num)).scalar() == HEAD_REVISION:
                return
        except (OperationalError, ProgrammingError):
            # No alembic_version table (SQLite: OperationalError, PostgreSQL:
            # ProgrammingError): empty, or made before migrations. Asking first would
            # cost a catalogue query on every call for the sake of the first one.
            conn.rollback()
        revision = schema_revision(conn)
        empty = revision is None and not _baseline_tables_present(conn)
    if not (empty or upgrade_existing):
        state = (f"at schema revision {revision}" if revision
                 else "made before schema migrations")
        raise SchemaError(
            f"the database is {state}; this version needs revision {HEAD_REVISION}. "
            f"Back it up, then upgrade it (its data is kept): "
            f"DASHBOARD_DB_URL=... {UPGRADE_COMMAND}")
    migrate(engine)


def alembic_config(connection: Connection | None = None):
    """An Alembic ``Config`` for ``versions/``, running on ``connection`` when given."""
    from alembic.config import Config  # not at the top: see migrate()

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, target: str = "head") -> Migration:
    """Upgrade or downgrade the database to revision ``target``, in one transaction.

    A database made before migrations is stamped :data:`BASELINE_REVISION` first, after
    checking it has every table of that revision. Raises :class:`SchemaError` when
    ``target`` or the database's revision is unknown to this version (the latter: upgraded
    by a newer version), or when the database has only some of the baseline tables.
    """
    # Imported here, not at the top: the up-to-date check must not pay for Alembic.
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    try:
        wanted_script = script.get_revision(target)
    except CommandError:
        wanted_script = None
    if wanted_script is None:
        raise SchemaError(f"unknown schema revision {target!r}")
    wanted = wanted_script.revision
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        before = schema_revision(conn)
        present = _baseline_tables_present(conn) if before is None else set()
        unversioned = bool(present)
        if unversioned and present != BASELINE_TABLES:
            missing = ", ".join(sorted(BASELINE_TABLES - present))
            raise SchemaError(f"the database has some tables of this application but not "
                              f"these: {missing}; it cannot be upgraded automatically")
        if before is not None:
            try:
                script.get_revision(before)
            except CommandError:
                raise SchemaError(f"the database is at schema revision {before!r}, unknown "
                                  f"to this version: a newer version upgraded it") from None
        config.attributes["connection"] = conn
        if unversioned:
            command.stamp(config, BASELINE_REVISION)
        current = BASELINE_REVISION if unversioned else before
        older = ({rev.revision for rev in script.iterate_revisions(current, "base")}
                 - {current}) if current else set()
        if wanted in older:
            command.downgrade(config, wanted)
        else:
            command.upgrade(config, wanted)
        after = schema_revision(conn)
    return Migration(before, after, unversioned)
