"""Migration 0033: ``matches.free_for_all`` filled for the matches archived before it.

On SQLite and PostgreSQL: every shape of match a 0032 archive holds gets the answer
`grunt_archive.views.FREE_FOR_ALL_SQL` gives of its rows, a match written without the
column is not free-for-all, and ``downgrade`` takes the column and its index away,
every row kept.
"""

from __future__ import annotations

from sqlalchemy import inspect

from grunt_archive.db import make_engine, upgrade_archive
from tests.helpers import assert_free_for_all_as_defined, downgrade

# Each match of the 0032 archive: teams_enabled, game variant category, its Teams, its
# (player, team) lines, and whether it is free-for-all.
MATCHES = {
    "ffa": ("false", "NULL", (), (("a", 1), ("b", 2), ("c", 3)), True),
    "ffa of two": ("false", "6", (), (("a", 1), ("b", 2)), True),
    "infection": ("false", "22", (), (("a", 1), ("b", 2)), False),
    "alone": ("false", "NULL", (), (("a", 1),), False),
    "shared team": ("false", "NULL", (), (("a", 1), ("b", 1), ("c", 2)), False),
    "switched team": ("false", "NULL", (), (("a", 1), ("a", 2), ("b", 2)), False),
    "teams unknown": ("NULL", "NULL", (), (("a", 1), ("b", 2)), False),
    "teams on": ("true", "NULL", (1, 2), (("a", 1), ("b", 2)), False),
    "teams listed": ("false", "NULL", (1, 2), (("a", 1), ("b", 2)), False),
    "nobody": ("false", "NULL", (), (), False),
}


def _write_0032_matches(connection) -> None:
    for player in ("a", "b", "c"):
        connection.exec_driver_sql(
            f"INSERT INTO players (player_id, is_bot) VALUES ('{player}', false)"
        )
    for match_id, (teams_enabled, category, teams, lines, _) in MATCHES.items():
        connection.exec_driver_sql(
            "INSERT INTO matches (match_id, start_time, teams_enabled, game_variant_category)"
            f" VALUES ('{match_id}', '2024-01-01T00:00:00Z', {teams_enabled}, {category})"
        )
        for team in teams:
            connection.exec_driver_sql(
                f"INSERT INTO match_teams (match_id, team_id) VALUES ('{match_id}', {team})"
            )
        for player, team in lines:
            connection.exec_driver_sql(
                "INSERT INTO match_players (match_id, player_id, team_id)"
                f" VALUES ('{match_id}', '{player}', {team})"
            )


def test_0033_decides_every_archived_match_as_the_sql_does_and_back(archive_location):
    engine = make_engine(archive_location)
    try:
        upgrade_archive(engine, "0032")
        with engine.begin() as connection:
            _write_0032_matches(connection)
        upgrade_archive(engine, "0033")  # 0034 widens its index (test_migrations_player_count)
        with engine.begin() as connection:
            found = dict(
                connection.exec_driver_sql("SELECT match_id, free_for_all FROM matches").all()
            )
            assert {m: bool(v) for m, v in found.items()} == {m: s[-1] for m, s in MATCHES.items()}
            # A match written without the column (an older writer's row) is not free-for-all.
            connection.exec_driver_sql(
                "INSERT INTO matches (match_id, start_time) VALUES ('new', '2024-01-02T00:00:00Z')"
            )
            assert not connection.exec_driver_sql(
                "SELECT free_for_all FROM matches WHERE match_id = 'new'"
            ).scalar()
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("matches")}
            assert indexes["ix_matches_free_for_all"]["column_names"] == ["match_id"]
        assert_free_for_all_as_defined(engine, "after 0033")
        downgrade(engine, "0032")
        with engine.connect() as connection:
            assert "free_for_all" not in {
                c["name"] for c in inspect(connection).get_columns("matches")
            }
            assert "ix_matches_free_for_all" not in {
                i["name"] for i in inspect(connection).get_indexes("matches")
            }
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM matches").scalar()
                == len(MATCHES) + 1
            )
            lines = sum(len(shape[3]) for shape in MATCHES.values())
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM match_players").scalar() == lines
            )
    finally:
        engine.dispose()
