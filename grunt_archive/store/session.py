"""The store's handle on an archive, and its units of work.

Orchestrators (the sync, the history walk, enrichment, snapshots, verify,
reparse) hold a `Store`, never a connection: every store function they call
opens its own unit of work (`Store.unit`), does its reads and writes, and
commits before it returns. The store's functions are synchronous, and a unit
refuses to start while another is open, so no transaction can be held across
an ``await`` of the async callers.

A `Store` holds the database driver's own connection (``sqlite3``'s, or
psycopg's) and begins, commits and rolls back on it itself: a unit is a dozen
small statements, and the nightly run that finds nothing new opens a current
SQLite archive without loading SQLAlchemy at all (`grunt_archive.db.archive_store`).

On PostgreSQL several workers write one archive at once. Each unit takes one
transaction-level advisory lock first (`UNIT_LOCK`), so units run one after
the other as they do on SQLite's single writer: a unit's reads and the writes
it decides from them (is this match stored? which totals does it add to?)
see no other worker's half-done unit, and derived tables stay exact. A unit
lasts milliseconds and holds no request to the service, so the workers still
wait on the network side by side.

The sync hands most of its units (a match, its skill, a film, a snapshot) to one
thread of its own (`grunt_archive.store_thread`) so that the event loop keeps
answering while they are written; units from both threads take `Store`'s lock,
one after the other.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from grunt_archive.errors import ArchiveWriteError, MalformedResponseError

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Any constant of its own (db.UPGRADE_LOCK is another; a running copy's two-key locks,
# unfinished.LOCK_CLASS with its mark's id or WRITING, are of another key space): the
# one every unit of work takes.
UNIT_LOCK = 0x7374_6F72_6521


class NestedUnitError(RuntimeError):
    """A unit of work was started inside another: a bug, never an archive's fault."""


class Unit:
    """The connection a unit of work runs on: the driver's, inside the unit's transaction.

    Store functions take it first (as ``connection``) and hand it to the row
    writer (`grunt_archive.store.writer`), which runs every statement.

    Attributes:
        driver: the database driver's connection (``sqlite3`` or psycopg).
        dialect: ``sqlite`` or ``postgresql``.

    """

    __slots__ = ("dialect", "driver")

    def __init__(self, driver: Any, dialect: str) -> None:
        self.driver = driver
        self.dialect = dialect

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run the block as a part of the unit that a failure undoes alone (``reparse``)."""
        cursor = self.driver.cursor()
        cursor.execute("SAVEPOINT unit_part")
        try:
            yield
        except BaseException as error:
            try:
                cursor.execute("ROLLBACK TO SAVEPOINT unit_part")
                cursor.execute("RELEASE SAVEPOINT unit_part")
            except driver_errors()[1]:
                # SQLite rolls the whole transaction back on some errors (a full disk), the
                # savepoint with it: "no such savepoint" would hide the error that did it.
                # The unit rolls back the rest; a part the caller would skip cannot be.
                if isinstance(error, MalformedResponseError):
                    raise
            raise
        cursor.execute("RELEASE SAVEPOINT unit_part")


def driver_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """Return the drivers' errors of bad rows, and of the rest (psycopg's once it is loaded)."""
    malformed: tuple[type[BaseException], ...] = (sqlite3.IntegrityError, OverflowError)
    refused: tuple[type[BaseException], ...] = (sqlite3.Error,)
    # Only a PostgreSQL archive has loaded psycopg: a SQLite one never imports it.
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        malformed += (psycopg.IntegrityError, psycopg.DataError)
        refused += (psycopg.Error,)
    return malformed, refused


class Store:
    """An open archive, as the orchestrators see it: store functions take it first.

    Args:
        driver: the driver's connection everything goes through (SQLite has one
            writer anyway), held here so that no orchestrator touches it; a
            SQLite one in autocommit mode (``isolation_level=None``), since
            the store begins its transactions itself.
        dialect: ``sqlite`` or ``postgresql``.

    """

    __slots__ = ("_dialect", "_driver", "_lock", "_owner")

    def __init__(self, driver: Any, dialect: str = "sqlite") -> None:
        self._driver = driver
        self._dialect = dialect
        # Units from the event loop and from the store thread share the one connection.
        self._lock = threading.Lock()
        self._owner: int | None = None

    @property
    def dialect(self) -> str:
        """Return the archive's SQL dialect: ``sqlite`` or ``postgresql``."""
        return self._dialect

    def outside_unit(self, sql: str) -> list[Any]:
        """Run a statement no transaction may hold (``VACUUM``, a checkpoint); return its rows.

        Raises:
            NestedUnitError: a transaction is open.
            sqlite3.Error: the database refused it.

        """
        if self._owner == threading.get_ident():
            raise NestedUnitError(f"{sql} cannot run inside a unit of work")
        with self._lock:
            return self._driver.execute(sql).fetchall()

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """Run the block in one transaction: committed when it ends, rolled back if it raises.

        For the store's own modules only.

        Raises:
            NestedUnitError: a transaction is open already.
            ArchiveWriteError: the database refused (a full disk, a read-only
                file, a lock held too long); nothing of the block is kept.
            MalformedResponseError: the block's rows break the schema.

        """
        if self._owner == threading.get_ident():
            raise NestedUnitError("a unit of work is already open on this archive")
        with self._lock:
            self._owner = threading.get_ident()
            try:
                yield from self._transaction()
            finally:
                self._owner = None

    def _transaction(self) -> Iterator[Unit]:
        driver = self._driver
        malformed, refused = driver_errors()
        try:
            try:
                if self._dialect == "postgresql":  # psycopg begins at the first statement
                    driver.execute(f"SELECT pg_advisory_xact_lock({UNIT_LOCK})")
                else:
                    driver.execute("BEGIN")
                yield Unit(driver, self._dialect)
                driver.commit()
            except BaseException:
                # A refused COMMIT leaves SQLite's transaction open, a failed statement
                # psycopg's aborted: either way nothing of the unit may stay.
                with suppress(*refused):
                    driver.rollback()
                raise
        except malformed as error:
            reason = " ".join(str(error).split())
            raise MalformedResponseError(
                f"a document breaks the archive's schema: {reason}"
            ) from None
        except refused as error:
            raise ArchiveWriteError(" ".join(str(error).split())) from None


@contextmanager
def open_store(engine: Engine) -> Iterator[Store]:
    """Open a connection of ``engine`` (SQLAlchemy's) for the block, as a `Store`.

    Raises:
        ArchiveWriteError: the archive cannot be opened (locked, unreadable).

    """
    from sqlalchemy.exc import DBAPIError

    try:
        pooled = engine.raw_connection()
    except DBAPIError as error:
        raise ArchiveWriteError(str(error.orig)) from None
    try:
        yield Store(pooled.driver_connection, engine.dialect.name)
    finally:
        if getattr(pooled.driver_connection, "broken", False):
            # The server dropped the connection (restarted, or a DBA ended it): the pool
            # would roll it back on the way in, fail, and log a traceback under the one-line
            # error already on its way. There is nothing left to roll back.
            pooled.invalidate()
        pooled.close()
