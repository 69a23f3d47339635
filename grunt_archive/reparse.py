"""`grunt-archive reparse`: rebuild every table a document wrote, from the raw responses.

No network: the store replays what ``raw_responses`` holds through the same
writers the sync used (`store.rebuild`), as driven by the registry of
document kinds (`grunt_archive.documents`).
"""

from __future__ import annotations

from grunt_archive.progress import Progress
from grunt_archive.store import Store
from grunt_archive.store.rebuild import rebuild


def reparse(store: Store, progress: Progress | None = None) -> tuple[int, list[str], list[str]]:
    """Drop every row a document wrote and write it again from ``raw_responses``.

    The matches come back first, then what they refer to (assets, medals,
    skill, seasons) and the career snapshots, each kind's documents in the
    order they were fetched, and the viewer's per-player tables are computed
    again from all of it. One unit of work: a failure leaves the archive as it was.
    ``progress`` (a bar on a terminal) counts the matches as they are written.

    Returns:
        How many matches the archive holds; the raw documents that no longer
        parse (left out of the tables; a match by its id, any other document
        as ``kind:key``); and the matches among them now pending, which the
        next sync fetches again.

    """
    return rebuild(store, progress)
