"""A match's scoreboard as data: teams, players (bots marked), medals, CSR, the mode's numbers.

With its film's kill feed and score timeline (`grunt_archive.viewer.films`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from grunt_archive.viewer.films import match_film
from grunt_archive.viewer.reading import (
    LIFECYCLES,
    csr_of,
    free_for_all_of,
    match_kd_of,
    rows,
    scope_of,
)

# SPNKr's TEAM_MAP: the names the game gives team ids.
TEAM_NAMES = (
    "Eagle",
    "Cobra",
    "Hades",
    "Valkyrie",
    "Rampart",
    "Cutlass",
    "Valor",
    "Hazard",
    "Observer",
)
OUTCOMES = {1: "tie", 2: "win", 3: "loss", 4: "left", 5: "did not start"}
# A side of a match with teams off (Infection) is named by its outcome: the services
# keep no Teams there and say nothing of which team id is the Spartans, which the Infected.
SIDE_NAMES = {"win": "Winning side", "loss": "Losing side", "tie": "Tied side"}
_OUTCOME_ORDER = {"win": 0, "tie": 1, "loss": 2}
BOT_DIFFICULTIES = {1: "Marine", 2: "ODST", 3: "Spartan", 4: "Recruit", 5: "Adaptive"}
# pvp_stats repeats CoreStats' kills, deaths and assists: not a mode's own numbers.
_NOT_MODE_BLOCKS = frozenset({"pvp_stats"})
_KEYS = frozenset({"match_id", "player_id", "team_id"})

_MATCH = f"""
SELECT m.match_id, m.start_time, m.end_time, m.duration_seconds, m.lifecycle_mode,
    m.game_variant_category, m.playlist_experience, m.season_id, m.teams_enabled,
    map.public_name AS map, mode.public_name AS mode, playlist.public_name AS playlist,
    season.name AS season, {scope_of("m")} AS scope, {free_for_all_of("m")} AS free_for_all,
    EXISTS (SELECT 1 FROM pve_matches AS pve WHERE pve.match_id = m.match_id) AS pve
FROM matches AS m
LEFT JOIN assets AS map ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS mode ON mode.asset_id = m.game_variant_asset_id
    AND mode.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist ON playlist.asset_id = m.playlist_asset_id
    AND playlist.version_id = m.playlist_version_id
LEFT JOIN seasons AS season ON season.season_id = m.season_id
WHERE m.match_id = ?
"""
_PLAYERS = f"""
SELECT mp.player_id, p.gamertag, coalesce(p.is_bot, mp.player_type = 2) AS is_bot,
    mp.bot_difficulty, mp.team_id, mp.last_team_id, mp.outcome, mp.rank, mp.kills, mp.deaths,
    mp.assists, {match_kd_of("mp")} AS kd, mp.kda, mp.accuracy, mp.damage_dealt,
    mp.damage_taken, mp.personal_score,
    mp.score, mp.headshot_kills, mp.max_killing_spree, mp.time_played_seconds,
    mp.present_at_completion, mp.left_in_progress, mp.joined_in_progress,
    {csr_of("sk", "pre_match")} AS csr_before, {csr_of("sk", "post_match")} AS csr_after,
    nullif(sk.post_match_tier, '') AS tier_after, sk.post_match_sub_tier AS sub_tier_after,
    sk.post_match_measurement_matches_remaining AS placement_after,
    sk.expected_kills, sk.expected_deaths,
    EXISTS (SELECT 1 FROM tracked_players AS t WHERE t.player_id = mp.player_id) AS tracked
FROM match_players AS mp
LEFT JOIN players AS p ON p.player_id = mp.player_id
LEFT JOIN match_skill AS sk ON sk.match_id = mp.match_id AND sk.player_id = mp.player_id
WHERE mp.match_id = ?
ORDER BY mp.team_id, mp.rank, mp.personal_score DESC, mp.player_id
"""
_MEDALS = """
SELECT a.player_id, a.team_id, a.medal_id, coalesce(m.name, 'Medal ' || a.medal_id) AS name,
    a.count
FROM medal_awards AS a LEFT JOIN medals AS m ON m.medal_id = a.medal_id
WHERE a.match_id = ?
ORDER BY coalesce(m.sorting_weight, 0) DESC, a.count DESC, name
"""


def mode_blocks(connection: sqlite3.Connection) -> list[str]:
    """Return the archive's per-player mode block tables (flags, zones, oddball, Firefight …).

    Read from the schema, so a block the API adds later shows up with no change here.
    """
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name LIKE '%\\_stats' ESCAPE '\\'"
            " AND name NOT LIKE 'team\\_%' ESCAPE '\\'"
            " AND name NOT LIKE 'service\\_record\\_%' ESCAPE '\\'"
            " AND name NOT LIKE 'asset\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    blocks = []
    for name in names:
        columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')}
        if columns >= _KEYS and name not in _NOT_MODE_BLOCKS:
            blocks.append(name)
    return blocks


def _mode_stats(
    connection: sqlite3.Connection, match_id: str, blocks: list[str], team: bool
) -> dict[tuple, dict[str, Any]]:
    """Return the mode blocks of a match keyed by (player_id, team_id), or by team_id.

    Keys are ``block.column`` (``oddball_stats.skull_grabs``), so two blocks never collide.
    """
    found: dict[tuple, dict[str, Any]] = {}
    for block in blocks:
        table = f"team_{block}" if team else block
        try:
            lines = rows(connection, f'SELECT * FROM "{table}" WHERE match_id = ?', (match_id,))
        except sqlite3.OperationalError:  # a team table the archive does not have
            continue
        for line in lines:
            key = (line["team_id"],) if team else (line["player_id"], line["team_id"])
            stats = found.setdefault(key, {})
            for column, value in line.items():
                if column not in _KEYS and value is not None:
                    stats[f"{block}.{column}"] = value
    return found


def _player(line: dict[str, Any], medals: list[dict[str, Any]], mode_stats: dict[str, Any]):
    """Return one line of the scoreboard (a player on one team)."""
    player = {
        key: line[key]
        for key in (
            "player_id",
            "gamertag",
            "kills",
            "deaths",
            "assists",
            "kd",
            "accuracy",
            "damage_dealt",
            "personal_score",
            "csr_before",
            "csr_after",
            "kda",
            "damage_taken",
            "score",
            "headshot_kills",
            "max_killing_spree",
            "rank",
            "time_played_seconds",
            "tier_after",
            "placement_after",
            "expected_kills",
            "expected_deaths",
        )
    }
    player["is_bot"] = bool(line["is_bot"])
    player["tracked"] = bool(line["tracked"])
    player["bot_difficulty"] = BOT_DIFFICULTIES.get(line["bot_difficulty"])
    player["outcome"] = OUTCOMES.get(line["outcome"])
    player["switched_teams"] = False
    player["present_at_end"] = (
        None if line["present_at_completion"] is None else bool(line["present_at_completion"])
    )
    player["medals"] = [{k: m[k] for k in ("medal_id", "name", "count")} for m in medals]
    player["mode_stats"] = mode_stats
    return player


def _sides_of_one(teams: dict[int, dict[str, Any]]) -> None:
    """Make each one-player team of an FFA match its player's side: their name, place, score.

    The game's team names (Eagle, Cobra …) mean nothing there; the player's Rank is
    their place and their Outcome the side's. Ranks tie (1, 2, 2, 4): a player shares
    their place (``tied``) where another player has the same Rank.
    """
    players = [team["players"][0] for team in teams.values()]
    holders = Counter(rank for rank, _ in {(p["rank"], p["player_id"]) for p in players})
    for team in teams.values():
        (player,) = team["players"]
        player["tied"] = player["rank"] is not None and holders[player["rank"]] > 1
        team["name"] = player["gamertag"] or player["player_id"]
        team["outcome"], team["rank"] = player["outcome"], player["rank"]
        team["score"], team["kills"] = player["score"], player["kills"]
        team["deaths"], team["assists"] = player["deaths"], player["assists"]


def _sides_without_teams(teams: dict[int, dict[str, Any]]) -> None:
    """Name the sides of a match with teams off that is not FFA (Infection) by their outcome.

    Its document has no ``Teams`` (``TeamsEnabled`` false): a side is the players who ended
    on one team id, with no score of its own. The API does not say which id is the
    Spartans and which the Infected, so the game's team names (Eagle, Cobra …) would say
    what nobody knows. A side's outcome is its players' when those who finished agree;
    its name is that outcome's ("Winning side"), or "Side N" where two sides would share one.
    """
    for team in teams.values():
        finished = {
            player["outcome"]
            for player in team["players"]
            if player["present_at_end"] is not False and player["outcome"] in SIDE_NAMES
        }
        team["outcome"] = finished.pop() if len(finished) == 1 else None
    names = [SIDE_NAMES.get(team["outcome"] or "") for team in teams.values()]
    by_outcome = None not in names and len(set(names)) == len(names)
    for number, team in enumerate(sorted(teams.values(), key=lambda t: t["team_id"]), start=1):
        team["name"] = SIDE_NAMES[team["outcome"]] if by_outcome else f"Side {number}"


def _teams(
    connection: sqlite3.Connection, match: dict[str, Any], lines: list[dict[str, Any]]
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Return the match's teams by id, each with its players' lines, and its ``match_teams`` rows.

    A team no ``match_teams`` row names (teams off) is made from its players' lines.
    """
    match_id = match["match_id"]
    medals: dict[tuple, list[dict[str, Any]]] = {}
    for medal in rows(connection, _MEDALS, (match_id,)):
        medals.setdefault((medal["player_id"], medal["team_id"]), []).append(medal)
    blocks = mode_blocks(connection)
    player_stats = _mode_stats(connection, match_id, blocks, team=False)
    team_stats = _mode_stats(connection, match_id, blocks, team=True)
    teams: dict[int, dict[str, Any]] = {}
    team_rows = rows(
        connection,
        "SELECT team_id, outcome, rank, score, kills, deaths, assists FROM match_teams"
        " WHERE match_id = ? ORDER BY team_id",
        (match_id,),
    )
    for team in team_rows:
        teams[team["team_id"]] = {**team, "outcome": OUTCOMES.get(team["outcome"]), "players": []}
    teams_of = {}
    for line in lines:
        teams_of.setdefault(line["player_id"], set()).add(line["team_id"])
        team = teams.setdefault(
            line["team_id"],
            {
                "team_id": line["team_id"],
                "outcome": None,
                "rank": None,
                "score": None,
                "kills": None,
                "deaths": None,
                "assists": None,
                "players": [],
            },
        )
        key = (line["player_id"], line["team_id"])
        team["players"].append(_player(line, medals.get(key, []), player_stats.get(key, {})))
    for team in teams.values():
        team_id = team["team_id"]
        team["name"] = TEAM_NAMES[team_id] if 0 <= team_id < len(TEAM_NAMES) else str(team_id)
        team["mode_stats"] = team_stats.get((team_id,), {})
        # In a PvE match the service lists the AI as a team of its own: no players, all-zero
        # stats, Outcome 4 (did not finish). Its "left" and score 0 say nothing of the match.
        team["ai"] = bool(match["pve"]) and not team["players"]
        if team["ai"]:
            team["name"] = "The AI"
        for player in team["players"]:
            player["switched_teams"] = len(teams_of[player["player_id"]]) > 1
    return teams, team_rows


def match_page(connection: sqlite3.Connection, match_id: str) -> dict[str, Any] | None:
    """Return the scoreboard of ``match_id`` as its page's ``.json`` returns it, or None.

    A player who switched teams appears under each team, with what they did on it.
    """
    found = rows(connection, _MATCH, (match_id.lower(),))
    if not found:
        return None
    match = found[0]
    match_id = match["match_id"]
    lines = rows(connection, _PLAYERS, (match_id,))
    teams, team_rows = _teams(connection, match, lines)
    teams_enabled = match["teams_enabled"]
    # The column decided as the match was written (`reading.free_for_all_of`), which the
    # player page and the canned query read too.
    free_for_all = bool(match["free_for_all"])
    # Teams off with no Teams, and not FFA: Infection's sides, named by their outcome.
    teams_off = teams_enabled == 0 and not free_for_all and not team_rows
    if free_for_all:
        _sides_of_one(teams)
    elif teams_off:
        _sides_without_teams(teams)
    film = match_film(
        connection,
        match_id,
        lines,
        teams,
        bool(teams_enabled) if teams_enabled is not None else len(teams) > 1,
    )
    return {
        "match_id": match_id,
        "start_time": match["start_time"],
        "end_time": match["end_time"],
        "duration_seconds": match["duration_seconds"],
        "map": match["map"],
        "mode": match["mode"],
        "playlist": match["playlist"],
        "lifecycle": LIFECYCLES.get(match["lifecycle_mode"], str(match["lifecycle_mode"])),
        "scope": match["scope"],
        "season": match["season"],
        "game_variant_category": match["game_variant_category"],
        "free_for_all": free_for_all,
        "teams_off": teams_off,
        "teams": sorted(
            teams.values(),
            key=lambda t: (
                t["rank"] is None,
                t["rank"],
                _OUTCOME_ORDER.get(t["outcome"] or "", 3),
                t["team_id"],
            ),
        ),
        **film,
    }
