"""The per-player tables of a copy's destination: what the copy brought added, not rebuilt.

``copy`` computed every derived table of the destination again at its end: 21 s
for a 50,000-match archive, 197 s for a 300-player clan's, and as often as a
community site copies its members' slices in one by one. Now it adds what it
brought (`update`), as a sync adds what it stores:

- the matches no per-player table counts yet (`player_tables.add_matches`), one
  statement a table over those matches alone;
- each tracked player with no line yet (`player_tables.add_player`);
- for a match the destination held already, the rows the copy added to it
  (`Held`, counted before the copy): its skill (`player_tables.refresh_skill`),
  its film's kills (`rivals.refresh_players`), or players and medals of another
  copy of its stats, whose totals are counted again (`count_match_again`: what
  the destination's own copy added is mixed with them, and cannot be taken out);
- a match the destination lacked at the copy's start that a sync stored and
  counted beside it: as a held match that grew in every table the copy added to.

What counts as new is read from the per-player tables themselves (a match or a
player with no line). The rows a copy adds to matches the destination held
before it are seen as added only by the run that adds them, so a copy marks its
run (`store.unfinished`: a row of ``unfinished_copies``, committed before its
first row, deleted with its last write): the next copy that finds a mark left
by one cut short counts every derived table again, as ``reparse`` would. Either
deletes the marks of copies that had stopped before it counted, and only those:
a copy still running writes rows after the count, and keeps its mark.

The other rebuild is of a destination with no line at all (new, or never
derived): adding every match is what a rebuild does, in one pass a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from grunt_archive.store import player_tables, rivals, unfinished
from grunt_archive.store.session import Unit
from grunt_archive.store.writer import chunks, execute, query

# The tables the per-player tables are computed from, by match, that a copy may add
# rows to for a match the destination holds (the `matches` row itself is kept).
WATCHED = ("match_players", "medal_awards", "match_skill", "kills")
_MATCHES, _PLAYERS = "copy_matches", "copy_players"


@dataclass(frozen=True, slots=True)
class Held:
    """The matches of a copy the destination held before it, and their rows per `WATCHED` table."""

    matches: frozenset[str] = frozenset()
    rows: dict[str, Counter[str]] = field(default_factory=dict)
    tracked: frozenset[str] = frozenset()  # the players the destination tracked


def held(connection: Unit, match_ids: Sequence[str]) -> Held:
    """Return which of the copy's ``match_ids`` the destination holds, and their rows (before)."""
    found = frozenset(m for chunk in chunks(match_ids) for m in _ids(connection, "matches", chunk))
    tracked = frozenset(p for (p,) in query(connection, "SELECT player_id FROM tracked_players"))
    return Held(found, _rows(connection, sorted(found)), tracked)


def update(
    connection: Unit,
    match_ids: Sequence[str],
    before: Held,
    added: Mapping[str, int],
    mark: unfinished.Mark,
) -> None:
    """Bring the per-player tables up to what the copy of ``match_ids`` added (its last unit).

    ``added``: how many rows each table gained (a table that gained none is not read again).
    The copy's mark, and any a copy cut short left, go in the same unit.
    """
    unfinished.finish(connection, mark)  # its own, and those before it of copies stopped
    if mark.after_cut_short or not query(connection, "SELECT 1 FROM player_matches LIMIT 1"):
        player_tables.rebuild(connection)
        return
    # Every player tracked since the copy began has all their lines made afresh: a sync
    # beside the copy may have given one a few lines, but not those of the matches the
    # destination held before (counted when nobody tracked them).
    players = [
        player_id
        for (player_id, lines) in query(
            connection,
            "SELECT player_id, EXISTS (SELECT 1 FROM player_matches AS pm"
            " WHERE pm.player_id = t.player_id) FROM tracked_players AS t ORDER BY player_id",
        )
        if not lines or player_id not in before.tracked
    ]
    counted = {
        match_id
        for chunk in chunks(match_ids)
        for match_id in _ids(connection, "player_matches", chunk)
    }
    new = [match_id for match_id in match_ids if match_id not in counted]
    _add(connection, new, players)
    _rows_added(connection, before, counted, [t for t in WATCHED if added.get(t)])
    for player_id in players:
        player_tables.add_player(connection, player_id)


def _add(connection: Unit, match_ids: list[str], players: list[str]) -> None:
    """Add the matches ``match_ids`` (none counted yet) but for the lines of ``players``."""
    if not match_ids:
        return
    for table, column, ids in ((_MATCHES, "match_id", match_ids), (_PLAYERS, "player_id", players)):
        execute(connection, f"CREATE TEMPORARY TABLE {table} ({column} TEXT PRIMARY KEY)")
        execute(connection, f"INSERT INTO {table} VALUES (?)", [(i,) for i in ids])
    player_tables.add_matches(
        connection, f"SELECT match_id FROM {_MATCHES}", f"SELECT player_id FROM {_PLAYERS}"
    )
    # (A failure rolls the unit back, and the tables with it: both databases roll DDL back.)
    for table in (_MATCHES, _PLAYERS):
        execute(connection, f"DROP TABLE {table}")


def _rows_added(connection: Unit, before: Held, counted: set[str], tables: list[str]) -> None:
    """Bring up to date the counted matches the copy added rows of ``tables`` to.

    A match the destination lacked when the copy began but counts now was stored and
    counted beside the copy (a sync): what the copy added to it came after that count,
    whatever it was, so it is taken as grown in every table the copy added rows to.
    """
    held_ids = sorted(before.matches & counted)
    after = _rows(connection, held_ids, tables)
    beside = counted - before.matches
    grew = {
        table: {m for m in held_ids if after[table][m] != before.rows[table][m]} | beside
        if table in tables
        else set()
        for table in WATCHED
    }
    for match_id in sorted(grew["match_players"] | grew["medal_awards"]):
        player_tables.count_match_again(connection, match_id)
    for match_id in sorted(grew["match_skill"] - grew["match_players"] - grew["medal_awards"]):
        player_tables.refresh_skill(connection, match_id)
    players: set[str] = set()
    for chunk in chunks(sorted(grew["kills"])):
        players |= rivals.players_in_films(connection, chunk)
    if players:
        rivals.refresh_players(connection, players)


def _rows(
    connection: Unit, match_ids: list[str], tables: Sequence[str] = WATCHED
) -> dict[str, Counter[str]]:
    """Return, per `WATCHED` table, how many rows each of ``match_ids`` has in ``tables``."""
    found: dict[str, Counter[str]] = {table: Counter() for table in WATCHED}
    for table in tables:
        for chunk in chunks(match_ids):
            marks = ", ".join("?" for _ in chunk)
            rows = query(
                connection,
                f"SELECT match_id, count(*) FROM {table} WHERE match_id IN ({marks})"
                " GROUP BY match_id",
                chunk,
            )
            found[table].update(dict(rows))
    return found


def _ids(connection: Unit, table: str, chunk: list[str]) -> list[str]:
    marks = ", ".join("?" for _ in chunk)
    sql = f"SELECT DISTINCT match_id FROM {table} WHERE match_id IN ({marks})"
    return [match_id for (match_id,) in query(connection, sql, chunk)]


# --- names the copy brought to rows the destination held --------------------------------

# Each name table's key and the columns the per-player tables take from it.
_NAMED = {
    "players": ("player_id", "gamertag"),
    "assets": ("asset_kind, asset_id, version_id", "public_name"),
    "seasons": ("season_id", "name"),
    "medals": ("medal_id", "name, difficulty, type"),
}


def names(connection: Unit) -> dict[str, dict[tuple, tuple]]:
    """Return the destination's names (gamertags, asset, season and medal names), by key."""
    found: dict[str, dict[tuple, tuple]] = {}
    for table, (key, columns) in _NAMED.items():
        width = key.count(",") + 1
        rows = query(connection, f"SELECT {key}, {columns} FROM {table}")
        found[table] = {tuple(row[:width]): tuple(row[width:]) for row in rows}
    return found


def rename(connection: Unit, before: Mapping[str, Mapping[tuple, tuple]]) -> None:
    """Give the per-player tables the names the copy changed (`names`, taken before it)."""
    after = names(connection)
    changed = {table: [key for key, value in after[table].items()
                       if before[table].get(key, value) != value]
               for table in _NAMED}  # fmt: skip
    player_tables.rename_players(connection, [player for (player,) in changed["players"]])
    player_tables.rename_assets(connection, [
        {"asset_kind": kind, "asset_id": asset, "version_id": version,
         "public_name": after["assets"][(kind, asset, version)][0]}
        for kind, asset, version in changed["assets"]
    ])  # fmt: skip
    player_tables.rename_seasons(connection, [season for (season,) in changed["seasons"]])
    if changed["medals"]:
        player_tables.rename_medals(connection)
