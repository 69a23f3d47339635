"""An archive on read-only media (a share, a disc, a backup mounted read-only): serve and query read it.

SQLite cannot create a WAL archive's ``-shm`` there, so ``mode=ro`` alone fails
("unable to open database file"). Permission bits do not stop root, so when they
do not stop this process the CLI runs in a user and mount namespace of its own
with the directory bound read-only, which stops root as a real read-only mount does.
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

from grunt_archive.errors import ArchiveError
from grunt_archive.files import read_immutable, read_uri
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


def read_only(directory: Path) -> tuple[str, ...]:
    """Make ``directory`` and its files read-only to the CLI; return the launcher it needs.

    Skips the test when this process can write despite the permission bits (root)
    and cannot make a user namespace to mount the directory read-only in.
    """
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)
    if not os.access(directory, os.W_OK):
        return ()
    launcher = ("unshare", "--user", "--map-root-user", "--mount")
    launcher += ("sh", "-c", MOUNT_READ_ONLY, str(directory))
    usable = shutil.which("unshare") is not None and (
        subprocess.run([*launcher, "true"], capture_output=True).returncode == 0
    )
    if not usable:
        pytest.skip(
            "running as root, whom permission bits do not stop, with no user namespace"
            " (unshare) to mount the directory read-only in"
        )
    return launcher


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

    for command in (("query", "SELECT 1"), ("serve", "--port", "0")):
        result = cli(*command, db=shelf / "halo.db", launcher=launcher, timeout=60)
        assert result.returncode == 6, (command, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert "read-only" in result.stderr and "halo.db-shm" in result.stderr


def test_only_an_archive_nothing_can_write_is_read_as_immutable(tmp_path):
    db = tmp_path / "halo.db"
    db.write_bytes(b"")
    wal, shm = tmp_path / "halo.db-wal", tmp_path / "halo.db-shm"

    def writable(*paths: Path):
        return lambda path, _mode: path in paths

    assert not read_immutable(db, writable(tmp_path, db))
    assert read_uri(db, writable(tmp_path, db)).endswith("?mode=ro")
    assert read_immutable(db, writable(db))  # the directory is read-only: no -shm can be made
    assert read_immutable(db, writable(tmp_path))  # the file is read-only: nobody writes it
    assert read_uri(db, writable()).endswith("?immutable=1")
    wal.write_bytes(b"")
    assert read_immutable(db, writable())  # an empty -wal holds nothing to miss
    shm.write_bytes(b"\0" * 32768)
    assert not read_immutable(db, writable())  # a writer may be at work: read through its -shm
    shm.unlink()
    wal.write_bytes(b"\0" * 4096)
    with pytest.raises(ArchiveError, match=r"read-only.*halo\.db-shm"):
        read_immutable(db, writable())
