"""verify: the archive against the service's counts; what is missing becomes pending."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from grunt_archive.db import open_archive
from grunt_archive.store import open_store
from grunt_archive.verify import _player_ids
from tests.e2e import cli, simulator_process
from tests.helpers import rows

pytestmark = pytest.mark.slow


def test_verify_finds_lost_matches_and_the_next_sync_fetches_them(db_path):
    with simulator_process("--seed", "31", "--players", "1", "--matches", "45") as sim:
        assert cli("sync", db=db_path, api_base=sim.url).returncode == 0
        clean = cli("verify", "--json", db=db_path, api_base=sim.url)
        assert clean.returncode == 0, clean.stderr
        (check,) = json.loads(clean.stdout)
        (player,) = sim.players()
        assert check["gamertag"] == player["gamertag"]
        assert check["complete"] and check["missing_match_ids"] == []
        assert check["service_record_check"]["agrees"]
        assert check["service_record_check"]["differences"] == {}
        assert sum(c["service"] for c in check["lifecycles"]) == 45
        assert sum(c["archived"] for c in check["lifecycles"]) == 45

        # Lose three matches (one custom game among them if there is one).
        lost = [
            r[0]
            for r in rows(
                db_path, "SELECT match_id FROM matches ORDER BY lifecycle_mode, start_time LIMIT 3"
            )
        ]
        lost_matchmade = sum(
            rows(db_path, "SELECT lifecycle_mode FROM matches WHERE match_id = ?", m)[0][0] == 3
            for m in lost
        )
        with sqlite3.connect(db_path) as connection:
            for table in [
                r[0]
                for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]:
                columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]
                if "match_id" in columns and table != "matches":
                    connection.executemany(
                        f"DELETE FROM {table} WHERE match_id = ?", [(m,) for m in lost]
                    )
            connection.executemany("DELETE FROM matches WHERE match_id = ?", [(m,) for m in lost])

        named = cli("verify", db=db_path, api_base=sim.url)
        # Each line names the player by gamertag, as people know them.
        lines = named.stdout.splitlines()
        assert named.returncode == 3 and len(lines) == 3 + 3 + 1, named.stdout
        assert all(line.startswith(f"{player['gamertag']} ") for line in lines), named.stdout
        told = [line.removeprefix(f"{player['gamertag']} missing ") for line in lines]
        assert sorted(set(told) - set(lines)) == sorted(lost)
        assert "3 matches missing from the archive" in named.stderr
        with sqlite3.connect(db_path) as connection:
            connection.execute("DELETE FROM pending_matches")
        found = cli("verify", "--json", db=db_path, api_base=sim.url)
        assert found.returncode == 3
        (check,) = json.loads(found.stdout)
        assert sorted(check["missing_match_ids"]) == sorted(lost)
        assert sum(c["missing"] for c in check["lifecycles"]) == 3
        # The matchmade totals differ exactly when a lost match was matchmade.
        totals = check["service_record_check"]
        assert totals["agrees"] == (lost_matchmade == 0) and totals["pending"] == 3
        assert sorted(
            r[0] for r in rows(db_path, "SELECT match_id FROM pending_matches")
        ) == sorted(lost)

        sim.post("/_simulator/reset-counts")
        assert cli("sync", db=db_path, api_base=sim.url).returncode == 0
        assert sim.counts()["stats"] == 3
        assert rows(db_path, "SELECT count(*) FROM matches") == [(45,)]
        agreed = cli("verify", db=db_path, api_base=sim.url)
        assert agreed.returncode == 0
        assert "agrees with the service's matchmade record" in agreed.stdout


def test_verify_on_an_archive_with_no_players_is_a_usage_error(db_path):
    assert cli("db", "upgrade", db=db_path).returncode == 0
    result = cli("verify", db=db_path, api_base="http://127.0.0.1:9")
    assert result.returncode == 2 and "no tracked players" in result.stderr


def test_verify_of_a_player_the_archive_does_not_track_is_a_usage_error(db_path):
    # Refused before any request (the address answers nothing): an untracked player's
    # archived matches are only those shared with a tracked one.
    with simulator_process("--seed", "31", "--players", "1", "--matches", "5") as sim:
        assert cli("sync", db=db_path, api_base=sim.url).returncode == 0
    other = rows(db_path, "SELECT player_id FROM players WHERE player_id NOT IN"
                          " (SELECT player_id FROM tracked_players) AND player_id LIKE 'xuid(%'"
                          " ORDER BY player_id LIMIT 1")[0][0]  # fmt: skip
    for who in (other, "xuid(2533274899999999)"):
        result = cli("verify", "--player", who, db=db_path, api_base="http://127.0.0.1:9")
        assert result.returncode == 2, result.stderr
        assert result.stderr == f"Error: {who!r} is not a tracked player of this archive\n"
    # An opponent given the tracked player's gamertag (another case, a smaller xuid) does
    # not hide them, as untrack finds them too.
    (me, gamertag), = rows(db_path, "SELECT p.player_id, p.gamertag FROM tracked_players"
                                    " JOIN players AS p USING (player_id)")  # fmt: skip
    with closing(sqlite3.connect(db_path)) as connection, connection:
        connection.execute("INSERT INTO players (player_id, gamertag, is_bot)"
                           " VALUES ('xuid(1000000000000001)', ?, 0)", (gamertag.upper(),))  # fmt: skip
    engine = open_archive(db_path)
    with open_store(engine) as store:
        assert _player_ids(store, (gamertag.lower(),)) == [me]
    engine.dispose()
    # An untracked player is named so in any case of any script, not "no archived player".
    with closing(sqlite3.connect(db_path)) as connection, connection:
        connection.execute("INSERT INTO players (player_id, gamertag, is_bot)"
                           " VALUES ('xuid(1000000000000002)', 'Zoë Élan', 0)")  # fmt: skip
    result = cli("verify", "--player", "ZOË ÉLAN", db=db_path, api_base="http://127.0.0.1:9")
    assert result.returncode == 2, result.stderr
    assert result.stderr == "Error: 'ZOË ÉLAN' is not a tracked player of this archive\n"
