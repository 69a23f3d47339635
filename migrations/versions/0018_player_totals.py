"""player totals: what the canned queries and the Career dashboard add up

At 50,000 matches the canned queries and the dashboard's charts read every
line of player_matches (150 to 730 ms, issue 12). These tables hold the same
counts and sums per key, kept current by grunt_archive.store.player_totals:
player_totals (a tracked player per scope, playlist, map and mode),
player_day_totals (per scope, playlist and day), archive_map_totals and
archive_day_totals (every tracked player together, a shared match once). They
are filled here from the archive's player_matches, with the SELECTs of
store.player_totals as of this revision (a frozen copy, plain SQL that SQLite
and PostgreSQL both accept). Two indexes of player_matches join them: by
start_time (the newest lines first: recent form, CSR history) and the ranked
lines the Career dashboard's CSR chart reads, covered.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 09:11:09.738395

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A whole number: BIGINT on PostgreSQL, as every one since 0017 (SQLite's INTEGER is 64 bits).
INTEGER = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

# Every line of player_matches with its scope and its ids ('' for none).
IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id",
       "game_variant_asset_id", "game_variant_version_id")  # fmt: skip
SOURCE = f"""
SELECT pm.player_id, pm.match_id, pm.day, pm.gamertag, pm.playlist, pm.map, pm.mode,
    pm.outcome, pm.kills, pm.deaths, pm.assists, pm.accuracy, pm.damage_dealt,
    pm.time_played_seconds, pm.post_match_csr, pm.start_time,
    CASE WHEN pm.lifecycle_mode = 3 AND (m.gameplay_interaction = 2
        OR m.game_variant_category = 42 OR m.playlist_experience = 6) THEN 'matchmade_pve'
        WHEN pm.lifecycle_mode = 3 THEN 'matchmade_pvp' ELSE 'custom' END AS scope,
    {", ".join(f"coalesce(pm.{c}, '') AS {c}" for c in IDS)}
FROM player_matches AS pm JOIN matches AS m ON m.match_id = pm.match_id
"""


def _distinct(outcome: str) -> str:
    return f"count(DISTINCT CASE WHEN outcome = '{outcome}' THEN match_id END)"


EXPRESSIONS = {
    "gamertag": "max(gamertag)",
    "playlist": "max(playlist)",
    "map": "max(map)",
    "mode": "max(mode)",
    "lines": "count(*)",
    "matches": "count(DISTINCT match_id)",
    "wins": _distinct("win"),
    "losses": _distinct("loss"),
    "ties": _distinct("tie"),
    "left_early": _distinct("left"),
    "no_outcome": "count(DISTINCT CASE WHEN outcome IS NULL THEN match_id END)",
    "kills": "sum(kills)",
    "deaths": "sum(deaths)",
    "assists": "sum(assists)",
    "accuracy_hundredths": "sum(CAST(round(accuracy * 100) AS BIGINT))",
    "accuracy_lines": "count(accuracy)",
    "damage_dealt": "sum(damage_dealt)",
    "damage_lines": "count(damage_dealt)",
    "time_played_ticks": "sum(CAST(round(time_played_seconds * 10000000) AS BIGINT))",
    "peak_csr": "max(post_match_csr)",
    "first_match": "min(start_time)",
    "last_match": "max(start_time)",
}
CSR_CHART_COLUMNS = ("gamertag", "playlist", "start_time", "post_match_csr", "post_match_tier",
                     "match_id", "day")  # fmt: skip
PLAYLIST = ("playlist_asset_id", "playlist_version_id")
OUTCOMES = ("matches", "wins", "losses", "ties", "left_early")
TABLES = {
    "player_totals": (
        ("player_id", "scope", *IDS),
        ("gamertag", "playlist", "map", "mode", "lines", *OUTCOMES, "kills", "deaths",
         "assists", "accuracy_hundredths", "accuracy_lines", "damage_dealt", "damage_lines",
         "time_played_ticks", "peak_csr", "first_match", "last_match"),
    ),
    "player_day_totals": (
        ("player_id", "scope", *PLAYLIST, "day"),
        ("gamertag", "playlist", *OUTCOMES, "no_outcome", "kills", "deaths"),
    ),
    "archive_map_totals": (
        ("scope", *PLAYLIST, "map_asset_id", "map_version_id"),
        ("playlist", "map", "matches", "wins"),
    ),
    "archive_day_totals": (("scope", *PLAYLIST, "day"), ("playlist", *OUTCOMES, "no_outcome")),
}  # fmt: skip


def fill(table: str) -> str:
    """Return the INSERT that fills ``table`` from every line of player_matches."""
    key, columns = TABLES[table]
    values = ", ".join(EXPRESSIONS[c] for c in columns)
    return (
        f"INSERT INTO {table} ({', '.join(key + columns)})"
        f" SELECT {', '.join(key)}, {values} FROM ({SOURCE}) AS l GROUP BY {', '.join(key)}"
    )


def upgrade() -> None:
    """Create the totals tables and fill them from the lines already archived."""
    op.create_table(
        "archive_day_totals",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("matches", INTEGER, nullable=False),
        sa.Column("wins", INTEGER, nullable=False),
        sa.Column("losses", INTEGER, nullable=False),
        sa.Column("ties", INTEGER, nullable=False),
        sa.Column("left_early", INTEGER, nullable=False),
        sa.Column("no_outcome", INTEGER, nullable=False),
        sa.PrimaryKeyConstraint(
            "scope",
            "playlist_asset_id",
            "playlist_version_id",
            "day",
            name=op.f("pk_archive_day_totals"),
        ),
    )
    op.create_table(
        "archive_map_totals",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("map_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("map_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("map", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("matches", INTEGER, nullable=False),
        sa.Column("wins", INTEGER, nullable=False),
        sa.PrimaryKeyConstraint(
            "scope",
            "playlist_asset_id",
            "playlist_version_id",
            "map_asset_id",
            "map_version_id",
            name=op.f("pk_archive_map_totals"),
        ),
    )
    op.create_table(
        "player_day_totals",
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("playlist", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("matches", INTEGER, nullable=False),
        sa.Column("wins", INTEGER, nullable=False),
        sa.Column("losses", INTEGER, nullable=False),
        sa.Column("ties", INTEGER, nullable=False),
        sa.Column("left_early", INTEGER, nullable=False),
        sa.Column("no_outcome", INTEGER, nullable=False),
        sa.Column("kills", INTEGER, nullable=True),
        sa.Column("deaths", INTEGER, nullable=True),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_player_day_totals_player_id_players"),
        ),
        sa.PrimaryKeyConstraint(
            "player_id",
            "scope",
            "playlist_asset_id",
            "playlist_version_id",
            "day",
            name=op.f("pk_player_day_totals"),
        ),
    )
    op.create_table(
        "player_totals",
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("map_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("map_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("game_variant_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("game_variant_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("playlist", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("map", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lines", INTEGER, nullable=False),
        sa.Column("matches", INTEGER, nullable=False),
        sa.Column("wins", INTEGER, nullable=False),
        sa.Column("losses", INTEGER, nullable=False),
        sa.Column("ties", INTEGER, nullable=False),
        sa.Column("left_early", INTEGER, nullable=False),
        sa.Column("kills", INTEGER, nullable=True),
        sa.Column("deaths", INTEGER, nullable=True),
        sa.Column("assists", INTEGER, nullable=True),
        sa.Column("accuracy_hundredths", sa.BigInteger(), nullable=True),
        sa.Column("accuracy_lines", INTEGER, nullable=False),
        sa.Column("damage_dealt", sa.BigInteger(), nullable=True),
        sa.Column("damage_lines", INTEGER, nullable=False),
        sa.Column("time_played_ticks", sa.BigInteger(), nullable=True),
        sa.Column("peak_csr", INTEGER, nullable=True),
        sa.Column("first_match", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("last_match", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_player_totals_player_id_players")
        ),
        sa.PrimaryKeyConstraint(
            "player_id",
            "scope",
            "playlist_asset_id",
            "playlist_version_id",
            "map_asset_id",
            "map_version_id",
            "game_variant_asset_id",
            "game_variant_version_id",
            name=op.f("pk_player_totals"),
        ),
    )
    for table in TABLES:
        op.execute(fill(table))
    # The newest lines first (recent form, CSR history), and the CSR chart's ranked lines.
    op.create_index("ix_player_matches_start_time", "player_matches", ["start_time"])
    ranked = sa.text("post_match_csr IS NOT NULL")
    op.create_index(
        "ix_player_matches_csr_chart",
        "player_matches",
        list(CSR_CHART_COLUMNS),
        sqlite_where=ranked,
        postgresql_where=ranked,
    )


def downgrade() -> None:
    """Drop the totals tables and the indexes."""
    op.drop_index("ix_player_matches_csr_chart", table_name="player_matches")
    op.drop_index("ix_player_matches_start_time", table_name="player_matches")
    op.drop_table("player_totals")
    op.drop_table("player_day_totals")
    op.drop_table("archive_map_totals")
    op.drop_table("archive_day_totals")
