"""Writing documents into the archive: one transaction per match, upserts on natural keys.

This module knows SQL and nothing of HTTP. A match is written whole or not at
all: its raw document, every normalized row, the removal of any stale rows
from an earlier copy, and its release from ``pending_matches`` share one
transaction. Columns and tables the schema lacks are recorded in
``api_drift`` instead of breaking the write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, RootTransaction, Transaction
from sqlalchemy.exc import DBAPIError, IntegrityError

from grunt_archive import career
from grunt_archive.errors import MalformedResponseError
from grunt_archive.models import metadata
from grunt_archive.normalize import match_rows
from grunt_archive.normalize.assets import ASSET_KINDS
from grunt_archive.normalize.values import now_utc

MATCH_STATS = "match_stats"
MATCH_HISTORY = "match_history"

_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A response body as received, with what it is and where it came from."""

    kind: str
    key: str
    path: str
    fetched_at: str
    body: str

    @classmethod
    def of(cls, kind: str, key: str, fetched: Fetched) -> RawDocument:
        """Return the record of a fetched document (the API client's ``Document``)."""
        return cls(kind, key, fetched.path, fetched.fetched_at, fetched.body)


class Fetched(Protocol):
    """A response as the API client hands it over: where from, when, and the body."""

    path: str
    fetched_at: str
    body: str


def _columns() -> dict[str, frozenset[str]]:
    return {name: frozenset(table.columns.keys()) for name, table in metadata.tables.items()}


COLUMNS = _columns()
# Every table a match's rows land in, other than `matches` and `players` themselves.
# (`match_skill` is written from its own document, so re-saving a match keeps it;
# the career tables are derived, see grunt_archive.career.)
MATCH_CHILD_TABLES = tuple(
    sorted(
        name
        for name, columns in COLUMNS.items()
        if "match_id" in columns
        and name not in {"matches", "pending_matches", "api_drift", "match_skill", *career.TABLES}
    )
)
_insert_sql: dict[tuple[str, tuple[str, ...]], str] = {}


def _cursor(connection: Connection) -> sqlite3.Cursor:
    """Return a DBAPI cursor inside the transaction ``connection`` holds.

    A match is a dozen small statements, and SQLAlchemy's bookkeeping around
    each costs more than SQLite's own work: they go to the driver directly.
    Use it under `_sqlalchemy_errors`.
    """
    return connection.connection.cursor()


@contextmanager
def _sqlalchemy_errors() -> Iterator[None]:
    """Raise SQLite's errors as SQLAlchemy's, as ``exec_driver_sql`` does (callers catch those)."""
    try:
        yield
    except sqlite3.Error as error:
        raise DBAPIError.instance(None, None, error, sqlite3.Error) from error


def transaction(connection: Connection) -> AbstractContextManager[Transaction | RootTransaction]:
    """Begin a transaction, or a savepoint inside the caller's: all or nothing either way."""
    return connection.begin_nested() if connection.in_transaction() else connection.begin()


@contextmanager
def _savepoint(connection: Connection) -> Iterator[None]:
    """Make the block all or nothing inside the caller's transaction.

    What ``begin_nested`` does, on the driver: SQLAlchemy compiles both of its
    statements afresh for every match.
    """
    cursor = _cursor(connection)
    with _sqlalchemy_errors():
        cursor.execute("SAVEPOINT save_match")
    try:
        yield
    except BaseException:
        # SQLite may have rolled the whole transaction back already (a full disk): then
        # there is no savepoint left, and the error that got us here is the one to report.
        with suppress(sqlite3.Error):
            cursor.execute("ROLLBACK TO save_match")
            cursor.execute("RELEASE save_match")
        raise
    with _sqlalchemy_errors():
        cursor.execute("RELEASE save_match")


# Rows to insert: table → column names → one tuple of values per row.
Groups = dict[str, dict[tuple[str, ...], list[tuple[Any, ...]]]]


def _group(groups: Groups, table: str, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Add ``rows`` to ``groups`` by their key sets; return the unknown (table, field) pairs."""
    known = COLUMNS.get(table)
    if known is None:
        fields = sorted({field for row in rows for field in row})
        return [(table, "*")] + [(table, field) for field in fields]
    drift: list[tuple[str, str]] = []
    by_columns = groups.setdefault(table, {})
    for row in rows:
        columns = tuple(row)
        if known.issuperset(columns):
            values = tuple(row.values())
        else:
            drift.extend((table, field) for field in columns if field not in known)
            columns = tuple(field for field in columns if field in known)
            values = tuple(row[field] for field in columns)
        # The set test is the fast way for plain JSON values; the loop decides the rest.
        if not _SCALAR_TYPES.issuperset(map(type, values)):
            for value in values:
                if not isinstance(value, _SCALARS):
                    raise MalformedResponseError(f"{table} got a {type(value).__name__} value")
        by_columns.setdefault(columns, []).append(values)
    return drift


# Where the archive's rows name a medal or a season (the foreign keys into `medals`
# and `seasons`); a match's asset references are the `<kind>_asset_id` pairs of `matches`.
_MEDAL_TABLES = ("medal_awards", "service_record_medals")
_SEASON_TABLES = ("matches", "service_record_snapshots")


def references(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Return the ``assets``, ``medals`` and ``seasons`` rows that ``rows`` refer to.

    Written only where missing (`write_references`): a row with no
    ``fetched_at`` (an asset) or no ``name`` (a medal, a season) is a reference
    enrichment has not looked up yet.
    """
    assets = [
        {"asset_id": row[f"{kind}_asset_id"], "version_id": row[f"{kind}_version_id"],
         "asset_kind": kind}
        for row in rows.get("matches", [])
        for kind in ASSET_KINDS
        if row.get(f"{kind}_asset_id") is not None and row.get(f"{kind}_version_id") is not None
    ]  # fmt: skip
    medal_ids = {row["medal_id"] for table in _MEDAL_TABLES for row in rows.get(table, [])}
    season_ids = {
        row["season_id"]
        for table in _SEASON_TABLES
        for row in rows.get(table, [])
        if row.get("season_id") is not None
    }
    return {
        "assets": assets,
        "medals": [{"medal_id": medal_id} for medal_id in sorted(medal_ids)],
        "seasons": [{"season_id": season_id} for season_id in sorted(season_ids)],
    }


def write_references(connection: Connection, rows: Mapping[str, list[dict[str, Any]]]) -> None:
    """Give every asset, medal and season ``rows`` refer to a row, before ``rows`` are written."""
    groups: Groups = {}
    for table, referred in references(rows).items():
        _group(groups, table, referred)
    with _sqlalchemy_errors():
        _insert(_cursor(connection), groups)


def _group_match(groups: Groups, rows: Mapping[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """Group one match's rows, parents first: references, players, the match, then the rest."""
    for table, referred in references(rows).items():
        _group(groups, table, referred)
    drift = _group(groups, "players", rows.get("players", []))
    drift += _group(groups, "matches", rows["matches"][:1])
    for table, table_rows in rows.items():
        if table not in ("matches", "players") and table_rows:
            drift += _group(groups, table, table_rows)
    return drift


def _insert(cursor: sqlite3.Cursor, groups: Groups) -> None:
    for table, by_columns in groups.items():
        for columns, values in by_columns.items():
            cursor.executemany(_sql(table, columns), values)


def _sql(table: str, columns: tuple[str, ...]) -> str:
    """Return the INSERT for ``columns`` of ``table``.

    Players are upserted without touching the gamertags enrichment fills in;
    a match replaces its earlier copy's columns; the assets, medals and season
    a match refers to are inserted only when the archive has no row for them.
    """
    key = (table, columns)
    sql = _insert_sql.get(key)
    if sql is None:
        conflict = ""
        if table == "players":
            conflict = " ON CONFLICT (player_id) DO UPDATE SET is_bot = excluded.is_bot"
        elif table in ("assets", "medals", "seasons"):
            conflict = " ON CONFLICT DO NOTHING"
        elif table == "matches":
            conflict = " " + upsert_conflict(("match_id",), columns)
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}"
        _insert_sql[key] = sql
    return sql


def upsert_conflict(key: tuple[str, ...], columns: Iterable[str]) -> str:
    """Return the ``ON CONFLICT`` clause that replaces every column of ``columns`` but the key."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        if updates
        else "ON CONFLICT DO NOTHING"
    )


def write_match_rows(connection: Connection, rows: Mapping[str, list[dict[str, Any]]]) -> None:
    """Replace everything the archive holds for one match with ``rows``, career tables too.

    The caller owns the transaction. Players are upserted without touching
    the gamertags that enrichment fills in.

    Raises:
        MalformedResponseError: the rows break the schema (a duplicate key, a
            number too large); the caller's transaction must be rolled back.

    """
    match_id = rows["matches"][0]["match_id"]
    with schema_errors():
        cursor = _cursor(connection)
        existed = cursor.execute("SELECT 1 FROM matches WHERE match_id = ?", (match_id,))
        replaced = None
        if existed.fetchone():
            replaced = career.touched(connection, match_id)
            for table in MATCH_CHILD_TABLES:
                cursor.execute(f"DELETE FROM {table} WHERE match_id = ?", (match_id,))
        groups: Groups = {}
        drift = _group_match(groups, rows)
        _insert(cursor, groups)
        career.add_match(connection, match_id, replaced)
    if drift:
        record_drift(connection, drift, match_id)


def write_new_matches(
    connection: Connection, batch: Sequence[Mapping[str, list[dict[str, Any]]]]
) -> None:
    """Insert the rows of many matches the archive does not hold, a statement per table.

    What `write_match_rows` does for each, without its look for an earlier
    copy (``reparse`` has emptied the tables) and without the career tables
    (``reparse`` rebuilds them once at the end): a whole batch of matches
    costs about what one match costs. The caller owns the transaction.

    Raises:
        MalformedResponseError: a match breaks the schema, or one is in the
            archive already; roll back and write them one by one to find it.

    """
    groups: Groups = {}
    drifts = [(_group_match(groups, rows), rows["matches"][0]["match_id"]) for rows in batch]
    with schema_errors():
        _insert(_cursor(connection), groups)
    for drift, match_id in drifts:
        if drift:
            record_drift(connection, drift, match_id)


@contextmanager
def schema_errors(what: str = "match document") -> Iterator[None]:
    """Raise a document that breaks the schema (``what`` names it) as `MalformedResponseError`."""
    try:
        with _sqlalchemy_errors():
            yield
    except (IntegrityError, OverflowError) as error:
        reason = getattr(error, "orig", error)
        raise MalformedResponseError(f"{what} breaks the archive's schema: {reason}") from None


def record_drift(connection: Connection, drift: list[tuple[str, str]], match_id: str) -> None:
    """Count fields and blocks the schema does not know, so a person can see the API moving."""
    now = now_utc()
    connection.exec_driver_sql(
        "INSERT INTO api_drift (table_name, field, first_seen_at, last_seen_at, example_match_id,"
        " occurrences) VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (table_name, field) DO UPDATE SET"
        " last_seen_at = excluded.last_seen_at, occurrences = occurrences + 1",
        [(table, field, now, now, match_id) for table, field in sorted(set(drift))],
    )


def save_match(connection: Connection, raw: RawDocument, document: Any) -> str:
    """Archive one match stats document: raw body, normalized rows, pending release.

    Runs in its own transaction (a savepoint when the caller already has one),
    so the match is stored whole or not at all.

    Returns:
        The match id.

    Raises:
        MalformedResponseError: the document cannot be normalized; nothing is written.

    """
    rows = match_rows(document)
    match_id = rows["matches"][0]["match_id"]
    with _savepoint(connection) if connection.in_transaction() else connection.begin():
        write_match_rows(connection, rows)
        with _sqlalchemy_errors():
            cursor = _cursor(connection)
            cursor.execute(
                "DELETE FROM raw_responses WHERE kind = ? AND key = ?", (MATCH_STATS, match_id)
            )
            _insert_raw(cursor, raw)
            cursor.execute("DELETE FROM pending_matches WHERE match_id = ?", (match_id,))
    return match_id


def save_raw(connection: Connection, raw: RawDocument) -> None:
    """Append a raw response (history pages are kept as a log, one row per fetch)."""
    with _sqlalchemy_errors():
        _insert_raw(_cursor(connection), raw)


def _insert_raw(cursor: sqlite3.Cursor, raw: RawDocument) -> None:
    cursor.execute(
        "INSERT INTO raw_responses (kind, key, path, fetched_at, body) VALUES (?, ?, ?, ?, ?)",
        (raw.kind, raw.key, raw.path, raw.fetched_at, raw.body),
    )


def archived_match_ids(connection: Connection, match_ids: Iterable[str]) -> set[str]:
    """Return which of ``match_ids`` the archive already holds."""
    ids = list(match_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    result = connection.exec_driver_sql(
        f"SELECT match_id FROM matches WHERE match_id IN ({marks})", tuple(ids)
    )
    return {row[0] for row in result}


# --- tracked players ---------------------------------------------------------


@dataclass(slots=True)
class TrackedState:
    """How far a tracked player's archive reaches (see ``models.TrackedPlayer``)."""

    player_id: str
    history_complete: bool = False
    newest_start_time: str | None = None
    oldest_start_time: str | None = None
    backfill_offset: int = 0


def track_player(connection: Connection, player_id: str, gamertag: str | None = None) -> None:
    """Start tracking ``player_id`` (a no-op when already tracked).

    The caller owns the transaction.
    """
    before = connection.exec_driver_sql(
        "SELECT gamertag FROM players WHERE player_id = ?", (player_id,)
    ).scalar()
    connection.exec_driver_sql(
        "INSERT INTO players (player_id, gamertag, is_bot) VALUES (?, ?, 0)"
        " ON CONFLICT (player_id) DO UPDATE SET"
        " gamertag = coalesce(excluded.gamertag, players.gamertag)",
        (player_id, gamertag),
    )
    added = connection.exec_driver_sql(
        "INSERT INTO tracked_players (player_id, added_at, history_complete,"
        " backfill_offset) VALUES (?, ?, 0, 0) ON CONFLICT (player_id) DO NOTHING",
        (player_id, now_utc()),
    )
    if added.rowcount:
        # Matches archived for another tracked player may already include this one.
        career.add_player(connection, player_id)
    elif gamertag is not None and gamertag != before:
        career.rename_players(connection, [player_id])


def tracked_player_ids(connection: Connection) -> list[str]:
    """Return every tracked player, in the order they were added."""
    rows = connection.exec_driver_sql(
        "SELECT player_id FROM tracked_players ORDER BY added_at, player_id"
    )
    return [row[0] for row in rows]


def load_tracked(connection: Connection, player_id: str) -> TrackedState:
    """Return the archive's reach for a tracked player."""
    row = connection.exec_driver_sql(
        "SELECT history_complete, newest_start_time, oldest_start_time, backfill_offset"
        " FROM tracked_players WHERE player_id = ?",
        (player_id,),
    ).one()
    return TrackedState(player_id, bool(row[0]), row[1], row[2], row[3])


def save_tracked(connection: Connection, state: TrackedState) -> None:
    """Record a tracked player's reach; call only once the matches it covers are stored."""
    connection.exec_driver_sql(
        "UPDATE tracked_players SET history_complete = ?, newest_start_time = ?,"
        " oldest_start_time = ?, backfill_offset = ?, last_synced_at = ? WHERE player_id = ?",
        (
            state.history_complete,
            state.newest_start_time,
            state.oldest_start_time,
            state.backfill_offset,
            now_utc(),
            state.player_id,
        ),
    )


# --- pending matches and runs ------------------------------------------------


def mark_pending(
    connection: Connection,
    match_id: str,
    player_id: str | None,
    start_time: str | None,
    reason: str,
) -> None:
    """Remember a match whose stats could not be archived, to try again next run."""
    now = now_utc()
    connection.exec_driver_sql(
        "INSERT INTO pending_matches (match_id, player_id, start_time, reason, attempts,"
        " first_seen_at, last_attempt_at) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (match_id)"
        " DO UPDATE SET reason = excluded.reason, attempts = attempts + 1,"
        " last_attempt_at = excluded.last_attempt_at",
        (match_id, player_id, start_time, reason, now, now),
    )


def pending_matches(connection: Connection) -> list[tuple[str, str | None, str | None]]:
    """Return ``(match_id, player_id, start_time)`` of every pending match, newest first."""
    rows = connection.exec_driver_sql(
        "SELECT match_id, player_id, start_time FROM pending_matches ORDER BY start_time DESC"
    )
    return [(row[0], row[1], row[2]) for row in rows]


def start_run(connection: Connection, players: list[str]) -> int:
    """Open a ``sync_runs`` row; runs a killed process left open are marked interrupted."""
    connection.exec_driver_sql(
        "UPDATE sync_runs SET outcome = 'interrupted' WHERE outcome = 'running'"
    )
    result = connection.exec_driver_sql(
        "INSERT INTO sync_runs (started_at, outcome, players, requests, matches_added, pending)"
        " VALUES (?, 'running', ?, 0, 0, 0)",
        (now_utc(), json.dumps(players)),
    )
    return int(result.lastrowid)


def finish_run(
    connection: Connection,
    run_id: int,
    *,
    outcome: str,
    requests: int,
    matches_added: int,
    pending: int,
    failures: list[dict[str, Any]],
    error: str | None = None,
) -> None:
    """Close a ``sync_runs`` row with what the run did."""
    connection.exec_driver_sql(
        "UPDATE sync_runs SET finished_at = ?, outcome = ?, requests = ?, matches_added = ?,"
        " pending = ?, failures = ?, error = ? WHERE id = ?",
        (
            now_utc(),
            outcome,
            requests,
            matches_added,
            pending,
            json.dumps(failures) if failures else None,
            error,
            run_id,
        ),
    )
