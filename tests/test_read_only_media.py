"""An archive on read-only media (a share, a disc, a backup mounted read-only): serve and query read it.

SQLite cannot create a WAL archive's ``-shm`` there, so ``mode=ro`` alone fails
("unable to open database file"). The CLI runs in a user and mount namespace of
its own with the directory bound read-only, which is a real read-only mount,
root or not. A directory this user may only not write is another case: the
archive's owner may be syncing into it, so it is not read as immutable, and the
refusal names the cause. Permission bits do not stop root, but they do inside
a user namespace of its own, with no mapping (`unshare --user`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive.db import open_archive
from grunt_archive.errors import ArchiveError
from grunt_archive.files import read_immutable, read_uri, shm_refused, unopenable
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.e2e import cli, cli_process
from tests.helpers import rows, sync

GAMERTAGS = "SELECT gamertag FROM players WHERE gamertag IS NOT NULL ORDER BY gamertag"
# `sh -c` with the directory as $0 and the command after it: bind it read-only, then run.
MOUNT_READ_ONLY = 'mount --bind -o ro "$0" "$0" && exec "$@"'


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive synced from the simulator, in WAL mode, checkpointed, alone in its directory."""
    sim = Simulator(SimulatorConfig(seed=8, players=2, matches=6))
    db = tmp_path_factory.mktemp("synced") / "halo.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm", ".lock"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    assert db.read_bytes()[18:20] == b"\x02\x02"  # the header's WAL mode, kept by the file
    return db


@pytest.fixture
def shelf(synced: Path, tmp_path: Path) -> Iterator[Path]:
    """A directory holding a copy of the archive; the test makes it read-only."""
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    shutil.copy(synced, shelf / "halo.db")
    yield shelf
    shelf.chmod(0o755)  # so that pytest can remove it


def _unshare(*options: str) -> tuple[str, ...]:
    """Return the launcher of a namespace made with ``options``, or skip when there is none."""
    launcher = ("unshare", *options)
    if (
        shutil.which("unshare") is None
        or subprocess.run([*launcher, "true"], capture_output=True).returncode
    ):
        pytest.skip(f"no user namespace (unshare {' '.join(options)}) to run the CLI in")
    return launcher


def read_only(directory: Path) -> tuple[str, ...]:
    """Make ``directory`` read-only media to the CLI; return the launcher it needs.

    A bind mount with ``ro`` is a filesystem mounted read-only, as a disc or a share is.
    """
    return (*_unshare("--user", "--map-root-user", "--mount"), "sh", "-c", MOUNT_READ_ONLY,
            str(directory))  # fmt: skip


def not_writable(directory: Path) -> tuple[str, ...]:
    """Make ``directory`` and its files read-only by permission; return the launcher it needs."""
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)
    # Root passes permission bits, but not in a user namespace without its own mapping.
    return _unshare("--user") if os.access(directory, os.W_OK) else ()


def assert_refused(db: Path, launcher: tuple[str, ...], *words: str) -> None:
    """Both readers refuse the archive in one line with exit 6, saying ``words``."""
    for command in (("query", "SELECT 1"), ("serve", "--port", "0")):
        result = cli(*command, db=db, launcher=launcher, timeout=60)
        assert result.returncode == 6, (command, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert all(word in result.stderr for word in words), result.stderr


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read()


@pytest.mark.slow
def test_query_and_serve_read_an_archive_on_read_only_media(shelf):
    db = shelf / "halo.db"
    gamertags = [row[0] for row in rows(db, GAMERTAGS)]
    assert gamertags
    launcher = read_only(shelf)

    result = cli("query", "--json", GAMERTAGS, db=db, launcher=launcher)
    assert result.returncode == 0, result.stderr
    assert [row["gamertag"] for row in json.loads(result.stdout)] == gamertags

    server = cli_process("serve", "--port", "0", db=db, launcher=launcher)
    try:
        line = server.stdout.readline()
        found = re.search(r" at (http://\S+)/ ", line)
        assert found, (line, server.stderr.read() if server.poll() is not None else "")
        base = found.group(1)
        sql = urllib.parse.urlencode({"sql": GAMERTAGS, "_shape": "array"})
        assert [row["gamertag"] for row in json.loads(get(f"{base}/halo.json?{sql}"))] == gamertags
        get(f"{base}/")  # the viewer's pages read it too
        get(f"{base}/player/{urllib.parse.quote(gamertags[0])}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert sorted(p.name for p in shelf.iterdir()) == ["halo.db"]


@pytest.mark.slow
def test_changes_left_in_a_wal_without_its_shm_are_one_line_exit_6(synced, shelf):
    # A copy taken while a writer had changes not yet checkpointed, and its -shm left behind.
    live = shelf.parent / "live"
    live.mkdir()
    shutil.copy(synced, live / "halo.db")
    with closing(sqlite3.connect(live / "halo.db", isolation_level=None)) as writer:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE players SET gamertag = gamertag || '!'")
        assert (live / "halo.db-wal").stat().st_size > 0
        shutil.copy(live / "halo.db", shelf / "halo.db")
        shutil.copy(live / "halo.db-wal", shelf / "halo.db-wal")
    launcher = read_only(shelf)

    assert_refused(shelf / "halo.db", launcher, "read-only", "halo.db-shm")


@pytest.mark.slow
def test_a_directory_this_user_may_not_write_is_refused_naming_why(shelf):
    """The archive's owner may sync into it: it is not read as immutable, and the refusal says why."""
    launcher = not_writable(shelf)
    assert_refused(shelf / "halo.db", launcher, "halo.db-shm", "may not write to")
    assert sorted(p.name for p in shelf.iterdir()) == ["halo.db"]


def test_only_an_archive_on_read_only_media_is_read_as_immutable(tmp_path):
    db = tmp_path / "halo.db"
    db.write_bytes(b"")
    wal, shm = tmp_path / "halo.db-wal", tmp_path / "halo.db-shm"

    def mounted(read_only: bool):
        return lambda _directory: read_only

    assert not read_immutable(db, mounted(False))
    assert read_uri(db, mounted(False)).endswith("?mode=ro")
    assert read_immutable(db, mounted(True))
    assert read_uri(db, mounted(True)).endswith("?immutable=1")
    wal.write_bytes(b"")
    assert read_immutable(db, mounted(True))  # an empty -wal holds nothing to miss
    shm.write_bytes(b"\0" * 32768)
    assert not read_immutable(db, mounted(True))  # read through the -wal and its -shm
    shm.unlink()
    wal.write_bytes(b"\0" * 4096)
    with pytest.raises(ArchiveError, match=r"read-only.*halo\.db-shm"):
        read_immutable(db, mounted(True))
    assert not read_immutable(db, mounted(False))  # mode=ro reads it, making the -shm


def test_the_shm_refusal_is_named_only_when_it_is_the_cause(tmp_path):
    db = tmp_path / "halo.db"
    db.write_bytes(b"")

    def writable(*paths: Path):
        return lambda path, _mode: path in paths

    assert shm_refused(db, writable(tmp_path)) is None
    assert "may not write to" in (shm_refused(db, writable()) or "")
    (tmp_path / "halo.db-shm").write_bytes(b"")
    assert shm_refused(db, writable()) is None  # there already: something else failed


def test_a_store_that_cannot_open_on_read_only_media_says_so(tmp_path):
    # SQLite says only "unable to open database file" (it must make the -wal and -shm).
    db = tmp_path / "halo.db"
    open_archive(db).dispose()
    error = sqlite3.OperationalError("unable to open database file")
    said = unopenable(db, error, read_only=lambda _: True)
    assert said.startswith(f"cannot open {db}: it is on a read-only filesystem")
    assert unopenable(db, error, read_only=lambda _: False) == f"cannot open {db}: {error}"


def test_serving_immutable_media_reads_no_whole_file_before_answering(shelf, monkeypatch):
    # Datasette counts every table of an immutable file before its first answer and hashes
    # the whole file for its home page; on a disc that is minutes. Neither may happen.
    import asyncio

    import datasette.database

    from grunt_archive import serve

    def whole_file(path):
        raise AssertionError(f"hashed the whole of {path}")

    monkeypatch.setattr(datasette.database, "inspect_hash", whole_file)
    monkeypatch.setattr(serve, "read_immutable", lambda _path: True)
    ds = serve.datasette_for(shelf / "halo.db")
    database = ds.get_database("halo")
    assert not database.is_mutable

    async def visit() -> tuple[dict, list[int], dict]:
        await ds.invoke_startup()
        counted = await database.table_counts(limit=3_600_000)  # what serving starts with
        pages = [(await ds.client.get(p)).status_code for p in ("/", "/halo", "/halo/players")]
        players = (await ds.client.get("/halo/players.json?_shape=objects")).json()
        return counted, pages, players

    counted, pages, players = asyncio.run(visit())
    assert counted == {}
    assert pages == [200, 200, 200]
    # A table page still counts its own rows.
    (held,) = rows(shelf / "halo.db", "SELECT count(*) FROM players")[0]
    assert players["filtered_table_rows_count"] == held > 0
    assert len(database.hash) == 64
