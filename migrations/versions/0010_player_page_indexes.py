"""player page indexes: a career's totals and CSR from two covering indexes

A player's page (issue 14) reads a whole career's totals per scope, map and
mode, and its CSR over time. Through ``ix_player_matches_player_id`` those
rows lie all over the table (in the order the matches were stored), a page
read per row: seconds on a 50,000-match career. ``ix_player_matches_totals``
holds the columns the totals need and ``ix_player_matches_csr`` (ranked lines
only) those of the CSR chart, so each is one sequential read of an index.
No data changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:25:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of grunt_archive.models.viewer.SUMMARY_COLUMNS and CSR_COLUMNS.
SUMMARY_COLUMNS = ("player_id", "map", "mode", "lifecycle_mode", "match_id", "outcome", "kills",
                   "deaths", "assists", "start_time")  # fmt: skip
CSR_COLUMNS = ("player_id", "start_time", "playlist_asset_id", "playlist", "post_match_csr",
               "post_match_tier", "match_id")  # fmt: skip


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.create_index("ix_player_matches_totals", list(SUMMARY_COLUMNS), unique=False)
        batch_op.create_index(
            "ix_player_matches_csr",
            list(CSR_COLUMNS),
            unique=False,
            sqlite_where=sa.text("post_match_csr IS NOT NULL"),
            postgresql_where=sa.text("post_match_csr IS NOT NULL"),
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_player_matches_csr")
        batch_op.drop_index("ix_player_matches_totals")
