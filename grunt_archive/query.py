"""`grunt-archive query`: ad hoc SQL against the archive, printed as CSV, JSON or JSON lines.

The archive is opened read-only (``mode=ro``), so a query can never change it,
and a sync may write at the same time (the archive is in WAL mode). Rows are
streamed: a query over a whole career never sits in memory at once.
"""

from __future__ import annotations

import base64
import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from grunt_archive.errors import ArchiveError, UsageError

FORMATS = ("csv", "json", "nl")


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON can hold it (a BLOB becomes base64 text)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _rows(db_path: Path, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Run ``sql`` on a read-only connection; return its column names and a row iterator."""
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


def run_query(db_path: Path, sql: str, output: TextIO, fmt: str = "csv") -> int:
    """Run ``sql`` against the archive and write the result to ``output``.

    Args:
        db_path: The archive file; it is opened read-only.
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
