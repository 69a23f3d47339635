"""Backups kept in one directory, named by the time they were taken, the oldest let go.

``backup --into DIR --keep N`` is the nightly or weekly backup in one line: each
run writes ``DIR/halo-2026-12-03T041500Z.db`` (the archive's name and the UTC
time: names sort as times do, whatever the time zone or daylight saving), then
deletes the oldest backups of that archive there until N are left. Only files
whose whole name has that shape, for that archive's name, are ever counted or
deleted: anything else in the directory is none of this module's business. A
backup is never deleted while something writes to it or holds changes in its
``-wal`` (someone serves or syncs it): it is left alone and said so.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grunt_archive.backup import (
    PARTIAL,
    Backup,
    OnProgress,
    back_up,
    remove_abandoned,
    sqlite_file,
)
from grunt_archive.db import check_archive
from grunt_archive.errors import ArchiveError, UsageError
from grunt_archive.files import SQLITE_HEADER, beside, header, lock_path, unusable
from grunt_archive.location import Location
from grunt_archive.lock import writer_busy

STAMP = "%Y-%m-%dT%H%M%SZ"
STAMP_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{6}Z"


@dataclass(frozen=True)
class Rotation:
    """What a backup ``--into`` a directory wrote, and which older backups it let go."""

    backup: Backup
    removed: list[Path] = field(default_factory=list)
    # Older backups past --keep that something uses: each with why it stayed.
    left_alone: list[tuple[Path, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Return the ``--json`` summary: the backup's, with what was removed and left alone."""
        return {
            **self.backup.to_json(),
            "removed": [str(path) for path in self.removed],
            "left_alone": [{"path": str(path), "why": why} for path, why in self.left_alone],
        }


def dated_name(source: Path, moment: datetime) -> str:
    """Return the name of ``source``'s backup at ``moment``: ``halo-2026-12-03T041500Z.db``."""
    return f"{source.stem}-{moment.astimezone(UTC).strftime(STAMP)}{source.suffix or '.db'}"


def backups_of(source: Path, directory: Path) -> list[Path]:
    """Return the dated backups of ``source`` in ``directory``, newest first."""
    shape = re.compile(_dated(source))
    found = [path for path in directory.iterdir() if shape.fullmatch(path.name)]
    return sorted(found, key=lambda path: path.name, reverse=True)


def _dated(source: Path) -> str:
    """Return the pattern of the names `dated_name` gives ``source``'s backups."""
    return rf"{re.escape(source.stem)}-{STAMP_PATTERN}{re.escape(source.suffix or '.db')}"


def _clear_abandoned(source: Path, directory: Path) -> None:
    """Delete the temporary files of dated backups whose process was killed.

    Each dated backup has a name of its own, which no later backup takes again to
    clear them, as a backup ``--to`` one name does.
    """
    shape = re.compile(rf"\.({_dated(source)})\.\d+{re.escape(PARTIAL)}")
    for path in directory.iterdir():
        if match := shape.fullmatch(path.name):
            remove_abandoned(directory / match[1])


def back_up_into(
    source: Location,
    directory: Path,
    *,
    keep: int | None = None,
    on_progress: OnProgress | None = None,
    now: datetime | None = None,
) -> Rotation:
    """Back the archive up to a new dated file in ``directory``; then keep only ``keep`` backups.

    The directory is made when only its last part is missing. The new backup is
    always kept, and nothing is deleted unless it is complete and in place.

    Raises:
        UsageError: ``keep`` below 1, a PostgreSQL source, or a backup of this
            very second already there; and what `back_up` raises.
        ArchiveError: the directory cannot be made or read.

    """
    if keep is not None and keep < 1:
        raise UsageError(f"--keep {keep}: keep at least the backup just taken (1 or more)")
    source = sqlite_file(source)
    check_archive(source, create=False)  # before a directory is made for it
    _make_directory(directory)
    _clear_abandoned(source, directory)
    destination = directory / dated_name(source, now or datetime.now(UTC))
    if destination.exists() or destination.is_symlink():
        raise UsageError(
            f"{destination} already exists: a backup was taken into {directory} this very"
            " second; run again in a second"
        )
    done = back_up(source, destination, on_progress=on_progress)
    if keep is None:
        return Rotation(done)
    removed: list[Path] = []
    left_alone: list[tuple[Path, str]] = []
    older = [path for path in backups_of(source, directory) if path != destination]
    for path in older[keep - 1 :]:
        why = _in_use(path)
        if why is None:
            _remove(path)
            removed.append(path)
        else:
            left_alone.append((path, why))
    return Rotation(done, removed, left_alone)


def _make_directory(directory: Path) -> None:
    try:
        directory.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise ArchiveError(
            f"cannot back up into {directory}: {directory.parent} does not exist"
        ) from None
    except FileExistsError:
        raise ArchiveError(f"cannot back up into {directory}: it is not a directory") from None
    except OSError as error:  # a name too long, a directory this user may not write to
        raise unusable(directory, error) from None
    if not directory.is_dir():
        raise ArchiveError(f"cannot back up into {directory}: it is not a directory")


def _in_use(path: Path) -> str | None:
    """Return why the older backup ``path`` must stay, or None when it may go."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file"
    try:
        if header(path) != SQLITE_HEADER:
            return "not a SQLite file"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    wal = beside(path, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return f"in use: changes still in {wal.name}"
    if writer_busy(path):
        return "in use: a grunt-archive command writes to it"
    return None


def _remove(path: Path) -> None:
    """Delete an older backup with the files SQLite and grunt-archive keep beside it."""
    path.unlink(missing_ok=True)
    for extra in (beside(path, "-wal"), beside(path, "-shm"), lock_path(path)):
        extra.unlink(missing_ok=True)
