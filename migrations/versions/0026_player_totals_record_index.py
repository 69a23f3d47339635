"""player totals record index: a clan's records read from an index alone

A clan's archive (300 tracked players in the bench's 50,000 matches) keeps some
76,000 rows of ``player_totals``. The front page adds up each player's matchmade
PvP record from them, the Career charts with nobody picked count who played
most, and the Player filter orders the players by matches: each read every row
of the table through its primary key. ``ix_player_totals_record`` holds the
player, scope, gamertag and the record's counts, so these read the index alone
(the front page's query 88 to 71 ms, who played most 29 to 13 ms, measured on
that archive). It costs about 70 bytes a row (5.4 MB there). No data changes.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 00:50:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of grunt_archive.models.viewer.RECORD_COLUMNS.
RECORD_COLUMNS = ("player_id", "scope", "gamertag", "matches", "wins", "losses", "ties",
                  "left_early", "kills", "deaths", "assists")  # fmt: skip


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("player_totals", schema=None) as batch_op:
        batch_op.create_index("ix_player_totals_record", list(RECORD_COLUMNS), unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("player_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_player_totals_record")
