"""A PostgreSQL archive holds exactly what a SQLite archive of the same world holds.

One world is synced into a SQLite file and into a database of the private cluster
(tests/postgres.py); every table of the two is compared by column name, clock readings
left out (`helpers.clockless_dump`). Then a second sync, ``reparse``, ``verify`` and
``untrack`` run on the PostgreSQL archive and must keep it equal (or change it as they
change the SQLite one). All of it needs the cluster, so all of it is slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from grunt_archive.documents import DERIVED_TABLES
from grunt_archive.runner import run_reparse, run_untrack, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.rebuild import cleared_tables
from tests.e2e import cli, simulator_process
from tests.helpers import clockless_dump, count, rows, settings, sync, without_batches

pytestmark = pytest.mark.slow


def world() -> Simulator:
    return Simulator(SimulatorConfig(seed=3, players=3, matches=40))


def without_runs(dumped: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Leave out what each run adds: its ``sync_runs`` row and its raw history pages."""
    kept = {table: found for table, found in dumped.items() if table != "sync_runs"}
    kept["raw_responses"] = [row for row in kept["raw_responses"] if row[3] != "match_history"]
    return kept


def clockless(found: object) -> object:
    """Return a JSON value without its clock readings (``*_at``, ``counted_until``)."""
    if isinstance(found, dict):
        return {
            key: clockless(value) for key, value in found.items()
            if not key.endswith("_at") and key != "counted_until"
        }  # fmt: skip
    if isinstance(found, list):
        return [clockless(value) for value in found]
    return found


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The world synced into SQLite, with a clearance (skill, CSR, snapshots, films)."""
    sim = world()
    db = tmp_path_factory.mktemp("reference") / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    return db


@pytest.fixture(scope="module")
def server(postgres_cluster) -> tuple[Simulator, str]:
    """The same world synced into a PostgreSQL database; tests leave it as they found it."""
    sim = world()
    url = postgres_cluster.new_database()
    assert sync(url, sim, *sim.player_ids, clearance="given").outcome == "ok"
    return sim, url


def test_a_sync_into_postgresql_stores_exactly_the_rows_of_sqlite(reference, server):
    _, url = server
    expected = clockless_dump(reference)
    # Every kind of row the comparison covers is there: matches, films, derived tables.
    for table in ("matches", "match_players", "kills", "films", "raw_responses", *DERIVED_TABLES):
        assert expected[table], table
    assert without_batches(clockless_dump(url)) == without_batches(expected)


def test_raw_bodies_come_back_as_the_bytes_sqlite_keeps(reference, server):
    _, url = server
    sql = (
        "SELECT kind, key, encoding, body FROM raw_responses"
        " WHERE kind NOT IN ('profile_users', 'asset_stats')"
        " ORDER BY kind, key, fetched_at"
    )  # what the run's timing decides: see helpers.BATCHED_KINDS
    kept = rows(url, sql)
    assert {type(body) for *_, body in kept} == {bytes}
    assert [row[:3] for row in kept] == [row[:3] for row in rows(reference, sql)]
    assert {body for *_, body in kept} == {body for *_, body in rows(reference, sql)}


def test_a_second_sync_into_postgresql_changes_nothing(server):
    sim, url = server
    pages = "SELECT count(*) FROM raw_responses WHERE kind = 'match_history'"
    before, pages_before = without_runs(clockless_dump(url)), rows(url, pages)[0][0]
    sim.reset_counts()
    report = sync(url, sim, *sim.player_ids, clearance="given", matches_only=True)
    assert report.outcome == "ok" and report.matches_added == 0
    assert sim.counts["stats"] == 0
    assert without_runs(clockless_dump(url)) == before
    # The one history page read per player is kept as a raw document, and nothing else.
    assert rows(url, pages)[0][0] == pages_before + len(sim.player_ids)
    assert rows(url, "SELECT outcome FROM sync_runs ORDER BY id") == [("ok",), ("ok",)]


def test_reparse_on_postgresql_rebuilds_every_table_row_for_row(reference, server):
    _, url = server
    before = clockless_dump(url)
    with psycopg.connect(url) as connection:
        for table in cleared_tables():
            connection.execute(f"DELETE FROM {table}")
    assert count(url, "matches") == 0
    rebuilt, broken, _ = run_reparse(url)
    assert broken == [] and rebuilt == len(before["matches"]) > 0
    assert clockless_dump(url) == before
    assert without_runs(without_batches(clockless_dump(url))) == without_runs(
        without_batches(clockless_dump(reference))
    )


def test_verify_on_postgresql_finds_what_it_finds_on_sqlite(reference, server, tmp_path):
    sim, url = server
    on_server = run_verify(url, settings(sim.app, "given"), tuple(sim.player_ids))
    on_file = run_verify(reference, settings(sim.app, "given"), tuple(sim.player_ids))
    assert [clockless(c.to_json()) for c in on_server] == [clockless(c.to_json()) for c in on_file]
    assert all(check.complete for check in on_server)
    checks = "SELECT player_id, scope, agrees, differences, pending FROM service_record_checks"
    assert sorted(rows(url, checks)) == sorted(rows(reference, checks))


def test_untrack_on_postgresql_keeps_the_matches(postgres_cluster):
    sim = Simulator(SimulatorConfig(seed=4, players=2, matches=6))
    url = postgres_cluster.new_database()
    assert sync(url, sim, *sim.player_ids, matches_only=True).outcome == "ok"
    matches = count(url, "matches")
    gone, kept = sim.player_ids
    assert run_untrack(url, gone) == f"{sim.gamertag(gone)} ({gone})"
    assert rows(url, "SELECT player_id FROM tracked_players") == [(kept,)]
    assert count(url, "matches") == matches
    gamertag = rows(url, "SELECT gamertag FROM players WHERE player_id = ?", kept)[0][0]
    assert run_untrack(url, gamertag.upper()) == f"{gamertag} ({kept})"  # in any case
    assert count(url, "tracked_players") == 0


def test_the_cli_syncs_into_postgresql_and_never_shows_the_password(postgres_cluster):
    url = postgres_cluster.new_database()
    password = postgres_cluster.password
    with simulator_process("--seed", "5", "--players", "1", "--matches", "4") as sim:
        player = sim.players()[0]["player_id"]
        result = cli("sync", "--player", player, "--json", "--matches-only", db=url,
                     api_base=sim.url)  # fmt: skip
        again = cli("sync", "--json", db=url, api_base=sim.url, token="v4=refused-now")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matches_added"] == 4
    for output in (result.stdout, result.stderr, again.stdout, again.stderr):
        assert password not in output
    stored = rows(url, "SELECT * FROM sync_runs")
    assert stored and password not in repr(stored)
    assert count(url, "matches") == 4
