"""The archive's file, named exactly: its SQLite URIs and the real path its lock goes beside.

A reader's URI is read-only, or immutable on read-only media (`read_immutable`);
`discard_if_unused` removes the file a failed first run made, and `unopenable`
says why SQLite could not open one.

Small and free of heavy imports, so `query` and `lock` can use it without
loading SQLAlchemy or alembic.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path

from grunt_archive.errors import ArchiveError, NotAnArchiveError, UsageError

SHOWN_PATH = 200  # characters of a path a message quotes
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database
# Files SQLite and grunt-archive keep beside an archive: never an archive themselves.
COMPANIONS = ("-wal", "-shm", "-journal", ".lock")


def file_uri(path: Path, mode: str | None = None) -> str:
    """Return the SQLite URI of exactly the file at ``path``, whatever its name holds.

    ``?``, ``#``, ``%`` and spaces are percent-escaped, so ``we?ird.db`` is that
    file and not ``we`` with a query string. ``mode`` is ``ro`` to open read-only.
    """
    uri = Path(path).absolute().as_uri()
    return f"{uri}?mode={mode}" if mode else uri


def real_path(path: Path) -> Path:
    """Return the file a path names once symlinks are followed (it need not exist yet).

    Raises:
        ArchiveError: the symlinks lead round in a loop, to no file at all.

    """
    try:
        return Path(path).expanduser().resolve()
    except RuntimeError:  # Python 3.11 says RuntimeError, 3.13 OSError (ELOOP)
        raise ArchiveError(f"{path} is a symlink that leads back to itself") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ArchiveError(f"{path} is a symlink that leads back to itself") from None
        raise unusable(path, error) from None


def unusable(path: Path, error: OSError) -> ArchiveError:
    """Return the one-line error for a path the system refuses (too long, no permission)."""
    text = str(path)
    shown = text if len(text) <= SHOWN_PATH else f"{text[:SHOWN_PATH]}…"
    return ArchiveError(f"cannot use {shown}: {error.strerror or error}")


def same_file(path: Path, other: Path) -> bool:
    """Say whether two paths name one file: the same real path, or a hard link or bind mount."""
    try:
        if Path(path).resolve() == Path(other).resolve():
            return True
        return Path(path).samefile(other)
    except (OSError, RuntimeError):  # one does not exist (yet), or leads round in a loop
        return False


def check_archive_path(path: Path, *, create: bool) -> None:
    """Refuse a path that holds no archive, reading no byte of it.

    A file of 0 bytes holds none either: a command that never creates one (``create``
    false) says so, as of a missing file, where it wrote a new archive's first page.

    Raises:
        ArchiveError: a symlink loop, a missing directory, a directory, a device, a pipe
            or a socket; or, when not ``create``, no file or an empty one.

    """
    real_path(path)  # a symlink loop exists to nothing, and would be taken for a new file
    try:
        _check_archive_path(path, create)
    except OSError as error:  # a name too long, a directory this user may not search
        raise unusable(path, error) from None


def header(path: Path) -> bytes:
    """Return the first bytes of the file at ``path``: `SQLITE_HEADER` for a SQLite database.

    Raises:
        OSError: the file cannot be read.

    """
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER))


def companion_of(path: Path) -> Path | None:
    """Return the archive whose ``-wal``, ``-shm``, ``-journal`` or lock file ``path`` is."""
    for suffix in COMPANIONS:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            archive = path.with_name(path.name[: -len(suffix)])
            try:
                return archive if header(archive) == SQLITE_HEADER else None
            except OSError:
                return None
    return None


def _check_archive_path(path: Path, create: bool) -> None:
    archive = companion_of(path)
    if archive is not None:
        # SQLite deletes or rewrites these files behind the archive's back: an archive
        # written into one is lost without a word.
        raise UsageError(
            f"{path} is a file SQLite or grunt-archive keeps beside the archive {archive.name}:"
            " name the archive itself, or a file of its own"
        )
    if not path.parent.is_dir():
        raise ArchiveError(f"directory {path.parent} does not exist")
    if path.is_dir():
        raise ArchiveError(f"{path} is a directory, not an archive file")
    if path.exists() and not path.is_file():
        # Reading a pipe's header would wait forever; SQLite would make /dev/null-journal.
        raise ArchiveError(f"{path} is not a regular file (a device, a pipe or a socket)")
    if not create and (not path.exists() or path.stat().st_size == 0):
        raise ArchiveError(f"no archive at {path} (run `grunt-archive sync` first)")


def check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse what `check_archive_path` refuses, and a file that is not SQLite.

    Raises:
        ArchiveError: see `check_archive_path`; the file cannot be read.
        NotAnArchiveError: the file is not a SQLite database.

    """
    check_archive_path(path, create=create)
    if not path.exists():
        return
    try:
        first = header(path)
    except OSError as error:
        raise ArchiveError(f"cannot read {path}: {error.strerror}") from None
    if first and first != SQLITE_HEADER:
        raise NotAnArchiveError(f"{path} is not a SQLite database")


def beside(path: Path, suffix: str) -> Path:
    """Return the file named ``suffix`` after the archive's, beside the real file (-wal, -shm)."""
    real = real_path(path)
    return real.with_name(f"{real.name}{suffix}")


def lock_path(path: Path) -> Path:
    """Return the one-writer lock file of an archive: beside the real file, not a symlink."""
    return beside(path, ".lock")


def mounted_read_only(directory: Path) -> bool:
    """Say whether ``directory`` is on a filesystem mounted read-only (nothing can write there)."""
    return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)


def read_immutable(path: Path, read_only: Callable[[Path], bool] = mounted_read_only) -> bool:
    """Return whether a reader must open the archive as immutable, not with ``mode=ro``.

    A WAL-mode archive read with ``mode=ro`` needs its ``-shm`` file, which SQLite
    creates beside the archive when it is missing: on read-only media (a disc, a
    share or a backup mounted read-only) it cannot, and the open fails. There
    ``immutable=1`` reads the file alone; nothing can be writing to it, so it
    cannot read stale pages. A directory this user merely may not write is not
    that: the archive's owner may sync into it while it is read, and an
    immutable reader would then read stale or torn pages (`shm_refused` says why
    such an open fails). When a ``-wal`` and a ``-shm`` are both there, ``mode=ro``
    reads through them.

    Args:
        path: the archive file.
        read_only: `mounted_read_only`, or a stand-in that says which directories are.

    Raises:
        ArchiveError: the archive is on read-only media with changes still in a
            ``-wal`` file that SQLite cannot read there without its ``-shm``.

    """
    if not read_only(real_path(path).parent):
        return False
    wal, shm = beside(path, "-wal"), beside(path, "-shm")
    if wal.exists() and shm.exists():
        return False
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"{path} is read-only and its latest changes are still in {wal.name}, which SQLite"
            f" cannot read without {shm.name}: copy both files to a writable directory to read them"
        )
    return True


def shm_refused(path: Path, access: Callable[[Path, int], bool] = os.access) -> str | None:
    """Say why a read-only open of the archive failed, when this user may not write its directory.

    Returns:
        One line for the user, or None when that is not the reason.

    """
    shm = beside(path, "-shm")
    if shm.exists() or access(shm.parent, os.W_OK):
        return None
    return (
        f"cannot read {path}: SQLite must create {shm.name} beside it to read it, and this user"
        f" may not write to {shm.parent}; run this as the user who owns the archive, or"
        " let this user write to that directory"
    )


def read_uri(path: Path, read_only: Callable[[Path], bool] = mounted_read_only) -> str:
    """Return the SQLite URI that reads the archive without writing a byte (see `read_immutable`).

    Raises:
        ArchiveError: the archive cannot be read where it is (see `read_immutable`).

    """
    if read_immutable(path, read_only):
        return f"{file_uri(path)}?immutable=1"
    return file_uri(path, "ro")


def unopenable(
    path: Path, error: BaseException, read_only: Callable[[Path], bool] = mounted_read_only
) -> str:
    """Say why SQLite could not open the archive, naming a read-only disk or directory.

    SQLite says only "unable to open database file": it must write the ``-wal`` and
    ``-shm`` files beside the archive, even to read it through a store.
    """
    try:
        on_read_only_media = read_only(path.parent)
    except OSError:
        on_read_only_media = False
    if on_read_only_media:
        return (
            f"cannot open {path}: it is on a read-only filesystem, where SQLite cannot make"
            " its -wal and -shm files (`query` and `serve` read it there; copy it to a"
            " writable disk for the other commands)"
        )
    return shm_refused(path) or f"cannot open {path}: {error}"


def discard_if_unused(db_path: Path) -> None:
    """Remove an archive a failed run created if it holds no document (the run did nothing).

    The caller holds the writer lock; its lock file goes too, since the archive it
    guarded is gone. A symlink named as the archive stays: what goes is the file it
    leads to, and the -wal and -shm beside that file, as SQLite made them.
    """
    try:
        with closing(sqlite3.connect(file_uri(db_path, "ro"), uri=True)) as connection:
            used = connection.execute("SELECT EXISTS (SELECT 1 FROM raw_responses)").fetchone()[0]
    except sqlite3.Error:
        return
    if not used:
        for made in (real_path(db_path), *(beside(db_path, s) for s in ("-wal", "-shm", ".lock"))):
            with suppress(FileNotFoundError):
                made.unlink()
