"""Copying an archive into another, SQLite or PostgreSQL in either direction (``copy``).

The destination is migrated to head first (one from a newer grunt-archive is
refused), then every table is copied parents first, a batch of rows per unit of
work, each row written only where the destination lacks its key: a second copy
adds nothing, and a copy cut short is finished by running it again. The
source is read in one transaction (a consistent snapshot) and never written.

Rows are keyed on their primary keys, but for the two tables numbered by the
archive (``raw_responses``, ``sync_runs``), whose ids mean nothing elsewhere:
their rows are matched on what they hold (kind, key, fetch time and path; start
time and players), keep their ids when the destination's table is empty (a
fresh copy is the same archive), and are numbered by the destination otherwise.
The viewer's derived tables are not copied: what the copy brought is added
to the destination's (`store.copied`), so they stay exact when a copy joins
archives, at the cost of what it brought.

With players, only their slice is copied: the matches they played and every
row of those matches, the players, assets, medals and seasons those rows name,
the players' own rows (tracked state, pending matches, service records, CSR),
the lookups of their matches left pending (skill, films),
the pending matches their stored history pages list (another player's walk, or a
reparse, may have left them pending under another name or none: the players'
reach covers them, so a sync of the slice would never walk to them again),
and every raw document those rows were built from (`SLICE_DOCUMENTS`), so that
``reparse`` on the slice rebuilds it row for row. The medal metadata and the
season calendars name every medal and season, so a slice carries them whole,
with every medal and season they name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, String, Table, bindparam, text

from grunt_archive.db import archive, open_archive, require_current
from grunt_archive.documents import (
    ASSET,
    ASSET_STATS,
    DERIVED_TABLES,
    FILM_CHUNK,
    FILM_MANIFEST,
    HISTORY_PAGE,
    MATCH_SKILL,
    MATCH_STATS,
    MEDAL_METADATA,
    PLAYLIST_CSR,
    PROFILE_USERS,
    SEASON_CALENDAR,
    SERVICE_RECORD,
    DocumentKind,
)
from grunt_archive.errors import ArchiveError, MalformedResponseError, UsageError
from grunt_archive.files import same_file
from grunt_archive.jsonsafe import loads
from grunt_archive.location import Location, archive_name, is_server, redact
from grunt_archive.models import metadata
from grunt_archive.normalize.history import history_entries
from grunt_archive.progress import Notes
from grunt_archive.rawbody import decode
from grunt_archive.store import Store, copied, open_store, unfinished
from grunt_archive.store.matches import recompute_from_rows
from grunt_archive.store.session import Unit
from grunt_archive.store.state import (
    NAMED_PLAYERS,
    RELEASE_ARCHIVED,
    TRACKED_GAMERTAGS,
    close_dead_runs,
    first_named,
)
from grunt_archive.store.writer import (
    IGNORE,
    Conflict,
    execute,
    merge,
    query,
    reset_ids,
    write_rows,
)
from grunt_archive.upgrading import Notify
from grunt_archive.wording import quoted

BATCH = 1000
# The tables the archive numbers itself, and the columns that say which row is which.
NUMBERED = {
    "raw_responses": ("kind", "key", "fetched_at", "path"),
    "sync_runs": ("started_at", "players"),
}
_SLICE_MATCHES = "SELECT match_id FROM match_players WHERE player_id IN :players"
# Parents a slice copies because its rows name them (their own rows select none).
_NAMED_ONLY = ("players", "assets", "medals", "seasons")
# Which raw documents of each kind a slice carries: those of its matches (keyed by the
# match id), of its assets, of its players (keyed by the player first), all (a document
# about the whole game), or none (history pages and profile answers build no row reparse
# rebuilds; popularity snapshots are no player's). Every kind is here (tests/test_copy.py).
SLICE_DOCUMENTS: dict[str, tuple[DocumentKind, ...]] = {
    "of_match": (MATCH_STATS, MATCH_SKILL, FILM_MANIFEST, FILM_CHUNK),
    "of_asset": (ASSET,),
    "of_player": (SERVICE_RECORD, PLAYLIST_CSR),
    "whole_game": (MEDAL_METADATA, SEASON_CALENDAR),
    "none": (HISTORY_PAGE, PROFILE_USERS, ASSET_STATS),
}
# The tables those whole-game documents write: a slice holds every row they name.
_WHOLE_GAME = {"medals", "seasons"}


class Progress(Notes, Protocol):
    """What a copy tells a progress display (`progress.TerminalProgress`).

    Its `note` says what a long migration of the destination does (``run_copy``).
    """

    def start(self, player: str, total: int | None) -> None:
        """Begin, expecting ``total`` rows."""

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more rows read."""

    def finish(self) -> None:
        """End."""


@dataclass(slots=True)
class CopyReport:
    """What a copy did; ``to_json()`` is the ``--json`` summary."""

    source: str
    destination: str
    players: list[str] = field(default_factory=list)
    rows_read: int = 0
    added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_added(self) -> int:
        """Return how many rows the destination gained, derived tables left out."""
        return sum(self.added.values())

    def to_json(self) -> dict[str, object]:
        """Return the summary as a JSON-ready dict (the archives named without passwords)."""
        return {
            "source": self.source,
            "destination": self.destination,
            "players": self.players,
            "rows_read": self.rows_read,
            "rows_added": self.rows_added,
            "added": {table: n for table, n in self.added.items() if n},
            "seconds": round(self.seconds, 3),
        }


def copied_tables() -> list[Table]:
    """Return the tables a copy writes, parents first (the derived tables are computed)."""
    return [
        table
        for table in metadata.sorted_tables
        if table.name not in DERIVED_TABLES and table.name != unfinished.UNFINISHED
    ]


def copy_archive(
    source: Location,
    destination: Location,
    players: tuple[str, ...] = (),
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> CopyReport:
    """Copy the archive at ``source`` (or the slice of ``players``) into ``destination``.

    ``notify`` is told what a long migration of the destination does (`upgrading`).

    Raises:
        UsageError: the two are one archive, or a player in ``players`` is
            not one of the source's.
        ArchiveError: either cannot be opened; the destination is not an
            archive, or a newer grunt-archive's.

    """
    if _same(source, destination):
        raise UsageError(f"copy: {archive_name(source)} is the archive --db names already")
    began = time.monotonic()
    report = CopyReport(archive_name(source), archive_name(destination), list(players))
    with ExitStack() as stack, _source_errors(source):
        # Never migrated here: a copy writes nothing to its source (a sync may be writing it).
        source_engine = stack.enter_context(archive(source, upgrade=False, create=False))
        require_current(source_engine, report.source)
        reader = stack.enter_context(source_engine.connect())
        if is_server(source):  # one snapshot of the whole source
            reader = reader.execution_options(isolation_level="REPEATABLE READ")
        stack.enter_context(reader.begin())
        # Before the destination is created: a player the source lacks leaves no file behind.
        players = _player_ids(reader, players)
        report.players = list(players)
        params = _slice_params(reader, players)
        target_engine = open_archive(destination, notify=notify)
        stack.callback(target_engine.dispose)
        store = stack.enter_context(open_store(target_engine))
        matches = _match_ids(reader, players, params)
        with store.unit() as connection:  # counted before the copy adds documents
            # Before its first write: another copy into it is refused (`store.unfinished`).
            unfinished.hold_writing(connection, report.destination)
            close_dead_runs(connection)
            held = copied.held(connection, matches)
            names = copied.names(connection)
            # Held until its last write (or the copy stops): `store.unfinished`.
            mark = stack.enter_context(unfinished.begin(connection))
        plan = [(table, _condition(table, players)) for table in copied_tables()]
        plan = [(table, where) for table, where in plan if where is not None]
        total = sum(_count(reader, table, where, params) for table, where in plan)
        if progress is not None:
            progress.start(f"{report.source} → {report.destination}", total)
        for table, where in plan:
            report.added[table.name] = _copy_table(reader, store, table, where, params, progress)
            report.rows_read += _count(reader, table, where, params)
        if progress is not None:
            progress.finish()
        # Even when nothing was added: a copy cut short may have added rows, not counted yet.
        with store.unit() as connection:
            # A match one archive held pending and the other archived is archived now.
            execute(connection, RELEASE_ARCHIVED)
            # A match the destination held may have gained the source's players or teams:
            # each of the copy's matches is decided (and counted) again from its rows now.
            recompute_from_rows(connection, matches)
            copied.update(connection, matches, held, report.added, mark)
            copied.rename(connection, names)
            unfinished.let_go_writing(connection)
    report.seconds = time.monotonic() - began
    return report


@contextmanager
def _source_errors(source: Location) -> Iterator[None]:
    """Raise a read of the source that fails (a corrupt page, a lost server) as `ArchiveError`.

    The destination's writes raise the project's errors themselves (`writer`), so a
    driver's error that reaches here is the source's.
    """
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as error:
        reason = " ".join(redact(str(error.orig), str(source)).split())
        raise ArchiveError(f"cannot read {archive_name(source)}: {reason}") from None


def _player_ids(reader: Connection, players: tuple[str, ...]) -> tuple[str, ...]:
    """Return the ids of ``players`` (xuids or gamertags of the source's players).

    A gamertag is found in any case and script, the tracked player of that name
    first (as ``untrack`` and ``verify`` find them), then any player of the source.
    """
    from grunt_archive.players import parse_player

    ids = []
    for text_ in players:
        ref = parse_player(text_)
        if ref.player_id is not None:
            found = reader.execute(
                text("SELECT player_id FROM players WHERE player_id = :player_id"),
                {"player_id": ref.player_id},
            ).scalar()
            missing = f"copy: the source has no player {ref.player_id}"
        else:
            gamertag = ref.gamertag or ""
            # Named in Python: SQLite's lower() folds ASCII only.
            found = first_named(reader.execute(text(TRACKED_GAMERTAGS)), gamertag)
            found = found or first_named(reader.execute(text(NAMED_PLAYERS)), gamertag)
            missing = f"copy: no player of the source has the gamertag {quoted(ref.gamertag)}"
        if found is None:
            raise UsageError(missing)
        ids.append(found)
    return tuple(dict.fromkeys(ids))


def _match_ids(reader: Connection, players: tuple[str, ...], params: dict[str, Any]) -> list[str]:
    """Return the ids of the matches the copy reads (all, or the players' slice)."""
    where = _condition(metadata.tables["matches"], players)
    sql = f"SELECT match_id FROM matches WHERE {where} ORDER BY match_id"
    return [match_id for (match_id,) in reader.execute(_statement(sql, params))]


def _same(source: Location, destination: Location) -> bool:
    if is_server(source) or is_server(destination):
        return archive_name(source) == archive_name(destination)
    from pathlib import Path

    return same_file(Path(source), Path(destination))


def _condition(table: Table, players: tuple[str, ...]) -> str | None:
    """Return the WHERE condition of the rows of ``table`` a copy takes (None: none of them)."""
    if not players:
        return "1 = 1"
    columns = set(table.columns.keys())
    if table.name == "raw_responses":
        return (f"(kind IN ({_kinds('of_match')}) AND key IN ({_SLICE_MATCHES}))"
                f" OR (kind IN ({_kinds('of_asset', 'of_player')}) AND key IN :raw_keys)"
                f" OR kind IN ({_kinds('whole_game')})")  # fmt: skip
    if table.name not in _NAMED_ONLY:
        if table.name == "pending_matches":
            return "player_id IN :players OR match_id IN :listed_pending"
        if table.name == "pending_enrichment":  # a failed film is retried from here only
            return f"kind IN ({_kinds('of_match')}) AND key IN ({_SLICE_MATCHES})"
        if "match_id" in columns:
            return f"match_id IN ({_SLICE_MATCHES})"
        return "player_id IN :players" if "player_id" in columns else None
    named = [f"({', '.join(parent)}) IN (SELECT {', '.join(child)} FROM {child_table}"
             f" WHERE {where})"
             for child_table, child, parent in _references_to(table)
             for where in [_condition(child_table, players)] if where is not None]  # fmt: skip
    if table.name == "players":
        named.append("player_id IN :players")
    if table.name in _WHOLE_GAME:  # what the slice's medal metadata and calendars name
        named.append("name IS NOT NULL")
    return " OR ".join(named) if named else None


def _kinds(*groups: str) -> str:
    """Return the ``raw_responses.kind`` names of ``SLICE_DOCUMENTS`` groups, as SQL literals."""
    return ", ".join(f"'{kind.name}'" for group in groups for kind in SLICE_DOCUMENTS[group])


def _slice_params(reader: Connection, players: tuple[str, ...]) -> dict[str, list[str]]:
    """Return the bound lists of a slice's conditions: its players, raw keys, pending matches.

    The raw keys are those of the documents of its assets and of its players
    (``SLICE_DOCUMENTS``), built and read by the registry's key formats; the
    pending matches those pending under another player or none that the players'
    stored history pages list.
    """
    if not players:
        return {}
    assets = _condition(metadata.tables["assets"], players)
    sql = f"SELECT asset_kind, asset_id, version_id FROM assets WHERE {assets}"
    keys = [ASSET.key_of(*row) for row in reader.execute(_statement(sql, {"players": players}))]
    for kind in SLICE_DOCUMENTS["of_player"]:
        found = reader.execute(text("SELECT key FROM raw_responses WHERE kind = :kind"),
                               {"kind": kind.name})  # fmt: skip
        keys += [key for (key,) in found if kind.key.parse(key)[0] in players]
    listed = _pending_in_histories(reader, players)
    return {"players": list(players), "raw_keys": keys, "listed_pending": listed}


def _pending_in_histories(reader: Connection, players: tuple[str, ...]) -> list[str]:
    """Return the matches pending under no player of ``players`` that their history pages list.

    A match two tracked players share is pending under the one whose walk met it
    first, and one a reparse could not rebuild under nobody.
    """
    pending = "SELECT match_id, player_id FROM pending_matches"
    others = [match for match, player in reader.execute(text(pending)) if player not in players]
    if not others:
        return []
    listed: set[str] = set()
    pages = "SELECT key, body, encoding FROM raw_responses WHERE kind = :kind"
    for key, body, encoding in reader.execute(text(pages), {"kind": HISTORY_PAGE.name}):
        if HISTORY_PAGE.key.parse(key)[0] not in players:
            continue
        try:
            entries = history_entries(loads(decode(body, encoding)))
        except (MalformedResponseError, ValueError, UnicodeDecodeError, TypeError):
            continue  # a page that no longer reads lists nothing
        listed.update(entry.match_id for entry in entries)
    return [match for match in others if match in listed]


def _references_to(parent: Table) -> Iterator[tuple[Table, list[str], list[str]]]:
    """Yield (child table, its columns, the parent's columns) of each foreign key to ``parent``."""
    for table in copied_tables():
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table is parent:
                child = [element.parent.name for element in constraint.elements]
                referred = [element.column.name for element in constraint.elements]
                yield table, child, referred


def _statement(sql: str, params: dict[str, Any]) -> Any:
    statement = text(sql)
    for name, values in params.items():
        if f":{name}" in sql:
            # Typed: PostgreSQL takes an empty list of no type for integers, beside text.
            statement = statement.bindparams(
                bindparam(name, list(values), type_=String(), expanding=True)
            )
    return statement


def _count(reader: Connection, table: Table, where: str, params: dict[str, Any]) -> int:
    sql = f"SELECT count(*) FROM {table.name} WHERE {where}"
    return int(reader.execute(_statement(sql, params)).scalar_one())


# A row the destination has already is kept as it is, but for one decision of the user's:
# a match given up on in the source (`store.pending`) is given up on in the destination
# too, whichever way the copy goes; a give-up the destination holds stays.
_KEPT_FIRST = (
    "CASE WHEN pending_matches.given_up_at IS NULL THEN excluded.{0} ELSE pending_matches.{0} END"
)
# And the names lookups fill in after a match is stored: a source copied while its sync
# was still looking them up lacks them, and a later copy brings them. What the destination
# has stays, but a gamertag the source looked up since, and an asset it looked up.
_NEWER_GAMERTAG = (
    "CASE WHEN excluded.gamertag IS NOT NULL AND (players.gamertag IS NULL"
    " OR excluded.gamertag_updated_at > players.gamertag_updated_at)"
    " THEN excluded.{0} ELSE players.{0} END"
)
_LOOKED_UP = (
    "CASE WHEN assets.fetched_at IS NULL AND excluded.fetched_at IS NOT NULL"
    " THEN excluded.{0} ELSE assets.{0} END"
)


def _filled(table: str, expression: str) -> Conflict:
    """Return the policy that sets each column but the key to ``expression`` (of the column)."""
    key = tuple(column.name for column in metadata.tables[table].primary_key)
    columns = [c.name for c in metadata.tables[table].columns if c.name not in key]
    return merge(key, **{column: expression.format(column) for column in columns})


CONFLICTS = {
    "pending_matches": merge(
        ("match_id",),
        given_up_at=_KEPT_FIRST.format("given_up_at"),
        given_up_reason=_KEPT_FIRST.format("given_up_reason"),
    ),
    "players": merge(
        ("player_id",),
        gamertag=_NEWER_GAMERTAG.format("gamertag"),
        gamertag_updated_at=_NEWER_GAMERTAG.format("gamertag_updated_at"),
    ),
    "assets": _filled("assets", _LOOKED_UP),
    "medals": _filled("medals", "COALESCE(medals.{0}, excluded.{0})"),
    "seasons": _filled("seasons", "COALESCE(seasons.{0}, excluded.{0})"),
}


def _copy_table(
    reader: Connection,
    store: Store,
    table: Table,
    where: str,
    params: dict[str, Any],
    progress: Progress | None,
) -> int:
    """Copy the rows of ``table`` the condition selects; return how many the destination gained."""
    names = list(table.columns.keys())
    natural = NUMBERED.get(table.name)
    with store.unit() as connection:
        before = query(connection, f"SELECT count(*) FROM {table.name}")[0][0]
        seen = _natural_keys(connection, table.name, natural) if natural and before else None
    order = " ORDER BY id" if natural else ""
    sql = f"SELECT {', '.join(names)} FROM {table.name} WHERE {where}{order}"
    result = reader.execution_options(stream_results=True, yield_per=BATCH).execute(
        _statement(sql, params)
    )
    for batch in result.partitions(BATCH):
        rows = [_row(table.name, names, values) for values in batch]
        if seen is not None:  # rows the destination numbers itself, unless it has them
            rows = [{k: v for k, v in row.items() if k != "id"} for row in rows
                    if tuple(row[c] for c in natural or ()) not in seen]  # fmt: skip
        with store.unit() as connection:
            conflict = CONFLICTS.get(table.name, IGNORE)
            write_rows(connection, table.name, rows, conflict, what=f"{table.name} rows")
        if progress is not None:
            progress.advance(len(batch))
    with store.unit() as connection:
        if natural and seen is None:
            reset_ids(connection, table.name)
        after = query(connection, f"SELECT count(*) FROM {table.name}")[0][0]
    return int(after - before)


def _natural_keys(connection: Unit, table: str, columns: tuple[str, ...]) -> set[tuple]:
    found = query(connection, f"SELECT {', '.join(columns)} FROM {table}")
    return {tuple(row) for row in found}


def _row(table: str, names: list[str], values: Any) -> dict[str, Any]:
    row = dict(zip(names, values, strict=True))
    if table == "raw_responses" and isinstance(row["body"], str):
        # A text body SQLite kept as sent (before revision 0012): PostgreSQL's BYTEA takes bytes.
        row["body"] = row["body"].encode()
    if table == "sync_runs" and row["outcome"] == "running":
        # Dead or still going in the source, it never finishes here; what it saved is
        # not for this archive to count (`state.close_dead_runs` would count the copy).
        row["outcome"], row["matches_added"] = "interrupted", None
    return row
