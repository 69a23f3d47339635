"""Timer-grade reliability: one writer, SIGKILL at any moment, a full or read-only disk.

What the sync leaves after kills, faults and drift is checked on SQLite and on
PostgreSQL (`fresh_archive`; that case is slow). The one-writer lock file, a
full or read-only file and the progress output are SQLite's or the terminal's,
and say so.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest

import grunt_archive.db
from grunt_archive.errors import AlreadyRunningError, ArchiveError
from grunt_archive.lock import writer_lock
from grunt_archive.runner import run_sync
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncOptions
from grunt_archive.wording import counted
from tests.e2e import TOKEN, cli, cli_process, simulator_process
from tests.helpers import (
    MATCH_TABLES,
    clockless_dump,
    counts_by_match,
    document_row_counts,
    dump,
    execute,
    is_server,
    raw_bodies,
    rows,
    settings,
)


def assert_whole(db: Path | str) -> None:
    """The archive is sound and every stored match is stored completely, as its document says.

    SQLite's own checks of the file run on a file; PostgreSQL checks its pages and
    foreign keys itself.
    """
    if not is_server(db):
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db, "PRAGMA foreign_key_check") == []
    bodies = raw_bodies(db, "match_stats")
    stored = {row[0] for row in rows(db, "SELECT match_id FROM matches")}
    assert stored == set(bodies)
    for table in ("match_players", "match_teams", "medal_awards"):
        counts = counts_by_match(db, table)
        assert set(counts) <= stored, table  # no rows of a match that is not stored
        for match_id in stored:
            expected = document_row_counts(bodies[match_id]).get(table, 0)
            assert counts.get(match_id, 0) == expected, (match_id, table)


@pytest.mark.slow  # the CLI in a subprocess
def test_a_second_writer_is_refused_at_once(db_path):
    """SQLite only: its one writer is a lock file (PostgreSQL has workers, test_postgres_workers)."""
    with writer_lock(db_path):
        started = time.monotonic()
        result = cli("sync", db=db_path, api_base="http://127.0.0.1:9")
        assert result.returncode == 5
        # The one line names the process that writes, for the user to look at.
        assert result.stderr == (
            f"Error: another grunt-archive command (process {os.getpid()}) is already"
            f" writing to {db_path}\n"
        )
        assert time.monotonic() - started < 10
        with pytest.raises(AlreadyRunningError), writer_lock(db_path):
            pass
    with writer_lock(db_path):  # released with its holder
        pass


@contextmanager
def match_counter(db: Path | str) -> Iterator[Callable[[], int | None]]:
    """Yield what counts the archive's matches as a sync stores them (None: no table yet).

    A kill may land before the file exists or mid-migration. A PostgreSQL archive is
    counted over one connection: a new one a poll (its password exchange and a server
    process each, every few milliseconds) cost the very sync it watched seconds.
    """
    if not is_server(db):

        def count_file() -> int | None:
            try:
                return rows(db, "SELECT count(*) FROM matches")[0][0] if db.exists() else None
            except sqlite3.OperationalError:
                return None  # not created yet, or mid-migration

        yield count_file
        return
    with closing(psycopg.connect(db, autocommit=True)) as connection:

        def count_server() -> int | None:
            try:
                return connection.execute("SELECT count(*) FROM matches").fetchone()[0]
            except psycopg.Error:
                return None

        yield count_server


KILLED_WORLD = ("--seed", "21", "--players", "2", "--matches", "90", "--latency-ms", "3")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """The match tables of `KILLED_WORLD` synced by one uninterrupted CLI run into SQLite.

    What the archive of every backend's killed syncs must come to: synced once for both.
    """
    reference = tmp_path_factory.mktemp("uninterrupted") / "reference.db"
    with simulator_process(*KILLED_WORLD) as sim:
        chosen = [a for p in sim.players() for a in ("--player", p["player_id"])]
        result = cli("sync", *chosen, db=reference, api_base=sim.url)
        assert result.returncode == 0, result.stderr
    return dump(reference, MATCH_TABLES)


@pytest.mark.slow
def test_sigkill_at_many_points_never_leaves_a_half_written_match(fresh_archive, uninterrupted):
    # A PostgreSQL archive comes migrated: its kills land in the sync (SQLite's, in migrations too).
    db = fresh_archive
    rng = random.Random(2026)
    with simulator_process(*KILLED_WORLD) as sim, match_counter(db) as count_matches:
        players = [p["player_id"] for p in sim.players()]
        chosen = [a for p in players for a in ("--player", p)]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GRUNT_ARCHIVE_")}
        environment.update(
            GRUNT_ARCHIVE_DB=str(db),
            GRUNT_ARCHIVE_API_BASE=sim.url,
            GRUNT_ARCHIVE_SPARTAN_TOKEN=TOKEN,
            GRUNT_ARCHIVE_RETRY_SCALE="0.01",
        )
        kill_points = [0, 0, 1, 4, 9, 17, 30, 46, 63, 80, 101, 125]
        killed_while_running = 0
        for target in kill_points:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grunt_archive",
                    "sync",
                    "--rps",
                    "1000",
                    "--concurrency",
                    "4",
                    *chosen,
                ],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 30
            while process.poll() is None and time.monotonic() < deadline:
                stored = count_matches()
                if stored is not None and stored >= target:
                    break
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))  # land between, and inside, transactions
            if process.poll() is None:
                killed_while_running += 1
            process.send_signal(signal.SIGKILL)
            process.wait()
            if count_matches() is not None:  # the archive has its tables
                assert_whole(db)
        assert killed_while_running >= 8, "the kills must land while the sync is running"
        finished = cli("sync", *chosen, db=db, api_base=sim.url)
        assert finished.returncode == 0, finished.stderr
    assert_whole(db)
    assert dump(db, MATCH_TABLES) == uninterrupted
    outcomes = [row[0] for row in rows(db, "SELECT outcome FROM sync_runs ORDER BY id")]
    assert outcomes[-1] == "ok" and "interrupted" in outcomes


def _stop_once_saving(process: subprocess.Popen, db: Path, stop: signal.Signals) -> int:
    """Send ``stop`` to a running sync once it has stored a few matches; return how many."""
    deadline = time.monotonic() + 60
    stored = 0
    while process.poll() is None and time.monotonic() < deadline:
        try:
            stored = rows(db, "SELECT count(*) FROM matches")[0][0] if db.exists() else 0
        except sqlite3.OperationalError:
            stored = 0  # not created yet
        if stored >= 5:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the sync must still be running when it is stopped"
    assert stored >= 5, "the sync must have stored matches before it is stopped"
    process.send_signal(stop)
    return stored


@pytest.mark.slow  # the CLI and the simulator in subprocesses
def test_a_stopped_sync_with_json_prints_its_summary_too(db_path):
    """A timer's log written with --json gets a summary of the run SIGTERM stopped."""
    with simulator_process(
        "--seed", "24", "--players", "1", "--matches", "80", "--latency-ms", "20"
    ) as sim:
        process = cli_process("sync", "--json", "--concurrency", "2", db=db_path, api_base=sim.url)
        try:
            _stop_once_saving(process, db_path, signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 143, stderr
    saved = rows(db_path, "SELECT count(*) FROM matches")[0][0]
    line = f"Terminated: {counted(saved, 'new match')} saved; the next sync resumes."
    assert stderr.splitlines() == [line]
    assert json.loads(stdout) == {"outcome": "terminated", "exit_code": 143, "error": line}


@pytest.mark.slow  # the CLI and the simulator in subprocesses
@pytest.mark.parametrize(
    "stop,code,word",
    [
        (signal.SIGINT, 130, "Interrupted"),
        (signal.SIGTERM, 143, "Terminated"),
        (signal.SIGKILL, -9, None),
    ],
    ids=["ctrl-c", "sigterm", "sigkill"],
)
def test_a_stopped_sync_records_what_it_saved_and_the_next_one_finishes(db_path, stop, code, word):
    """`systemctl stop` and `timeout` send SIGTERM: it stops a sync as Ctrl-C does.

    A SIGKILL leaves the run's row ``running``; the next run marks it ``interrupted``
    with the matches it saved, counted from their documents' fetch times.
    """
    total = 80
    with simulator_process(
        "--seed", "24", "--players", "1", "--matches", str(total), "--latency-ms", "20"
    ) as sim:
        process = cli_process("sync", "--concurrency", "2", db=db_path, api_base=sim.url)
        try:
            _stop_once_saving(process, db_path, stop)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == code, stderr
        assert "Traceback" not in stderr, stderr
        assert_whole(db_path)
        saved = rows(db_path, "SELECT count(*) FROM matches")[0][0]
        assert 0 < saved < total
        if word is not None:
            # One line, as for Ctrl-C, saying how many matches were saved.
            assert stderr.splitlines() == [
                f"{word}: {counted(saved, 'new match')} saved; the next sync resumes."
            ], stderr
            closed = "SELECT outcome, matches_added, finished_at IS NOT NULL FROM sync_runs"
            assert rows(db_path, closed) == [("interrupted", saved, 1)]
        else:
            assert rows(db_path, "SELECT outcome FROM sync_runs") == [("running",)]
        finished = cli("sync", db=db_path, api_base=sim.url)
        assert finished.returncode == 0, finished.stderr
        (player,) = sim.players()
    runs = "SELECT outcome, matches_added FROM sync_runs ORDER BY id"
    assert rows(db_path, runs) == [("interrupted", saved), ("ok", total - saved)]
    # The rest archived, none twice: one row and one document per match.
    assert rows(db_path, "SELECT count(*), count(DISTINCT match_id) FROM matches") == [
        (total, total)
    ]
    assert raw_bodies(db_path, "match_stats").keys() == {
        row[0] for row in rows(db_path, "SELECT match_id FROM matches")
    }
    # The summary names the player by gamertag, and counts in words ("1 new match").
    expected = (
        rf"Archived {counted(total - saved, 'new match')} for {re.escape(player['gamertag'])} in "
    )
    assert re.fullmatch(expected + r"[\d.]+s with \d+ requests\.\n", finished.stdout), (
        finished.stdout
    )


@pytest.mark.parametrize(
    "pragma,message",
    [("PRAGMA max_page_count = {pages}", "full"), ("PRAGMA query_only = 1", "readonly")],
    ids=["full-disk", "read-only"],
)
def test_a_full_disk_or_read_only_file_stops_cleanly(db_path, monkeypatch, pragma, message):
    """SQLite only: the faults are a file's (PRAGMAs); a server's refusals are its own."""
    sim = Simulator(SimulatorConfig(seed=22, players=1, matches=60))
    player = sim.player_ids[0]
    run_sync(
        db_path, settings(sim.app, token="v4=t", concurrency=4), SyncOptions((player,), limit=10)
    )
    pages = rows(db_path, "PRAGMA page_count")[0][0] + 8
    real_set_pragmas = grunt_archive.db._set_pragmas

    def constrained(dbapi_connection, record):
        real_set_pragmas(dbapi_connection, record)
        dbapi_connection.execute(pragma.format(pages=pages))

    # Every connection to a file gets the archive's pragmas here, with or without SQLAlchemy.
    monkeypatch.setattr(grunt_archive.db, "_set_pragmas", constrained)
    before = len(rows(db_path, "SELECT match_id FROM matches"))
    with pytest.raises(ArchiveError, match=message):
        run_sync(db_path, settings(sim.app, token="v4=t", concurrency=4), SyncOptions((player,)))
    assert_whole(db_path)
    after = len(rows(db_path, "SELECT match_id FROM matches"))
    assert after >= before
    monkeypatch.undo()
    # With room again the next run completes the archive.
    run_sync(db_path, settings(sim.app, token="v4=t", concurrency=4), SyncOptions((player,)))
    assert len(rows(db_path, "SELECT match_id FROM matches")) == 60
    assert_whole(db_path)


@pytest.mark.slow
@pytest.mark.parametrize(
    "faults,extra",
    [
        (("--timeouts", "0.1", "--hang-seconds", "1"), ("--timeout", "0.5")),
        (("--drops", "0.15"), ()),
    ],
    ids=["timeouts", "dropped-connections"],
)
def test_network_faults_lose_nothing(fresh_archive, faults, extra):
    db = fresh_archive
    with simulator_process("--seed", "23", "--players", "1", "--matches", "40", *faults) as sim:
        result = cli("sync", "--json", *extra, db=db, api_base=sim.url)
        assert result.returncode == 0, result.stderr
        counts = sim.counts()
        assert counts.get("fault_timeout", 0) + counts.get("fault_drop", 0) > 0
    assert rows(db, "SELECT count(*) FROM matches") == [(40,)]
    assert_whole(db)


@pytest.mark.slow
def test_api_drift_is_stored_and_recorded(fresh_archive):
    db = fresh_archive
    with simulator_process(
        "--seed", "24", "--players", "1", "--matches", "30", "--drift-matches", "3"
    ) as sim:
        result = cli("sync", "--json", db=db, api_base=sim.url)
        assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*) FROM matches") == [(30,)]
    drift = {
        (t, f): n for t, f, n in rows(db, "SELECT table_name, field, occurrences FROM api_drift")
    }
    assert drift[("matches", "spectator_count")] == 3
    assert ("grapple_stats", "*") in drift and ("grapple_stats", "grapple_kills") in drift
    assert ("match_players", "slide_kills") in drift
    # The raw documents keep the new fields for a future version's reparse.
    bodies = [json.loads(body) for body in raw_bodies(db, "match_stats").values()]
    assert sum("SpectatorCount" in b["MatchInfo"] for b in bodies) == 3
    assert_whole(db)


@pytest.mark.slow
def test_an_archive_from_a_newer_grunt_archive_is_refused_by_the_cli(fresh_archive):
    db = fresh_archive
    assert cli("db", "upgrade", db=db).returncode == 0
    execute(db, "UPDATE alembic_version SET version_num = 'ffff'")

    def contents() -> object:  # a file's every byte; a server's every row
        version = rows(db, "SELECT version_num FROM alembic_version")
        return (version, clockless_dump(db)) if is_server(db) else db.read_bytes()

    before = contents()
    result = cli("sync", db=db, api_base="http://127.0.0.1:9")
    assert result.returncode == 6
    assert "newer grunt-archive" in result.stderr and len(result.stderr.splitlines()) == 1
    assert contents() == before


def test_the_progress_bar_draws_only_on_a_terminal():
    import io

    from grunt_archive.progress import TerminalProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    piped, terminal = io.StringIO(), Terminal()
    for stream in (piped, terminal):
        bar = TerminalProgress(stream)
        bar.start("xuid(2533274800000001)", 4)
        for _ in range(4):
            bar.advance()
        bar.finish()
    assert piped.getvalue() == ""
    assert "4/4 matches" in terminal.getvalue() and "#" * 30 in terminal.getvalue()


@pytest.mark.slow
def test_quiet_and_json_print_no_progress(db_path):
    """SQLite only: what the terminal shows, the same whatever the archive."""
    with simulator_process("--seed", "25", "--players", "1", "--matches", "5") as sim:
        quiet = cli("sync", "--quiet", db=db_path, api_base=sim.url)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
        summary = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert summary.stderr == ""
        assert (
            json.loads(summary.stdout)["outcome"] == "ok" and len(summary.stdout.splitlines()) == 1
        )
