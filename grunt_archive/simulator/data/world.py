"""The seeded world: tracked players, the people they meet, and every match they played.

A match is kept as a small `MatchMeta` (id, seed, time, mode, who took part);
its documents are built from it on request by `documents`, so a world of tens
of thousands of matches starts in a fraction of a second and stays small.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections.abc import Iterable

from grunt_archive.simulator.data import catalog, ranks, timeline
from grunt_archive.simulator.data.ffa import FFA, free_for_all
from grunt_archive.simulator.data.formats import TICKS_PER_SECOND, epoch_ms
from grunt_archive.simulator.data.match_meta import (
    CUSTOM,
    LOCAL,
    MATCHMADE,
    PAD_MS,
    MatchMeta,
    time_limit_ticks,
)

LEGACY_SHARE = 0.15  # the oldest part of every history is in the 2022 format
STRANGERS = 600
# The latest a match of either era may start, and the earliest.
MODERN_NEWEST, MODERN_OLDEST = epoch_ms("2025-01-29T04:40:00"), epoch_ms("2023-01-10")
LEGACY_NEWEST, LEGACY_OLDEST = epoch_ms("2022-11-07T03:00:00"), epoch_ms("2022-05-04")


def _xuid(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789") for _ in range(16 - len(prefix)))


# Xbox gamertags (classic ones, the suffix of a modern one aside) hold 15 characters at most.
GAMERTAG_LENGTH = 15


def _gamertag(rng: random.Random) -> str:
    word, tail = rng.choice(catalog.GAMERTAG_WORDS), rng.choice(catalog.GAMERTAG_TAILS)
    style = rng.randrange(3)
    if style == 0:
        tag = f"{word} {tail}{rng.randrange(10, 100)}"
    elif style == 1:
        tag = f"{word}{tail} {rng.randrange(1, 1000)}"
    else:
        tag = f"x{word}{tail}x{rng.randrange(1, 10)}"
    if len(tag) > GAMERTAG_LENGTH:  # as people do: the space goes, then the word is cut
        digits = tag[len(tag.rstrip("0123456789")) :]
        letters = tag[: len(tag) - len(digits)].replace(" ", "")
        tag = letters[: GAMERTAG_LENGTH - len(digits)] + digits
    return tag


_MODE = catalog.MODE_INDEX
_SPECS = catalog.PLAYLIST_SPECS
_SKILLS: dict[str, float] = {}


def player_skill(player_id: str) -> float:
    """Return how well a person plays, 1.0 being the median (a bot's is its own).

    A pure function of the id, so the world and the documents agree on it. The log
    of it is normal: most players are near 1.0, with a tail either way.
    """
    found = _SKILLS.get(player_id)
    if found is None:
        draw = random.Random(f"grunt-archive-skill:{player_id}").gauss(0.0, 0.2)
        found = _SKILLS[player_id] = math.exp(max(-0.6, min(0.6, draw)))
    return found


def _eligible(playlist: catalog.Playlist, legacy: bool) -> tuple[int, ...]:
    return tuple(_MODE[k] for k in playlist.modes if not legacy or catalog.MODES[_MODE[k]].legacy)


# FFA Slayer is not drawn here but by `free_for_all`, which leaves the draws of every
# seed's world as they were before it came.
_PLAYLISTS = {
    legacy: [(key, _eligible(spec, legacy)) for key, spec in _SPECS.items()
             if (spec.legacy or not legacy) and _eligible(spec, legacy) and key != FFA]
    for legacy in (False, True)
}  # fmt: skip
_PLAYLIST_WEIGHTS = {
    legacy: list(itertools.accumulate(_SPECS[k].weight for k, _ in v))
    for legacy, v in _PLAYLISTS.items()
}
# A mode is served as often as its map-mode pairs weigh in the playlist's rotation.
_MODE_WEIGHTS = {
    (key, legacy): list(itertools.accumulate(
        sum(catalog.rotation(key, catalog.MODES[m].key, legacy)[1]) for m in modes))
    for legacy, entries in _PLAYLISTS.items()
    for key, modes in entries
}  # fmt: skip
_CUSTOM_MODES = {
    legacy: tuple(i for i, m in enumerate(catalog.MODES)
                  if m.custom_weight and (m.legacy or not legacy))
    for legacy in (False, True)
}  # fmt: skip
_CUSTOM_WEIGHTS = {
    k: list(itertools.accumulate(catalog.MODES[i].custom_weight for i in v))
    for k, v in _CUSTOM_MODES.items()
}
# A kind of match: (mode, lifecycle, playlist, bots, quit, switch).
Kind = tuple[int, int, "str | None", bool, bool, bool]


def _features(legacy: bool) -> list[Kind]:
    """Kinds every era shows at least once when it has room, the most telling first."""
    slayer, custom_bots = _MODE["slayer"], []
    out: list[Kind] = [
        (slayer, CUSTOM, None, False, False, False),
        (_MODE["ctf"], MATCHMADE, "quickplay", False, True, False),
        (slayer, LOCAL, None, False, False, False),
        (_MODE["oddball"], CUSTOM, None, True, False, False),
        (_MODE["stockpile"], MATCHMADE, "btb", False, False, True),
    ]
    covered = set()
    for key, modes in _PLAYLISTS[legacy]:  # every playlist, and through them every mode
        mode = next((m for m in modes if m not in covered), modes[0])
        covered.add(mode)
        out.append((mode, MATCHMADE, key, _SPECS[key].bots, False, False))
    for key, modes in _PLAYLISTS[legacy]:
        out += [(m, MATCHMADE, key, False, False, False) for m in modes if m not in covered]
        covered.update(modes)
    for mode in _CUSTOM_MODES[legacy]:
        custom_bots.append((mode, CUSTOM, None, True, False, False))
    return out + custom_bots


_FEATURES = {legacy: _features(legacy) for legacy in (False, True)}


def random_kind(rng: random.Random, legacy: bool) -> Kind:
    """Draw what a new match is: (mode, lifecycle, playlist, bots, quit, switch)."""
    roll = rng.random()
    lifecycle = MATCHMADE if roll < 0.84 else CUSTOM if roll < 0.98 else LOCAL
    playlist = None
    if lifecycle == MATCHMADE:
        playlist, modes = rng.choices(_PLAYLISTS[legacy], cum_weights=_PLAYLIST_WEIGHTS[legacy])[0]
        mode = rng.choices(modes, cum_weights=_MODE_WEIGHTS[playlist, legacy])[0]
        bots = _SPECS[playlist].bots
    else:
        mode = rng.choices(_CUSTOM_MODES[legacy], cum_weights=_CUSTOM_WEIGHTS[legacy])[0]
        bots = rng.random() < 0.35
    spec = catalog.MODES[mode]
    quit_ = rng.random() < 0.03
    switch = spec.teams_enabled and not spec.pve and not bots and rng.random() < 0.02
    return mode, lifecycle, playlist, bots, quit_, switch


def team_size(meta_mode: int, playlist: str | None) -> int:
    """Players per team of a mode in a playlist (None: the mode's custom size)."""
    return _SPECS[playlist].team_size if playlist else catalog.MODES[meta_mode].team_size


def _settle(
    rng: random.Random, tracked: tuple[int, ...], kind: Kind, skills: list[float]
) -> tuple[tuple[int, ...], int]:
    """Put the tracked players on teams and decide who wins: (sides, winner)."""
    mode, _, playlist, bots, _, _ = kind
    spec = catalog.MODES[mode]
    if not spec.teams_enabled or spec.pve:
        chance = 0.75 if spec.pve else 0.4  # the players hold out; the survivors do
        return (0,) * len(tracked), 0 if rng.random() < chance else 1
    size, home = team_size(mode, playlist), rng.randrange(2)
    sides = [home]
    for _ in tracked[1:]:
        together = (bots or rng.random() < 0.7) and sides.count(home) < size
        sides.append(home if together or sides.count(1 - home) >= size else 1 - home)
    if rng.random() < (0.02 if spec.win_score is None else 0.03):
        return tuple(sides), -1
    # A better party wins more often; matchmaking finds it opponents nearly as good.
    logs = [[math.log(skills[p]) for p, s in zip(tracked, sides, strict=True) if s == t]
            for t in (0, 1)]  # fmt: skip
    edge = sum(logs[0]) / max(len(logs[0]), 1) - sum(logs[1]) / max(len(logs[1]), 1)
    edge += 0.35 * (home == 0 and bots) - 0.35 * (home == 1 and bots)
    chance = 0.5 + 0.5 * math.tanh(edge * 0.8 / math.sqrt(size))
    return tuple(sides), 0 if rng.random() < chance else 1


_KILL_LIMITS = {2: 25, 4: 50}  # kills a Slayer team plays to, by team size; bigger: 100


def kill_limit(mode: int, playlist: str | None) -> int | None:
    """Return the kills a team of a Slayer-like mode plays to (None: scored otherwise)."""
    spec = catalog.MODES[mode]
    if spec.win_score is not None or not spec.teams_enabled:
        return None
    return _KILL_LIMITS.get(team_size(mode, playlist), 100)


def _duration_ticks(rng: random.Random, mode: int, playlist: str | None, tie: bool) -> int:
    """Draw how long a match lasts: until a team reaches the limit, or the time runs out.

    A Slayer-like match lasts as long as the winners take to reach the kill limit at
    the pace of the match, unless that is beyond the time limit; a tie can only come
    at the time limit. Other modes last anything up to their time limit.
    """
    low, high = catalog.MODES[mode].minutes
    length = _SPECS[playlist].length if playlist else 1.0
    limit, kills = time_limit_ticks(mode, playlist), kill_limit(mode, playlist)
    if kills is not None:
        size = team_size(mode, playlist)
        pace = catalog.MODES[mode].kill_rate * (0.6 if size > 4 else 1.0) * size  # a minute
        ticks = int(kills / (pace * rng.uniform(0.85, 1.4)) * 60 * TICKS_PER_SECOND)
    else:
        ticks = int(rng.uniform(low, high) * length * 60 * TICKS_PER_SECOND)
    if tie or ticks >= limit:  # the clock ran out; the game ends a moment after
        ticks = limit + rng.randrange(15 * TICKS_PER_SECOND // 10)
    if rng.random() < 0.2:  # some durations carry fewer than 7 fractional digits
        ticks -= ticks % 100
    return ticks


def _draft_era(
    rng: random.Random, players: int, per_player: int, legacy: bool
) -> tuple[list[list], frozenset[int]]:
    """Decide who played each match of an era, newest first, and what it was.

    Every player gets exactly `per_player` matches; many matches are shared by
    several tracked players (a party of up to four), as friends or opponents.
    Each draft is ``[tracked, mode, lifecycle, playlist, bots, quit, switch]``; the
    indices of the drafts made features come with them.
    """
    remaining = [per_player] * players
    share = min(0.45, 1.6 / max(players - 1, 1))
    drafts: list[list] = []
    while any(remaining):
        first = rng.choices(range(players), weights=remaining)[0]
        others = [p for p in range(players) if p != first and remaining[p] and rng.random() < share]
        tracked = (first, *others[:3])
        for p in tracked:
            remaining[p] -= 1
        drafts.append([tracked, *random_kind(rng, legacy)])
    features = _FEATURES[legacy]
    room = min(len(features), len(drafts), max(6, len(drafts) // 6))
    spots = rng.sample(range(len(drafts)), k=room)
    for spot, feature in zip(spots, features, strict=False):
        drafts[spot][1:] = feature
    return drafts, frozenset(spots[: len(features)])


def _timeline(
    rng: random.Random,
    drafts: list[list],
    era: tuple[int, int, bool],
    seeds: Iterable[int],
    skills: list[float],
    featured: frozenset[int] = frozenset(),
) -> list[MatchMeta]:
    """Give drafted matches ids, results and start times within an era, newest first.

    The matches are played in sittings spread over the era's calendar (`timeline`);
    some are free-for-all instead (`free_for_all`), none of the `featured` drafts.
    """
    newest, oldest, legacy = era
    settled = [_settle(rng, draft[0], tuple(draft[1:]), skills) for draft in drafts]
    durations = [_duration_ticks(rng, draft[1], draft[3], winner < 0)
                 for draft, (_, winner) in zip(drafts, settled, strict=True)]  # fmt: skip
    # Back to back in a sitting: the match, the join delay and a wait in matchmaking.
    slots = [d // 10_000 + PAD_MS + rng.randrange(30_000, 150_000) for d in durations]
    starts = timeline.start_times(rng, slots, [draft[0][0] for draft in drafts], (newest, oldest))
    metas = []
    for index, (draft, (sides, winner), ticks, start, seed) in enumerate(
        zip(drafts, settled, durations, starts, seeds, strict=False)
    ):
        tracked, *kind = draft
        mode, lifecycle, playlist, bots, quit_, switch = kind
        match_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        meta = MatchMeta(match_id, seed, start, ticks, mode, lifecycle, legacy, tracked, bots,
                         quit_, switch, playlist, sides, winner)  # fmt: skip
        # A feature stays what it is: each era shows every kind it has room for.
        metas.append(meta if index in featured else free_for_all(meta, skills[tracked[0]]))
    return sorted(metas, key=lambda meta: meta.start_ms, reverse=True)


def outcome_of(meta: MatchMeta, index: int) -> int:
    """Return the Outcome of the `index`-th tracked player of a match (see `MatchMeta`)."""
    if meta.quit and index == 0:
        return ranks.LEFT
    if meta.winner < 0:
        return ranks.TIE
    return ranks.WIN if meta.sides[index] == meta.winner else ranks.LOSS


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
        self.skills = [player_skill(player_id) for player_id in self.player_ids]
        legacy_n = round(matches * LEGACY_SHARE)
        metas: list[MatchMeta] = []
        newest = MODERN_NEWEST - rng.randrange(3_600_000)
        for legacy, per_player in ((False, matches - legacy_n), (True, legacy_n)):
            if legacy:  # below the modern era, even when a huge one overflowed its calendar
                newest = min(LEGACY_NEWEST, min((m.start_ms for m in metas), default=newest))
                newest -= 3_600_000
            oldest = LEGACY_OLDEST if legacy else MODERN_OLDEST
            drafts, featured = _draft_era(rng, players, per_player, legacy)
            seeds = [rng.getrandbits(64) for _ in drafts]
            era = (newest, oldest, legacy)
            metas += _timeline(rng, drafts, era, seeds, self.skills, featured)
        self.matches: dict[str, MatchMeta] = {meta.match_id: meta for meta in metas}
        self.seeded_matches = len(self.matches)  # later ones were added by `play`
        # Histories are kept oldest first, so that new matches are appended.
        self._histories: list[list[MatchMeta]] = [[] for _ in range(players)]
        # Each tracked player's CSR step of each ranked match, and the last one by playlist.
        self.csr: dict[tuple[str, int], ranks.CsrStep] = {}
        self._last_csr: dict[tuple[int, str], ranks.CsrStep] = {}
        for meta in reversed(metas):
            self._append(meta)
        self._latest_end = max((m.start_ms + m.span_ms for m in metas), default=MODERN_NEWEST)
        self._play_rng = random.Random(f"grunt-archive-play:{seed}")

    def _append(self, meta: MatchMeta) -> None:
        """Add a match to its players' histories; carry their CSR on in a ranked playlist."""
        ranked = meta.playlist is not None and _SPECS[meta.playlist].ranked
        for index, p in enumerate(meta.tracked):
            self._histories[p].append(meta)
            if ranked:
                key = (p, meta.playlist)
                step = ranks.advance(self._last_csr.get(key), outcome_of(meta, index),
                                     self.skills[p], f"{meta.match_id}:{p}")  # fmt: skip
                self.csr[meta.match_id, p] = self._last_csr[key] = step

    def player_index(self, token: str) -> int | None:
        """Return the index of a tracked player named by ``xuid(…)`` or gamertag."""
        token = token.strip()
        if token.startswith("xuid(") and token.endswith(")"):
            name = token
        else:
            xuid = self._by_tag.get(token.lower())
            name = f"xuid({xuid})" if xuid else ""
        return self.player_ids.index(name) if name in self.player_ids else None

    def rename(self, player: int, gamertag: str) -> None:
        """Give a tracked player a new gamertag; the old one then names no one.

        Raises:
            KeyError: another person of the world has that gamertag.

        """
        xuid = self.player_ids[player][5:-1]
        holder = self._by_tag.get(gamertag.lower())
        if holder not in (None, xuid):
            raise KeyError(gamertag)
        del self._by_tag[self.people[xuid].lower()]
        self._by_tag[gamertag.lower()] = xuid
        self.people[xuid] = self.gamertags[player] = gamertag

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
        share = min(0.3, 1.2 / max(len(self.player_ids) - 1, 1))
        for _ in range(count):
            others = [
                p for p in range(len(self.player_ids)) if p != player and rng.random() < share
            ]
            tracked = (player, *others[:3])
            kind = random_kind(rng, legacy=False)
            mode, lifecycle, playlist, bots, quit_, switch = kind
            sides, winner = _settle(rng, tracked, kind, self.skills)
            ticks = _duration_ticks(rng, mode, playlist, winner < 0)
            start = self._latest_end + rng.randrange(30_000, 300_000)
            start -= start % 1000 == 0
            meta = MatchMeta(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.getrandbits(64), start,
                ticks, mode, lifecycle, False, tracked, bots, quit_, switch, playlist, sides,
                winner,
            )  # fmt: skip
            meta = free_for_all(meta, self.skills[player])
            self._latest_end = start + meta.span_ms
            self.matches[meta.match_id] = meta
            self._append(meta)
            new.append(meta)
        return new[::-1]
