"""``reparse`` reproduces every table but archive state, row for row, from raw documents alone.

The tables come from the models and the registry (`documents.ARCHIVE_STATE`),
not from a list kept here. The copy is emptied first of every row reparse is
meant to rebuild, so a table reparse forgot would come back empty and fail.

Every archive test runs on SQLite and on PostgreSQL (``BACKENDS``; that case is
slow), where the copy is made by ``copy`` into a new database of the cluster.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive.documents import ARCHIVE_STATE, DERIVED_TABLES, kinds_writing, replayed_kinds
from grunt_archive.models import metadata
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.rebuild import cleared_tables
from tests.conftest import copy_archive, new_location
from tests.e2e import cli, simulator_process
from tests.helpers import clear, rows, sync
from tests.postgres import BACKENDS

DOCUMENT_TABLES = sorted(set(metadata.tables) - ARCHIVE_STATE)


def dump(db: Path | str) -> dict[str, list[tuple]]:
    return {t: sorted(rows(db, f"SELECT * FROM {t}"), key=repr) for t in DOCUMENT_TABLES}


@pytest.fixture(scope="module", params=BACKENDS)
def synced(request, tmp_path_factory) -> Path | str:
    """A world synced once, with a clearance: matches, lookups, skill, CSR and snapshots."""
    sim = Simulator(SimulatorConfig(seed=17, players=2, matches=40))
    db = new_location(request, request.param, tmp_path_factory.mktemp("reparse") / "halo.db")
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    return db


def test_reparse_reproduces_every_table_but_archive_state(synced, tmp_path, request):
    before = dump(synced)
    # Every kind reparse replays left rows behind, and the derived tables too: a table
    # reparse skipped could not come back equal.
    for kind in replayed_kinds():
        written = [t for t in DOCUMENT_TABLES if kind.writes(t) and before[t]]
        assert written, f"the sync wrote no row of {kind.name}: the test would prove nothing"
    for table in DERIVED_TABLES:
        assert before[table], table

    copy = copy_archive(synced, tmp_path / "copy.db", request)
    cleared = cleared_tables()
    assert set(cleared) | {"players"} == set(DOCUMENT_TABLES)
    clear(copy, cleared)
    assert all(rows(copy, f"SELECT count(*) FROM {t}") == [(0,)] for t in cleared)

    rebuilt, broken, _ = run_reparse(copy)
    assert broken == [] and rebuilt == len(before["matches"]) > 0
    after = dump(copy)
    assert {t for t in DOCUMENT_TABLES if after[t] != before[t]} == set()
    assert after == before


class Shown:
    """A progress display that remembers what a rebuild told it."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int | None]] = []
        self.done = 0
        self.notes: list[str] = []
        self.finished = 0

    def start(self, label: str, total: int | None) -> None:
        self.started.append((label, total))

    def advance(self, count: int = 1) -> None:
        assert self.started and not self.finished, "counted outside the matches' bar"
        self.done += count

    def finish(self) -> None:
        self.finished += 1

    def note(self, text: str) -> None:
        self.notes.append(text)


def test_reparse_shows_its_matches_on_a_bar_then_what_follows(synced, tmp_path, request):
    copy = copy_archive(synced, tmp_path / "copy.db", request)
    (stored,) = rows(copy, "SELECT count(*) FROM raw_responses WHERE kind = 'match_stats'")[0]
    shown = Shown()
    rebuilt, _, _ = run_reparse(copy, shown)
    assert shown.started == [("Rebuilding", stored)] and shown.finished == 1
    assert shown.done == stored >= rebuilt > 0
    assert shown.notes[-1] == "Computing each player's totals…"


def test_every_table_reparse_keeps_is_one_a_kind_never_replayed_writes():
    kept = set(DOCUMENT_TABLES) - set(cleared_tables())
    assert kept == {"players"}
    assert any(kind.stage is None for kind in kinds_writing("players"))


def test_the_synced_world_has_films_of_every_status_reparse_must_bring_back(synced):
    # Gone films hold no document (archive state brings them back): both kinds are covered.
    statuses = {status for (status,) in rows(synced, "SELECT DISTINCT status FROM films")}
    assert {"read", "gone"} <= statuses
    assert rows(synced, "SELECT count(*) FROM kills WHERE ambiguous") != [(0,)]


def test_reparse_parses_non_finite_numbers_as_the_sync_did(fresh_archive):
    """A stored body saying ``NaN``/``Infinity`` is rebuilt with NULL, as the sync stored it."""
    sim = Simulator(
        SimulatorConfig(seed=5, players=1, matches=6, hostile="nonfinite", hostile_matches=1)
    )
    db = fresh_archive
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    (odd,) = sim.hostile_match_ids
    sql = (
        f"SELECT team_id, kda, accuracy FROM match_teams WHERE match_id = '{odd}' ORDER BY team_id"
    )
    before = rows(db, sql)
    assert None in [row[1] for row in before] and None in [row[2] for row in before]
    rebuilt, broken, _ = run_reparse(db)
    assert broken == [] and rebuilt == 6
    assert rows(db, sql) == before


@pytest.mark.slow
def test_a_match_whose_stored_stats_no_longer_parse_goes_pending_never_silently(db_path):
    """Reparse names what it could not read and exits 3; a match left unreadable is fetched again.

    Three matches' raw copies are damaged: one in its only copy (lost: pending), one in a
    copy newer than a good one (reported, its older copy written), one in a copy a newer
    good copy replaced (nothing lost: not reported).
    """
    with simulator_process("--seed", "23", "--players", "1", "--matches", "8") as sim:
        assert cli("sync", "--no-films", db=db_path, api_base=sim.url).returncode == 0
        keys = [k for (k,) in rows(db_path, "SELECT key FROM raw_responses"
                                            " WHERE kind = 'match_stats' ORDER BY id")]  # fmt: skip
        only, newer_broken, replaced = keys[:3]
        copy = ("INSERT INTO raw_responses (kind, key, path, fetched_at, body, encoding)"
                " SELECT kind, key, path, fetched_at, {body}, {encoding} FROM raw_responses"
                " WHERE kind = 'match_stats' AND key = ?")  # fmt: skip
        with closing(sqlite3.connect(db_path)) as connection, connection:
            broken = (
                "UPDATE raw_responses SET body = x'789c0000' WHERE kind = 'match_stats' AND key = ?"
            )
            connection.execute(broken, (only,))
            connection.execute(
                copy.format(body="x'789c0000'", encoding="encoding"), (newer_broken,)
            )
            connection.execute(copy.format(body="body", encoding="encoding"), (replaced,))
            first = "SELECT min(id) FROM raw_responses WHERE kind = 'match_stats' AND key = ?"
            connection.execute(
                "UPDATE raw_responses SET body = x'789c0000' WHERE id = (" + first + ")",
                (replaced,),
            )
        result = cli("reparse", db=db_path)
        assert result.returncode == 3, result.stderr
        assert "Traceback" not in result.stderr
        assert "Rebuilt 7 matches" in result.stdout
        assert f"Skipped raw document {only}: it no longer parses; pending" in result.stderr
        assert f"Skipped raw document {newer_broken}: it no longer parses." in result.stderr
        assert replaced not in result.stderr
        assert rows(db_path, "SELECT match_id FROM pending_matches") == [(only,)]
        assert rows(db_path, "SELECT count(*) FROM matches WHERE match_id IN (?, ?)",
                    newer_broken, replaced) == [(2,)]  # fmt: skip

        again = cli("sync", "--no-films", "--json", db=db_path, api_base=sim.url)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["matches_added"] == 1
    assert rows(db_path, "SELECT count(*) FROM matches") == [(8,)]


@pytest.mark.slow
def test_a_film_of_a_match_lost_to_reparse_is_named_for_its_match_and_fetched_again(db_path):
    """Its chunk is sound: it is left out because its match's stats no longer parse."""
    with simulator_process("--seed", "23", "--players", "1", "--matches", "4") as sim:
        assert cli("sync", db=db_path, api_base=sim.url).returncode == 0
        (lost,) = rows(db_path, "SELECT match_id FROM films ORDER BY match_id LIMIT 1")[0]
        with closing(sqlite3.connect(db_path)) as connection, connection:
            connection.execute("UPDATE raw_responses SET body = x'789c0000'"
                               " WHERE kind = 'match_stats' AND key = ?", (lost,))  # fmt: skip
        result = cli("reparse", db=db_path)
        assert result.returncode == 3, result.stderr
        assert (f"Skipped raw document film_chunk:{lost}: its match's stats no longer parse;"
                " the next sync fetches both again.") in result.stderr  # fmt: skip
        assert f"Skipped raw document {lost}: it no longer parses; pending" in result.stderr
        again = cli("sync", db=db_path, api_base=sim.url)
        assert again.returncode == 0, again.stderr
    assert rows(db_path, "SELECT count(*) FROM films WHERE match_id = ?", lost) == [(1,)]
    assert rows(db_path, "SELECT count(*) FROM pending_matches") == [(0,)]


def test_a_stream_left_unfinished_closes_quietly_after_its_archive(tmp_path):
    # A reparse stopped by Ctrl-C leaves its stream of raw documents unfinished; it is
    # closed when collected, after the archive: it printed a traceback under "Interrupted.".
    from grunt_archive.db import archive_store
    from grunt_archive.store.writer import stream

    with archive_store(tmp_path / "halo.db") as store, store.unit() as connection:
        rows = stream(connection, "SELECT 1 UNION ALL SELECT 2")
        assert next(rows) == (1,)
    rows.close()  # what collecting it does; it raised ArchiveWriteError, a closed database
