"""Progress display on a terminal (sync, reparse, copy): one line on stderr, redrawn in place."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class Notes(Protocol):
    """A display a run can say a line on: every progress display (sync, reparse, copy) is one.

    A run with no display (``--quiet``, ``--json``) has none to say it on: it says nothing.
    """

    def note(self, text: str) -> None:
        """Say ``text`` on a line of its own (what the run does now, a long upgrade's notice)."""


class Progress(Notes, Protocol):
    """What the sync tells a progress display."""

    def start(self, player_id: str, total: int | None) -> None:
        """Begin a player's walk, expecting ``total`` matches when known."""

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more handled matches."""

    def finish(self) -> None:
        """End the player's walk."""

    def note(self, text: str) -> None:
        """Say what the run does once no walk is moving (lookups, snapshots, an upgrade)."""

    def name(self, player: str) -> None:
        """Show the player of the walk in progress as ``player`` from now on."""


class NoProgress(Progress):
    """The display of a run that shows nothing (``--quiet``, ``--json``, a library caller).

    It inherits the protocol's methods, each of which does nothing.
    """


class TerminalProgress:
    """A progress bar that draws only when ``stream`` is a terminal.

    It shows the player (by gamertag when the archive knows it), the matches
    handled out of the expected total, the rate, and the time left; between
    and after the walks, `note` says what the run is doing (lookups,
    snapshots) instead of leaving a finished bar on screen.
    """

    def __init__(
        self, stream: TextIO | None = None, width: int = 30, unit: str = "matches"
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.width = width
        self.unit = unit  # what is counted: a sync's and a rebuild's matches, a copy's rows
        self.player = ""
        self.total: int | None = None
        self.done = 0
        self._began = time.monotonic()
        self._drawn = 0.0

    def start(self, player: str, total: int | None) -> None:
        """Begin a bar for one player (``player`` is how to name them)."""
        self.player, self.total, self.done = player, total, 0
        self._began = time.monotonic()
        self._draw(force=True)

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more matches."""
        self.done += count
        self._draw()

    def finish(self) -> None:
        """End the player's bar on its own line."""
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def name(self, player: str) -> None:
        """Name the bar's player anew (their gamertag has just been stored)."""
        self.player = player
        self._draw(force=True)

    def note(self, text: str) -> None:
        """Say on a line of its own what the run does now that no bar is moving."""
        if self.enabled:
            self.stream.write(text + "\n")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """Return the bar's text: player, count, rate and time left when known."""
        elapsed = (time.monotonic() if now is None else now) - self._began
        rate = self.done / elapsed if elapsed > 0 and self.done else 0.0
        speed = f", {rate:.1f}/s" if rate else ""
        if self.total:
            filled = min(self.width, self.width * self.done // max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            left = max(self.total - self.done, 0)
            eta = f", {_duration(left / rate)} left" if rate and left else ""
            return f"{self.player} [{bar}] {self.done}/{self.total} {self.unit}{speed}{eta}"
        return f"{self.player} {self.done} {self.unit}{speed}"

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        # Pad over what a longer line drew before.
        self.stream.write("\r" + self.line(now).ljust(79))
        self.stream.flush()


def _duration(seconds: float) -> str:
    """Return ``1h02m``, ``3m05s`` or ``42s``."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
