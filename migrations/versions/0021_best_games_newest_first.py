"""best games newest first: ties of KDA and kills in the order of the index

The ``best_games`` canned query ordered by KDA, then kills, and returned lines
that tie on both (common among short or quiet matches) in whatever order the
index held them, so two runs of the same archive could list them differently.
It now orders the ties newest first, and ``ix_player_matches_best`` holds
``start_time`` after the two, so the query still walks the index and stops at
its 25th line. No data changes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 11:10:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of grunt_archive.models.viewer.BEST_COLUMNS, and of what it was (0019).
BEST_COLUMNS = ("kda", "kills", "start_time")
BEFORE = ("kda", "kills")


def _index(columns: tuple[str, ...]) -> None:
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_player_matches_best")
        batch_op.create_index("ix_player_matches_best", list(columns), unique=False)


def upgrade() -> None:
    """Upgrade schema."""
    _index(BEST_COLUMNS)


def downgrade() -> None:
    """Downgrade schema."""
    _index(BEFORE)
