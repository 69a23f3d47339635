"""Helpers for end-to-end tests: a started simulator process and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOKEN = "v4=e2e-secret-spartan-token"
NO_SIGN_IN = Path(tempfile.gettempdir()) / "grunt-archive-tests-never-signed-in" / "auth.json"


@dataclass
class SimulatorProcess:
    """A `grunt-archive simulate` process and its base URL."""

    process: subprocess.Popen
    url: str

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_simulator/state", timeout=10) as response:
            return json.load(response)

    def post(self, path: str) -> object:
        request = urllib.request.Request(f"{self.url}{path}", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def counts(self) -> dict[str, int]:
        return self.state()["counts"]

    def players(self) -> list[dict]:
        return self.state()["players"]


@contextmanager
def simulator_process(*options: str) -> Iterator[SimulatorProcess]:
    """Start `grunt-archive simulate --port 0 OPTIONS…` and stop it afterwards."""
    # stderr goes to a file: a pipe nobody reads fills up and blocks the server.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "grunt_archive", "simulate", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            line = process.stdout.readline()  # blocks until the server is listening, or exits
            if "listening on " not in line:
                process.wait(timeout=10)
                errors.seek(0)
                raise RuntimeError(f"simulator did not start: {line!r} {errors.read()}")
            yield SimulatorProcess(process, line.rsplit(" ", 1)[-1].strip())
        finally:
            process.terminate()
            process.wait(timeout=10)


def cli(
    *args: str,
    db: Path | str | None = None,
    api_base: str | None = None,
    token: str | None = TOKEN,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    launcher: tuple[str, ...] = (),
    stdin: str | None = None,
) -> subprocess.CompletedProcess:
    """Run `python -m grunt_archive ARGS…` (behind ``launcher``, if any) and return it finished.

    ``stdin`` is piped in, in a session of its own: no terminal, as under cron or a script.
    """
    args, environment = _command(args, db, api_base, token, env)
    return subprocess.run(
        [*launcher, sys.executable, "-m", "grunt_archive", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        **(
            {"stdin": subprocess.DEVNULL}
            if stdin is None
            else {"input": stdin, "start_new_session": True}
        ),
    )


def cli_process(
    *args: str,
    db: Path | str | None = None,
    api_base: str | None = None,
    token: str | None = TOKEN,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = (),
) -> subprocess.Popen:
    """Start `python -m grunt_archive ARGS…` (as `cli` runs it) and return the running process."""
    args, environment = _command(args, db, api_base, token, env)
    return subprocess.Popen(
        [*launcher, sys.executable, "-m", "grunt_archive", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
    )


def _command(
    args: tuple[str, ...],
    db: Path | str | None,
    api_base: str | None,
    token: str | None,
    env: dict[str, str] | None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRUNT_ARCHIVE_")}
    environment["GRUNT_ARCHIVE_RETRY_SCALE"] = "0.001"
    # Never the developer's own sign-in: a test that signs in passes its own file in `env`.
    environment["GRUNT_ARCHIVE_AUTH_FILE"] = str(NO_SIGN_IN)
    if db is not None:
        environment["GRUNT_ARCHIVE_DB"] = str(db)
    if api_base is not None:
        environment["GRUNT_ARCHIVE_API_BASE"] = api_base
    if token is not None:
        environment["GRUNT_ARCHIVE_SPARTAN_TOKEN"] = token
    environment.update(env or {})
    if args and args[0] == "sync":
        # The defaults are polite to the real service; the local simulator needs no politeness.
        for flag, value in (("--rps", "1000"), ("--concurrency", "8")):
            if flag not in args:
                args = (*args, flag, value)
    return args, environment
