"""``copy``: an archive into another, SQLite and PostgreSQL either way, whole or one player's slice.

A copy must be the same archive: every table equal by column name (clock readings
left out, `helpers.clockless_dump`), the raw documents with their ids, the derived
tables exact; a second copy adds nothing; reparse on the copy rebuilds it row for row.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.db import archive
from grunt_archive.documents import ARCHIVE_STATE, ASSET, DERIVED_TABLES, KINDS
from grunt_archive.errors import ArchiveTooNewError, UsageError
from grunt_archive.lock import writer_lock
from grunt_archive.models import metadata
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, player_tables
from grunt_archive.store.copy import SLICE_DOCUMENTS, copy_archive
from grunt_archive.store.rebuild import cleared_tables
from tests.helpers import MATCH_TABLES, clockless_dump, count, dump, rows, sync, value

RAW = "SELECT id, kind, key, encoding, body FROM raw_responses ORDER BY id"
# Every table a document builds (what reparse must bring back), archive state aside.
DOCUMENT_TABLES = sorted(set(metadata.tables) - ARCHIVE_STATE)


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> tuple[Simulator, Path]:
    """A world synced once into SQLite, with a clearance: every kind of row."""
    sim = Simulator(SimulatorConfig(seed=8, players=3, matches=15))
    db = tmp_path_factory.mktemp("copy") / "halo.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    return sim, db


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_copy_is_the_same_archive_and_a_second_copy_adds_nothing(synced, tmp_path):
    _, db = synced
    copy = tmp_path / "copy.db"
    report = copy_archive(db, copy)
    assert report.rows_added == report.rows_read > 0
    assert clockless_dump(copy) == clockless_dump(db)
    assert rows(copy, RAW) == rows(db, RAW)  # ids too: reparse replays in their order
    again = copy_archive(db, copy)
    assert again.rows_added == 0 and again.rows_read == report.rows_read
    assert clockless_dump(copy) == clockless_dump(db)


def test_a_copy_cut_short_is_finished_by_copying_again(synced, tmp_path):
    _, db = synced
    copy = tmp_path / "copy.db"
    copy_archive(db, copy)
    with sqlite3.connect(copy) as connection:  # as if the copy had stopped half way
        connection.execute("PRAGMA foreign_keys=ON")
        for table in ("kills", "film_events", "medal_awards"):
            connection.execute(f"DELETE FROM {table} WHERE rowid % 2 = 0" if table != "medal_awards"
                               else f"DELETE FROM {table} WHERE count % 2 = 0")  # fmt: skip
        connection.execute("DELETE FROM raw_responses WHERE id > 40")
    report = copy_archive(db, copy)
    assert report.rows_added > 0
    assert clockless_dump(copy) == clockless_dump(db)


def test_reparse_rebuilds_a_copy_row_for_row(synced, tmp_path):
    _, db = synced
    copy = tmp_path / "copy.db"
    copy_archive(db, copy)
    with sqlite3.connect(copy) as connection:
        for table in cleared_tables():
            connection.execute(f"DELETE FROM {table}")
    rebuilt, broken, _ = run_reparse(copy)
    assert broken == [] and rebuilt == count(db, "matches")
    assert clockless_dump(copy) == clockless_dump(db)


def test_a_players_slice_holds_their_matches_and_everything_they_name(synced, tmp_path):
    sim, db = synced
    player = sim.player_ids[0]
    piece = tmp_path / "slice.db"
    report = copy_archive(db, piece, (player,))
    assert report.players == [player]
    theirs = {m for (m,) in rows(db, "SELECT match_id FROM match_players WHERE player_id = ?",
                                 player)}  # fmt: skip
    assert {m for (m,) in rows(piece, "SELECT match_id FROM matches")} == theirs
    where = "WHERE match_id IN (SELECT match_id FROM match_players WHERE player_id = ?)"
    for table in (*MATCH_TABLES, "match_skill", "films", "kills", "film_events"):
        sql = f"SELECT * FROM {table} {where}"
        assert sorted(rows(piece, sql, player), key=repr) == sorted(rows(db, sql, player), key=repr)
    # The player's own rows, and their derived rows computed in the slice as in the source.
    for table in ("tracked_players", "service_record_snapshots", "csr_snapshots",
                  "player_matches", "player_medal_totals", "player_rivals"):  # fmt: skip
        sql = f"SELECT * FROM {table} WHERE player_id = ?"
        assert rows(piece, sql, player), table
        assert sorted(rows(piece, sql, player), key=repr) == sorted(rows(db, sql, player), key=repr)
    assert rows(piece, "SELECT player_id FROM tracked_players") == [(player,)]
    by_match = "SELECT DISTINCT key FROM raw_responses WHERE kind IN (?, ?, ?, ?)"
    kinds = [kind.name for kind in SLICE_DOCUMENTS["of_match"]]
    assert sorted(rows(piece, by_match, *kinds)) == sorted((m,) for m in theirs)
    # The documents of its assets, of its player, and the whole game's medals and seasons.
    sql = "SELECT kind, key FROM raw_responses WHERE kind NOT IN (?, ?, ?, ?)"
    others = rows(piece, sql, *kinds)
    assets = {ASSET.key_of(*row) for row in
              rows(piece, "SELECT asset_kind, asset_id, version_id FROM assets")}  # fmt: skip

    def in_slice(kind: str, key: str) -> bool:
        if kind in ("service_record", "playlist_csr"):
            return key.startswith(f"{player} ")
        if kind == "asset":
            return key in assets
        return kind in ("medal_metadata", "season_calendar")

    assert sorted(others) == sorted(row for row in rows(db, sql, *kinds) if in_slice(*row))
    assert {kind for kind, _ in others} == {
        "asset",
        "medal_metadata",
        "season_calendar",
        "service_record",
        "playlist_csr",
    }
    # Foreign keys hold: every player, asset, medal and season named is there.
    with sqlite3.connect(piece) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_every_kind_of_document_is_in_one_group_of_a_slice():
    grouped = [kind.name for kinds in SLICE_DOCUMENTS.values() for kind in kinds]
    assert sorted(grouped) == sorted(KINDS)


def clear(archive, tables: list[str]) -> None:
    """Delete every row of ``tables`` from the archive (a SQLite file or a PostgreSQL URL)."""
    if isinstance(archive, str):
        import psycopg

        connect = psycopg.connect
    else:
        connect = sqlite3.connect
    with closing(connect(archive)) as connection, connection:
        for table in tables:
            connection.execute(f"DELETE FROM {table}")


def test_names_a_source_lacked_when_copied_come_with_the_next_copy(synced, fresh_archive, tmp_path):
    # A copy taken while a sync was still looking names up had none to bring: copying
    # again added no row, and the tables kept no gamertag, medal or map name for good.
    _, db = synced
    early = tmp_path / "mid-sync.db"
    copy_archive(db, early)
    with closing(sqlite3.connect(early)) as connection, connection:
        connection.execute("UPDATE players SET gamertag = NULL, gamertag_updated_at = NULL")
        connection.execute("UPDATE medals SET name = NULL, difficulty = NULL, type = NULL")
        connection.execute("UPDATE seasons SET name = NULL")
        connection.execute("UPDATE assets SET public_name = NULL, description = NULL,"
                           " tags = NULL, fetched_at = NULL")  # fmt: skip
    with archive(early) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)  # the per-player tables as the names then were
    copy_archive(early, fresh_archive)
    assert value(fresh_archive, "SELECT count(*) FROM player_matches WHERE gamertag IS NULL")
    copy_archive(db, fresh_archive)
    assert clockless_dump(fresh_archive) == clockless_dump(db)


def test_reparse_rebuilds_a_players_slice_row_for_row(synced, fresh_archive):
    """The slice carries every document its rows come from: asset names, medals, records."""
    sim, db = synced
    copy_archive(db, fresh_archive, (sim.player_ids[0],))
    before = dump(fresh_archive, DOCUMENT_TABLES)
    for table in ("assets", "medals", "seasons", "service_record_snapshots", "csr_snapshots",
                  "match_skill", "films", *DERIVED_TABLES):  # fmt: skip
        assert before[table], table
    assert value(fresh_archive, "SELECT count(*) FROM assets WHERE public_name IS NULL") == 0
    clear(fresh_archive, cleared_tables())
    rebuilt, broken, _ = run_reparse(fresh_archive)
    assert broken == [] and rebuilt == len(before["matches"])
    after = dump(fresh_archive, DOCUMENT_TABLES)
    assert {table for table in DOCUMENT_TABLES if after[table] != before[table]} == set()


def test_the_slices_of_every_player_make_the_whole_archive_s_matches(synced, tmp_path):
    sim, db = synced
    joined = tmp_path / "joined.db"
    for player in sim.player_ids:
        copy_archive(db, joined, (player,))
    whole, together = clockless_dump(db), clockless_dump(joined)
    for table in (*MATCH_TABLES, "players", "tracked_players", *DERIVED_TABLES):
        assert together[table] == whole[table], table


def test_the_cli_copies_with_a_json_summary_and_refuses_itself(synced, tmp_path):
    _, db = synced
    copy = tmp_path / "copy.db"
    result = invoke("copy", "--db", str(db), "--to", str(copy), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows_added"] == summary["rows_read"] > 0
    assert summary["destination"] == str(copy)
    quiet = invoke("copy", "--db", str(db), "--to", str(copy), "--quiet")
    assert (quiet.exit_code, quiet.output) == (0, "")
    itself = invoke("copy", "--db", str(db), "--to", str(db))
    assert itself.exit_code == 2
    assert itself.output == f"Error: copy: {db} is the archive --db names already\n"
    # A hard link is the same file by another name (its lock file another, too).
    linked = tmp_path / "linked.db"
    linked.hardlink_to(db)
    before = dump(db, ["matches", "raw_responses"])
    by_link = invoke("copy", "--db", str(db), "--to", str(linked))
    assert by_link.exit_code == 2, by_link.output
    assert by_link.output == f"Error: copy: {db} is the archive --db names already\n"
    assert dump(db, ["matches", "raw_responses"]) == before
    with pytest.raises(UsageError, match="no player of the source has the gamertag"):
        copy_archive(db, tmp_path / "none.db", ("Nobody Here",))


def test_a_copy_into_an_archive_a_sync_is_writing_exits_5_untouched(synced, tmp_path):
    # The copy writes through the destination's one-writer lock, as every writer does.
    _, db = synced
    busy = tmp_path / "busy.db"
    copy_archive(db, busy, ())
    before = dump(busy, ["matches", "raw_responses"])
    with writer_lock(busy):
        result = invoke("copy", "--db", str(db), "--to", str(busy))
    assert result.exit_code == 5, result.output
    assert result.output.count("\n") == 1 and "already writing" in result.output
    assert dump(busy, ["matches", "raw_responses"]) == before


def test_a_player_the_source_lacks_is_refused_before_any_file_is_made(synced, tmp_path):
    _, db = synced
    for who, said in (("xuid(2533274800000009)", "the source has no player xuid(2533274800000009)"),
                      ("Nobody Here", "no player of the source has the gamertag")):  # fmt: skip
        target = tmp_path / "slice.db"
        result = invoke("copy", "--db", str(db), "--to", str(target), "--player", who)
        assert result.exit_code == 2 and said in result.output, result.output
        assert not target.exists()
        assert list(tmp_path.iterdir()) == []  # no lock file either: nothing was made


def test_a_source_that_cannot_be_read_leaves_nothing_where_the_copy_was_to_go(tmp_path):
    (tmp_path / "notes.db").write_text("not an archive\n")
    for source, said in ((tmp_path / "missing.db", "no archive at"),
                         (tmp_path / "notes.db", "is not a SQLite database")):  # fmt: skip
        result = invoke("copy", "--db", str(source), "--to", str(tmp_path / "copy.db"))
        assert result.exit_code == 6 and said in result.output, result.output
        assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.db"]


def test_a_source_with_corrupt_pages_is_one_line_exit_6_and_a_copy_again_finishes(synced, tmp_path):
    _, db = synced
    source = tmp_path / "corrupt.db"
    source.write_bytes(db.read_bytes())
    with closing(sqlite3.connect(source)) as connection:
        (size,) = connection.execute("PRAGMA page_size").fetchone()
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'match_players'"
        ).fetchone()
    with source.open("r+b") as handle:  # the table's first page, its header and cells
        handle.seek((root - 1) * size)
        handle.write(b"\xff" * 200)
    copy = tmp_path / "copy.db"
    result = invoke("copy", "--db", str(source), "--to", str(copy))
    assert result.exit_code == 6, result.output
    assert result.output == f"Error: cannot read {source}: database disk image is malformed\n"
    # From the sound archive, the copy cut short is finished.
    assert invoke("copy", "--db", str(db), "--to", str(copy)).exit_code == 0
    assert dump(copy, MATCH_TABLES) == dump(db, MATCH_TABLES)


def test_copy_player_finds_a_gamertag_in_any_case_and_any_script(synced, tmp_path):
    # SQLite's lower() folds ASCII only: "ÉLAN" and "élan" were two names to it.
    sim, db = synced
    source = tmp_path / "source.db"
    with closing(sqlite3.connect(db)) as original, closing(sqlite3.connect(source)) as target:
        original.backup(target)
    tracked = sim.player_ids[0]
    (opponent,) = rows(source, "SELECT min(player_id) FROM players WHERE player_id NOT IN"
                               " (SELECT player_id FROM tracked_players)")[0]  # fmt: skip
    with closing(sqlite3.connect(source)) as connection, connection:
        for player_id, gamertag in ((tracked, "élan Ñandú"), (opponent, "ÉLAN ñandú")):
            connection.execute(
                "UPDATE players SET gamertag = ? WHERE player_id = ?", (gamertag, player_id)
            )
    piece = tmp_path / "slice.db"
    args = ["copy", "--db", str(source), "--to", str(piece), "--json", "--player"]
    result = invoke(*args, "ÉLAN ÑANDÚ")
    assert result.exit_code == 0, result.output
    # The tracked player of that name, as untrack and verify find them, not the opponent.
    assert json.loads(result.output)["players"] == [tracked]
    assert rows(piece, "SELECT player_id FROM tracked_players") == [(tracked,)]


def test_a_destination_from_a_newer_grunt_archive_is_refused_untouched(synced, tmp_path):
    _, db = synced
    newer = tmp_path / "newer.db"
    copy_archive(db, newer, ())
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    before = newer.read_bytes()
    with pytest.raises(ArchiveTooNewError):
        copy_archive(db, newer)
    result = invoke("copy", "--db", str(db), "--to", str(newer))
    assert result.exit_code == 6
    assert result.output.count("\n") == 1 and "newer grunt-archive" in result.output
    assert newer.read_bytes() == before


@pytest.mark.slow
def test_sqlite_to_postgresql_and_back_is_the_same_archive(synced, postgres_cluster, tmp_path):
    _, db = synced
    url = postgres_cluster.new_database()
    report = copy_archive(db, url)
    assert report.rows_added == report.rows_read > 0
    assert clockless_dump(url) == clockless_dump(db)
    assert rows(url, RAW) == rows(db, RAW)
    assert copy_archive(db, url).rows_added == 0
    back = tmp_path / "back.db"
    assert copy_archive(url, back).rows_added == report.rows_added
    assert clockless_dump(back) == clockless_dump(db)
    assert rows(back, RAW) == rows(db, RAW)
    # The PostgreSQL copy keeps numbering its own rows after the copied ids.
    assert sync(url, Simulator(SimulatorConfig(seed=8, players=3, matches=15)),
                matches_only=True).outcome == "ok"  # fmt: skip
    assert rows(url, "SELECT max(id) FROM sync_runs") == [(2,)]


@pytest.mark.slow
def test_a_players_slice_of_a_postgresql_archive_is_the_slice_of_its_sqlite_twin(
    synced, postgres_cluster, tmp_path
):
    # With no match pending under another player, PostgreSQL refused the slice's empty
    # IN list as an integer beside a text column: exit 6, a half-made destination left.
    sim, db = synced
    url = postgres_cluster.new_database()
    copy_archive(db, url)
    assert value(db, "SELECT count(*) FROM pending_matches") == 0
    player = sim.player_ids[0]
    from_server, from_file = tmp_path / "from-server.db", tmp_path / "from-file.db"
    result = invoke("copy", "--db", url, "--to", str(from_server), "--player", player)
    assert result.exit_code == 0, result.output
    copy_archive(db, from_file, (player,))
    assert value(from_server, "SELECT count(*) FROM matches") > 0
    assert clockless_dump(from_server) == clockless_dump(from_file)


@pytest.mark.slow
def test_reparse_rebuilds_a_postgresql_copy_and_the_cli_hides_its_password(
    synced, postgres_cluster
):
    _, db = synced
    url = postgres_cluster.new_database()
    result = invoke("copy", "--db", str(db), "--to", url, "--json")
    assert result.exit_code == 0, result.output
    assert postgres_cluster.password not in result.output
    assert json.loads(result.output)["destination"].count("***") == 1
    import psycopg

    with psycopg.connect(url) as connection:
        for table in cleared_tables():
            connection.execute(f"DELETE FROM {table}")
    rebuilt, broken, _ = run_reparse(url)
    assert broken == [] and rebuilt == count(db, "matches")
    assert clockless_dump(url) == clockless_dump(db)


def _dead_run(db: Path, started_at: str) -> None:
    """Leave a ``running`` row behind, as a sync killed outright does."""
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "INSERT INTO sync_runs (started_at, outcome, players, requests, matches_added, pending)"
            " VALUES (?, 'running', '[]', 0, 0, 0)",
            (started_at,),
        )


def test_a_copy_is_not_counted_as_saved_by_a_run_that_died_before_it(synced, tmp_path):
    """A dead run is credited with the match documents fetched since it began, so the copy
    closes it first: the documents it copies, fetched in the source, are not that run's."""
    sim, source = synced
    destination = tmp_path / "destination.db"
    copy_archive(source, destination, (sim.player_ids[0],))
    _dead_run(destination, "2000-01-01T00:00:00Z")  # before every document it holds
    held = value(destination, "SELECT count(*) FROM raw_responses WHERE kind = 'match_stats'")
    copy_archive(source, destination)
    assert value(destination, "SELECT count(*) FROM matches") > held
    assert sync(destination, sim, *sim.player_ids).outcome == "ok"
    dead = "SELECT outcome, matches_added FROM sync_runs WHERE started_at LIKE '2000%'"
    assert rows(destination, dead) == [("interrupted", held)]


def test_a_run_going_or_dead_in_the_source_is_copied_as_interrupted(synced, tmp_path):
    """It never finishes in the copy, and the copy cannot know what it saved."""
    _, db = synced
    source = tmp_path / "source.db"
    copy_archive(db, source)
    _dead_run(source, "2001-01-01T00:00:00Z")
    destination = tmp_path / "destination.db"
    copy_archive(source, destination)
    copied = "SELECT outcome, matches_added FROM sync_runs WHERE started_at LIKE '2001%'"
    assert rows(destination, copied) == [("interrupted", None)]
    assert rows(source, copied) == [("running", 0)]  # the source is never written
