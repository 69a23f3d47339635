"""`grunt-archive backup`: the archive whole, as of one instant, into a new file.

Each backup here is read back and compared with its archive table by table. A
write left open on the archive while the backup runs shows that the backup takes
what was committed, without waiting for the writer; the refusals leave every file
as it was; an interrupted backup leaves the older one and no partial file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive import backup as backup_module
from grunt_archive import interruptible
from grunt_archive.cli import cli
from grunt_archive.errors import ArchiveError
from grunt_archive.models import metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.helpers import count, dump, sync, value

WORLD = Simulator(SimulatorConfig(seed=41, players=1, matches=12))
PLAYER = WORLD.player_ids[0]
TABLES = sorted(metadata.tables)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the world's twelve matches, never written to by the tests."""
    db = tmp_path_factory.mktemp("backup") / "halo.db"
    sync(db, WORLD, PLAYER)
    return db


@pytest.fixture
def archive(synced: Path, tmp_path: Path) -> Path:
    """A copy of the synced archive that a test may change."""
    db = tmp_path / "halo.db"
    source = sqlite3.connect(synced)
    try:
        source.execute("VACUUM INTO ?", (str(db),))
    finally:
        source.close()
    return db


def backup(*args: str | Path):
    return CliRunner().invoke(cli, ["backup", *map(str, args)])


def leftovers(directory: Path) -> list[str]:
    """Return the temporary files of backups left in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if backup_module.PARTIAL in p.name)


def test_a_backup_holds_every_row_of_the_archive(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "backups" / "halo-2026-12-03.db"
    copy.parent.mkdir()
    result = backup("--db", archive, "--to", copy)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Backed up 12 matches (")
    assert result.output.rstrip().endswith("s.") and str(copy) in result.output
    assert dump(copy, TABLES) == dump(archive, TABLES)
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    status = CliRunner().invoke(cli, ["status", "--db", str(copy)])
    assert status.exit_code == 0 and "12 matches" in status.output
    assert leftovers(copy.parent) == []


def test_a_backup_is_in_wal_mode_so_reading_it_never_rewrites_it(
    archive: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    before = copy.read_bytes()
    assert before[18:20] == b"\x02\x02"  # the header's file format versions: WAL
    for command in (["status"], ["pending"], ["db", "current"], ["query", "SELECT 1"]):
        result = CliRunner().invoke(cli, [*command, "--db", str(copy)])
        assert result.exit_code in (0, 3), result.output
        assert copy.read_bytes() == before, command


def test_a_backup_takes_what_was_committed_without_waiting_for_a_writer(
    archive: Path, tmp_path: Path
) -> None:
    gamertag = value(archive, "SELECT gamertag FROM players WHERE player_id = ?", PLAYER)
    writer = sqlite3.connect(archive, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as a sync holds its write while it stores a match
    writer.execute(
        "UPDATE players SET gamertag = 'Renamed Mid Backup' WHERE player_id = ?", (PLAYER,)
    )
    writer.execute("DELETE FROM medal_awards")
    try:
        during = tmp_path / "during.db"
        result = backup("--db", archive, "--to", during)
        assert result.exit_code == 0, result.output
        assert value(during, "SELECT gamertag FROM players WHERE player_id = ?", PLAYER) == gamertag
        assert count(during, "medal_awards") == count(archive, "medal_awards") > 0
        writer.execute("COMMIT")
    finally:
        writer.close()
    after = tmp_path / "after.db"
    assert backup("--db", archive, "--to", after).exit_code == 0
    renamed = value(after, "SELECT gamertag FROM players WHERE player_id = ?", PLAYER)
    assert renamed == "Renamed Mid Backup"
    assert count(after, "medal_awards") == 0


def test_replace_swaps_in_the_new_backup_and_json_summarises_it(archive: Path, tmp_path: Path):
    copy = tmp_path / "halo-backup.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    sqlite3.connect(archive).execute("DELETE FROM player_encounters").connection.commit()
    refused = backup("--db", archive, "--to", copy)
    assert refused.exit_code == 2
    assert "already exists" in refused.output and "--replace" in refused.output
    assert count(copy, "player_encounters") > 0  # the older backup, untouched

    result = backup("--db", archive, "--to", copy, "--replace", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["outcome"] == "ok" and summary["matches"] == 12
    assert summary["to"] == str(copy) and summary["bytes"] == copy.stat().st_size
    assert summary["revision"] == value(archive, "SELECT version_num FROM alembic_version")
    assert count(copy, "player_encounters") == 0
    assert backup("--db", archive, "--to", tmp_path / "quiet.db", "-q").output == ""


def test_the_backup_keeps_the_archives_file_mode(archive: Path, tmp_path: Path) -> None:
    archive.chmod(0o600)
    copy = tmp_path / "private.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    assert copy.stat().st_mode & 0o777 == 0o600


def test_an_interrupted_backup_leaves_the_older_one_and_no_partial_file(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "halo-backup.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    before = copy.read_bytes()

    def interrupted(partial: Path) -> None:
        assert partial.exists() and partial.parent == copy.parent  # the copy was written
        raise KeyboardInterrupt

    monkeypatch.setattr(backup_module, "_check_copy", interrupted)
    result = backup("--db", archive, "--to", copy, "--replace")
    assert result.exit_code == 130
    assert copy.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_backup_cut_short_by_a_full_disk_leaves_no_journal_either(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(source: Path, partial: Path, destination: Path, *args: object) -> None:
        partial.write_bytes(b"half a copy")
        Path(f"{partial}-journal").write_bytes(b"VACUUM INTO's rollback journal")
        raise ArchiveError(f"cannot write the backup {destination}: database or disk is full")

    monkeypatch.setattr(backup_module, "_vacuum_into", full_disk)
    result = backup("--db", archive, "--to", tmp_path / "halo-backup.db")
    assert result.exit_code == 6, result.output
    assert leftovers(tmp_path) == []


def test_a_copy_that_does_not_read_back_whole_is_not_kept(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = backup_module._vacuum_into

    def written_then_damaged(source: Path, partial: Path, *args: object) -> None:
        written(source, partial, *args)
        with partial.open("r+b") as handle:  # pages of the copy lost on their way to the disk
            handle.seek(2 * 8192)
            handle.write(b"\xff" * 8 * 8192)

    monkeypatch.setattr(backup_module, "_vacuum_into", written_then_damaged)
    copy = tmp_path / "halo-backup.db"
    result = backup("--db", archive, "--to", copy)
    assert result.exit_code == 6, result.output
    assert result.output.startswith("Error: the backup did not read back whole")
    assert not copy.exists() and leftovers(tmp_path) == []


def test_the_partial_files_of_killed_backups_are_cleared(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "halo-backup.db"
    killed = tmp_path / f".{copy.name}.{2**22 + 7}{backup_module.PARTIAL}"  # past any pid
    running = tmp_path / f".{copy.name}.1{backup_module.PARTIAL}"  # init is alive
    killed.write_bytes(b"half a backup")
    running.write_bytes(b"a backup being written")
    # VACUUM INTO's rollback journal, left by a kill as the sweep found 2 times in 30.
    journals = [Path(f"{file}-journal") for file in (killed, running)]
    for journal in journals:
        journal.write_bytes(b"journal")
    # A journal whose partial file its backup deleted (a full disk stopped it) goes too.
    orphan = tmp_path / f".{copy.name}.{2**22 + 8}{backup_module.PARTIAL}-journal"
    orphan.write_bytes(b"journal")
    assert backup("--db", archive, "--to", copy).exit_code == 0
    assert not killed.exists() and running.exists()
    assert not journals[0].exists() and journals[1].exists()
    assert leftovers(tmp_path) == sorted(f.name for f in (running, journals[1]))


@pytest.mark.parametrize(
    ("to", "code", "words"),
    [
        ("halo.db", 2, "is the archive itself"),
        ("halo.db-wal", 2, "keeps beside the archive halo.db"),
        ("missing/halo.db", 6, "does not exist"),
        ("notes.txt", 6, "--replace replaces only an earlier backup"),
    ],
)
def test_a_destination_that_must_be_kept_is_refused(
    archive: Path, tmp_path: Path, to: str, code: int, words: str
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = backup("--db", archive, "--to", tmp_path / to, "--replace")
    assert result.exit_code == code, result.output
    assert words in result.output and len(result.output.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == files


def test_a_link_to_the_archive_is_the_archive(archive: Path, tmp_path: Path) -> None:
    symlink, hard_link = tmp_path / "symlink.db", tmp_path / "hard-link.db"
    symlink.symlink_to(archive)
    hard_link.hardlink_to(archive)
    before = archive.read_bytes()
    for link in (symlink, hard_link):
        result = backup("--db", archive, "--to", link, "--replace")
        assert result.exit_code == 2 and "is the archive itself" in result.output
    assert archive.read_bytes() == before


def test_what_is_not_an_archive_is_not_backed_up(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (text)").connection.commit()
    result = backup("--db", other, "--to", tmp_path / "copy.db")
    assert result.exit_code == 6 and "not a grunt-archive archive" in result.output
    missing = backup("--db", tmp_path / "none.db", "--to", tmp_path / "copy.db")
    assert missing.exit_code == 6 and "no archive at" in missing.output
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "copy.db").exists()


def test_a_postgresql_archive_is_pointed_at_pg_dump_without_its_password(tmp_path: Path):
    result = backup("--db", "postgresql://grunt:s3cret@db.example/halo", "--to", tmp_path / "c.db")
    assert result.exit_code == 2
    assert "pg_dump" in result.output and "copy --to" in result.output
    assert "s3cret" not in result.output
    assert os.listdir(tmp_path) == []


def test_progress_is_told_the_bytes_written_and_last_the_copys_size(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interruptible, "STEPS", 100)  # many calls, even for a small archive
    calls: list[tuple[int, int]] = []
    copy = tmp_path / "copy.db"
    done = backup_module.back_up(archive, copy, on_progress=lambda *c: calls.append(c))
    assert len(calls) > 2
    written = [w for w, _ in calls]
    assert written == sorted(written) and calls[-1] == (copy.stat().st_size, copy.stat().st_size)
    expected = calls[0][1]
    assert all(e == expected for _, e in calls[:-1]) and expected >= copy.stat().st_size
    assert done.matches == 12 and done.bytes == copy.stat().st_size


def test_a_ctrl_c_while_sqlite_writes_stops_it_and_leaves_nothing(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interruptible, "STEPS", 100)
    calls = []

    def ctrl_c(written: int, expected: int) -> None:
        calls.append(written)
        raise KeyboardInterrupt  # as the signal's handler raises it, inside SQLite's call

    copy = tmp_path / "copy.db"
    with pytest.raises(KeyboardInterrupt):
        backup_module.back_up(archive, copy, on_progress=ctrl_c)
    assert len(calls) == 1  # SQLite stopped at once
    assert not copy.exists() and leftovers(tmp_path) == []


def test_replace_refuses_an_archive_with_changes_still_in_its_wal(archive: Path, tmp_path: Path):
    copy = tmp_path / "copy.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    writer = sqlite3.connect(copy)  # as `serve`'s neighbour, a database browser, keeps it open
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("UPDATE players SET gamertag = 'Changed In Wal'")
    writer.commit()
    try:
        kept = ("copy.db", "copy.db-wal")  # the -shm is SQLite's index of readers: it changes
        files = {name: (tmp_path / name).read_bytes() for name in kept}
        result = backup("--db", archive, "--to", copy, "--replace")
        assert result.exit_code == 6, result.output
        assert "copy.db-wal" in result.output and "db upgrade" in result.output
        assert {name: (tmp_path / name).read_bytes() for name in kept} == files
        assert leftovers(tmp_path) == [] and not (tmp_path / "copy.db.lock").exists()
    finally:
        writer.close()


def test_replace_waits_for_no_writer_it_refuses_one(archive: Path, tmp_path: Path) -> None:
    from grunt_archive.lock import writer_lock

    copy = tmp_path / "copy.db"
    assert backup("--db", archive, "--to", copy).exit_code == 0
    before = copy.read_bytes()
    with writer_lock(copy):  # a sync into the backup file
        result = backup("--db", archive, "--to", copy, "--replace")
    assert result.exit_code == 5 and "already writing" in result.output
    assert copy.read_bytes() == before and leftovers(tmp_path) == []


def test_a_backup_restored_in_place_of_the_archive_leaves_its_readers_the_old_one(
    archive: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "saved.db"
    assert backup("--db", archive, "--to", saved).exit_code == 0
    sqlite3.connect(archive).execute("DELETE FROM player_encounters").connection.commit()
    reader = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)  # `serve`, still running
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM player_encounters").fetchone() == (0,)
    try:
        result = backup("--db", saved, "--to", archive, "--replace")  # the restore
        assert result.exit_code == 0, result.output
        assert reader.execute("SELECT count(*) FROM player_encounters").fetchone() == (0,)
    finally:
        reader.close()
    assert dump(archive, TABLES) == dump(saved, TABLES)
    assert count(archive, "player_encounters") > 0
    assert not (tmp_path / "halo.db.lock").exists()  # the lock the restore took went with it
    status = CliRunner().invoke(cli, ["status", "--db", str(archive)])
    assert status.exit_code == 0 and "12 matches" in status.output


def test_a_file_made_at_the_destination_meanwhile_is_never_overwritten(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy.db"
    written = backup_module._vacuum_into

    def and_another_backup_lands(source: Path, partial: Path, *args: object) -> None:
        written(source, partial, *args)
        copy.write_bytes(b"another backup, finished first")

    monkeypatch.setattr(backup_module, "_vacuum_into", and_another_backup_lands)
    result = backup("--db", archive, "--to", copy)
    assert result.exit_code == 2 and "already exists" in result.output
    assert copy.read_bytes() == b"another backup, finished first"
    assert leftovers(tmp_path) == []
