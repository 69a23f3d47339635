"""matches free for all: whether a match is free-for-all is decided once, when it is written

The match page, the player page's places, the canned query ``free_for_all`` and the
Career chart ``ffa_places`` each evaluated the free-for-all predicate (teams off, no
Teams, not Infection, each of two or more players a team of their own) with two
subqueries per match: about 60 ms of a 50,000-match archive's 120 ms query. Column
``matches.free_for_all`` (NOT NULL, false by default) now holds the decision: the
match normalizer fills it as a match is written, a copy that adds rows to a match
the archive held computes it again, and this revision fills it for every match
archived, with the predicate the readers used (frozen below). A partial index of
the free-for-all matches, ``ix_matches_free_for_all``, is where the canned query and
the chart start. ``downgrade`` drops both.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of grunt_archive.views.FREE_FOR_ALL_SQL (``{m}``: a matches row), the
# readers' definition until this revision; NULL (teams unknown) is not free-for-all.
FREE_FOR_ALL_SQL = (
    "({m}.teams_enabled = false AND coalesce({m}.game_variant_category, 0) <> 22"
    " AND NOT EXISTS (SELECT 1 FROM match_teams AS ffa_t WHERE ffa_t.match_id = {m}.match_id)"
    " AND (SELECT count(DISTINCT ffa_p.player_id) > 1 AND count(DISTINCT ffa_p.team_id) = count(*)"
    " FROM match_players AS ffa_p WHERE ffa_p.match_id = {m}.match_id))"
)


def upgrade() -> None:
    """Add the column, false for every match, then mark the free-for-all ones."""
    op.add_column(
        "matches",
        sa.Column("free_for_all", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Only the matches with teams off can be free-for-all: the rest keep their false.
    op.execute(
        f"UPDATE matches SET free_for_all = true WHERE {FREE_FOR_ALL_SQL.format(m='matches')}"
    )
    # The few free-for-all matches, where the canned query and the chart start.
    op.create_index(
        "ix_matches_free_for_all",
        "matches",
        ["match_id"],
        unique=False,
        sqlite_where=sa.text("free_for_all"),
        postgresql_where=sa.text("free_for_all"),
    )


def downgrade() -> None:
    """Drop the index and the column (the pages of the release before decide in SQL again)."""
    op.drop_index("ix_matches_free_for_all", table_name="matches")
    # In place (SQLite 3.35+, PostgreSQL): a batch rebuild would drop ``matches``, which
    # every match table refers to.
    op.execute("ALTER TABLE matches DROP COLUMN free_for_all")
