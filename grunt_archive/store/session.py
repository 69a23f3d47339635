"""The store's handle on an archive, and its units of work.

Orchestrators (the sync, the history walk, enrichment, snapshots, verify,
reparse) hold a `Store`, never a connection: every store function they call
opens its own unit of work (`Store.unit`), does its reads and writes, and
commits before it returns. The store's functions are synchronous, and a unit
refuses to start while another is open, so no transaction can be held across
an ``await`` of the async callers.

On PostgreSQL several workers write one archive at once. Each unit takes one
transaction-level advisory lock first (`UNIT_LOCK`), so units run one after
the other as they do on SQLite's single writer: a unit's reads and the writes
it decides from them (is this match stored? which totals does it add to?)
see no other worker's half-done unit, and derived tables stay exact. A unit
lasts milliseconds and holds no request to the service, so the workers still
wait on the network side by side.

The sync hands its heaviest units (a match, its skill) to one thread of its own
(`grunt_archive.store_thread`) so that the event loop keeps answering while they
run; units from both threads take `Store`'s lock, one after the other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from grunt_archive.errors import ArchiveWriteError, MalformedResponseError

# Any constant of its own (db.UPGRADE_LOCK is another): the one every unit of work takes.
UNIT_LOCK = 0x7374_6F72_6521


class NestedUnitError(RuntimeError):
    """A unit of work was started inside another: a bug, never an archive's fault."""


class Store:
    """An open archive, as the orchestrators see it: store functions take it first.

    Args:
        connection: the one connection everything goes through (SQLite has one
            writer anyway); held here so that no orchestrator touches it.

    """

    __slots__ = ("_connection", "_lock", "_owner")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        # Units from the event loop and from the store thread share the one connection.
        self._lock = threading.Lock()
        self._owner: int | None = None

    @property
    def dialect(self) -> str:
        """Return the archive's SQL dialect: ``sqlite`` or ``postgresql``."""
        return self._connection.dialect.name

    def outside_unit(self, sql: str) -> None:
        """Run a statement that no transaction may hold (``VACUUM``), for the store's modules.

        Raises:
            NestedUnitError: a transaction is open.
            DBAPIError: the database refused it.

        """
        if self._owner == threading.get_ident():
            raise NestedUnitError(f"{sql} cannot run inside a unit of work")
        with self._lock:
            driver = self._connection.connection.driver_connection
            assert driver is not None
            driver.execute(sql)

    @contextmanager
    def unit(self) -> Iterator[Connection]:
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

    def _transaction(self) -> Iterator[Connection]:
        try:
            with self._connection.begin():
                if self._connection.dialect.name == "postgresql":
                    self._connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UNIT_LOCK})")
                yield self._connection
        except IntegrityError as error:
            raise MalformedResponseError(
                f"a document breaks the archive's schema: {error.orig}"
            ) from None
        except sqlite3.IntegrityError as error:
            raise MalformedResponseError(
                f"a document breaks the archive's schema: {error}"
            ) from None
        except DBAPIError as error:
            raise ArchiveWriteError(str(error.orig)) from None
        except sqlite3.Error as error:
            raise ArchiveWriteError(str(error)) from None


@contextmanager
def open_store(engine: Engine) -> Iterator[Store]:
    """Open a connection to the archive for the block, as a `Store`.

    Raises:
        ArchiveWriteError: the archive cannot be opened (locked, unreadable).

    """
    try:
        connection = engine.connect()
    except DBAPIError as error:
        raise ArchiveWriteError(str(error.orig)) from None
    with connection:
        yield Store(connection)
