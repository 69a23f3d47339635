"""One writer per archive: an advisory lock beside the database file.

A PostgreSQL archive (a URL) has no file beside it: the lock file is for
SQLite archives only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grunt_archive.errors import AlreadyRunningError, ArchiveError
from grunt_archive.location import is_server


@contextmanager
def writer_lock(db_path: Path | str) -> Iterator[None]:
    """Hold ``<archive>.lock`` for the duration of the block (a no-op for a PostgreSQL URL).

    The kernel drops the lock when the process dies, so a killed sync never
    leaves a stale lock behind.

    Raises:
        AlreadyRunningError: another process holds the lock.

    """
    if is_server(db_path):
        yield
        return
    lock_path = Path(f"{db_path}.lock")
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
            raise AlreadyRunningError(f"another sync is already writing to {db_path}") from None
        yield
    finally:
        os.close(descriptor)
