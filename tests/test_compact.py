"""Compacting after a large run: a first sync leaves a packed file, a nightly run does not pay."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from grunt_archive import upgrading
from grunt_archive.db import archive
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import compact, open_store
from tests.helpers import clockless_dump, rows, sync


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


def test_an_upgrade_that_left_a_quarter_unused_compacts_and_a_refused_vacuum_changes_nothing(
    tmp_path,
):
    db = tmp_path / "halo.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x TEXT)")
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 4000)
        connection.execute("CREATE TABLE old AS SELECT * FROM t")
        unused = upgrading.unused_pages(connection)
        connection.execute("DROP TABLE old")  # what a rebuild leaves: half the file unused
    driver = sqlite3.connect(db, isolation_level=None)
    driver.execute("PRAGMA busy_timeout=0")
    writer = sqlite3.connect(db, isolation_level=None)
    notes: list[str] = []
    try:
        writer.execute("BEGIN IMMEDIATE")  # another writer: SQLite refuses the VACUUM
        assert upgrading.compact_after(driver, unused, notes.append) is False
        assert upgrading.unused_pages(driver) > 0
        writer.rollback()
        assert upgrading.compact_after(driver, unused, notes.append) is True
        assert upgrading.unused_pages(driver) == 0
        # Nothing left unused now, so nothing is said nor done a second time.
        assert upgrading.compact_after(driver, 0, notes.append) is False
    finally:
        writer.close()
        driver.close()
    assert notes == ["Compacting the archive: the upgrade left 2 MB of its 4 MB unused."] * 2
    assert rows(db, "SELECT count(*) FROM t") == [(4000,)]


def _grown_archive(tmp_path) -> sqlite3.Connection:
    """A WAL archive whose last commits are still in its log, as a run leaves it."""
    db = tmp_path / "halo.db"
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE t (x TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    connection.execute("DELETE FROM t WHERE rowid % 2 = 0")
    return connection


def test_a_vacuum_refused_for_a_full_disk_leaves_no_log_behind(tmp_path):
    # On a full disk the refused copy filled the log, which no later checkpoint could empty:
    # every later sync failed. The run's commits go into the file first; the copy's log goes.
    connection = _grown_archive(tmp_path)
    wal = tmp_path / "halo.db-wal"
    seen: list[int] = []

    def full_disk(sql: str) -> list:
        if sql != "VACUUM":
            return connection.execute(sql).fetchall()
        seen.append(wal.stat().st_size)
        # What a refused VACUUM leaves: its pages written into the log, then rolled back.
        connection.execute("PRAGMA cache_size=2")
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO t VALUES (?)", [("y" * 500,)] * 500)
        connection.execute("ROLLBACK")
        assert wal.stat().st_size > 0
        raise sqlite3.OperationalError("database or disk is full")

    try:
        assert compact.vacuum(full_disk) is False
        assert seen == [0]  # the run's commits were in the file before the copy began
        assert wal.stat().st_size == 0
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (1000,)
    finally:
        connection.close()


def test_no_vacuum_is_tried_without_room_for_the_packed_copy(tmp_path, monkeypatch):
    connection = _grown_archive(tmp_path)
    statements: list[str] = []

    def run(sql: str) -> list:
        statements.append(sql)
        return connection.execute(sql).fetchall()

    real = compact.os.statvfs

    def disk_with(free_bytes: int):
        def statvfs(path):
            disk = real(path)
            return type("Disk", (), {"f_bavail": free_bytes // disk.f_frsize,
                                     "f_frsize": disk.f_frsize})()  # fmt: skip

        return statvfs

    try:
        # The packed copy needs the file's used pages: about 0.6 MB of rows here.
        monkeypatch.setattr(compact.os, "statvfs", disk_with(100_000))
        assert compact.vacuum(run) is False
        assert "VACUUM" not in statements
        assert (tmp_path / "halo.db-wal").stat().st_size == 0  # the log emptied all the same
        monkeypatch.setattr(compact.os, "statvfs", disk_with(10**9))
        assert compact.vacuum(run) is True
        assert statements[-1] == "VACUUM"
    finally:
        connection.close()
