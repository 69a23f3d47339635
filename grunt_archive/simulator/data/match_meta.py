"""What the world remembers of a match (`MatchMeta`), and the limits every match is played to.

Apart from `world`, so that the modules that turn a drawn match into another kind
(`ffa`) read it without importing the world that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import TICKS_PER_SECOND

CUSTOM, MATCHMADE, LOCAL = 1, 3, 7
PAD_MS = 40_000  # join delay before play and slack after it; see documents.match_info


@dataclass(frozen=True, slots=True)
class MatchMeta:
    """What the world remembers of one match; `documents` builds the rest from it.

    Attributes:
        match_id: The lowercase GUID.
        seed: Seed of everything inside the match's documents.
        start_ms: StartTime, in epoch milliseconds.
        duration_ticks: Duration in 100 ns ticks.
        mode: Index into `catalog.MODES`.
        lifecycle: LifecycleMode: 1 custom, 3 matchmade, 7 local.
        legacy: Whether the documents are in the 2022 format.
        tracked: Indices of the tracked players who played; the first is the
            one the match was made for.
        bots: Whether bots play (customs against bots, or Bot Bootcamp).
        quit: Whether the first tracked player left before the end.
        switch: Whether a player (never a tracked one) changes teams during the match.
        playlist: Key of `catalog.PLAYLIST_SPECS` (None: not matchmade).
        sides: The team of each of `tracked` (all 0 in Infection and Firefight).
        winner: The winning team, -1 for a tie (Firefight: 0 the players won, 1 they
            lost; Infection: 0 the survivors won, 1 the infected; free-for-all: 0 the
            tracked player placed first, 1 they did not).
        place: Free-for-all only: the tracked player's place, 1 to `field` (else 0).
        field: Free-for-all only: how many play, bots too (8 in matchmaking; else 0).

    """

    match_id: str
    seed: int
    start_ms: int
    duration_ticks: int
    mode: int
    lifecycle: int
    legacy: bool
    tracked: tuple[int, ...]
    bots: bool = False
    quit: bool = False
    switch: bool = False
    playlist: str | None = None
    sides: tuple[int, ...] = ()
    winner: int = 0
    place: int = 0
    field: int = 0

    @property
    def duration_ms(self) -> int:
        """Duration in whole milliseconds."""
        return self.duration_ticks // 10_000

    @property
    def span_ms(self) -> int:
        """Milliseconds from StartTime past EndTime (see `PAD_MS`)."""
        return self.duration_ms + PAD_MS


def time_limit_ticks(mode: int, playlist: str | None) -> int:
    """Return a match's time limit: the top of its mode's lengths, stretched by its playlist."""
    length = catalog.PLAYLIST_SPECS[playlist].length if playlist else 1.0
    return int(catalog.MODES[mode].minutes[1] * length * 60 * TICKS_PER_SECOND)
