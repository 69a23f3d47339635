"""The CLI says the truth: usage before tokens, any script in gamertags, honest demo and serve."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.errors import UsageError
from grunt_archive.players import parse_player
from tests.conftest import ROOT
from tests.helpers import given_setting


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", ["sync", "verify"])
@pytest.mark.parametrize("player", ["xuid(123)", "not a valid gamertag!!", "../../x?y="])
def test_a_malformed_player_is_exit_2_before_any_token_check(tmp_path, command, player):
    env = {
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": "",
        "GRUNT_ARCHIVE_AUTH_FILE": str(tmp_path / "nobody" / "auth.json"),
    }
    result = run(command, "--db", str(tmp_path / "halo.db"), "--player", player, env=env)
    assert result.exit_code == 2, result.output
    assert "malformed player id" in result.output and result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("gamertag", ["Zoë", "ゲーマー", "Łukasz 77", "Zoë#1234", "Ω"])
def test_gamertags_in_any_script_are_valid(gamertag):
    assert parse_player(gamertag).gamertag == gamertag


@pytest.mark.parametrize("text", ["Zoë_", "ゲ ーマー  x", "a" * 16, "Zoë#12345", "9lives"])
def test_what_no_gamertag_can_be_is_refused(text):
    with pytest.raises(UsageError):
        parse_player(text)


def test_demo_help_names_its_real_default_archive(tmp_path):
    result = run("demo", "--help", env={"GRUNT_ARCHIVE_DB": str(tmp_path / "mine.db")})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "demo.db beside the default archive" in text
    assert "halo.db in the user data directory" not in text


def test_demo_on_a_busy_port_fails_before_simulating(tmp_path):
    db = tmp_path / "demo.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("demo", "--db", str(db), "--port", str(port), "--matches", "5")
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and f":{port}" in result.output
    assert "http://" not in result.output
    assert "Archiving" not in result.output  # nothing simulated, nothing synced
    assert not Path(db).exists()


def test_untrack_stops_tracking_a_player_and_keeps_their_matches(tmp_path):
    from grunt_archive.db import archive
    from grunt_archive.documents import DERIVED_TABLES
    from grunt_archive.simulator import Simulator, SimulatorConfig
    from grunt_archive.store import open_store, player_tables
    from tests.conftest import copy_archive
    from tests.helpers import dump, rows, sync

    sim = Simulator(SimulatorConfig(seed=3, players=2, matches=4))
    db = tmp_path / "halo.db"
    first, second = sim.player_ids
    assert sync(db, sim, first, second, matches_only=True).outcome == "ok"
    matches = rows(db, "SELECT count(*) FROM matches")
    result = run("untrack", "--db", str(db), "--player", sim.gamertag(first))
    assert result.exit_code == 0, result.output
    assert first in result.output
    assert rows(db, "SELECT player_id FROM tracked_players") == [(second,)]
    assert rows(db, "SELECT count(*) FROM matches") == matches
    # Their derived rows go (the canned queries and the dashboard no longer count them),
    # as reparse would have them: the matches only they played leave the totals too.
    for table in ("player_matches", "player_totals", "player_encounters"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE player_id = ?", first) == [(0,)]
    rebuilt = copy_archive(db, tmp_path / "rebuilt.db")
    with archive(rebuilt) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    assert dump(db, DERIVED_TABLES) == dump(rebuilt, DERIVED_TABLES)
    for player in (first, "xuid(2533274899999999)", "NoSuchGamertag"):
        again = run("untrack", "--db", str(db), "--player", player)
        assert again.exit_code == 2, again.output
        assert (
            len(again.output.strip().splitlines()) == 1 and "not a tracked player" in again.output
        )
    assert run("untrack", "--db", str(db), "--player", "xuid(12)").exit_code == 2


def test_a_player_untracked_then_tracked_again_is_synced_and_counted_afresh(tmp_path):
    """Their ``player_*`` rows of before start over: no duplicate line fails every run after."""
    from grunt_archive.db import archive
    from grunt_archive.documents import DERIVED_TABLES
    from grunt_archive.simulator import Simulator, SimulatorConfig
    from grunt_archive.store import open_store, player_tables
    from tests.conftest import copy_archive
    from tests.helpers import dump, sync

    sim = Simulator(SimulatorConfig(seed=3, players=2, matches=6))
    db = tmp_path / "halo.db"
    first, second = sim.player_ids
    assert sync(db, sim, first, second, matches_only=True).outcome == "ok"
    assert run("untrack", "--db", str(db), "--player", first).exit_code == 0
    sim.play(second, 3)  # matches of theirs archived while they are not tracked
    assert sync(db, sim, second, matches_only=True).outcome == "ok"
    again = sync(db, sim, first, second, matches_only=True)
    assert again.outcome == "ok" and again.failures == [], again.failures
    rebuilt = copy_archive(db, tmp_path / "rebuilt.db")
    with archive(rebuilt) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    assert dump(db, DERIVED_TABLES) == dump(rebuilt, DERIVED_TABLES)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("xNobleRunnerx3", "xnoblerunnerx3"), ("xNobleRunnerx3", "XNOBLERUNNERX3"),
     ("ZOË Ångström", "zoë ångström"), ("Straße", "STRASSE"), ("ゲーマー", "ゲーマー")],
)  # fmt: skip
def test_untrack_finds_a_tracked_gamertag_in_any_case_of_any_script(tmp_path, stored, typed):
    import sqlite3

    from grunt_archive.db import archive_store
    from grunt_archive.store.state import track_player
    from tests.helpers import rows

    db = tmp_path / "halo.db"
    tracked, namesake = "xuid(2533274800000002)", "xuid(2533274800000001)"
    with archive_store(db) as store:
        track_player(store, tracked, stored)
    with sqlite3.connect(db) as connection:  # an opponent of the same name, never tracked
        connection.execute(
            "INSERT INTO players (player_id, gamertag, is_bot) VALUES (?, ?, 0)",
            (namesake, stored.upper()),
        )
    result = run("untrack", "--db", str(db), "--player", typed)
    assert result.exit_code == 0, result.output
    named = f"{stored} ({tracked})"
    assert result.output == f"Stopped tracking {named}; their archived matches stay.\n"
    assert rows(db, "SELECT player_id FROM tracked_players") == []


BAD_API_BASES = {
    "http://127.0.0.1:99999": "the port must be a number from 1 to 65535",
    "http://127.0.0.1:0": "the port must be a number from 1 to 65535",
    "http://[::1": "it is not a URL",
    "htp://127.0.0.1:8430": "the scheme must be http or https",
    "not a url": "the scheme must be http or https",
    "127.0.0.1:8430": "the scheme must be http or https",
    "http://": "it names no host",
    "http://host/x?y=1#z": "a base URL takes no query (?) or fragment (#)",
    "http://ho st:8430": "it holds a space or a control character",
    "http://halo:SECRETPW@127.0.0.1:99999": "the port must be a number from 1 to 65535",
}


@pytest.mark.parametrize("how", ["option", "environment"])
@pytest.mark.parametrize("command", [("sync",), ("verify",), ("auth", "login", "--code", "x")])
@pytest.mark.parametrize("base", BAD_API_BASES)
def test_a_bad_api_base_is_exit_2_at_once_naming_the_setting(tmp_path, command, base, how):
    env = {
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=x",
        "GRUNT_ARCHIVE_CLIENT_ID": "app",
        "GRUNT_ARCHIVE_AUTH_FILE": str(tmp_path / "auth.json"),
        "GRUNT_ARCHIVE_DB": str(tmp_path / "halo.db"),
    }
    extra, env = given_setting(how, "--api-base", "GRUNT_ARCHIVE_API_BASE", base, env)
    result = run(*command, *extra, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: GRUNT_ARCHIVE_API_BASE (--api-base) ")
    assert BAD_API_BASES[base] in result.output
    assert "SECRETPW" not in result.output
    assert list(tmp_path.iterdir()) == []  # no archive, no sign-in file


@pytest.mark.parametrize("base", ["http://127.0.0.1:8430", "https://h/prefix/", "http://[::1]:1"])
def test_a_good_api_base_passes_as_given(base):
    from grunt_archive.base_url import checked_api_base

    assert checked_api_base(base) == base
    assert checked_api_base(None) is None and checked_api_base("") == ""


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("grunt-archive ve", ["verify"]),
        ("grunt-archive film re", ["read"]),
        ("grunt-archive sync --conc", ["--concurrency"]),
        ("grunt-archive auth st", ["status"]),
    ],
)
def test_the_readme_shell_completion_completes_commands_and_options(words, expected):
    # What the README's `eval "$(_GRUNT_ARCHIVE_COMPLETE=bash_source grunt-archive)"` asks.
    env = {
        "_GRUNT_ARCHIVE_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    result = CliRunner().invoke(cli, [], prog_name="grunt-archive", env=env)
    assert result.exit_code == 0, result.output
    assert [line.split(",", 1)[1] for line in result.output.splitlines()] == expected
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "_GRUNT_ARCHIVE_COMPLETE=bash_source grunt-archive" in readme
