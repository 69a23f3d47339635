"""`grunt-archive query`: ad hoc SQL against the archive, printed as CSV, JSON or JSON lines.

The archive is opened read-only (``mode=ro``, or immutable on read-only media:
`grunt_archive.files.read_uri`) behind an authorizer that lets only reads
through (no ``ATTACH``, ``VACUUM INTO`` or writing pragma), so a query can
never change it or write another file, and a sync may write at the same time
(the archive is in WAL mode). Rows are streamed: a query over a whole career
never sits in memory at once.

A PostgreSQL archive (a URL) is read in a read-only transaction, and its rows
come in one go (libpq fetches a result whole).
"""

from __future__ import annotations

import base64
import csv
import json
import math
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from grunt_archive import rawbody, revisions
from grunt_archive.errors import ArchiveError, NotAnArchiveError, UsageError
from grunt_archive.files import check_archive_path, read_uri, shm_refused
from grunt_archive.interruptible import stoppable
from grunt_archive.location import (
    Location,
    archive_name,
    connect_arguments,
    is_server,
    redact,
    server_url,
)
from grunt_archive.wording import counted

FORMATS = ("csv", "json", "nl")


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON can hold it (a BLOB becomes base64 text, ±inf null)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):  # PostgreSQL's NUMERIC (what its `round` returns)
        # A whole NUMERIC (a sum of BIGINTs: SQLite's sum is an integer) stays whole.
        whole = value.is_finite() and int(value.as_tuple().exponent) >= 0
        value = int(value) if whole else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# Pragmas that read, though they take an argument; any other pragma given a value writes.
_READING_PRAGMAS = frozenset(
    {
        "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo",
        "integrity_check", "quick_check", "table_info", "table_list", "table_xinfo",
    }
)  # fmt: skip
# Pragmas that act even without a value.
_ACTING_PRAGMAS = frozenset({"incremental_vacuum", "optimize", "shrink_memory", "wal_checkpoint"})
_READING = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
# SQLite result codes (the low byte) that mean the file, not the SQL, is at fault.
_FILE_CODES = frozenset({3, 10, 11, 14, 26})  # PERM, IOERR, CORRUPT, CANTOPEN, NOTADB


def _read_only(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    """Authorize reads only: no ATTACH (nor VACUUM INTO, which attaches), no writing pragma."""
    if action in _READING:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # What a table-valued pragma (pragma_table_info) asks as it reads the schema;
        # the file is open read-only, and SQLite never lets SQL change that table.
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _READING_PRAGMAS or (arg2 is None and name not in _ACTING_PRAGMAS):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())  # one line, whatever SQLite said


def _failure(error: sqlite3.Error, db_path: Path) -> ArchiveError | UsageError:
    """Return the error to raise: the archive's fault (exit 6) or the SQL's (exit 2)."""
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in _FILE_CODES:
        return ArchiveError(f"cannot read {db_path}: {_one_line(error)}")
    if code == sqlite3.SQLITE_AUTH:
        return UsageError(
            f"bad SQL: {_one_line(error)}: query only reads "
            "(no writes, ATTACH, VACUUM INTO or writing PRAGMA)"
        )
    return UsageError(f"bad SQL: {_one_line(error)}")


# What SQLite and PostgreSQL say of a table, column or function the archive does not have.
_LACKS = ("no such table", "no such column", "no such function", "does not exist")


def _lacks(error: Exception) -> bool:
    return any(words in str(error) for words in _LACKS)


def _behind(execute: Any) -> str | None:
    """Return the archive's revision when it is older than this program's, else None.

    An archive an older grunt-archive wrote lacks the tables, views and columns of the
    newer revisions until ``db upgrade`` (query never migrates): SQL naming one is not bad.
    """
    try:
        found = execute("SELECT version_num FROM alembic_version").fetchone()
    except Exception:  # no revision to tell: the SQL's own error stands
        return None
    current, head = (found[0] if found else None), revisions.head()
    if current is None or current == head or not revisions.is_known(current):
        return None
    return current


def _older(name: object, revision: str, error: Exception) -> ArchiveError:
    older = revisions.older_archive(name, revision)
    return ArchiveError(f"{older} (the SQL reads what it lacks: {_one_line(error)})")


def _server_rows(url: str, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Run ``sql`` on PostgreSQL in a read-only transaction; return its columns and rows."""
    import psycopg

    parsed = server_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo, **connect_arguments(parsed))
    except psycopg.Error as error:
        reason = " ".join(redact(str(error), url).split())
        raise ArchiveError(f"cannot open {archive_name(url)}: {reason}") from None
    connection.read_only = True
    if connection.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None:
        connection.close()
        raise NotAnArchiveError(
            f"{archive_name(url)} is a PostgreSQL database, but not a grunt-archive archive"
            " (no alembic_version)"
        )
    try:
        cursor = connection.execute(sql)  # any text, as sqlite3 takes it
    except psycopg.Error as error:
        behind = None
        if _lacks(error):
            connection.rollback()  # the failed statement aborted the transaction
            behind = _behind(connection.execute)
        connection.close()
        if behind:
            raise _older(archive_name(url), behind, error) from None
        suffix = (
            ": query only reads" if isinstance(error, psycopg.errors.ReadOnlySqlTransaction) else ""
        )
        raise UsageError(f"bad SQL: {_one_line(error)}{suffix}") from None
    if cursor.description is None:
        connection.close()
        raise UsageError("the SQL is empty or returns no rows: query runs one SELECT")
    columns = [d.name for d in cursor.description]
    _check_names(columns, connection.close)

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            yield from cursor
        finally:
            connection.close()

    return columns, rows()


def _rows(db_path: Location, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Run ``sql`` on a read-only connection; return its column names and a row iterator."""
    if not sql.strip():
        raise UsageError("the SQL is empty")
    if is_server(db_path):
        return _server_rows(str(db_path), sql)
    db_path = Path(db_path)
    check_archive_path(db_path, create=False)  # a directory, a pipe, an empty file: none
    uri = read_uri(db_path)
    try:
        connection = sqlite3.connect(uri, uri=True)
        # A file that is not a database, or a corrupt one, fails here rather than as bad SQL.
        ours = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.Error as error:
        why = shm_refused(db_path) if isinstance(error, sqlite3.OperationalError) else None
        raise ArchiveError(why or f"cannot read {db_path}: {_one_line(error)}") from None
    if not ours:
        connection.close()
        raise NotAnArchiveError(
            f"{db_path} is a SQLite database, but not a grunt-archive archive (no alembic_version)"
        )
    connection.set_authorizer(_read_only)
    rawbody.register(connection)  # `raw_body(body, encoding)`: a raw document as sent
    steps = stoppable(connection)  # a Ctrl-C stops a statement still busy in SQLite
    try:
        cursor = connection.execute(sql)
    except (sqlite3.Error, sqlite3.Warning) as error:
        behind = _behind(connection.execute) if _lacks(error) else None
        connection.close()
        if isinstance(error, sqlite3.Error):
            steps.reraise(error)  # a Ctrl-C, not the SQL
        if behind:
            raise _older(db_path, behind, error) from None
        if isinstance(error, sqlite3.Warning):
            raise UsageError(f"bad SQL: {_one_line(error)}") from None
        raise _failure(error, db_path) from None
    if cursor.description is None:
        connection.close()
        raise UsageError("the SQL is empty or returns no rows: query runs one SELECT")
    columns = [d[0] for d in cursor.description]
    _check_names(columns, connection.close)

    def rows() -> Iterator[tuple[Any, ...]]:
        read = 0
        try:
            for row in cursor:
                yield row
                read += 1
        except sqlite3.Error as error:  # e.g. a runtime error halfway through the rows
            steps.reraise(error)
            if "Could not decode" in str(error):  # a value's fault, not the SQL text's
                raise UsageError(
                    f"row {read + 1} of the result holds text that is not UTF-8 (select it"
                    f" as a BLOB to see its bytes); the output stops after {counted(read, 'row')}"
                ) from None
            raise _failure(error, db_path) from None
        finally:
            connection.close()

    return columns, rows()


def _check_names(columns: list[str], close: Callable[[], None]) -> None:
    """Refuse a result with two columns of one name: a JSON object keeps one of them.

    CSV would keep both, but a script reading the header by name gets the same one.
    """
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            close()
            raise UsageError(
                f"the result has two columns named {name!r}: name them apart (… AS other_name)"
            )
        seen.add(name)


def run_query(db_path: Location, sql: str, output: TextIO, fmt: str = "csv") -> int:
    """Run ``sql`` against the archive and write the result to ``output``.

    Args:
        db_path: The archive file or PostgreSQL URL; it is opened read-only.
        sql: One SQL statement.
        output: Where the result goes (stdout for the CLI).
        fmt: ``csv`` (a header row, then the rows), ``json`` (an array of
            objects) or ``nl`` (one JSON object per line).

    Returns:
        The number of rows written.

    Raises:
        UsageError: The SQL is empty, not valid, or tries to write (exit 2).
        ArchiveError: There is no archive at ``db_path``, or it cannot be
            read: not a database, corrupt, unreadable (exit 6).

    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    columns, rows = _rows(db_path, sql)
    count = 0
    if fmt == "csv":
        writer = csv.writer(output, lineterminator="\n")
        if columns:
            writer.writerow(columns)
        for row in rows:
            writer.writerow(_plain(v) for v in row)
            count += 1
        return count
    for row in rows:
        text = json.dumps(dict(zip(columns, map(_plain, row), strict=True)), ensure_ascii=False)
        if fmt == "json":
            # The "[" waits for the first row: a query failing before any leaves no output.
            output.write(("," if count else "[") + "\n" + text)
        else:
            output.write(text + "\n")
        count += 1
    if fmt == "json":
        output.write("\n]\n" if count else "[]\n")
    return count
