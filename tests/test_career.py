"""The viewer's per-player tables (store.player_tables): kept step by step, equal to a rebuild."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from grunt_archive.db import archive
from grunt_archive.documents import MATCH_STATS, PROFILE_USERS, RawDocument
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import lookups, open_store, player_tables
from grunt_archive.store.matches import save_match
from grunt_archive.store.writer import execute, query
from tests.conftest import copy_archive
from tests.helpers import dump, rows, sync


def rebuilt_rows(db: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    """Return the per-player tables as `player_tables.rebuild` computes them, on a copy of ``db``."""
    copied = copy_archive(db, tmp_path / f"rebuilt-{db.name}")
    with archive(copied) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    return dump(copied, player_tables.TABLES)


def assert_current(db: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    kept = dump(db, player_tables.TABLES)
    assert kept == rebuilt_rows(db, tmp_path)
    return kept


@pytest.fixture(scope="module")
def world() -> Simulator:
    return Simulator(SimulatorConfig(seed=27, players=2, matches=40))  # one placed in ranked


@pytest.fixture(scope="module")
def synced(world, tmp_path_factory) -> Path:
    """Both players of ``world`` synced (matches only); tests change copies of it."""
    db = tmp_path_factory.mktemp("career") / "synced.db"
    assert sync(db, world, *world.player_ids, matches_only=True).outcome == "ok"
    return db


def test_a_sync_keeps_every_career_table_equal_to_a_rebuild(world, synced, tmp_path):
    db = copy_archive(synced, tmp_path / "halo.db")
    kept = assert_current(db, tmp_path)
    first, second = world.player_ids
    # The tables hold real careers: every match of both players, named, with teammates met.
    for player in world.player_ids:
        assert rows(db, f"SELECT count(*) FROM player_matches WHERE player_id = '{player}'") == (
            rows(db, f"SELECT count(*) FROM match_players WHERE player_id = '{player}'")
        )
    assert rows(db, "SELECT count(*) FROM player_matches WHERE map IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM player_matches WHERE post_match_csr IS NOT NULL")[0][0]
    assert rows(db, "SELECT count(*) FROM player_medal_totals WHERE medal IS NULL") == [(0,)]
    met = rows(
        db,
        "SELECT matches FROM player_encounters"
        f" WHERE player_id = '{first}' AND other_player_id = '{second}'",
    )
    shared = rows(
        db,
        "SELECT count(*) FROM match_players AS a JOIN match_players AS b USING (match_id)"
        f" WHERE a.player_id = '{first}' AND b.player_id = '{second}'",
    )
    assert sum(m for (m,) in met) == shared[0][0] > 0
    assert kept["player_encounters"]


def test_a_player_tracked_later_gets_the_matches_already_archived(world, tmp_path):
    db = tmp_path / "halo.db"
    first, second = world.player_ids
    sync(db, world, first, matches_only=True)
    assert rows(db, f"SELECT count(*) FROM player_matches WHERE player_id = '{second}'") == [(0,)]
    sync(db, world, first, second, matches_only=True)
    assert_current(db, tmp_path)
    assert rows(db, f"SELECT count(*) FROM player_matches WHERE player_id = '{second}'") == (
        rows(db, f"SELECT count(*) FROM match_players WHERE player_id = '{second}'")
    )


def test_a_replaced_match_is_counted_once_with_its_new_numbers(world, synced, tmp_path):
    db = copy_archive(synced, tmp_path / "halo.db")
    first, _ = world.player_ids
    match_id = world.history(first)[0]
    document = copy.deepcopy(world.stats_document(match_id))
    # The new copy: every player's kills change, a person nobody met before replaces
    # another, and the tracked player earns a medal never seen in the archive.
    for player in document["Players"]:
        for team in player["PlayerTeamStats"]:
            team["Stats"]["CoreStats"]["Kills"] += 7
            if player["PlayerId"] == first:
                medal = {"NameId": 4242, "Count": 2, "TotalPersonalScoreAwarded": 10}
                team["Stats"]["CoreStats"]["Medals"].append(medal)
    stranger = next(
        p
        for p in document["Players"]
        if p["PlayerId"] not in world.player_ids and p["PlayerId"].startswith("xuid(")
    )
    stranger["PlayerId"] = "xuid(2535400000000001)"
    before = dump(db, player_tables.TABLES)
    with archive(db) as engine, open_store(engine) as store:
        raw = RawDocument(MATCH_STATS.name, match_id, "/stats", "2025-01-01T00:00:00Z", "{}")
        save_match(store, raw, document)
    after = assert_current(db, tmp_path)
    assert after != before
    assert rows(
        db, f"SELECT total FROM player_medal_totals WHERE player_id = '{first}' AND medal_id = 4242"
    ) == [(2,)]
    assert rows(
        db,
        "SELECT matches FROM player_encounters"
        f" WHERE player_id = '{first}' AND other_player_id = 'xuid(2535400000000001)'",
    ) == [(1,)]
    kills = rows(
        db,
        f"SELECT kills FROM player_matches WHERE match_id = '{match_id}' AND player_id = '{first}'",
    )
    assert kills == rows(
        db,
        f"SELECT kills FROM match_players WHERE match_id = '{match_id}' AND player_id = '{first}'",
    )


def test_names_looked_up_later_reach_every_career_table(world, synced, tmp_path):
    db = copy_archive(synced, tmp_path / "halo.db")
    second = world.player_ids[1]
    with archive(db) as engine, open_store(engine) as store:
        raw = RawDocument(PROFILE_USERS.name, "", "/users", "2025-01-01T00:00:00Z", "[]")
        doc = [{"xuid": second[5:-1], "gamertag": "Renamed Spartan"}]
        lookups.save_gamertags(store, raw, doc, [second])
        with store.unit() as connection:
            execute(
                connection, "UPDATE assets SET public_name = 'Old Name' WHERE asset_kind = 'map'"
            )
            names = ("asset_kind", "asset_id", "version_id", "public_name")
            for asset in query(connection, f"SELECT {', '.join(names)} FROM assets"):
                player_tables.rename_assets(connection, [dict(zip(names, asset, strict=True))])
    kept = assert_current(db, tmp_path)
    assert rows(db, "SELECT DISTINCT map FROM player_matches") == [("Old Name",)]
    assert rows(
        db,
        f"SELECT DISTINCT other_gamertag FROM player_encounters WHERE other_player_id = '{second}'",
    ) == [("Renamed Spartan",)]
    assert {
        r[0]
        for r in rows(db, f"SELECT gamertag FROM player_medal_totals WHERE player_id = '{second}'")
    } == {"Renamed Spartan"}
    assert kept["player_medal_totals"]


def test_reparse_rebuilds_the_career_tables(world, synced, tmp_path):
    from grunt_archive.runner import run_reparse

    db = copy_archive(synced, tmp_path / "halo.db")
    before = dump(db, player_tables.TABLES)
    run_reparse(db)
    assert dump(db, player_tables.TABLES) == before
