"""`grunt-archive backup --into DIR --keep N`: dated backups, the oldest let go.

Older backups are laid out by hand under the names `--into` gives, with files
beside them that only look alike; each test then checks which files a run
deleted and that everything else in the directory is byte for byte as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive.backup import PARTIAL
from grunt_archive.backup_rotation import back_up_into, backups_of, dated_name
from grunt_archive.cli import cli
from grunt_archive.errors import UsageError
from grunt_archive.lock import writer_lock
from grunt_archive.models import metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.helpers import dump, sync

WORLD = Simulator(SimulatorConfig(seed=43, players=1, matches=6))
TABLES = sorted(metadata.tables)
# Names a backup of halo.db might be confused with, none of them its --into backup.
LOOKALIKES = (
    "halo.db",
    "halo-2025-01-01.db",
    "halo-2025-01-01T000000Z.db.partial",
    ".halo-2025-01-01T000000Z.db.partial",
    "halo-2025-01-01T000000Z.sqlite",
    "halo2-2025-01-01T000000Z.db",
    "old-halo-2025-01-01T000000Z.db",
)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("rotation") / "synced.db"
    sync(db, WORLD, WORLD.player_ids[0])
    return db


@pytest.fixture
def archive(synced: Path, tmp_path: Path) -> Path:
    """The synced archive as ``halo.db``, standing alone (no -wal)."""
    db = tmp_path / "archive" / "halo.db"
    db.parent.mkdir()
    connection = sqlite3.connect(synced)
    try:
        connection.execute("VACUUM INTO ?", (str(db),))
    finally:
        connection.close()
    return db


def older_backups(archive: Path, directory: Path, *stamps: str) -> list[Path]:
    """Lay out earlier backups of ``archive`` in ``directory``, as --into names them."""
    directory.mkdir(exist_ok=True)
    made = []
    for stamp in stamps:
        path = directory / f"halo-{stamp}.db"
        shutil.copyfile(archive, path)
        made.append(path)
    return made


def contents(directory: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in directory.iterdir()
        if path.is_file() and not path.is_symlink()
    }


def backup(*args: str | Path):
    return CliRunner().invoke(cli, ["backup", *map(str, args)])


def test_names_carry_the_utc_time_and_sort_as_times_do() -> None:
    summer = datetime(2026, 7, 1, 23, 30, 5, tzinfo=UTC)
    assert dated_name(Path("/x/halo.db"), summer) == "halo-2026-07-01T233005Z.db"
    assert dated_name(Path("archive"), summer) == "archive-2026-07-01T233005Z.db"
    stamps = [datetime(2026, month, day, hour, tzinfo=UTC) for month, day, hour in
              [(1, 9, 3), (10, 30, 1), (10, 3, 22), (12, 31, 0)]]  # fmt: skip
    names = [dated_name(Path("halo.db"), moment) for moment in stamps]
    assert sorted(names) == [dated_name(Path("halo.db"), moment) for moment in sorted(stamps)]


def test_only_the_archives_dated_backups_are_counted(archive: Path, tmp_path: Path) -> None:
    directory = tmp_path / "b"
    dated = older_backups(archive, directory, "2025-01-01T000000Z", "2025-03-01T120000Z")
    for name in LOOKALIKES:
        (directory / name).write_bytes(b"not mine")
    assert backups_of(archive, directory) == dated[::-1]


def test_keep_deletes_the_oldest_and_nothing_else(archive: Path, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    stamps = ("2025-01-05T041500Z", "2025-01-12T041500Z", "2025-01-19T041500Z")
    oldest, middle, newest = older_backups(archive, directory, *stamps)
    for name in LOOKALIKES:
        (directory / name).write_bytes(b"not mine")
    (directory / f"{oldest.name}-wal").write_bytes(b"")  # empty: left by a reader long gone
    (directory / f"{oldest.name}-shm").write_bytes(b"\0" * 8)
    before = contents(directory)

    result = backup("--db", archive, "--into", directory, "--keep", "2")

    assert result.exit_code == 0, result.output
    made = backups_of(archive, directory)[0]
    assert made.name.startswith(f"halo-{datetime.now(UTC):%Y-%m-%d}T")
    assert backups_of(archive, directory) == [made, newest]
    assert dump(made, TABLES) == dump(archive, TABLES)
    lines = result.output.splitlines()
    assert lines[0].startswith("Backed up 6 matches (") and str(made) in lines[0]
    assert lines[1] == f"Removed 2 older backups: {middle.name}, {oldest.name}."
    gone = {oldest.name, middle.name, f"{oldest.name}-wal", f"{oldest.name}-shm"}
    after = contents(directory)
    assert {name: body for name, body in before.items() if name not in gone} == {
        name: body for name, body in after.items() if name != made.name
    }


def test_backups_in_use_are_left_alone_and_named(archive: Path, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    served, synced_into, plain = older_backups(
        archive, directory, "2025-01-01T000000Z", "2025-01-02T000000Z", "2025-01-03T000000Z"
    )
    (directory / f"{served.name}-wal").write_bytes(b"x" * 4096)  # a serve or sync has it open
    (directory / "halo-2024-12-31T000000Z.db").symlink_to(plain)
    (directory / "halo-2024-12-30T000000Z.db").write_bytes(b"a note, not a database")
    before = contents(directory)

    with writer_lock(synced_into):
        result = CliRunner().invoke(
            cli, ["backup", "--db", str(archive), "--into", str(directory), "--keep", "1", "-q"]
        )

    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # --quiet, yet what stays past --keep is said on stderr
    assert result.stderr.splitlines() == [
        f"Left {directory / name} alone, past --keep 1: {why}."
        for name, why in [
            (synced_into.name, "in use: a grunt-archive command writes to it"),
            (served.name, f"in use: changes still in {served.name}-wal"),
            ("halo-2024-12-31T000000Z.db", "not a regular file"),
            ("halo-2024-12-30T000000Z.db", "not a SQLite file"),
        ]
    ]
    after = contents(directory)
    assert plain.name not in after and (directory / "halo-2024-12-31T000000Z.db").is_symlink()
    assert {name: after[name] for name in before if name != plain.name} == {
        name: body for name, body in before.items() if name != plain.name
    }


def test_json_lists_what_was_removed_and_left_alone(archive: Path, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    (old,) = older_backups(archive, directory, "2025-01-01T000000Z")
    result = backup("--db", archive, "--into", directory, "--keep", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["outcome"] == "ok" and summary["matches"] == 6
    assert summary["to"] == str(backups_of(archive, directory)[0])
    assert summary["removed"] == [str(old)] and summary["left_alone"] == []
    assert not old.exists()


def test_without_keep_every_backup_stays(archive: Path, tmp_path: Path) -> None:
    directory = tmp_path / "made-by-into"  # a missing last part is made
    moments = [datetime(2026, 12, day, 4, 15, tzinfo=UTC) for day in (1, 2, 3)]
    made = [back_up_into(archive, directory, now=moment).backup.path for moment in moments]
    assert backups_of(archive, directory) == made[::-1]
    rotation = back_up_into(archive, directory, keep=2, now=datetime(2026, 12, 4, tzinfo=UTC))
    assert rotation.removed == [made[1], made[0]]
    assert backups_of(archive, directory) == [rotation.backup.path, made[2]]


def test_a_second_backup_in_the_same_second_is_refused(archive: Path, tmp_path: Path) -> None:
    moment = datetime(2026, 12, 3, 4, 15, tzinfo=UTC)
    first = back_up_into(archive, tmp_path / "b", keep=1, now=moment).backup.path
    before = contents(tmp_path / "b")
    with pytest.raises(UsageError, match="this very second"):
        back_up_into(archive, tmp_path / "b", keep=1, now=moment)
    assert contents(tmp_path / "b") == before and first.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--into", "b", "--to", "b.db"], "with --to PATH, or a directory with --into"),
        ([], "with --to PATH, or a directory with --into"),
        (["--to", "b.db", "--keep", "2"], "--keep needs --into DIR"),
        (["--into", "b", "--replace"], "--replace goes with --to"),
        (["--into", "b", "--keep", "0"], "0 is not in the range x>=1"),
    ],
)
def test_usage_mistakes_are_exit_2_and_make_nothing(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = backup("--db", archive, *args)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive"]


def test_what_cannot_be_backed_up_makes_no_directory(tmp_path: Path) -> None:
    note = tmp_path / "notes.db"
    note.write_text("shopping list")
    refused = backup("--db", note, "--into", tmp_path / "b")
    assert refused.exit_code == 6 and not (tmp_path / "b").exists()
    missing = backup("--db", tmp_path / "gone.db", "--into", tmp_path / "b")
    assert missing.exit_code == 6 and not (tmp_path / "b").exists()


def test_a_directory_that_cannot_be_made_is_refused(archive: Path, tmp_path: Path) -> None:
    nowhere = backup("--db", archive, "--into", tmp_path / "no" / "such" / "dir")
    assert nowhere.exit_code == 6
    assert nowhere.output.strip() == f"Error: cannot back up into {tmp_path}/no/such/dir:" \
        f" {tmp_path}/no/such does not exist"  # fmt: skip
    (tmp_path / "file").write_text("x")
    a_file = backup("--db", archive, "--into", tmp_path / "file")
    assert a_file.exit_code == 2 and "is a file" in a_file.output
    assert not (tmp_path / "no").exists() and (tmp_path / "file").read_text() == "x"


def test_a_postgresql_archive_is_pointed_at_pg_dump(tmp_path: Path) -> None:
    result = backup("--db", "postgresql://me:hunter2@localhost/halo", "--into", tmp_path / "b")
    assert result.exit_code == 2 and "pg_dump" in result.output
    assert "hunter2" not in result.output and not (tmp_path / "b").exists()


def test_the_partial_files_of_killed_dated_backups_are_cleared(
    archive: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "backups"
    directory.mkdir()
    killed = directory / f".halo-2025-01-01T000000Z.db.{2**22 + 7}{PARTIAL}"  # past any pid
    running = directory / f".halo-2025-01-02T000000Z.db.1{PARTIAL}"  # init is alive
    another = directory / f".halo2-2025-01-01T000000Z.db.{2**22 + 7}{PARTIAL}"
    for path in (killed, running, another):
        path.write_bytes(b"half a backup")
    assert backup("--db", archive, "--into", directory).exit_code == 0
    assert not killed.exists() and running.exists() and another.exists()
