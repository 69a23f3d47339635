"""index medal awards by player

A player's medal totals (``WHERE player_id = ? GROUP BY medal_id``) read this
covering index instead of every award of every match: 1.4 s → 40 ms on a
50,000-match archive (issue 7, ``bench/run.py``). No data changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:37:12.631013

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("medal_awards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_medal_awards_player_id", ["player_id", "medal_id", "count"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("medal_awards", schema=None) as batch_op:
        batch_op.drop_index("ix_medal_awards_player_id")
