"""The highlight events of a simulated match, consistent with its stats document.

`film_events` reads a match's stats document and writes, for each human
player (bots are not in films), as many kill and death events as its
``CoreStats`` count, one medal event per medal it earned, and a few mode
events in objective modes. Kills are paired with deaths of other players
(opponents first) at the same moment, within the ±5 ms a film reader pairs
by; a few pairs of kills are planted so close together that two deaths fit
each of them (ambiguous, as about 4 % of real kills are). A kill no human
death can pair with stands alone, and so does a death no human kill caused.
In a match with bots a kill pairs only with an opponent's death (the rest
were kills of bots, and deaths to them); in Firefight no kill pairs (players
kill the AI and die to it). A player who joined late or left early has
events only while present (``ParticipationInfo``; film time 0 is when the
players present at the beginning joined).

Medal codes: a medal whose name the film code table (`film.medals`) knows is
written with that code. A medal the table does not name is still written, as
a real film would carry it, with a code the table leaves free (from 255
down); the reader reads it as a medal with no name, and `film.feed.reconcile`
counts it, so every player's medal count agrees with the stats.

Pure: the document, the people's gamertags and a seed in, events out.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grunt_archive.film.medals import FILM_MEDAL_NAMES
from grunt_archive.film.reader import EventType, FilmEvent
from grunt_archive.simulator.data.medals import MEDALS

SLOT_MS = 20
"""Moments of the film are this far apart (at least): no window of ±5 ms spans two."""
AMBIGUOUS_SHARE = 0.05
"""About this share of kill pairs get a second pair planted within the window."""
_MAX_MODE_EVENTS = 12  # per player: a mode block's counters, capped
_FIRST_MS = 1_000  # nothing happens in the first second of play


@dataclass(frozen=True, slots=True)
class SimulatedFilm:
    """A simulated film's events, and where ambiguity was planted.

    Attributes:
        events: In time order (kill before death at equal times), as a chunk holds them.
        ambiguous_kill_times: Times of the kills planted with two candidate deaths.

    """

    events: list[FilmEvent]
    ambiguous_kill_times: frozenset[int]


@dataclass(slots=True)
class _Player:
    xuid: int
    gamertag: str
    team: object
    kills: int = 0
    deaths: int = 0
    mode: int = 0
    medals: Counter[int] | None = None
    joined: str | None = None  # ParticipationInfo, when not present all along
    left: str | None = None
    lo: int = 0  # present from, to (film ms)
    hi: int = 0


def medal_codes(name_ids: Sequence[int]) -> dict[int, int]:
    """Give each medal `NameId` its film code: the table's by name, else a free code.

    Args:
        name_ids: The medals to code (the simulator's `MEDALS` keys, names from there).

    Returns:
        ``{name_id: code}``; the ids with no code in the table get the free codes
        from 255 down, in `NameId` order, so the mapping is the same every run.

    """
    by_name = {name.casefold(): code for code, name in FILM_MEDAL_NAMES.items()}
    free = [code for code in range(255, -1, -1) if code not in FILM_MEDAL_NAMES]
    codes: dict[int, int] = {}
    for name_id in sorted(name_ids):
        name = MEDALS[name_id][0] if name_id in MEDALS else ""
        code = by_name.get(name.casefold())
        codes[name_id] = code if code is not None else free.pop(0)
    return codes


MEDAL_CODES = medal_codes(list(MEDALS))
"""Film code of every medal the simulated world awards."""
MEDAL_WEIGHTS = {MEDAL_CODES[name_id]: row[6] for name_id, row in MEDALS.items()}
"""Film code -> the medal's sorting weight, which a film writes as its type hint."""


def film_events(
    document: Mapping[str, Any],
    gamertags: Mapping[str, str],
    seed: str,
    duration_ms: int,
    mode_block: str | None = None,
    pve: bool = False,
) -> SimulatedFilm:
    """Write the highlight events of a match from its stats document.

    Args:
        document: The match's stats document, as the stats route serves it.
        gamertags: Bare xuid -> gamertag of everyone in the world.
        seed: Seed of every choice (times, pairs, where ambiguity goes).
        duration_ms: The match's length: every event falls within it.
        mode_block: The mode's stats block (``"CaptureTheFlagStats"``…): its
            counters become mode events; None for modes without objectives.
        pve: Whether the players fight the AI (Firefight): then no kill has a victim.

    Returns:
        The events and the times of the planted ambiguous kills.

    """
    rng = random.Random(seed)
    first = min(_FIRST_MS, duration_ms // 2)
    players = _players(document, gamertags, mode_block)
    _presence(document, players, first, duration_ms)
    bots = any(p.get("PlayerType") != 1 for p in document.get("Players") or [])
    pairs, lone_kills, lone_deaths = _pair(players, rng, None if pve else not bots)
    moments = len(pairs) + len(lone_kills) + len(lone_deaths)
    slots = _Slots(rng, first, duration_ms, moments)
    events: list[FilmEvent] = []
    kill_times: dict[int, list[int]] = {}
    planted = _plant(pairs, rng, first, duration_ms)
    ambiguous: set[int] = set()
    pair_times = [
        slots.take(max(k.lo, v.lo), min(k.hi, v.hi)) if n not in planted else 0
        for n, (k, v) in enumerate(pairs)
    ]
    for n, (killer, victim) in enumerate(pairs):
        if n in planted:  # sits 2 ms after the pair it was planted on, in that pair's slot
            at = pair_times[planted[n]] + 2
            ambiguous.update({at, pair_times[planted[n]]})
            death_at = at + 1
        else:
            at = pair_times[n]
            death_at = at + (1 if n in planted.values() else rng.randrange(4))
        events += [_event(killer, "kill", at), _event(victim, "death", death_at)]
        kill_times.setdefault(killer.xuid, []).append(at)
    for player in lone_kills:
        at = slots.take(player.lo, player.hi)
        events.append(_event(player, "kill", at))
        kill_times.setdefault(player.xuid, []).append(at)
    for player in lone_deaths:
        events.append(_event(player, "death", slots.take(player.lo, player.hi)))
    for player in players:
        events += _extras(player, kill_times.get(player.xuid, []), rng)
    order = {"kill": 0, "death": 1, "medal": 2, "mode": 3}
    events.sort(key=lambda event: (event.time_ms, order[event.type]))
    return SimulatedFilm(events, frozenset(ambiguous))


def _players(
    document: Mapping[str, Any], gamertags: Mapping[str, str], mode_block: str | None
) -> list[_Player]:
    """Read each human player's counts, summed over the teams it played for."""
    players: list[_Player] = []
    for entry in document.get("Players") or []:
        player_id = entry.get("PlayerId", "")
        if entry.get("PlayerType") != 1 or not player_id.startswith("xuid("):
            continue  # bots are not in films
        bare = player_id[5:-1]
        player = _Player(int(bare), _fit(gamertags.get(bare, "")), entry.get("LastTeamId"))
        player.medals = Counter()
        presence = entry.get("ParticipationInfo") or {}
        if presence.get("JoinedInProgress"):
            player.joined = presence.get("FirstJoinedTime")
        if presence.get("LeftInProgress"):
            player.left = presence.get("LastLeaveTime")
        for team in entry.get("PlayerTeamStats") or []:
            stats = team.get("Stats") or {}
            core = stats.get("CoreStats") or {}
            player.kills += core.get("Kills") or 0
            player.deaths += core.get("Deaths") or 0
            for medal in core.get("Medals") or []:
                player.medals[medal["NameId"]] += medal.get("Count", 0)
            block = stats.get(mode_block) if mode_block else None
            if isinstance(block, dict):
                player.mode += sum(v for v in block.values() if isinstance(v, int) and 0 < v < 100)
        player.mode = min(player.mode, _MAX_MODE_EVENTS)
        players.append(player)
    return players


def _presence(
    document: Mapping[str, Any], players: list[_Player], first: int, duration_ms: int
) -> None:
    """Set when each player was present, in film time, from its ``ParticipationInfo``."""
    starts = [
        _instant((p.get("ParticipationInfo") or {}).get("FirstJoinedTime"))
        for p in document.get("Players") or []
        if (p.get("ParticipationInfo") or {}).get("PresentAtBeginning")
    ]
    known = [start for start in starts if start is not None]
    origin = min(known) if known else None
    for player in players:
        player.lo, player.hi = first, duration_ms
        joined, left = _instant(player.joined), _instant(player.left)
        if origin is not None and joined is not None:
            player.lo = min(max(first, joined - origin), duration_ms - SLOT_MS)
        if origin is not None and left is not None:
            player.hi = max(min(duration_ms, left - origin), player.lo + SLOT_MS)


def _instant(text: object) -> int | None:
    """Return an ISO 8601 instant in epoch ms, or None."""
    if not isinstance(text, str):
        return None
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return None


class _Slots:
    """Moments of the film, `SLOT_MS` apart, each given out once."""

    def __init__(self, rng: random.Random, first: int, duration_ms: int, moments: int) -> None:
        self.rng, self.first = rng, first
        room = duration_ms - first - SLOT_MS
        self.spacing = SLOT_MS if moments * SLOT_MS < room else 1
        self.count = max(1, room // self.spacing)
        self.used: set[int] = set()

    def take(self, lo: int, hi: int) -> int:
        """Return the time of a free moment between `lo` and `hi` (ms), jittered."""
        low = min(max(0, -(-(lo - self.first) // self.spacing)), self.count - 1)
        high = max(low + 1, min(self.count, (hi - self.first - SLOT_MS) // self.spacing))
        slot = self.rng.randrange(low, high)
        for _ in range(64):  # a random free one; in a crowded window, the first free one
            if slot not in self.used:
                break
            slot = self.rng.randrange(low, high)
        else:
            slot = next((s for s in range(low, high) if s not in self.used), slot)
        self.used.add(slot)
        return self.first + self.spacing * slot + self.rng.randrange(self.spacing // 2 or 1)


def _fit(gamertag: str) -> str:
    """Cut a gamertag to the 16 UTF-16 units a film record holds."""
    return gamertag.encode("utf-16-le")[:32].decode("utf-16-le", errors="ignore")


def _pair(
    players: list[_Player], rng: random.Random, teammates: bool | None
) -> tuple[list[tuple[_Player, _Player]], list[_Player], list[_Player]]:
    """Pair kills with other players' deaths, as many as possible, opponents first.

    ``teammates`` says whether a kill may pair with a teammate's death when no
    opponent's is left; None pairs nothing.

    Returns:
        The (killer, victim) pairs, the kills left without a victim and the
        deaths left without a killer (one entry per event).

    """
    kills = {id(p): p.kills for p in players}
    deaths = {id(p): p.deaths for p in players}
    pairs: list[tuple[_Player, _Player]] = []
    while teammates is not None:
        # The player with the most kills left kills the opponent with the most deaths left.
        killers = sorted(
            (p for p in players if kills[id(p)]), key=lambda p: (-kills[id(p)], rng.random())
        )
        for killer in killers:
            victims = [
                p
                for p in players
                if p is not killer
                and deaths[id(p)]
                and (teammates or p.team != killer.team)
                and min(p.hi, killer.hi) - max(p.lo, killer.lo) >= 2 * SLOT_MS
            ]
            if victims:
                break
        else:
            break
        victim = max(victims, key=lambda p: (p.team != killer.team, deaths[id(p)], rng.random()))
        kills[id(killer)] -= 1
        deaths[id(victim)] -= 1
        pairs.append((killer, victim))
    lone_kills = [p for p in players for _ in range(kills[id(p)])]
    lone_deaths = [p for p in players for _ in range(deaths[id(p)])]
    return pairs, lone_kills, lone_deaths


def _plant(
    pairs: Sequence[tuple[_Player, _Player]], rng: random.Random, first: int, duration_ms: int
) -> dict[int, int]:
    """Choose pairs to move next to another pair so that both kills have two deaths in reach.

    Two pairs are ambiguous when four different players take part: each death
    could then be either kill's. Only players present all along take part.
    Returns ``{moved pair: the pair it joins}``.
    """
    wanted = max(1, round(len(pairs) * AMBIGUOUS_SHARE)) if len(pairs) >= 2 else 0
    whole = [
        n
        for n, pair in enumerate(pairs)
        if all(p.lo == first and p.hi == duration_ms for p in pair)
    ]
    order = list(whole)
    rng.shuffle(order)
    used: set[int] = set()
    planted: dict[int, int] = {}
    for a in order:
        if len(planted) >= wanted:
            break
        if a in used:
            continue
        for b in order:
            if b == a or b in used:
                continue
            people = {id(pairs[a][0]), id(pairs[a][1]), id(pairs[b][0]), id(pairs[b][1])}
            if len(people) == 4:
                planted[b] = a
                used.update({a, b})
                break
    return planted


def _extras(player: _Player, kill_times: list[int], rng: random.Random) -> list[FilmEvent]:
    """Return a player's medal events (at one of its kills, when it made any) and mode events."""
    events = []
    for name_id, count in sorted((player.medals or {}).items()):
        code = MEDAL_CODES.get(name_id)
        if code is None:  # a medal the world does not know: a free code of its own
            code = medal_codes([*MEDALS, name_id])[name_id]
        for _ in range(count):
            at = rng.choice(kill_times) if kill_times else rng.randrange(player.lo, player.hi)
            events.append(
                FilmEvent(
                    player.xuid, player.gamertag, "medal", at, code, FILM_MEDAL_NAMES.get(code)
                )
            )
    events += [
        _event(player, "mode", rng.randrange(player.lo, player.hi)) for _ in range(player.mode)
    ]
    return events


def _event(player: _Player, kind: EventType, at: int) -> FilmEvent:
    return FilmEvent(player.xuid, player.gamertag, kind, at)
