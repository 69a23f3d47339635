"""Rebuilding every normalized table from the stored raw responses, with no network."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine

from grunt_archive import store
from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize import match_rows


def reparse(engine: Engine, on_match: Callable[[], None] | None = None) -> tuple[int, list[str]]:
    """Drop every normalized match row and write it again from ``raw_responses``.

    Everything happens in one transaction: a failure leaves the archive as it was.

    Returns:
        How many matches were rebuilt, and the ids of raw documents that no
        longer parse (they are left out of the tables and reported).

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
    return rebuilt, broken
