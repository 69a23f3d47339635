"""matches player count: how many players a match had is counted once, when it is written

The canned query ``free_for_all`` averages the field of the free-for-all matches
it reads, and counted each match's players from ``match_players`` once per line of
a tracked player: on the bench's 300-player clan, with no player picked, 14,562
lines and most of the query's 160 ms. Column ``matches.player_count`` (NOT NULL, 0
by default) now holds the count: the match normalizer fills it as a match is
written, a copy that adds rows to a match the archive held counts it again (as it
decides ``free_for_all`` again), and this revision fills it for every match
archived, with the SQL the readers used (frozen below). The partial index of the
free-for-all matches, ``ix_matches_free_for_all``, now holds what the canned query
reads of each match (``lifecycle_mode`` for the scope, ``start_time``, ``player_count``)
beside ``match_id``, so that it reads no ``matches`` row. ``downgrade`` drops the
column and gives the index back its one column.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-02 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0034"
down_revision: str | Sequence[str] | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of grunt_archive.views.PLAYER_COUNT_SQL (``{m}``: a matches row): the
# distinct players of the match's match_players rows, bots too.
PLAYER_COUNT_SQL = (
    "(SELECT count(DISTINCT field_p.player_id) FROM match_players AS field_p"
    " WHERE field_p.match_id = {m}.match_id)"
)


def upgrade() -> None:
    """Add the column, 0 for every match, then count the players of each match."""
    op.add_column(
        "matches",
        sa.Column(
            "player_count",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            server_default="0",
            nullable=False,
        ),
    )
    op.execute(f"UPDATE matches SET player_count = {PLAYER_COUNT_SQL.format(m='matches')}")
    _free_for_all_index("match_id", "lifecycle_mode", "start_time", "player_count")


def downgrade() -> None:
    """Drop the column (the release before counts each match's players in SQL again)."""
    _free_for_all_index("match_id")
    # In place (SQLite 3.35+, PostgreSQL): a batch rebuild would drop ``matches``, which
    # every match table refers to.
    op.execute("ALTER TABLE matches DROP COLUMN player_count")


def _free_for_all_index(*columns: str) -> None:
    """Make ``ix_matches_free_for_all`` again, of ``columns``: the few free-for-all matches."""
    op.drop_index("ix_matches_free_for_all", table_name="matches")
    op.create_index(
        "ix_matches_free_for_all",
        "matches",
        list(columns),
        unique=False,
        sqlite_where=sa.text("free_for_all"),
        postgresql_where=sa.text("free_for_all"),
    )
