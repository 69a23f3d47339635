"""Rebuilding every normalized table from the stored raw responses, with no network."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from grunt_archive import career, store
from grunt_archive import store_enrich as enrich
from grunt_archive import store_snapshots as snapshots
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import asset_rows, match_rows, medal_rows, season_rows, skill_rows
from grunt_archive.normalize.asset_stats import asset_stats_rows
from grunt_archive.normalize.assets import parse_asset_key
from grunt_archive.normalize.csr import csr_rows
from grunt_archive.normalize.match import Rows
from grunt_archive.normalize.service_record import service_record_rows

# Matches written per statement: enough to share each statement's cost among many,
# few enough that finding a broken one among them stays cheap.
BATCH = 200
REBUILD_CACHE_KIB = 64 * 1024
# Tables rebuilt from the enrichment documents, with `match_skill` (players keep their
# gamertags as they are).
ENRICHMENT_TABLES = ("assets", "medals", "seasons")


def reparse(engine: Engine, on_match: Callable[[], None] | None = None) -> tuple[int, list[str]]:
    """Drop every normalized match row and write it again from ``raw_responses``.

    The enrichment tables (``assets``, ``medals``, ``match_skill``,
    ``seasons``) and the career snapshot tables (``service_record_*``,
    ``csr_snapshots``, ``asset_stats_snapshots``) are rebuilt too, replaying
    their documents in the order they were fetched, as the sync wrote them,
    and the viewer's career tables are computed again from all of it.
    Everything happens in one transaction: a failure leaves the archive as it was.

    Returns:
        How many matches were rebuilt, and the ids of raw documents that no
        longer parse (they are left out of the tables and reported; an
        enrichment document is named ``kind:key``).

    """
    rebuilt = 0
    broken: list[str] = []
    with engine.connect() as connection, _page_cache(connection), connection.begin():
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        # Children before parents: the assets, medals and seasons rows the matches refer
        # to go too, and come back as the matches are written (named as their lookups are).
        for table in (
            *career.TABLES,
            *store.MATCH_CHILD_TABLES,
            *snapshots.REBUILT_TABLES,
            "match_skill",
            "matches",
            *ENRICHMENT_TABLES,
        ):
            connection.exec_driver_sql(f"DELETE FROM {table}")
        # A second cursor reads the raw rows while the first one writes.
        reader = connection.connection.cursor()
        reader.execute(
            "SELECT key, body FROM raw_responses WHERE kind = ? ORDER BY id", (store.MATCH_STATS,)
        )
        batch: list[tuple[str, Rows]] = []
        for key, body in reader:
            try:
                batch.append((key, match_rows(json.loads(body))))
            except (ValueError, MalformedResponseError):
                broken.append(key)
                continue
            if len(batch) == BATCH:
                rebuilt += _write_batch(connection, batch, broken, on_match)
                batch = []
        rebuilt += _write_batch(connection, batch, broken, on_match)
        reader.close()
        _rebuild_enrichment(connection, broken)
        _rebuild_snapshots(connection, broken)
        career.rebuild(connection)
    return rebuilt, broken


@contextmanager
def _page_cache(connection: Connection) -> Iterator[None]:
    """Give the connection `REBUILD_CACHE_KIB` of page cache for the block, then its own back.

    A rebuild rewrites every table in one transaction: with SQLite's default
    2 MiB it keeps spilling pages to the WAL and reading them back.
    """
    cursor = connection.connection.cursor()  # not SQLAlchemy's: that would begin a transaction
    (size,) = cursor.execute("PRAGMA cache_size").fetchone()
    cursor.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(size)}")
        cursor.close()


def _write_batch(
    connection: Connection,
    batch: list[tuple[str, Rows]],
    broken: list[str],
    on_match: Callable[[], None] | None,
) -> int:
    """Write a batch of matches at once; return how many were written."""
    if not batch:
        return 0
    written = batch
    try:
        with connection.begin_nested():
            store.write_new_matches(connection, [rows for _, rows in batch])
    except MalformedResponseError:
        # One of them breaks the schema (or repeats a match): write them one by one.
        written = []
        for key, rows in batch:
            try:
                with connection.begin_nested():
                    store.write_match_rows(connection, rows)
            except MalformedResponseError:
                broken.append(key)
                continue
            written.append((key, rows))
    if on_match is not None:
        for _ in written:
            on_match()
    return len(written)


def _rebuild_enrichment(connection: Connection, broken: list[str]) -> None:
    reader = connection.connection.cursor()
    reader.execute(
        "SELECT kind, key, fetched_at, body FROM raw_responses WHERE kind IN (?, ?, ?, ?)"
        " ORDER BY id",
        (enrich.ASSET, enrich.MEDAL_METADATA, enrich.MATCH_SKILL, enrich.SEASON_CALENDAR),
    )
    for kind, key, fetched_at, body in reader:
        try:
            document = json.loads(body)
            if kind == enrich.ASSET:
                rows = asset_rows(document, *parse_asset_key(key))
                enrich.write_asset_rows(connection, rows, fetched_at)
            elif kind == enrich.MEDAL_METADATA:
                enrich.write_medal_rows(connection, medal_rows(document))
            elif kind == enrich.SEASON_CALENDAR:
                enrich.write_season_rows(connection, season_rows(document))
            elif store.archived_match_ids(connection, [key]):
                # Skill of a match whose own document no longer parses stays out with it.
                enrich.write_skill_rows(connection, key, skill_rows(document, key))
        except (ValueError, MalformedResponseError):
            broken.append(f"{kind}:{key}")
    reader.close()


def _rebuild_snapshots(connection: Connection, broken: list[str]) -> None:
    """Replay the snapshot documents in order; each was kept because it changed something."""
    reader = connection.connection.cursor()
    reader.execute(
        "SELECT kind, key, fetched_at, body FROM raw_responses WHERE kind IN (?, ?, ?) ORDER BY id",
        (snapshots.SERVICE_RECORD, snapshots.PLAYLIST_CSR, snapshots.ASSET_STATS),
    )
    for kind, key, fetched_at, body in reader:
        try:
            document = json.loads(body)
            if kind == snapshots.SERVICE_RECORD:
                player_id, scope = snapshots.parse_service_record_key(key)
                rows = service_record_rows(document, player_id, scope)
                snapshots.write_service_record(connection, rows, fetched_at)
            elif kind == snapshots.PLAYLIST_CSR:
                rows = csr_rows(document, key.partition(" ")[2])
                snapshots.write_csr(connection, rows, fetched_at)
            else:
                asset_kind, _, asset_id = key.partition(":")
                rows = asset_stats_rows(document, asset_kind, asset_id)
                snapshots.write_asset_stats(connection, rows, fetched_at)
        except (ValueError, MalformedResponseError):
            broken.append(f"{kind}:{key}")
    reader.close()
