"""What an upgrade tells its user, and the room a SQLite upgrade gives back.

Most migrations take milliseconds. One that rebuilds a large table (SQLite adds a
foreign key by copying the table: migration 0029 on 2 million film events, about
12 s) would leave a user staring at a silent terminal: a migration script may
define ``notice(connection) -> str | None``, the line said before it runs (or
None when, on this archive, it is quick). Each command passes its own way of
saying it: ``db upgrade`` and the commands without a progress display write it
on stderr, ``sync``, ``reparse`` and ``copy`` as their progress display's note
(on a terminal only; nothing with ``--quiet`` or ``--json``).

A rebuild leaves the old copy's pages free inside the file, which grows by the
tables' size until a ``VACUUM``. As a large sync does (``store.compact``), an
upgrade that left at least a quarter of the file unused compacts it.

Notices are read before the first pending revision runs: one about a table an
earlier pending revision creates finds no table, which that revision makes empty.
`first_refusal` is what a failed SQLite upgrade says.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from grunt_archive.store.compact import MIN_SHARE, vacuum

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

Notify = Callable[[str], None]


def on_stderr(line: str) -> None:
    """Say ``line`` on stderr, where a command's notes and errors go (stdout stays its output)."""
    print(line, file=sys.stderr, flush=True)


def announce(
    config: Config, connection: Connection, current: str | None, target: str, notify: Notify | None
) -> None:
    """Say the notice of each revision from ``current`` to ``target`` that has one, in order."""
    if notify is None:
        return
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(config)
    for script in reversed(list(scripts.iterate_revisions(target, current or "base"))):
        notice = getattr(script.module, "notice", None)
        line = notice(connection) if notice is not None else None
        if line:
            notify(line)


def unused_pages(driver: sqlite3.Connection) -> int:
    """Return how many pages of the SQLite file are free (kept for reuse, not given back)."""
    return driver.execute("PRAGMA freelist_count").fetchone()[0]


def compact_after(driver: sqlite3.Connection, unused_before: int, notify: Notify | None) -> bool:
    """``VACUUM`` the file if the upgrade left a large share of it unused; return whether it did.

    A refused ``VACUUM`` (`store.compact.vacuum`: a full disk, another writer) leaves
    the archive as it is, upgraded and whole; the free pages are reused by the next syncs.
    """
    unused = unused_pages(driver)
    pages, size = (driver.execute(f"PRAGMA {name}").fetchone()[0]
                   for name in ("page_count", "page_size"))  # fmt: skip
    if unused <= unused_before or unused < MIN_SHARE * pages:
        return False
    if notify is not None:
        notify(
            f"Compacting the archive: the upgrade left {_megabytes(unused * size)} of its"
            f" {_megabytes(pages * size)} unused."
        )
    return vacuum(lambda sql: driver.execute(sql).fetchall())


def first_refusal(error: BaseException) -> str:
    """Return SQLite's first refusal among ``error`` and the errors it was raised handling.

    A full disk can make SQLite roll the whole transaction back mid-migration;
    alembic, undoing a table rebuild, then drops a copy that is no longer there, and
    "no such table: _alembic_tmp_…" would hide the full disk.
    """
    first: BaseException = error
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, sqlite3.Error):
            first = seen
        seen = seen.__context__ or seen.__cause__
    return " ".join(str(getattr(first, "orig", None) or first).split())


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} KB"
