"""unfinished copies: a copy cut short is known to the next one

``copy`` now adds what it brought to the destination's derived tables rather than
computing them all again at its end. What a copy cut short added to matches the
destination held before it (a film, skill, another copy's rows) cannot be told
from the archive's own rows by the next copy: ``unfinished_copies`` holds a row
from a copy's start to its last write, and a copy that finds one counts the
derived tables again. An archive of an older release has no copy under way.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 03:05:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A whole number: BIGINT on PostgreSQL, as every one since 0017 (SQLite's INTEGER is 64 bits).
INTEGER = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    """Create the table, empty."""
    op.create_table(
        "unfinished_copies",
        sa.Column("id", INTEGER, nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unfinished_copies")),
    )


def downgrade() -> None:
    """Drop it (a copy under way then counts only what it brings)."""
    op.drop_table("unfinished_copies")
