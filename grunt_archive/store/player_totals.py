"""Totals of ``player_matches`` the canned queries and the Career dashboard add up.

At 50,000 matches the canned queries and the dashboard's charts took 150 to
730 ms (issue 12): each read every line of ``player_matches`` and counted a
match once with ``count(DISTINCT match_id)`` (a player who switched teams has
two lines). These tables hold the same counts and sums per key, a few
hundred to a few thousand rows, so a query adds up rows instead of lines:

- ``player_totals``: a tracked player's lines per scope, playlist, map and mode;
- ``player_day_totals``: per scope, playlist and day (the dashboard's dates);
- ``player_playlist_totals``, ``player_map_totals``, ``player_mode_totals``: per
  scope and playlist (map, mode) alone, what ``career_summary`` and ``by_*`` add
  up: a clan's 300 players have 64,000 rows of ``player_totals`` in matchmade
  PvP, which took 110 to 220 ms to add up, and some 4,000 to 8,000 of these;
- ``archive_map_totals``, ``archive_day_totals``: every tracked player's lines
  together, a match counted once however many of them played it (what the
  dashboard counts when no player is picked), under one outcome: the one every
  line of it has, else ``mixed`` (two of them on opposite teams; migration 0035:
  until then such a match counted once as a win and once as a loss, and a
  clan's matches per day stacked higher than the matches it played).

A row's key holds the ids the names come from (``''`` where a match has none:
a custom game's playlist), so a name looked up later is an UPDATE. Sums are
integers (accuracy in hundredths, time in 100 ns ticks): a total added to match
by match equals the total computed in one pass, whatever the order.

A team switcher's two lines carry their own team's kills, shots and damage but
the same time played, the whole match's: time counts on the player's first line
of a match alone (`_TIME_ONCE`), and damage per match divides by
``damage_matches``, matches not lines. A career's accuracy is the shots' ratio,
``shots_hit`` ÷ ``shots_fired`` in percent, as the game's service record gives it;
``accuracy_hundredths`` ÷ ``accuracy_lines`` is the average per line (migration
0038 made the change; until then both were counted over lines).

Every row comes from one SELECT over ``player_matches`` (`_SOURCE`), restricted
by a WHERE clause: a match added (`add_match`), a match whose lines changed
(`refresh_peaks`, `recompute`), a newly tracked player (`add_player`) or an
untracked one (`remove_player`): their share of the archive-wide tables, or
everything (`rebuild`). Plain SQL both SQLite and PostgreSQL accept; the
migration that made the tables (0018) keeps a frozen copy.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from grunt_archive.store.session import Unit
from grunt_archive.store.writer import execute, query

# A line's scope, as the view player_matches_scoped says it (views.SCOPE_SQL), in plain
# SQL: matchmade (LifecycleMode 3) PvE or PvP, else custom; PvE as pve_matches says.
_SCOPE = (
    "CASE WHEN pm.lifecycle_mode = 3 AND (m.gameplay_interaction = 2"
    " OR m.game_variant_category = 42 OR m.playlist_experience = 6) THEN 'matchmade_pve'"
    " WHEN pm.lifecycle_mode = 3 THEN 'matchmade_pvp' ELSE 'custom' END"
)
_IDS = ("playlist_asset_id", "playlist_version_id", "map_asset_id", "map_version_id",
        "game_variant_asset_id", "game_variant_version_id")  # fmt: skip

# A team switcher's lines each carry the whole match's time played: it counts on their
# first line (lowest team) alone (migration 0038). Only a switcher's lines (teams_played,
# written with the line) look for another, by the key's index: no scan.
_TIME_ONCE = (
    "CASE WHEN pm.teams_played > 1 AND EXISTS (SELECT 1 FROM player_matches AS other"
    " WHERE other.match_id = pm.match_id AND other.player_id = pm.player_id"
    " AND other.team_id < pm.team_id) THEN NULL ELSE pm.time_played_seconds END"
)

# Every line of player_matches with its scope and its ids ('' for none).
_SOURCE = f"""
SELECT pm.player_id, pm.match_id, pm.day, pm.gamertag, pm.playlist, pm.map, pm.mode,
    pm.outcome, pm.kills, pm.deaths, pm.assists, pm.accuracy, pm.damage_dealt,
    pm.shots_fired, pm.shots_hit, {_TIME_ONCE} AS time_played_seconds,
    pm.post_match_csr, pm.start_time, {_SCOPE} AS scope,
    {", ".join(f"coalesce(pm.{c}, '') AS {c}" for c in _IDS)}
FROM player_matches AS pm JOIN matches AS m ON m.match_id = pm.match_id
WHERE {{where}}
"""


def _distinct(outcome: str) -> str:
    return f"count(DISTINCT CASE WHEN outcome = '{outcome}' THEN match_id END)"


# How each column is computed over a key's lines, and how two totals combine on a
# conflict: added (NULL only if both are, as SUM), the greater, the lesser, the newer name.
_ADD = "{t}.{c} + excluded.{c}"
_PLUS = "coalesce({t}.{c} + excluded.{c}, {t}.{c}, excluded.{c})"
_GREATER = ("CASE WHEN excluded.{c} IS NULL OR {t}.{c} >= excluded.{c}"
            " THEN coalesce({t}.{c}, excluded.{c}) ELSE excluded.{c} END")  # fmt: skip
_LESSER = _GREATER.replace(">=", "<=")
_NAME = "excluded.{c}"
COLUMNS: Mapping[str, tuple[str, str]] = {
    "gamertag": ("max(gamertag)", _NAME),
    "playlist": ("max(playlist)", _NAME),
    "map": ("max(map)", _NAME),
    "mode": ("max(mode)", _NAME),
    "lines": ("count(*)", _ADD),
    "matches": ("count(DISTINCT match_id)", _ADD),
    "wins": (_distinct("win"), _ADD),
    "losses": (_distinct("loss"), _ADD),
    "ties": (_distinct("tie"), _ADD),
    "left_early": (_distinct("left"), _ADD),
    "no_outcome": ("count(DISTINCT CASE WHEN outcome IS NULL THEN match_id END)", _ADD),
    # The archive-wide tables only, whose counts come from `PER_MATCH`.
    "mixed": ("sum(mixed)", _ADD),
    "kills": ("sum(kills)", _PLUS),
    "deaths": ("sum(deaths)", _PLUS),
    "assists": ("sum(assists)", _PLUS),
    # player_matches.accuracy has two decimals: its hundredths are exact integers. Their
    # average is per line; a career's accuracy is the shots' ratio (migration 0038).
    "accuracy_hundredths": ("sum(CAST(round(accuracy * 100) AS BIGINT))", _PLUS),
    "accuracy_lines": ("count(accuracy)", _ADD),
    "shots_fired": ("sum(shots_fired)", _PLUS),
    "shots_hit": ("sum(shots_hit)", _PLUS),
    "damage_dealt": ("sum(damage_dealt)", _PLUS),
    "damage_lines": ("count(damage_dealt)", _ADD),
    # A switcher's match once, as the average damage per match wants it.
    "damage_matches": (
        "count(DISTINCT CASE WHEN damage_dealt IS NOT NULL THEN match_id END)",
        _ADD,
    ),
    # Durations come from ISO-8601 text with at most 7 decimals (.NET ticks); a match's
    # once per player (`_TIME_ONCE`), however many lines they have in it.
    "time_played_ticks": ("sum(CAST(round(time_played_seconds * 10000000) AS BIGINT))", _PLUS),
    "peak_csr": ("max(post_match_csr)", _GREATER),
    "first_match": ("min(start_time)", _LESSER),
    "last_match": ("max(start_time)", _GREATER),
}

# How each column adds up, in `store.match_shares`' words (a replaced copy taken out).
SHARE_KINDS: Mapping[str, str] = {
    column: {_NAME: "name", _ADD: "count", _PLUS: "sum", _GREATER: "latest", _LESSER: "latest"}[
        combined
    ]
    for column, (_, combined) in COLUMNS.items()
}


def _any(condition: str) -> str:
    return f"max(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# Which lines make a match count in each count of distinct matches.
_COUNTED = {
    "matches": "true",
    "wins": "outcome = 'win'",
    "losses": "outcome = 'loss'",
    "ties": "outcome = 'tie'",
    "left_early": "outcome = 'left'",
    "no_outcome": "outcome IS NULL",
}
# Over the lines of one match, a count of distinct matches is 0 or 1 (a group has
# a line): the same number, without the temporary B-tree SQLite builds for each
# DISTINCT, which made adding a match to the totals six times slower.
ONE_MATCH: Mapping[str, str] = {
    "matches": "1",
    **{column: _any(lines) for column, lines in _COUNTED.items() if column != "matches"},
    "damage_matches": _any("damage_dealt IS NOT NULL"),
}


def _match_counts(only: str | None = None) -> dict[str, str]:
    """Return what one match adds to an archive-wide table, over its lines (one group).

    One outcome: the lines' own when they all have it, else mixed. ``only`` keeps
    the lines it holds for (the others' lines, `_share`): with none, every count is 0.
    """

    def line(term: str) -> str:
        return term if only is None else f"CASE WHEN {only} THEN {term} END"

    def counted(aggregate: str) -> str:
        return aggregate if only is None else f"coalesce({aggregate}, 0)"

    outcome = line("coalesce(outcome, '')")
    return {
        "matches": "1" if only is None else _any(only),
        **{
            column: counted(f"min({line(f'CASE WHEN {lines} THEN 1 ELSE 0 END')})")
            for column, lines in _COUNTED.items()
            if column != "matches"
        },
        # NULL (no line) differs from nothing: 0.
        "mixed": f"CASE WHEN max({outcome}) <> min({outcome}) THEN 1 ELSE 0 END",
    }


PER_MATCH: Mapping[str, str] = _match_counts()


@dataclass(frozen=True, slots=True)
class Totals:
    """One totals table: its key (part of every line) and what it adds up per key."""

    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    # Counted match by match over every player's lines (`PER_MATCH`): the archive-wide ones.
    per_match: bool = False

    @functools.cache  # noqa: B019 (the tables are module constants: nothing to free)
    def select(self, where: str, picked: bool = False, one_match: bool = False) -> str:
        """SELECT the rows the lines ``where`` picks add up to (``picked``: only keys given).

        ``one_match``: ``where`` picks the lines of one match only, and the counts
        of distinct matches take their cheaper `ONE_MATCH` forms.
        """
        key = ", ".join(self.key)
        # A key is picked once the lines have their scope and ids.
        having = " WHERE " + " AND ".join(f"{c} = ?" for c in self.key) if picked else ""
        lines = f"({_SOURCE.format(where=where)}) AS l{having}"
        if self.per_match:
            # Every line of a match has the match's key: its share first, then the sums.
            values = ", ".join(f"{PER_MATCH.get(c) or COLUMNS[c][0]} AS {c}" for c in self.columns)
            if one_match:
                return f"SELECT {key}, {values} FROM {lines} GROUP BY {key}"
            added = ", ".join(f"sum({c})" if c in PER_MATCH else f"max({c})" for c in self.columns)
            return (
                f"SELECT {key}, {added} FROM (SELECT {key}, match_id, {values} FROM {lines}"
                f" GROUP BY {key}, match_id) AS m GROUP BY {key}"
            )
        forms = ONE_MATCH if one_match else {}
        values = ", ".join(forms.get(c) or COLUMNS[c][0] for c in self.columns)
        return f"SELECT {key}, {values} FROM {lines} GROUP BY {key}"

    @functools.cache  # noqa: B019 (the tables are module constants: nothing to free)
    def insert(self, where: str, picked: bool = False, one_match: bool = False) -> str:
        """INSERT the rows the lines ``where`` picks add up to (``picked``: only keys given)."""
        columns = ", ".join(self.key + self.columns)
        return f"INSERT INTO {self.table} ({columns}) {self.select(where, picked, one_match)}"

    @functools.cache  # noqa: B019 (the tables are module constants: nothing to free)
    def add_match(self) -> str:
        """INSERT what the lines of one match (its id the parameter) add to the totals there."""
        return self.add("pm.match_id = ?", one_match=True)

    @functools.cache  # noqa: B019 (the tables are module constants: nothing to free)
    def add(self, where: str, one_match: bool = False) -> str:
        """INSERT what the lines ``where`` picks add to the totals there (no match counted yet)."""
        updates = ", ".join(
            f"{c} = " + COLUMNS[c][1].format(t=self.table, c=c) for c in self.columns
        )
        return (
            f"{self.insert(where, one_match=one_match)}"
            f" ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {updates}"
        )


_PLAYLIST = ("playlist_asset_id", "playlist_version_id")
_OUTCOMES = ("matches", "wins", "losses", "ties", "left_early")
PLAYER_TOTALS = Totals(
    "player_totals",
    ("player_id", "scope", *_IDS),
    ("gamertag", "playlist", "map", "mode", "lines", *_OUTCOMES, "kills", "deaths", "assists",
     "accuracy_hundredths", "accuracy_lines", "damage_dealt", "damage_lines",
     "time_played_ticks", "peak_csr", "first_match", "last_match", "shots_fired", "shots_hit",
     "damage_matches"),
)  # fmt: skip
PLAYER_DAY_TOTALS = Totals(
    "player_day_totals",
    ("player_id", "scope", *_PLAYLIST, "day"),
    ("gamertag", "playlist", *_OUTCOMES, "no_outcome", "kills", "deaths"),
)
ARCHIVE_MAP_TOTALS = Totals(
    "archive_map_totals",
    ("scope", *_PLAYLIST, "map_asset_id", "map_version_id"),
    ("playlist", "map", "matches", "wins"),
    per_match=True,
)
ARCHIVE_DAY_TOTALS = Totals(
    "archive_day_totals",
    ("scope", *_PLAYLIST, "day"),
    ("playlist", *_OUTCOMES, "no_outcome", "mixed"),
    per_match=True,
)
# What a player's whole career, or its maps or modes, add up to: a clan's canned queries with
# nobody picked read a few thousand of these, not 64,000 rows of player_totals to add up.
_SHOWN = ("kills", "deaths", "accuracy_hundredths", "accuracy_lines", "shots_fired", "shots_hit")
PLAYER_PLAYLIST_TOTALS = Totals(
    "player_playlist_totals",
    ("player_id", "scope", *_PLAYLIST),
    ("gamertag", "playlist", *_OUTCOMES, "kills", "deaths", "assists", "accuracy_hundredths",
     "accuracy_lines", "damage_dealt", "damage_lines", "time_played_ticks", "peak_csr",
     "first_match", "last_match", "shots_fired", "shots_hit", "damage_matches"),
)  # fmt: skip
PLAYER_MAP_TOTALS = Totals(
    "player_map_totals",
    ("player_id", "scope", "map_asset_id", "map_version_id"),
    ("gamertag", "map", "matches", "wins", *_SHOWN),
)
PLAYER_MODE_TOTALS = Totals(
    "player_mode_totals",
    ("player_id", "scope", "game_variant_asset_id", "game_variant_version_id"),
    ("gamertag", "mode", "matches", "wins", *_SHOWN),
)
_PER_PLAYER = (
    PLAYER_TOTALS,
    PLAYER_DAY_TOTALS,
    PLAYER_PLAYLIST_TOTALS,
    PLAYER_MAP_TOTALS,
    PLAYER_MODE_TOTALS,
)
TOTALS = (*_PER_PLAYER, ARCHIVE_MAP_TOTALS, ARCHIVE_DAY_TOTALS)
TABLES = tuple(totals.table for totals in TOTALS)
# The tables that keep a peak CSR (`refresh_peaks`).
_PEAKED = tuple(totals for totals in TOTALS if "peak_csr" in totals.columns)
_ARCHIVE = (ARCHIVE_MAP_TOTALS, ARCHIVE_DAY_TOTALS)
# Where each kind of asset's name lands, per table.
_ASSET_COLUMNS = {"map": "map", "game_variant": "mode", "playlist": "playlist"}

Keys = frozenset[tuple[str, tuple[Any, ...]]]


def add_match(connection: Unit, match_id: str) -> None:
    """Add a match's lines, just written to ``player_matches``, to every totals table."""
    # A match no tracked player played (a bench's, a test's) has no line to add.
    if not query(connection, "SELECT 1 FROM player_matches WHERE match_id = ?", (match_id,)):
        return
    for totals in TOTALS:
        execute(connection, totals.add_match(), (match_id,))


def add_lines(connection: Unit, where: str) -> None:
    """Add the lines ``where`` picks, of matches no total counts yet, to every totals table."""
    for totals in TOTALS:
        execute(connection, totals.add(where))


def keys(connection: Unit, match_id: str, tables: Iterable[Totals]) -> Keys:
    """Return the (table, key) of every row of ``tables`` the lines of ``match_id`` count in."""
    found = set()
    for totals in tables:
        where = "pm.match_id = ?"
        select = (
            f"SELECT DISTINCT {', '.join(totals.key)} FROM ({_SOURCE.format(where=where)}) AS l"
        )
        for key in query(connection, select, (match_id,)):
            found.add((totals.table, tuple(key)))
    return frozenset(found)


def recompute(connection: Unit, touched: Keys) -> None:
    """Compute the rows of ``touched`` again from every line (a match's lines changed)."""
    for totals in TOTALS:
        picked = sorted(key for table, key in touched if table == totals.table)
        where = " AND ".join(f"{c} = ?" for c in totals.key)
        execute(connection, f"DELETE FROM {totals.table} WHERE {where}", picked)
        execute(connection, totals.insert("true", picked=True), picked)


def peaks_of(connection: Unit, match_id: str) -> dict[str, Any]:
    """Return, per player with a line in ``match_id``, the best CSR of their lines."""
    rows = query(
        connection,
        "SELECT player_id, max(post_match_csr) FROM player_matches WHERE match_id = ?"
        " GROUP BY player_id",
        (match_id,),
    )
    return {player: peak for player, peak in rows}


def refresh_peaks(connection: Unit, match_id: str, before: Mapping[str, Any]) -> None:
    """Bring ``peak_csr`` up to date after a match's lines got their skill (their CSR).

    ``before`` is what `peaks_of` said before. Only the CSR changed (skill
    writes nothing else the totals read), so a peak that rose is raised in
    place; a peak that may have fallen is computed again from every line.
    """
    after = peaks_of(connection, match_id)
    moved = {player for player, peak in after.items() if peak != before.get(player)}
    if not moved:
        return
    raise_peak = {
        totals.table: f"UPDATE {totals.table} SET peak_csr = CASE WHEN peak_csr >= ? THEN peak_csr"
        f" ELSE ? END WHERE {' AND '.join(f'{c} = ?' for c in totals.key)}"
        for totals in _PEAKED
    }
    fallen: set[tuple[str, tuple[Any, ...]]] = set()
    for table, key in keys(connection, match_id, _PEAKED):
        player = key[0]
        if player not in moved:
            continue
        was, now = before.get(player), after[player]
        if was is not None and (now is None or now < was):
            fallen.add((table, key))
        else:
            execute(connection, raise_peak[table], (now, now, *key))
    if fallen:
        recompute(connection, frozenset(fallen))


@functools.cache
def _share(totals: Totals, sign: str) -> str:
    """INSERT, ``sign`` ``+`` or ``-``, a player's (``?1``) share of an archive-wide table.

    A shared match counts once, so a player's share of a count is, match by
    match of theirs, what it counts with every line less what it counts with the
    others' lines alone (`PER_MATCH`): a match another line counts already adds
    nothing to ``matches``, and a win of everyone's with a loss of theirs is a
    mixed match, a win less. Each match is read once, with its lines (the
    player's matches found by index): what the player brings, whatever the
    archive holds besides. Names are every line's alike.
    """
    key = ", ".join(totals.key)
    alone = _match_counts("player_id <> ?1")
    per_match, shares = [], []
    for c in totals.columns:
        if c in PER_MATCH:
            per_match.append(f"{PER_MATCH[c]} - {alone[c]} AS {c}")
            shares.append(f"{sign}sum({c})")
        else:
            per_match.append(f"max({c}) AS {c}")
            shares.append(f"max({c})")
    # A share may move a match from one count to another (a win to mixed): any change.
    changed = " OR ".join(f"sum({c}) <> 0" for c in totals.columns if c in PER_MATCH)
    updates = ", ".join(
        f"{c} = " + COLUMNS[c][1].format(t=totals.table, c=c) for c in totals.columns
    )
    theirs = "pm.match_id IN (SELECT match_id FROM player_matches WHERE player_id = ?1)"
    return (
        f"INSERT INTO {totals.table} ({', '.join(totals.key + totals.columns)})"
        f" SELECT {key}, {', '.join(shares)} FROM (SELECT {key}, {', '.join(per_match)}"
        f" FROM ({_SOURCE.format(where=theirs)}) AS l GROUP BY {key}, match_id) AS per_match"
        f" GROUP BY {key} HAVING {changed} ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def add_player(connection: Unit, player_id: str) -> None:
    """Count a newly tracked player's lines, just written (their matches may be counted already).

    The archive-wide tables get the player's share alone (`_share`): a match
    another tracked player's lines count is not counted again, and nothing else
    is read: tracking a clan's member costs what their matches hold, not what
    the whole archive does (it added every tracked player's lines up again).
    """
    for totals in _PER_PLAYER:
        execute(connection, f"DELETE FROM {totals.table} WHERE player_id = ?", (player_id,))
        execute(connection, totals.insert("pm.player_id = ?"), (player_id,))
    for totals in _ARCHIVE:
        execute(connection, _share(totals, "+"), (player_id,))


def remove_player(connection: Unit, player_id: str) -> None:
    """Take a player's lines, about to be deleted, out of every totals table (``untrack``).

    What only their lines counted goes (a key left with no match goes too);
    what others' lines count as well stays.
    """
    for totals in _PER_PLAYER:
        execute(connection, f"DELETE FROM {totals.table} WHERE player_id = ?", (player_id,))
    for totals in _ARCHIVE:
        execute(connection, _share(totals, "-"), (player_id,))
        # A key whose every match was theirs alone: a rebuild has no row for it.
        execute(connection, f"DELETE FROM {totals.table} WHERE matches = 0")


def rebuild(connection: Unit) -> None:
    """Compute every totals table again from ``player_matches`` (``reparse``)."""
    for totals in TOTALS:
        execute(connection, f"DELETE FROM {totals.table}")
        execute(connection, totals.insert("true"))


def rename_assets(connection: Unit, assets: Iterable[Mapping[str, Any]]) -> None:
    """Give the totals the names of map, mode and playlist versions just looked up."""
    for asset in assets:
        column = _ASSET_COLUMNS.get(asset.get("asset_kind") or "")
        if column is None:
            continue
        kind = asset["asset_kind"]
        name = asset.get("public_name")
        for totals in TOTALS:
            if column in totals.columns:
                execute(
                    connection,
                    f"UPDATE {totals.table} SET {column} = ? WHERE {kind}_asset_id = ?"
                    f" AND {kind}_version_id = ? AND {column} IS DISTINCT FROM ?",
                    (name, asset["asset_id"], asset["version_id"], name),
                )


# The per-player tables that name the player (``player_tables.rename_players``).
GAMERTAG_TABLES = tuple(t.table for t in _PER_PLAYER)
