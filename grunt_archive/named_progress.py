"""A sync's progress display, told each player by name (``Gamertag (xuid(…))``) once known."""

from __future__ import annotations

from grunt_archive.progress import Progress
from grunt_archive.store import Store
from grunt_archive.store.state import player_label


class NamedProgress:
    """Hands a display players by name (``Gamertag (xuid(…))``), not by bare id.

    A first sync by xuid starts with no gamertag in the archive: the display is
    told the name as soon as the gamertag lookups, which run beside the walk,
    have stored it.
    """

    def __init__(self, progress: Progress, store: Store) -> None:
        self.progress = progress
        self.store = store
        self.unnamed: str | None = None

    def start(self, player_id: str, total: int | None) -> None:
        """Begin a player's bar under their gamertag, or their id until it is stored."""
        label = player_label(self.store, player_id)
        self.unnamed = player_id if label == player_id else None
        self.progress.start(label, total)

    def advance(self, count: int = 1) -> None:
        """Count matches; name the player anew once their gamertag has been stored."""
        self.progress.advance(count)
        if self.unnamed is not None:
            label = player_label(self.store, self.unnamed)
            if label != self.unnamed:
                self.unnamed = None
                self.progress.name(label)

    def finish(self) -> None:
        """End the player's bar."""
        self.progress.finish()

    def note(self, text: str) -> None:
        """Pass a note on."""
        self.progress.note(text)

    def name(self, player: str) -> None:
        """Pass a name on."""
        self.progress.name(player)
