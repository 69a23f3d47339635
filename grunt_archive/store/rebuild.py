"""Rebuilding every table a document wrote from the stored raw responses, with no network.

Driven by the registry (`grunt_archive.documents`): the tables of every
replayed kind are emptied, its raw documents replayed through the same
writer the sync used, stage by stage and in the order they were fetched,
and the viewer's per-player tables computed again from all of it. Archive
state (``documents.ARCHIVE_STATE``) is left alone, but for the marks of copies
cut short (``unfinished_copies``, `store.unfinished`): what they asked the next
copy to count again is counted, so the marks found as the rebuild began go
with it, but those of copies still running (writing rows after the rebuild).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from itertools import groupby
from typing import Any

from grunt_archive import parallel
from grunt_archive.documents import (
    DERIVED_TABLES,
    MATCH_STATS,
    DocumentKind,
    RawDocument,
    Rows,
    rebuilt_tables,
    replayed_kinds,
)
from grunt_archive.errors import MalformedResponseError
from grunt_archive.jsonsafe import loads
from grunt_archive.progress import NoProgress, Progress
from grunt_archive.rawbody import decode
from grunt_archive.store import (
    career_snapshots,
    films,
    lookups,
    player_tables,
    state,
    unfinished,
)
from grunt_archive.store.matches import (
    MATCH_CHILD_TABLES,
    write_match_rows,
    write_new_matches,
)
from grunt_archive.store.raw import writer_of
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import (
    chunks,
    defer_foreign_keys,
    execute,
    is_postgresql,
    query,
    stream,
    write_rows,
)
from grunt_archive.tables import DEPENDENCY_ORDER

# Matches written per statement: enough to share each statement's cost among many,
# few enough that finding a broken one among them stays cheap.
BATCH = 200
# From this many matches on, a worker process parses them while this one writes.
PARALLEL_FROM = 2 * BATCH
_COUNT_MATCHES = "SELECT count(*) FROM raw_responses WHERE kind = ?"
_HOLDS_MATCH = "SELECT 1 FROM matches WHERE match_id = ?"
REBUILD_CACHE_KIB = 64 * 1024
# The modules whose import registers the writers replayed here (`raw.writes`).
WRITER_MODULES = (career_snapshots, lookups, films)


def cleared_tables() -> list[str]:
    """Return the tables a rebuild empties: what replayed kinds write, and the derived tables."""
    names = list(reversed(DEPENDENCY_ORDER))
    # Children before parents, the derived tables (which name matches) first of all:
    # PostgreSQL checks each DELETE's foreign keys as it runs.
    return [*(name for name in names if name in DERIVED_TABLES), *rebuilt_tables(names)]


def rebuild(store: Store, progress: Progress | None = None) -> tuple[int, list[str], list[str]]:
    """Empty every table documents wrote and write it again from ``raw_responses``.

    Everything happens in one unit of work: a failure leaves the archive as it was.
    ``progress`` counts the matches written, then says what comes after them.

    Returns:
        How many matches the archive holds after it; the raw documents that no
        longer parse and no later copy replaced (left out of the tables: a match
        by its id, any other document as ``kind:key``); and the matches of those
        with no earlier copy either, now pending for the next sync.

    """
    # Each document's key to whether its latest copy (in fetch order) could be written:
    # a broken copy a later one replaced loses nothing. Matches by id, others by kind:key.
    matches: dict[str, bool] = {}
    others: dict[str, bool] = {}
    progress = progress or NoProgress()
    with store.unit() as connection, _page_cache(connection), _drift_left_alone(connection):
        defer_foreign_keys(connection)
        marks = unfinished.marks(connection)  # a copy cut short's: this counts all it added
        for table in cleared_tables():
            execute(connection, f"DELETE FROM {table}")
        for _, kinds in groupby(replayed_kinds(), key=lambda kind: kind.stage):
            kinds_of_stage = list(kinds)
            if kinds_of_stage == [MATCH_STATS]:
                _replay_matches(connection, matches, progress)
                progress.note("Rebuilding names, skill, films and career snapshots…")
            else:
                _replay(connection, kinds_of_stage, others)
        # Expired films hold no document: their rows come back from archive state.
        films.restore_gone(connection)
        progress.note("Computing each player's totals…")
        player_tables.rebuild(connection)
        unfinished.forget(connection, marks)  # but a running copy's: it writes on
        broken = [key for written in (matches, others) for key, ok in written.items() if not ok]
        lost = _pend_lost_matches(connection, [key for key, ok in matches.items() if not ok])
        (rebuilt,) = query(connection, "SELECT count(*) FROM matches")[0]
    return rebuilt, broken, lost


def _pend_lost_matches(connection: Unit, broken: list[str]) -> list[str]:
    """Make each match whose stats no longer parse pending (the next sync fetches it again).

    Its rows are gone with the rebuild, unless an earlier copy of it was written; a
    pending match is never silently lost.
    """
    lost = [key for key in broken if not query(connection, _HOLDS_MATCH, (key,))]
    if lost:
        state.write_pending(
            connection,
            [(key, None, None, "its stored stats document no longer parses") for key in lost],
        )
    return lost


_DRIFT_COLUMNS = (
    "table_name", "field", "first_seen_at", "last_seen_at", "example_match_id", "occurrences"
)  # fmt: skip


@contextmanager
def _drift_left_alone(connection: Unit) -> Iterator[None]:
    """Give ``api_drift`` back as it was before the block, plus only what is new to it.

    Replaying a document records its unknown fields again, through the writer the sync
    used, and would count each of them once more on every reparse: ``occurrences`` counts
    the documents the service sent with a field, not how often they were read.
    """
    select = f"SELECT {', '.join(_DRIFT_COLUMNS)} FROM api_drift"
    before = {tuple(row[:2]): row for row in query(connection, select)}
    yield
    found = [row for row in query(connection, select) if tuple(row[:2]) not in before]
    execute(connection, "DELETE FROM api_drift")
    kept = [dict(zip(_DRIFT_COLUMNS, row, strict=True)) for row in [*before.values(), *found]]
    write_rows(connection, "api_drift", kept)


@contextmanager
def _page_cache(connection: Unit) -> Iterator[None]:
    """Give the connection `REBUILD_CACHE_KIB` of page cache for the block, then its own back.

    A rebuild rewrites every table in one transaction: with SQLite's default
    2 MiB it keeps spilling pages to the WAL and reading them back.
    """
    if is_postgresql(connection):  # the server's shared buffers are the server's to size
        yield
        return
    cursor = connection.driver.cursor()
    (size,) = cursor.execute("PRAGMA cache_size").fetchone()
    cursor.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(size)}")
        cursor.close()


def _documents(connection: Unit, kinds: list[DocumentKind]) -> Iterator[tuple[RawDocument, str]]:
    """Yield the raw documents of ``kinds`` in fetch order, each with its body's encoding.

    The body is as kept (`_decoded` reads it), so that one broken stream fails one document.
    """
    marks = ", ".join("?" for _ in kinds)
    for kind, key, path, fetched_at, body, encoding in stream(
        connection,
        "SELECT kind, key, path, fetched_at, body, encoding FROM raw_responses"
        f" WHERE kind IN ({marks}) ORDER BY id",
        tuple(kind.name for kind in kinds),
    ):
        yield RawDocument(kind, key, path, fetched_at, body), encoding


def _decoded(raw: RawDocument, encoding: str) -> RawDocument:
    """Return ``raw`` with its body as sent (`ValueError` for a broken stream)."""
    return replace(raw, body=decode(raw.body, encoding))


def _rows(kind: DocumentKind, raw: RawDocument) -> Rows:
    document = raw.body if kind.binary else loads(raw.body)
    return kind.rows(document, raw.key)


def _replay_matches(connection: Unit, written: dict[str, bool], progress: Progress) -> None:
    """Write every match again, a batch at a time, parsed in a worker process when it pays."""
    (count,) = query(connection, _COUNT_MATCHES, (MATCH_STATS.name,))[0]
    processes = parallel.workers() if count >= PARALLEL_FROM else 0
    stored = ((raw.key, raw.body, encoding) for raw, encoding in
              _documents(connection, [MATCH_STATS]))  # fmt: skip
    held: set[str] = set()  # the matches written so far: a later copy replaces theirs
    progress.start("Rebuilding", count)
    for parsed in parallel.in_order(_parse_matches, stored, BATCH, processes):
        batch = [(key, rows) for key, rows in parsed if rows is not None]
        outcomes = iter([ok for run in _runs(batch) for ok in _write_batch(connection, run, held)])
        # In fetch order, so that the latest copy of a match decides.
        for key, rows in parsed:
            _settle(written, key, rows is not None and next(outcomes))
        progress.advance(len(parsed))
    progress.finish()


def _settle(written: dict[str, bool], key: str, ok: bool) -> None:
    """Record the latest copy of ``key`` as written or not (the dict keeps fetch order)."""
    written.pop(key, None)
    written[key] = ok


def _parse_matches(chunk: list[tuple[str, Any, str]]) -> list[tuple[str, Rows | None]]:
    """Return each stored match document's rows (None: it no longer parses); pure."""
    parsed: list[tuple[str, Rows | None]] = []
    for key, body, encoding in chunk:
        try:
            parsed.append((key, MATCH_STATS.rows(loads(decode(body, encoding)), key)))
        except (ValueError, MalformedResponseError):
            parsed.append((key, None))
    return parsed


def _runs(batch: list[tuple[str, Rows]]) -> Iterator[list[tuple[str, Rows]]]:
    """Yield ``batch`` in consecutive runs that hold no match twice, in fetch order.

    A match's second copy (a `copy` keeps another archive's copy of its stats) starts a
    run of its own: in one statement with its first copy, its rows would repeat keys.
    """
    run: list[tuple[str, Rows]] = []
    keys: set[str] = set()
    for key, rows in batch:
        if key in keys:
            yield run
            run, keys = [], set()
        run.append((key, rows))
        keys.add(key)
    if run:
        yield run


def _write_batch(connection: Unit, batch: list[tuple[str, Rows]], held: set[str]) -> list[bool]:
    """Write matches (none twice) at once; return whether each was written, in order.

    The rows of an earlier copy of one of them (``held``, the matches written so far)
    are deleted first, in the same savepoint, so that a copy met again never breaks a
    key: on PostgreSQL that error would come halfway through psycopg's pipeline, which
    logs its own line ("error ignored terminating <psycopg.Pipeline …>") to stderr.
    ``held`` gains the matches written.
    """
    if not batch:
        return []
    try:
        with connection.savepoint():
            _delete_earlier_copies(connection, [key for key, _ in batch if key in held])
            write_new_matches(connection, [rows for _, rows in batch])
        outcomes = [True] * len(batch)
    except MalformedResponseError:
        # One of them breaks the schema: write them one by one to find it.
        outcomes = []
        for _, rows in batch:
            try:
                with connection.savepoint():
                    write_match_rows(connection, rows)
            except MalformedResponseError:
                outcomes.append(False)
                continue
            outcomes.append(True)
    held.update(key for (key, _), ok in zip(batch, outcomes, strict=True) if ok)
    return outcomes


def _delete_earlier_copies(connection: Unit, match_ids: list[str]) -> None:
    """Delete the rows an earlier copy of each match wrote, as `write_match_rows` does for one.

    Its ``matches`` row stays, replaced by the new copy's; the per-player tables are
    computed once at the end of the rebuild.
    """
    for ids in chunks(match_ids):
        marks = ", ".join("?" for _ in ids)
        for table in MATCH_CHILD_TABLES:
            execute(connection, f"DELETE FROM {table} WHERE match_id IN ({marks})", tuple(ids))


def _replay(connection: Unit, kinds: list[DocumentKind], written: dict[str, bool]) -> None:
    """Replay documents in fetch order, each all or nothing, through its kind's writer."""
    by_name = {kind.name: kind for kind in kinds}
    for kept, encoding in _documents(connection, kinds):
        kind = by_name[kept.kind]
        raw = kept
        try:
            raw = _decoded(kept, encoding)
            rows = _rows(kind, raw)
            with connection.savepoint():
                writer_of(kind)(connection, rows, raw)
        except (ValueError, MalformedResponseError):
            _settle(written, f"{raw.kind}:{raw.key}", False)
        else:
            _settle(written, f"{raw.kind}:{raw.key}", True)
