"""Alembic environment for grunt-archive archives.

`grunt-archive db upgrade` passes an open connection in
``config.attributes["connection"]``; the plain ``alembic`` command (used by CI
for ``alembic check``) reads the database path from ``$GRUNT_ARCHIVE_DB``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import grunt_archive.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
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
    engine = create_engine("sqlite:///" + os.environ.get("GRUNT_ARCHIVE_DB", "halo.db"))
    with engine.begin() as connection:
        run_migrations(connection)
