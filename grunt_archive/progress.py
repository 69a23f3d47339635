"""Progress display for a sync on a terminal: one line on stderr, redrawn in place."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TerminalProgress:
    """A progress bar that draws only when ``stream`` is a terminal."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.width = width
        self.player = ""
        self.total: int | None = None
        self.done = 0
        self._drawn = 0.0

    def start(self, player_id: str, total: int | None) -> None:
        """Begin a bar for one player."""
        self.player, self.total, self.done = player_id, total, 0
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

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        if self.total:
            filled = min(self.width, self.width * self.done // max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            text = f"{self.player} [{bar}] {self.done}/{self.total} matches"
        else:
            text = f"{self.player} {self.done} matches"
        self.stream.write("\r" + text)
        self.stream.flush()
