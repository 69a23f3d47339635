"""`grunt-archive status`: what an archive holds and how its last sync went, end to end."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import psycopg
from click.testing import CliRunner

from grunt_archive.cli import cli as command
from grunt_archive.lock import writer_lock
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.status_command import lines
from grunt_archive.store.claims import RUNS
from grunt_archive.store.status import ArchiveStatus, LastRun, TrackedPlayer
from tests.helpers import execute, is_server, sync, value


def invoke(*args: str) -> Any:
    return CliRunner().invoke(command, list(args))


def shown(db: Any) -> tuple[list[str], dict[str, Any]]:
    """Return the status as text lines and as JSON, each command exiting 0."""
    text, data = invoke("status", "--db", str(db)), invoke("status", "--db", str(db), "--json")
    assert (text.exit_code, data.exit_code) == (0, 0), text.output + data.output
    return text.output.splitlines(), json.loads(data.output)


def test_a_partial_run_then_a_give_up_and_an_ok_run_as_the_status_tells_them(fresh_archive):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=30, malformed_matches=1))
    (bad,) = sim.malformed_match_ids
    me = sim.player_ids[0]
    report = sync(fresh_archive, sim, me, clearance="given")
    assert report.outcome == "partial" and report.pending == [bad]
    gamertag = value(fresh_archive, "SELECT gamertag FROM players WHERE player_id = ?", me)

    lines, data = shown(fresh_archive)
    assert lines[0] == "Archive: 29 matches, 1 tracked player"
    assert lines[1].startswith(f"  {gamertag} ({me}): 29 matches, 20")
    assert ", last synced 20" in lines[1] and "not walked" not in lines[1]
    assert lines[2].startswith("Last sync: partial, 20")
    assert lines[2].endswith(", 29 new matches, 1 pending (none ok yet)")
    assert lines[3] == "Waiting for the next sync: 1 pending match, 0 pending lookups"
    read = value(fresh_archive, "SELECT count(*) FROM films WHERE status = 'read'")
    assert lines[4].startswith("Films: ") and f"{read} read" in lines[4]
    assert data["matches"] == value(fresh_archive, "SELECT count(*) FROM matches") == 29
    [player] = data["players"]
    assert (player["player_id"], player["gamertag"], player["matches"]) == (me, gamertag, 29)
    newest = value(fresh_archive, "SELECT max(start_time) FROM player_matches")
    assert player["newest_start_time"] == newest and player["history_complete"] is True
    run = data["last_run"]
    assert (run["outcome"], run["matches_added"], run["pending"]) == ("partial", 29, 1)
    assert data["last_ok_at"] is None and data["pending_matches"] == 1
    assert sum(data["films"].values()) == value(fresh_archive, "SELECT count(*) FROM films")

    assert invoke("pending", "give-up", "--db", str(fresh_archive), bad).exit_code == 0
    assert sync(fresh_archive, sim, me, clearance="given").outcome == "ok"
    lines, data = shown(fresh_archive)
    assert lines[2].startswith("Last sync: ok, ") and lines[2].endswith(
        ", 0 new matches, 0 pending"
    )
    assert lines[3] == (
        "Waiting for the next sync: 0 pending matches, 0 pending lookups"
        " (1 match and 0 lookups given up on)"
    )
    assert data["last_ok_at"] == data["last_run"]["started_at"]
    assert (data["pending_matches"], data["given_up_matches"]) == (0, 1)


def test_a_new_archive_has_nothing_yet(tmp_path):
    db = tmp_path / "new.db"
    assert invoke("db", "upgrade", "--db", str(db)).exit_code == 0
    lines, data = shown(db)
    assert lines == [
        "Archive: 0 matches, 0 tracked players",
        "Last sync: none yet",
        "Waiting for the next sync: 0 pending matches, 0 pending lookups",
        "Films: none",
    ]
    assert data["last_run"] is None and data["players"] == [] and data["films"] == {}


def test_a_copy_cut_short_is_said_with_its_remedy(tmp_path):
    # A copy killed between tables leaves matches without their rows: status said nothing.
    db = tmp_path / "new.db"
    assert invoke("db", "upgrade", "--db", str(db)).exit_code == 0
    execute(db, "INSERT INTO unfinished_copies (id, started_at) VALUES (7, '2026-12-01')")
    lines, data = shown(db)
    assert lines[-1] == (
        "Unfinished: a copy into this archive stopped before its end, so some of what was"
        " copied is missing: run the same `grunt-archive copy` again (it adds only what is"
        " missing)"
    )
    assert data["copies_cut_short"] == 1


def test_a_failed_or_killed_run_is_said_in_one_printable_line(tmp_path):
    db = tmp_path / "runs.db"
    assert invoke("db", "upgrade", "--db", str(db)).exit_code == 0
    insert = (
        "INSERT INTO sync_runs (started_at, finished_at, outcome, players, requests,"
        " matches_added, pending, error) VALUES (?, ?, ?, '[]', 3, ?, 0, ?)"
    )
    hostile = "the service sent \x1b[2Jnonsense\nand more " + "x" * 300
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(insert, ("2026-12-01T02:00:00.000Z", "x", "ok", 4, None))
        connection.execute(insert, ("2026-12-02T02:00:00.000Z", "x", "failed", 0, hostile))
    lines, data = shown(db)
    assert lines[1].startswith(
        "Last sync: failed, 2026-12-02 02:00 UTC, 0 new matches, 0 pending: the service sent"
    )
    assert "\x1b" not in lines[1] and "nonsense" in lines[1] and "and more" in lines[1]
    assert lines[1].endswith("… (last ok: 2026-12-01 02:00 UTC)") and len(lines) == 4
    assert data["last_run"]["error"] == hostile  # whole in the JSON

    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(insert, ("2026-12-03T02:00:00.000Z", None, "running", 0, None))
    lines, _ = shown(db)
    assert lines[1].startswith("Last sync: began 2026-12-03 02:00 UTC and stopped without")


def test_no_archive_there_is_exit_6_and_nothing_is_made(tmp_path):
    for db in (tmp_path / "missing.db", tmp_path / "empty.db"):
        if db.name == "empty.db":
            db.touch()
        found = invoke("status", "--db", str(db))
        assert found.exit_code == 6, found.output
        assert found.output.count("\n") == 1 and "Traceback" not in found.output
        # Nothing made: no file where there was none, and the empty one left empty.
        assert db.exists() == (db.name == "empty.db")
        assert not db.exists() or db.stat().st_size == 0


def test_a_clan_lists_its_25_players_with_most_matches_and_counts_the_rest():
    players = [
        TrackedPlayer(
            f"xuid({2533274800000000 + n})", f"Member {n}", 100 - n, None, None, True, None
        )
        for n in range(27)
    ]
    found = ArchiveStatus(matches=50_000, players=players)
    text = lines(found)
    assert text[0] == "Archive: 50,000 matches, 27 tracked players"
    assert [line.split(" (")[0] for line in text[1:26]] == [f"  Member {n}" for n in range(25)]
    assert text[26] == "  … and 2 more tracked players, with fewer matches (--json lists every one)"
    assert text[27] == "Last sync: none yet"
    assert len(found.to_json()["players"]) == 27


def test_a_run_marked_running_is_said_alive_or_stopped_as_its_lock_says(fresh_archive):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=12))
    assert sync(fresh_archive, sim, sim.player_ids[0], films=False).outcome == "ok"
    saved = value(fresh_archive, "SELECT count(*) FROM matches")
    # A run that began before those matches were stored, as the sync that stored them
    # would look from outside while it ran: SQLite writes its count at the end (0 meanwhile;
    # the documents fetched since it began tell it), PostgreSQL counts each match as stored.
    execute(
        fresh_archive,
        "INSERT INTO sync_runs (started_at, outcome, players, requests, matches_added, pending)"
        f" VALUES ('2026-12-03T02:00:00.000Z', 'running', '[]', 0,"
        f" {saved if is_server(fresh_archive) else 0}, 0)",
    )
    execute(fresh_archive, "UPDATE raw_responses SET fetched_at = '2026-12-03T01:00:00.000Z'"
            " WHERE kind = 'match_stats' AND key = (SELECT min(key) FROM raw_responses"
            " WHERE kind = 'match_stats')")  # fmt: skip
    if not is_server(fresh_archive):
        saved -= 1  # fetched before the run began: not its own
    run_id = value(fresh_archive, "SELECT max(id) FROM sync_runs")
    stopped = (
        f"Last sync: began 2026-12-03 02:00 UTC and stopped without finishing, {saved} new"
        " matches saved (killed outright, the machine went down, or its end could not be"
        " written: a full disk; its log says which): the next sync marks it interrupted"
    )
    lines, data = shown(fresh_archive)
    assert (lines[2], data["last_run"]["alive"]) == (stopped, False)
    assert data["last_run"]["matches_added"] == saved > 0
    # Its process alive: the writer lock held (SQLite), the run's own lock (PostgreSQL).
    with _held_as_by_a_live_run(fresh_archive, run_id):
        lines, data = shown(fresh_archive)
        assert (lines[2], data["last_run"]["alive"]) == (
            f"Last sync: running since 2026-12-03 02:00 UTC, {saved} new matches so far",
            True,
        )
    lines, _ = shown(fresh_archive)
    assert lines[2] == stopped
    # Looking never settles it: the row stays running for the next sync to mark, which
    # then records the same count.
    assert value(fresh_archive, "SELECT outcome FROM sync_runs WHERE id = ?", run_id) == "running"
    assert sync(fresh_archive, sim, sim.player_ids[0], films=False).outcome == "ok"
    assert value(fresh_archive, "SELECT matches_added FROM sync_runs WHERE id = ?", run_id) == saved


def test_other_runs_still_marked_running_are_said_live_or_stopped(fresh_archive):
    """PostgreSQL's workers run side by side; on SQLite only the latest run can be alive."""
    if not is_server(fresh_archive):
        assert invoke("db", "upgrade", "--db", str(fresh_archive)).exit_code == 0
    for hour, added in ((1, 3), (2, 5), (3, 7)):
        execute(
            fresh_archive,
            "INSERT INTO sync_runs (started_at, outcome, players, requests, matches_added,"
            f" pending) VALUES ('2026-12-03T0{hour}:00:00.000Z', 'running', '[]', 0, {added}, 0)",
        )
    first, second, latest = (
        value(fresh_archive, f"SELECT id FROM sync_runs WHERE started_at LIKE '%T0{h}:%'")
        for h in (1, 2, 3)
    )
    with _held_as_by_a_live_run(fresh_archive, latest):
        if is_server(fresh_archive):  # a second worker alive, the first one killed
            with _held_as_by_a_live_run(fresh_archive, second):
                lines, data = shown(fresh_archive)
            assert lines[1:4] == [
                "Last sync: running since 2026-12-03 03:00 UTC, 7 new matches so far",
                "Also running: 1 other sync run, the first since 2026-12-03 02:00 UTC,"
                " 5 new matches so far",
                "Also stopped without finishing: 1 other sync run, the first begun"
                " 2026-12-03 01:00 UTC: the next sync marks it interrupted",
            ]
            alive = {run["id"]: run["alive"] for run in data["other_runs"]}
            assert alive == {first: False, second: True}
        else:
            lines, data = shown(fresh_archive)
            # No document was fetched since: SQLite's runs saved nothing, whatever the row says.
            assert lines[1:4] == [
                "Last sync: running since 2026-12-03 03:00 UTC, 0 new matches so far",
                "Also stopped without finishing: 2 other sync runs, the first begun"
                " 2026-12-03 01:00 UTC: the next sync marks them interrupted",
                "Waiting for the next sync: 0 pending matches, 0 pending lookups",
            ]
            assert [run["id"] for run in data["other_runs"]] == [first, second]
            assert [run["alive"] for run in data["other_runs"]] == [False, False]


@contextmanager
def _held_as_by_a_live_run(db: Any, run_id: int) -> Iterator[None]:
    if not is_server(db):
        with writer_lock(db):
            yield
        return
    with closing(psycopg.connect(db, autocommit=True)) as worker:
        worker.execute("SELECT pg_advisory_lock(%s, %s)", (RUNS, run_id))
        yield


def test_a_running_run_whose_process_is_not_known_is_said_so():
    run = LastRun("2026-12-03T02:00:00.000Z", None, "running", 1, 0, 0, None, 1)
    text = lines(ArchiveStatus(last_run=run))
    assert text[1] == (
        "Last sync: running since 2026-12-03 02:00 UTC, 1 new match so far (or killed outright)"
    )
    # Its count not known (PostgreSQL's 0, as older releases left it): not said.
    for alive in (None, True, False):
        run = LastRun("2026-12-03T02:00:00.000Z", None, "running", None, 0, 0, None, 1, alive)
        assert "new match" not in lines(ArchiveStatus(last_run=run))[1]
