"""The marks of copies under way (``unfinished_copies``), and whether each one's copy still runs.

A copy marks its run (`begin`: a row committed before its first row, deleted with
its last write, `finish`). A mark found once its copy has stopped was left by a
copy cut short, whose rows added to matches the destination held nobody counted:
the next copy counts every derived table again (`store.copied`). Whoever counts
them all again (``reparse``; a copy that found a mark) may then delete the marks
of copies that had stopped before it counted (`forget`): units run one at a time
(PostgreSQL's unit lock, SQLite's one writer), so every row such a copy wrote was
committed before the count and is in it. A copy still running writes rows after
the count: its mark stays, for the copy's own last write to delete, or, if it is
cut short, for the next copy to count again. (Deleting every mark found, as
``reparse`` did, lost the mark of a copy cut short after a reparse it ran beside.)

Whether a mark's copy still runs is told by a lock the copy takes before its mark
is committed and lets go of with its last write, which dies with its process:

- PostgreSQL: a session-level advisory lock keyed on (`LOCK_CLASS`, the mark's id),
  seen in ``pg_locks``; the server drops it with the copy's session, which ends
  with the copy, cut short or not (``copy_archive`` disposes of its engine).
- SQLite: an exclusive ``flock`` on ``<archive>.copy-<id>.lock`` beside the real
  file (`lock.hold_lock`). The copy deletes the file with its last write (before
  its mark goes, so that a later copy given the same id makes a file of its own)
  or when cut short; whoever finds it unheld deletes it with the mark. A mark with
  no file is a copy's that has stopped.

A mark whose copy cannot be told (an archive held in memory has no file to lock
beside) is kept: it costs the next copy a full count, never a wrong total.

Two copies into one archive never run at once. A copy's rows added to a match
the other counted first would be counted by neither: the match was not held
when this copy began, and it has a ``player_matches`` line when this copy ends
(`store.copied`). On SQLite the copy holds the one writer's lock
(``runner.run_copy``). On PostgreSQL, where syncs write side by side, a copy
holds, before its first write and until its end, a session-level advisory lock
keyed on (`LOCK_CLASS`, `WRITING`): `hold_writing` refuses a second copy, which
has written nothing. `WRITING` is -1, a key no mark's lock has (theirs are ids
mod 2**31, never negative), so `_running` never takes it for a mark's.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from grunt_archive.errors import AlreadyRunningError
from grunt_archive.files import beside
from grunt_archive.lock import hold_lock, lock_abandoned
from grunt_archive.store.session import Unit
from grunt_archive.store.writer import chunks, execute, is_postgresql, query
from grunt_archive.times import now_utc

UNFINISHED = "unfinished_copies"
# The first key of a copy's advisory lock ("copy"); the second is its mark's id (an int4).
LOCK_CLASS = 0x636F_7079
_KEYS = 2**31
# The second key of the lock of a copy writing into a PostgreSQL archive (`hold_writing`).
WRITING = -1
_KEY = "CAST(? AS INTEGER), CAST(? AS INTEGER)"  # psycopg would send 7 as a smallint
# The two-key advisory locks of class ``?`` granted in this database (`pg_locks`).
_HELD_IN_THIS_DATABASE = (
    "FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
    " AND CAST(classid AS BIGINT) = ? AND database ="
    " (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class Mark:
    """A copy's row of ``unfinished_copies``, held as under way until `finish` or `close`.

    Attributes:
        id: the row's id.
        after_cut_short: an earlier copy's mark was there when this one began.

    """

    __slots__ = ("_held", "after_cut_short", "id")

    def __init__(
        self, mark_id: int, after_cut_short: bool, held: tuple[Path, BinaryIO] | None
    ) -> None:
        self.id = mark_id
        self.after_cut_short = after_cut_short
        self._held = held  # SQLite's lock file, and the file open on it

    def close(self) -> None:
        """Let go of the SQLite lock file (deleted first: its copy stops); again is a no-op.

        A PostgreSQL lock goes with the copy's session.
        """
        held, self._held = self._held, None
        if held is not None:
            path, file = held
            with suppress(OSError):
                path.unlink(missing_ok=True)
            file.close()

    def __enter__(self) -> Mark:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def begin(connection: Unit) -> Mark:
    """Mark the copy as under way, and hold its lock (the unit commits the mark after it).

    Raises:
        ArchiveError: its SQLite lock file cannot be made, or another process holds it.

    """
    earlier = bool(query(connection, f"SELECT 1 FROM {UNFINISHED} LIMIT 1"))
    execute(connection, f"INSERT INTO {UNFINISHED} (started_at) VALUES (?)", (now_utc(),))
    ((mark_id,),) = query(connection, f"SELECT max(id) FROM {UNFINISHED}")
    held = None
    if is_postgresql(connection):
        # Never held by another: ids are not given twice, and `_running` only reads.
        query(connection, f"SELECT pg_advisory_lock({_KEY})", (LOCK_CLASS, mark_id % _KEYS))
    else:
        path = _lock_path(connection, mark_id)
        held = (path, hold_lock(path)) if path is not None else None
    return Mark(mark_id, earlier, held)


def hold_writing(connection: Unit, name: str) -> None:
    """Hold, until the copy ends, the lock saying that a copy writes into this archive.

    A no-op on SQLite, whose copy holds the one writer's lock. Taken by the copy's
    first unit before it writes; let go of by `let_go_writing` in its last, or by the
    server with the copy's session if it is cut short.

    Args:
        connection: the copy's unit, on the session the copy writes on to its end.
        name: the archive, as it may be shown (``location.archive_name``: no password).

    Raises:
        AlreadyRunningError: another copy holds it (named by its server process).

    """
    if not is_postgresql(connection):
        return
    ((held,),) = query(connection, f"SELECT pg_try_advisory_lock({_KEY})", (LOCK_CLASS, WRITING))
    if held:
        return
    holders = query(
        connection,
        f"SELECT pid {_HELD_IN_THIS_DATABASE} AND CAST(objid AS BIGINT) = ?",
        (LOCK_CLASS, WRITING % 2**32),  # an oid: the key's 32 bits, unsigned
    )
    # Gone since the try, it is named by no process; the copy is refused all the same.
    who = f" (server process {holders[0][0]})" if holders else ""
    raise AlreadyRunningError(f"another copy{who} is already writing to {name}")


def let_go_writing(connection: Unit) -> None:
    """Let go of the lock `hold_writing` took (a no-op on SQLite): the copy's last write."""
    if is_postgresql(connection):
        query(connection, f"SELECT pg_advisory_unlock({_KEY})", (LOCK_CLASS, WRITING))


def marks(connection: Unit) -> list[int]:
    """Return the ids of the marks ``unfinished_copies`` holds now (copies cut short or running)."""
    return [mark_id for (mark_id,) in query(connection, f"SELECT id FROM {UNFINISHED} ORDER BY id")]


def cut_short(connection: Unit) -> int:
    """Return how many marks were left by copies cut short (not by a copy still running)."""
    found = marks(connection)
    return len(found) - len(_running(connection, found))


def forget(connection: Unit, mark_ids: Sequence[int]) -> None:
    """Delete those of the marks ``mark_ids`` whose copy has stopped; a running copy's stays.

    Called after the unit's first write: on SQLite the unit is then the one
    writer, so no copy writes again between the look and the unit's commit.
    """
    live = _running(connection, mark_ids)
    gone = [mark_id for mark_id in mark_ids if mark_id not in live]
    for chunk in chunks(gone):
        places = ", ".join("?" for _ in chunk)
        execute(connection, f"DELETE FROM {UNFINISHED} WHERE id IN ({places})", tuple(chunk))


def finish(connection: Unit, mark: Mark) -> None:
    """Delete the copy's mark, and those before it of copies that stopped (its last unit).

    A mark before it was there when the copy began (ids grow), so this copy counts
    every derived table again in this unit (`Mark.after_cut_short`).
    """
    execute(connection, f"DELETE FROM {UNFINISHED} WHERE id = ?", (mark.id,))
    forget(connection, [mark_id for mark_id in marks(connection) if mark_id < mark.id])
    if is_postgresql(connection):
        query(connection, f"SELECT pg_advisory_unlock({_KEY})", (LOCK_CLASS, mark.id % _KEYS))
    mark.close()


def _running(connection: Unit, mark_ids: Sequence[int]) -> set[int]:
    """Return those of ``mark_ids`` whose copy still holds its lock (or cannot be told)."""
    if not mark_ids:
        return set()
    if is_postgresql(connection):
        held = {
            key
            for (key,) in query(
                connection,
                f"SELECT CAST(objid AS BIGINT) {_HELD_IN_THIS_DATABASE}",
                (LOCK_CLASS,),
            )
        }
        return {mark_id for mark_id in mark_ids if mark_id % _KEYS in held}
    paths = {mark_id: _lock_path(connection, mark_id) for mark_id in mark_ids}
    return {m for m, path in paths.items() if path is None or not lock_abandoned(path)}


def _lock_path(connection: Unit, mark_id: int) -> Path | None:
    """Return the lock file of the copy that wrote mark ``mark_id`` (None: an archive in memory)."""
    files = {name: file for _, name, file in query(connection, "PRAGMA database_list")}
    archive = files.get("main")
    return beside(Path(archive), f".copy-{mark_id}.lock") if archive else None
