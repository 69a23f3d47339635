"""SQL views, declared as data: the archive's ids joined to their names.

Datasette labels a column only through a single-column foreign key, and the
asset references of ``matches`` are keyed on two columns (id and version),
so these views do the joining. The migration
that creates a view keeps its own copy of the SQL; a test checks that the
archive's views equal ``VIEWS``.

``VIEWS`` is the SQLite text. PostgreSQL runs the same SQL where it allows
(``matches_named``, ``medal_awards_named``); where SQLite's SQL is its own
(``max(a, b)`` of two values, summing a comparison, ``round`` of a REAL, a
column neither grouped nor aggregated) ``POSTGRESQL_VIEWS`` holds the same view
in SQL both accept, with the same columns in the same order.
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

# The viewer's views (migration 0004): what the canned queries and the Career
# dashboard read, so their SQL stays short. They read `player_matches`, a view in
# 0004 and a table kept by grunt_archive.store.player_tables since 0006. Outcomes are
# spelt out (1 tie, 2 win, 3 loss, 4 left), accuracy is in percent, times are UTC.
# A player who switched teams mid-match has a line per team in player_matches: the
# careers add up a match's lines first (migration 0020), so such a match counts once,
# as a win (loss, tie, left) when any of its lines is one, as player_totals counts it.
# The casts keep PostgreSQL's sums of sums integers, as its sums of the lines were.
# Each line carries the whole match's time played: a match's is one line's (the max),
# not their sum; accuracy is the shots' ratio over the career, not an average of lines'
# or matches' accuracies, as the game's service record gives it (migration 0038).
_PER_MATCH = """
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        CAST(sum(shots_fired) AS INTEGER) AS shots_fired,
        CAST(sum(shots_hit) AS INTEGER) AS shots_hit,
        CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, max(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id"""

VIEWS.update(
    {
        "player_careers": f"""
CREATE VIEW player_careers AS
SELECT
    max(gamertag) AS gamertag,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    sum(tied) AS ties,
    sum(left_early) AS left_early,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    sum(assists) AS assists,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) AS kd,
    round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) AS accuracy,
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
FROM ({_PER_MATCH}
) AS pm
GROUP BY player_id
""",
        "player_map_mode_stats": f"""
CREATE VIEW player_map_mode_stats AS
SELECT
    max(gamertag) AS gamertag,
    map,
    mode,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 3) AS kd,
    round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) AS accuracy,
    player_id
FROM ({_PER_MATCH}
) AS pm
GROUP BY player_id, map, mode
""",
    }
)

# A PvE match: the service says so (GameplayInteraction 2), or, in 2022-era documents
# that lack that field, it is Firefight (GameVariantCategory 42) or a PvE playlist
# (PlaylistExperience 6). The partial index ix_matches_pve (models) and the view
# pve_matches share it.
PVE_MATCH_WHERE = (
    "gameplay_interaction = 2 OR game_variant_category = 42 OR playlist_experience = 6"
)

# What "matchmade PvP" leaves out (issue 14): the PvE matches, read through the partial
# index ix_matches_pve. A match's scope, from a row ``{t}`` with its match_id and
# lifecycle_mode: LifecycleMode 3 is matchmade, 1 (custom) and 7 (local, LAN) are custom
# games, and a matchmade match in pve_matches is PvE. The viewer's pages use the same SQL.
SCOPE_SQL = (
    "CASE WHEN {t}.lifecycle_mode IS NOT 3 THEN 'custom'\n"
    "    WHEN {t}.match_id IN (SELECT match_id FROM pve_matches) THEN 'matchmade_pve'\n"
    "    ELSE 'matchmade_pvp' END"
)
# A match skill row's CSR before or after the match (``{t}``: the row, ``{side}``:
# pre_match or post_match), NULL where the player had none: -1 in placement, and
# in an unranked match 0 with no tier (grunt2022__match_skill.json). A ranked CSR
# always names its tier, Bronze's 0 too.
CSR_SQL = "CASE WHEN {t}.{side}_tier <> '' THEN nullif({t}.{side}_csr, -1) END"
# A match's K/D, from a match_players row ``{t}``: kills ÷ deaths (kills when there were
# none) to two decimals, as player_matches.kd keeps it. The match and player pages read
# a match's K/D with this same SQL, so a player sees one K/D for a match wherever they
# look (SQLite rounds the half away from zero, where Python's round() may not).
MATCH_KD_SQL = "round({t}.kills * 1.0 / CASE WHEN {t}.deaths > 1 THEN {t}.deaths ELSE 1 END, 2)"
# A free-for-all match (FFA Slayer), from a matches row ``{m}``: the services turned
# teams off (TeamsEnabled false) and list no Teams, and each of its two or more players
# (bots too) is a team of their own, as the free-for-all skill document gives one
# TeamMmr per player. Infection (GameVariantCategory 22) has no Teams either, but its
# sides are the survivors and the infected, even when two players make them one each.
# A player alone in a team-less custom game has nobody to place against: not FFA
# either. The definition, in SQL: `normalize.match.is_free_for_all` is its twin in
# Python, which decides `matches.free_for_all` as a match is written; migration 0033
# filled that column with it, and the store asks it again for a match a copy adds
# rows to (`store.matches.recompute_from_rows`). The readers (the match page's
# standings, the player page's places, the canned query free_for_all, the chart
# ffa_places) read the column. The cheap tests come first, so that a scan of the
# matches reads match_players only for the few with teams off.
FREE_FOR_ALL_SQL = (
    "({m}.teams_enabled = false AND coalesce({m}.game_variant_category, 0) <> 22"
    " AND NOT EXISTS (SELECT 1 FROM match_teams AS ffa_t WHERE ffa_t.match_id = {m}.match_id)"
    " AND (SELECT count(DISTINCT ffa_p.player_id) > 1 AND count(DISTINCT ffa_p.team_id) = count(*)"
    " FROM match_players AS ffa_p WHERE ffa_p.match_id = {m}.match_id))"
)
# How many players (bots too) a match had, from a matches row ``{m}``: the distinct
# players of its match_players rows (a player who switched teams has a row per team).
# `normalize.match.player_count` is its twin in Python, which fills
# `matches.player_count` as a match is written; migration 0034 filled that column with
# it, and the store asks it again for a match a copy adds rows to, as it asks
# FREE_FOR_ALL_SQL. The field of a free-for-all match, which the canned query
# free_for_all averages and the player page shows ("2nd of 8"), is read from the column:
# counted here once per line, it was most of that query's time on a clan's archive.
PLAYER_COUNT_SQL = (
    "(SELECT count(DISTINCT field_p.player_id) FROM match_players AS field_p"
    " WHERE field_p.match_id = {m}.match_id)"
)
VIEWS["pve_matches"] = f"""
CREATE VIEW pve_matches AS
SELECT match_id FROM matches
WHERE {PVE_MATCH_WHERE}
"""
# player_matches with each row's scope: what the canned queries and dashboards filter on.
VIEWS["player_matches_scoped"] = f"""
CREATE VIEW player_matches_scoped AS
SELECT pm.*, {SCOPE_SQL.format(t="pm")} AS scope
FROM player_matches AS pm
"""

# The viewer's views as PostgreSQL runs them: `greatest` for SQLite's two-value `max`, a
# CASE for a summed comparison, NUMERIC for `round`. A tracked player has one gamertag in
# `player_matches`, so `max(gamertag)` is what SQLite's bare `gamertag` picks.
POSTGRESQL_VIEWS: dict[str, str] = {
    **VIEWS,
    "player_careers": f"""
CREATE VIEW player_careers AS
SELECT
    max(gamertag) AS gamertag,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    sum(tied) AS ties,
    sum(left_early) AS left_early,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    sum(assists) AS assists,
    round(sum(kills) * 1.0 / greatest(sum(deaths), 1), 3) AS kd,
    round(CAST(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0) AS NUMERIC), 2) AS accuracy,
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
FROM ({_PER_MATCH}
) AS pm
GROUP BY player_id
""",
    "player_map_mode_stats": f"""
CREATE VIEW player_map_mode_stats AS
SELECT
    max(gamertag) AS gamertag,
    map,
    mode,
    count(*) AS matches,
    sum(won) AS wins,
    sum(lost) AS losses,
    round(100.0 * sum(won) / count(*), 1) AS win_rate,
    sum(kills) AS kills,
    sum(deaths) AS deaths,
    round(sum(kills) * 1.0 / greatest(sum(deaths), 1), 3) AS kd,
    round(CAST(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0) AS NUMERIC), 2) AS accuracy,
    player_id
FROM ({_PER_MATCH}
) AS pm
GROUP BY player_id, map, mode
""",
    "player_matches_scoped": VIEWS["player_matches_scoped"],
}
# PostgreSQL's IS NOT takes only NULL, TRUE or FALSE; IS DISTINCT FROM is the same test.
POSTGRESQL_VIEWS["player_matches_scoped"] = POSTGRESQL_VIEWS["player_matches_scoped"].replace(
    "lifecycle_mode IS NOT 3", "lifecycle_mode IS DISTINCT FROM 3"
)


def views_for(dialect: str) -> dict[str, str]:
    """Return the views' CREATE statements for a dialect name (``sqlite``, ``postgresql``)."""
    return POSTGRESQL_VIEWS if dialect == "postgresql" else VIEWS
