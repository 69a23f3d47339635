"""`grunt-archive query`: ad hoc SQL against the archive, printed as CSV, JSON or JSON lines.

The archive is opened read-only (``mode=ro``), so a query can never change it,
and a sync may write at the same time (the archive is in WAL mode). Rows are
streamed: a query over a whole career never sits in memory at once.

A PostgreSQL archive (a URL) is read in a read-only transaction, and its rows
come in one go (libpq fetches a result whole).
"""

from __future__ import annotations

import base64
import csv
import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from grunt_archive.errors import ArchiveError, UsageError
from grunt_archive.location import Location, archive_name, is_server, redact, server_url

FORMATS = ("csv", "json", "nl")


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON can hold it (a BLOB becomes base64 text)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):  # PostgreSQL's NUMERIC (what its `round` returns)
        return float(value)
    return value


def _server_rows(url: str, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Run ``sql`` on PostgreSQL in a read-only transaction; return its columns and rows."""
    import psycopg

    conninfo = server_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(conninfo)
    except psycopg.Error as error:
        reason = " ".join(redact(str(error), url).split())
        raise ArchiveError(f"cannot open {archive_name(url)}: {reason}") from None
    connection.read_only = True
    try:
        cursor = connection.execute(sql)
    except psycopg.Error as error:
        connection.close()
        raise UsageError(f"bad SQL: {' '.join(str(error).split())}") from None
    columns = [d.name for d in cursor.description or ()]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            yield from cursor
        finally:
            connection.close()

    return columns, rows()


def _rows(db_path: Location, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Run ``sql`` on a read-only connection; return its column names and a row iterator."""
    if is_server(db_path):
        return _server_rows(str(db_path), sql)
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ArchiveError(f"no archive at {db_path} (run `grunt-archive sync` first)")
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise ArchiveError(f"cannot open {db_path}: {error}") from None
    try:
        cursor = connection.execute(sql)
    except (sqlite3.Error, sqlite3.Warning) as error:
        connection.close()
        message = " ".join(str(error).split())  # one line, whatever SQLite said
        raise UsageError(f"bad SQL: {message}") from None
    columns = [d[0] for d in cursor.description or ()]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            yield from cursor
        except sqlite3.Error as error:  # e.g. a runtime error halfway through the rows
            raise UsageError(f"bad SQL: {' '.join(str(error).split())}") from None
        finally:
            connection.close()

    return columns, rows()


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
        UsageError: The SQL is not valid, or tries to write (exit 2).
        ArchiveError: There is no archive at ``db_path`` (exit 6).

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
    if fmt == "json":
        output.write("[")
    for row in rows:
        text = json.dumps(dict(zip(columns, map(_plain, row), strict=True)), ensure_ascii=False)
        if fmt == "json":
            output.write(("," if count else "") + "\n" + text)
        else:
            output.write(text + "\n")
        count += 1
    if fmt == "json":
        output.write("\n]\n" if count else "]\n")
    return count
