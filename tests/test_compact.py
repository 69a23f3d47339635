"""Compacting after a large run: a first sync leaves a packed file, a nightly run does not pay."""

from __future__ import annotations

import sqlite3

from grunt_archive.db import archive
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import compact, open_store
from tests.helpers import clockless_dump, sync


def _checkpointed_size(db) -> int:
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return db.stat().st_size


def test_a_first_sync_compacts_and_a_small_one_does_not(tmp_path, monkeypatch):
    sim = Simulator(SimulatorConfig(seed=21, players=1, matches=150))
    packed, loose = tmp_path / "packed.db", tmp_path / "loose.db"
    assert sync(packed, sim, matches_only=True).compacted
    monkeypatch.setattr(compact, "MIN_MATCHES", 10**6)
    assert not sync(loose, sim, matches_only=True).compacted
    monkeypatch.undo()
    # Compacting keeps every row, in a smaller file. (Two syncs are not compared: which
    # players share a gamertag batch depends on when their matches were stored.)
    before, size = clockless_dump(loose), _checkpointed_size(loose)
    with archive(loose) as engine, open_store(engine) as store:
        assert compact.compact(store)
    assert clockless_dump(loose) == before
    assert _checkpointed_size(loose) < 0.95 * size
    assert abs(_checkpointed_size(packed) - _checkpointed_size(loose)) < 0.05 * size
    sim.play(sim.player_ids[0], 3)
    report = sync(packed, sim, matches_only=True)
    assert report.matches_added == 3 and not report.compacted


def test_a_refused_vacuum_leaves_the_archive_whole_and_uncompacted(tmp_path):
    db = tmp_path / "halo.db"
    sync(db, Simulator(SimulatorConfig(seed=22, players=1, matches=20)), matches_only=True)
    before = clockless_dump(db)
    # Readers do not stop a VACUUM in WAL mode; another writer's open transaction does.
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with archive(db) as engine, open_store(engine) as store:
            store.outside_unit("PRAGMA busy_timeout=0")
            assert compact.compact(store) is False
    finally:
        writer.close()
    assert clockless_dump(db) == before
