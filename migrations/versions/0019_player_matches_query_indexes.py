"""player_matches query indexes: best games, K/D by map and CSR history by index

Three canned questions still read every line of player_matches at 50,000
matches (issue 12): the best games sorted the whole table for 25 lines,
K/D by map (the README's example) scanned every row for four columns, and
CSR history read the newest lines until 1,000 of them were ranked (about four
in five are not). ``ix_player_matches_best`` holds the lines in KDA order (the
query stops at the 25th that is the player's and in scope),
``ix_player_matches_map_kd`` the four columns of K/D by map, grouped by map, and
``ix_player_matches_ranked`` the ranked lines' start times. No data changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 17:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of grunt_archive.models.viewer.BEST_COLUMNS and MAP_KD_COLUMNS.
BEST_COLUMNS = ("kda", "kills")
MAP_KD_COLUMNS = ("gamertag", "map", "kills", "deaths")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.create_index("ix_player_matches_best", list(BEST_COLUMNS), unique=False)
        batch_op.create_index("ix_player_matches_map_kd", list(MAP_KD_COLUMNS), unique=False)
        batch_op.create_index(
            "ix_player_matches_ranked",
            ["start_time"],
            unique=False,
            sqlite_where=sa.text("post_match_csr IS NOT NULL"),
            postgresql_where=sa.text("post_match_csr IS NOT NULL"),
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_player_matches_ranked")
        batch_op.drop_index("ix_player_matches_map_kd")
        batch_op.drop_index("ix_player_matches_best")
