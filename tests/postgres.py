"""A private PostgreSQL cluster for the tests, started by .ci/pg-cluster (as CI starts one).

The cluster lives in a temporary directory, listens on a free 127.0.0.1 port (its unix
socket in that directory) and runs as a non-root user when the tests run as root. Its URL
carries a password, so every test against it also shows that the password is never
printed. Without PostgreSQL's binaries the tests that need it skip, except under
``CI=true``, where they fail: CI installs PostgreSQL (.ci/run).

Starting the cluster starts processes, so the tests that use it are marked ``slow``
(``BACKENDS`` marks its PostgreSQL case); it is stopped by a signal, which starts none.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_CLUSTER = ROOT / ".ci" / "pg-cluster"
NO_BINARIES = 3  # .ci/pg-cluster's exit status when PostgreSQL is not installed

# The archive backends a test may run on: a SQLite file, or a database of the cluster.
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.slow),
]


@dataclass
class Cluster:
    """A running cluster: its directory and the URL of its ``grunt`` database."""

    directory: Path
    url: str
    _names: itertools.count = field(default_factory=itertools.count)
    _template: str | None = None

    @property
    def password(self) -> str:
        """Return the password in the cluster's URL (what must never be printed)."""
        from sqlalchemy.engine import make_url

        password = make_url(self.url).password
        assert password
        return password

    def new_database(self) -> str:
        """Create an empty database in the cluster and return its URL (password included)."""
        return self._create("")

    def new_archive(self) -> str:
        """Create a database migrated to head and return its URL (password included).

        A copy of a template migrated once a session: migrating takes seconds, a
        copy a tenth of one (the migrations themselves are test_migrations.py's).
        """
        if self._template is None:
            from sqlalchemy.engine import make_url

            from grunt_archive.db import open_archive

            url = self.new_database()
            open_archive(url).dispose()
            self._template = make_url(url).database
        return self._create(f" TEMPLATE {self._template}")

    def copy_of(self, url: str) -> str:
        """Create a database holding exactly what the one at ``url`` holds; return its URL.

        PostgreSQL copies the files (``CREATE DATABASE … TEMPLATE``): a tenth of a second,
        where copying a synced archive row by row (`store.copy`) took two or three. Nothing
        may be connected to ``url`` meanwhile (PostgreSQL waits 5 s for the last to go).
        """
        from sqlalchemy.engine import make_url

        return self._create(f" TEMPLATE {make_url(url).database}")

    def drop(self, url: str) -> None:
        """Drop the database at ``url``, once the test or module that made it is done with it.

        Each database holds hundreds of files (a copy of its template's); left to the end of
        the session, removing the cluster's directory after the last test took seconds.
        ``FORCE`` ends any connection a test left open.
        """
        import psycopg
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]

    def _create(self, options: str) -> str:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"archive_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}{options}")  # type: ignore[arg-type]
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)


def start_cluster() -> Cluster:
    """Start a cluster in a new temporary directory; skip (fail under CI) without PostgreSQL."""
    # In /tmp rather than pytest's tmp_path: the cluster's user must reach the directory,
    # and pytest makes its own directories private to the user running the tests.
    directory = Path(tempfile.mkdtemp(prefix="grunt-archive-pg-"))
    result = subprocess.run(
        [str(PG_CLUSTER), "start", str(directory)], capture_output=True, text=True, timeout=180
    )
    if result.returncode == 0:
        return Cluster(directory, result.stdout.strip().splitlines()[-1])
    shutil.rmtree(directory, ignore_errors=True)
    reason = result.stderr.strip()[-2000:]
    if result.returncode == NO_BINARIES:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL is not installed ({reason})")
    pytest.fail(f"PostgreSQL did not start: {reason}", pytrace=False)


def stop_cluster(cluster: Cluster, timeout: float = 60.0) -> None:
    """Stop the cluster as ``pg_ctl stop -m fast`` does (SIGINT), then remove its directory.

    A signal, not ``pg_ctl``: the last test of the session, which tears the cluster down,
    need not be one that may start processes.
    """
    pid_file = cluster.directory / "data" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except FileNotFoundError:
        pid = None
    if pid is not None:
        os.kill(pid, signal.SIGINT)
        # The postmaster removes its pid file as the last step of a clean shutdown.
        deadline = time.monotonic() + timeout
        while pid_file.exists():
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGQUIT)
                raise AssertionError(f"PostgreSQL (pid {pid}) did not stop in {timeout} s")
            time.sleep(0.05)
    shutil.rmtree(cluster.directory, ignore_errors=True)
