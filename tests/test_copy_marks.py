"""A copy's mark stays while the copy runs: reparse, or another copy, beside it keeps it.

A copy marks its run in ``unfinished_copies`` (`store.unfinished`), and the next
copy that finds a mark left by one cut short counts every derived table again.
Whoever counts them all again (``reparse``; a copy that found a mark) deletes the
marks of copies that had stopped, and must keep a running copy's: that copy writes
rows after the count, and if it is then cut short, only its mark makes the next
copy count them. Each race is driven step by step in one process, no thread and
no sleep: the copy is paused after its mark is committed (at its first table),
the other runs to its end, then the copy goes on, bringing back a film of a match
the destination holds, and is cut short at its last write. One race is of a sync
beside a copy: it stores a match the copy found missing, before the copy's rows.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from grunt_archive.db import archive
from grunt_archive.documents import FILM_CHUNK, FILM_MANIFEST, MATCH_SKILL, MATCH_STATS, RawDocument
from grunt_archive.lock import lock_abandoned
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import Store, copied, open_store, player_tables, unfinished
from grunt_archive.store import copy as copy_module
from grunt_archive.store.copy import copy_archive
from grunt_archive.store.matches import save_match
from grunt_archive.store.state import track_player
from tests.conftest import ROOT, new_location
from tests.helpers import assert_derived_as_rebuilt, count, execute, rows, sync
from tests.postgres import BACKENDS

FILM_TABLES = ("kills", "film_events", "films")
KINDS = f"'{FILM_MANIFEST.name}', '{FILM_CHUNK.name}'"


WORLD = SimulatorConfig(seed=8, players=3, matches=15)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = Simulator(WORLD)
    path = tmp_path_factory.mktemp("marks") / "source.db"
    assert sync(path, world, *world.player_ids, clearance="given").outcome == "ok"
    return path


@pytest.fixture(params=BACKENDS)
def destination(request: pytest.FixtureRequest, tmp_path: Path, source: Path) -> Path | str:
    """The source copied whole, less a match's film and another's skill, with their documents.

    A copy from the source brings them back: rows added to matches the destination
    holds, which only the copy that adds them sees as added (or a count of everything).
    The film's kills count in ``player_rivals``, the skill in ``player_matches``.
    """
    location = new_location(request, request.param, tmp_path / "destination.db")
    copy_archive(source, location)
    assert lock_files(location) == []  # a copy's last write lets its lock go
    film, skill = lacking(location)
    assert film and skill
    execute(location, *(f"DELETE FROM {table} WHERE match_id = '{film}'" for table in FILM_TABLES),
            f"DELETE FROM match_skill WHERE match_id = '{skill}'",
            f"DELETE FROM raw_responses WHERE kind IN ({KINDS}) AND key = '{film}'",
            f"DELETE FROM raw_responses WHERE kind = '{MATCH_SKILL.name}' AND key = '{skill}'")  # fmt: skip
    with archive(location) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    assert lacking(location) != (film, skill)
    return location


def lacking(location: Path | str) -> tuple[str | None, str | None]:
    """Return the first match with a film's kills of one player on another, and with skill."""
    film = rows(location, "SELECT min(match_id) FROM kills WHERE victim_id IS NOT NULL")[0][0]
    return film, rows(location, "SELECT min(match_id) FROM match_skill")[0][0]


def at_first_table(monkeypatch: pytest.MonkeyPatch, beside: Callable[[Store], object]) -> None:
    """Make the next copy run ``beside`` (given the copy's store) once, at its first table.

    The copy's mark is committed by then; a copy run by ``beside`` is not paused again.
    """
    copy_table = copy_module._copy_table
    ran: list[bool] = []

    def first_beside(reader: Any, store: Any, table: Any, *args: Any) -> int:
        if not ran:
            ran.append(True)
            beside(store)
        return copy_table(reader, store, table, *args)

    monkeypatch.setattr(copy_module, "_copy_table", first_beside)


def paused(monkeypatch: pytest.MonkeyPatch, beside: Callable[[], object]) -> list[int]:
    """Make the next copy run ``beside`` at its first table, and stop at its last write.

    Returns the marks the archive held as ``beside`` began: the paused copy's own. A
    copy run by ``beside`` writes its last unit as ever.
    """
    update = copied.update
    seen: list[int] = []

    def marks_then_beside(store: Store) -> None:
        with store.unit() as connection:
            seen.extend(unfinished.marks(connection))
        beside()

    def stopped(connection: Any, *args: Any) -> None:
        if args[-1].id in seen:  # the paused copy's last write
            raise KeyboardInterrupt
        update(connection, *args)

    at_first_table(monkeypatch, marks_then_beside)
    monkeypatch.setattr(copied, "update", stopped)
    return seen


def lock_files(location: Path | str) -> list[Path]:
    """Return the copies' lock files beside a SQLite archive (none for PostgreSQL)."""
    return sorted(Path(location).parent.glob("*.copy-*.lock")) if isinstance(location, Path) else []


def assert_next_copy_counts_everything(source: Path, location: Path | str, label: str) -> None:
    """The copy cut short left its mark: the next one counts every table again, and deletes it."""
    assert count(location, "unfinished_copies") == 1, label
    assert lock_files(location) == [], label  # a copy cut short lets its lock go
    copy_archive(source, location)
    assert count(location, "unfinished_copies") == 0
    assert lacking(location) == lacking(source)  # they came, after the count beside it
    assert_derived_as_rebuilt(location, label)


def test_reparse_beside_a_running_copy_keeps_its_mark(source, destination, monkeypatch):
    reparsed: list[tuple[int, list[str], list[str]]] = []
    seen = paused(monkeypatch, lambda: reparsed.append(run_reparse(destination)))
    with pytest.raises(KeyboardInterrupt):
        copy_archive(source, destination)
    monkeypatch.undo()
    assert reparsed and len(seen) == 1  # the copy's mark was committed as reparse ran
    assert rows(destination, "SELECT id FROM unfinished_copies") == [(seen[0],)]
    assert_next_copy_counts_everything(source, destination, "reparse beside a copy")


# On SQLite only: on PostgreSQL the copy beside is refused before it writes
# (tests/test_copy_lock.py). A SQLite copy's one-writer lock is taken above `copy_archive`
# (`runner.run_copy`), so the marks must still hold when two copies meet below it.
@pytest.mark.parametrize("destination", ["sqlite"], indirect=True)
def test_a_copy_beside_another_keeps_its_mark(source, destination, tmp_path, monkeypatch):
    # The copy run beside finds the paused one's mark, so it counts everything at its end
    # and deletes the marks before its own: not the paused copy's, which writes on.
    other = tmp_path / "other.db"  # the destination as it is: a copy of it brings nothing
    copy_archive(destination, other)
    rebuild = player_tables.rebuild
    counted: list[bool] = []

    def counting(connection: Any) -> None:
        counted.append(True)
        rebuild(connection)

    seen = paused(monkeypatch, lambda: copy_archive(other, destination))
    monkeypatch.setattr(player_tables, "rebuild", counting)
    with pytest.raises(KeyboardInterrupt):
        copy_archive(source, destination)
    monkeypatch.undo()
    assert len(seen) == 1 and counted == [True]  # the copy beside ran, and counted everything
    assert rows(destination, "SELECT id FROM unfinished_copies") == [(seen[0],)]
    assert_next_copy_counts_everything(source, destination, "a copy beside a copy")


@pytest.fixture(params=BACKENDS)
def tracking(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A new archive tracking the source's players, with none of their matches."""
    location = new_location(request, request.param, tmp_path / "tracking.db")
    with archive(location) as engine, open_store(engine) as store:
        for player_id in Simulator(WORLD).player_ids:
            track_player(store, player_id)
    return location


def test_a_match_a_sync_stores_beside_a_copy_counts_what_the_copy_adds_to_it(
    source, tracking, monkeypatch
):
    # The copy finds the match missing, then a sync stores another copy of its stats (an
    # award fewer) and counts it before the copy writes its rows: the award the copy adds
    # comes after that count, and must be counted all the same.
    match_id, player_id, medal_id = rows(
        source, "SELECT match_id, player_id, medal_id FROM medal_awards ORDER BY 1, 2, 3 LIMIT 1"
    )[0]
    document = json.loads(Simulator(WORLD).stats_body(match_id))
    removed = 0
    for player in document["Players"]:
        for team in player["PlayerTeamStats"] if player["PlayerId"] == player_id else ():
            medals = team["Stats"]["CoreStats"]["Medals"]
            removed += len(medals)
            medals[:] = [medal for medal in medals if medal["NameId"] != medal_id]
            removed -= len(medals)
    assert removed == 1
    raw = RawDocument(MATCH_STATS.name, match_id, f"/hi/matches/{match_id}/stats",
                      "2025-01-29T04:40:00.000Z", json.dumps(document))  # fmt: skip

    synced: list[str] = []

    def sync_beside(_: Store) -> None:
        with archive(tracking) as engine, open_store(engine) as store:
            synced.append(save_match(store, raw, document))

    at_first_table(monkeypatch, sync_beside)
    copy_archive(source, tracking)
    monkeypatch.undo()
    assert synced == [match_id]
    award = f"SELECT count(*) FROM medal_awards WHERE match_id = '{match_id}'"
    assert rows(tracking, award) == rows(source, award)  # the copy brought the award back
    assert_derived_as_rebuilt(tracking, "a match stored beside a copy")


def test_reparse_deletes_the_marks_of_copies_stopped_before_it(source, destination, monkeypatch):
    # One cut short (its lock let go), one killed (its lock file left, held by no one):
    # reparse counts all they added, so the next copy need not, and counts nothing again.
    def stopped(*_: object) -> None:
        raise KeyboardInterrupt

    for _ in range(2):
        monkeypatch.setattr(copied, "update", stopped)
        with pytest.raises(KeyboardInterrupt):
            copy_archive(source, destination)
        monkeypatch.undo()
    killed, _ = (mark_id for (mark_id,) in rows(destination, "SELECT id FROM unfinished_copies"))
    if isinstance(destination, Path):
        left = destination.with_name(f"{destination.name}.copy-{killed}.lock")
        left.touch()
    run_reparse(destination)
    assert count(destination, "unfinished_copies") == 0
    assert lock_files(destination) == []
    monkeypatch.setattr(player_tables, "rebuild", lambda _: pytest.fail("rebuilt"))
    copy_archive(source, destination)
    monkeypatch.undo()
    assert count(destination, "unfinished_copies") == 0
    assert_derived_as_rebuilt(destination, "reparse after copies cut short")


def test_an_archive_in_memory_keeps_the_marks_it_cannot_tell():
    # No file to lock beside: a mark found there is kept (a count too many, never too few),
    # but by its own copy's last write.
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as driver:
        driver.execute("CREATE TABLE unfinished_copies (id INTEGER PRIMARY KEY, started_at TEXT)")
        store = Store(driver)
        with store.unit() as connection:
            mark = unfinished.begin(connection)
        with store.unit() as connection:
            unfinished.forget(connection, [mark.id])
            assert unfinished.marks(connection) == [mark.id]
            unfinished.finish(connection, mark)
            assert unfinished.marks(connection) == []


@pytest.mark.slow
def test_a_copys_sqlite_lock_dies_with_its_process(tmp_path):
    # A copy killed outright runs no clean-up: its lock file stays, held by no one.
    path = tmp_path / "archive.db.copy-1.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert not lock_abandoned(path) and path.exists()  # held: a copy still running
    finally:
        holder.kill()
        holder.wait()
    assert lock_abandoned(path) and not path.exists()  # its copy stopped; the file goes


# Takes the lock as a copy's `unfinished.begin` does, says so, and waits to be killed.
HOLDER = """
import signal, sys
from pathlib import Path
from grunt_archive.lock import hold_lock
held = hold_lock(Path(sys.argv[1]))
print("held", flush=True)
signal.pause()
"""


def test_a_player_the_copy_tracks_whom_a_sync_beside_gave_lines_counts_every_match(
    source, tmp_path, monkeypatch, request
):
    # The destination holds one player's slice, matches the others played too, counted
    # when nobody tracked them. The copy brings the others' tracked rows, and a sync beside
    # it stores a new match of one of them (its lines counted, for the tracked players then).
    # That player had lines at the copy's end: their lines of the matches held before were
    # never made (30 of 282 in the sweep, for good).
    first, second, _ = Simulator(WORLD).player_ids
    location = new_location(request, "sqlite", tmp_path / "slice.db")
    copy_archive(source, location, players=[first])
    held = {m for (m,) in rows(location, "SELECT match_id FROM matches")}
    shared = rows(
        location,
        "SELECT count(*) FROM match_players WHERE player_id = ?",
        second,
    )[0][0]
    assert shared > 0  # matches held before the copy that the second player played
    (new_match,) = next(
        (m,)
        for (m,) in rows(
            source, "SELECT match_id FROM match_players WHERE player_id = ? ORDER BY 1", second
        )
        if m not in held
    )
    tracked = rows(source, "SELECT * FROM tracked_players WHERE player_id = ?", second)[0]

    def sync_beside(store: Store) -> None:
        with store.unit() as connection:  # the copy's tracked row, as it writes it
            columns = ", ".join("?" * len(tracked))
            connection.driver.execute(f"INSERT INTO tracked_players VALUES ({columns})", tracked)
        body = Simulator(WORLD).stats_body(new_match)
        raw = RawDocument(MATCH_STATS.name, new_match, "/stats", "2026-01-01T00:00:00.000Z", body)
        save_match(store, raw, json.loads(body))

    at_first_table(monkeypatch, sync_beside)
    copy_archive(source, location)
    monkeypatch.undo()
    lines = "SELECT count(*) FROM player_matches WHERE player_id = ?"
    assert rows(location, lines, second) == rows(source, lines, second)
    assert_derived_as_rebuilt(location, "a sync beside a copy")
