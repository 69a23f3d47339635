"""film layout inferred: a film read with a layout found in the chunk says so

The reader now reads a film of a version it has no checked layout for when the
chunk itself shows one that accounts for every event (``film.reader.read_film``).
``films.layout_inferred`` says which layout read a film's events: false for a
layout checked against a real chunk of its version, true for one inferred, empty
for a film not read. Every film an older release read was read with a checked
layout; one it stored unreadable is read by ``grunt-archive reparse``.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 05:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; the films an older release read were read with checked layouts."""
    op.add_column("films", sa.Column("layout_inferred", sa.Boolean(), nullable=True))
    op.execute("UPDATE films SET layout_inferred = false WHERE status = 'read'")


def downgrade() -> None:
    """Drop the column (the films it marks stay read)."""
    # In place (SQLite 3.35+, PostgreSQL): a batch rebuild would drop ``films``, which
    # ``film_events`` refers to.
    op.execute("ALTER TABLE films DROP COLUMN layout_inferred")
