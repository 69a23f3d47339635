"""The click parameter types of the commands' options: what a value must be, refused as usage.

Each refuses what click's own types let through and the commands must not get:
an empty archive location, an empty host, a number that is not finite. A refusal
is click's usage error (exit 2), one line, never echoing a value it may not show.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click


class ArchiveLocation(click.ParamType):
    """``--db``: a SQLite path (a ``Path``) or a ``postgresql://`` URL (kept as text)."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return a URL as its text, anything else as a ``Path``; never echoes the value.

        Only an empty value fails: ``Path("")`` is the current directory.
        """
        if isinstance(value, Path):
            return value
        if not str(value).strip():
            self.fail("it is empty: give a SQLite file or a postgresql:// URL.", param, ctx)
        from grunt_archive.location import as_location

        return as_location(str(value))


class Interface(click.ParamType):
    """``--host``: the interface to listen on; an empty one is refused.

    An empty host makes the server listen on every interface: ``--host "$HOST"`` with
    the variable unset would put the archive on the network without a word.
    """

    name = "HOST"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the host as given, unless it is empty or blank."""
        if not str(value).strip():
            self.fail("it is empty: give an address such as 127.0.0.1 (0.0.0.0 for every one).",
                      param, ctx)  # fmt: skip
        return str(value)


class FiniteRange(click.FloatRange):
    """A ``FloatRange`` that refuses ``nan`` and ``inf``.

    Python's ``float`` reads both, and ``nan`` passes every range check: ``--rps nan``
    silently switched the rate limit off and ``--timeout nan`` made a request wait forever.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the number, or fail with click's usage error (exit 2) when it is not finite."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number
