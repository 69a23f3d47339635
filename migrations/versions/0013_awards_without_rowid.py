"""awards without rowid: personal_score_awards keyed by its primary key

About thirty score lines a match, each with a 60-byte key (match id, player
id, team, line): as a rowid table SQLite kept every key twice, in the table and
in its primary key's index, a fifth of an archive's bytes. ``WITHOUT ROWID``
stores each row once, in primary key order. No data changes. (``medal_awards``
stays a rowid table: its two other indexes would each carry the whole key.)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 07:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("personal_score_awards",)


def upgrade() -> None:
    """Upgrade schema."""
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ):
            pass


def downgrade() -> None:
    """Downgrade schema."""
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always"):
            pass
