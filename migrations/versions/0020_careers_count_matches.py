"""careers count matches: a team switch is one match in player_careers and player_map_mode_stats

A player who switched teams mid-match has a line per team in ``player_matches``
(each with that stint's kills and deaths); the two views counted lines, so such
a match counted twice in ``matches``, ``wins`` and the win rate, and its kills
were split in ``most_kills``. The views now add up each match's lines first:
a match is a win (loss, tie, left) when any of its lines is one, as
``player_totals`` counts it; the same columns, in the same order, and the same
numbers for every other match. ``player_totals`` (0018) counted distinct
matches already. No data changes.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 04:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of grunt_archive.views at this revision, and of what they replace.
VIEWS = {
    "player_careers": """
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
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        avg(accuracy) AS accuracy, CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, sum(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id
""",
    "player_map_mode_stats": """
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
    round(sum(kills) * 1.0 / max(sum(deaths), 1), 2) AS kd,
    round(avg(accuracy), 2) AS accuracy,
    player_id
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        avg(accuracy) AS accuracy, CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, sum(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id, map, mode
""",
}

POSTGRESQL_VIEWS = {
    "player_careers": """
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
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        avg(accuracy) AS accuracy, CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, sum(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id
""",
    "player_map_mode_stats": """
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
    round(sum(kills) * 1.0 / greatest(sum(deaths), 1), 2) AS kd,
    round(CAST(avg(accuracy) AS NUMERIC), 2) AS accuracy,
    player_id
FROM (
    SELECT player_id, match_id, max(gamertag) AS gamertag,
        max(CASE WHEN outcome = 'win' THEN 1 ELSE 0 END) AS won,
        max(CASE WHEN outcome = 'loss' THEN 1 ELSE 0 END) AS lost,
        max(CASE WHEN outcome = 'tie' THEN 1 ELSE 0 END) AS tied,
        max(CASE WHEN outcome = 'left' THEN 1 ELSE 0 END) AS left_early,
        max(map) AS map, max(mode) AS mode, CAST(sum(kills) AS INTEGER) AS kills,
        CAST(sum(deaths) AS INTEGER) AS deaths, CAST(sum(assists) AS INTEGER) AS assists,
        avg(accuracy) AS accuracy, CAST(sum(damage_dealt) AS INTEGER) AS damage_dealt,
        max(post_match_csr) AS post_match_csr, sum(time_played_seconds) AS time_played_seconds,
        max(start_time) AS start_time
    FROM player_matches
    GROUP BY player_id, match_id
) AS pm
GROUP BY player_id, map, mode
""",
}

BEFORE = {
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
}
POSTGRESQL_BEFORE = {
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


def _replace(views: dict[str, str], postgresql_views: dict[str, str]) -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    for name, sql in (postgresql_views if postgresql else views).items():
        op.execute(f"DROP VIEW IF EXISTS {name}")
        op.execute(sql)


def upgrade() -> None:
    """Upgrade schema."""
    _replace(VIEWS, POSTGRESQL_VIEWS)


def downgrade() -> None:
    """Downgrade schema."""
    _replace(BEFORE, POSTGRESQL_BEFORE)
