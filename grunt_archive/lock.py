"""One writer per archive: an advisory lock beside the database file.

A PostgreSQL archive (a URL) has no file beside it: the lock file is for
SQLite archives only. So are the locks a copy holds while it runs
(`hold_lock`, `lock_abandoned`: `store.unfinished` says why).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from grunt_archive.errors import AlreadyRunningError, ArchiveError, ArchiveWriteError
from grunt_archive.files import lock_path as lock_file
from grunt_archive.location import is_server


def already_writing(db_path: Path | str) -> AlreadyRunningError:
    """Return the error for an archive another process writes to, naming that process.

    The writer keeps its process id in the lock file, so the message says which process
    to look at (a sync, a reparse or a copy: any command that writes).
    """
    try:
        holder = lock_file(Path(db_path)).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        holder = ""
    who = f" (process {holder})" if holder.isdigit() else ""
    return AlreadyRunningError(
        f"another grunt-archive command{who} is already writing to {db_path}"
    )


def writer_busy(db_path: Path | str) -> bool:
    """Return whether a writer holds the archive's lock right now (never creating the lock file).

    Probing takes a shared lock for an instant, so call it only while waiting
    for a writer, never in a loop that could starve one. Never, for a PostgreSQL URL.
    """
    if is_server(db_path):
        return False
    try:
        descriptor = os.open(lock_file(Path(db_path)), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing drops the shared lock, if taken
    return False


@contextmanager
def writer_lock(db_path: Path | str) -> Iterator[None]:
    """Hold ``<archive>.lock`` for the duration of the block (a no-op for a PostgreSQL URL).

    The lock goes beside the real file, symlinks followed, so two names of
    one archive share one lock. The kernel drops the lock when the process
    dies, so a killed sync never leaves a stale lock behind.

    Raises:
        AlreadyRunningError: another process holds the lock.

    """
    if is_server(db_path):
        yield
        return
    lock_path = lock_file(Path(db_path))
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        raise ArchiveError(f"directory {lock_path.parent} does not exist") from None
    except OSError as error:
        raise ArchiveError(f"cannot create {lock_path}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise already_writing(db_path) from None
        try:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as error:  # a full disk: the lock is held all the same
            raise ArchiveWriteError(f"{error.strerror} (writing {lock_path})") from None
        yield
    finally:
        os.close(descriptor)


def hold_lock(path: Path) -> BinaryIO:
    """Create ``path`` and hold an exclusive lock on it until the returned file is closed.

    The kernel drops the lock when the process dies (``flock``: two files opened on it
    in one process exclude each other too).

    Raises:
        ArchiveError: the file cannot be created, or another holds its lock already.

    """
    try:
        # Never truncated, nothing written: the lock is all it holds.
        held = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b", buffering=0)
    except OSError as error:
        raise ArchiveError(f"cannot create {path}: {error.strerror}") from None
    try:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        raise ArchiveError(f"another process holds {path}") from None
    return held


def lock_abandoned(path: Path) -> bool:
    """Return whether no process holds ``path``'s lock (or there is no such file); if so, delete it.

    Its holder has closed it, or died: it never holds it again. A file this
    process cannot open is not known to be abandoned.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(descriptor)
