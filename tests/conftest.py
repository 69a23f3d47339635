"""Shared fixtures: archives in temporary files, and the real samples when ../shared exists."""

from __future__ import annotations

import _posixsubprocess
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from grunt_archive.db import open_archive
from tests.postgres import BACKENDS, Cluster, start_cluster, stop_cluster

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "halo-samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The suite writes and throws away some 1.5 GB of archives, and SQLite syncs each WAL to
# the disk at every checkpoint: in memory the whole suite took 478 s instead of 506. Only
# where there is plenty of room (a container's /dev/shm is often 64 MB).
MEMORY = Path("/dev/shm")
MEMORY_NEEDED = 6 * 2**30
_MEMORY_BASETEMP = pytest.StashKey[Path]()


def sample_paths(pattern: str) -> list[Path]:
    """Return the real sample files matching ``pattern`` (empty when ../shared is absent)."""
    return sorted(SAMPLES.glob(pattern)) if SAMPLES.is_dir() else []


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def memory_room(directory: Path = MEMORY) -> int:
    """Return the bytes free in ``directory``, 0 when it is missing or not a directory."""
    try:
        stats = os.statvfs(directory)
    except OSError:
        return 0
    return stats.f_bavail * stats.f_frsize if directory.is_dir() else 0


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path plugin reads --basetemp
def pytest_configure(config: pytest.Config) -> None:
    """Keep the temporary files in memory, unless ``--basetemp`` says where, or in a worker.

    pytest-xdist's workers take their own directories inside the controller's.
    """
    # A suite started as a background job (`pytest &`, nohup) inherits Ctrl-C ignored, as
    # would every command a test starts: the tests that stop one with SIGINT need it heard.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if config.option.basetemp or hasattr(config, "workerinput"):
        return
    if os.access(MEMORY, os.W_OK) and memory_room() >= MEMORY_NEEDED:
        config.option.basetemp = tempfile.mkdtemp(prefix="grunt-archive-tests-", dir=MEMORY)
        config.stash[_MEMORY_BASETEMP] = Path(config.option.basetemp)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Free the memory the run's files took, unless tests failed: those stay to be looked at."""
    basetemp = session.config.stash.get(_MEMORY_BASETEMP, None)
    if basetemp is None:
        return
    if exitstatus != pytest.ExitCode.TESTS_FAILED:
        shutil.rmtree(basetemp, ignore_errors=True)
    else:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"the failed run's temporary files are in {basetemp}")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "halo.db"


@pytest.fixture
def engine(db_path: Path):
    engine = open_archive(db_path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """Return the session's private PostgreSQL cluster (tests/postgres.py); tests using it are slow."""
    cluster = start_cluster()
    yield cluster
    stop_cluster(cluster)


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """Return the URL (with its password) of a new, empty database of the cluster."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop(url)


@pytest.fixture(params=BACKENDS)
def archive_location(request: pytest.FixtureRequest, db_path: Path) -> Path | str:
    """Return where a new archive goes: a SQLite path, then (a slow case) a PostgreSQL URL."""
    if request.param == "sqlite":
        return db_path
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=BACKENDS)
def fresh_archive(request: pytest.FixtureRequest, db_path: Path) -> Path | str:
    """Return where a new archive goes: a SQLite path, then a migrated PostgreSQL database.

    For tests of what is done with an archive, not of its migrations (`archive_location`).
    """
    return new_location(request, request.param, db_path)


def new_location(request: pytest.FixtureRequest, backend: str, path: Path) -> Path | str:
    """Return where a new archive of ``backend`` goes: ``path``, or a new migrated database.

    For fixtures of any scope parametrised with ``BACKENDS`` (``request.param``). A
    PostgreSQL archive is migrated already (`Cluster.new_archive`), a SQLite one not.
    """
    if backend == "sqlite":
        return path
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.new_archive()
    request.addfinalizer(lambda: cluster.drop(url))  # when the fixture asking is done with it
    return url


def copy_archive(
    db: Path | str, copy: Path, request: pytest.FixtureRequest | None = None
) -> Path | str:
    """Copy the archive ``db`` to ``copy`` and return the copy's location.

    A SQLite file is copied as a consistent snapshot (WAL included); a PostgreSQL
    archive into a new database of the cluster, file for file (`Cluster.copy_of`).
    """
    if isinstance(db, str):
        assert request is not None, "a PostgreSQL archive is copied into a new database"
        cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.copy_of(db)
        request.addfinalizer(lambda: cluster.drop(url))
        return url
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


# Every way Python starts a process goes through one of these: subprocess (and asyncio's, and
# what is built on them) through Popen._execute_child, multiprocessing through fork or
# fork_exec, os.system and os.spawn* through fork.
PROCESS_STARTERS: list[tuple[object, str]] = [
    (subprocess.Popen, "_execute_child"),
    (_posixsubprocess, "fork_exec"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "system"),
]


@contextmanager
def processes_need_slow(item: pytest.Item) -> Iterator[None]:
    """Fail ``item`` when it starts a process without carrying the ``slow`` mark.

    A process costs seconds and a second core, so the quick run (``-m "not slow"``) must
    not start any; this makes forgetting the mark a failure instead of a slow quick run.
    """
    if item.get_closest_marker("slow") is not None:
        yield
        return

    def refuse(name: str) -> Callable[..., object]:
        def refused(*args: object, **kwargs: object) -> object:
            started = next((a for a in args if isinstance(a, str | bytes | list | tuple)), "")
            pytest.fail(
                f"{item.nodeid} starts a process ({name} {started!r}) but is not marked"
                " @pytest.mark.slow",
                pytrace=False,
            )

        return refused

    with pytest.MonkeyPatch.context() as patch:
        for owner, name in PROCESS_STARTERS:
            if hasattr(owner, name):
                patch.setattr(owner, name, refuse(name))
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with processes_need_slow(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with processes_need_slow(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    with processes_need_slow(item):
        return (yield)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order whole files: those that start processes first, then by how many tests they hold.

    pytest-xdist hands out files in this order (``--no-loadscope-reorder`` in
    pyproject.toml). By test count alone, files of one long test (the bench, the demo)
    came last, and a worker ran one alone while the other sat idle; the files that start
    processes hold the long tests, and the many quick files after them even the workers out.
    """
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> tuple[bool, int]:
        return (not any(t.get_closest_marker("slow") for t in tests), -len(tests))

    items[:] = [item for tests in sorted(files.values(), key=weight) for item in tests]
