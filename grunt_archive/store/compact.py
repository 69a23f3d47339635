"""Compacting a SQLite archive after a run that grew it a lot (a first sync, a backfill).

The per-match tables are keyed by match id, a random GUID, so matches land at
random places in their B-trees and pages split: after a first sync they are
about two-thirds full. ``VACUUM`` writes every table out again, packed, which
makes the file of a new archive about a tenth smaller (below a plain JSON
dump of the same documents; ``bench/versus.py``). It rewrites the whole file,
so it is worth it only when the run wrote a large part of the archive: a
nightly run of a few matches never pays for it. PostgreSQL vacuums itself.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grunt_archive.store.session import Store
from grunt_archive.store.writer import query

# A run compacts the archive when it added at least this many matches ...
MIN_MATCHES = 100
# ... and at least this share of the archive's matches (the first sync adds them all).
MIN_SHARE = 0.25


def worth_compacting(store: Store, added: int) -> bool:
    """Say whether a run that added ``added`` matches should compact a SQLite archive."""
    if added < MIN_MATCHES or store.dialect != "sqlite":
        return False
    with store.unit() as connection:
        ((total,),) = query(connection, "SELECT count(*) FROM matches")
    return added >= MIN_SHARE * total


def compact(store: Store) -> bool:
    """``VACUUM`` the archive (`vacuum`); return whether it was done.

    Readers (``serve``, a ``query``) do not stop it in WAL mode.
    """
    return vacuum(store.outside_unit)


def vacuum(run: Callable[[str], Any]) -> bool:
    """``VACUUM`` a SQLite archive through ``run`` (which runs a statement, returning its rows).

    For a large run (`compact`) and an upgrade that left much of the file unused
    (`grunt_archive.upgrading.compact_after`) alike. Returns whether it did. When
    SQLite refuses it (a full disk: it needs room for a copy; another writer), or
    the disk has no room for the packed copy, the archive is left as it is, whole
    (compacting saves space, it never changes content), and the next such run
    tries again.

    The write-ahead log is emptied into the file first and again after a refusal:
    a ``VACUUM`` writes its copy into the log, and a log its copy filled on a full
    disk stays that size for good, as the checkpoint that would empty it must first
    grow the file by the run's last commits, for which there is no room. Every
    later sync then failed for want of the space the refused copy took.
    """
    if not _checkpointed(run) or not _room_for_copy(run):
        return False
    try:
        run("VACUUM")
    except sqlite3.OperationalError:
        _checkpointed(run)
        return False
    return True


def _checkpointed(run: Callable[[str], Any]) -> bool:
    """Write the log into the file and truncate it; return whether all of it went."""
    try:
        ((busy, _, _),) = run("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        return False
    return not busy


def _room_for_copy(run: Callable[[str], Any]) -> bool:
    """Return whether the archive's disk has room for a packed copy of its pages in the log."""
    file = next((row[2] for row in run("PRAGMA database_list") if row[1] == "main"), "")
    if not file:  # an archive in memory
        return True
    ((pages,),), ((unused,),), ((size,),) = (
        run(f"PRAGMA {name}") for name in ("page_count", "freelist_count", "page_size")
    )
    disk = os.statvfs(Path(file).parent)
    return disk.f_bavail * disk.f_frsize > (pages - unused) * size
