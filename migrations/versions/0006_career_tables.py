"""career tables: player_matches, player_encounters, player_medal_totals

The views `player_matches`, `player_encounters` and `player_medal_totals`
(0004) become tables with the same columns (plus, on `player_matches`, the
ids its names come from), kept current by grunt_archive.store.player_tables in the
transaction that writes what they derive from. At 50,000 matches each view
read the whole career through seven joins (200 ms to 5 s a query, issue 7).
`player_medal_totals` now covers tracked players only. The tables are filled
from the rows already archived; `player_careers` and `player_map_mode_stats`
read the new table under the old name, unchanged. On PostgreSQL (see 0004) the
tables start empty and this revision creates those two views, in SQL
PostgreSQL accepts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:35:06.088852

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# How the tables are filled, as this revision computes them (a frozen copy of
# grunt_archive.store.player_tables's SELECTs).
FILL = [
    """
INSERT INTO player_matches (
    start_time, day, gamertag, playlist, map, mode, outcome, kills, deaths, assists, kd,
    kda, accuracy, damage_dealt, damage_taken, personal_score, headshot_kills,
    pre_match_csr, post_match_csr, csr_change, post_match_tier, expected_kills,
    expected_deaths, season, time_played_seconds, duration_seconds, lifecycle_mode, team_id,
    match_id, player_id, playlist_asset_id, playlist_version_id, map_asset_id,
    map_version_id, game_variant_asset_id, game_variant_version_id, season_id
)
SELECT
    m.start_time,
    date(m.start_time),
    p.gamertag,
    playlist.public_name,
    map.public_name,
    game_variant.public_name,
    CASE mp.outcome WHEN 1 THEN 'tie' WHEN 2 THEN 'win' WHEN 3 THEN 'loss' WHEN 4 THEN 'left' END,
    mp.kills,
    mp.deaths,
    mp.assists,
    round(mp.kills * 1.0 / max(coalesce(mp.deaths, 0), 1), 2),
    mp.kda,
    round(mp.accuracy, 2),
    mp.damage_dealt,
    mp.damage_taken,
    mp.personal_score,
    mp.headshot_kills,
    nullif(sk.pre_match_csr, -1),
    nullif(sk.post_match_csr, -1),
    nullif(sk.post_match_csr, -1) - nullif(sk.pre_match_csr, -1),
    nullif(sk.post_match_tier, ''),
    round(sk.expected_kills, 1),
    round(sk.expected_deaths, 1),
    season.name,
    mp.time_played_seconds,
    m.duration_seconds,
    m.lifecycle_mode,
    mp.team_id,
    mp.match_id,
    mp.player_id,
    m.playlist_asset_id,
    m.playlist_version_id,
    m.map_asset_id,
    m.map_version_id,
    m.game_variant_asset_id,
    m.game_variant_version_id,
    m.season_id
FROM tracked_players AS t
JOIN match_players AS mp ON mp.player_id = t.player_id
JOIN matches AS m ON m.match_id = mp.match_id
LEFT JOIN players AS p ON p.player_id = mp.player_id
LEFT JOIN assets AS map
    ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS game_variant
    ON game_variant.asset_id = m.game_variant_asset_id
    AND game_variant.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist
    ON playlist.asset_id = m.playlist_asset_id AND playlist.version_id = m.playlist_version_id
LEFT JOIN seasons AS season ON season.season_id = m.season_id
LEFT JOIN match_skill AS sk ON sk.match_id = mp.match_id AND sk.player_id = mp.player_id
WHERE true
""",
    """
INSERT INTO player_encounters (
    player_id, other_player_id, relation, gamertag, other_gamertag, matches, wins, win_rate,
    their_kills, their_deaths, last_played
)
SELECT
    mine.player_id,
    theirs.player_id,
    CASE WHEN mine.team_id = theirs.team_id THEN 'teammate' ELSE 'opponent' END AS relation,
    me.gamertag,
    other.gamertag,
    count(*),
    sum(mine.outcome = 2),
    round(100.0 * sum(mine.outcome = 2) / count(*), 1),
    sum(theirs.kills),
    sum(theirs.deaths),
    max(m.start_time)
FROM tracked_players AS t
JOIN match_players AS mine ON mine.player_id = t.player_id
JOIN match_players AS theirs
    ON theirs.match_id = mine.match_id AND theirs.player_id <> mine.player_id
JOIN matches AS m ON m.match_id = mine.match_id
LEFT JOIN players AS me ON me.player_id = mine.player_id
LEFT JOIN players AS other ON other.player_id = theirs.player_id
WHERE theirs.player_id LIKE 'xuid(%' AND true
GROUP BY mine.player_id, theirs.player_id, relation
""",
    """
INSERT INTO player_medal_totals (
    player_id, medal_id, gamertag, medal, difficulty, type, total, matches_awarded,
    personal_score
)
SELECT
    a.player_id,
    a.medal_id,
    p.gamertag,
    medal.name,
    medal.difficulty,
    medal.type,
    sum(a.count),
    count(DISTINCT a.match_id),
    sum(a.total_personal_score_awarded)
FROM tracked_players AS t
JOIN medal_awards AS a ON a.player_id = t.player_id
LEFT JOIN medals AS medal ON medal.medal_id = a.medal_id
LEFT JOIN players AS p ON p.player_id = a.player_id
WHERE true
GROUP BY a.player_id, a.medal_id
""",
]

# The views this revision replaces, as 0004 created them (for the downgrade).
VIEWS = {
    "player_matches": """
CREATE VIEW player_matches AS
SELECT
    m.start_time,
    date(m.start_time) AS day,
    p.gamertag,
    playlist.public_name AS playlist,
    map.public_name AS map,
    game_variant.public_name AS mode,
    CASE mp.outcome WHEN 1 THEN 'tie' WHEN 2 THEN 'win' WHEN 3 THEN 'loss' WHEN 4 THEN 'left'
    END AS outcome,
    mp.kills,
    mp.deaths,
    mp.assists,
    round(mp.kills * 1.0 / max(coalesce(mp.deaths, 0), 1), 2) AS kd,
    mp.kda,
    round(mp.accuracy, 2) AS accuracy,
    mp.damage_dealt,
    mp.damage_taken,
    mp.personal_score,
    mp.headshot_kills,
    nullif(sk.pre_match_csr, -1) AS pre_match_csr,
    nullif(sk.post_match_csr, -1) AS post_match_csr,
    nullif(sk.post_match_csr, -1) - nullif(sk.pre_match_csr, -1) AS csr_change,
    nullif(sk.post_match_tier, '') AS post_match_tier,
    round(sk.expected_kills, 1) AS expected_kills,
    round(sk.expected_deaths, 1) AS expected_deaths,
    season.name AS season,
    mp.time_played_seconds,
    m.duration_seconds,
    m.lifecycle_mode,
    mp.team_id,
    mp.match_id,
    mp.player_id
FROM tracked_players AS t
JOIN match_players AS mp ON mp.player_id = t.player_id
JOIN matches AS m ON m.match_id = mp.match_id
LEFT JOIN players AS p ON p.player_id = mp.player_id
LEFT JOIN assets AS map
    ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS game_variant
    ON game_variant.asset_id = m.game_variant_asset_id
    AND game_variant.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist
    ON playlist.asset_id = m.playlist_asset_id AND playlist.version_id = m.playlist_version_id
LEFT JOIN seasons AS season ON season.season_id = m.season_id
LEFT JOIN match_skill AS sk ON sk.match_id = mp.match_id AND sk.player_id = mp.player_id
""",
    "player_medal_totals": """
CREATE VIEW player_medal_totals AS
SELECT
    p.gamertag,
    medal.name AS medal,
    medal.difficulty,
    medal.type,
    sum(a.count) AS total,
    count(DISTINCT a.match_id) AS matches_awarded,
    sum(a.total_personal_score_awarded) AS personal_score,
    a.player_id,
    a.medal_id
FROM medal_awards AS a
LEFT JOIN medals AS medal ON medal.medal_id = a.medal_id
LEFT JOIN players AS p ON p.player_id = a.player_id
GROUP BY a.player_id, a.medal_id
""",
    "player_encounters": """
CREATE VIEW player_encounters AS
SELECT
    me.gamertag,
    other.gamertag AS other_gamertag,
    CASE WHEN mine.team_id = theirs.team_id THEN 'teammate' ELSE 'opponent' END AS relation,
    count(*) AS matches,
    sum(mine.outcome = 2) AS wins,
    round(100.0 * sum(mine.outcome = 2) / count(*), 1) AS win_rate,
    sum(theirs.kills) AS their_kills,
    sum(theirs.deaths) AS their_deaths,
    max(m.start_time) AS last_played,
    mine.player_id,
    theirs.player_id AS other_player_id
FROM tracked_players AS t
JOIN match_players AS mine ON mine.player_id = t.player_id
JOIN match_players AS theirs
    ON theirs.match_id = mine.match_id AND theirs.player_id <> mine.player_id
JOIN matches AS m ON m.match_id = mine.match_id
LEFT JOIN players AS me ON me.player_id = mine.player_id
LEFT JOIN players AS other ON other.player_id = theirs.player_id
WHERE theirs.player_id LIKE 'xuid(%'
GROUP BY mine.player_id, theirs.player_id, relation
""",
}

# The viewer's views that read the tables, on PostgreSQL (a frozen copy of
# grunt_archive.views.POSTGRESQL_VIEWS): see 0004.
POSTGRESQL_VIEWS = {
    "player_careers": """
CREATE VIEW player_careers AS
SELECT
    max(gamertag) AS gamertag,
    count(*) AS matches,
    sum(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS wins,
    sum(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS losses,
    sum(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS ties,
    sum(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
    round(100.0 * sum(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    sum(assists) AS assists,
    round(sum(kills) * 1.0 / greatest(sum(deaths), 1), 2) AS kd,
    round(CAST(avg(accuracy) AS NUMERIC), 2) AS accuracy,
    round(avg(damage_dealt), 0) AS damage_per_match,
    max(kills) AS most_kills,
    (SELECT post_match_csr FROM player_matches AS last
        WHERE last.player_id = pm.player_id AND last.post_match_csr IS NOT NULL
        ORDER BY last.start_time DESC LIMIT 1) AS current_csr,
    max(post_match_csr) AS peak_csr,
    round(CAST(sum(time_played_seconds) / 3600.0 AS NUMERIC), 1) AS hours_played,
    min(start_time) AS first_match,
    max(start_time) AS last_match,
    player_id
FROM player_matches AS pm
GROUP BY player_id
""",
    "player_map_mode_stats": """
CREATE VIEW player_map_mode_stats AS
SELECT
    max(gamertag) AS gamertag,
    map,
    mode,
    count(*) AS matches,
    sum(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS wins,
    sum(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS losses,
    round(100.0 * sum(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    round(sum(kills) * 1.0 / greatest(sum(deaths), 1), 2) AS kd,
    round(CAST(avg(accuracy) AS NUMERIC), 2) AS accuracy,
    player_id
FROM player_matches
GROUP BY player_id, map, mode
""",
}


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    """Upgrade schema."""
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.create_table(
        "player_encounters",
        sa.Column("gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("other_gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("relation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=True),
        sa.Column("win_rate", sa.Float(), nullable=True),
        sa.Column("their_kills", sa.Integer(), nullable=True),
        sa.Column("their_deaths", sa.Integer(), nullable=True),
        sa.Column("last_played", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("other_player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_player_id"],
            ["players.player_id"],
            name=op.f("fk_player_encounters_other_player_id_players"),
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_player_encounters_player_id_players"),
        ),
        sa.PrimaryKeyConstraint(
            "player_id", "other_player_id", "relation", name=op.f("pk_player_encounters")
        ),
    )
    with op.batch_alter_table("player_encounters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_player_encounters_other_player_id", ["other_player_id"], unique=False
        )
        batch_op.create_index(
            "ix_player_encounters_relation", ["relation", "matches", "win_rate"], unique=False
        )

    op.create_table(
        "player_matches",
        sa.Column("start_time", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("playlist", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("map", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("kills", sa.Integer(), nullable=True),
        sa.Column("deaths", sa.Integer(), nullable=True),
        sa.Column("assists", sa.Integer(), nullable=True),
        sa.Column("kd", sa.Float(), nullable=True),
        sa.Column("kda", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("damage_dealt", sa.Integer(), nullable=True),
        sa.Column("damage_taken", sa.Integer(), nullable=True),
        sa.Column("personal_score", sa.Integer(), nullable=True),
        sa.Column("headshot_kills", sa.Integer(), nullable=True),
        sa.Column("pre_match_csr", sa.Integer(), nullable=True),
        sa.Column("post_match_csr", sa.Integer(), nullable=True),
        sa.Column("csr_change", sa.Integer(), nullable=True),
        sa.Column("post_match_tier", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("expected_kills", sa.Float(), nullable=True),
        sa.Column("expected_deaths", sa.Float(), nullable=True),
        sa.Column("season", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("time_played_seconds", sa.Float(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("lifecycle_mode", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("playlist_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("playlist_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("map_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("map_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("game_variant_asset_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("game_variant_version_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("season_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.match_id"], name=op.f("fk_player_matches_match_id_matches")
        ),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.player_id"], name=op.f("fk_player_matches_player_id_players")
        ),
        sa.PrimaryKeyConstraint("match_id", "player_id", "team_id", name=op.f("pk_player_matches")),
    )
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_player_matches_player_id", ["player_id", "start_time"], unique=False
        )

    op.create_table(
        "player_medal_totals",
        sa.Column("gamertag", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("medal", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("difficulty", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("matches_awarded", sa.Integer(), nullable=False),
        sa.Column("personal_score", sa.Integer(), nullable=True),
        sa.Column("player_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("medal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.player_id"],
            name=op.f("fk_player_medal_totals_player_id_players"),
        ),
        sa.PrimaryKeyConstraint("player_id", "medal_id", name=op.f("pk_player_medal_totals")),
    )
    if _postgresql():
        # FILL is SQLite's SQL, and a PostgreSQL archive has no match yet at this revision
        # (it is created by this version of grunt-archive, which migrates before it writes).
        if op.get_bind().exec_driver_sql("SELECT count(*) FROM match_players").scalar():
            raise RuntimeError("0006 cannot fill the career tables of a PostgreSQL archive")
        for sql in POSTGRESQL_VIEWS.values():
            op.execute(sql)
        return
    for sql in FILL:
        op.execute(sql)


def downgrade() -> None:
    """Downgrade schema."""
    if _postgresql():
        for name in reversed(list(POSTGRESQL_VIEWS)):
            op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_table("player_medal_totals")
    with op.batch_alter_table("player_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_player_matches_player_id")

    op.drop_table("player_matches")
    with op.batch_alter_table("player_encounters", schema=None) as batch_op:
        batch_op.drop_index("ix_player_encounters_relation")
        batch_op.drop_index("ix_player_encounters_other_player_id")

    op.drop_table("player_encounters")
    if _postgresql():
        return  # 0004 made no views on PostgreSQL
    for sql in VIEWS.values():
        op.execute(sql)
