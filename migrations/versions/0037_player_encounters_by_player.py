"""player encounters by player: one tracked player's teammates and opponents, most met first

The canned queries ``teammates`` and ``opponents`` with a player picked, and the
player page's lists, want a tracked player's 100 encounters met most. The relation
index (``relation, matches, win_rate``) gives every tracked player's in that order,
so with a gamertag picked it read the other members' encounters too until it had
100 of theirs (on the bench's 300-player clan, 106 ms of SQL on a slow day), and the
player page, which asks by the player's id, read all of that player's and sorted
them. ``ix_player_encounters_player`` (``player_id, relation, matches, win_rate``)
answers both from its first 100 entries.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03 14:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0037"
down_revision: str | Sequence[str] | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index each tracked player's encounters by relation, most met first."""
    op.create_index(
        "ix_player_encounters_player",
        "player_encounters",
        ["player_id", "relation", "matches", "win_rate"],
    )


def downgrade() -> None:
    """Drop the index: the release before reads the relation index, or sorts."""
    op.drop_index("ix_player_encounters_player", table_name="player_encounters")
