"""Migrations: an empty archive upgrades to exactly the models' schema, on SQLite and on
PostgreSQL; foreign files are refused."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from grunt_archive import schema_file
from grunt_archive.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_archive,
    upgrade_archive,
)
from grunt_archive.errors import ArchiveError, ArchiveTooNewError, NotAnArchiveError
from grunt_archive.fts import FTS_INDEXES, POSTGRESQL_SEARCH_INDEXES, is_fts_table
from grunt_archive.models import metadata
from grunt_archive.store import open_store
from grunt_archive.tables import BOOLEAN_COLUMNS, PRIMARY_KEYS, TABLES_FILE, describe
from grunt_archive.views import VIEWS, views_for
from tests.conftest import ROOT
from tests.helpers import downgrade, rows


def schema_differences(connection) -> list:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "render_as_batch": True,
            # The search indexes (fts.py) are no model's, as in migrations/env.py.
            "include_name": lambda name, type_, _parents: (
                not (type_ in ("table", "index") and is_fts_table(name))
            ),
        },
    )
    return compare_metadata(context, metadata)


def test_upgrading_an_empty_archive_gives_the_models_schema(archive_location):
    engine = open_archive(archive_location)
    try:
        with engine.connect() as connection:
            assert schema_differences(connection) == []
            assert MigrationContext.configure(connection).get_current_revision() == head_revision()
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_alembic_check_finds_nothing_to_generate(archive_location):
    # The command CI runs, through migrations/env.py; it raises on any difference.
    engine = open_archive(archive_location)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.check(config)
    finally:
        engine.dispose()


def view_columns(engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {
            name: list(connection.exec_driver_sql(f"SELECT * FROM {name}").keys())
            for name in views_for(engine.dialect.name)
        }


def test_the_views_and_search_indexes_exist_with_the_same_columns(archive_location, tmp_path):
    engine = open_archive(archive_location)
    reference = open_archive(tmp_path / "reference.db")  # SQLite, the views' first dialect
    try:
        assert view_columns(engine) == view_columns(reference)
        assert set(views_for(engine.dialect.name)) == set(VIEWS)
        with engine.connect() as connection:
            inspector = inspect(connection)
            assert set(VIEWS) <= set(inspector.get_view_names())
            if engine.dialect.name == "postgresql":
                indexes = {
                    index["name"]
                    for table in ("players", "assets")
                    for index in inspector.get_indexes(table)
                }
                assert set(POSTGRESQL_SEARCH_INDEXES) <= indexes
            else:
                assert set(FTS_INDEXES) <= set(inspector.get_table_names())
    finally:
        engine.dispose()
        reference.dispose()


def test_downgrading_to_nothing_and_upgrading_again(archive_location):
    engine = open_archive(archive_location)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        upgrade_archive(engine)
        with engine.connect() as connection:
            assert schema_differences(connection) == []
    finally:
        engine.dispose()


def test_the_revisions_read_from_the_scripts_are_alembics():
    from alembic.script import ScriptDirectory

    from grunt_archive import revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert revisions.head() == script.get_current_head()
    assert revisions.revisions() == {r.revision: r.down_revision for r in script.walk_revisions()}


def test_opening_twice_is_harmless(db_path):
    open_archive(db_path).dispose()
    engine = open_archive(db_path)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM matches").scalar() == 0
    engine.dispose()


def test_a_file_that_is_not_sqlite_is_refused(db_path):
    db_path.write_text("these are my notes, not a database\n")
    with pytest.raises(NotAnArchiveError, match="not a SQLite database"):
        open_archive(db_path)
    assert db_path.read_text() == "these are my notes, not a database\n"


def test_someone_elses_database_is_refused_and_untouched(db_path):
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(NotAnArchiveError, match="not a grunt-archive archive"):
        open_archive(db_path)
    with sqlite3.connect(db_path) as connection:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    assert tables == ["recipes"]


def test_an_archive_from_a_newer_program_is_refused(db_path):
    open_archive(db_path).dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ArchiveTooNewError, match="newer grunt-archive"):
        open_archive(db_path)


def test_a_missing_directory_is_an_archive_error(tmp_path):
    with pytest.raises(ArchiveError, match="does not exist"):
        open_archive(tmp_path / "nowhere" / "halo.db")


def test_upgrading_deflates_every_raw_text_body_and_leaves_bytes(tmp_path):
    from grunt_archive.db import make_engine, upgrade_archive
    from grunt_archive.rawbody import decode

    path = tmp_path / "old.db"
    engine = make_engine(path)
    upgrade_archive(engine, "0011")
    text = '{"MatchId": "m", "Players": [' + ", ".join(['{"Kills": 3}'] * 200) + "]}"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO raw_responses (kind, key, path, fetched_at, body)"
            " VALUES ('match_stats', 'm', '/p', 't', ?), ('film_chunk', 'c', '/c', 't', ?)",
            (text, b"\x00\x01binary"),
        )
    upgrade_archive(engine)
    with engine.connect() as connection:
        kept = connection.exec_driver_sql(
            "SELECT key, body, encoding FROM raw_responses ORDER BY key"
        ).fetchall()
    engine.dispose()
    (_, chunk_body, chunk_encoding), (_, body, encoding) = kept
    assert (chunk_body, chunk_encoding) == (b"\x00\x01binary", "identity")
    assert encoding == "zlib" and isinstance(body, bytes) and len(body) < len(text) // 5
    assert decode(body, encoding) == text


PER_MATCH_TABLES = ("match_players", "match_teams", "match_skill", "medal_awards", "pvp_stats",
                    "team_pvp_stats", "capture_the_flag_stats", "personal_score_awards")  # fmt: skip


def test_the_per_match_tables_keep_each_row_once(engine):
    with engine.connect() as connection:
        for table in PER_MATCH_TABLES:
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
            ).scalar()
            assert sql.rstrip().endswith("WITHOUT ROWID"), table
        indexes = {r[1] for r in connection.exec_driver_sql("PRAGMA index_list('medal_awards')")}
        assert "ix_medal_awards_player_id" in indexes
        assert "ix_medal_awards_medal_id" not in indexes


def test_compacting_the_match_tables_keeps_every_row(tmp_path, monkeypatch):
    from grunt_archive.db import make_engine
    from grunt_archive.documents import MATCH_STATS
    from grunt_archive.store import player_tables, writer
    from grunt_archive.store.matches import save_match
    from tests.helpers import MATCH, MATCH_DOC, dump, raw

    path = tmp_path / "old.db"
    engine = make_engine(path)
    upgrade_archive(engine, "0014")
    # Written as a release of 0014 wrote it: matches.free_for_all is 0033's, player_count 0034's.
    later = {"free_for_all", "player_count"}
    monkeypatch.setitem(writer.COLUMNS, "matches", writer.COLUMNS["matches"] - later)
    # ... and player_matches without 0038's line shots and teams_played.
    insert = player_tables._INSERT_PLAYER_MATCHES
    shots = insert.index(",\n    mp.shots_fired")
    insert = insert[:shots] + insert[insert.index("\nFROM tracked_players") :]
    insert = insert.replace(", shots_fired, shots_hit, teams_played", "", 1)
    monkeypatch.setattr(player_tables, "_INSERT_PLAYER_MATCHES", insert)
    doc = json.loads((ROOT / "tests" / "fixtures" / MATCH_DOC).read_text())
    with open_store(engine) as store:
        save_match(store, raw(MATCH_STATS, MATCH, doc), doc)
    before = dump(path, PER_MATCH_TABLES)
    assert before["medal_awards"] and before["match_players"]
    upgrade_archive(engine)
    engine.dispose()
    assert dump(path, PER_MATCH_TABLES) == before
    assert rows(path, "PRAGMA foreign_key_check") == []


@pytest.mark.slow
def test_the_alembic_command_reads_a_path_or_a_url_from_the_environment(archive_location):
    # What CI runs (.ci/run): `alembic upgrade head` then `alembic check`, on both dialects.
    environment = {**os.environ, "GRUNT_ARCHIVE_DB": str(archive_location)}
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    assert "No new upgrade operations detected" in result.stdout + result.stderr
    engine = open_archive(archive_location, upgrade=False)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_declared_views_are_what_the_migrations_made(archive_location):
    # SQLite keeps a view's text (test_enrich_sync compares it); PostgreSQL rewrites it, so
    # there the declarations are run in place of the migrated views and must read the same.
    engine = open_archive(archive_location)
    declared = views_for(engine.dialect.name)
    try:
        with engine.connect() as connection:
            before = {
                n: list(connection.exec_driver_sql(f"SELECT * FROM {n}").keys()) for n in declared
            }
            for name in reversed(list(declared)):
                connection.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
            for sql in declared.values():
                connection.exec_driver_sql(sql)
            after = {
                n: list(connection.exec_driver_sql(f"SELECT * FROM {n}").keys()) for n in declared
            }
            connection.rollback()  # the archive keeps the views its migrations made
        assert after == before
    finally:
        engine.dispose()


def _schema_facts(path) -> dict[str, tuple]:
    """Every object of an archive's schema, its SQL's lines in order (constraints may swap)."""
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        ).fetchall()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    connection.close()
    # 0015 rebuilds tables naming their foreign keys in set order: compare lines as a set.
    lines = {name: (kind, sorted(line.strip(" ,") for line in sql.splitlines()))
             for kind, name, sql in found}  # fmt: skip
    return {"revision": revision, **lines}


def test_a_new_archive_is_what_the_migrations_build_without_running_them(tmp_path, monkeypatch):
    migrated = tmp_path / "migrated.db"
    engine = make_engine(migrated)
    upgrade_archive(engine, migrate=True)
    engine.dispose()

    def refused(*args, **kwargs):
        raise AssertionError("a new archive ran the migrations")

    monkeypatch.setattr(command, "upgrade", refused)
    new = tmp_path / "new.db"
    open_archive(new).dispose()
    assert _schema_facts(new) == _schema_facts(migrated)
    assert len(_schema_facts(new)) > 100


def test_the_schema_file_builds_the_head_revision():
    assert schema_file.file_revision() == head_revision(), (
        "grunt_archive/schema/sqlite.sql is behind the migrations:"
        " run `python -m grunt_archive.schema_file`"
    )


def test_the_schema_file_is_exactly_what_the_migrations_build(tmp_path):
    # Byte for byte: regenerating the file after a migration shows only that migration's lines.
    migrated = tmp_path / "migrated.db"
    engine = make_engine(migrated)
    upgrade_archive(engine, migrate=True)
    engine.dispose()
    with closing(sqlite3.connect(migrated)) as connection:
        built = schema_file.dump(connection)
    assert built == schema_file.SCHEMA.read_text(encoding="utf-8"), (
        "grunt_archive/schema/sqlite.sql is not what the migrations build:"
        " run `python -m grunt_archive.schema_file`"
    )


def test_foreign_keys_are_written_in_name_order():
    sql = (
        'CREATE TABLE "t" (\n\ta INTEGER, \n'
        "\tCONSTRAINT fk_t_b FOREIGN KEY(b) REFERENCES b (id), \n"
        "\tCONSTRAINT fk_t_a FOREIGN KEY(a) REFERENCES a (id)\n)"
    )
    assert schema_file._sorted_foreign_keys(sql) == (
        'CREATE TABLE "t" (\n\ta INTEGER, \n'
        "\tCONSTRAINT fk_t_a FOREIGN KEY(a) REFERENCES a (id), \n"
        "\tCONSTRAINT fk_t_b FOREIGN KEY(b) REFERENCES b (id)\n)"
    )


def test_a_schema_file_of_another_revision_is_not_used(tmp_path, monkeypatch):
    stale = tmp_path / "sqlite.sql"
    stale.write_text("-- revision: 0001\nCREATE TABLE wrong (x);\n", encoding="utf-8")
    monkeypatch.setattr(schema_file, "SCHEMA", stale)
    path = tmp_path / "halo.db"
    engine = open_archive(path)
    engine.dispose()
    assert current_revision(make_engine(path)) == head_revision()
    assert "wrong" not in _schema_facts(path)


def test_the_tables_file_describes_the_models():
    written = json.loads(TABLES_FILE.read_text(encoding="utf-8"))
    assert written == describe(metadata), (
        "grunt_archive/schema/tables.json is not the models': run `python -m grunt_archive.schema_file`"
    )
    assert PRIMARY_KEYS["matches"] == ("match_id",) and "is_bot" in BOOLEAN_COLUMNS["players"]


def test_a_schema_file_that_fails_midway_creates_nothing(tmp_path, monkeypatch):
    broken = tmp_path / "sqlite.sql"
    broken.write_text(
        f"-- revision: {head_revision()}\nCREATE TABLE first (x);\nCREATE TABLE first (x);\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(schema_file, "SCHEMA", broken)
    path = tmp_path / "halo.db"
    with pytest.raises(ArchiveError, match="cannot create the archive's tables: table first"):
        open_archive(path)
    assert rows(path, "SELECT name FROM sqlite_master") == []


def _career_kd(connection) -> list:
    return connection.exec_driver_sql(
        "SELECT (SELECT kd FROM player_careers), (SELECT kd FROM player_map_mode_stats)"
    ).fetchall()


def test_0024_rounds_the_career_kd_to_three_decimals_and_back(archive_location):
    # 7 kills and 6 deaths: 1.1666…, 1.17 to two decimals and 1.167 to three.
    engine = make_engine(archive_location)
    try:
        upgrade_archive(engine, "0023")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO matches (match_id, start_time) VALUES ('m', '2024-01-01T00:00:00Z')"
            )
            connection.exec_driver_sql(
                "INSERT INTO players (player_id, is_bot) VALUES ('xuid(1)', false)"
            )
            # A tracked player's line: 0027 takes out the lines of players not tracked.
            connection.exec_driver_sql(
                "INSERT INTO tracked_players (player_id, added_at, history_complete,"
                " backfill_offset) VALUES ('xuid(1)', '2024-01-01T00:00:00Z', false, 0)"
            )
            connection.exec_driver_sql(
                "INSERT INTO player_matches (match_id, player_id, team_id, start_time, day,"
                " kills, deaths, map, mode) VALUES ('m', 'xuid(1)', 0, '2024-01-01T00:00:00Z',"
                " '2024-01-01', 7, 6, 'Aquarius', 'Slayer')"
            )
        with engine.connect() as connection:
            assert [tuple(map(float, row)) for row in _career_kd(connection)] == [(1.17, 1.17)]
        upgrade_archive(engine)
        with engine.connect() as connection:
            assert [tuple(map(float, row)) for row in _career_kd(connection)] == [(1.167, 1.167)]
        downgrade(engine, "0023")
        with engine.connect() as connection:
            assert [tuple(map(float, row)) for row in _career_kd(connection)] == [(1.17, 1.17)]
    finally:
        engine.dispose()


def _film_statuses(connection) -> list:
    return connection.exec_driver_sql(
        "SELECT match_id, status FROM films ORDER BY match_id"
    ).fetchall()


def _three_films(connection, read: str) -> None:
    """Write matches a, g and u, whose films are read (as ``read`` names it), gone, unreadable."""
    for match_id, status in (("a", read), ("g", "gone"), ("u", "unreadable")):
        connection.exec_driver_sql(
            f"INSERT INTO matches (match_id, start_time) VALUES ('{match_id}', '2024-01-01T00:00:00Z')"
        )
        connection.exec_driver_sql(
            f"INSERT INTO films (match_id, status) VALUES ('{match_id}', '{status}')"
        )


def test_0028_names_a_film_that_was_read_read_as_the_contract_does_and_back(archive_location):
    # INTERFACE.md: films.status is read, gone or unreadable; 0027 wrote 'archived'.
    engine = make_engine(archive_location)
    try:
        upgrade_archive(engine, "0027")
        with engine.begin() as connection:
            _three_films(connection, "archived")
        upgrade_archive(engine)
        with engine.connect() as connection:
            assert _film_statuses(connection) == [("a", "read"), ("g", "gone"), ("u", "unreadable")]
        downgrade(engine, "0027")
        with engine.connect() as connection:
            assert _film_statuses(connection) == [
                ("a", "archived"), ("g", "gone"), ("u", "unreadable"),
            ]  # fmt: skip
    finally:
        engine.dispose()


def test_0032_marks_every_film_an_older_release_read_as_read_with_a_checked_layout(
    archive_location,
):
    engine = make_engine(archive_location)
    try:
        upgrade_archive(engine, "0031")
        with engine.begin() as connection:
            _three_films(connection, "read")
            connection.exec_driver_sql(
                "INSERT INTO players (player_id, is_bot) VALUES ('xuid(7)', false)"
            )
            connection.exec_driver_sql(
                "INSERT INTO film_events (match_id, seq, player_id, type, time_ms)"
                " VALUES ('a', 0, 'xuid(7)', 'kill', 10)"
            )
        upgrade_archive(engine)
        marked = "SELECT match_id, layout_inferred FROM films ORDER BY match_id"
        with engine.connect() as connection:
            assert [(m, None if v is None else bool(v)) for m, v in
                    connection.exec_driver_sql(marked)] == [
                ("a", False), ("g", None), ("u", None),
            ]  # fmt: skip
        downgrade(engine, "0031")
        with engine.connect() as connection:
            assert "layout_inferred" not in {
                c["name"] for c in inspect(connection).get_columns("films")
            }
            assert _film_statuses(connection) == [("a", "read"), ("g", "gone"), ("u", "unreadable")]
            assert connection.exec_driver_sql("SELECT count(*) FROM film_events").scalar() == 1
    finally:
        engine.dispose()
