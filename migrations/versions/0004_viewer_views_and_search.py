"""viewer: views for the canned queries and dashboards, full-text search

Views `player_matches` (one row per tracked player per match, every name
joined), `player_careers`, `player_map_mode_stats`, `player_medal_totals` and
`player_encounters`; FTS5 indexes `players_fts` (gamertags) and `assets_fts`
(asset names), with the triggers that keep them current. The indexes are
filled from the rows already archived.

On PostgreSQL this revision creates the search indexes only, as GIN indexes on
the columns' `tsvector` (PostgreSQL has no FTS5, and keeps such an index current
without triggers). The views here read `player_matches`, which 0006 turns into
a table; PostgreSQL archives start at this version of grunt-archive, so their
viewer views come with 0006, written in SQL PostgreSQL accepts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 13:50:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The views as this revision creates them (a frozen copy of grunt_archive.views.VIEWS).
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
    "player_careers": """
CREATE VIEW player_careers AS
SELECT
    gamertag,
    count(*) AS matches,
    sum(outcome = 'win') AS wins,
    sum(outcome = 'loss') AS losses,
    sum(outcome = 'tie') AS ties,
    sum(outcome = 'left') AS left_early,
    round(100.0 * sum(outcome = 'win') / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    sum(assists) AS assists,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 2) AS kd,
    round(avg(accuracy), 2) AS accuracy,
    round(avg(damage_dealt), 0) AS damage_per_match,
    max(kills) AS most_kills,
    (SELECT post_match_csr FROM player_matches AS last
        WHERE last.player_id = pm.player_id AND last.post_match_csr IS NOT NULL
        ORDER BY last.start_time DESC LIMIT 1) AS current_csr,
    max(post_match_csr) AS peak_csr,
    round(sum(time_played_seconds) / 3600.0, 1) AS hours_played,
    min(start_time) AS first_match,
    max(start_time) AS last_match,
    player_id
FROM player_matches AS pm
GROUP BY player_id
""",
    "player_map_mode_stats": """
CREATE VIEW player_map_mode_stats AS
SELECT
    gamertag,
    map,
    mode,
    count(*) AS matches,
    sum(outcome = 'win') AS wins,
    sum(outcome = 'loss') AS losses,
    round(100.0 * sum(outcome = 'win') / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 2) AS kd,
    round(avg(accuracy), 2) AS accuracy,
    player_id
FROM player_matches
GROUP BY player_id, map, mode
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

# The search indexes and their triggers (a frozen copy of grunt_archive.fts.FTS_SCHEMA).
FTS_INDEXES = ("players_fts", "assets_fts")
FTS_SCHEMA = {
    "players_fts": """CREATE VIRTUAL TABLE players_fts USING fts5(
    gamertag,
    content="players",
    tokenize="unicode61 remove_diacritics 2"
)""",
    "players_fts_ai": """CREATE TRIGGER players_fts_ai AFTER INSERT ON players
BEGIN
  INSERT INTO players_fts(rowid, gamertag)
    VALUES (new.rowid, new.gamertag);
END""",
    "players_fts_ad": """CREATE TRIGGER players_fts_ad AFTER DELETE ON players
BEGIN
  INSERT INTO players_fts(players_fts, rowid, gamertag)
    VALUES ('delete', old.rowid, old.gamertag);
END""",
    "players_fts_au": """CREATE TRIGGER players_fts_au
AFTER UPDATE OF gamertag ON players
BEGIN
  INSERT INTO players_fts(players_fts, rowid, gamertag)
    VALUES ('delete', old.rowid, old.gamertag);
  INSERT INTO players_fts(rowid, gamertag)
    VALUES (new.rowid, new.gamertag);
END""",
    "assets_fts": """CREATE VIRTUAL TABLE assets_fts USING fts5(
    public_name, description,
    content="assets",
    tokenize="unicode61 remove_diacritics 2"
)""",
    "assets_fts_ai": """CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets
BEGIN
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END""",
    "assets_fts_ad": """CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
END""",
    "assets_fts_au": """CREATE TRIGGER assets_fts_au
AFTER UPDATE OF public_name, description ON assets
BEGIN
  INSERT INTO assets_fts(assets_fts, rowid, public_name, description)
    VALUES ('delete', old.rowid, old.public_name, old.description);
  INSERT INTO assets_fts(rowid, public_name, description)
    VALUES (new.rowid, new.public_name, new.description);
END""",
}

# The search indexes on PostgreSQL (a frozen copy of grunt_archive.fts.POSTGRESQL_SEARCH_INDEXES).
POSTGRESQL_SEARCH_INDEXES = {
    "players_fts": (
        "CREATE INDEX players_fts ON players USING gin"
        " (to_tsvector('simple', coalesce(gamertag, '')))"
    ),
    "assets_fts": (
        "CREATE INDEX assets_fts ON assets USING gin"
        " (to_tsvector('simple', coalesce(public_name, '') || ' ' || coalesce(description, '')))"
    ),
}


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_context().dialect.name == "postgresql":
        for sql in POSTGRESQL_SEARCH_INDEXES.values():
            op.execute(sql)
        return
    for sql in VIEWS.values():
        op.execute(sql)
    for sql in FTS_SCHEMA.values():
        op.execute(sql)
    for index in FTS_INDEXES:
        op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_context().dialect.name == "postgresql":
        for index in POSTGRESQL_SEARCH_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
        return
    for name in FTS_SCHEMA:
        if name not in FTS_INDEXES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for index in FTS_INDEXES:
        op.execute(f"DROP TABLE IF EXISTS {index}")
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
