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
