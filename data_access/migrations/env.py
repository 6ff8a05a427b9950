"""Alembic environment: runs the revisions in ``versions/`` on one connection.

:mod:`data_access.migrations` passes the connection in ``config.attributes`` and owns the
transaction. Run from the ``alembic`` command line (``alembic -c
data_access/migrations/alembic.ini ...``, for ``revision --autogenerate``), the database
is :func:`data_access.config.database_url`.
"""

from __future__ import annotations

from alembic import context

from data_access.engine import make_engine
from data_access.schema import metadata


def _run(connection) -> None:
    # render_as_batch: SQLite can alter a table only by copying it; batch operations do
    # that on SQLite and are plain ALTER TABLE statements on PostgreSQL.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(create=False)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()
