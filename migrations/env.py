"""Alembic environment for grunt-archive archives.

`grunt-archive db upgrade` passes an open connection in
``config.attributes["connection"]``; the plain ``alembic`` command (used by CI
for ``alembic check``) reads the archive from ``$GRUNT_ARCHIVE_DB``: a SQLite
path or a ``postgresql://`` URL. The migrations run on both dialects: each
SQLite-only step has a PostgreSQL branch (``op.get_context().dialect.name``).
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import grunt_archive.models  # noqa: F401  (registers every table on SQLModel.metadata)
from grunt_archive.fts import is_fts_table
from grunt_archive.location import as_location, is_server, server_url

config = context.config
target_metadata = SQLModel.metadata


def include_name(name, type_, _parent_names) -> bool:
    # The search indexes (FTS5 tables and their shadow tables on SQLite, GIN indexes of the
    # same names on PostgreSQL) are declared in fts.py, not in the models.
    return not (type_ in ("table", "index") and name is not None and is_fts_table(name))


def run_migrations(connection) -> None:
    if connection.dialect.name == "sqlite":
        # A table rebuilt to change it (batch mode) is dropped and its copy renamed; with
        # the legacy rename, SQLite does not fail on the views that name it in between.
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    context.configure(
        include_name=include_name,
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    location = as_location(os.environ.get("GRUNT_ARCHIVE_DB", "halo.db"))
    engine = (
        create_engine(server_url(location))
        if is_server(location)
        else create_engine(f"sqlite:///{location}")
    )
    with engine.begin() as connection:
        run_migrations(connection)
