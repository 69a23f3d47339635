"""SQLite's long calls made stoppable by Ctrl-C and SIGTERM.

While SQLite runs one statement in C (a ``VACUUM INTO``, a query grouping
millions of rows), Python runs no signal handler, so a Ctrl-C would wait for
the statement's end, however long. A progress handler, which SQLite calls
every so many of its steps, gives Python that chance: the signal's exception
is raised in it, and the handler turns it into SQLite's own interruption.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# SQLite steps between two calls of the progress handler: a few a second at most.
STEPS = 200_000


class Steps:
    """SQLite's progress handler: reports, and stops SQLite when Python raises (a Ctrl-C).

    A signal's exception is raised where Python next runs: in this handler, or as
    it is called, where sqlite3 drops it and stops. Either way SQLite answers
    "interrupted", which `reraise` turns back into what was raised.
    """

    def __init__(self, report: Callable[[], None] | None = None) -> None:
        self.report = report
        self.raised: list[BaseException] = []

    def __call__(self) -> int:
        """Report; answer 1 (stop) when Python raised meanwhile, else 0 (go on)."""
        try:
            if self.report is not None:
                self.report()
        except BaseException as error:
            self.raised.append(error)
            return 1
        return 0

    def reraise(self, error: sqlite3.Error) -> None:
        """Raise what stopped SQLite, if this handler did; else return."""
        if self.raised:
            raise self.raised[0] from None
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT:
            raise KeyboardInterrupt from None


def stoppable(connection: sqlite3.Connection, report: Callable[[], None] | None = None) -> Steps:
    """Install a `Steps` handler on ``connection``; return it, for `Steps.reraise`."""
    steps = Steps(report)
    connection.set_progress_handler(steps, STEPS)
    return steps
