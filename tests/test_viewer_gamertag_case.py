"""The player page finds a gamertag in any case of any script, as the commands do."""

from __future__ import annotations

import sqlite3

import pytest

from grunt_archive.viewer.reading import find_player


@pytest.fixture
def connection():
    db = sqlite3.connect(":memory:")
    db.executescript(
        "CREATE TABLE players (player_id TEXT PRIMARY KEY, gamertag TEXT, is_bot INTEGER,"
        " gamertag_updated_at TEXT);"
        "CREATE TABLE tracked_players (player_id TEXT PRIMARY KEY);"
        "INSERT INTO players VALUES ('xuid(2533274800000001)', 'Ωmega Éclair', 0, NULL);"
        "INSERT INTO players VALUES ('xuid(2533274800000002)', 'Chief Mendez', 0, NULL);"
        "INSERT INTO tracked_players VALUES ('xuid(2533274800000001)');"
    )
    yield db
    db.close()


@pytest.mark.parametrize("who", ["Ωmega Éclair", "ωMEGA éCLAIR", "ΩMEGA ÉCLAIR", "ωmega éclair"])
def test_a_gamertag_of_another_script_is_found_in_any_case(connection, who):
    found = find_player(connection, who)
    assert found is not None and found["player_id"] == "xuid(2533274800000001)"
    assert found["tracked"] is True


def test_an_ascii_gamertag_still_needs_no_scan_and_an_unknown_one_is_none(connection):
    assert find_player(connection, "CHIEF mendez")["player_id"] == "xuid(2533274800000002)"
    assert find_player(connection, "Ωmega Nobody") is None
