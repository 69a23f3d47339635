"""Claims: which worker syncs which player, and which runs are still alive, on PostgreSQL.

Several ``sync`` processes, on several machines, may write one PostgreSQL
archive. Each player is synced by one of them at a time: a worker claims the
player with a session-level advisory lock keyed on the player's id
(`claim_player`), which PostgreSQL drops when the worker's connection ends,
however it ends, so a killed worker's claim lapses at once and no row has to be
cleaned up. A run holds a lock on its ``sync_runs`` row the same way, so a new
run marks ``interrupted`` only the runs whose process is gone.

Pending work (a match to fetch again, a lookup) is shared out the same way:
`WorkClaims.claim` holds an advisory lock on the item while this worker tries
it, and takes the item only when no other worker has tried it since this run
began (its ``attempts`` are those this run saw at its start) and it is still
needed (the caller's check). So each pending item is tried by one worker of
those running at once, not by every one of them.
A new match that several workers' players share is held the same way
(`hold_work`) by the worker fetching it; `grunt_archive.shared_matches` has the
others wait for it, and find it stored, rather than fetch it again.

On SQLite there is one writer (the lock file beside the archive): every claim
succeeds and a ``running`` row is always a dead run's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from grunt_archive.documents import MATCH_STATS
from grunt_archive.errors import GruntArchiveError
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import is_postgresql, query

# The first key of the two-key advisory locks on sync_runs rows (any constant of its own).
RUNS = 0x7275_6E73


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def player_key(player_id: str) -> int:
    """Return the advisory lock key of a player: 64 bits of a hash of their id, signed."""
    return _lock_key(f"claim:{player_id}")


def work_key(kind: str, key: str) -> int:
    """Return the advisory lock key of a pending item (``match_stats`` for a pending match)."""
    return _lock_key(f"work:{kind}\0{key}")


def claim_player(store: Store, player_id: str) -> bool:
    """Claim ``player_id`` for this worker until `release_player`; False if another holds it."""
    with store.unit() as connection:
        if not is_postgresql(connection):
            return True
        (held,) = query(connection, "SELECT pg_try_advisory_lock(?)", (player_key(player_id),))
    return bool(held[0])


def release_player(store: Store, player_id: str) -> None:
    """Give up the claim on ``player_id`` (a no-op on SQLite)."""
    with store.unit() as connection:
        if is_postgresql(connection):
            query(connection, "SELECT pg_advisory_unlock(?)", (player_key(player_id),))


def hold_run(connection: Unit, run_id: int) -> None:
    """Hold the run's lock for as long as this worker's connection lives (PostgreSQL)."""
    if is_postgresql(connection):
        query(connection, "SELECT pg_advisory_lock(?, ?)", (RUNS, run_id))


def run_alive(connection: Unit, run_id: int) -> bool | None:
    """Return whether a ``running`` run's worker still lives (PostgreSQL); None on SQLite.

    SQLite's writer is known by the lock file beside the archive (`lock.writer_busy`).
    """
    if not is_postgresql(connection):
        return None
    # As `dead_runs`: a dead run's free lock is taken for an instant, never a live one's.
    (free,) = query(connection, "SELECT pg_try_advisory_xact_lock(?, ?)", (RUNS, run_id))
    return not free[0]


def dead_runs(connection: Unit) -> str:
    """Return the SQL condition true of a ``sync_runs`` row whose run is no longer alive."""
    if not is_postgresql(connection):
        return "outcome = 'running'"
    # A transaction-level try: it takes a dead run's free lock for an instant, never a
    # live worker's, and gives it back at this transaction's end.
    return f"outcome = 'running' AND pg_try_advisory_xact_lock({RUNS}, CAST(id AS INTEGER))"


# --- pending work ----------------------------------------------------------------


def pending_attempts(store: Store) -> dict[tuple[str, str], int]:
    """Return the attempts of every pending item: ``(match_stats, match id)`` and lookups."""
    with store.unit() as connection:
        matches = query(connection, "SELECT match_id, attempts FROM pending_matches")
        lookups = query(connection, "SELECT kind, key, attempts FROM pending_enrichment")
    found = {(MATCH_STATS.name, match_id): attempts for match_id, attempts in matches}
    found.update({(kind, key): attempts for kind, key, attempts in lookups})
    return found


def _attempts(connection: Unit, kind: str, key: str) -> int | None:
    if kind == MATCH_STATS.name:
        rows = query(connection, "SELECT attempts FROM pending_matches WHERE match_id = ?", (key,))
    else:
        rows = query(
            connection,
            "SELECT attempts FROM pending_enrichment WHERE kind = ? AND key = ?",
            (kind, key),
        )
    return rows[0][0] if rows else None


def claim_work(store: Store, kind: str, key: str, attempts: int | None) -> bool:
    """Claim a pending item until `release_work`; False if another worker holds it or tried it.

    ``attempts`` are the item's attempts this worker saw (None: no pending row): if
    they changed, another worker has tried the item since, or stored it (its row is
    gone). A row of no attempts (noted, never asked) counts as none. Always True
    on SQLite, the one writer.
    """
    lock = work_key(kind, key)
    with store.unit() as connection:
        if not is_postgresql(connection):
            return True
        (held,) = query(connection, "SELECT pg_try_advisory_lock(?)", (lock,))
        if not held[0]:
            return False
        if (_attempts(connection, kind, key) or 0) == (attempts or 0):
            return True
        query(connection, "SELECT pg_advisory_unlock(?)", (lock,))
    return False


def hold_work(store: Store, kind: str, key: str) -> bool:
    """Claim an item until `release_work`; False if another worker holds it (True on SQLite)."""
    with store.unit() as connection:
        if not is_postgresql(connection):
            return True
        (held,) = query(connection, "SELECT pg_try_advisory_lock(?)", (work_key(kind, key),))
    return bool(held[0])


def release_work(store: Store, kind: str, key: str) -> None:
    """Give up the claim on an item, pending or a new match (a no-op on SQLite)."""
    with store.unit() as connection:
        if is_postgresql(connection):
            query(connection, "SELECT pg_advisory_unlock(?)", (work_key(kind, key),))


class WorkClaims:
    """One run's claims on pending work, against the attempts the archive held at its start.

    Args:
        store: the run's archive.

    """

    def __init__(self, store: Store) -> None:
        self.store = store
        # SQLite has one writer: nothing to share out, and no unit of work spent on it.
        self.shared = store.dialect == "postgresql"
        self.seen = pending_attempts(store) if self.shared else {}

    @contextmanager
    def claim(self, kind: str, key: str, needed: Callable[[], bool]) -> Iterator[bool]:
        """Hold the item for the block; yield whether this worker is to try it.

        Args:
            kind: ``match_stats`` for a pending match, else the lookup's
                ``pending_enrichment`` kind.
            key: the item's key there.
            needed: says whether the item is still to be done (asked once it is claimed).

        """
        if not self.shared:
            yield True
            return
        mine = claim_work(self.store, kind, key, self.seen.get((kind, key)))
        try:
            yield mine and needed()
        finally:
            if mine:
                with suppress(GruntArchiveError):  # a lost connection dropped the claim already
                    release_work(self.store, kind, key)
