"""Parsing in a worker process while ``reparse`` writes: the same rows, in the same order.

Worker processes are processes: those tests are marked ``slow`` (tests/conftest.py).
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from grunt_archive import parallel
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import rebuild
from tests.conftest import copy_archive
from tests.helpers import clockless_dump, sync


def pids_and_items(chunk: list[int]) -> tuple[int, list[int]]:
    return os.getpid(), chunk


@pytest.mark.parametrize(
    "processes",
    [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)],
)
def test_chunks_come_back_whole_and_in_order(processes):
    results = list(parallel.in_order(pids_and_items, range(23), 5, processes))
    assert [items for _, items in results] == [
        list(range(i, min(i + 5, 23))) for i in (0, 5, 10, 15, 20)
    ]
    workers = {pid for pid, _ in results}
    # With processes, the work ran elsewhere: nothing in this process.
    assert (os.getpid() in workers) == (processes == 0)


@pytest.mark.slow
def test_a_failing_chunk_raises_in_the_caller():
    with pytest.raises(ZeroDivisionError):
        list(parallel.in_order(divide_by_zero, range(10), 3, 1))


def divide_by_zero(chunk: list[int]) -> int:
    return 1 // 0


@pytest.mark.slow
def test_reparse_in_a_worker_writes_what_reparse_alone_writes(tmp_path, monkeypatch):
    sim = Simulator(SimulatorConfig(seed=23, players=2, matches=30))
    db = tmp_path / "halo.db"
    sync(db, sim, *sim.player_ids, clearance="given")
    # One stored match no longer parses: both ways must report it and leave it out.
    with sqlite3.connect(db) as connection:
        (key,) = connection.execute(
            "SELECT key FROM raw_responses WHERE kind = 'match_stats' ORDER BY id LIMIT 1 OFFSET 9"
        ).fetchone()
        connection.execute(
            "UPDATE raw_responses SET body = 'not json', encoding = 'identity' WHERE key = ?",
            (key,),
        )
    connection.close()
    alone, pooled = (
        copy_archive(db, tmp_path / "alone.db"),
        copy_archive(db, tmp_path / "pooled.db"),
    )
    monkeypatch.setattr(rebuild, "BATCH", 7)
    monkeypatch.setattr(rebuild, "PARALLEL_FROM", 10**6)
    _, broken_alone, _ = run_reparse(alone)
    assert key in broken_alone
    monkeypatch.setattr(rebuild, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    rebuilt, broken, _ = run_reparse(pooled)
    assert broken == broken_alone and rebuilt > 0
    assert clockless_dump(pooled) == clockless_dump(alone)


_BLOCKED = """
import os, sys, time
from grunt_archive import parallel

def block(chunk):
    print(os.getpid(), flush=True)
    time.sleep(3600)

for _ in parallel.in_order(block, range(4), 1, 2):
    pass
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_end_when_their_caller_is_killed_outright():
    # An orphan worker of a killed reparse held the archive's lock (every later command
    # exit 5) and, on PostgreSQL, its caller's connection mid-transaction, for good.
    import subprocess
    import sys
    import time

    caller = subprocess.Popen([sys.executable, "-c", _BLOCKED], stdout=subprocess.PIPE, text=True)
    assert caller.stdout is not None
    workers = [int(caller.stdout.readline()) for _ in range(2)]
    assert all(_alive(pid) for pid in workers)
    caller.kill()
    caller.wait()
    deadline = time.monotonic() + 30  # the workers look every 0.5 s
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
