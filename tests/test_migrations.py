"""Migrations: an empty file upgrades to exactly the models' schema; foreign files are refused."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from grunt_archive.db import head_revision, open_archive
from grunt_archive.errors import ArchiveError, ArchiveTooNewError, NotAnArchiveError
from grunt_archive.fts import is_fts_table
from grunt_archive.models import metadata


def test_upgrading_an_empty_file_gives_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                # The FTS5 indexes (fts.py) are no model's tables, as in migrations/env.py.
                "include_name": lambda name, type_, _parents: (
                    not (type_ == "table" and is_fts_table(name))
                ),
            },
        )
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == head_revision()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


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
    upgrade_archive(engine, "0010")
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


def test_the_award_tables_keep_each_row_once(engine):
    with engine.connect() as connection:
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'personal_score_awards'"
        ).scalar()
        assert sql.rstrip().endswith("WITHOUT ROWID")
        indexes = connection.exec_driver_sql("PRAGMA index_list('medal_awards')").fetchall()
        assert {"ix_medal_awards_player_id", "ix_medal_awards_medal_id"} <= {r[1] for r in indexes}
