"""Rebuilding every normalized table from the stored raw responses, with no network."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from grunt_archive import store
from grunt_archive import store_enrich as enrich
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import asset_rows, match_rows, medal_rows, season_rows, skill_rows
from grunt_archive.normalize.assets import parse_asset_key

# Tables rebuilt from the enrichment documents (players keep their gamertags as they are).
ENRICHMENT_TABLES = ("assets", "medals", "match_skill", "seasons")


def reparse(engine: Engine, on_match: Callable[[], None] | None = None) -> tuple[int, list[str]]:
    """Drop every normalized match row and write it again from ``raw_responses``.

    The enrichment tables (``assets``, ``medals``, ``match_skill``,
    ``seasons``) are rebuilt too, replaying their documents in the order
    they were fetched, as the sync wrote them. Everything happens in one
    transaction: a failure leaves the archive as it was.

    Returns:
        How many matches were rebuilt, and the ids of raw documents that no
        longer parse (they are left out of the tables and reported; an
        enrichment document is named ``kind:key``).

    """
    rebuilt = 0
    broken: list[str] = []
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for table in store.MATCH_CHILD_TABLES:
            connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.exec_driver_sql("DELETE FROM matches")
        # A second cursor reads the raw rows while the first one writes.
        reader = connection.connection.cursor()
        reader.execute(
            "SELECT key, body FROM raw_responses WHERE kind = ? ORDER BY id", (store.MATCH_STATS,)
        )
        for key, body in reader:
            try:
                store.write_match_rows(connection, match_rows(json.loads(body)))
            except (ValueError, MalformedResponseError):
                broken.append(key)
                continue
            rebuilt += 1
            if on_match is not None:
                on_match()
        reader.close()
        _rebuild_enrichment(connection, broken)
    return rebuilt, broken


def _rebuild_enrichment(connection: Connection, broken: list[str]) -> None:
    for table in ENRICHMENT_TABLES:
        connection.exec_driver_sql(f"DELETE FROM {table}")
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
