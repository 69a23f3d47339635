"""End to end: the real CLI in a subprocess against a started simulator process."""

from __future__ import annotations

import json
import sqlite3

import pytest

from grunt_archive.db import head_revision
from grunt_archive.errors import GruntArchiveError, UsageError
from tests.e2e import TOKEN, cli, simulator_process
from tests.helpers import value

pytestmark = pytest.mark.slow


def distinct_matches(sim) -> int:
    return len({m for p in sim.players() for m in p["matches"]})


def test_backfill_then_no_op_resync(db_path):
    with simulator_process("--seed", "11", "--players", "2", "--matches", "60") as sim:
        players = [p["player_id"] for p in sim.players()]
        result = cli(
            "sync",
            "--json",
            *[a for p in players for a in ("--player", p)],
            db=db_path,
            api_base=sim.url,
        )
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert summary["outcome"] == "ok"
        assert summary["matches_added"] == distinct_matches(sim)
        # A log reader knows players by gamertag: named in the order of "players".
        assert summary["gamertags"] == [p["gamertag"] for p in sim.players()]
        assert value(db_path, "SELECT count(*) FROM matches") == distinct_matches(sim)
        # Shared matches were fetched once.
        assert sim.counts()["stats"] == distinct_matches(sim)

        sim.post("/_simulator/reset-counts")
        result = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["matches_added"] == 0
        counts = sim.counts()
        assert counts.get("history") == len(players)
        assert counts.get("stats", 0) == 0

        # New play shows up on the next run, and only it is fetched.
        new = sim.post(f"/_simulator/play?player={players[0]}&matches=3")
        sim.post("/_simulator/reset-counts")
        result = cli("sync", "--quiet", db=db_path, api_base=sim.url)
        assert result.returncode == 0 and result.stdout == ""
        assert sim.counts()["stats"] == len(new["match_ids"])


def test_interrupted_backfill_resumes(db_path):
    with simulator_process("--seed", "12", "--players", "1", "--matches", "70") as sim:
        first = cli("sync", "--limit", "30", "--json", db=db_path, api_base=sim.url)
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["matches_added"] == 30
        rest = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert json.loads(rest.stdout)["matches_added"] == 40
        assert value(db_path, "SELECT count(*) FROM matches") == 70
        assert value(db_path, "SELECT history_complete FROM tracked_players") == 1


@pytest.mark.parametrize(
    "faults",
    [
        ("--fail-429", "0.3", "--retry-after", "0.01"),
        ("--fail-429", "0.3", "--no-retry-after"),
        ("--fail-5xx", "0.2"),
        ("--stats-404", "2"),
    ],
    ids=["429-retry-after", "429-bare", "5xx", "stats-404-then-ok"],
)
def test_transient_faults_archive_everything(db_path, faults):
    with simulator_process("--seed", "13", "--players", "1", "--matches", "40", *faults) as sim:
        result = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert result.returncode == 0, result.stderr
        assert value(db_path, "SELECT count(*) FROM matches") == 40


def test_malformed_body_leaves_one_match_pending_exit_3(db_path):
    with simulator_process(
        "--seed", "14", "--players", "1", "--matches", "30", "--malformed-matches", "1"
    ) as sim:
        result = cli("sync", "--json", db=db_path, api_base=sim.url)
        assert result.returncode == 3
        summary = json.loads(result.stdout)
        assert summary["outcome"] == "partial" and len(summary["pending"]) == 1
        assert summary["pending"][0] in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert value(db_path, "SELECT count(*) FROM matches") == 29


def test_lasting_404_is_pending_and_fetched_first_next_run(db_path):
    with simulator_process(
        "--seed", "15", "--players", "1", "--matches", "10", "--stats-404", "4"
    ) as sim:
        result = cli("sync", db=db_path, api_base=sim.url)
        assert result.returncode == 3, result.stderr
        assert value(db_path, "SELECT count(*) FROM pending_matches") == 10
        result = cli("sync", db=db_path, api_base=sim.url)
        assert result.returncode == 0, result.stderr
        assert value(db_path, "SELECT count(*) FROM matches") == 10


def test_expired_token_exit_4_and_nothing_leaks(db_path):
    with simulator_process(
        "--seed", "16", "--players", "1", "--matches", "60", "--token-requests", "20"
    ) as sim:
        result = cli("sync", db=db_path, api_base=sim.url)
        assert result.returncode == 4
        assert "auth login" in result.stderr
        assert "Traceback" not in result.stderr
        assert TOKEN not in result.stderr + result.stdout
    assert TOKEN.encode() not in db_path.read_bytes()


def test_missing_token_is_a_sign_in_error(db_path):
    result = cli("sync", db=db_path, api_base="http://127.0.0.1:9", token=None)
    assert result.returncode == 4
    assert "GRUNT_ARCHIVE_SPARTAN_TOKEN" in result.stderr


def test_a_run_stopped_by_an_error_still_prints_its_json_summary(db_path):
    """A timer's log written with --json gets a summary of every run, the stopped ones too."""
    for api_base, token, code in (
        ("http://127.0.0.1:9", None, 4),
        ("http://127.0.0.1:9", TOKEN, 7),
    ):
        result = cli("sync", "--json", "--player", "xuid(2533274800000001)", db=db_path,
                     api_base=api_base, token=token)  # fmt: skip
        assert result.returncode == code, result.stderr
        summary = json.loads(result.stdout)
        assert summary["outcome"] == "error" and summary["exit_code"] == code
        assert summary["error"] in result.stderr  # the same one line
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "flags",
    [
        ("--player", ""),
        ("--api-base", "ftp://x"),
        ("--no-films", "--films-backfill"),
        ("--bogus",),
        ("--db", "mysql://x"),
    ],
)
def test_a_run_refused_for_its_flags_prints_its_json_summary_too(db_path, flags):
    result = cli("sync", "--json", *flags, db=db_path)
    assert result.returncode == 2, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["outcome"], summary["exit_code"]) == ("error", 2)
    assert result.stderr == f"Error: {summary['error']}\n"
    assert not db_path.exists()


def test_unreachable_service_exit_7(db_path):
    result = cli(
        "sync", "--player", "xuid(2533274800000001)", db=db_path, api_base="http://127.0.0.1:9"
    )
    assert result.returncode == 7, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "player", ["xuid(123)", "12345", "not a valid gamertag!!", "xuid(abcdefghijklmnop)"]
)
def test_malformed_player_id_exit_2(db_path, player):
    result = cli("sync", "--player", player, db=db_path, api_base="http://127.0.0.1:9")
    assert result.returncode == 2
    assert "malformed player id" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flag_exit_2(db_path):
    assert cli("sync", "--concurrency", "0", db=db_path).returncode == 2
    assert cli("sync", "--no-such-flag", db=db_path).returncode == 2


def test_foreign_files_exit_6_untouched(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    result = cli("sync", db=notes, api_base="http://127.0.0.1:9")
    assert result.returncode == 6 and "not a SQLite database" in result.stderr
    assert notes.read_text() == "not a database"

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    result = cli("db", "upgrade", db=other)
    assert result.returncode == 6 and "not a grunt-archive archive" in result.stderr
    assert other.read_bytes() == before

    result = cli("sync", db=tmp_path / "missing" / "halo.db", api_base="http://127.0.0.1:9")
    assert result.returncode == 6 and "does not exist" in result.stderr


def test_the_default_data_directory_is_made_by_a_sync_only_and_its_failure_is_one_line(tmp_path):
    # No --db, no GRUNT_ARCHIVE_DB: the archive is halo.db in the user data directory.
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": ""}
    for command in (("db", "current"), ("pending",), ("query", "select 1")):
        result = cli(*command, env=env)
        assert result.returncode == 6 and "does not exist" in result.stderr, command
        assert "Traceback" not in result.stderr and list(home.iterdir()) == [], command
    # A file where the directory would be (HOME is one): one line, exit 6.
    (tmp_path / "file").write_text("")
    env = {"HOME": str(tmp_path / "file"), "XDG_DATA_HOME": ""}
    result = cli(
        "sync", "--player", "xuid(2533274800000001)", env=env, api_base="http://127.0.0.1:9"
    )
    assert result.returncode == 6, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot make the data directory {tmp_path}/file/.local/share/grunt-archive:"
        " Not a directory"
    ]


def test_db_upgrade_current_and_reparse(db_path):
    head = head_revision()
    created = cli("db", "upgrade", db=db_path)
    assert (created.returncode, created.stdout) == (0, f"Archive at revision {head} (was empty).\n")
    again = cli("db", "upgrade", db=db_path)
    assert (again.returncode, again.stdout) == (0, f"Archive at revision {head}.\n")
    current = cli("db", "current", db=db_path)
    assert current.returncode == 0 and current.stdout.startswith(head_revision() or "")
    with simulator_process("--seed", "17", "--players", "1", "--matches", "20") as sim:
        assert cli("sync", db=db_path, api_base=sim.url).returncode == 0
    result = cli("reparse", db=db_path)
    assert result.returncode == 0, result.stderr
    assert "Rebuilt 20 matches" in result.stdout
    quiet = cli("reparse", "--quiet", db=db_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "args",
    [
        ("sync", "--rps", "nan"),  # passed the range check and switched the limit off
        ("sync", "--rps", "inf"),
        ("sync", "--timeout", "nan"),  # a request then waited forever
        ("verify", "--rps", "nan"),
        ("simulate", "--latency-ms", "nan"),
        ("simulate", "--fail-429", "NaN"),
        ("simulate", "--hang-seconds", "inf"),
    ],
)
def test_a_number_that_is_not_finite_is_bad_usage(args):
    import click

    from grunt_archive.cli import cli as grunt_archive

    # Parsed only: a simulator that wrongly accepted its options would serve forever.
    name, *rest = args
    command = grunt_archive.get_command(click.Context(grunt_archive), name)
    with pytest.raises(click.BadParameter, match="is not a finite number") as refused:
        command.make_context(name, rest)
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("command", ["sync", "query", "db", "copy"])
def test_an_empty_db_is_bad_usage(command):
    import click

    from grunt_archive.cli import cli as grunt_archive

    found = grunt_archive.get_command(click.Context(grunt_archive), command)
    args = {"query": ["select 1"], "db": ["upgrade"], "copy": ["--to", "other.db"]}
    if command == "db":  # a group: its subcommand takes --db
        found = found.get_command(click.Context(found), "upgrade")
        args = {}
    with pytest.raises(click.BadParameter, match="it is empty") as refused:
        found.make_context(command, ["--db", " ", *args.get(command, [])])
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("command", ["serve", "simulate"])
@pytest.mark.parametrize("host", ["", "  "])
def test_an_empty_host_is_bad_usage_not_every_interface(command, host):
    # An unset variable (--host "$HOST") would have served the archive to the network.
    import click

    from grunt_archive.cli import cli as grunt_archive

    found = grunt_archive.get_command(click.Context(grunt_archive), command)
    with pytest.raises(click.BadParameter, match="it is empty") as refused:
        found.make_context(command, ["--host", host])
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("host", ["\u202e", "a\x00b", "\udcff"])
def test_a_host_that_is_no_host_name_is_one_line_exit_2(tmp_path, host):
    from grunt_archive.serve import listen
    from grunt_archive.simulator.server import _bind

    with pytest.raises(UsageError, match="not a host name") as refused:
        listen(host, 0)
    assert "\n" not in str(refused.value) and host not in str(refused.value)
    with pytest.raises(GruntArchiveError, match="not a host name"):
        _bind(host, 0)


def test_a_postgresql_server_that_never_answers_is_exit_6_in_its_connect_timeout():
    # It takes the TCP connection and says nothing: the run would otherwise wait for ever.
    import socket

    from grunt_archive.location import CONNECT_TIMEOUT, connect_arguments, server_url

    url = "postgresql://halo:hunter2@127.0.0.1:{}/halo"
    assert connect_arguments(server_url(url.format(5432))) == {"connect_timeout": CONNECT_TIMEOUT}
    assert connect_arguments(server_url(url.format(5432) + "?connect_timeout=3")) == {}
    with socket.create_server(("127.0.0.1", 0)) as silent:
        given = url.format(silent.getsockname()[1]) + "?connect_timeout=1"
        for command in (("db", "current"), ("query", "select 1")):
            result = cli(*command, db=given, timeout=30)
            assert result.returncode == 6, result.stderr
            assert result.stderr.strip().splitlines() == [
                f"Error: cannot open {given.replace('hunter2', '***')}: connection timeout expired"
            ]
