"""A whole SQLite archive copied to a new file as it stood at one instant, while syncs go on.

Copying ``halo.db`` with ``cp`` while a sync writes, or without its ``-wal`` file,
can give a file that is damaged or misses the latest matches. `back_up` has
SQLite write the copy (``VACUUM INTO``) inside one read transaction: the copy is
the archive as of that transaction's start, whole, compacted, and a sync keeps
writing meanwhile. The copy is written beside its destination under a temporary
name, checked (``PRAGMA quick_check``), flushed to disk and only then renamed
into place, so a backup interrupted halfway (Ctrl-C, a full disk, a killed
process) leaves the previous one as it was and no partial file behind.

SQLite writes and checks the copy in one call each, which a Ctrl-C cannot
interrupt: a progress handler, called every so many of SQLite's steps, reports
the bytes written so far and turns a Ctrl-C into SQLite's own interruption, so a
backup of a large archive stops at once.
"""

from __future__ import annotations

import glob
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from grunt_archive.db import check_archive
from grunt_archive.errors import ArchiveError, NotAnArchiveError, UsageError
from grunt_archive.files import (
    beside,
    check_archive_path,
    lock_path,
    read_uri,
    real_path,
    same_file,
)
from grunt_archive.interruptible import stoppable
from grunt_archive.location import Location, archive_name, is_server
from grunt_archive.lock import writer_lock

PARTIAL = ".partial"
# Told the bytes written so far and those expected in all (the archive's pages in use);
# last with both the copy's size, once it is written.
OnProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Backup:
    """What `back_up` wrote: where, how many matches, how many bytes, at which revision."""

    path: Path
    matches: int
    bytes: int
    revision: str | None
    seconds: float

    def to_json(self) -> dict[str, object]:
        """Return the ``--json`` summary."""
        return {
            "outcome": "ok",
            "to": str(self.path),
            "matches": self.matches,
            "bytes": self.bytes,
            "revision": self.revision,
            "seconds": round(self.seconds, 3),
        }


def back_up(
    source: Location,
    destination: Path,
    *,
    replace: bool = False,
    on_progress: OnProgress | None = None,
) -> Backup:
    """Write the archive at ``source`` to the new file ``destination``, whole and consistent.

    Args:
        source: a SQLite archive; a sync may be writing to it meanwhile.
        destination: the backup file; it must not exist, unless ``replace``.
        replace: replace an earlier backup at ``destination`` (a grunt-archive
            archive, never another file), once the new one is complete.
        on_progress: told the bytes written and those expected, as the copy grows.

    Raises:
        UsageError: a PostgreSQL source, a destination that is the archive itself,
            or one that exists (without ``replace``).
        ArchiveError: either file cannot be used, or the copy could not be written (a
            full disk) or read back whole; nothing is left of it.
        NotAnArchiveError: the source, or the file ``replace`` would replace, is
            not a grunt-archive archive.
        AlreadyRunningError: a command writes to the archive ``replace`` would replace.

    """
    began = time.perf_counter()
    source = sqlite_file(source)
    check_archive(source, create=False)
    _check_destination(source, destination, replace)
    remove_abandoned(destination)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}{PARTIAL}")
    with _held(destination):
        _check_at_rest(destination)  # at once, and again right before the rename
        try:
            _vacuum_into(source, partial, destination, on_progress)
            matches, revision = _check_copy(partial)
            _flush(partial)
            with suppress(OSError):  # a file system without modes (FAT) keeps its own
                os.chmod(partial, stat.S_IMODE(source.stat().st_mode))
            _check_at_rest(destination)
            _put_in_place(partial, destination, replace)
            _unlink_index(destination)
            _flush_directory(destination.parent)
        except BaseException:
            _remove_partial(partial)
            raise
    return Backup(
        destination, matches, destination.stat().st_size, revision, time.perf_counter() - began
    )


def sqlite_file(source: Location) -> Path:
    """Return the SQLite archive's path; a PostgreSQL archive is pointed at its own tools.

    Raises:
        UsageError: a PostgreSQL archive.

    """
    if is_server(source):
        raise UsageError(
            f"{archive_name(source)} is a PostgreSQL archive: back it up with pg_dump, or copy it"
            " into a SQLite file with `grunt-archive copy --to FILE`"
        )
    return Path(source)


def _check_destination(source: Path, destination: Path, replace: bool) -> None:
    """Refuse a destination that is the archive, its own files, or something a backup must keep."""
    check_archive_path(destination, create=True)  # a missing directory, a directory, a pipe
    if not os.access(destination.parent, os.W_OK | os.X_OK):
        raise ArchiveError(
            f"cannot write the backup: this user may not write to {destination.parent}"
        )
    others = (beside(source, "-wal"), beside(source, "-shm"), lock_path(source))
    if same_file(source, destination) or real_path(destination) in others:
        raise UsageError(f"{destination} is the archive itself: name a new file for the backup")
    if not destination.exists():
        return
    if not replace:
        raise _exists(destination)
    try:
        check_archive(destination, create=False)
    except NotAnArchiveError:
        raise NotAnArchiveError(
            f"{destination} is not a grunt-archive archive, and --replace replaces only an"
            " earlier backup: name a new file"
        ) from None


@contextmanager
def _held(destination: Path) -> Iterator[None]:
    """Hold the writer lock of the archive a backup replaces: no sync may begin on it meanwhile.

    A backup to a new name needs no lock. The lock file a backup made goes with it.
    """
    if not destination.exists():
        yield
        return
    made = not lock_path(destination).exists()
    try:
        with writer_lock(destination):
            yield
    finally:
        if made:
            lock_path(destination).unlink(missing_ok=True)


def _check_at_rest(destination: Path) -> None:
    """Refuse to replace an archive whose latest changes are still in its ``-wal`` file.

    SQLite would replay that file onto the backup put in its place, and damage it.
    The file is empty or gone once the archive's last connection closed: a -wal with
    changes belongs to an archive in use (``serve``, another program) or one whose
    program was killed.
    """
    wal = beside(destination, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"{destination} is in use, or its program was killed: its latest changes are still"
            f" in {wal.name}; stop what uses it (`serve`, a database browser), or run"
            f" `grunt-archive db upgrade --db {destination}` once to fold them in, then run again"
        )


def _put_in_place(partial: Path, destination: Path, replace: bool) -> None:
    """Give the checked copy its name; without ``replace``, never over a file made meanwhile."""
    if replace:
        os.replace(partial, destination)
        return
    try:
        os.link(partial, destination)  # fails, where a rename would not, if the name is taken
    except FileExistsError:
        raise _exists(destination) from None
    except OSError:  # a file system without hard links (FAT)
        if destination.exists():
            raise _exists(destination) from None
        os.replace(partial, destination)
        return
    partial.unlink()


def _exists(destination: Path) -> UsageError:
    return UsageError(
        f"{destination} already exists: name a new file, or pass --replace to replace"
        " that older backup"
    )


def _unlink_index(destination: Path) -> None:
    """Take away the empty ``-wal`` and the ``-shm`` of the archive just replaced.

    A program still reading the replaced archive keeps its own open copies of them;
    the backup in its place gets new ones, shared with no other file.
    """
    for suffix in ("-wal", "-shm"):
        beside(destination, suffix).unlink(missing_ok=True)


_JOURNALS = ("-journal", "-wal", "-shm")


def remove_abandoned(destination: Path) -> None:
    """Delete the temporary files of backups to ``destination`` whose process was killed.

    Each file on its own: a backup cut short by a full disk deleted its partial file
    but not the rollback journal SQLite's ``VACUUM INTO`` keeps beside it.
    """
    prefix = f".{destination.name}."
    for leftover in destination.parent.glob(f"{glob.escape(prefix)}*{PARTIAL}*"):
        pid, _, end = leftover.name[len(prefix) :].partition(PARTIAL)
        if pid.isdigit() and end in ("", *_JOURNALS) and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _remove_partial(partial: Path) -> None:
    """Delete a backup's partial file and the journals SQLite keeps beside it."""
    for leftover in (partial, *(Path(f"{partial}{end}") for end in _JOURNALS)):
        leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _vacuum_into(
    source: Path, partial: Path, destination: Path, on_progress: OnProgress | None = None
) -> None:
    """Have SQLite write the archive, as of one read transaction, into the new file ``partial``."""
    try:
        connection = sqlite3.connect(read_uri(source), uri=True)
    except sqlite3.Error as error:
        raise ArchiveError(f"cannot read {source}: {error}") from None

    def report() -> None:
        if on_progress is not None and partial.exists():
            on_progress(partial.stat().st_size, expected)

    steps = stoppable(connection, report)
    try:
        expected = _pages_in_use(connection)
        connection.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as error:
        steps.reraise(error)
        reason = " ".join(str(error).split())
        if partial.exists():
            raise ArchiveError(f"cannot write the backup {destination}: {reason}") from None
        raise ArchiveError(f"cannot read {source} to back it up: {reason}") from None
    finally:
        connection.close()
    if on_progress is not None:
        size = partial.stat().st_size
        on_progress(size, size)


def _pages_in_use(connection: sqlite3.Connection) -> int:
    """Return the bytes of the archive's pages that hold data: about the size of its copy."""
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    (free,) = connection.execute("PRAGMA freelist_count").fetchone()
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    return max(pages - free, 1) * size


def _check_copy(partial: Path) -> tuple[int, str | None]:
    """Check the written copy page by page; return its matches and revision."""
    connection = sqlite3.connect(partial)
    steps = stoppable(connection)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise ArchiveError(f"the backup did not read back whole: {problems[0]}")
        # VACUUM INTO writes a rollback-journal file: in WAL mode, as every archive is, the
        # backup is not rewritten by the first command that opens it (`status`, `serve`).
        connection.execute("PRAGMA journal_mode = WAL")
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        matches = revision = None
        if "matches" in tables:
            (matches,) = connection.execute("SELECT count(*) FROM matches").fetchone()
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.Error as error:
        steps.reraise(error)
        reason = " ".join(str(error).split())
        raise ArchiveError(f"the backup did not read back whole: {reason}") from None
    finally:
        connection.close()
    return matches or 0, revision


def _flush(path: Path) -> None:
    """Have the file reach the disk before the rename that makes it the backup."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _flush_directory(path: Path) -> None:
    """Have the rename reach the disk too, where the file system lets a directory be synced."""
    with suppress(OSError):
        _flush(path)
