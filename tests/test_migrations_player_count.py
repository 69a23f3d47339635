"""Migration 0034: ``matches.player_count`` counted for the matches archived before it.

On SQLite and PostgreSQL: every shape of match a 0033 archive holds gets the count
`grunt_archive.views.PLAYER_COUNT_SQL` gives of its rows (a player on two teams once,
bots too, a match of nobody 0), a match written without the column counts 0, the
partial index of the free-for-all matches holds the columns the canned query reads, and
``downgrade`` takes the column away and gives the index its one column, every row kept.
"""

from __future__ import annotations

from sqlalchemy import inspect

from grunt_archive.db import make_engine, upgrade_archive
from tests.helpers import assert_player_count_as_counted, downgrade

# Each match of the 0033 archive: its (player, team) lines, and how many players it had.
MATCHES = {
    "ffa": ((("a", 1), ("b", 2), ("c", 3)), 3),
    "switched team": ((("a", 1), ("a", 2), ("b", 2)), 2),
    "with a bot": ((("a", 1), ("bid(1.0)", 2)), 2),
    "alone": ((("a", 1),), 1),
    "nobody": ((), 0),
}


def _write_0033_matches(connection) -> None:
    for player in ("a", "b", "c", "bid(1.0)"):
        connection.exec_driver_sql(
            f"INSERT INTO players (player_id, is_bot) VALUES ('{player}', {player.startswith('bid(')})"
        )
    for match_id, (lines, _) in MATCHES.items():
        connection.exec_driver_sql(
            "INSERT INTO matches (match_id, start_time, teams_enabled)"
            f" VALUES ('{match_id}', '2024-01-01T00:00:00Z', false)"
        )
        for player, team in lines:
            connection.exec_driver_sql(
                "INSERT INTO match_players (match_id, player_id, team_id)"
                f" VALUES ('{match_id}', '{player}', {team})"
            )


def test_0034_counts_every_archived_match_as_the_sql_does_and_back(archive_location):
    engine = make_engine(archive_location)
    try:
        upgrade_archive(engine, "0033")
        with engine.begin() as connection:
            _write_0033_matches(connection)
        upgrade_archive(engine)
        with engine.begin() as connection:
            found = dict(
                connection.exec_driver_sql("SELECT match_id, player_count FROM matches").all()
            )
            assert found == {match_id: shape[-1] for match_id, shape in MATCHES.items()}
            # A match written without the column (an older writer's row) counts nobody.
            connection.exec_driver_sql(
                "INSERT INTO matches (match_id, start_time) VALUES ('new', '2024-01-02T00:00:00Z')"
            )
            assert (
                connection.exec_driver_sql(
                    "SELECT player_count FROM matches WHERE match_id = 'new'"
                ).scalar()
                == 0
            )
            # The free-for-all matches' index holds what the canned query reads of them.
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("matches")}
            assert indexes["ix_matches_free_for_all"]["column_names"] == [
                "match_id", "lifecycle_mode", "start_time", "player_count"]  # fmt: skip
        assert_player_count_as_counted(engine, "after 0034")
        downgrade(engine, "0033")
        with engine.connect() as connection:
            assert "player_count" not in {
                c["name"] for c in inspect(connection).get_columns("matches")
            }
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("matches")}
            assert indexes["ix_matches_free_for_all"]["column_names"] == ["match_id"]
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM matches").scalar()
                == len(MATCHES) + 1
            )
            lines = sum(len(shape[0]) for shape in MATCHES.values())
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM match_players").scalar() == lines
            )
    finally:
        engine.dispose()
