"""Helpers shared by test modules: reading an archive, syncing against an in-process simulator.

Test modules import from here (or from conftest.py, e2e.py, simulator_fixtures.py), never
from one another: tests/test_suite_rules.py enforces it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

import grunt_archive.db
from grunt_archive import rawbody
from grunt_archive.api import RetryPolicy, Tokens
from grunt_archive.documents import MATCH_STATS, DocumentKind, RawDocument
from grunt_archive.runner import ClientSettings, run_sync
from grunt_archive.simulator import Simulator
from grunt_archive.store import Store, open_store
from grunt_archive.store.matches import MATCH_CHILD_TABLES, save_match
from grunt_archive.sync import SyncOptions, SyncReport

Archive = Path | str | Engine  # an archive file or PostgreSQL URL, or an open engine on one

FAST = RetryPolicy(
    attempts=20, base_wait=0.001, max_wait=0.01, not_found_attempts=3, not_found_wait=0.001
)
MATCH_TABLES = (*MATCH_CHILD_TABLES, "matches")
ENRICHED_TABLES = (*MATCH_TABLES, "players", "assets", "medals", "match_skill", "seasons")


def rows(db: Archive, sql: str, *params: Any) -> list[tuple]:
    """Return every row ``sql`` selects from the archive ``db``, as tuples.

    ``sql`` is SQLite's (``?`` parameters); on PostgreSQL it goes through the store's
    translation, and a boolean comes back as SQLite's 0 or 1, so that rows of the two
    backends compare equal.
    """
    if isinstance(db, str) or (isinstance(db, Engine) and db.dialect.name == "postgresql"):
        return _server_rows(db, sql, params)
    if isinstance(db, Engine):
        with db.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql, params)]
    with closing(sqlite3.connect(db)) as connection:
        rawbody.register(connection)
        return connection.execute(sql, params).fetchall()


def _server_rows(db: str | Engine, sql: str, params: tuple) -> list[tuple]:
    import psycopg

    from grunt_archive.store.dialect import arguments, postgresql

    url = db if isinstance(db, str) else db.url.render_as_string(hide_password=False)
    text, order = postgresql(sql)
    with closing(psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))) as c:
        found = c.execute(text, arguments(params, order)).fetchall()
    return [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in found]


def is_server(db: Archive) -> bool:
    """Say whether ``db`` is a PostgreSQL archive (a URL, or an engine on one)."""
    return isinstance(db, str) or (isinstance(db, Engine) and db.dialect.name == "postgresql")


def raw_bodies(db: Archive, kind: str) -> dict[str, str | bytes]:
    """Return the decoded raw bodies of ``kind`` by key (in Python, as both backends store them)."""
    found = rows(db, "SELECT key, body, encoding FROM raw_responses WHERE kind = ?", kind)
    return {key: rawbody.decode(body, encoding) for key, body, encoding in found}


def execute(db: Path | str, *statements: str) -> None:
    """Run SQL ``statements`` on the archive (a SQLite file or a PostgreSQL URL), committed."""
    if isinstance(db, str):
        import psycopg

        with closing(psycopg.connect(db)) as server, server:
            for statement in statements:
                server.execute(statement)  # type: ignore[call-overload]
        return
    with closing(sqlite3.connect(db)) as connection, connection:
        for statement in statements:
            connection.execute(statement)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the archive behind ``engine`` back to ``revision`` by the migrations' own downgrades."""
    from alembic import command

    with engine.begin() as connection:
        config = grunt_archive.db.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def clear(db: Path | str, tables: Iterable[str]) -> None:
    """Delete every row of ``tables`` from the archive (a SQLite file or a PostgreSQL URL)."""
    execute(db, *(f"DELETE FROM {table}" for table in tables))


def counts_by_match(db: Archive, table: str) -> dict[str, int]:
    """Return how many rows of ``table`` each match has (a match with none is absent).

    One query for the whole table: a query a match costs a connection each, and on
    PostgreSQL a connection costs ~10 ms, so checking every match one by one after
    every kill of a sync took minutes.
    """
    return dict(rows(db, f"SELECT match_id, count(*) FROM {table} GROUP BY match_id"))


@functools.lru_cache(maxsize=4096)
def document_row_counts(body: str) -> dict[str, int]:
    """Return how many rows of each table the match document ``body`` makes (`match_rows`).

    Cached by body: the checks after every kill of a sync read the same documents again.
    """
    from grunt_archive.normalize import match_rows

    return {table: len(found) for table, found in match_rows(json.loads(body)).items()}


def value(db: Archive, sql: str, *params: Any) -> Any:
    """Return the first column of the first row ``sql`` selects (a count, a flag…)."""
    return rows(db, sql, *params)[0][0]


def count(db: Archive, table: str) -> int:
    """Return how many rows ``table`` holds."""
    return value(db, f"SELECT count(*) FROM {table}")


def dump(
    db: Archive, tables: Iterable[str], columns: Mapping[str, str] | None = None
) -> dict[str, list[tuple]]:
    """Return each table's rows in a stable order, to compare two archives or two moments.

    Args:
        db: The archive.
        tables: The tables to read.
        columns: Per table, the columns to read when not all of them (``*``).
    """
    columns = columns or {}
    return {t: sorted(rows(db, f"SELECT {columns.get(t, '*')} FROM {t}"), key=repr) for t in tables}


def shared_first(db: Archive, players: Iterable[str]) -> list[str]:
    """Return the archived matches, those the most of ``players`` played first."""
    ids = ", ".join(f"'{player}'" for player in players)
    found = rows(
        db,
        "SELECT match_id FROM match_players GROUP BY match_id ORDER BY count(DISTINCT CASE"
        f" WHEN player_id IN ({ids}) THEN player_id END) DESC, match_id",
    )
    return [match_id for (match_id,) in found]


def assert_free_for_all_as_defined(db: Archive, label: Any) -> None:
    """Every match's ``free_for_all`` is what `views.FREE_FOR_ALL_SQL` says of its rows now."""
    from grunt_archive.views import FREE_FOR_ALL_SQL

    decided = f"coalesce({FREE_FOR_ALL_SQL.format(m='m')}, false)"
    wrong = rows(db, f"SELECT match_id, free_for_all FROM matches AS m"
                     f" WHERE free_for_all <> {decided}")  # fmt: skip
    assert wrong == [], label


def assert_player_count_as_counted(db: Archive, label: Any) -> None:
    """Every match's ``player_count`` is what `views.PLAYER_COUNT_SQL` counts of its rows now."""
    from grunt_archive.views import PLAYER_COUNT_SQL

    counted = PLAYER_COUNT_SQL.format(m="m")
    wrong = rows(db, f"SELECT match_id, player_count, {counted} FROM matches AS m"
                     f" WHERE player_count <> {counted}")  # fmt: skip
    assert wrong == [], label


def assert_derived_as_rebuilt(db: Archive, label: Any) -> None:
    """The derived tables equal what `player_tables.rebuild` computes from the match tables.

    The rebuild is written to ``db`` (it equals what was there, or the assertion fails).
    """
    from grunt_archive.db import archive
    from grunt_archive.documents import DERIVED_TABLES
    from grunt_archive.store import player_tables

    kept = dump(db, DERIVED_TABLES)
    with archive(db) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    rebuilt = dump(db, DERIVED_TABLES)
    for table in DERIVED_TABLES:
        assert kept[table] == rebuilt[table], (table, label)
    # Not derived tables, but derived from the match tables as they are all the same.
    assert_free_for_all_as_defined(db, label)
    assert_player_count_as_counted(db, label)


def settings(
    app: Any, clearance: str | None = None, token: str = "v4=test-token", concurrency: int = 8
) -> ClientSettings:
    """Client settings that reach the ASGI ``app`` in process, with fast retries."""
    return ClientSettings(
        tokens=Tokens(token, clearance),
        api_base="http://simulator",
        rps=None,
        concurrency=concurrency,
        retry=FAST,
        transport=httpx.ASGITransport(app=app),
    )


def sync(
    db: Path,
    sim: Simulator,
    *players: str,
    app: Any = None,
    clearance: str | None = None,
    **options: Any,
) -> SyncReport:
    """Run one sync of ``players`` into ``db`` against ``sim`` (or ``app`` in front of it)."""
    return run_sync(db, settings(app or sim.app, clearance), SyncOptions(tuple(players), **options))


def failing(app: Any, pattern: str, status: int = 503, body: bytes = b"") -> Any:
    """Wrap an ASGI app so that paths matching ``pattern`` always answer ``status`` (``body``)."""

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and re.match(pattern, scope["path"], re.IGNORECASE):
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def recording(app: Any, paths: list[str]) -> Any:
    """Wrap an ASGI app so that every request's path is noted in ``paths``."""

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            paths.append(scope["path"])
        await app(scope, receive, send)

    return wrapped


def slowed(app: Any, pattern: str, seconds: float) -> Any:
    """Wrap an ASGI app so that paths matching ``pattern`` answer ``seconds`` late."""

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and re.match(pattern, scope["path"], re.IGNORECASE):
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return wrapped


@functools.cache
def viewer(db: Path) -> Any:
    """Return the one Datasette (`serve.datasette_for`) over the archive file ``db``.

    A Datasette costs ~0.2 s to make and ~0.02 s a page after: a test that reads many
    pages reads them from one, as the served viewer does. Datasette reads the file
    afresh on every request, so changes made to it later are seen; ``db`` must be a
    file no other archive takes the place of (a test's own tmp_path is).
    """
    from grunt_archive.serve import datasette_for

    return datasette_for(db)


@contextmanager
def impatient() -> Iterator[None]:
    """Give up on another program's lock on a SQLite file after 0.1 s, in this process.

    A user's run waits 5 s (`sqlite3.connect`'s timeout, reading the revision) and 10 s
    (the archive's ``busy_timeout``) before it names the lock: the same error in the
    same words, only later. For a test that holds a lock on purpose and means to meet
    it, never around a run that should succeed.
    """
    set_pragmas = grunt_archive.db._set_pragmas

    def pragmas(dbapi_connection: sqlite3.Connection, record: object) -> None:
        set_pragmas(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite3, "connect", functools.partial(sqlite3.connect, timeout=0.1))
        # Every connection to a file gets the archive's pragmas here, with or without SQLAlchemy.
        patch.setattr(grunt_archive.db, "_set_pragmas", pragmas)
        yield


def free_port() -> int:
    """Return a local TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Documents written into an archive in process, without a sync.
MATCH_DOC = "match_2024_ctf_team_switch.json"  # in tests/fixtures
MATCH = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"  # its MatchId
P1, P2 = "xuid(2533274800000001)", "xuid(2533274800000002)"  # two of its humans
WHEN = "2026-01-01T00:00:00.000Z"


def raw(kind: DocumentKind, key: str, doc: Any, fetched_at: str = WHEN) -> RawDocument:
    """Return ``doc`` as the raw record a fetch of kind ``kind`` and key ``key`` keeps."""
    return RawDocument(kind.name, key, f"/{kind.name}/{key}", fetched_at, json.dumps(doc))


def save_stats(store: Store, *docs: Mapping[str, Any]) -> None:
    """Store match stats documents as a sync does (`save_match`, one unit each)."""
    for doc in docs:
        save_match(store, raw(MATCH_STATS, str(doc["MatchId"]).lower(), doc), doc)


def run(engine: Engine, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the store function ``function(store, *args, **kwargs)`` on the archive."""
    with open_store(engine) as store:
        return function(store, *args, **kwargs)


def clockless_dump(db: Archive, tables: Iterable[str] | None = None) -> dict[str, list[tuple]]:
    """Return every table's rows by column name, leaving out clock readings (``*_at``, ``seconds``).

    What two archives of one world share whatever their backend, the moment they were
    written and the order of concurrent writers: raw documents and runs keep their
    content (kind, key, body), not their row ids.
    """
    from grunt_archive.models import metadata

    chosen = sorted(metadata.tables) if tables is None else list(tables)
    columns = {
        name: ", ".join(
            sorted(
                column.name
                for column in metadata.tables[name].columns
                if not column.name.endswith("_at")
                and column.name != "id"
                and not (name == "sync_runs" and column.name in ("requests", "players"))
            )
        )
        or "count(*)"  # a table of ids and clock readings alone (unfinished_copies): its rows
        for name in chosen
    }
    return dump(db, chosen, columns)


# What a run's timing decides, not the world: which players share a gamertag request
# depends on when their matches were stored (on the sync's store thread), and an asset's
# figures on when enrichment first named it. Two syncs of one world may differ there
# while every match, name, skill and player snapshot row agrees (a player's snapshots
# are taken at the run's end, once every lookup has landed).
BATCHED_KINDS = ("profile_users", "asset_stats")
TIMED_TABLES = ("snapshot_checks",)


def without_batches(dumped: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Return a `clockless_dump` without what the run's timing decides (see above)."""
    kept = {table: found for table, found in dumped.items() if table not in TIMED_TABLES}
    kept["raw_responses"] = [
        row for row in dumped["raw_responses"] if not any(v in BATCHED_KINDS for v in row)
    ]
    return kept


def given_setting(
    how: str, option: str, variable: str, value: str, env: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """Return the extra arguments and the environment that give a setting as ``how`` says.

    ``how`` is ``option`` (``option value`` on the command line) or ``env`` (``variable``).
    """
    if how == "option":
        return [option, value], dict(env)
    return [], {**env, variable: value}


def signed_in_session(app: Any, spartan: str = "v4=stored-spartan", minutes: float = 240) -> Any:
    """Return a sign-in as ``auth login`` stores it, its Spartan token valid ``minutes`` more."""
    from datetime import UTC, datetime, timedelta

    from grunt_archive.auth import Session

    now = datetime.now(UTC)
    return Session(
        app=app,
        refresh_token="M.R3_refresh-value",
        spartan_token=spartan,
        spartan_expires=now + timedelta(minutes=minutes),
        spartan_issued=now,
        xuid="2533274800000001",
        gamertag="Spartan One",
        signed_in_at=now,
        renewed_at=now,
        clearance="flight-id",
        clearance_expires=now + timedelta(hours=1),
    )
