"""untracked players' rows: the derived tables of an archive untracked under an older release

Until ``untrack`` took a player's derived rows out (``player_tables.remove_player``),
it deleted only their ``player_rivals``: their ``player_matches`` lines, encounters,
medal totals, ``player_totals`` and ``player_day_totals`` stayed, and so did their
share of ``archive_map_totals`` and ``archive_day_totals``, until a ``reparse``
(which derives rows for tracked players only). The canned queries with no player
picked, the front page and the Career dashboard kept counting that player.

This makes such an archive what a rebuild gives: the rows of every player not in
``tracked_players`` go from the per-player tables, and the two archive-wide tables
are computed again from the ``player_matches`` lines left (a share cannot be taken
out of totals that may not match the lines any more). Most archives never untracked
anyone: the players each table holds are found by its player index, one seek a
player (a 50,000-match archive: milliseconds), and with none stale nothing is
written. Plain SQL both SQLite and PostgreSQL accept, frozen copies of
``store.player_totals``'s at this revision.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 01:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the tables a rebuild derives for tracked players only, each with an index
# (its primary key, or ix_player_matches_player_id) that starts with player_id.
PER_PLAYER = ("player_matches", "player_encounters", "player_medal_totals", "player_rivals",
              "player_totals", "player_day_totals")  # fmt: skip

# Each distinct player_id of {table}, walked by its index (a seek a player, not a row
# read: neither SQLite nor PostgreSQL skips through an index for DISTINCT), less the
# tracked ones.
UNTRACKED = """
WITH RECURSIVE ids (player_id) AS (
    SELECT (SELECT min(player_id) FROM {table})
    UNION ALL
    SELECT (SELECT min(t.player_id) FROM {table} AS t WHERE t.player_id > ids.player_id)
    FROM ids WHERE ids.player_id IS NOT NULL
)
SELECT player_id FROM ids
WHERE player_id IS NOT NULL
    AND player_id NOT IN (SELECT player_id FROM tracked_players)
"""

# Frozen copy of store.player_totals at this revision: the lines of player_matches with
# their scope and ids ('' for none), the columns the two archive-wide tables read.
IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id")
SOURCE = f"""
SELECT pm.match_id, pm.day, pm.playlist, pm.map, pm.outcome,
    CASE WHEN pm.lifecycle_mode = 3 AND (m.gameplay_interaction = 2
        OR m.game_variant_category = 42 OR m.playlist_experience = 6) THEN 'matchmade_pve'
        WHEN pm.lifecycle_mode = 3 THEN 'matchmade_pvp' ELSE 'custom' END AS scope,
    {", ".join(f"coalesce(pm.{c}, '') AS {c}" for c in IDS)}
FROM player_matches AS pm JOIN matches AS m ON m.match_id = pm.match_id
"""


def _distinct(outcome: str) -> str:
    return f"count(DISTINCT CASE WHEN outcome = '{outcome}' THEN match_id END)"


EXPRESSIONS = {
    "playlist": "max(playlist)",
    "map": "max(map)",
    "matches": "count(DISTINCT match_id)",
    "wins": _distinct("win"),
    "losses": _distinct("loss"),
    "ties": _distinct("tie"),
    "left_early": _distinct("left"),
    "no_outcome": "count(DISTINCT CASE WHEN outcome IS NULL THEN match_id END)",
}
PLAYLIST = ("playlist_asset_id", "playlist_version_id")
OUTCOMES = ("matches", "wins", "losses", "ties", "left_early")
ARCHIVE_TOTALS = {
    "archive_map_totals": (
        ("scope", *PLAYLIST, "map_asset_id", "map_version_id"),
        ("playlist", "map", "matches", "wins"),
    ),
    "archive_day_totals": (("scope", *PLAYLIST, "day"), ("playlist", *OUTCOMES, "no_outcome")),
}


def fill(table: str) -> str:
    """Return the INSERT that computes ``table`` from every line of player_matches."""
    key, columns = ARCHIVE_TOTALS[table]
    values = ", ".join(EXPRESSIONS[c] for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(key + columns)})"
        f" SELECT {', '.join(key)}, {values} FROM ({SOURCE}) AS l GROUP BY {', '.join(key)}"
    )


def untracked(connection: sa.Connection) -> list[str]:
    """Return the players not tracked that any per-player table holds rows of."""
    found: set[str] = set()
    for table in PER_PLAYER:
        found.update(connection.execute(sa.text(UNTRACKED.format(table=table))).scalars())
    return sorted(found)


def upgrade() -> None:
    """Delete the rows of players no longer tracked; count the archive-wide totals again."""
    connection = op.get_bind()
    stale = untracked(connection)
    if not stale:  # nobody was untracked by an older release: nothing to write
        return
    ids = [{"player_id": player_id} for player_id in stale]
    for table in PER_PLAYER:
        connection.execute(sa.text(f"DELETE FROM {table} WHERE player_id = :player_id"), ids)
    for table in ARCHIVE_TOTALS:
        connection.execute(sa.text(f"DELETE FROM {table}"))
        connection.execute(sa.text(fill(table)))


def downgrade() -> None:
    """Nothing to undo: the deleted rows counted players the archive no longer tracks."""
