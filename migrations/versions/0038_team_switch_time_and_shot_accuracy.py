"""team switch time and shot accuracy: a switcher's time once, a career's accuracy from its shots

A player who switched teams mid-match has a line of ``player_matches`` per team:
each carries that team's kills, shots and damage, but the whole match's time
played. Until this revision the totals and the career views added time up over
lines (a switcher's match counted twice), averaged the lines' accuracies (where
the game's service record divides shots hit by shots fired) and divided damage
by lines, not matches. Now:

- ``player_matches`` gains ``shots_fired``, ``shots_hit`` (the line's, from
  ``match_players``) and ``teams_played`` (the player's lines in the match: 2 for
  a switcher), with ``ix_player_matches_switchers`` over the switchers' lines;
- ``player_totals``, ``player_playlist_totals``, ``player_map_totals`` and
  ``player_mode_totals`` gain ``shots_fired`` and ``shots_hit``; the first two
  ``damage_matches`` too (matches with a damage figure, each once), and their
  ``time_played_ticks`` counts a match once per player. ``accuracy_hundredths``
  and ``accuracy_lines`` stay, the average per line, for saved SQL;
- ``player_careers`` and ``player_map_mode_stats`` give accuracy as
  shots hit ÷ shots fired (in percent), and time played once a match.

The four tables are computed again: ``player_totals`` from the lines, the other
three from it (a match has one playlist, map and mode), as 0030 filled them.
Plain SQL both SQLite and PostgreSQL accept, frozen copies of
``store.player_totals``'s and ``views``'s at this revision.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 11:00:00.000000

"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0038"
down_revision: str | Sequence[str] | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A whole number: BIGINT on PostgreSQL, as every one since 0017.
INTEGER = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

# --- frozen copy of store.player_totals at this revision -----------------------------------
IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id",
       "game_variant_asset_id", "game_variant_version_id")  # fmt: skip
SCOPE = (
    "CASE WHEN pm.lifecycle_mode = 3 AND (m.gameplay_interaction = 2"
    " OR m.game_variant_category = 42 OR m.playlist_experience = 6) THEN 'matchmade_pve'"
    " WHEN pm.lifecycle_mode = 3 THEN 'matchmade_pvp' ELSE 'custom' END"
)
# A switcher's time on their first line (lowest team) alone; ``{time}`` as it was before.
TIME_ONCE = (
    "CASE WHEN pm.teams_played > 1 AND EXISTS (SELECT 1 FROM player_matches AS other"
    " WHERE other.match_id = pm.match_id AND other.player_id = pm.player_id"
    " AND other.team_id < pm.team_id) THEN NULL ELSE pm.time_played_seconds END"
)
SOURCE = f"""
SELECT pm.player_id, pm.match_id, pm.gamertag, pm.playlist, pm.map, pm.mode, pm.outcome,
    pm.kills, pm.deaths, pm.assists, pm.accuracy, pm.damage_dealt, {{shots}}
    {{time}} AS time_played_seconds, pm.post_match_csr, pm.start_time, {SCOPE} AS scope,
    {", ".join(f"coalesce(pm.{c}, '') AS {c}" for c in IDS)}
FROM player_matches AS pm JOIN matches AS m ON m.match_id = pm.match_id
"""


def _distinct(condition: str) -> str:
    return f"count(DISTINCT CASE WHEN {condition} THEN match_id END)"


# How player_totals computes each column over a key's lines.
LINES = {
    "gamertag": "max(gamertag)", "playlist": "max(playlist)", "map": "max(map)",
    "mode": "max(mode)", "lines": "count(*)", "matches": "count(DISTINCT match_id)",
    "wins": _distinct("outcome = 'win'"), "losses": _distinct("outcome = 'loss'"),
    "ties": _distinct("outcome = 'tie'"), "left_early": _distinct("outcome = 'left'"),
    "kills": "sum(kills)", "deaths": "sum(deaths)", "assists": "sum(assists)",
    "accuracy_hundredths": "sum(CAST(round(accuracy * 100) AS BIGINT))",
    "accuracy_lines": "count(accuracy)", "damage_dealt": "sum(damage_dealt)",
    "damage_lines": "count(damage_dealt)",
    "time_played_ticks": "sum(CAST(round(time_played_seconds * 10000000) AS BIGINT))",
    "peak_csr": "max(post_match_csr)", "first_match": "min(start_time)",
    "last_match": "max(start_time)", "shots_fired": "sum(shots_fired)",
    "shots_hit": "sum(shots_hit)", "damage_matches": _distinct("damage_dealt IS NOT NULL"),
}  # fmt: skip
NEW = ("shots_fired", "shots_hit", "damage_matches")
# The player's coarser totals, as 0030 made them: how each adds up player_totals' rows.
FROM_TOTALS = {"gamertag": "max", "playlist": "max", "map": "max", "mode": "max",
               "peak_csr": "max", "first_match": "min", "last_match": "max"}  # fmt: skip
SHOWN = ("kills", "deaths", "accuracy_hundredths", "accuracy_lines")
TABLES = {
    "player_totals": (
        IDS,
        ("gamertag", "playlist", "map", "mode", "lines", "matches", "wins", "losses", "ties",
         "left_early", "kills", "deaths", "assists", "accuracy_hundredths", "accuracy_lines",
         "damage_dealt", "damage_lines", "time_played_ticks", "peak_csr", "first_match",
         "last_match", *NEW),
    ),
    "player_playlist_totals": (
        IDS[:2],
        ("gamertag", "playlist", "matches", "wins", "losses", "ties", "left_early", "kills",
         "deaths", "assists", "accuracy_hundredths", "accuracy_lines", "damage_dealt",
         "damage_lines", "time_played_ticks", "peak_csr", "first_match", "last_match", *NEW),
    ),
    "player_map_totals": (IDS[2:4], ("gamertag", "map", "matches", "wins", *SHOWN, *NEW[:2])),
    "player_mode_totals": (IDS[4:], ("gamertag", "mode", "matches", "wins", *SHOWN, *NEW[:2])),
}  # fmt: skip


def fill(table: str, *, before: bool = False) -> str:
    """Return the INSERT that computes ``table`` (``before``: as 0037 did, no new column)."""
    ids, columns = TABLES[table]
    if before:
        columns = tuple(c for c in columns if c not in NEW)
    key = ", ".join(("player_id", "scope", *ids))
    if table == "player_totals":
        shots = "" if before else "pm.shots_fired, pm.shots_hit,"
        source = SOURCE.format(shots=shots, time="pm.time_played_seconds" if before else TIME_ONCE)
        values = ", ".join(LINES[c] for c in columns)
        return (
            f"INSERT INTO {table} ({key}, {', '.join(columns)})"
            f" SELECT {key}, {values} FROM ({source}) AS l GROUP BY {key}"
        )
    values = ", ".join(f"{FROM_TOTALS.get(c, 'sum')}({c})" for c in columns)
    return (
        f"INSERT INTO {table} ({key}, {', '.join(columns)})"
        f" SELECT {key}, {values} FROM player_totals GROUP BY {key}"
    )


# --- frozen copy of views at this revision ------------------------------------------------
PER_MATCH = """
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
CAREERS = f"""
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
FROM ({PER_MATCH}
) AS pm
GROUP BY player_id
"""
MAP_MODE = f"""
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
FROM ({PER_MATCH}
) AS pm
GROUP BY player_id, map, mode
"""
# PostgreSQL expands ``pm.*`` when the view is made: made again, it has the new columns.
SCOPED = """
CREATE VIEW player_matches_scoped AS
SELECT pm.*, CASE WHEN pm.lifecycle_mode IS NOT 3 THEN 'custom'
    WHEN pm.match_id IN (SELECT match_id FROM pve_matches) THEN 'matchmade_pve'
    ELSE 'matchmade_pvp' END AS scope
FROM player_matches AS pm
"""
ACCURACY = "round(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0), 2) AS accuracy"
PG_ACCURACY = (
    "round(CAST(100.0 * sum(shots_hit) / nullif(sum(shots_fired), 0) AS NUMERIC), 2) AS accuracy"
)


def views(postgresql: bool) -> dict[str, str]:
    """Return this revision's three views in the dialect's SQL (as views.views_for does)."""
    found = {"player_careers": CAREERS, "player_map_mode_stats": MAP_MODE,
             "player_matches_scoped": SCOPED}  # fmt: skip
    if not postgresql:
        return found
    return {
        "player_careers": CAREERS.replace(ACCURACY, PG_ACCURACY)
        .replace("max(sum(deaths), 1)", "greatest(sum(deaths), 1)")
        .replace(
            "round(sum(time_played_seconds) / 3600.0, 1)",
            "round(CAST(sum(time_played_seconds) / 3600.0 AS NUMERIC), 1)",
        ),
        "player_map_mode_stats": MAP_MODE.replace(ACCURACY, PG_ACCURACY).replace(
            "max(sum(deaths), 1)", "greatest(sum(deaths), 1)"
        ),
        "player_matches_scoped": SCOPED.replace("IS NOT 3", "IS DISTINCT FROM 3"),
    }


def _views_before(postgresql: bool) -> dict[str, str]:
    """Return the views as 0024 left them (loaded by path: the name starts with a digit)."""
    path = Path(__file__).with_name("0024_career_kd_three_decimals.py")
    spec = importlib.util.spec_from_file_location("grunt_archive_revision_0024", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scoped = views(postgresql)["player_matches_scoped"]
    return {**module._views(postgresql, after=True), "player_matches_scoped": scoped}


def _drop_views() -> None:
    for name in ("player_careers", "player_map_mode_stats", "player_matches_scoped"):
        op.execute(f"DROP VIEW IF EXISTS {name}")


# The columns each table gains: (name, nullable).
COLUMNS = {
    "player_matches": (("shots_fired", True), ("shots_hit", True), ("teams_played", False)),
    "player_totals": (("shots_fired", True), ("shots_hit", True), ("damage_matches", False)),
    "player_playlist_totals": (
        ("shots_fired", True), ("shots_hit", True), ("damage_matches", False),
    ),
    "player_map_totals": (("shots_fired", True), ("shots_hit", True)),
    "player_mode_totals": (("shots_fired", True), ("shots_hit", True)),
}  # fmt: skip
DEFAULTS = {"teams_played": "1", "damage_matches": "0"}
# Sums of many lines: BIGINT everywhere, as the totals' other sums.
BIG = {"player_totals", "player_playlist_totals", "player_map_totals", "player_mode_totals"}

# A line's shots and its player's lines in the match, by match_players' key.
BACKFILL = """
UPDATE player_matches SET (shots_fired, shots_hit, teams_played) = (
    SELECT mp.shots_fired, mp.shots_hit, (SELECT count(*) FROM match_players AS tp
        WHERE tp.match_id = mp.match_id AND tp.player_id = mp.player_id)
    FROM match_players AS mp
    WHERE mp.match_id = player_matches.match_id AND mp.player_id = player_matches.player_id
        AND mp.team_id = player_matches.team_id)
WHERE EXISTS (SELECT 1 FROM match_players AS mp
    WHERE mp.match_id = player_matches.match_id AND mp.player_id = player_matches.player_id
        AND mp.team_id = player_matches.team_id)
"""


def upgrade() -> None:
    """Add the columns, fill the lines' and count the four totals again; new views."""
    postgresql = op.get_context().dialect.name == "postgresql"
    _drop_views()
    for table, columns in COLUMNS.items():
        for name, nullable in columns:
            kind = sa.BigInteger() if table in BIG and nullable else INTEGER
            op.add_column(
                table,
                sa.Column(name, kind, server_default=DEFAULTS.get(name), nullable=nullable),
            )
    op.execute(BACKFILL)
    op.create_index(
        "ix_player_matches_switchers",
        "player_matches",
        ["player_id", "match_id"],
        sqlite_where=sa.text("teams_played > 1"),
        postgresql_where=sa.text("teams_played > 1"),
    )
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")
        op.execute(fill(table))
    for sql in views(postgresql).values():
        op.execute(sql)


def downgrade() -> None:
    """Drop the columns, count the totals over lines again (as 0037 did), the old views."""
    postgresql = op.get_context().dialect.name == "postgresql"
    _drop_views()
    op.drop_index("ix_player_matches_switchers", table_name="player_matches")
    # In place (SQLite 3.35+, PostgreSQL), as 0035's downgrade drops its column.
    for table, columns in COLUMNS.items():
        for name, _ in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")
        op.execute(fill(table, before=True))
    for sql in _views_before(postgresql).values():
        op.execute(sql)
