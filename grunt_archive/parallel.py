"""Work on chunks in worker processes, results in order: ``reparse`` parses while it writes.

``reparse`` spends about half its time inflating, parsing and normalizing
raw documents, work that needs no database. `in_order` hands that work to a
worker process while the caller writes what came back, so on two cores a
rebuild takes about the time of its writing alone. Pure: no SQL, no HTTP.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
# Chunks handed out ahead of the one the caller waits for: workers never wait, memory stays flat.
AHEAD = 3
# How often a worker looks whether its caller is still there (see `_start_worker`).
ORPHAN_CHECK_SECONDS = 0.5


def workers() -> int:
    """Return how many worker processes to use: the cores left beside the caller, at most 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(0, min(2, cores - 1))


def in_order(
    work: Callable[[list[Item]], Result],
    items: Iterable[Item],
    chunk: int,
    processes: int,
) -> Iterator[Result]:
    """Yield ``work(chunk)`` for consecutive chunks of ``items``, in their order.

    With ``processes`` 0, or where worker processes cannot start (a sandbox
    without semaphores), the work runs here, chunk by chunk. ``work`` must be
    a module-level function (it is sent to the workers by name).
    """
    chunks = iter(lambda: list(islice(iterator, chunk)), [])
    iterator = iter(items)
    if processes > 0:
        try:
            pool = ProcessPoolExecutor(
                processes, initializer=_start_worker, initargs=(os.getpid(),)
            )
        except (OSError, NotImplementedError):
            pool = None
        if pool is not None:
            yield from _pooled(pool, work, chunks)
            return
    for part in chunks:
        yield work(part)


def _pooled(
    pool: ProcessPoolExecutor, work: Callable[[list[Item]], Result], chunks: Iterator[list[Item]]
) -> Iterator[Result]:
    pending: deque[Future[Result]] = deque()
    try:
        for part in chunks:
            pending.append(pool.submit(work, part))
            if len(pending) > AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(caller: int) -> None:
    # Ctrl-C reaches the whole process group, as SIGTERM does from `timeout` or systemd
    # (the unit's every process): the caller stops the work and says so once. A forked
    # worker would otherwise inherit the caller's SIGTERM handler (`terminate`), too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A forked worker holds what the caller held open: the archive's lock file and its
    # database connection. Outliving a caller killed outright (SIGKILL, the OOM killer), it
    # would keep every later command out of the archive. It ends once it is an orphan.
    threading.Thread(target=_end_with, args=(caller,), daemon=True).start()


def _end_with(caller: int) -> None:
    while os.getppid() == caller:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)
