"""Hostile input on the command line: endless files, an archive by another name, bad flags.

Each case is one line on stderr, the documented exit code, and nothing changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import NO_SIGN_IN

# Address space a command gets: far more than any needs, far less than /dev/zero fills.
MEMORY = 1 << 30


def bounded(
    *args: str, env: dict[str, str], stdin: str = os.devnull
) -> subprocess.CompletedProcess:
    """Run the CLI with at most ``MEMORY`` bytes of address space and ``stdin`` as its input."""
    if shutil.which("prlimit") is None:
        pytest.skip("no prlimit to bound the command's memory")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRUNT_ARCHIVE_")}
    environment.update({"GRUNT_ARCHIVE_AUTH_FILE": str(NO_SIGN_IN), **env})
    with open(stdin, "rb") as source:
        return subprocess.run(
            ["prlimit", f"--as={MEMORY}", sys.executable, "-m", "grunt_archive", *args],
            stdin=source,
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
            start_new_session=True,  # no terminal: `auth login` reads the code as a line
        )


@pytest.mark.slow
@pytest.mark.parametrize("command", [("auth", "status"), ("sync",)])
def test_an_endless_sign_in_file_is_damaged_not_all_of_memory(command, tmp_path):
    # Read whole, /dev/zero took 24 GB before the kernel killed the command.
    env = {"GRUNT_ARCHIVE_AUTH_FILE": "/dev/zero", "GRUNT_ARCHIVE_DB": str(tmp_path / "h.db")}
    result = bounded(*command, env=env)
    assert result.returncode == 4, result.stderr
    assert result.stderr == (
        "Error: the sign-in file /dev/zero is damaged: it is a character device; give "
        "GRUNT_ARCHIVE_AUTH_FILE (--auth-file) another path, then run `grunt-archive auth login`\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_pasted_code_with_no_line_end_is_refused_not_read_forever(tmp_path):
    auth_file = tmp_path / "auth.json"  # in a directory that exists: login makes no other
    env = {
        "GRUNT_ARCHIVE_CLIENT_ID": "hostile-test",
        "GRUNT_ARCHIVE_API_BASE": "http://127.0.0.1:9",
        "GRUNT_ARCHIVE_AUTH_FILE": str(auth_file),
    }
    result = bounded("auth", "login", env=env, stdin="/dev/zero")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: the pasted line is longer than 65536 characters: no code"
    )
    assert "Traceback" not in result.stderr
    assert not auth_file.exists() and not NO_SIGN_IN.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("sync", "--bogus"), "No such option '--bogus'. (see `grunt-archive sync --help`)"),
        (("--bogus",), "No such option '--bogus'. (see `grunt-archive --help`)"),
        (("nosuchcommand",), "No such command 'nosuchcommand'. (see `grunt-archive --help`)"),
        (("query",), "Missing argument 'SQL'. (see `grunt-archive query --help`)"),
        (("sync", "--rps", "nan"), "Invalid value for '--rps': 'nan' is not a finite number."),
        (("sync", "--concurrency", "0"), "Invalid value for '--concurrency': 0 is not in"),
        (("sync", "--limit", "-1"), "Invalid value for '--limit': -1 is not in the range x>=1."),
        (("pending", "give-up"), "Missing argument 'MATCH_ID...'."),
        (("film", "read", "--film-version", "-1", "x"), "Invalid value for '--film-version'"),
    ],
)
def test_a_wrong_flag_or_argument_is_one_line_and_exit_2(args, said, tmp_path):
    from click.testing import CliRunner

    from grunt_archive.cli import cli

    env = {"GRUNT_ARCHIVE_DB": str(tmp_path / "h.db")}
    result = CliRunner().invoke(cli, list(args), env=env, prog_name="grunt-archive")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and said in result.output, result.output
    assert result.output.count("\n") == 1, result.output  # click's own took four
    assert list(tmp_path.iterdir()) == []


def invoke(*args: str, db: Path) -> Any:
    """Run the CLI in process on the archive ``db``, a token and an unreachable service given."""
    from click.testing import CliRunner

    from grunt_archive.cli import cli

    env = {
        "GRUNT_ARCHIVE_DB": str(db),
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x",
        "GRUNT_ARCHIVE_API_BASE": "http://127.0.0.1:9",
    }
    return CliRunner().invoke(cli, list(args), env=env, prog_name="grunt-archive")


LONG = "a" * 5000
SHOWN = repr("a" * 40) + "…"  # what a message shows of it: `wording.quoted`
PADDED = "Zoe" + " " * 5000


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("sync", "--player", LONG), f"malformed player id {SHOWN}: expected xuid(…), 16 digits,"),
        (("sync", "--player", f"xuid({'1' * 5000})"), "malformed player id 'xuid(111111111111"),
        (("untrack", "--player", LONG), f"malformed player id {SHOWN}: expected xuid(…)"),
        (("verify", "--player", LONG), f"malformed player id {SHOWN}: expected xuid(…)"),
        (("pending", "--player", LONG), f"malformed player id {SHOWN}: expected xuid(…)"),
        (("film", "read", "--match", LONG), f"{SHOWN} is not a match id (a GUID such as"),
        (("pending", "give-up", LONG), f"{SHOWN} is not a match id (a GUID); nothing changed"),
        (("pending", "retry", LONG), f"{SHOWN} is not a match id (a GUID); nothing changed"),
        # A gamertag padded with spaces parses (they are trimmed), and was echoed as typed.
        (("untrack", "--player", PADDED), f"{PADDED[:40]!r}… is not a tracked player"),
    ],
)
def test_an_overlong_value_is_echoed_cut_to_40_characters(args, said, tmp_path):
    from grunt_archive.db import open_archive

    db = tmp_path / "halo.db"
    open_archive(db).dispose()
    before = db.read_bytes()
    result = invoke(*args, db=db)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {said}"), result.output
    assert result.output.count("\n") == 1 and len(result.output) < 200, result.output
    assert db.read_bytes() == before


# Every command that opens an archive, with what it needs to reach the opening.
OPENING = [
    ("query", "SELECT 1"),
    ("sync",),
    ("serve",),
    ("db", "current"),
    ("db", "upgrade"),
    ("verify",),
    ("pending",),
    ("pending", "give-up", "e4309281-7d3c-420c-a9a4-ca2798e56692"),
    ("reparse",),
    ("untrack", "--player", "xuid(2533274800000001)"),
    ("film", "read", "--match", "e4309281-7d3c-420c-a9a4-ca2798e56692"),
    ("copy", "--to", "copied.db"),
]


@pytest.mark.parametrize("args", OPENING, ids=" ".join)
def test_a_directory_given_as_the_archive_is_named_a_directory(args, tmp_path, monkeypatch):
    # `query` said "no archive at DIR (run grunt-archive sync first)", as if sync would help.
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "halo.db"
    directory.mkdir()
    result = invoke(*args, db=directory)
    assert result.exit_code == 6, result.output
    assert result.output == f"Error: {directory} is a directory, not an archive file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["halo.db"]
    assert list(directory.iterdir()) == []


# The commands that never create an archive. `db current` wrote a new archive's first page
# (8 KB) into an empty file and said "empty"; `verify`, `pending give-up`, `retry`, `untrack`
# and `reparse` wrote a whole schema (1.2 MB), `copy` the first page into its source.
NEVER_CREATING = [args for args in OPENING if args not in (("sync",), ("db", "upgrade"))]


@pytest.mark.parametrize("args", NEVER_CREATING, ids=" ".join)
def test_an_empty_file_is_no_archive_and_stays_empty(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "halo.db"
    empty.touch()
    result = invoke(*args, db=empty)
    assert result.exit_code == 6, result.output
    assert result.output == f"Error: no archive at {empty} (run `grunt-archive sync` first)\n"
    assert [p.name for p in tmp_path.iterdir()] == ["halo.db"]
    assert empty.stat().st_size == 0


def test_a_command_that_creates_an_archive_still_makes_one_in_an_empty_file(tmp_path):
    from grunt_archive.db import head_revision

    empty = tmp_path / "halo.db"
    empty.touch()
    result = invoke("db", "upgrade", db=empty)
    assert (result.exit_code, result.output) == (
        0,
        f"Archive at revision {head_revision()} (was empty).\n",
    )
    assert (
        invoke("db", "current", db=empty).output == f"{head_revision()} (head: {head_revision()})\n"
    )
