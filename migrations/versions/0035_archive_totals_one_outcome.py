"""archive totals, one outcome a match: a clan's match on both sides is mixed, not a win and a loss

``archive_map_totals`` and ``archive_day_totals`` count every tracked player's
matches, a match two of them played once (the Career dashboard with no player
picked). Until this revision a match counted under each outcome its lines had:
two members on opposite teams made it a win and a loss, and a clan's matches per
day stacked higher than the matches it played. Now a match counts under the one
outcome every line of it has, else in the new column ``mixed``
(``archive_day_totals``); ``archive_map_totals.wins`` counts the matches every
tracked player in them won.

Both tables are computed again from the ``player_matches`` lines (the bench's
300-player clan archive, 50,000 matches and 250,000 lines: ``db upgrade`` took 7 s,
alembic's start and the foreign-key check included). Plain SQL both SQLite and
PostgreSQL accept, frozen copies of ``store.player_totals``'s at this revision.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 04:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0035"
down_revision: str | Sequence[str] | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of store.player_totals at this revision: the lines of player_matches with
# their scope and ids ('' for none), the columns the two archive-wide tables read.
IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id")
SOURCE = f"""
SELECT pm.player_id, pm.match_id, pm.day, pm.playlist, pm.map, pm.outcome,
    CASE WHEN pm.lifecycle_mode = 3 AND (m.gameplay_interaction = 2
        OR m.game_variant_category = 42 OR m.playlist_experience = 6) THEN 'matchmade_pve'
        WHEN pm.lifecycle_mode = 3 THEN 'matchmade_pvp' ELSE 'custom' END AS scope,
    {", ".join(f"coalesce(pm.{c}, '') AS {c}" for c in IDS)}
FROM player_matches AS pm JOIN matches AS m ON m.match_id = pm.match_id
"""


def _every(condition: str) -> str:
    return f"min(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# What one match adds, over its lines: the outcome they all have, else mixed.
PER_MATCH = {
    "matches": "1",
    "wins": _every("outcome = 'win'"),
    "losses": _every("outcome = 'loss'"),
    "ties": _every("outcome = 'tie'"),
    "left_early": _every("outcome = 'left'"),
    "no_outcome": _every("outcome IS NULL"),
    "mixed": "CASE WHEN max(coalesce(outcome, '')) <> min(coalesce(outcome, '')) THEN 1 ELSE 0 END",
}
PLAYLIST = ("playlist_asset_id", "playlist_version_id")
TABLES = {
    "archive_map_totals": (
        ("scope", *PLAYLIST, "map_asset_id", "map_version_id"),
        ("playlist", "map", "matches", "wins"),
    ),
    "archive_day_totals": (
        ("scope", *PLAYLIST, "day"),
        ("playlist", "matches", "wins", "losses", "ties", "left_early", "no_outcome", "mixed"),
    ),
}


def fill(table: str) -> str:
    """Return the INSERT that computes ``table`` from every line of player_matches."""
    key, columns = TABLES[table]
    keys = ", ".join(key)
    values = ", ".join(f"{PER_MATCH.get(c) or f'max({c})'} AS {c}" for c in columns)
    added = ", ".join(f"sum({c})" if c in PER_MATCH else f"max({c})" for c in columns)
    return (
        f"INSERT INTO {table} ({keys}, {', '.join(columns)})"
        f" SELECT {keys}, {added} FROM (SELECT {keys}, match_id, {values} FROM ({SOURCE}) AS l"
        f" GROUP BY {keys}, match_id) AS m GROUP BY {keys}"
    )


def upgrade() -> None:
    """Add ``mixed``, then count both tables again, a match under one outcome."""
    op.add_column(
        "archive_day_totals",
        sa.Column(
            "mixed",
            sa.Integer().with_variant(sa.BigInteger(), "postgresql"),
            server_default="0",
            nullable=False,
        ),
    )
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")
        op.execute(fill(table))


def downgrade() -> None:
    """Drop ``mixed`` and count a match under each outcome of its lines again (as 0027 did)."""
    # In place (SQLite 3.35+, PostgreSQL), as 0033's downgrade drops its column.
    op.execute("ALTER TABLE archive_day_totals DROP COLUMN mixed")
    distinct = {
        "matches": "count(DISTINCT match_id)",
        **{
            c: f"count(DISTINCT CASE WHEN {cond} THEN match_id END)"
            for c, cond in (("wins", "outcome = 'win'"), ("losses", "outcome = 'loss'"),
                            ("ties", "outcome = 'tie'"), ("left_early", "outcome = 'left'"),
                            ("no_outcome", "outcome IS NULL"))
        },
    }  # fmt: skip
    for table, (key, columns) in TABLES.items():
        kept = [c for c in columns if c != "mixed"]
        keys = ", ".join(key)
        values = ", ".join(distinct.get(c) or f"max({c})" for c in kept)
        op.execute(f"DELETE FROM {table}")
        op.execute(
            f"INSERT INTO {table} ({keys}, {', '.join(kept)}) SELECT {keys}, {values}"
            f" FROM ({SOURCE}) AS l GROUP BY {keys}"
        )
