"""Turn highlight events into a kill feed, and check them against the match's own stats.

A film's events carry no victim: a kill is paired with a death of another
player within `PAIR_WINDOW_MS` of it. Pairs are made per cluster of kills and
deaths that could belong together, so two kills by one player at the same
moment (a double kill) still name both victims for certain. A kill whose
victim the events cannot settle is marked ``ambiguous``; a kill no death
fits has no victim. Both functions here are pure.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grunt_archive.film.reader import FilmEvent

PAIR_WINDOW_MS = 5
"""A death this close to a kill (either side) may be its victim's."""
MAX_CLUSTER_KILLS = 6
"""Past this many kills in one cluster, pairing is by time alone and marked ambiguous."""


@dataclass(frozen=True, slots=True)
class Kill:
    """One line of a kill feed.

    ``candidates`` is how many deaths of other players fall within the window
    of this kill; ``ambiguous`` says whether the events leave the victim open
    (several ways to pair this kill's cluster name different victims).
    """

    time_ms: int
    killer_xuid: int
    killer_gamertag: str
    victim_xuid: int | None
    victim_gamertag: str | None
    ambiguous: bool
    candidates: int


def pair_kills(events: Iterable[FilmEvent], window_ms: int = PAIR_WINDOW_MS) -> list[Kill]:
    """Pair each kill with the death of its victim.

    Kills and deaths linked by a possible pairing (a death of another player
    within ``window_ms``) form a cluster. Of the pairings of a cluster that
    give a victim to as many kills as possible, the one closest in time is
    kept; its kills are ``ambiguous`` when another such pairing gives a
    different set of (killer, victim) pairs.

    Args:
        events: A film's events (any order; medals and mode events are ignored).
        window_ms: How far a death may be from the kill, either side.

    Returns:
        One `Kill` per kill event, by time (file order among equal times).

    Example:
        >>> kill, death = FilmEvent(A, "Alpha", "kill", 900), FilmEvent(B, "Bravo", "death", 903)
        >>> pair_kills([kill, death])[0].victim_gamertag
        'Bravo'

    """
    kills = sorted((e for e in events if e.type == "kill"), key=lambda e: e.time_ms)
    deaths = sorted((e for e in events if e.type == "death"), key=lambda e: e.time_ms)
    options = [_candidates(kill, deaths, window_ms) for kill in kills]
    feed: dict[int, Kill] = {}
    for cluster in _clusters(options):
        victims, ambiguous = _pair_cluster([(kills[i], options[i]) for i in cluster], deaths)
        for index, victim in zip(cluster, victims, strict=True):
            kill = kills[index]
            death = deaths[victim] if victim is not None else None
            feed[index] = Kill(
                time_ms=kill.time_ms,
                killer_xuid=kill.xuid,
                killer_gamertag=kill.gamertag,
                victim_xuid=death.xuid if death else None,
                victim_gamertag=death.gamertag if death else None,
                ambiguous=ambiguous,
                candidates=len(options[index]),
            )
    # `kills` is in time order already, file order kept among equal times (sorted is stable).
    return [feed[index] for index in range(len(kills))]


def _candidates(kill: FilmEvent, deaths: Sequence[FilmEvent], window_ms: int) -> list[int]:
    """Return the indexes of the deaths of other players within the window of `kill`."""
    return [
        n
        for n, death in enumerate(deaths)
        if abs(death.time_ms - kill.time_ms) <= window_ms and death.xuid != kill.xuid
    ]


def _clusters(options: Sequence[Sequence[int]]) -> list[list[int]]:
    """Group kill indexes that share a candidate death (transitively), in kill order."""
    parent = list(range(len(options)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    owner: dict[int, int] = {}
    for kill, deaths in enumerate(options):
        for death in deaths:
            if death in owner:
                parent[root(kill)] = root(owner[death])
            else:
                owner[death] = kill
    groups: dict[int, list[int]] = {}
    for kill in range(len(options)):
        groups.setdefault(root(kill), []).append(kill)
    return list(groups.values())


def _pair_cluster(
    cluster: Sequence[tuple[FilmEvent, Sequence[int]]], deaths: Sequence[FilmEvent]
) -> tuple[list[int | None], bool]:
    """Choose a victim (a death index, or None) for each kill of a cluster; say if ambiguous."""
    if len(cluster) > MAX_CLUSTER_KILLS:
        return _greedy(cluster, deaths), True
    pairings = [
        pick
        for pick in itertools.product(*[[*options, None] for _, options in cluster])
        if _distinct([d for d in pick if d is not None])
    ]
    most = max(sum(d is not None for d in pick) for pick in pairings)
    fullest = [pick for pick in pairings if sum(d is not None for d in pick) == most]
    chosen = min(fullest, key=lambda pick: _distance(cluster, pick, deaths))
    ambiguous = len({_pairs(cluster, pick, deaths) for pick in fullest}) > 1
    return list(chosen), ambiguous


def _distinct(values: Sequence[int]) -> bool:
    """Say whether no value repeats (no death given to two kills)."""
    return len(values) == len(set(values))


def _distance(
    cluster: Sequence[tuple[FilmEvent, Sequence[int]]],
    pick: Sequence[int | None],
    deaths: Sequence[FilmEvent],
) -> int:
    """Return the total time, in ms, between the kills and the deaths a pairing gives them."""
    return sum(
        abs(deaths[d].time_ms - kill.time_ms)
        for (kill, _), d in zip(cluster, pick, strict=True)
        if d is not None
    )


def _pairs(
    cluster: Sequence[tuple[FilmEvent, Sequence[int]]],
    pick: Sequence[int | None],
    deaths: Sequence[FilmEvent],
) -> tuple[tuple[int, int], ...]:
    """Return the sorted (killer, victim) pairs a pairing gives, victims of None left out."""
    return tuple(
        sorted(
            (kill.xuid, deaths[d].xuid)
            for (kill, _), d in zip(cluster, pick, strict=True)
            if d is not None
        )
    )


def _greedy(
    cluster: Sequence[tuple[FilmEvent, Sequence[int]]], deaths: Sequence[FilmEvent]
) -> list[int | None]:
    """Give each kill, in time order, the nearest death not yet taken."""
    taken: set[int] = set()
    victims: list[int | None] = []
    for kill, options in cluster:
        free = [d for d in options if d not in taken]
        victim = min(free, key=lambda d: abs(deaths[d].time_ms - kill.time_ms), default=None)
        if victim is not None:
            taken.add(victim)
        victims.append(victim)
    return victims


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A count the film and the match's stats document give differently for one player."""

    player_id: str
    what: str
    film: int
    stats: int


def reconcile(events: Iterable[FilmEvent], stats: Mapping[str, Any]) -> list[Disagreement]:
    """Compare each human player's kills, deaths and medals in the film with the match stats.

    Args:
        events: The film's events.
        stats: The match's stats document as the API sends it (``Players[]`` with
            ``PlayerTeamStats[].Stats.CoreStats``); bots are left out, as films have
            no events for them.

    Returns:
        The counts that differ, by player then kills, deaths, medals; empty when
        the film agrees with the stats. A player the film has events for but the
        stats do not list shows with stats counts of zero.

    Example:
        >>> reconcile(read_events(chunk, 37), match_stats)
        []

    """
    film: Counter[tuple[str, str]] = Counter()
    players: set[str] = set()
    for event in events:
        players.add(event.player_id)
        if event.type in ("kill", "death", "medal"):
            film[event.player_id, event.type] += 1
    expected: Counter[tuple[str, str]] = Counter()
    for player in stats.get("Players") or []:
        player_id = player.get("PlayerId", "")
        if not player_id.startswith("xuid("):
            continue
        players.add(player_id)
        for team in player.get("PlayerTeamStats") or []:
            core = (team.get("Stats") or {}).get("CoreStats") or {}
            expected[player_id, "kill"] += core.get("Kills") or 0
            expected[player_id, "death"] += core.get("Deaths") or 0
            expected[player_id, "medal"] += sum(m.get("Count", 0) for m in core.get("Medals") or [])
    return [
        Disagreement(player_id, what + "s", film[player_id, what], expected[player_id, what])
        for player_id in sorted(players)
        for what in ("kill", "death", "medal")
        if film[player_id, what] != expected[player_id, what]
    ]
