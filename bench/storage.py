"""Store and reparse figures: grunt-archive's SQL against a bare ``executemany``.

The documents are the simulator's, generated in process (no HTTP), all of one
player, who is tracked as a sync would have it. The bound writes exactly the
rows ``store.matches.save_match`` writes for the same documents (the asset and
medal rows its references need, the normalized rows, the raw document, and what
each match adds to the per-player tables) into a fresh
archive of the same schema, with plain ``sqlite3`` and nothing else: no
normalizing, no upsert, no totals, no checks.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from harness import CACHE, Figure, Scale, fresh_db, note

from grunt_archive.db import archive
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.normalize import match_rows
from grunt_archive.rawbody import decode, encode
from grunt_archive.reparse import reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, player_tables
from grunt_archive.store.matches import references, save_match
from grunt_archive.store.state import track_player
from grunt_archive.store.writer import COLUMNS

SEED = 11
BUILD = 7  # bump when reparse_archive changes: the cached archives are built again
FETCHED_AT = "2025-01-29T04:40:00.000Z"
CHUNK = 50  # matches per alternation between the bound and the measured run


def player(count: int, seed: int = SEED) -> str:
    """Return the id of the simulated player whose matches `documents` yields."""
    return Simulator(SimulatorConfig(seed=seed, players=1, matches=count)).player_ids[0]


def documents(count: int, seed: int = SEED) -> Iterator[tuple[str, dict]]:
    """Yield ``(body, parsed document)`` of a simulated player's matches, newest first."""
    sim = Simulator(SimulatorConfig(seed=seed, players=1, matches=count))
    for match_id in sim.history(sim.player_ids[0]):
        body = sim.stats_body(match_id).decode()
        yield body, json.loads(body)


def raw_document(body: str, doc: dict) -> RawDocument:
    match_id = doc["MatchId"]
    return RawDocument(MATCH_STATS.name, match_id, f"/hi/matches/{match_id}/stats",
                             FETCHED_AT, body)  # fmt: skip


def bare_statements(rows: dict[str, list[dict]]) -> list[tuple[str, list[tuple]]]:
    """Return ``(INSERT, values)`` per table and column set, for the columns the schema has."""
    groups: dict[tuple[str, tuple[str, ...]], list[tuple]] = {}
    for table, table_rows in rows.items():
        known = COLUMNS[table]
        for row in table_rows:
            columns = tuple(c for c in row if c in known)
            groups.setdefault((table, columns), []).append(tuple(row[c] for c in columns))
    return [
        (
            f"INSERT OR IGNORE INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})",
            values,
        )
        for (table, columns), values in groups.items()
    ]


def bare_connection(path: Path) -> sqlite3.Connection:
    """Open ``path`` as the archive opens it (WAL, synchronous=NORMAL, foreign keys)."""
    with archive(path):  # creates the schema: the same migrations as any archive
        pass
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def store_figure(scale: Scale, workdir: Path) -> Figure:
    """``save_match``, one transaction per match, against bare executemany likewise."""
    count = scale.store_matches
    note(f"store: {count} simulated documents")
    docs = list(documents(count))
    raws = [raw_document(body, doc) for body, doc in docs]
    tracked = player(count)
    prepared = saved_statements(docs, raws, tracked, workdir)
    bare = bare_connection(fresh_db(workdir, "store-bare"))
    bare.execute("INSERT INTO players (player_id, is_bot) VALUES (?, 0)", (tracked,))
    ours_path = fresh_db(workdir, "store-ours")
    bare_seconds = ours_seconds = 0.0
    with archive(ours_path) as engine, open_store(engine) as store:
        track_player(store, tracked)
        # Alternate chunks so that a busy moment of the machine hits both sides alike.
        for start in range(0, count, CHUNK):
            began = time.perf_counter()
            for statements in prepared[start : start + CHUNK]:
                bare.execute("BEGIN")
                for sql, values in statements:
                    bare.executemany(sql, values)
                bare.execute("COMMIT")
            bare_seconds += time.perf_counter() - began
            began = time.perf_counter()
            for (_, doc), raw in zip(docs[start : start + CHUNK], raws[start : start + CHUNK],
                                     strict=True):  # fmt: skip
                save_match(store, raw, doc)
            ours_seconds += time.perf_counter() - began
    bare.close()
    ours, bound = count / ours_seconds, count / bare_seconds
    return Figure(
        f"store: save_match (normalize + upsert + raw), {count:,} matches, one transaction each",
        f"{ours:,.0f} matches/s",
        f"{bound:,.0f} matches/s (bare executemany, same rows, one transaction each)",
        ours / bound,
        "≥ 0.50",
        ours / bound >= 0.5,
    )


def saved_statements(
    docs: list[tuple[str, dict]], raws: list[RawDocument], tracked: str, workdir: Path
) -> list[list[tuple[str, list[tuple]]]]:
    """Return, per match, the bare statements of every row ``save_match`` writes for it."""
    added = career_contributions(docs, raws, tracked, workdir)
    prepared = []
    for (_, doc), raw, career_rows in zip(docs, raws, added, strict=True):
        normalized = match_rows(doc)
        body, encoding = encode(raw.body)
        rows = {**references(normalized), **normalized, **career_rows, "raw_responses": [
            {"kind": raw.kind, "key": raw.key, "path": raw.path,
             "fetched_at": raw.fetched_at, "body": body, "encoding": encoding}
        ]}  # fmt: skip
        prepared.append(bare_statements(rows))
    return prepared


def career_contributions(
    docs: list[tuple[str, dict]], raws: list[RawDocument], tracked: str, workdir: Path
) -> list[dict[str, list[dict]]]:
    """Return the per-player rows each match adds, by storing them once in a scratch archive."""
    added = []
    with archive(fresh_db(workdir, "store-career")) as engine, open_store(engine) as store:
        track_player(store, tracked)
        for (_, doc), raw in zip(docs, raws, strict=True):
            save_match(store, raw, doc)
            with store.unit() as connection:
                added.append(player_tables.contributions(connection, doc["MatchId"]))
    return added


def reparse_archive(count: int) -> Path:
    """Return a cached archive of ``count`` simulated matches (built once per schema)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"reparse-{count}-{SEED}-v{BUILD}.db"
    if path.exists():
        return path
    note(f"reparse: building a {count}-match archive once (cached in {path.parent})")
    building = fresh_db(CACHE, "reparse-building")
    with archive(building) as engine, open_store(engine) as store:
        track_player(store, player(count))  # as a sync would have it
        for body, doc in documents(count):
            save_match(store, raw_document(body, doc), doc)
    with closing(sqlite3.connect(building)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.rename(path)
    Path(f"{building}.lock").unlink(missing_ok=True)
    return path


def reparse_figure(scale: Scale, workdir: Path) -> Figure:
    """``reparse`` of a whole archive against bare executemany of its rows, one transaction."""
    count = scale.reparse_matches
    cached = reparse_archive(count)
    path = fresh_db(workdir, "reparse")
    shutil.copyfile(cached, path)
    note(f"reparse: {count} matches")
    with archive(path) as engine, open_store(engine) as store:
        began = time.perf_counter()
        rebuilt, broken, _ = reparse(store)
        ours_seconds = time.perf_counter() - began
    if rebuilt != count or broken:
        raise RuntimeError(f"reparse rebuilt {rebuilt} of {count}; broken: {broken[:5]}")

    note("reparse: the bound (bare executemany of the same rows)")
    bare = bare_connection(fresh_db(workdir, "reparse-bare"))
    reader = sqlite3.connect(path)
    bare_seconds = 0.0
    bare.execute("BEGIN")
    bodies = reader.execute(
        "SELECT body, encoding FROM raw_responses WHERE kind = ? ORDER BY id",
        (MATCH_STATS.name,),
    )
    while chunk := bodies.fetchmany(500):
        merged: dict[str, list[dict]] = {}
        for body, encoding in chunk:
            normalized = match_rows(json.loads(decode(body, encoding)))
            for table, rows in {**references(normalized), **normalized}.items():
                merged.setdefault(table, []).extend(rows)
        statements = bare_statements(merged)
        began = time.perf_counter()
        for sql, values in statements:
            bare.executemany(sql, values)
        bare_seconds += time.perf_counter() - began
    # The per-player tables, as reparse computed them, written row for row.
    for table in player_tables.TABLES:
        cursor = reader.execute(f"SELECT * FROM {table}")
        columns = ", ".join(d[0] for d in cursor.description)
        values = cursor.fetchall()
        marks = ", ".join("?" for _ in cursor.description)
        began = time.perf_counter()
        bare.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
        bare_seconds += time.perf_counter() - began
    began = time.perf_counter()
    bare.execute("COMMIT")
    bare_seconds += time.perf_counter() - began
    bare.close()
    reader.close()
    ours, bound = count / ours_seconds, count / bare_seconds
    # Reparse also parses every stored document and deletes the old rows (foreign keys
    # checked), which the bound does not: a third of its time, so a third of the bound.
    return Figure(
        f"reparse: {count:,} matches from raw_responses, one transaction",
        f"{ours:,.0f} matches/s",
        f"{bound:,.0f} matches/s (bare executemany, same rows, one transaction)",
        ours / bound,
        "≥ 0.33",
        ours / bound >= 1 / 3,
    )


def table_bytes(path: Path) -> dict[str, int]:
    """Return the bytes each table and index of the SQLite file at ``path`` fills (``dbstat``)."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        found = connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
        return dict(found.fetchall())


def dump_bytes(bodies: Iterator[tuple[str, str]], path: Path) -> int:
    """Return the file size of the plain dump: one table of match id and JSON text."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE matches (match_id TEXT PRIMARY KEY, stats TEXT)")
        connection.executemany("INSERT INTO matches VALUES (?, ?)", bodies)
        connection.commit()
    return path.stat().st_size


def disk_figure(scale: Scale, workdir: Path) -> Figure:
    """Archive bytes per match (stats only, by table) against a plain JSON dump's."""
    count = scale.store_matches
    archived = reparse_archive(count)
    by_table = table_bytes(archived)
    ours = sum(by_table.values()) / count
    dump = (
        dump_bytes(
            ((doc["MatchId"], body) for body, doc in documents(count)), fresh_db(workdir, "dump")
        )
        / count
    )
    largest = sorted(by_table.items(), key=lambda item: -item[1])[:6]
    note("disk: bytes per match by table: " + ", ".join(
        f"{name} {size / count:,.0f}" for name, size in largest
    ))  # fmt: skip
    return Figure(
        f"disk: archive bytes per match (stats documents, {count:,} matches, dbstat)",
        f"{ours / 1000:,.1f} KB ("
        + ", ".join(f"{name} {size / count / 1000:,.1f}" for name, size in largest[:3])
        + ")",
        f"{dump / 1000:,.1f} KB (one table: match id, JSON text)",
        dump / ours,
        "≥ 1.0",
        ours <= dump,
    )
