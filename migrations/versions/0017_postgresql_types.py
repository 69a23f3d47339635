"""postgresql types: raw bodies as BYTEA, whole numbers as BIGINT

SQLite needs nothing here. On PostgreSQL:

- every body is kept as bytes (``grunt_archive.rawbody``: a zlib stream of a
  JSON document, or a film chunk as served), which its ``VARCHAR`` cannot
  hold: ``raw_responses.body`` becomes ``BYTEA``. A body kept as text before
  (none can be: PostgreSQL archives took no writes before this revision)
  becomes its UTF-8 bytes, and reads back as those bytes;
- SQLite's INTEGER holds 64 bits and the archive's numbers need them (medal
  ids past 2^31, large totals): every ``INTEGER`` column becomes ``BIGINT``
  (the models say so through a compile rule, ``grunt_archive.models``). Views
  pin the types of the columns they read, so they are dropped and made again
  from their own definitions around the change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 08:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _views() -> list[tuple[str, str]]:
    """Return the public schema's views and their definitions, in the order they were made."""
    found = op.get_bind().exec_driver_sql(
        "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class AS c"
        " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE c.relkind = 'v' AND n.nspname = 'public' ORDER BY c.oid"
    )
    return [(name, definition) for name, definition in found]


def _integer_columns(data_type: str) -> list[tuple[str, str]]:
    found = op.get_bind().exec_driver_sql(
        "SELECT c.table_name, c.column_name FROM information_schema.columns AS c"
        " JOIN information_schema.tables AS t USING (table_schema, table_name)"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        " AND c.data_type = %(type)s AND c.table_name <> 'alembic_version'"
        " ORDER BY c.table_name, c.ordinal_position",
        {"type": data_type},
    )
    return [(table, column) for table, column in found]


def _retype(data_type: str, new_type: str) -> None:
    """Change every column of ``data_type`` to ``new_type``, the views around it made again."""
    views = _views()
    for name, _ in reversed(views):
        op.execute(f"DROP VIEW {name}")
    for table, column in _integer_columns(data_type):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}")
    for sequence in ("raw_responses_id_seq", "sync_runs_id_seq"):
        op.execute(f"ALTER SEQUENCE IF EXISTS {sequence} AS {new_type}")
    for name, definition in views:
        op.execute(f"CREATE VIEW {name} AS {definition}")


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_context().dialect.name != "postgresql":
        return
    _retype("integer", "BIGINT")
    op.alter_column(
        "raw_responses",
        "body",
        type_=sa.LargeBinary(),
        existing_type=sqlmodel.sql.sqltypes.AutoString(),
        existing_nullable=False,
        postgresql_using="convert_to(body, 'UTF8')",
    )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_context().dialect.name != "postgresql":
        return
    _retype("bigint", "INTEGER")
    # A zlib stream or a film chunk is not text: only an archive of none goes back.
    op.execute("DELETE FROM raw_responses WHERE encoding <> 'identity'")
    op.alter_column(
        "raw_responses",
        "body",
        type_=sqlmodel.sql.sqltypes.AutoString(),
        existing_type=sa.LargeBinary(),
        existing_nullable=False,
        postgresql_using="convert_from(body, 'UTF8')",
    )
