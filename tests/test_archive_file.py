"""The archive file is exactly the one named, opened as the command promises, and nothing is left behind."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive import lock
from grunt_archive.cli import cli as command
from grunt_archive.db import archive, head_revision, open_archive
from grunt_archive.errors import AlreadyRunningError, ArchiveError
from grunt_archive.lock import writer_lock
from tests.e2e import cli, cli_process
from tests.helpers import impatient

WEIRD = ["we?ird.db", "per%41cent.db", "hash#tag.db", "with space.db", "notes?x.db"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args))
    return result.exit_code, result.output


def files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


@pytest.mark.parametrize("name", WEIRD)
def test_a_weird_name_opens_exactly_that_file(tmp_path, name):
    path = tmp_path / name
    with archive(path):
        pass
    assert files(tmp_path) <= {name, f"{name}-wal", f"{name}-shm"} and name in files(tmp_path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )


def test_a_weird_name_never_slips_past_the_foreign_file_check(tmp_path):
    notes = tmp_path / "notes?x.db"
    with sqlite3.connect(notes) as connection:
        connection.execute("CREATE TABLE diary (entry TEXT)")
    before = notes.read_bytes()
    code, output = run("db", "upgrade", "--db", str(notes))
    assert code == 6 and "not a grunt-archive archive" in output
    assert notes.read_bytes() == before
    assert files(tmp_path) == {"notes?x.db"}


@pytest.mark.parametrize("name", WEIRD)
def test_query_reads_exactly_the_named_file(tmp_path, name):
    path = tmp_path / name
    open_archive(path).dispose()
    code, output = run("query", "--db", str(path), "select count(*) as n from alembic_version")
    assert (code, output) == (0, "n\n1\n")


def test_the_lock_is_taken_on_the_real_file_behind_a_symlink(tmp_path):
    real = tmp_path / "halo.db"
    open_archive(real).dispose()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with writer_lock(real), pytest.raises(AlreadyRunningError), writer_lock(link):
        pass


@pytest.mark.parametrize(
    ("args", "existing"),
    [(("sync", "--json"), False), (("sync", "--json"), True), (("db", "upgrade"), True),
     (("reparse",), True)],
)  # fmt: skip
def test_a_full_disk_met_writing_the_lock_is_one_line_exit_6(tmp_path, monkeypatch, args, existing):
    # A full disk refused the lock's pid: a traceback, exit 1, no --json summary.
    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(lock.os, "pwrite", full)
    monkeypatch.setenv("GRUNT_ARCHIVE_SPARTAN_TOKEN", "v4=token")
    path = tmp_path / "halo.db"
    if existing:
        open_archive(path).dispose()
    result = CliRunner().invoke(command, [*args, "--db", str(path)])
    said = f"cannot write to the archive: No space left on device (writing {path}.lock)"
    assert result.exit_code == 6, result.output
    assert f"Error: {said}" in result.output and "Traceback" not in result.output
    if "--json" in args:
        assert json.loads(result.stdout.splitlines()[0])["error"] == said


@pytest.mark.slow
def test_a_second_writer_through_a_symlink_gets_exit_5(tmp_path):
    real = tmp_path / "halo.db"
    open_archive(real).dispose()
    link = tmp_path / "elsewhere" / "link.db"
    link.parent.mkdir()
    link.symlink_to(real)
    with writer_lock(real):
        for args in (("sync",), ("db", "upgrade"), ("reparse",)):
            result = cli(*args, db=link, api_base="http://127.0.0.1:9")
            assert result.returncode == 5, (args, result.stderr)


# --- serve ---------------------------------------------------------------------------------


def test_serve_never_creates_an_archive(tmp_path):
    code, output = run("serve", "--db", str(tmp_path / "typo.db"), "--port", "0")
    assert code == 6 and output.count("\n") == 1 and "no archive" in output
    assert files(tmp_path) == set()


def test_serve_never_migrates_an_older_archive(tmp_path, monkeypatch):
    import grunt_archive.serve

    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    before = path.read_bytes()
    monkeypatch.setattr(grunt_archive.serve, "MIGRATION_WAIT", 0.5)
    code, output = run("serve", "--db", str(path), "--port", "0")
    assert code == 6 and "db upgrade" in output and output.count("\n") == 1
    assert path.read_bytes() == before


def test_serve_waits_for_a_migration_in_progress(tmp_path):
    from grunt_archive.serve import wait_for_current

    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")

    def migrate() -> None:
        time.sleep(0.5)
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (head_revision(),))

    with writer_lock(path):  # a sync holds the archive and is migrating it
        migration = threading.Thread(target=migrate)
        migration.start()
        started = time.monotonic()
        wait_for_current(path, timeout=20)
        assert 0.3 < time.monotonic() - started < 20
        migration.join()


def test_serve_tired_of_waiting_for_a_long_migration_says_it_is_under_way(tmp_path):
    from grunt_archive.serve import wait_for_current

    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0028'")
    with writer_lock(path), pytest.raises(ArchiveError) as raised:  # 0029's rebuild, say
        wait_for_current(path, timeout=0.3)
    # Not "run db upgrade", which would only find the archive locked by the upgrade.
    assert str(raised.value) == (
        f"another grunt-archive command (process {os.getpid()}) is already writing to {path},"
        " upgrading it from revision 0028 to this grunt-archive's: run `grunt-archive serve`"
        " again once that is done"
    )


@pytest.mark.parametrize("busy", [True, False])
def test_serve_on_a_busy_or_forbidden_port_is_one_line_exit_2(tmp_path, busy):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        # 192.0.2.1 (TEST-NET-1) is no address of this machine: nobody may listen there.
        host = "127.0.0.1" if busy else "192.0.2.1"
        code, output = run("serve", "--db", str(path), "--host", host, "--port", port)
    assert code == 2 and output.count("\n") == 1, output
    assert f"{host}:{port}" in output


# --- query ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH '{dir}/copy.db' AS copy",
        "VACUUM INTO '{dir}/copy.db'",
        "PRAGMA user_version = 7",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA wal_checkpoint",
        "UPDATE sqlite_master SET sql = 'x' WHERE name = 'runs'",
    ],
)
def test_query_never_writes_anything(tmp_path, sql):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    code, output = run("query", "--db", str(path), sql.format(dir=tmp_path))
    assert code == 2 and output.count("\n") == 1, output
    assert not (tmp_path / "copy.db").exists()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (0,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "code", "said"),
    [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")],
)
def test_a_query_busy_in_sqlite_stops_at_ctrl_c_and_sigterm(tmp_path, stop, code, said):
    # One statement that never returns a row: Python's signal handlers ran only
    # after SQLite's call, which was never (the progress handler lets them run).
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    process = cli_process("query", "--db", str(path), endless)
    try:
        deadline = time.monotonic() + 60
        while _cpu_seconds(process.pid) < 1.5:  # the import done, SQLite counting
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == code
    assert stderr.strip().splitlines()[-1].startswith(said) and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_query_says_which_row_holds_text_that_is_not_utf8(tmp_path, fmt):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    sql = ("SELECT x, CASE WHEN x = 3 THEN CAST(x'ff' AS TEXT) ELSE 'ok' END AS t"
           " FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)")  # fmt: skip
    result = CliRunner().invoke(command, ["query", "--db", str(path), f"--{fmt}", sql])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: row 3 of the result holds text that is not UTF-8 (select it as a BLOB to see"
        " its bytes); the output stops after 2 rows\n"
    )
    assert result.stdout.count("ok") == 2


def test_query_still_reads_with_pragmas(tmp_path):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    code, output = run("query", "--db", str(path), "PRAGMA table_info(alembic_version)")
    assert code == 0 and "version_num" in output
    assert run("query", "--db", str(path), "PRAGMA user_version")[0] == 0
    code, output = run(
        "query", "--db", str(path), "SELECT name FROM pragma_table_info('alembic_version')"
    )
    assert (code, output) == (0, "name\nversion_num\n")


@pytest.mark.parametrize("sql", ["", "  ", ";", "/* nothing */"])
def test_an_empty_statement_is_exit_2(tmp_path, sql):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    code, output = run("query", "--db", str(path), sql)
    assert code == 2 and "empty" in output


def test_a_corrupt_or_unreadable_archive_is_exit_6_not_bad_sql(tmp_path):
    corrupt = tmp_path / "corrupt.db"
    open_archive(corrupt).dispose()
    data = bytearray(corrupt.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # the schema page
    corrupt.write_bytes(bytes(data))
    code, output = run("query", "--db", str(corrupt), "select * from matches")
    assert code == 6 and "bad SQL" not in output, output

    text = tmp_path / "notes.db"
    text.write_text("just some notes, long enough to be read as a header" * 10)
    code, output = run("query", "--db", str(text), "select 1")
    assert code == 6, output


# --- nothing left behind -------------------------------------------------------------------


def test_a_foreign_file_gets_no_lock_beside_it(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    for args in (("sync", "--spartan-token", "t"), ("db", "upgrade"), ("reparse",)):
        code, _ = run(*args, "--db", str(notes))
        assert code == 6, args
    assert files(tmp_path) == {"notes.db"}


def test_a_sync_failing_on_usage_or_sign_in_leaves_no_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("GRUNT_ARCHIVE_AUTH_FILE", str(tmp_path / "nobody" / "auth.json"))
    monkeypatch.delenv("GRUNT_ARCHIVE_SPARTAN_TOKEN", raising=False)
    path = tmp_path / "halo.db"
    assert run("sync", "--db", str(path), "--player", "xuid(12)")[0] == 2
    assert run("sync", "--db", str(path))[0] == 4
    assert files(tmp_path) == set()


@pytest.mark.slow
def test_a_sync_refused_by_the_service_leaves_no_archive(tmp_path):
    from tests.e2e import simulator_process

    path = tmp_path / "halo.db"
    # Through a symlink too: the link names where the archive is to be, and stays.
    data = tmp_path / "data"
    data.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(data / "real.db")
    with simulator_process("--token-requests", "0") as sim:
        result = cli("sync", db=path, api_base=sim.url)
        linked = cli("sync", db=link, api_base=sim.url)
    assert result.returncode == 4, result.stderr
    assert linked.returncode == 4, linked.stderr
    assert files(tmp_path) == {"data", "link.db"} and link.is_symlink()
    assert files(data) == set()


def test_a_second_writer_meeting_a_file_locked_by_the_first_gets_exit_5(tmp_path):
    path = tmp_path / "halo.db"
    with sqlite3.connect(path) as first:
        first.execute("CREATE TABLE alembic_version (version_num TEXT)")
    first = sqlite3.connect(path, isolation_level=None)
    with writer_lock(path):  # the first writer, in the middle of creating the archive
        first.execute("BEGIN EXCLUSIVE")
        with impatient():
            code, output = run("db", "upgrade", "--db", str(path))
        first.execute("ROLLBACK")
    first.close()
    assert code == 5, output


def test_query_refuses_another_programs_database_as_every_command_does(tmp_path):
    notes = tmp_path / "notes.db"
    with sqlite3.connect(notes) as connection:
        connection.execute("CREATE TABLE diary (entry TEXT)")
    code, output = run("query", "--db", str(notes), "select * from diary")
    assert code == 6 and output == (
        f"Error: {notes} is a SQLite database, but not a grunt-archive archive"
        " (no alembic_version)\n"
    )


def test_query_json_refuses_two_columns_of_one_name_and_writes_nothing_before_a_row(tmp_path):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    for fmt in ("--json", "--nl", "--csv"):
        result = CliRunner().invoke(command, ["query", "--db", str(path), fmt, "select 1 a, 2 a"])
        assert (result.exit_code, result.stdout) == (2, ""), fmt
        assert "two columns named 'a'" in result.stderr
    # A failure at the first row leaves no lone "[" for a JSON reader to choke on.
    sql = "SELECT CAST(x'ff' AS TEXT) AS t"
    result = CliRunner().invoke(command, ["query", "--db", str(path), "--json", sql])
    assert (result.exit_code, result.stdout) == (2, "")
    result = CliRunner().invoke(command, ["query", "--db", str(path), "--json", "select 1 where 0"])
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_query_refuses_two_formats_rather_than_taking_the_last(tmp_path):
    path = tmp_path / "halo.db"
    open_archive(path).dispose()
    for first, second in (("--json", "--csv"), ("--csv", "--nl"), ("--nl", "--json")):
        args = ["query", "--db", str(path), first, second, "select 1 as a"]
        result = CliRunner().invoke(command, args)
        assert (result.exit_code, result.stdout) == (2, ""), (first, second)
        assert result.stderr.count("\n") == 1
        assert first in result.stderr and second in result.stderr
    for fmt, out in (("--json", '[\n{"a": 1}\n]\n'), ("--nl", '{"a": 1}\n'), ("--csv", "a\n1\n")):
        result = CliRunner().invoke(command, ["query", "--db", str(path), fmt, "select 1 as a"])
        assert (result.exit_code, result.stdout) == (0, out), fmt


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--db", "{long}"],
        ["query", "--db", "{long}", "SELECT 1"],
        ["db", "upgrade", "--db", "{long}"],
        ["backup", "--db", "{archive}", "--to", "{long}"],
        ["backup", "--db", "{archive}", "--into", "{long}"],
        ["copy", "--db", "{archive}", "--to", "{long}"],
        ["copy", "--db", "{loop}", "--to", "{dir}/copy.db"],
    ],
)
def test_a_path_the_system_refuses_is_one_line_exit_6(tmp_path, args):
    # A name past the file system's 255 bytes (ENAMETOOLONG), like a directory this user may
    # not search (EACCES, untestable as root), escaped pathlib's checks as a traceback.
    archive = tmp_path / "halo.db"
    open_archive(archive).dispose()
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    names = {"long": tmp_path / ("y" * 300 + ".db"), "archive": archive, "loop": tmp_path / "a"}
    before = files(tmp_path)
    code, output = run(*(arg.format(dir=tmp_path, **names) for arg in args))
    assert code == 6 and output.count("\n") == 1, output
    assert "File name too long" in output or "leads back to itself" in output
    assert len(output) < 300 and files(tmp_path) - {"halo.db-wal", "halo.db-shm"} == before


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal", ".lock"])
@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--spartan-token", "v4=x", "--db", "{companion}"],
        ["db", "upgrade", "--db", "{companion}"],
        ["status", "--db", "{companion}"],
        ["copy", "--db", "{archive}", "--to", "{companion}"],
    ],
)
def test_a_file_kept_beside_an_archive_is_no_archive_of_its_own(tmp_path, suffix, args):
    # SQLite deletes or rewrites these: a sync into halo.db-wal said ok, and the next
    # command to open halo.db took the 40 matches in it for a log and discarded them.
    archive = tmp_path / "halo.db"
    open_archive(archive).dispose()
    companion = tmp_path / f"halo.db{suffix}"
    before = files(tmp_path)
    code, output = run(*(a.format(archive=archive, companion=companion) for a in args))
    assert code == 2 and output.count("\n") == 1, output
    assert "keeps beside the archive halo.db" in output
    assert files(tmp_path) - {"halo.db-wal", "halo.db-shm"} == before - {
        "halo.db-wal",
        "halo.db-shm",
    }
    assert not companion.exists() or companion.stat().st_size == 0 or suffix == "-shm"


@pytest.mark.parametrize(
    "args",
    [
        ["reparse"],
        ["untrack", "--player", "xuid(2533274800000001)"],
        ["pending"],
        ["db", "current"],
        ["status"],
        ["verify", "--spartan-token", "v4=x"],
    ],
)
def test_an_empty_sqlite_database_is_no_archive_for_commands_that_make_none(tmp_path, args):
    # reparse made it a whole archive (157 tables) and said "Rebuilt 0 matches".
    path = tmp_path / "l.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 7")
    before = path.read_bytes()
    code, output = run(*args, "--db", str(path))
    assert code == 6 and output.startswith(f"Error: no archive at {path}"), output
    assert path.read_bytes() == before
