"""SIGTERM stops a command as Ctrl-C does; the exit status says which of the two it was.

``systemctl stop``, ``timeout`` and container runtimes send SIGTERM, and Python's
default for it is to die on the spot: no ``finally`` runs, a sync's ``sync_runs``
row stays ``running``, nothing is printed. While a command runs
(`stop_on_terminate`), SIGTERM is handed to whatever handles SIGINT at that
moment, so both take the one path Ctrl-C already takes: inside ``asyncio.run``
its handler cancels the main task (a sync stops its fetches and closes its run
as ``interrupted``, `grunt_archive.sync.sync`), elsewhere Python's raises
KeyboardInterrupt, which unwinds every open unit of work (each rolls back
whole). `Stop` remembers the signal, for the CLI's one line and its exit status,
128 plus the signal's number as shells report it: 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType


@dataclass(slots=True)
class Stop:
    """Which signal stopped the command: SIGINT unless a SIGTERM arrived."""

    signal: int = signal.SIGINT

    @property
    def exit_code(self) -> int:
        """Return the exit status of a command this signal stopped (128 + its number)."""
        return 128 + self.signal

    @property
    def word(self) -> str:
        """Return how the CLI's one line begins: ``Terminated`` or ``Interrupted``."""
        return "Terminated" if self.signal == signal.SIGTERM else "Interrupted"


@contextmanager
def stop_on_terminate() -> Iterator[Stop]:
    """Treat SIGTERM as Ctrl-C until the block ends; yield what says which one came.

    Off the main thread (a test runner's) nothing is installed: Python lets only
    the main thread set signal handlers.
    """
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        stop.signal = signal.SIGTERM
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:  # SIGINT ignored and cannot be held (no pthread_sigmask): stop all the same
            raise KeyboardInterrupt

    held = signal.getsignal(signal.SIGINT) == signal.SIG_IGN and hasattr(signal, "pthread_sigmask")
    if held:
        # A background job of a script ignores Ctrl-C (its shell set SIGINT so), and
        # asyncio lays its clean stop on a SIGINT handler only: SIGINT gets Python's
        # handler for SIGTERM to call, and Ctrl-C itself stays ignored, blocked (the
        # threads the command starts inherit the block) and dropped at the end.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.default_int_handler)
    previous = signal.signal(signal.SIGTERM, on_terminate)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)
        if held:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
