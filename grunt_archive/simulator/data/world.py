"""The seeded world: tracked players, the people they meet, and every match they played.

A match is kept as a small `MatchMeta` (id, seed, time, mode, who took part);
its documents are built from it on request by `documents`, so a world of tens
of thousands of matches starts in a fraction of a second and stays small.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import TICKS_PER_SECOND, epoch_ms

CUSTOM, MATCHMADE, LOCAL = 1, 3, 7
LEGACY_SHARE = 0.15  # the oldest part of every history is in the 2022 format
STRANGERS = 600
# The latest a match of either era may start, and the earliest.
MODERN_NEWEST, MODERN_OLDEST = epoch_ms("2025-01-29T04:40:00"), epoch_ms("2023-01-10")
LEGACY_NEWEST, LEGACY_OLDEST = epoch_ms("2022-11-07T03:00:00"), epoch_ms("2022-05-04")
PAD_MS = 40_000  # join delay before play and slack after it; see documents.match_info
_HOURS_PER_MATCH = 4 * 3_600_000  # how much calendar a history of n matches spans


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
        switch: Whether a player changes teams during the match.

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

    @property
    def duration_ms(self) -> int:
        """Duration in whole milliseconds."""
        return self.duration_ticks // 10_000

    @property
    def span_ms(self) -> int:
        """Milliseconds from StartTime past EndTime (see `PAD_MS`)."""
        return self.duration_ms + PAD_MS


def _xuid(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789") for _ in range(16 - len(prefix)))


def _gamertag(rng: random.Random) -> str:
    word, tail = rng.choice(catalog.GAMERTAG_WORDS), rng.choice(catalog.GAMERTAG_TAILS)
    style = rng.randrange(3)
    if style == 0:
        return f"{word} {tail}{rng.randrange(10, 100)}"
    if style == 1:
        return f"{word}{tail} {rng.randrange(1, 1000)}"
    return f"x{word}{tail}x{rng.randrange(1, 10)}"


MODERN_MODES = tuple(range(len(catalog.MODES)))
LEGACY_MODES = tuple(i for i, mode in enumerate(catalog.MODES) if mode.legacy)
_MODE = {mode.key: i for i, mode in enumerate(catalog.MODES)}
# Features every era shows at least once when it has room: (mode, lifecycle, bots, quit, switch).
_MODERN_FEATURES = (
    *((i, MATCHMADE, False, False, False) for i in MODERN_MODES),
    (_MODE["oddball"], CUSTOM, True, False, False),
    (_MODE["slayer"], MATCHMADE, True, False, False),
    (_MODE["slayer"], MATCHMADE, False, True, False),
    (_MODE["stockpile"], MATCHMADE, False, False, True),
    (_MODE["slayer"], LOCAL, False, False, False),
    (_MODE["elimination"], CUSTOM, False, False, False),
)
_LEGACY_FEATURES = (
    *((i, MATCHMADE, False, False, False) for i in LEGACY_MODES),
    (_MODE["slayer"], CUSTOM, False, False, False),
    (_MODE["ctf"], MATCHMADE, False, True, False),
)


def random_kind(rng: random.Random, legacy: bool) -> tuple[int, int, bool, bool, bool]:
    """Draw what a new match is: (mode, lifecycle, bots, quit, switch)."""
    roll = rng.random()
    lifecycle = MATCHMADE if roll < 0.84 else CUSTOM if roll < 0.98 else LOCAL
    choices = LEGACY_MODES if legacy else MODERN_MODES
    if lifecycle != MATCHMADE:  # Firefight is a matchmaking playlist only
        choices = tuple(i for i in choices if not catalog.MODES[i].pve)
    mode = rng.choices(choices, weights=[catalog.MODES[i].weight for i in choices])[0]
    spec = catalog.MODES[mode]
    team_pvp = spec.teams_enabled and not spec.pve
    if lifecycle == MATCHMADE:
        bots = spec.key == "slayer" and rng.random() < 0.04  # Bot Bootcamp
    else:
        bots = team_pvp and rng.random() < 0.35
    quit_ = rng.random() < 0.03
    switch = team_pvp and not bots and rng.random() < 0.02
    return mode, lifecycle, bots, quit_, switch


def _duration_ticks(rng: random.Random, mode: int) -> int:
    low, high = catalog.MODES[mode].minutes
    ticks = int(rng.uniform(low, high) * 60 * TICKS_PER_SECOND)
    if rng.random() < 0.2:  # some durations carry fewer than 7 fractional digits
        ticks -= ticks % 100
    return ticks


def _draft_era(rng: random.Random, players: int, per_player: int, legacy: bool) -> list[list]:
    """Decide who played each match of an era, newest first, and what it was.

    Every player gets exactly `per_player` matches; most matches are shared by
    several tracked players, as friends in a party or opponents.
    """
    remaining = [per_player] * players
    drafts: list[list] = []
    while any(remaining):
        first = rng.choices(range(players), weights=remaining)[0]
        others = [p for p in range(players) if p != first and remaining[p] and rng.random() < 0.45]
        tracked = (first, *others)
        for p in tracked:
            remaining[p] -= 1
        drafts.append([tracked, *random_kind(rng, legacy)])
    features = _LEGACY_FEATURES if legacy else _MODERN_FEATURES
    spots = rng.sample(range(len(drafts)), k=min(len(features), len(drafts)))
    for spot, feature in zip(spots, features, strict=False):
        drafts[spot][1:] = feature
    return drafts


def _timeline(
    rng: random.Random, drafts: list[list], era: tuple[int, int, bool], seeds: Iterable[int]
) -> list[MatchMeta]:
    """Give drafted matches ids and strictly decreasing start times within an era."""
    newest, oldest, legacy = era
    durations = [_duration_ticks(rng, draft[1]) for draft in drafts]
    # Sessions of a few matches, separated by gaps that fill the era's calendar.
    slots = [d // 10_000 + PAD_MS + rng.randrange(30_000, 150_000) for d in durations]
    breaks = [rng.random() < 1 / 6 for _ in drafts]
    span = max(min(newest - oldest, len(drafts) * _HOURS_PER_MATCH), 86_400_000)
    weights = [rng.expovariate(1) if brk else 0.0 for brk in breaks]
    free = max(span - sum(slots), 0)
    total_weight = sum(weights) or 1.0
    metas, cursor = [], newest
    for draft, ticks, slot, weight, seed in zip(
        drafts, durations, slots, weights, seeds, strict=False
    ):
        start = cursor - slot
        start -= start % 1000 == 0  # every timestamp carries a fraction
        tracked, mode, lifecycle, bots, quit_, switch = draft
        match_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        metas.append(
            MatchMeta(
                match_id,
                seed,
                start,
                ticks,
                mode,
                lifecycle,
                legacy,
                tracked,
                bots,
                quit_,
                switch,
            )
        )
        cursor = start - int(free * weight / total_weight)
    return metas


class World:
    """Tracked players, the strangers they meet, and every match, newest first.

    Not thread-safe by itself: `core.Simulator` serialises access.
    """

    def __init__(self, seed: int, players: int, matches: int) -> None:
        """Build the world of a seed.

        Args:
            seed: Everything random in the world derives from it.
            players: Number of tracked players.
            matches: Length of each tracked player's history.

        """
        self.seed = seed
        rng = random.Random(f"grunt-archive-world:{seed}")
        self.player_ids: list[str] = []
        self.gamertags: list[str] = []
        self.strangers: list[str] = []  # bare 16-digit xuids
        self.people: dict[str, str] = {}  # bare xuid -> gamertag, tracked players first
        self._by_tag: dict[str, str] = {}  # lowercase gamertag -> bare xuid
        while len(self.people) < players + STRANGERS:
            prefix = "2533274" if len(self.people) < players else rng.choice(("2533274", "2535"))
            xuid, tag = _xuid(rng, prefix), _gamertag(rng)
            if xuid in self.people or tag.lower() in self._by_tag:
                continue
            self.people[xuid], self._by_tag[tag.lower()] = tag, xuid
            if len(self.player_ids) < players:
                self.player_ids.append(f"xuid({xuid})")
                self.gamertags.append(tag)
            else:
                self.strangers.append(xuid)
        legacy_n = round(matches * LEGACY_SHARE)
        metas: list[MatchMeta] = []
        newest = MODERN_NEWEST - rng.randrange(3_600_000)
        for legacy, per_player in ((False, matches - legacy_n), (True, legacy_n)):
            if legacy:  # below the modern era, even when a huge one overflowed its calendar
                newest = min(LEGACY_NEWEST, min((m.start_ms for m in metas), default=newest))
                newest -= 3_600_000
            oldest = LEGACY_OLDEST if legacy else MODERN_OLDEST
            drafts = _draft_era(rng, players, per_player, legacy)
            seeds = [rng.getrandbits(64) for _ in drafts]
            metas += _timeline(rng, drafts, (newest, oldest, legacy), seeds)
        self.matches: dict[str, MatchMeta] = {meta.match_id: meta for meta in metas}
        self.seeded_matches = len(self.matches)  # later ones were added by `play`
        # Histories are kept oldest first, so that new matches are appended.
        self._histories: list[list[MatchMeta]] = [[] for _ in range(players)]
        for meta in reversed(metas):
            for p in meta.tracked:
                self._histories[p].append(meta)
        self._latest_end = max((m.start_ms + m.span_ms for m in metas), default=MODERN_NEWEST)
        self._play_rng = random.Random(f"grunt-archive-play:{seed}")

    def player_index(self, token: str) -> int | None:
        """Return the index of a tracked player named by ``xuid(…)`` or gamertag."""
        token = token.strip()
        if token.startswith("xuid(") and token.endswith(")"):
            name = token
        else:
            xuid = self._by_tag.get(token.lower())
            name = f"xuid({xuid})" if xuid else ""
        return self.player_ids.index(name) if name in self.player_ids else None

    def xuid_of(self, gamertag: str) -> str | None:
        """Return the bare xuid of anyone in the world, by gamertag (any case)."""
        return self._by_tag.get(gamertag.strip().lower())

    def history(self, player: int, lifecycles: frozenset[int] | None = None) -> list[MatchMeta]:
        """Return a tracked player's matches newest first, optionally only some lifecycles."""
        matches = self._histories[player][::-1]
        if lifecycles is None:
            return matches
        return [meta for meta in matches if meta.lifecycle in lifecycles]

    def play(self, player: int, count: int = 1) -> list[MatchMeta]:
        """Let a tracked player play `count` new matches, with friends now and then.

        Args:
            player: Index of the tracked player.
            count: How many matches to add.

        Returns:
            The new matches, newest first.

        """
        rng, new = self._play_rng, []
        for _ in range(count):
            others = [p for p in range(len(self.player_ids)) if p != player and rng.random() < 0.3]
            mode, lifecycle, bots, quit_, switch = random_kind(rng, legacy=False)
            ticks = _duration_ticks(rng, mode)
            start = self._latest_end + rng.randrange(30_000, 300_000)
            start -= start % 1000 == 0
            meta = MatchMeta(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                rng.getrandbits(64),
                start,
                ticks,
                mode,
                lifecycle,
                False,
                (player, *others),
                bots,
                quit_,
                switch,
            )
            self._latest_end = start + meta.span_ms
            self.matches[meta.match_id] = meta
            for p in meta.tracked:
                self._histories[p].append(meta)
            new.append(meta)
        return new[::-1]
