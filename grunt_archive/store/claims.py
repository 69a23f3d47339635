"""Claims: which worker syncs which player, and which runs are still alive, on PostgreSQL.

Several ``sync`` processes, on several machines, may write one PostgreSQL
archive. Each player is synced by one of them at a time: a worker claims the
player with a session-level advisory lock keyed on the player's id
(`claim_player`), which PostgreSQL drops when the worker's connection ends,
however it ends, so a killed worker's claim lapses at once and no row has to be
cleaned up. A run holds a lock on its ``sync_runs`` row the same way, so a new
run marks ``interrupted`` only the runs whose process is gone.

On SQLite there is one writer (the lock file beside the archive): every claim
succeeds and a ``running`` row is always a dead run's.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection

from grunt_archive.store.session import Store
from grunt_archive.store.writer import is_postgresql, query

# The first key of the two-key advisory locks on sync_runs rows (any constant of its own).
RUNS = 0x7275_6E73


def player_key(player_id: str) -> int:
    """Return the advisory lock key of a player: 64 bits of a hash of their id, signed."""
    digest = hashlib.blake2b(f"claim:{player_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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


def hold_run(connection: Connection, run_id: int) -> None:
    """Hold the run's lock for as long as this worker's connection lives (PostgreSQL)."""
    if is_postgresql(connection):
        query(connection, "SELECT pg_advisory_lock(?, ?)", (RUNS, run_id))


def dead_runs(connection: Connection) -> str:
    """Return the SQL condition true of a ``sync_runs`` row whose run is no longer alive."""
    if not is_postgresql(connection):
        return "outcome = 'running'"
    # A transaction-level try: it takes a dead run's free lock for an instant, never a
    # live worker's, and gives it back at this transaction's end.
    return f"outcome = 'running' AND pg_try_advisory_xact_lock({RUNS}, CAST(id AS INTEGER))"
