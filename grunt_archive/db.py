"""Opening an archive: the SQLite file, its pragmas, and its alembic migrations.

An archive is a SQLite file, or a PostgreSQL database (a ``postgresql://`` URL,
see ``grunt_archive.location``), whose ``alembic_version`` names a revision of
our ``migrations/``. Anything else (a text file, someone else's database, an
archive from a newer grunt-archive) is refused before a single byte is
written.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import platformdirs

from grunt_archive import rawbody, revisions, schema_file, upgrading
from grunt_archive.errors import ArchiveError, ArchiveTooNewError, NotAnArchiveError
from grunt_archive.files import (
    check_sqlite_file,
    file_uri,
    read_uri,
    shm_refused,
    unopenable,
)
from grunt_archive.location import (
    Location,
    archive_name,
    as_location,
    connect_arguments,
    is_server,
    redact,
    server_url,
)
from grunt_archive.store.session import Store
from grunt_archive.upgrading import Notify

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

PACKAGE_DIR = Path(__file__).resolve().parent


def default_db_path() -> Location:
    """Return ``$GRUNT_ARCHIVE_DB`` (a path or a URL), else ``halo.db`` in the user data dir."""
    configured = os.environ.get("GRUNT_ARCHIVE_DB")
    if configured:
        return as_location(configured)
    return Path(platformdirs.user_data_dir("grunt-archive")) / "halo.db"


migrations_dir = revisions.migrations_dir


def alembic_config() -> Config:
    """Return an alembic ``Config`` for our migrations, without an ini file."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
    # so that every `begin()` is a real BEGIN and savepoints nest correctly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # A new file only (SQLite ignores it once the file has a table): a raw document,
    # deflated, is 3 to 4 KB, and 8 KB pages leave less of each page empty.
    cursor.execute("PRAGMA page_size=8192")
    # WAL lets `serve` and `query` read while a sync writes; NORMAL sync is
    # crash-safe in WAL mode (a killed process never corrupts the file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    rawbody.register(dbapi_connection)


def make_engine(path: Location) -> Engine:
    """Return an engine for the archive: a SQLite file with its pragmas, or a PostgreSQL URL."""
    from sqlalchemy import URL, create_engine, event

    if is_server(path):
        url = server_url(str(path))
        return create_engine(url, connect_args=connect_arguments(url))
    # A URI, not `sqlite:///{path}`: SQLAlchemy would read a `?` in the name as its query.
    url = URL.create("sqlite+pysqlite", database=file_uri(Path(path)), query={"uri": "true"})
    engine = create_engine(url)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    return engine


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _stored_revision(path: Path) -> tuple[set[str], str | None]:
    """Read the file's tables and alembic revision without changing a byte of it."""
    if not path.exists() or path.stat().st_size == 0:
        return set(), None
    uri = read_uri(path)  # on read-only media too: `serve` checks the archive this way
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            listing = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in listing}
            current = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                current = row[0] if row else None
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and (why := shm_refused(path)):
            raise ArchiveError(why) from None
        raise _read_refusal(path, error) from None
    return tables, current


# What SQLite says of the file's bytes: anything else it refuses is the disk's or a lock's.
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_LOCKED = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
# A reader sizes the archive's -shm file first: on a full disk SQLite says "disk I/O error".
_FULL = frozenset({sqlite3.SQLITE_FULL, getattr(sqlite3, "SQLITE_IOERR_SHMSIZE", 4874)})


def _read_refusal(path: Path, error: sqlite3.Error) -> ArchiveError:
    """Name why SQLite would not read the file: its bytes, another program's lock, or the disk.

    Only damaged bytes make it "not a usable SQLite database": a player told that of
    an archive another program holds, or of one on a full disk, might delete it.
    """
    extended = getattr(error, "sqlite_errorcode", 0) or 0
    code = extended & 0xFF
    reason = " ".join(str(error).split())
    if extended in _FULL or code in _FULL:
        return ArchiveError(
            f"cannot read {path}: the disk holding it is full ({reason}); free some space"
            " and run again"
        )
    if code in _LOCKED:
        return ArchiveError(
            f"{path} is locked by another program ({reason}); close it, or let it finish,"
            " and run again"
        )
    if code in _DAMAGED or not code:
        return NotAnArchiveError(f"{path} is not a usable SQLite database ({reason})")
    return ArchiveError(f"cannot read {path}: {reason}")


def stored_revision(path: Path) -> str | None:
    """Return the alembic revision stored in the file at ``path`` (read-only; None if none).

    Raises:
        NotAnArchiveError: the file is not a usable SQLite database.

    """
    return _stored_revision(Path(path))[1]


def _check_revision(path: Path, create: bool = True) -> None:
    """Refuse a database that is not ours, or that a newer grunt-archive upgraded.

    A SQLite database with no table is a new archive for the commands that make one
    (``create``); for the others it holds no archive, as an empty file does.
    """
    tables, current = _stored_revision(path)
    if current is None:
        if {t for t in tables if not t.startswith("sqlite_")} - {"alembic_version"}:
            raise NotAnArchiveError(
                f"{path} is a SQLite database, but not a grunt-archive archive; "
                "refusing to touch it"
            )
        if not create and path.exists() and path.stat().st_size > 0:
            raise ArchiveError(
                f"no archive at {path}: an empty SQLite database (run `grunt-archive sync` first)"
            )
        return
    _refuse_unknown(str(path), current)


def check_archive(path: Location, *, create: bool = True) -> None:
    """Refuse, without writing a byte, a file that cannot be our archive.

    A PostgreSQL archive (a URL) is checked when it is opened (``open_archive``).

    Raises:
        ArchiveError: the directory is missing, the file unreadable, or
            missing when not ``create``.
        NotAnArchiveError: the file is not SQLite, or not made by grunt-archive.
        ArchiveTooNewError: a newer grunt-archive has upgraded it.

    """
    if is_server(path):
        return
    check_sqlite_file(Path(path), create=create)
    _check_revision(Path(path), create)


def open_archive(
    path: Location, *, upgrade: bool = True, create: bool = True, notify: Notify | None = None
) -> Engine:
    """Open the archive at ``path``, applying pending migrations when ``upgrade``.

    ``notify`` is told what a long migration does (`upgrading`).

    Raises:
        ArchiveError: the directory is missing, the file unreadable or read-only.
        NotAnArchiveError: the file is not SQLite, or not made by grunt-archive.
        ArchiveTooNewError: a newer grunt-archive has upgraded it.

    """
    if is_server(path):
        return _open_server(str(path), upgrade=upgrade, create=create, notify=notify)
    path = Path(path)
    check_archive(path, create=create)
    from sqlalchemy.exc import OperationalError

    engine = make_engine(path)
    try:
        if upgrade:
            upgrade_archive(engine, notify=notify)
    except ArchiveError:
        engine.dispose()
        raise
    except OperationalError as error:
        engine.dispose()
        raise ArchiveError(unopenable(path, error.orig)) from None
    return engine


def upgrade_archive(
    engine: Engine, revision: str = "head", *, migrate: bool = False, notify: Notify | None = None
) -> None:
    """Apply migrations up to ``revision`` in one transaction, telling ``notify`` of long ones.

    An empty SQLite file brought to the head is given the head's schema from
    `schema_file` instead, unless ``migrate`` (what the migrations build, faster).

    SQLite adds a foreign key by building the table again (a copy, the old one
    dropped, the copy renamed), which its own procedure for schema changes
    runs with foreign keys off and then checks: so do the migrations here. A
    row left pointing at nothing rolls the whole upgrade back. A rebuild that left
    much of the file unused is compacted after (`upgrading.compact_after`).

    Raises:
        ArchiveError: the migrated archive would break its foreign keys.

    """
    from sqlalchemy import inspect

    target = head_revision() if revision == "head" else revision
    if engine.dialect.name != "sqlite":
        _upgrade_server(engine, revision, target, notify)
        return
    with engine.connect() as connection:
        current = _revision_of(connection)
        if current == target:
            return
        empty = current is None and not inspect(connection).get_table_names()
        connection.rollback()
        driver = connection.connection.driver_connection
        assert driver is not None
        if empty and revision == "head" and not migrate and schema_file.create(driver):
            return
        from alembic import command
        from sqlalchemy.exc import DBAPIError

        config = alembic_config()
        unused = upgrading.unused_pages(driver)
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                upgrading.announce(config, connection, current, target, notify)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise ArchiveError(
                        f"upgrading to {target} would leave {len(broken)} rows naming nothing"
                        f" (first: {table} row {rowid} → {parent}); the archive is unchanged"
                    )
        except DBAPIError as error:
            raise ArchiveError(
                f"upgrading the archive from {current or 'nothing'} to {target} failed:"
                f" {upgrading.first_refusal(error)}; the archive is unchanged"
            ) from None
        finally:
            driver.execute("PRAGMA legacy_alter_table=OFF")  # migrations/env.py turned it on
            driver.execute("PRAGMA foreign_keys=ON")
        upgrading.compact_after(driver, unused, notify)


def _open_server(url: str, *, upgrade: bool, create: bool, notify: Notify | None) -> Engine:
    """Open a PostgreSQL archive: the same checks as a file's, made through the server."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    name = archive_name(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            current = None
            if "alembic_version" in tables:
                current = connection.exec_driver_sql(
                    "SELECT version_num FROM alembic_version"
                ).scalar()
        if current is None:
            if tables - {"alembic_version"}:
                raise NotAnArchiveError(
                    f"{name} is a PostgreSQL database, but not a grunt-archive archive;"
                    " refusing to touch it"
                )
            if not create:
                raise ArchiveError(f"no archive at {name} (run `grunt-archive sync` first)")
        else:
            _refuse_unknown(name, current)
        if upgrade:
            upgrade_archive(engine, notify=notify)
    except ArchiveError:
        engine.dispose()
        raise
    except DBAPIError as error:
        engine.dispose()
        # The driver's words (one line), never the URL's password.
        reason = " ".join(redact(str(error.orig), url).split())
        raise ArchiveError(f"cannot open {name}: {reason}") from None
    return engine


def _refuse_unknown(name: str, current: str) -> None:
    if not revisions.is_known(current):
        raise ArchiveTooNewError(
            f"{name} was written by a newer grunt-archive (revision {current}); "
            "upgrade grunt-archive"
        )


# Any constant: every grunt-archive upgrading a PostgreSQL archive takes the same lock.
UPGRADE_LOCK = 0x6772756E74


def _upgrade_server(
    engine: Engine, revision: str, target: str | None, notify: Notify | None
) -> None:
    """Apply migrations to a PostgreSQL archive in one transaction, one process at a time.

    PostgreSQL checks a foreign key as it is added and rolls DDL back with the
    transaction, so nothing like SQLite's dance is needed. Several workers may
    start at once against one database: the first upgrades, the others wait
    for it on an advisory lock, then find nothing left to do.
    """
    with engine.begin() as connection:
        if _revision_of(connection) == target:
            return  # the common case, without the lock
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        if _revision_of(connection) == target:
            return
        from alembic import command

        config = alembic_config()
        upgrading.announce(config, connection, _revision_of(connection), revision, notify)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _revision_of(connection: Connection) -> str | None:
    """Return the revision in ``alembic_version`` (None: no table, or no row)."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def current_revision(engine: Engine) -> str | None:
    """Return the archive's alembic revision, or None for an empty file.

    Raises:
        ArchiveError: SQLite cannot open the file (`files.unopenable` says why).

    """
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as connection:
            return _revision_of(connection)
    except OperationalError as error:
        if engine.dialect.name != "sqlite" or engine.url.database is None:
            raise
        # The engine's database is `files.file_uri(path)`: the path, percent-escaped.
        path = Path(unquote(urlsplit(engine.url.database).path))
        raise ArchiveError(unopenable(path, error.orig)) from None


def head_revision() -> str | None:
    """Return the newest revision this version of grunt-archive knows."""
    return revisions.head()


def require_current(engine: Engine, name: object) -> None:
    """Refuse the archive ``engine`` opened (with ``upgrade=False``) unless it is at the head.

    Raises:
        ArchiveError: it is older than this program (`revisions.older_archive`).

    """
    current = current_revision(engine)
    if current != head_revision():
        raise revisions.older_archive(name, current)


@contextmanager
def archive(
    path: Location, *, upgrade: bool = True, create: bool = True, notify: Notify | None = None
) -> Iterator[Engine]:
    """Open the archive for the duration of a ``with`` block, then dispose of it."""
    engine = open_archive(path, upgrade=upgrade, create=create, notify=notify)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def archive_store(
    path: Location, *, upgrade: bool = True, create: bool = True, notify: Notify | None = None
) -> Iterator[Store]:
    """Open the archive at ``path`` as a `Store` for the block, migrating it first when ``upgrade``.

    Without ``upgrade`` an archive older than this program is refused, not migrated:
    a command that only reads must not migrate it.

    A SQLite archive is opened with the ``sqlite3`` module alone once it is at
    this program's revision: SQLAlchemy (and alembic) load only to create or
    migrate one, or to reach PostgreSQL. The nightly run that finds nothing
    new spends most of its time loading modules, and SQLAlchemy was a third
    of them.

    Raises:
        ArchiveError: the directory is missing, the file unreadable or read-only.
        NotAnArchiveError: the file is not SQLite, or not made by grunt-archive.
        ArchiveTooNewError: a newer grunt-archive has upgraded it.
        ArchiveError: not ``upgrade``, and it is older than this program.

    """
    from grunt_archive.store.session import open_store

    if is_server(path):
        with archive(path, upgrade=upgrade, create=create, notify=notify) as engine:
            if not upgrade:
                require_current(engine, archive_name(path))
            with open_store(engine) as store:
                yield store
        return
    path = Path(path)
    check_archive(path, create=create)
    tables, current = _stored_revision(path)
    if not upgrade and current != head_revision():
        raise revisions.older_archive(archive_name(path), current)
    if upgrade and current != head_revision() and not (current is None and not tables):
        open_archive(path, notify=notify).dispose()  # migrated, then opened as a current one
    driver = _connect(path)
    try:
        # A new file gets the head's schema (`schema_file`): a first sync loads no SQLAlchemy.
        if upgrade and current is None and not tables and not schema_file.create(driver):
            driver.close()
            open_archive(path).dispose()
            driver = _connect(path)
        yield Store(driver, "sqlite")
    finally:
        driver.close()


def _connect(path: Path) -> sqlite3.Connection:
    """Open the SQLite file with the archive's pragmas; the store thread shares the connection."""
    try:
        driver = sqlite3.connect(file_uri(path), uri=True, check_same_thread=False)
    except sqlite3.Error as error:
        raise ArchiveError(unopenable(path, error)) from None
    try:
        _set_pragmas(driver, None)
    except sqlite3.Error as error:
        driver.close()
        raise ArchiveError(unopenable(path, error)) from None
    return driver
