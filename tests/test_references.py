"""Foreign keys from the match tables into assets and medals (INTERFACE.md), and the rows behind them."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from grunt_archive.db import archive, head_revision, open_archive, upgrade_archive
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.errors import ArchiveError
from grunt_archive.normalize import match_rows
from grunt_archive.serve import datasette_for
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import lookups, open_store
from grunt_archive.store.matches import save_match
from tests.helpers import rows, sync


def keys(db: Path, table: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """Return each foreign key of ``table`` as (columns, parent table, parent columns)."""
    found: dict[int, tuple[list[str], str, list[str]]] = {}
    for key, _, parent, column, parent_column, *_ in rows(db, f"PRAGMA foreign_key_list({table})"):
        columns, _, parent_columns = found.setdefault(key, ([], parent, []))
        columns.append(column)
        parent_columns.append(parent_column)
    return {(tuple(c), parent, tuple(p)) for c, parent, p in found.values()}


def test_asset_references_and_medal_ids_are_foreign_keys(tmp_path):
    db = tmp_path / "halo.db"
    open_archive(db).dispose()
    matches = keys(db, "matches")
    for kind in ("map", "game_variant", "playlist", "map_mode_pair"):
        assert (
            (f"{kind}_asset_id", f"{kind}_version_id"),
            "assets",
            ("asset_id", "version_id"),
        ) in (matches)
    for table in ("medal_awards", "service_record_medals", "player_medal_totals"):
        assert (("medal_id",), "medals", ("medal_id",)) in keys(db, table)
    for table in ("matches", "service_record_snapshots"):
        assert (("season_id",), "seasons", ("season_id",)) in keys(db, table)


def test_a_stored_match_refers_to_rows_its_lookups_fill_in(tmp_path):
    sim = Simulator(SimulatorConfig(seed=9, players=1, matches=6))
    player = sim.player_ids[0]
    db = tmp_path / "halo.db"
    with archive(db) as engine, open_store(engine) as store:
        for match_id in sim.history(player):
            raw = RawDocument(MATCH_STATS.name, match_id, "/stats", "2025-01-01Z", "{}")
            save_match(store, raw, sim.stats_document(match_id))
        waiting = lookups.missing_assets(store)
        medal_ids = lookups.missing_medal_ids(store)
        season_ids = lookups.missing_season_ids(store)
    # Every reference has its row, none looked up yet: the lookups know what to ask.
    assert rows(db, "PRAGMA foreign_key_check") == []
    assert sorted(waiting) == sorted(
        rows(db, "SELECT asset_kind, asset_id, version_id FROM assets WHERE fetched_at IS NULL")
    )
    assert len(waiting) == rows(db, "SELECT count(*) FROM assets")[0][0] > 0
    assert medal_ids == [
        r[0] for r in rows(db, "SELECT DISTINCT medal_id FROM medal_awards ORDER BY 1")
    ]

    assert season_ids == [
        r[0]
        for r in rows(
            db, "SELECT DISTINCT season_id FROM matches WHERE season_id IS NOT NULL ORDER BY 1"
        )
    ]
    assert season_ids

    sync(db, sim, player, matches_only=True)
    assert rows(db, "SELECT count(*) FROM assets WHERE fetched_at IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM medals WHERE name IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM seasons WHERE name IS NULL") == [(0,)]
    assert rows(db, "PRAGMA foreign_key_check") == []
    # Datasette shows a medal's name where medal_awards names its id.
    ds = datasette_for(db)
    response = asyncio.run(ds.client.get("/halo/medal_awards.json?_labels=on&_size=5&_shape=array"))
    assert response.status_code == 200
    labelled = response.json()
    assert labelled and all(row["medal_id"]["label"] for row in labelled)
    response = asyncio.run(ds.client.get("/halo/matches.json?_labels=on&_size=5&_shape=array"))
    labelled = [row for row in response.json() if row["season_id"] is not None]
    assert labelled and all(row["season_id"]["label"] for row in labelled)


def test_an_archive_at_0006_gets_its_keys_and_keeps_every_row(tmp_path):
    sim = Simulator(SimulatorConfig(seed=9, players=1, matches=12))
    player = sim.player_ids[0]
    db = tmp_path / "halo.db"
    sync(db, sim, player)  # names, medals and snapshots looked up
    _downgrade(db, "0006")
    with sqlite3.connect(db) as connection:
        # As 0006 had it: a reference not looked up yet had no row.
        connection.execute("DELETE FROM assets WHERE asset_kind = 'map_mode_pair'")
        connection.execute(
            "DELETE FROM medals WHERE medal_id = (SELECT min(medal_id) FROM medal_awards)"
        )
        connection.execute(
            "DELETE FROM seasons WHERE season_id = (SELECT min(season_id) FROM matches)"
        )
    counted = {
        t: rows(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("matches", "medal_awards", "service_record_medals", "player_medal_totals")
    }
    search = rows(db, "SELECT count(*) FROM assets_fts WHERE assets_fts MATCH 'a*'")

    open_archive(db).dispose()
    assert rows(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in counted} == counted
    assert rows(db, "PRAGMA foreign_key_check") == []
    assert rows(db, "SELECT count(*) FROM assets WHERE fetched_at IS NULL")[0][0] > 0
    assert rows(db, "SELECT count(*) FROM medals WHERE name IS NULL") == [(1,)]
    assert rows(db, "SELECT count(*) FROM seasons WHERE name IS NULL") == [(1,)]
    assert rows(db, "SELECT count(*) FROM assets_fts WHERE assets_fts MATCH 'a*'") == search
    assert {r[0] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'")} >= {
        "assets_fts_ai",
        "assets_fts_ad",
        "assets_fts_au",
    }
    # The next sync looks the new rows up.
    sync(db, sim, player, matches_only=True)
    assert rows(db, "SELECT count(*) FROM assets WHERE fetched_at IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM seasons WHERE name IS NULL") == [(0,)]


def test_an_upgrade_that_would_break_a_key_changes_nothing(tmp_path):
    db = tmp_path / "halo.db"
    engine = open_archive(db, upgrade=False)
    upgrade_archive(engine, "0006")
    engine.dispose()
    sim = Simulator(SimulatorConfig(seed=9, players=1, matches=3))
    match_id = sim.history(sim.player_ids[0])[0]
    with sqlite3.connect(db) as connection:
        # Another program wrote an award for a match the archive does not hold.
        for table, table_rows in match_rows(sim.stats_document(match_id)).items():
            if table in ("players", "medal_awards"):
                for row in table_rows:
                    connection.execute(
                        f"INSERT OR IGNORE INTO {table} ({', '.join(row)})"
                        f" VALUES ({', '.join('?' for _ in row)})",
                        tuple(row.values()),
                    )
    with pytest.raises(ArchiveError, match="rows naming nothing"):
        open_archive(db).dispose()
    assert rows(db, "SELECT version_num FROM alembic_version") == [("0006",)]
    assert rows(db, "SELECT count(*) FROM medals") == [(0,)]


def _downgrade(db: Path, revision: str) -> None:
    from alembic import command

    from grunt_archive.db import alembic_config

    engine = open_archive(db, upgrade=False)
    with engine.connect() as connection:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    engine.dispose()
