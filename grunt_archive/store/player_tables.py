"""The viewer's per-player tables: derived from the match tables, kept current by the store.

``player_matches`` (a tracked player's line of each match, every name
joined), ``player_encounters`` (every human a tracked player has met) and
``player_medal_totals`` were views until a 50,000-match career made each
canned query read every match through seven joins: 200 ms to 5 s a query
(issue 7). They are tables now, derived from the match tables and written in
the same transaction as what they derive from, so they never disagree with it:

- a match is stored: `add_match` (given an earlier copy's `shares_of`, if any);
- its skill arrives: `refresh_skill`;
- a name is looked up later: `rename_assets`, `rename_seasons`, `rename_medals`,
  `rename_players`;
- a player starts being tracked: `add_player`; stops: `remove_player`;
- ``reparse`` rebuilds the tables from scratch: `rebuild`.

``player_rivals``, derived from the films' ``kills``, is kept by ``store.rivals``
(a film is stored: `rivals.refresh_match`); `add_player` and `rebuild` do it too.
The totals of ``player_matches`` the canned queries add up (``player_totals``,
``player_day_totals``, ``archive_*_totals``) are kept by ``store.player_totals``,
called from here at each of the steps above.

Every function here computes rows with the same SELECTs, restricted by a WHERE
clause, so a row maintained step by step equals a row rebuilt (a test checks it).
This module knows SQL and nothing of HTTP. (Named for its tables, all
``player_*``: "career" in this code means the service record and CSR
snapshots, ``store.career_snapshots``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grunt_archive.documents import DERIVED_TABLES
from grunt_archive.store import match_shares, player_totals, rivals
from grunt_archive.store.match_shares import COUNT, DERIVED, LATEST, NAME, SUM
from grunt_archive.store.session import Unit
from grunt_archive.store.writer import execute, query
from grunt_archive.views import CSR_SQL, MATCH_KD_SQL

TABLES = DERIVED_TABLES

# --- the SELECTs that define the tables -------------------------------------------

# The columns of a line that come from its skill (``sk``): the SELECT below and `refresh_skill`.
_PRE_CSR, _POST_CSR = (CSR_SQL.format(t="sk", side=side) for side in ("pre_match", "post_match"))
_SKILL = {
    "pre_match_csr": _PRE_CSR,
    "post_match_csr": _POST_CSR,
    "csr_change": f"({_POST_CSR}) - ({_PRE_CSR})",
    "post_match_tier": "nullif(sk.post_match_tier, '')",
    "expected_kills": "round(CAST(sk.expected_kills AS NUMERIC), 1)",
    "expected_deaths": "round(CAST(sk.expected_deaths AS NUMERIC), 1)",
}

_PLAYER_MATCHES = """
SELECT
    m.start_time,
    substr(m.start_time, 1, 10),  -- the date: start times are kept as UTC ISO-8601
    p.gamertag,
    playlist.public_name,
    map.public_name,
    game_variant.public_name,
    CASE mp.outcome WHEN 1 THEN 'tie' WHEN 2 THEN 'win' WHEN 3 THEN 'loss' WHEN 4 THEN 'left' END,
    mp.kills,
    mp.deaths,
    mp.assists,
    {kd},
    mp.kda,
    round(CAST(mp.accuracy AS NUMERIC), 2),
    mp.damage_dealt,
    mp.damage_taken,
    mp.personal_score,
    mp.headshot_kills,
    {skill},
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
    m.season_id,
    mp.shots_fired,
    mp.shots_hit,
    -- The player's lines in the match (by the key's index): 2 for a team switcher.
    (SELECT count(*) FROM match_players AS tp
        WHERE tp.match_id = mp.match_id AND tp.player_id = mp.player_id)
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
WHERE {where}
""".replace("{skill}", ",\n    ".join(_SKILL.values())).replace("{kd}", MATCH_KD_SQL.format(t="mp"))
_PLAYER_MATCH_COLUMNS = (
    "start_time, day, gamertag, playlist, map, mode, outcome, kills, deaths, assists, kd, kda,"
    " accuracy, damage_dealt, damage_taken, personal_score, headshot_kills, pre_match_csr,"
    " post_match_csr, csr_change, post_match_tier, expected_kills, expected_deaths, season,"
    " time_played_seconds, duration_seconds, lifecycle_mode, team_id, match_id, player_id,"
    " playlist_asset_id, playlist_version_id, map_asset_id, map_version_id,"
    " game_variant_asset_id, game_variant_version_id, season_id, shots_fired, shots_hit,"
    " teams_played"
)

# Bots are left out: an encounter is with a person.
_ENCOUNTERS = """
SELECT
    mine.player_id,
    theirs.player_id,
    CASE WHEN mine.team_id = theirs.team_id THEN 'teammate' ELSE 'opponent' END AS relation,
    max(me.gamertag),
    max(other.gamertag),
    count(*),
    sum({wins}),
    round(100.0 * sum({wins}) / count(*), 1),
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
WHERE theirs.player_id LIKE 'xuid(%' AND {where}
GROUP BY mine.player_id, theirs.player_id, relation
""".replace("{wins}", "CASE WHEN mine.outcome = 2 THEN 1 WHEN mine.outcome IS NOT NULL THEN 0 END")
_ENCOUNTER_COLUMNS = (
    "player_id, other_player_id, relation, gamertag, other_gamertag, matches, wins, win_rate,"
    " their_kills, their_deaths, last_played"
)

# {matches}: how the matches a medal was awarded in are counted.
_MEDAL_TOTALS_OF = """
SELECT
    a.player_id,
    a.medal_id,
    max(p.gamertag),
    max(medal.name),
    max(medal.difficulty),
    max(medal.type),
    sum(a.count),
    {matches},
    sum(a.total_personal_score_awarded)
FROM tracked_players AS t
JOIN medal_awards AS a ON a.player_id = t.player_id
LEFT JOIN medals AS medal ON medal.medal_id = a.medal_id
LEFT JOIN players AS p ON p.player_id = a.player_id
WHERE {where}
GROUP BY a.player_id, a.medal_id
"""
_MEDAL_TOTAL_COLUMNS = (
    "player_id, medal_id, gamertag, medal, difficulty, type, total, matches_awarded, personal_score"
)
_MEDAL_TOTALS = _MEDAL_TOTALS_OF.replace("{matches}", "count(DISTINCT a.match_id)")
_MEDAL_TOTALS_ONE_MATCH = _MEDAL_TOTALS_OF.replace("{matches}", "1")


def _plus(table: str, column: str) -> str:
    """Return SQL adding ``excluded.column`` to the row's as SUM would: NULL only if both are."""
    return f"coalesce({table}.{column} + excluded.{column}, {table}.{column}, excluded.{column})"


def _later(table: str, column: str) -> str:
    """Return SQL for the later of the row's and ``excluded``'s (either, if one is NULL)."""
    mine, offered = (
        f"coalesce({table}.{column}, excluded.{column})",
        (f"coalesce(excluded.{column}, {table}.{column})"),
    )
    return f"CASE WHEN {mine} > {offered} THEN {mine} ELSE {offered} END"


# A match's encounters and medals are added to the totals already there.
_E = "player_encounters"
_ADD_ENCOUNTERS = (
    f"INSERT INTO {_E} ({_ENCOUNTER_COLUMNS}) {_ENCOUNTERS}"
    " ON CONFLICT (player_id, other_player_id, relation) DO UPDATE SET"
    " gamertag = excluded.gamertag, other_gamertag = excluded.other_gamertag,"
    f" matches = {_E}.matches + excluded.matches,"
    f" wins = {_plus(_E, 'wins')},"
    f" win_rate = round(100.0 * {_plus(_E, 'wins')} / ({_E}.matches + excluded.matches), 1),"
    f" their_kills = {_plus(_E, 'their_kills')}, their_deaths = {_plus(_E, 'their_deaths')},"
    f" last_played = {_later(_E, 'last_played')}"
)
_M = "player_medal_totals"
# A match's own awards are of that match: its count of matches is 1 (see
# player_totals.ONE_MATCH), with no DISTINCT to sort.
_ADD_MEDAL_TOTALS = (
    f"INSERT INTO {_M} ({_MEDAL_TOTAL_COLUMNS}) {_MEDAL_TOTALS_ONE_MATCH}"
    " ON CONFLICT (player_id, medal_id) DO UPDATE SET"
    " gamertag = excluded.gamertag, medal = excluded.medal, difficulty = excluded.difficulty,"
    f" type = excluded.type, total = {_plus(_M, 'total')},"
    f" matches_awarded = {_M}.matches_awarded + excluded.matches_awarded,"
    f" personal_score = {_plus(_M, 'personal_score')}"
)
# Many matches' awards at once (`add_matches`): their counts of matches are counted.
_ADD_MEDAL_TOTALS_MANY = _ADD_MEDAL_TOTALS.replace(_MEDAL_TOTALS_ONE_MATCH, _MEDAL_TOTALS)
_INSERT_PLAYER_MATCHES = f"INSERT INTO player_matches ({_PLAYER_MATCH_COLUMNS}) {_PLAYER_MATCHES}"
# A skill row (none: NULLs, as the SELECT's LEFT JOIN gives) into a match's lines.
_REFRESH_SKILL = (
    f"UPDATE player_matches SET ({', '.join(_SKILL)}) = (SELECT {', '.join(_SKILL.values())}"
    " FROM match_skill AS sk"
    " WHERE sk.match_id = player_matches.match_id AND sk.player_id = player_matches.player_id)"
    " WHERE match_id = ?"
)
_INSERT_ENCOUNTERS = f"INSERT INTO player_encounters ({_ENCOUNTER_COLUMNS}) {_ENCOUNTERS}"
_INSERT_MEDAL_TOTALS = f"INSERT INTO player_medal_totals ({_MEDAL_TOTAL_COLUMNS}) {_MEDAL_TOTALS}"

# Where each kind of asset's name lands in player_matches.
_ASSET_COLUMNS = {"map": "map", "game_variant": "mode", "playlist": "playlist"}


# --- matches -----------------------------------------------------------------------


# The totals a match's lines add to, and how each column adds up (`store.match_shares`
# takes a replaced copy's share out of them).
_AGGREGATES = (
    match_shares.Aggregate(
        "player_encounters",
        ("player_id", "other_player_id", "relation"),
        {"gamertag": NAME, "other_gamertag": NAME, "matches": COUNT, "wins": SUM,
         "win_rate": DERIVED, "their_kills": SUM, "their_deaths": SUM, "last_played": LATEST},
        "matches",
        _ENCOUNTERS.format(where="mine.match_id = ?"),
        refresh="win_rate = round(100.0 * wins / matches, 1)",
    ),
    match_shares.Aggregate(
        "player_medal_totals",
        ("player_id", "medal_id"),
        {"gamertag": NAME, "medal": NAME, "difficulty": NAME, "type": NAME, "total": SUM,
         "matches_awarded": COUNT, "personal_score": SUM},
        "matches_awarded",
        _MEDAL_TOTALS_ONE_MATCH.format(where="a.match_id = ?"),
    ),
    *(
        match_shares.Aggregate(
            totals.table,
            totals.key,
            {column: player_totals.SHARE_KINDS[column] for column in totals.columns},
            "lines" if "lines" in totals.columns else "matches",
            totals.select("pm.match_id = ?", one_match=True),
        )
        for totals in player_totals.TOTALS
    ),
)  # fmt: skip


def shares_of(connection: Unit, match_id: str) -> match_shares.Share:
    """Return what the archive's copy of ``match_id`` adds to each totals table, by key."""
    return match_shares.shares(connection, _AGGREGATES, match_id)


def add_match(connection: Unit, match_id: str, replaced: match_shares.Share | None = None) -> None:
    """Add a match just written to the per-player tables of the tracked players in it.

    The caller owns the transaction. When the match replaced an earlier copy,
    ``replaced`` is what `shares_of` said of that copy before its rows were
    deleted: its share is taken out of each total and the new copy's added
    (`store.match_shares`), as many rows as the two copies hold; only a total
    whose value subtraction cannot tell is counted again from every match.
    """
    if replaced is None:
        execute(connection, _INSERT_PLAYER_MATCHES.format(where="mp.match_id = ?"), (match_id,))
    else:
        _write_lines(connection, match_id)
        again = match_shares.take_out(
            connection, _AGGREGATES, replaced, shares_of(connection, match_id)
        )
    execute(connection, _ADD_ENCOUNTERS.format(where="mine.match_id = ?"), (match_id,))
    execute(connection, _ADD_MEDAL_TOTALS.format(where="a.match_id = ?"), (match_id,))
    player_totals.add_match(connection, match_id)
    if replaced is not None:
        _count_again(connection, again)


def add_matches(connection: Unit, match_ids: str, players_left_out: str) -> None:
    """Add many matches no per-player table counts yet, all at once (``copy``).

    ``match_ids`` and ``players_left_out`` are SELECTs of ids: the matches, and
    the tracked players whose lines are not added (`add_player` adds them all).
    One statement a table, as `rebuild` is, restricted to those matches: none of
    them is counted yet, so what they add up to adds to each total as it is.
    """

    def where(alias: str) -> str:
        return f"{alias}.match_id IN ({match_ids}) AND t.player_id NOT IN ({players_left_out})"

    execute(connection, _INSERT_PLAYER_MATCHES.format(where=where("mp")))
    execute(connection, _ADD_ENCOUNTERS.format(where=where("mine")))
    execute(connection, _ADD_MEDAL_TOTALS_MANY.format(where=where("a")))
    player_totals.add_lines(connection, f"pm.match_id IN ({match_ids})")
    rivals.add_matches(connection, where("o"))


def count_match_again(connection: Unit, match_id: str) -> None:
    """Count every total ``match_id`` adds to again from every match, its lines written anew.

    For a match that gained rows without its old share being known (``copy``
    adds the rows a destination lacks to a match it holds): the totals the
    match adds to now include all it added to before, rows being only added.
    """
    _write_lines(connection, match_id)
    _count_again(connection, {t: set(keys) for t, keys in shares_of(connection, match_id).items()})


def _count_again(connection: Unit, again: Mapping[str, set[tuple[Any, ...]]]) -> None:
    """Compute the rows of the keys ``again`` names (by table) from every match."""
    encounters = sorted({key[:2] for key in again.get("player_encounters", ())})
    medals = sorted(again.get("player_medal_totals", ()))
    where = "player_id = ? AND other_player_id = ?"
    execute(connection, f"DELETE FROM player_encounters WHERE {where}", encounters)
    execute(connection, "DELETE FROM player_medal_totals WHERE player_id = ? AND medal_id = ?",
             medals)  # fmt: skip
    where = "mine.player_id = ? AND theirs.player_id = ?"
    execute(connection, _INSERT_ENCOUNTERS.format(where=where), encounters)
    execute(connection, _INSERT_MEDAL_TOTALS.format(where="a.player_id = ? AND a.medal_id = ?"),
             medals)  # fmt: skip
    tables = [t.table for t in player_totals.TOTALS]
    totals = frozenset((table, key) for table in tables for key in again.get(table, ()))
    if totals:
        player_totals.recompute(connection, totals)


def contributions(connection: Unit, match_id: str) -> dict[str, list[dict[str, Any]]]:
    """Return, per derived table, the rows one archived match adds (its totals alone)."""
    found = {}
    for table, columns, select in (
        ("player_matches", _PLAYER_MATCH_COLUMNS, _PLAYER_MATCHES.format(where="mp.match_id = ?")),
        ("player_encounters", _ENCOUNTER_COLUMNS, _ENCOUNTERS.format(where="mine.match_id = ?")),
        ("player_medal_totals", _MEDAL_TOTAL_COLUMNS, _MEDAL_TOTALS.format(where="a.match_id = ?")),
    ):
        names = [name.strip() for name in columns.split(",")]
        rows = query(connection, select, (match_id,))
        found[table] = [dict(zip(names, row, strict=True)) for row in rows]
    for totals in player_totals.TOTALS:
        rows = query(connection, totals.select("pm.match_id = ?"), (match_id,))
        names = [*totals.key, *totals.columns]
        found[totals.table] = [dict(zip(names, row, strict=True)) for row in rows]
    return found


def refresh_skill(connection: Unit, match_id: str) -> None:
    """Give a match's ``player_matches`` lines its skill (CSR included), just stored.

    Only the skill's columns change, so the line is updated in place, and of
    the totals only a peak CSR can move.
    """
    before = player_totals.peaks_of(connection, match_id)
    if not before:  # no tracked player's line: nothing derived to refresh
        return
    execute(connection, _REFRESH_SKILL, (match_id,))
    player_totals.refresh_peaks(connection, match_id, before)


def _write_lines(connection: Unit, match_id: str) -> None:
    execute(connection, "DELETE FROM player_matches WHERE match_id = ?", (match_id,))
    execute(connection, _INSERT_PLAYER_MATCHES.format(where="mp.match_id = ?"), (match_id,))


# --- players -----------------------------------------------------------------------


def add_player(connection: Unit, player_id: str) -> None:
    """Add the matches the archive already holds of a newly tracked player.

    Read by the player's index: the cost is what they bring, not what the
    archive holds. Rows of theirs still there (``untrack`` kept them until it
    called `remove_player`) start over, and so count the matches archived
    meanwhile too.
    """
    _delete_player(connection, player_id)
    execute(connection, _INSERT_PLAYER_MATCHES.format(where="mp.player_id = ?"), (player_id,))
    execute(connection, _INSERT_ENCOUNTERS.format(where="mine.player_id = ?"), (player_id,))
    execute(connection, _INSERT_MEDAL_TOTALS.format(where="a.player_id = ?"), (player_id,))
    player_totals.add_player(connection, player_id)
    rivals.add_player(connection, player_id)


def remove_player(connection: Unit, player_id: str) -> None:
    """Delete the rows of a player no longer tracked (``untrack``), as a rebuild would have them.

    The tables hold tracked players only: their lines go, and with them their
    share of the totals (a match another tracked player played stays counted).
    """
    _delete_player(connection, player_id)
    rivals.remove_player(connection, player_id)


def _delete_player(connection: Unit, player_id: str) -> None:
    # Their share of the totals first: it is computed from their lines.
    player_totals.remove_player(connection, player_id)
    for table in ("player_matches", "player_encounters", "player_medal_totals"):
        execute(connection, f"DELETE FROM {table} WHERE player_id = ?", (player_id,))


def rebuild(connection: Unit) -> None:
    """Compute every per-player table again from the match tables (``reparse``, migrations)."""
    for table in TABLES:
        execute(connection, f"DELETE FROM {table}")
    execute(connection, _INSERT_PLAYER_MATCHES.format(where="true"))
    execute(connection, _INSERT_ENCOUNTERS.format(where="true"))
    execute(connection, _INSERT_MEDAL_TOTALS.format(where="true"))
    player_totals.rebuild(connection)
    rivals.rebuild(connection)


# --- names looked up after the match was stored ---------------------------------------


def rename_assets(connection: Unit, assets: Iterable[Mapping[str, Any]]) -> None:
    """Give ``player_matches`` and the totals the names of map, mode and playlist versions."""
    assets = list(assets)
    for asset in assets:
        column = _ASSET_COLUMNS.get(asset.get("asset_kind") or "")
        if column is None:
            continue
        kind = asset["asset_kind"]
        execute(
            connection,
            f"UPDATE player_matches SET {column} = ? WHERE {kind}_asset_id = ?"
            f" AND {kind}_version_id = ? AND {column} IS NOT ?",
            (asset.get("public_name"), asset["asset_id"], asset["version_id"],
             asset.get("public_name")),
        )  # fmt: skip
    player_totals.rename_assets(connection, assets)


def rename_seasons(connection: Unit, season_ids: Iterable[str]) -> None:
    """Give ``player_matches`` the names of seasons just looked up, in one pass."""
    ids = list(season_ids)
    if ids:
        execute(
            connection,
            "UPDATE player_matches SET season = (SELECT name FROM seasons AS s"
            " WHERE s.season_id = player_matches.season_id)"
            f" WHERE season_id IN ({', '.join('?' for _ in ids)})",
            tuple(ids),
        )


def rename_medals(connection: Unit) -> None:
    """Give ``player_medal_totals`` the names, difficulties and types of the medal metadata."""
    execute(
        connection,
        "UPDATE player_medal_totals SET medal = m.name, difficulty = m.difficulty, type = m.type"
        " FROM medals AS m WHERE m.medal_id = player_medal_totals.medal_id"
        " AND (player_medal_totals.medal IS NOT m.name"
        " OR player_medal_totals.difficulty IS NOT m.difficulty"
        " OR player_medal_totals.type IS NOT m.type)",
    )


def rename_players(connection: Unit, player_ids: Iterable[str]) -> None:
    """Copy the gamertags of ``player_ids`` from ``players`` into the per-player tables."""
    ids = [(player_id,) for player_id in player_ids]
    if not ids:
        return
    gamertag = "(SELECT gamertag FROM players AS p WHERE p.player_id = ?1)"
    for table, column, key in (
        ("player_matches", "gamertag", "player_id"),
        ("player_medal_totals", "gamertag", "player_id"),
        ("player_encounters", "gamertag", "player_id"),
        ("player_encounters", "other_gamertag", "other_player_id"),
        *((table, "gamertag", "player_id") for table in player_totals.GAMERTAG_TABLES),
    ):
        execute(
            connection,
            f"UPDATE {table} SET {column} = {gamertag} WHERE {key} = ?1"
            f" AND {column} IS NOT {gamertag}",
            ids,
        )
