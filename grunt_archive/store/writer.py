"""The row writer: every INSERT and upsert of the store, and the one place that spells SQL dialect.

`write_rows` takes a table, its rows and what to do on a conflict. It writes
the columns the schema has and records the others in ``api_drift`` (a field,
or a whole table, the API grew), refuses values that are not plain JSON
scalars or are text where a number belongs, and turns database errors into
the project's exceptions. Statements go to the driver's cursor with
``executemany`` and SQL cached per column set:
a match is a dozen small statements, and SQLAlchemy's bookkeeping around each
costs more than SQLite's own work. `execute` runs the store's other
statements (deletes, updates, derived-table refreshes) the same way.

The SQL is written once, in what SQLite and PostgreSQL share (``ON CONFLICT …
DO UPDATE``, ``excluded``, a merge's columns named with their table), with
SQLite's ``?`` parameters; on PostgreSQL every statement passes through
`dialect.postgresql` on its way to psycopg, and rows through `dialect.coerce`.
The other modules of the store write that one SQL text; what only one database
has (SQLite's pragmas, PostgreSQL's advisory locks of `session` and `claims`)
is asked for through `is_postgresql`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from grunt_archive.errors import ArchiveWriteError, MalformedResponseError
from grunt_archive.store import dialect
from grunt_archive.store.session import Unit, driver_errors
from grunt_archive.tables import COLUMNS, NUMBER_COLUMNS, PRIMARY_KEYS
from grunt_archive.times import now_utc
from grunt_archive.wording import quoted

_SCALARS = (str, int, float, bool, bytes, type(None))
# psycopg logs this when a statement of its pipeline (each `executemany`) is refused and the
# rows queued behind it come back aborted, while the first error, raised, becomes our one
# line: with no handler Python would print it to stderr too. Dropped by its message.
_SECOND_ERROR = "error ignored terminating %r: %s"
logging.getLogger("psycopg").addFilter(lambda record: record.msg != _SECOND_ERROR)
ID_CHUNK = 500  # ids a statement's IN (…) lists (SQLite's default limit of parameters is far above)
_Id = TypeVar("_Id", str, int)
_SCALAR_TYPES = frozenset(_SCALARS)


@dataclass(frozen=True, slots=True)
class Conflict:
    """What an INSERT does when the table holds a row with the same key.

    Attributes:
        action: ``fail`` (an error), ``ignore`` (keep the row there), ``replace``
            (set every column given, but the key) or ``merge`` (set ``updates``, only
            on a row they change).
        key: the conflicting columns; empty for the table's primary key.
        updates: for ``merge``, (column, SQL expression) pairs, where
            ``excluded.<column>`` is the value offered and ``<table>.<column>``
            the row's (PostgreSQL refuses a bare column there as ambiguous).
        whole: write every column of the table, NULL for a field a row lacks.

    """

    action: str = "fail"
    key: tuple[str, ...] = ()
    updates: tuple[tuple[str, str], ...] = ()
    whole: bool = False


INSERT = Conflict()
IGNORE = Conflict("ignore")


def replace(*key: str, whole: bool = False) -> Conflict:
    """Return the policy that replaces an existing row's columns (keyed on ``key``)."""
    return Conflict("replace", key, whole=whole)


def merge(key: tuple[str, ...], **updates: str) -> Conflict:
    """Return the policy that sets ``updates`` (column=SQL expression) on an existing row."""
    return Conflict("merge", key, tuple(updates.items()))


_sql_cache: dict[tuple[str, tuple[str, ...], Conflict], str] = {}


def _sql(table: str, columns: tuple[str, ...], conflict: Conflict) -> str:
    cached = _sql_cache.get((table, columns, conflict))
    if cached is not None:
        return cached
    clause = ""
    key = conflict.key or PRIMARY_KEYS.get(table, ())
    if conflict.action == "ignore":
        clause = " ON CONFLICT DO NOTHING"
    elif conflict.action in ("replace", "merge"):
        updates = (
            conflict.updates
            if conflict.action == "merge"
            else tuple((c, f"excluded.{c}") for c in columns if c not in key)
        )
        sets = ", ".join(f"{column} = {expression}" for column, expression in updates)
        clause = (
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
            if sets
            else " ON CONFLICT DO NOTHING"
        )
        if sets and conflict.action == "merge":
            # A row the update would leave as it is is not written again: no page made
            # dirty in SQLite, no dead tuple in PostgreSQL (a match's players, every match).
            changes = " OR ".join(
                f"{table}.{column} IS NOT ({expression})" for column, expression in updates
            )
            clause += f" WHERE {changes}"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)})"
        f" VALUES ({', '.join('?' for _ in columns)}){clause}"
    )
    _sql_cache[(table, columns, conflict)] = sql
    return sql


class _DatabaseErrors:
    """Raise the driver's errors as the project's: bad rows malformed, the rest the archive's.

    A class rather than a generator: a match passes through here about forty
    times, and the errors are looked up only when one is raised.
    """

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _traceback: object) -> None:  # fmt: skip
        if error is None:
            return
        malformed, refused = driver_errors()
        # SQLite's integer arithmetic overflowing (a document's absurd count added to a
        # player's totals) is the document's doing, as PostgreSQL's DataError is.
        if isinstance(error, malformed) or str(error) == "integer overflow":
            reason = " ".join(str(error).split())
            raise MalformedResponseError(
                f"{self.what} breaks the archive's schema: {reason}"
            ) from None
        if isinstance(error, refused):
            raise ArchiveWriteError(" ".join(str(error).split())) from None


def is_postgresql(connection: Unit) -> bool:
    """Say whether ``connection`` is to a PostgreSQL archive (else SQLite)."""
    return connection.dialect == "postgresql"


def _cursor(connection: Unit) -> Any:
    """Return the driver's cursor inside the transaction ``connection`` holds."""
    return connection.driver.cursor()


def _run(connection: Unit, cursor: Any, sql: str, parameters: Any, many: bool) -> None:
    """Run ``sql`` (SQLite's text and placeholders) on the driver's cursor, in either dialect."""
    if is_postgresql(connection):
        sql, order = dialect.postgresql(sql)
        if many:
            parameters = [dialect.arguments(values, order) for values in parameters]
        else:
            parameters = dialect.arguments(parameters, order)
    if many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)


def _group(
    table: str, rows: Iterable[Mapping[str, Any]], sources: Iterator[str], conflict: Conflict
) -> tuple[dict[tuple[str, ...], list[tuple[Any, ...]]], list[tuple[str, str, str]]]:
    """Return the rows' values by column set, and the unknown (table, field, source) triples."""
    known, numbers = COLUMNS[table], NUMBER_COLUMNS[table]
    everything = tuple(sorted(known)) if conflict.whole else None
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    drift: list[tuple[str, str, str]] = []
    # The rows of one table come in a few shapes: each shape's known columns are found once.
    kept_of: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    # And the places of its number columns, whose text SQLite would keep as text.
    numbers_of: dict[tuple[str, ...], tuple[int, ...]] = {}
    for row in rows:
        source = next(sources)
        columns = tuple(row)
        if columns in kept_of:
            kept = kept_of[columns]
        else:
            kept = None if known.issuperset(columns) else tuple(f for f in columns if f in known)
            kept_of[columns] = kept
        if kept is None:
            values = tuple(row.values())
        else:
            drift.extend((table, field, source) for field in columns if field not in known)
            columns = kept
            values = tuple(map(row.__getitem__, columns))
        if everything is not None:
            columns = everything
            values = tuple(map(row.get, columns))
        # The set test is the fast way for plain JSON values; the loop decides the rest.
        if not _SCALAR_TYPES.issuperset(map(type, values)):
            for value in values:
                if not isinstance(value, _SCALARS):
                    raise MalformedResponseError(f"{table} got a {type(value).__name__} value")
        places = numbers_of.get(columns)
        if places is None:
            places = numbers_of[columns] = tuple(
                i for i, column in enumerate(columns) if column in numbers
            )
        for place in places:
            if type(values[place]) is str:
                _not_a_number(table, columns[place], values[place])
        groups.setdefault(columns, []).append(values)
    return groups, drift


def _not_a_number(table: str, column: str, text: str) -> None:
    """Refuse text in a number column unless it is a number (``"7"``), as PostgreSQL does.

    SQLite keeps ``"lots"`` in an INTEGER column as text, where every reader of the
    column (sums, the viewer's formats, a copy to PostgreSQL) expects a number.
    """
    try:
        if math.isfinite(float(text)):
            return
    except ValueError:
        pass
    raise MalformedResponseError(
        f"{table}.{column} got the text {quoted(text)} where a number belongs"
    )


def write_rows(
    connection: Unit,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    conflict: Conflict = INSERT,
    *,
    source: str | Sequence[str] = "",
    what: str | None = None,
) -> int | None:
    """Write ``rows`` into ``table``; record what the schema lacks as drift.

    Args:
        connection: inside the caller's unit of work.
        table: where the rows go (a table the schema lacks is drift as a whole).
        rows: one mapping of column to value per row.
        conflict: what to do with a row whose key is there already.
        source: what the rows came from, for ``api_drift.example_match_id``:
            one id for all, or one per row.
        what: names the document in an error (default: the table's rows).

    Returns:
        The rowid of the last row inserted, when the driver reports one.

    Raises:
        MalformedResponseError: a value is not a scalar, or the rows break the
            schema (a duplicate key, a missing parent, a number too large).
        ArchiveWriteError: the database refused the write.

    """
    sources = iter(source) if not isinstance(source, str) else _repeat(source)
    if table not in COLUMNS:
        unknown: list[tuple[str, str, str]] = []
        for row in rows:
            src = next(sources)
            unknown += [(table, "*", src), *((table, field, src) for field in sorted(row))]
        _record_drift(connection, unknown)
        return None
    groups, drift = _group(table, rows, sources, conflict)
    last = None
    server = is_postgresql(connection)
    with _DatabaseErrors(what or f"{table} rows"):
        cursor = _cursor(connection)
        for columns, values in groups.items():
            sql = _sql(table, columns, conflict)
            if server:
                dialect.coerce(table, columns, values)
                if len(values) == 1 and PRIMARY_KEYS.get(table) == ("id",):
                    # psycopg has no lastrowid: the id comes back from the INSERT itself.
                    _run(connection, cursor, f"{sql} RETURNING id", values[0], False)
                    returned = cursor.fetchone()  # none when a merge changed nothing
                    last = returned[0] if returned else None
                    continue
            _run(connection, cursor, sql, values if len(values) > 1 else values[0],
                 len(values) > 1)  # fmt: skip
            last = None if server else cursor.lastrowid
    if drift:
        _record_drift(connection, drift)
    return last


def _repeat(value: str) -> Iterator[str]:
    while True:
        yield value


def _record_drift(connection: Unit, drift: Iterable[tuple[str, str, str]]) -> None:
    """Count fields and blocks the schema does not know, once per source that had them."""
    now = now_utc()
    # Each (table, field, source) once, in the order met: the first source is the example.
    rows = [
        {"table_name": table, "field": field, "first_seen_at": now, "last_seen_at": now,
         "example_match_id": source, "occurrences": 1}
        for table, field, source in dict.fromkeys(drift)
    ]  # fmt: skip
    conflict = merge(
        ("table_name", "field"),
        last_seen_at="excluded.last_seen_at",
        occurrences="api_drift.occurrences + 1",
    )
    write_rows(connection, "api_drift", rows, conflict)


def execute(connection: Unit, sql: str, parameters: Sequence[Any] | list[Any] = ()) -> None:
    """Run one statement that is not a row insert (a delete, an update, a derived refresh).

    ``parameters`` is one tuple of values, or a list of them (one run each,
    none when the list is empty).

    Raises:
        MalformedResponseError: the statement breaks the schema.
        ArchiveWriteError: the database refused it.

    """
    if isinstance(parameters, list) and not parameters:
        return
    with _DatabaseErrors("a document"):
        cursor = _cursor(connection)
        try:
            _run(connection, cursor, sql, parameters, isinstance(parameters, list))
        finally:
            cursor.close()


def chunks(ids: Sequence[_Id], size: int = ID_CHUNK) -> Iterator[list[_Id]]:
    """Yield ``ids`` in lists of at most ``size``: one statement's ``IN (…)`` list each."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def query(connection: Unit, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
    """Return the rows of a query, on the driver's cursor (the store's hot paths).

    Raises:
        ArchiveWriteError: the database refused it.

    """
    with _DatabaseErrors("a query"):
        cursor = _cursor(connection)
        try:
            _run(connection, cursor, sql, parameters, False)
            return cursor.fetchall()
        finally:
            cursor.close()


def stream(connection: Unit, sql: str, parameters: Sequence[Any] = ()) -> Iterator[Any]:
    """Yield the rows of a query while the connection goes on writing (``reparse``).

    A second cursor on SQLite; on PostgreSQL a server-side cursor, so that the
    rows (every raw document) come a batch at a time instead of all at once.

    Raises:
        ArchiveWriteError: the database refused it.

    """
    server = is_postgresql(connection)
    with _DatabaseErrors("a query"):
        # A named cursor is psycopg's server-side one.
        reader = connection.driver.cursor(name="stream") if server else _cursor(connection)
        try:
            _run(connection, reader, sql, parameters, False)
            # Not `yield from`: closing the generator would close the cursor there too.
            for row in reader:  # noqa: UP028
                yield row
        finally:
            # Left unfinished (a Ctrl-C), the generator is closed when it is collected,
            # maybe after its connection: a cursor of a closed connection cannot close.
            with suppress(*driver_errors()[1]):
                reader.close()


def defer_foreign_keys(connection: Unit) -> None:
    """Check foreign keys at the commit of the caller's transaction rather than per statement."""
    if is_postgresql(connection):
        execute(connection, "SET CONSTRAINTS ALL DEFERRED")
    else:
        execute(connection, "PRAGMA defer_foreign_keys=ON")


def reset_ids(connection: Unit, table: str) -> None:
    """Make the next id of ``table`` follow the largest there, after rows came with their ids.

    SQLite takes the largest rowid plus one by itself; a PostgreSQL sequence knows
    nothing of ids given explicitly.
    """
    if is_postgresql(connection):
        execute(
            connection,
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" coalesce(max(id), 0) + 1, false) FROM {table}",
        )
