"""End to end: `auth login/status/logout` and a signed-in `sync`, against a started simulator."""

from __future__ import annotations

import json
import sqlite3
import stat
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from click.testing import CliRunner

from grunt_archive.auth import load_session, save_session
from grunt_archive.auth_command import _when
from grunt_archive.cli import cli as grunt_archive
from grunt_archive.simulator import SimulatorConfig, running_simulator
from grunt_archive.simulator.hosts.signin import signin_state
from tests.e2e import cli, simulator_process

pytestmark = pytest.mark.slow

CLIENT = "e2e-client-id"
SECRET = "e2e-client-secret-value"
REDIRECT = "https://localhost"


def signin_admin(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_simulator/signin", timeout=10) as response:
        return json.load(response)


def new_code(sim) -> str:
    return sim.post(f"/_simulator/signin/code?client_id={CLIENT}&redirect_uri={quote(REDIRECT)}")[
        "code"
    ]


def every_issued_token(url: str) -> list[str]:
    return [token for tokens in signin_admin(url)["issued"].values() for token in tokens]


def assert_nothing_leaked(tokens: list[str], outputs: list, db_path: Path | None = None) -> None:
    assert tokens
    secrets = [*tokens, SECRET]
    for output in outputs:
        shown = output.stdout + output.stderr
        assert not [s for s in secrets if s in shown]
    if db_path is not None:
        for path in db_path.parent.glob(db_path.name + "*"):  # the database, and any -wal/-shm
            data = path.read_bytes()
            assert not [s for s in secrets if s.encode() in data], path


def login(sim, auth_file: Path, code: str | None = None, **kwargs):
    return cli(
        "auth", "login", "--client-id", CLIENT, "--code", code or new_code(sim),
        api_base=sim.url, token=None, env=signed_in_env(auth_file), **kwargs,
    )  # fmt: skip


def signed_in_env(auth_file: Path) -> dict[str, str]:
    return {"GRUNT_ARCHIVE_AUTH_FILE": str(auth_file), "GRUNT_ARCHIVE_CLIENT_SECRET": SECRET}


def test_sign_in_then_a_sync_that_outlives_several_token_lifetimes(tmp_path, db_path):
    auth_file = tmp_path / "config" / "auth.json"
    auth_file.parent.mkdir()  # a directory given is never made: only the default one is
    env = signed_in_env(auth_file)
    with simulator_process(
        "--seed", "21", "--players", "1", "--matches", "40", "--token-lifetime", "1"
    ) as sim:
        player = sim.players()[0]
        signed = login(sim, auth_file)
        assert signed.returncode == 0, signed.stderr
        assert f"Signed in as {player['gamertag']} ({player['player_id']})" in signed.stdout
        assert stat.S_IMODE(auth_file.stat().st_mode) == 0o600

        started = time.monotonic()
        # 40 matches and their enrichment are about 160 requests: over 5 s at 30 per second.
        synced = cli(
            "sync", "--json", "--rps", "30", db=db_path, api_base=sim.url, token=None, env=env
        )
        seconds = time.monotonic() - started
        assert synced.returncode == 0, synced.stderr
        assert json.loads(synced.stdout)["matches_added"] == player["match_count"] == 40
        with sqlite3.connect(db_path) as connection:
            assert connection.execute("SELECT count(*) FROM matches").fetchone()[0] == 40
        issued = signin_admin(sim.url)["issued"]
        lifetimes = seconds / 1.0
        assert lifetimes >= 3, seconds  # the run outlived several 1 s tokens ...
        assert len(issued["spartan"]) >= 4  # ... and renewed them: the login's, then 3 or more
        assert len(issued["refresh"]) == len(issued["spartan"])
        after = json.loads(auth_file.read_text())
        assert after["refresh_token"] == issued["refresh"][-1]  # the rotated one was saved
        tokens = every_issued_token(sim.url)
    assert_nothing_leaked(tokens, [signed, synced], db_path)


def test_a_wrong_code_is_one_line_and_exit_4(tmp_path):
    auth_file = tmp_path / "auth.json"
    with simulator_process("--seed", "22", "--players", "1", "--matches", "3") as sim:
        result = login(sim, auth_file, code="M.C1_SIM.not-a-code-it-issued")
        assert result.returncode == 4
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
        assert "invalid_grant" in result.stderr and "auth login" in result.stderr
        assert "not-a-code-it-issued" not in result.stderr + result.stdout
        assert not auth_file.exists()


@pytest.mark.parametrize("how", ["refresh token expired", "sign-in revoked"])
def test_a_refused_renewal_stops_the_sync_with_exit_4(tmp_path, db_path, how):
    auth_file = tmp_path / "auth.json"
    with simulator_process(
        "--seed", "23", "--players", "1", "--matches", "10",
        "--token-lifetime", "60", "--refresh-lifetime", "120",
    ) as sim:  # fmt: skip
        signed = login(sim, auth_file)
        assert signed.returncode == 0, signed.stderr
        if how == "sign-in revoked":
            assert sim.post("/_simulator/revoke") == {"revoked": 1}
        else:
            sim.post(
                "/_simulator/advance?seconds=200"
            )  # past both lifetimes, on the service's clock
        result = cli("sync", db=db_path, api_base=sim.url, token=None, env=signed_in_env(auth_file))
        assert result.returncode == 4, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "invalid_grant" in result.stderr and "grunt-archive auth login" in result.stderr
        tokens = every_issued_token(sim.url)
    assert_nothing_leaked(tokens, [signed, result], db_path)


def test_status_and_logout(tmp_path, monkeypatch):
    auth_file = tmp_path / "auth.json"
    monkeypatch.setenv("GRUNT_ARCHIVE_AUTH_FILE", str(auth_file))
    runner = CliRunner()
    nobody = runner.invoke(grunt_archive, ["auth", "status"])
    assert nobody.exit_code == 4 and "not signed in" in nobody.output
    with running_simulator(SimulatorConfig(seed=24, players=1, matches=3)) as (url, sim):
        code = signin_state(sim).new_code(CLIENT, REDIRECT)
        signed = runner.invoke(
            grunt_archive,
            ["auth", "login", "--client-id", CLIENT, "--client-secret", SECRET,
             "--code", code, "--api-base", url],
        )  # fmt: skip
        assert signed.exit_code == 0, signed.output
        tokens = [t for kind in signin_state(sim).issued().values() for t in kind]
    status = runner.invoke(grunt_archive, ["auth", "status"])
    gamertag = sim.gamertag(sim.player_ids[0])
    assert status.exit_code == 0 and f"Signed in as {gamertag}" in status.output
    assert "(mode 0600)" in status.output and "good until" in status.output
    out = runner.invoke(grunt_archive, ["auth", "logout"])
    assert out.exit_code == 0 and "Signed out" in out.output and not auth_file.exists()
    again = runner.invoke(grunt_archive, ["auth", "logout"])
    assert again.exit_code == 0 and "Not signed in" in again.output
    shown = "".join(r.output for r in (signed, status, out, again))
    assert not [t for t in [*tokens, SECRET] if t in shown]


def test_login_and_logout_wait_for_a_renewal_in_progress(tmp_path, monkeypatch):
    """Another process renewing holds the sign-in file's lock: neither writes under it."""
    import fcntl

    from grunt_archive.auth import token_file

    auth_file = tmp_path / "auth.json"
    monkeypatch.setenv("GRUNT_ARCHIVE_AUTH_FILE", str(auth_file))
    monkeypatch.setattr(token_file, "LOCK_TIMEOUT", 0.2)  # not 120 s, for the test
    runner = CliRunner()
    with running_simulator(SimulatorConfig(seed=26, players=1, matches=3)) as (url, sim):
        login = ["auth", "login", "--client-id", CLIENT, "--client-secret", SECRET,
                 "--api-base", url, "--code"]  # fmt: skip
        with open(tmp_path / ".auth.json.lock", "a+") as renewal:
            fcntl.flock(renewal, fcntl.LOCK_EX)  # as `tokens.TokenSource` renewing holds it
            code = signin_state(sim).new_code(CLIENT, REDIRECT)
            waited = runner.invoke(grunt_archive, [*login, code])
            assert waited.exit_code == 4, waited.output
            assert f"another process has held the sign-in file {auth_file}" in waited.output
            assert not auth_file.exists() and set(signin_state(sim).issued()) == {"code"}
        signed = runner.invoke(grunt_archive, [*login, code])  # the code was not spent
        assert signed.exit_code == 0, signed.output
    saved = auth_file.read_bytes()
    with open(tmp_path / ".auth.json.lock", "a+") as renewal:
        fcntl.flock(renewal, fcntl.LOCK_EX)
        out = runner.invoke(grunt_archive, ["auth", "logout"])
        assert out.exit_code == 4 and "another process has held" in out.output
        assert auth_file.read_bytes() == saved
    assert runner.invoke(grunt_archive, ["auth", "logout"]).exit_code == 0
    assert not auth_file.exists()


def test_logout_makes_no_lock_beside_what_is_not_there(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "auth.json"
    monkeypatch.setenv("GRUNT_ARCHIVE_AUTH_FILE", str(missing))
    out = CliRunner().invoke(grunt_archive, ["auth", "logout"])
    assert out.exit_code == 0 and "Not signed in" in out.output
    assert not missing.parent.exists()


def test_login_prints_the_authorize_url_and_takes_the_pasted_redirect(tmp_path, monkeypatch):
    auth_file = tmp_path / "auth.json"
    monkeypatch.setenv("GRUNT_ARCHIVE_AUTH_FILE", str(auth_file))
    with running_simulator(SimulatorConfig(seed=25, players=1, matches=3)) as (url, sim):
        # What the browser would do at the printed page: the user consents, and
        # login.live.com redirects to the redirect URI with a code.
        redirect = f"{REDIRECT}/?code=" + signin_state(sim).new_code(CLIENT, REDIRECT)
        result = CliRunner().invoke(
            grunt_archive,
            ["auth", "login", "--client-id", CLIENT, "--api-base", url],
            input=redirect + "\n",
        )
        assert result.exit_code == 0, result.output
        assert f"{url}/oauth20_authorize.srf?client_id={CLIENT}&response_type=code" in result.output
        assert "Paste" not in result.output  # no terminal to prompt at (CliRunner's stdin)
        assert urlsplit(redirect).query not in result.output
        assert "Signed in as" in result.output and auth_file.exists()


def test_login_reads_a_piped_code_as_a_line_with_no_password_warning(tmp_path):
    auth_file = tmp_path / "auth.json"
    with simulator_process() as sim:
        args = ("auth", "login", "--client-id", CLIENT)
        env = signed_in_env(auth_file)
        piped = cli(*args, api_base=sim.url, token=None, env=env, stdin=new_code(sim) + "\n")
        assert piped.returncode == 0, piped.stderr
        assert "Signed in as" in piped.stdout and auth_file.exists()
        empty = cli(*args, api_base=sim.url, token=None, env=env, stdin="")
    for result in (piped, empty):
        assert "Warning" not in result.stdout + result.stderr, result.stderr
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    # One line: no prompt for nobody to read (stderr is no terminal here), then the error.
    assert empty.stderr.splitlines() == [
        "Error: no authorization code: stdin is not a terminal and held none; pass --code CODE"
    ]


def make_due(auth_file: Path) -> None:
    """Age the stored Spartan token past its lifetime, on our clock."""
    session = load_session(auth_file)
    session.spartan_issued -= session.lifetime + timedelta(seconds=1)
    save_session(auth_file, session)


def test_two_processes_renewing_the_same_sign_in_at_once(tmp_path):
    """Two syncs of different archives share one sign-in file, each due for renewal at start.

    A refresh token works once here (as when Microsoft rotates it strictly), so a
    process renewing with a refresh token the other already spent would stop with
    exit 4: both go on only if they take turns and start from the newest one.
    """
    auth_file = tmp_path / "config" / "auth.json"
    auth_file.parent.mkdir()  # a directory given is never made: only the default one is
    env = signed_in_env(auth_file)
    with simulator_process(
        "--seed", "26", "--players", "1", "--matches", "20", "--token-lifetime", "8"
    ) as sim:  # fmt: skip
        assert login(sim, auth_file).returncode == 0
        sim.post("/_simulator/signin/faults?single_use_refresh=1")
        first = json.loads(auth_file.read_text())["refresh_token"]
        make_due(auth_file)
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(
                lambda db: cli("sync", "--json", db=db, api_base=sim.url, token=None, env=env),
                [tmp_path / "one.db", tmp_path / "two.db"],
            ))  # fmt: skip
        for run in runs:
            assert run.returncode == 0, run.stderr
            assert json.loads(run.stdout)["matches_added"] == 20
        issued = signin_admin(sim.url)["issued"]
        saved = json.loads(auth_file.read_text())["refresh_token"]
        assert saved != first and saved == issued["refresh"][-1]  # the newest one was kept
        assert stat.S_IMODE(auth_file.stat().st_mode) == 0o600
        # Replaced atomically: no temporary file left beside it, only the lock.
        assert sorted(p.name for p in auth_file.parent.iterdir()) == [
            ".auth.json.lock",
            "auth.json",
        ]
        # And the saved refresh token still renews: a third run, due again, goes on.
        make_due(auth_file)
        third = cli("sync", db=tmp_path / "one.db", api_base=sim.url, token=None, env=env)
        assert third.returncode == 0, third.stderr
        tokens = every_issued_token(sim.url)
    assert_nothing_leaked(tokens, [*runs, third])


def test_a_moment_just_past_is_ago_and_one_to_come_is_in():
    now = datetime.now(UTC)
    assert _when(now - timedelta(milliseconds=300)).endswith("(0m 01s ago)")
    assert _when(now + timedelta(minutes=90, seconds=30)).endswith("(in 1h 30m)")


@pytest.mark.parametrize(
    "args",
    [["auth", "status"], ["auth", "logout"], ["auth", "login", "--client-id", "x", "--code", "c"]],
)
def test_a_directory_given_as_the_sign_in_file_is_exit_4_as_for_sync(tmp_path, args):
    # click's own check of --auth-file said exit 2 where the README says 4.
    directory = tmp_path / "auth.json"
    directory.mkdir()
    result = CliRunner().invoke(grunt_archive, [*args, "--auth-file", str(directory)])
    assert result.exit_code == 4, result.output
    assert "is a directory" in result.output and result.output.count("\n") == 1
    assert directory.is_dir() and list(directory.iterdir()) == []
