"""Match stats document (``/hi/matches/{id}/stats``) → rows of the match tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.jsonsafe import outside
from grunt_archive.normalize.mode_blocks import DURATION_SOURCES, Form
from grunt_archive.normalize.values import (
    duration_seconds,
    is_duration,
    snake_case,
    utc_timestamp,
)

Row = dict[str, Any]
Rows = dict[str, list[Row]]

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")

# Fields whose values are ISO-8601 durations even when a document has them null:
# those of MatchInfo, CoreStats and ParticipationInfo, and the mode blocks' own.
DURATION_FIELDS = (
    frozenset({"AverageLifeDuration", "Duration", "PlayableDuration", "TimePlayed"})
    | DURATION_SOURCES
)
TIMESTAMP_FIELDS = frozenset({"StartTime", "EndTime", "FirstJoinedTime", "LastLeaveTime"})
_CONVERTED = DURATION_FIELDS | TIMESTAMP_FIELDS

# MatchInfo asset references and the column prefix each one gets.
ASSET_REFERENCES = {
    "MapVariant": "map",
    "UgcGameVariant": "game_variant",
    "Playlist": "playlist",
    "PlaylistMapModePair": "map_mode_pair",
}
# Lists inside CoreStats that become rows of their own tables.
# The service's models hold a match's numbers in 32 bits (medal NameIds unsigned). A wider
# one is no real match's, and a few of them would overflow SQLite's sum() over a career,
# which fails the query (the viewer's home page) rather than give a wrong total.
MATCH_INTEGERS = (-(2**31), 2**32 - 1)
AWARD_LISTS = {
    "Medals": ("medal_awards", "medal_id"),
    "PersonalScores": ("personal_score_awards", "name_id"),
}


def match_rows(doc: Mapping[str, Any]) -> Rows:
    """Turn a match stats document into rows for every match table.

    Args:
        doc: the parsed body of ``/hi/matches/{matchId}/stats``, of either era
            (2022 documents list every mode block, null where it does not apply).

    Returns:
        ``{table: rows}`` for ``matches``, ``match_teams``, ``players``,
        ``match_players``, ``medal_awards``, ``personal_score_awards`` and one
        table per mode block (``pvp_stats``, ``team_pvp_stats``, …).

    Raises:
        MalformedResponseError: the document lacks a match id, its MatchInfo,
            or has a value that breaks the naming rules (a bad duration).

    """
    if not isinstance(doc, Mapping):
        raise MalformedResponseError("match stats document is not a JSON object")
    match_id = doc.get("MatchId")
    if not isinstance(match_id, str) or not GUID.match(match_id):
        raise MalformedResponseError(f"match stats document has no valid MatchId: {match_id!r}")
    match_id = match_id.lower()
    wide = outside(doc, *MATCH_INTEGERS)
    if wide is not None:
        raise MalformedResponseError(
            f"match {match_id} holds the integer {wide}, wider than the service's 32 bits"
        )
    info = doc.get("MatchInfo")
    if not isinstance(info, Mapping) or not isinstance(info.get("StartTime"), str):
        raise MalformedResponseError(f"match {match_id} has no MatchInfo.StartTime")
    try:
        return _rows(match_id, doc, info)
    except KeyError as error:
        raise MalformedResponseError(f"match {match_id}: missing field {error}") from None
    except (ValueError, TypeError, AttributeError) as error:
        raise MalformedResponseError(f"match {match_id}: {error}") from None


def _rows(match_id: str, doc: Mapping[str, Any], info: Mapping[str, Any]) -> Rows:
    rows: Rows = {"matches": [_match_row(match_id, doc, info)], "match_teams": [], "players": []}
    for team in _list(doc.get("Teams"), "Teams"):
        key = {"match_id": match_id, "team_id": key_int(team["TeamId"], "TeamId")}
        stats = team.get("Stats") or {}
        team_row = {**key, "outcome": team.get("Outcome"), "rank": team.get("Rank")}
        team_row.update(_scalars(stats.get("CoreStats") or {}, skip=AWARD_LISTS))
        _extra(team, team_row, known={"TeamId", "Outcome", "Rank", "Stats"})
        rows["match_teams"].append(team_row)
        _add_blocks(rows, Form.TEAM, key, stats)
    for player in _list(doc.get("Players"), "Players"):
        _add_player(rows, match_id, player)
    # Decided here, once, from the rows just built: the pages and queries read the columns.
    players = rows.get("match_players", [])
    match = rows["matches"][0]
    match["free_for_all"] = is_free_for_all(match, rows["match_teams"], players)
    match["player_count"] = player_count(players)
    return rows


# Infection (GameVariantCategory 22): no Teams, but two sides, the survivors and the infected.
INFECTION = 22


def is_free_for_all(match: Row, teams: list[Row], players: list[Row]) -> bool:
    """Return whether a match is free-for-all (FFA Slayer), from its own rows.

    The Python twin of `grunt_archive.views.FREE_FOR_ALL_SQL`, which the
    migration that added ``matches.free_for_all`` and the store's recomputation
    after a copy read; the two agree on every archived match
    (tests/test_free_for_all_column.py). The services turned teams off
    (``teams_enabled`` false: NULL, unknown, is not), listed no Teams, it is
    not Infection, and each of two or more players (bots too) is a team of
    their own: as many distinct team ids as ``match_players`` rows.

    Args:
        match: the match's ``matches`` row.
        teams: its ``match_teams`` rows.
        players: its ``match_players`` rows (a row per player and team played on).

    """
    teams_enabled = match.get("teams_enabled")
    # As SQL's `teams_enabled = false`: a stored 0 (or 0.0) is false; NULL is no answer.
    if type(teams_enabled) not in (bool, int, float) or teams_enabled != 0:
        return False
    category = match.get("game_variant_category")
    if (0 if category is None else category) == INFECTION or teams:
        return False
    player_ids = {row["player_id"] for row in players}
    return len(player_ids) > 1 and len({row["team_id"] for row in players}) == len(players)


def player_count(players: list[Row]) -> int:
    """Return how many players (bots too) a match had: its field, in a free-for-all match.

    The Python twin of `grunt_archive.views.PLAYER_COUNT_SQL`, which the
    migration that added ``matches.player_count`` and the store's recomputation
    after a copy read (tests/test_player_count_column.py): the distinct player
    ids of the match's ``match_players`` rows, as a player who switched teams
    has a row per team.

    Args:
        players: the match's ``match_players`` rows.

    """
    return len({row["player_id"] for row in players})


def _match_row(match_id: str, doc: Mapping[str, Any], info: Mapping[str, Any]) -> Row:
    row: Row = {"match_id": match_id}
    for name, value in info.items():
        if name in ASSET_REFERENCES:
            prefix = ASSET_REFERENCES[name]
            ref = value or {}
            row[f"{prefix}_asset_id"] = ref.get("AssetId")
            row[f"{prefix}_version_id"] = ref.get("VersionId")
        else:
            _put(row, name, value)
    _extra(doc, row, known={"MatchId", "MatchInfo", "Teams", "Players"})
    return row


def _add_player(rows: Rows, match_id: str, player: Mapping[str, Any]) -> None:
    player_id = player["PlayerId"]
    if not isinstance(player_id, str) or not player_id:
        raise ValueError(f"player id is not a string: {player_id!r}")
    player_type = player.get("PlayerType")
    rows["players"].append({"player_id": player_id, "is_bot": player_type == 2})
    base: Row = {
        "match_id": match_id,
        "player_id": player_id,
        "player_type": player_type,
        "bot_difficulty": (player.get("BotAttributes") or {}).get("Difficulty"),
        "last_team_id": player.get("LastTeamId"),
        "outcome": player.get("Outcome"),
        "rank": player.get("Rank"),
    }
    base.update(_scalars(player.get("ParticipationInfo") or {}))
    _extra(
        player,
        base,
        known={
            "PlayerId",
            "PlayerType",
            "BotAttributes",
            "LastTeamId",
            "Outcome",
            "Rank",
            "ParticipationInfo",
            "PlayerTeamStats",
        },
    )
    team_stats = _list(player.get("PlayerTeamStats"), "PlayerTeamStats")
    if not team_stats:
        # A player listed with no stats still played: keep them on their last team.
        team_id = key_int(player.get("LastTeamId"), "LastTeamId")
        rows.setdefault("match_players", []).append({**base, "team_id": team_id})
        return
    for entry in team_stats:
        key = {
            "match_id": match_id,
            "player_id": player_id,
            "team_id": key_int(entry["TeamId"], "TeamId"),
        }
        stats = entry.get("Stats") or {}
        core = stats.get("CoreStats") or {}
        rows.setdefault("match_players", []).append(
            {**base, "team_id": key["team_id"], **_scalars(core, skip=AWARD_LISTS)}
        )
        for list_name, (table, id_column) in AWARD_LISTS.items():
            _add_awards(rows.setdefault(table, []), key, id_column, core.get(list_name))
        _add_blocks(rows, Form.PLAYER, key, stats)


def _add_awards(out: list[Row], key: Row, id_column: str, awards: Any) -> None:
    merged: dict[int, Row] = {}
    for award in _list(awards, "awards"):
        name_id = key_int(award["NameId"], "NameId")
        row = merged.get(name_id)
        if row is None:
            merged[name_id] = {
                **key,
                id_column: name_id,
                "count": award.get("Count"),
                "total_personal_score_awarded": award.get("TotalPersonalScoreAwarded"),
            }
        else:
            # The same NameId twice is not known to happen; adding keeps every award.
            row["count"] = (row["count"] or 0) + (award.get("Count") or 0)
            row["total_personal_score_awarded"] = (row["total_personal_score_awarded"] or 0) + (
                award.get("TotalPersonalScoreAwarded") or 0
            )
    out.extend(merged.values())


def _add_blocks(rows: Rows, form: Form, key: Row, stats: Mapping[str, Any]) -> None:
    for name, block in stats.items():
        if name == "CoreStats" or block is None:
            continue
        if not isinstance(block, Mapping):
            raise ValueError(f"mode block {name} is not an object")
        rows.setdefault(form.table_name(name), []).append({**key, **_scalars(block)})


def _scalars(block: Mapping[str, Any], skip: Mapping[str, Any] | frozenset = frozenset()) -> Row:
    row: Row = {}
    for name, value in block.items():
        column = _PLAIN_COLUMNS.get(name)
        # `_put`'s first case, inline: most fields are plain numbers of a name seen before.
        if column is not None and type(value) is not str and name not in skip:
            row[column] = value
        elif name not in skip:
            _put(row, name, value)
    return row


# Column names of the plain fields met so far (no conversion by name), by field name.
_PLAIN_COLUMNS: dict[str, str] = {}
_MAX_PLAIN_COLUMNS = 4096


def _put(row: Row, name: str, value: Any) -> None:
    """Store one API field in ``row`` under its column name, converting by the naming rule."""
    if not isinstance(value, str) and name not in _CONVERTED:
        # Numbers, booleans and nulls of plain fields (most of a document) go as they are.
        column = _PLAIN_COLUMNS.get(name)
        if column is None:
            column = snake_case(name)
            if len(_PLAIN_COLUMNS) < _MAX_PLAIN_COLUMNS:  # a hostile body's names stay out
                _PLAIN_COLUMNS[name] = column
        row[column] = value
    elif name in DURATION_FIELDS or (name not in TIMESTAMP_FIELDS and is_duration(value)):
        row[snake_case(name) + "_seconds"] = duration_seconds(value)
    elif name in TIMESTAMP_FIELDS:
        row[snake_case(name)] = utc_timestamp(value)
    else:
        row[snake_case(name)] = value


def _extra(source: Mapping[str, Any], row: Row, known: set[str]) -> None:
    """Carry fields the code does not know into ``row``, so the store can report them."""
    for name, value in source.items():
        if name not in known:
            _put(row, name, value)


def key_int(value: Any, what: str) -> int:
    """Return a key field that must be a whole number (a team or medal id)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not an integer: {value!r}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def check_match_id(match_id: str, document: Any) -> None:
    """Refuse a stats document about another match: storing it would lose ``match_id``.

    Raises:
        MalformedResponseError: the document's ``MatchId`` is not ``match_id``.

    """
    served = document.get("MatchId") if isinstance(document, dict) else None
    if not isinstance(served, str) or served.lower() != match_id.lower():
        shown = repr(served)[:60]
        raise MalformedResponseError(
            f"match {match_id}: the service sent the stats of another match ({shown})"
        )
