"""SQL views, declared as data: the archive's ids joined to their names.

Datasette labels a column only through a foreign key, and the match tables
cannot have keys into ``assets``, ``medals`` or ``seasons`` (a match is stored
before its names are looked up). These views do the joining instead. The
migration that creates a view keeps its own copy of the SQL; a test checks
that the archive's views equal ``VIEWS``.
"""

from __future__ import annotations

VIEWS: dict[str, str] = {
    "matches_named": """
CREATE VIEW matches_named AS
SELECT
    m.match_id,
    m.start_time,
    m.duration_seconds,
    m.lifecycle_mode,
    map.public_name AS map,
    game_variant.public_name AS game_variant,
    playlist.public_name AS playlist,
    map_mode_pair.public_name AS map_mode_pair,
    season.name AS season,
    m.game_variant_category,
    m.playlist_experience,
    m.season_id,
    m.map_asset_id,
    m.game_variant_asset_id,
    m.playlist_asset_id
FROM matches AS m
LEFT JOIN assets AS map
    ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS game_variant
    ON game_variant.asset_id = m.game_variant_asset_id
    AND game_variant.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist
    ON playlist.asset_id = m.playlist_asset_id AND playlist.version_id = m.playlist_version_id
LEFT JOIN assets AS map_mode_pair
    ON map_mode_pair.asset_id = m.map_mode_pair_asset_id
    AND map_mode_pair.version_id = m.map_mode_pair_version_id
LEFT JOIN seasons AS season ON season.season_id = m.season_id
""",
    "medal_awards_named": """
CREATE VIEW medal_awards_named AS
SELECT
    a.match_id,
    a.player_id,
    p.gamertag,
    a.team_id,
    a.medal_id,
    medal.name AS medal,
    medal.difficulty,
    medal.type,
    a.count,
    a.total_personal_score_awarded
FROM medal_awards AS a
LEFT JOIN medals AS medal ON medal.medal_id = a.medal_id
LEFT JOIN players AS p ON p.player_id = a.player_id
""",
}

# The viewer's views (migration 0003): what the canned queries and the Career
# dashboard read, so their SQL stays short. Outcomes are spelt out
# (1 tie, 2 win, 3 loss, 4 left), accuracy is in percent, times are UTC.
VIEWS.update(
    {
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
)
