"""The archive's own environment failing: a full disk, another program's lock, a migration cut short.

A full disk is made portable with the file-size limit (``RLIMIT_FSIZE``): past it a
write fails as on a full disk, with no root and no filesystem of its own (Python
ignores the ``SIGXFSZ`` that would otherwise kill the process). The CLI runs under
it in a process of its own; the lock is held by another connection, as a database
browser with changes not yet written holds it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command as alembic_command
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from grunt_archive.cli import cli as command
from grunt_archive.db import alembic_config, head_revision, make_engine
from grunt_archive.errors import ArchiveWriteError
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.chaos import assert_sound
from tests.e2e import cli
from tests.helpers import dump, impatient, rows, sync

OLD = "0011"  # before the raw bodies were deflated and the match tables rebuilt (0012, 0015)
MATCHES = 20
# Run the rest of the command line with writes past N bytes of any file failing.
LIMITED = "import os, resource, sys; n = int(sys.argv[1]); "
LIMITED += "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"


def file_size_limit(limit: int) -> tuple[str, ...]:
    """Return the launcher that runs a command as on a disk with no room past ``limit`` bytes."""
    return (sys.executable, "-c", LIMITED, str(limit))


@pytest.fixture(scope="module")
def old_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of 20 matches as grunt-archive wrote it at revision 0011, checkpointed."""
    sim = Simulator(SimulatorConfig(seed=31, players=1, matches=MATCHES))
    db = tmp_path_factory.mktemp("old") / "halo.db"
    assert sync(db, sim, *sim.player_ids, matches_only=True).outcome == "ok"
    engine = make_engine(db)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        config = alembic_config()
        config.attributes["connection"] = connection
        with connection.begin():
            alembic_command.downgrade(config, OLD)
    engine.dispose()
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm", ".lock"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    return db


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr


@pytest.mark.slow  # the CLI in a process of its own, under its file-size limit
@pytest.mark.parametrize("limit", [60_000, 100_000, 250_000])
def test_a_full_disk_mid_migration_is_named_and_changes_nothing(old_archive, tmp_path, limit):
    db = tmp_path / "halo.db"
    shutil.copy(old_archive, db)
    before = db.read_bytes()
    for args in (("db", "upgrade"), ("sync", "--matches-only")):
        result = cli(*args, db=db, api_base="http://127.0.0.1:9", launcher=file_size_limit(limit))
        assert result.returncode == 6, (args, result.stdout, result.stderr)
        # SQLite rolled the whole migration back: alembic's cleanup of a table it was
        # rebuilding then said "no such table: _alembic_tmp_…", hiding the disk's error.
        assert "disk I/O error" in one_line(result.stderr), result.stderr
        assert "_alembic_tmp" not in result.stderr and "unchanged" in result.stderr
        assert db.read_bytes() == before
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db, "SELECT version_num FROM alembic_version") == [(OLD,)]
    # With room the upgrade goes through and keeps every match.
    result = cli("db", "upgrade", db=db)
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert rows(db, "SELECT count(*) FROM matches") == [(MATCHES,)]


@pytest.mark.slow
def test_a_disk_with_no_room_for_the_shm_is_not_called_a_damaged_archive(old_archive, tmp_path):
    db = tmp_path / "halo.db"
    shutil.copy(old_archive, db)
    # SQLite's -shm starts at 32 KiB: reading the archive at all fails below that.
    result = cli("db", "current", db=db, launcher=file_size_limit(20_000))
    assert result.returncode == 6, result.stderr
    assert "not a usable SQLite database" not in one_line(result.stderr)
    # It said "disk I/O error" alone, which reads as failing hardware or a damaged file.
    assert one_line(result.stderr) == (
        f"Error: cannot read {db}: the disk holding it is full (disk I/O error); free some"
        " space and run again\n"
    )


@pytest.fixture
def archive_path(old_archive: Path, tmp_path: Path) -> Path:
    db = tmp_path / "halo.db"
    shutil.copy(old_archive, db)
    assert CliRunner().invoke(command, ["db", "upgrade", "--db", str(db)]).exit_code == 0
    return db


def test_an_archive_another_program_holds_is_not_called_a_damaged_one(archive_path):
    # A program that took the file for itself (locking_mode=EXCLUSIVE): nothing else may read it.
    holder = sqlite3.connect(archive_path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        for args in (("sync", "--spartan-token", "t"), ("db", "current")):
            with impatient():
                result = CliRunner().invoke(command, [*args, "--db", str(archive_path)])
            assert result.exit_code == 6, (args, result.output)
            assert "not a usable SQLite database" not in result.output
            assert "locked by another program" in result.output, result.output
            assert result.output.count("\n") == 1, result.output
    finally:
        holder.close()
    assert rows(archive_path, "SELECT count(*) FROM matches") == [(MATCHES,)]


def test_a_write_lock_held_by_another_program_is_named(archive_path):
    sim = Simulator(SimulatorConfig(seed=31, players=1, matches=MATCHES))  # the archive's world
    sim.play(sim.player_ids[0], 5)
    holder = sqlite3.connect(archive_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a database browser with changes not yet written
        with impatient(), pytest.raises(ArchiveWriteError) as refused:
            sync(archive_path, sim, *sim.player_ids, matches_only=True)
    finally:
        holder.close()
    assert str(refused.value) == (
        "cannot write to the archive: database is locked (another program is writing to it)"
    )
    # Once it lets go, the next run finishes the archive.
    report = sync(archive_path, sim, *sim.player_ids, matches_only=True)
    assert report.outcome == "ok" and report.matches_added == 5
    assert rows(archive_path, "SELECT count(*), count(DISTINCT match_id) FROM matches") == [
        (MATCHES + 5, MATCHES + 5)
    ]


def dropping(app: Any, url: str, after: int) -> Any:
    """Wrap an ASGI app: at its ``after``-th match stats request, the server ends every
    connection to the database of ``url`` (as a restart or a DBA would), then answers."""
    seen = 0

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        nonlocal seen
        if scope["type"] == "http" and re.fullmatch(r"/hi/matches/[^/]+/stats", scope["path"]):
            seen += 1
            if seen == after:
                name = make_url(url).database
                with psycopg.connect(make_url(url).set(database="postgres").render_as_string(
                    hide_password=False), autocommit=True) as admin:  # fmt: skip
                    ended = admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    ).fetchall()
                assert ended, "no connection of the sync's to end"
        await app(scope, receive, send)

    return wrapped


@pytest.mark.slow  # the private PostgreSQL cluster
def test_a_dropped_server_connection_stops_in_one_line_and_loses_nothing(postgres_cluster, caplog):
    url = postgres_cluster.new_archive()
    sim = Simulator(SimulatorConfig(seed=32, players=1, matches=MATCHES))
    with pytest.raises(ArchiveWriteError):
        sync(url, sim, *sim.player_ids, app=dropping(sim.app, url, after=12), matches_only=True)
    # SQLAlchemy's pool rolled the dead connection back on its way in, failed, and logged
    # a traceback to stderr under the one-line error.
    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert logged == [], [r.getMessage() for r in logged]
    assert_sound(url, sim, "dropped")
    assert rows(url, "SELECT count(*) FROM matches")[0][0] < MATCHES
    # The next run, with the server back, finishes the archive: every match exactly once.
    assert sync(url, sim, *sim.player_ids, matches_only=True).outcome == "ok"
    assert rows(url, "SELECT count(*), count(DISTINCT match_id) FROM matches") == [
        (MATCHES, MATCHES)
    ]
    assert_sound(url, sim, "after")


@pytest.mark.slow  # the CLI under its file-size limit
@pytest.mark.parametrize("limit", [100_000, 1_000_000])
def test_a_full_disk_mid_reparse_is_named_and_changes_nothing(archive_path, limit):
    tables = ("matches", "match_players", "match_teams", "medal_awards", "player_totals")
    before = dump(archive_path, tables)
    result = cli("reparse", "--quiet", db=archive_path, launcher=file_size_limit(limit))
    assert result.returncode == 6, (result.stdout, result.stderr)
    # The savepoint of the match being rebuilt went with the transaction SQLite rolled
    # back: "no such savepoint: unit_part" hid the disk's error.
    assert "disk I/O error" in one_line(result.stderr) and "savepoint" not in result.stderr
    assert dump(archive_path, tables) == before
    assert rows(archive_path, "PRAGMA integrity_check") == [("ok",)]
    assert cli("reparse", "--quiet", db=archive_path).returncode == 0
    assert dump(archive_path, tables) == before


@pytest.mark.parametrize(
    "args",
    [("sync", "--spartan-token", "t"), ("db", "upgrade"), ("db", "current"), ("query", "SELECT 1")],
)
def test_a_symlink_loop_is_one_line_not_a_traceback(tmp_path, args):
    (tmp_path / "halo.db").symlink_to(tmp_path / "other.db")
    (tmp_path / "other.db").symlink_to(tmp_path / "halo.db")
    result = CliRunner().invoke(command, [*args, "--db", str(tmp_path / "halo.db")])
    assert result.exit_code == 6, (result.output, result.exception)
    assert result.output.count("\n") == 1 and "leads back to itself" in result.output, result.output
    assert {p.name for p in tmp_path.iterdir()} == {"halo.db", "other.db"}


@pytest.mark.slow  # the CLI in a process of its own: without the check it waits forever
@pytest.mark.parametrize("args", [("sync",), ("db", "upgrade")])
def test_a_pipe_given_as_the_archive_is_refused_without_reading_it(tmp_path, args):
    pipe = tmp_path / "halo.db"
    os.mkfifo(pipe)
    # Opening a pipe to read its header waits for a writer that never comes.
    result = cli(*args, db=pipe, api_base="http://127.0.0.1:9", timeout=60)
    assert result.returncode == 6, result.stderr
    assert "not a regular file" in one_line(result.stderr)
    assert {p.name for p in tmp_path.iterdir()} == {"halo.db"}
