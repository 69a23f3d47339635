"""player breakdown totals: a player's totals per playlist, map and mode

A clan's archive (300 tracked players in the bench's 50,000 matches) has some
64,000 rows of ``player_totals`` in matchmade PvP, one per player, playlist, map
and mode. ``career_summary``, ``by_map``, ``by_mode`` and ``by_playlist`` with
nobody picked added them all up (110 to 220 ms of SQL), most of it the sums
themselves. ``player_playlist_totals``, ``player_map_totals`` and
``player_mode_totals`` hold the same sums per player, scope and playlist (map,
mode) version: some 4,000 to 8,000 rows each there. They are kept by
grunt_archive.store.player_totals as the others are, and filled here from
``player_totals`` (a match has one playlist, map and mode, so its sums per
playlist are the sums of its rows; frozen SQL that SQLite and PostgreSQL accept).

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-02 02:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A whole number: BIGINT on PostgreSQL, as every one since 0017 (SQLite's INTEGER is 64 bits).
INTEGER = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
TEXT = sqlmodel.sql.sqltypes.AutoString()
# How a column of player_totals adds up over the rows of a coarser key.
EXPRESSIONS = {"gamertag": "max", "playlist": "max", "map": "max", "mode": "max",
               "peak_csr": "max", "first_match": "min", "last_match": "max"}  # fmt: skip
SHOWN = ("kills", "deaths", "accuracy_hundredths", "accuracy_lines")
TABLES = {
    "player_playlist_totals": (
        ("playlist_asset_id", "playlist_version_id"),
        ("gamertag", "playlist", "matches", "wins", "losses", "ties", "left_early", "kills",
         "deaths", "assists", "accuracy_hundredths", "accuracy_lines", "damage_dealt",
         "damage_lines", "time_played_ticks", "peak_csr", "first_match", "last_match"),
    ),
    "player_map_totals": (
        ("map_asset_id", "map_version_id"), ("gamertag", "map", "matches", "wins", *SHOWN)
    ),
    "player_mode_totals": (
        ("game_variant_asset_id", "game_variant_version_id"),
        ("gamertag", "mode", "matches", "wins", *SHOWN),
    ),
}  # fmt: skip
NULLABLE_TEXT = {"gamertag", "playlist", "map", "mode", "first_match", "last_match"}
NULLABLE = {"kills", "deaths", "assists", "peak_csr"}
BIG = {"accuracy_hundredths", "damage_dealt", "time_played_ticks"}


def _column(name: str) -> sa.Column:
    if name in NULLABLE_TEXT:
        return sa.Column(name, TEXT, nullable=True)
    if name in BIG:
        return sa.Column(name, sa.BigInteger(), nullable=True)
    return sa.Column(name, INTEGER, nullable=name in NULLABLE)


def fill(table: str) -> str:
    """Return the INSERT that fills ``table`` from ``player_totals``."""
    ids, columns = TABLES[table]
    key = ", ".join(("player_id", "scope", *ids))
    values = ", ".join(f"{EXPRESSIONS.get(c, 'sum')}({c})" for c in columns)
    return (
        f"INSERT INTO {table} ({key}, {', '.join(columns)})"
        f" SELECT {key}, {values} FROM player_totals GROUP BY {key}"
    )


def upgrade() -> None:
    """Create the tables and fill them from the totals already kept."""
    for table, (ids, columns) in TABLES.items():
        op.create_table(
            table,
            sa.Column("player_id", TEXT, nullable=False),
            sa.Column("scope", TEXT, nullable=False),
            *(sa.Column(c, TEXT, nullable=False) for c in ids),
            *(_column(c) for c in columns),
            sa.ForeignKeyConstraint(
                ["player_id"], ["players.player_id"], name=op.f(f"fk_{table}_player_id_players")
            ),
            sa.PrimaryKeyConstraint("player_id", "scope", *ids, name=op.f(f"pk_{table}")),
        )
        op.execute(fill(table))


def downgrade() -> None:
    """Drop the tables."""
    for table in reversed(TABLES):
        op.drop_table(table)
