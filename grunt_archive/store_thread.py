"""The sync's heaviest store calls, run on one thread of their own.

Normalizing a match and writing its seventy-odd tables takes milliseconds, and
run on the event loop they would delay every answer in flight: `StoreThread`
runs such a call on a single worker thread while the loop goes on. The call is
still one unit of work of the store (committed whole or not at all, and
serialised with every other unit by `Store`'s lock), and calls run in the order
they were handed over. Closing waits for the call in progress, so a run never
ends with a unit half-done behind it.

Into PostgreSQL most of those milliseconds wait on the server. Into SQLite they
are this process's own CPU, and the two threads take turns for the GIL: about a
tenth more CPU a match than writing on the loop, for a backfill about a tenth
sooner, as `sqlite3` lets the loop run while it steps and commits (measured side
by side in docs/benchmarks.md). Callers with no loop to keep free (a `verify`, a test's
direct call) run their store calls inline (`inline=True`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

SWITCH_INTERVAL = 0.0005


class StoreThread:
    """One thread for store calls; ``inline=True`` runs them on the caller's thread instead."""

    def __init__(self, *, inline: bool = False) -> None:
        self._executor = None if inline else ThreadPoolExecutor(1, "grunt-archive-store")
        if not inline:
            # A response waits for the GIL while the thread normalizes: by default up to
            # 5 ms at every wake-up of the loop, which a request has several of.
            sys.setswitchinterval(SWITCH_INTERVAL)

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Return ``call(*args, **kwargs)``, run on the store thread.

        A caller cancelled while it waits leaves the call to finish (or roll
        back) on its own: a unit of work is never cut short from outside.
        """
        if self._executor is None:
            return call(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(call, *args, **kwargs))

    def close(self) -> None:
        """Wait for the call in progress and any still queued, then stop the thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
