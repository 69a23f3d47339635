"""A player's page as data: headline numbers per scope, recent matches, CSR, maps, medals, people.

A tracked player is read from the career tables (``player_matches``,
``player_medal_totals``, ``player_encounters``), which the sync keeps current,
so a 50,000-match career answers in a few scans of one index. Anyone else (an
opponent a scoreboard links to) is read from the match tables: only the
matches they shared with a tracked player are in the archive, and the page says so.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from grunt_archive.times import parse_time
from grunt_archive.viewer.agreement import service_record_check
from grunt_archive.viewer.charts import PERIOD_SQL, bucket_for, csr_series
from grunt_archive.viewer.csr import current_csr, placement_after
from grunt_archive.viewer.films import rivals
from grunt_archive.viewer.reading import (
    SCOPES,
    csr_of,
    free_for_all_of,
    kd,
    match_kd,
    match_kd_of,
    rate,
    rows,
    scope_of,
)

RECENT = 25
TOP = 10

# One line per match and team the player played on (two for a team switch).
_TRACKED_LINES = f"""
SELECT pm.match_id AS match_id, pm.start_time AS start_time, pm.playlist AS playlist,
    pm.map AS map, pm.mode AS mode, pm.outcome AS outcome, pm.kills AS kills,
    pm.deaths AS deaths, pm.assists AS assists, pm.kd AS kd, pm.pre_match_csr AS pre_match_csr,
    pm.post_match_csr AS post_match_csr, pm.post_match_tier AS post_match_tier,
    pm.playlist_asset_id AS playlist_asset_id, {scope_of("pm")} AS scope
FROM player_matches AS pm
WHERE pm.player_id = :player
"""
_OTHER_LINES = f"""
SELECT mp.match_id AS match_id, m.start_time AS start_time, playlist.public_name AS playlist,
    map.public_name AS map, mode.public_name AS mode,
    CASE mp.outcome WHEN 1 THEN 'tie' WHEN 2 THEN 'win' WHEN 3 THEN 'loss' WHEN 4 THEN 'left'
    END AS outcome, mp.kills AS kills, mp.deaths AS deaths, mp.assists AS assists,
    {match_kd_of("mp")} AS kd,
    {csr_of("sk", "pre_match")} AS pre_match_csr, {csr_of("sk", "post_match")} AS post_match_csr,
    nullif(sk.post_match_tier, '') AS post_match_tier, m.playlist_asset_id AS playlist_asset_id,
    {scope_of("m")} AS scope
FROM match_players AS mp JOIN matches AS m ON m.match_id = mp.match_id
LEFT JOIN assets AS map ON map.asset_id = m.map_asset_id AND map.version_id = m.map_version_id
LEFT JOIN assets AS mode ON mode.asset_id = m.game_variant_asset_id
    AND mode.version_id = m.game_variant_version_id
LEFT JOIN assets AS playlist ON playlist.asset_id = m.playlist_asset_id
    AND playlist.version_id = m.playlist_version_id
LEFT JOIN match_skill AS sk ON sk.match_id = mp.match_id AND sk.player_id = mp.player_id
WHERE mp.player_id = :player
"""


# A tracked player's totals per map, mode and lifecycle, in the order of the covering
# index ix_player_matches_totals (no sort, no row read): lines, not yet matches.
_TRACKED_TOTALS = """
SELECT map, mode, lifecycle_mode, count(*) AS matches, sum(outcome = 'win') AS wins,
    sum(outcome = 'loss') AS losses, sum(outcome = 'tie') AS ties, sum(outcome = 'left') AS "left",
    sum(kills) AS kills, sum(deaths) AS deaths, sum(assists) AS assists,
    max(start_time) AS last_played, count(DISTINCT match_id) AS distinct_matches
FROM player_matches INDEXED BY ix_player_matches_totals
WHERE player_id = :player
GROUP BY map, mode, lifecycle_mode
"""
# Their matchmade PvE lines (few): looked up by match id in pve_matches.
_TRACKED_PVE = """
SELECT map, mode, match_id, outcome, kills, deaths, assists, start_time
FROM player_matches
WHERE match_id IN (SELECT match_id FROM pve_matches) AND +player_id = :player
    AND lifecycle_mode = 3
"""
# The matches of a group with more lines than matches: team switches, one line too many.
_TRACKED_SWITCHES = """
SELECT map, mode, lifecycle_mode, match_id, count(*) - 1 AS extra, max(outcome) AS outcome
FROM player_matches INDEXED BY ix_player_matches_totals
WHERE player_id = :player AND map IS :map AND mode IS :mode AND lifecycle_mode IS :lifecycle
GROUP BY match_id HAVING count(*) > 1
"""


# ... and their CSR the partial index of ranked lines: its span, then its points per
# match, week or month (the CSR after the period's last match).
_TRACKED_CSR_SPAN = """
SELECT min(start_time), max(start_time) FROM player_matches INDEXED BY ix_player_matches_csr
WHERE player_id = ? AND post_match_csr IS NOT NULL
"""
_TRACKED_CSR = """
SELECT {period} AS period, max(start_time) AS start_time,
    coalesce(playlist, playlist_asset_id) AS playlist, post_match_csr AS csr,
    post_match_tier AS tier, match_id, count(*) AS matches
FROM player_matches INDEXED BY ix_player_matches_csr
WHERE player_id = :player AND post_match_csr IS NOT NULL
GROUP BY coalesce(playlist, playlist_asset_id), period
ORDER BY period
"""


def _lines(tracked: bool) -> str:
    """Return the SELECT of a player's lines (parameter ``:player``)."""
    return _TRACKED_LINES if tracked else _OTHER_LINES


def _totals(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the summary of some groups of lines (each already counted per match)."""
    total: defaultdict[str, int] = defaultdict(int)
    for group in groups:
        for key in RECORD_COUNTS:
            total[key] += group[key] or 0
    return record(total)


def record(counts: Mapping[str, int | None]) -> dict[str, Any]:
    """Return the headline numbers of ``RECORD_COUNTS`` (None is 0): the counts, K/D, win rate."""
    summary = {key: counts[key] or 0 for key in RECORD_COUNTS}
    # No match, no K/D: None (a dash, as the win rate beside it), not a 0.000 no one scored.
    summary["kd"] = kd(summary["kills"], summary["deaths"]) if summary["matches"] else None
    summary["win_rate"] = rate(summary["wins"], summary["matches"])
    return summary


def _scope(lifecycle_mode: int | None, pve: bool) -> str:
    """Return the scope of a line (as `grunt_archive.views.SCOPE_SQL` says)."""
    if lifecycle_mode != 3:
        return "custom"
    return "matchmade_pve" if pve else "matchmade_pvp"


RECORD_COUNTS = ("matches", "wins", "losses", "ties", "left", "kills", "deaths", "assists")
_OUTCOME_COUNTS = {"win": "wins", "loss": "losses", "tie": "ties", "left": "left"}


def tracked_groups(connection: sqlite3.Connection, player_id: str) -> list[dict[str, Any]]:
    """Return a tracked player's totals per scope, map and mode, each match counted once.

    One read of an index for the totals per map, mode and lifecycle (lines, and
    distinct matches), then small reads: the PvE lines (moved from matchmade PvP
    to PvE) and, in a group with more lines than matches, the team switches
    (each match counted once).
    """
    parameters = {"player": player_id}
    groups: dict[tuple, dict[str, Any]] = {}

    def group(scope: str, line: dict[str, Any]) -> dict[str, Any]:
        key = (scope, line["map"], line["mode"])
        if key not in groups:
            groups[key] = dict.fromkeys(RECORD_COUNTS, 0) | {
                "scope": scope,
                "map": line["map"],
                "mode": line["mode"],
                "last_played": None,
            }
        return groups[key]

    switched = []
    for line in rows(connection, _TRACKED_TOTALS, parameters):
        if line["matches"] > line["distinct_matches"]:
            switched.append(line)
        found = group(_scope(line["lifecycle_mode"], False), line)
        for key in RECORD_COUNTS:
            found[key] += line[key] or 0
        found["last_played"] = max(found["last_played"] or "", line["last_played"] or "") or None
    pve = set()
    for line in rows(connection, _TRACKED_PVE, parameters):
        pve.add(line["match_id"])
        moved = {key: line[key] or 0 for key in ("kills", "deaths", "assists")} | {"matches": 1}
        if line["outcome"] in _OUTCOME_COUNTS:
            moved[_OUTCOME_COUNTS[line["outcome"]]] = 1
        pvp, target = group("matchmade_pvp", line), group("matchmade_pve", line)
        for key, value in moved.items():
            pvp[key] -= value
            target[key] += value
        target["last_played"] = max(target["last_played"] or "", line["start_time"]) or None
    switches = [
        switch
        for line in switched
        for switch in rows(
            connection,
            _TRACKED_SWITCHES,
            {**parameters, "map": line["map"], "mode": line["mode"],
             "lifecycle": line["lifecycle_mode"]},
        )
    ]  # fmt: skip
    for line in switches:
        found = group(_scope(line["lifecycle_mode"], line["match_id"] in pve), line)
        found["matches"] -= line["extra"]
        if line["outcome"] in _OUTCOME_COUNTS:
            found[_OUTCOME_COUNTS[line["outcome"]]] -= line["extra"]
    return [found for found in groups.values() if found["matches"] > 0]


def _groups(connection: sqlite3.Connection, player_id: str, tracked: bool) -> list[dict[str, Any]]:
    """Return the player's totals per scope, map and mode."""
    if tracked:
        return tracked_groups(connection, player_id)
    return rows(
        connection,
        f"""
        SELECT scope, map, mode, count(DISTINCT match_id) AS matches,
            count(DISTINCT CASE WHEN outcome = 'win' THEN match_id END) AS wins,
            count(DISTINCT CASE WHEN outcome = 'loss' THEN match_id END) AS losses,
            count(DISTINCT CASE WHEN outcome = 'tie' THEN match_id END) AS ties,
            count(DISTINCT CASE WHEN outcome = 'left' THEN match_id END) AS "left",
            sum(kills) AS kills, sum(deaths) AS deaths, sum(assists) AS assists,
            max(start_time) AS last_played
        FROM ({_OTHER_LINES})
        GROUP BY scope, map, mode
        """,
        {"player": player_id},
    )


def summaries(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return the headline numbers of every scope (``all`` = the other three together)."""
    return {
        scope: _totals([g for g in groups if scope == "all" or g["scope"] == scope])
        for scope in SCOPES
    }


def _breakdown(groups: list[dict[str, Any]], scope: str, key: str) -> list[dict[str, Any]]:
    """Return the scope's totals per map or per mode, most played first."""
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group in groups:
        if scope == "all" or group["scope"] == scope:
            by_key[group[key] or "(not looked up yet)"].append(group)
    found = [{key: name, **_totals(parts)} for name, parts in by_key.items()]
    return sorted(found, key=lambda row: (-row["matches"], row[key]))


def recent_matches(
    connection: sqlite3.Connection, player_id: str, tracked: bool, scope: str
) -> list[dict[str, Any]]:
    """Return the player's newest matches of ``scope``, a team switch counted once."""
    lines = rows(
        connection,
        f"SELECT * FROM ({_lines(tracked)}) WHERE :scope = 'all' OR scope = :scope"
        " ORDER BY start_time DESC, match_id LIMIT :limit",
        {"player": player_id, "scope": scope, "limit": RECENT * 2},
    )
    merged: dict[str, dict[str, Any]] = {}
    for line in lines:
        match = merged.get(line["match_id"])
        if match is None:
            merged[line["match_id"]] = {
                key: line[key]
                for key in (
                    "match_id",
                    "start_time",
                    "map",
                    "mode",
                    "playlist",
                    "outcome",
                    "kills",
                    "deaths",
                    "assists",
                    "kd",
                    "scope",
                )
            } | {
                "csr_before": line["pre_match_csr"],
                "csr_after": line["post_match_csr"],
                "tier_after": line["post_match_tier"],
            }
        else:
            for key in ("kills", "deaths", "assists"):
                match[key] = (match[key] or 0) + (line[key] or 0)
            match["kd"] = match_kd(match["kills"], match["deaths"])
    recent = list(merged.values())[:RECENT]
    places = ffa_places(connection, player_id, [match["match_id"] for match in recent])
    placement = placement_after(connection, player_id, [match["match_id"] for match in recent])
    for match in recent:
        match["place"], match["players"], match["tied"] = places.get(
            match["match_id"], (None, None, False)
        )
        match["placement_after"] = placement.get(match["match_id"])
    return recent


# The player's place in each free-for-all match of a few (`reading.free_for_all_of`), the
# field (`matches.player_count`, which the canned query free_for_all averages), and
# whether another player shares the place: Halo's Rank ties share a place (1, 2, 2, 4).
_FFA_PLACES = f"""
SELECT placed.match_id, placed.place, placed.players, EXISTS (SELECT 1 FROM match_players AS other
    WHERE other.match_id = placed.match_id AND other.rank = placed.place
    AND other.player_id <> placed.player_id) AS tied
FROM (
  SELECT mine.match_id, mine.player_id, min(mine.rank) AS place, max(m.player_count) AS players
  FROM match_players AS mine JOIN matches AS m ON m.match_id = mine.match_id
  WHERE mine.player_id = ? AND mine.match_id IN ({{ids}}) AND {free_for_all_of("m")}
  GROUP BY mine.match_id, mine.player_id
) AS placed
"""


def ffa_places(
    connection: sqlite3.Connection, player_id: str, match_ids: list[str]
) -> dict[str, tuple[int | None, int, bool]]:
    """Return the player's place (their Rank), field size and tie, in each FFA match of a few.

    A tie: another player has the same Rank (Halo's ranks tie: 1, 2, 2, 4).

    Other matches are left out: in a team match the Rank orders the whole lobby, not
    sides, and the outcome says what the team did. Which matches are FFA is the match
    page's decision too (`reading.free_for_all_of`), so the two never disagree.
    """
    if not match_ids:
        return {}
    found = connection.execute(
        _FFA_PLACES.format(ids=", ".join("?" for _ in match_ids)), (player_id, *match_ids)
    ).fetchall()
    return {match_id: (place, players, bool(tied)) for match_id, place, players, tied in found}


def _csr_history(connection: sqlite3.Connection, player_id: str, tracked: bool) -> dict:
    """Return the player's CSR over time (`charts.csr_series`), bucketed for its span.

    A tracked player's points are bucketed by SQLite from the partial index of
    ranked lines, so a career of thousands of ranked matches sends the page
    a few hundred points.
    """
    if not tracked:
        return csr_series(
            rows(
                connection,
                "SELECT start_time, coalesce(playlist, playlist_asset_id) AS playlist,"
                " post_match_csr AS csr, post_match_tier AS tier, match_id"
                f" FROM ({_OTHER_LINES}) WHERE post_match_csr IS NOT NULL ORDER BY start_time",
                {"player": player_id},
            )
        )
    first, last = connection.execute(_TRACKED_CSR_SPAN, (player_id,)).fetchone()
    if first is None:
        return csr_series([])
    bucket = bucket_for(parse_time(last) - parse_time(first))
    points = rows(connection, _TRACKED_CSR.format(period=PERIOD_SQL[bucket]), {"player": player_id})
    for point in points:
        point["start_time"] = point.pop("period") if bucket != "match" else point["start_time"]
    return csr_series(points, bucket)


def medals(connection: sqlite3.Connection, player_id: str, tracked: bool) -> list[dict[str, Any]]:
    """Return the player's most earned medals over every archived match."""
    if tracked:
        sql = (
            "SELECT t.medal_id, coalesce(t.medal, 'Medal ' || t.medal_id) AS name,"
            " t.total AS count, t.matches_awarded, t.type, t.difficulty"
            " FROM player_medal_totals AS t"
            " WHERE t.player_id = :player ORDER BY t.total DESC, t.medal_id LIMIT 24"
        )
    else:
        sql = (
            "SELECT a.medal_id, coalesce(m.name, 'Medal ' || a.medal_id) AS name,"
            " sum(a.count) AS count, count(DISTINCT a.match_id) AS matches_awarded,"
            " m.type, m.difficulty FROM medal_awards AS a"
            " LEFT JOIN medals AS m ON m.medal_id = a.medal_id WHERE a.player_id = :player"
            " GROUP BY a.medal_id ORDER BY count DESC, a.medal_id LIMIT 24"
        )
    return rows(connection, sql, {"player": player_id})


def encounters(
    connection: sqlite3.Connection, player_id: str, relation: str
) -> list[dict[str, Any]]:
    """Return the people a tracked player met most as ``relation`` (teammate or opponent)."""
    return rows(
        connection,
        "SELECT other_player_id AS player_id, other_gamertag AS gamertag, matches, wins,"
        " win_rate, last_played FROM player_encounters"
        " WHERE player_id = :player AND relation = :relation"
        " ORDER BY matches DESC, win_rate DESC, other_player_id LIMIT :limit",
        {"player": player_id, "relation": relation, "limit": TOP},
    )


def tracked_players_met(connection: sqlite3.Connection, player_id: str) -> list[dict[str, Any]]:
    """Return the tracked players an untracked player met, and how often."""
    return rows(
        connection,
        "SELECT player_id, gamertag, relation, matches, win_rate, last_played"
        " FROM player_encounters WHERE other_player_id = :player ORDER BY matches DESC",
        {"player": player_id},
    )


def player_page(
    connection: sqlite3.Connection, player: dict[str, Any], scope: str = "matchmade_pvp"
) -> dict[str, Any]:
    """Return everything a player's page shows, as the ``.json`` of the page returns it.

    ``player`` is what `reading.find_player` returned.
    """
    player_id, tracked = player["player_id"], player["tracked"]
    groups = _groups(connection, player_id, tracked)
    page: dict[str, Any] = {
        "player_id": player_id,
        "gamertag": player["gamertag"],
        "is_bot": player["is_bot"],
        "tracked": tracked,
        "also_named": player.get("also_named", []),
        "last_played": max((g["last_played"] for g in groups), default=None),
        "scope": scope,
        "summary": summaries(groups),
        "recent_matches": recent_matches(connection, player_id, tracked, scope),
        "by_map": _breakdown(groups, scope, "map"),
        "by_mode": _breakdown(groups, scope, "mode"),
        "current_csr": [] if player["is_bot"] else current_csr(connection, player_id, tracked),
        "csr_history": _csr_history(connection, player_id, tracked),
        "medals": medals(connection, player_id, tracked),
    }
    if tracked:
        page["service_record_check"] = service_record_check(connection, player_id)
        page["teammates"] = encounters(connection, player_id, "teammate")
        page["opponents"] = encounters(connection, player_id, "opponent")
        # From the films: player_rivals is kept for tracked players only.
        page["rivals"] = rivals(connection, player_id)
    else:
        page["tracked_players_met"] = tracked_players_met(connection, player_id)
    return page
