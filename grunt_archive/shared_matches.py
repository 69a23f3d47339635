"""Which worker fetches a match, when several sync workers share one PostgreSQL archive.

A pending match is tried by one of the workers running at once
(`WorkClaims.claim`). A new match that other workers' players share is fetched by
one of them: the worker holding its claim fetches and stores it while the others
wait, without a transaction open, then find it stored. A killed holder's claim
lapses with its connection and a waiting worker takes the match over, so nothing
is skipped on the word of a worker that is gone. On SQLite, the one writer,
every match is this worker's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from grunt_archive.documents import MATCH_STATS
from grunt_archive.errors import GruntArchiveError
from grunt_archive.store.claims import WorkClaims, hold_work, release_work
from grunt_archive.store.matches import archived_match_ids

# How often a worker waiting for a new match another worker is fetching looks whether
# it is free: about one request's round trip, and one cheap query each time.
WAIT_SECONDS = 0.05


@asynccontextmanager
async def match_claim(work: WorkClaims, match_id: str, *, pending: bool) -> AsyncIterator[bool]:
    """Hold a match for the block; yield whether this worker is to fetch it."""
    if pending:
        with work.claim(MATCH_STATS.name, match_id, lambda: True) as mine:
            yield mine
        return
    if not work.shared:
        yield True
        return
    while not hold_work(work.store, MATCH_STATS.name, match_id):
        await asyncio.sleep(WAIT_SECONDS)
    try:
        yield not archived_match_ids(work.store, [match_id])
    finally:
        with suppress(GruntArchiveError):  # a lost connection dropped the claim already
            release_work(work.store, MATCH_STATS.name, match_id)
