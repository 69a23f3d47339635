"""Free-for-all (FFA Slayer): which of the world's matches were every player for themselves.

Matchmade: FFA Slayer, eight players, its own playlist. Custom: a Slayer custom game
set up without teams, as real customs are (LifecycleMode 1, Playlist null,
TeamsEnabled false), for two to eight players, against bots or people. Each is drawn
from the match's id alone, not the world's generator, so the other matches of every
seed stay as they were before FFA came.
"""

from __future__ import annotations

import dataclasses
import math
import random

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import TICKS_PER_SECOND
from grunt_archive.simulator.data.match_meta import CUSTOM, MATCHMADE, MatchMeta, time_limit_ticks

FFA = "ffa"  # the free-for-all playlist's key, and its mode's
FFA_SHARE = 0.12  # of the solo matches of 4v4 unranked playlists that were FFA instead
CUSTOM_FFA_SHARE = 0.25  # of the custom Slayer games of one tracked player
MATCHMADE_FIELD = 8
CUSTOM_FIELD = (3, 8)  # a custom lobby without teams: a few friends, or a full one
_MODE = catalog.MODE_INDEX[FFA]
_SLAYER = catalog.MODE_INDEX["slayer"]


def free_for_all(meta: MatchMeta, skill: float) -> MatchMeta:
    """Return the match as free-for-all now and then, if it could have been; else unchanged.

    Matchmade: a match of one tracked player alone (FFA has no parties: its fireteams
    are of one) in an unranked 4v4 playlist without bots is FFA Slayer instead, one
    time in `1 / FFA_SHARE`. Custom: a Slayer custom game of one tracked player
    (never one where a player changes teams: there are none) is set up without
    teams one time in `1 / CUSTOM_FFA_SHARE`, for 3 to 8 players, bots among them
    when the game had bots. The tracked player's place follows their skill (better
    players place higher; against bots, higher still); first place is the win. The
    match lasts until someone reaches 25 kills, or 12 minutes.

    Args:
        meta: A match as the world drew it.
        skill: The skill of its tracked player.

    """
    if len(meta.tracked) != 1 or meta.switch:
        return meta
    if meta.lifecycle == MATCHMADE:
        spec = catalog.PLAYLIST_SPECS.get(meta.playlist or "")
        if spec is None or spec.ranked or spec.bots or spec.team_size != 4:
            return meta
        rng = random.Random(f"grunt-archive-ffa:{meta.match_id}")
        if rng.random() >= FFA_SHARE:
            return meta
        return _played(rng, meta, skill, FFA, MATCHMADE_FIELD)
    if meta.lifecycle != CUSTOM or meta.mode != _SLAYER:
        return meta
    rng = random.Random(f"grunt-archive-custom-ffa:{meta.match_id}")
    if rng.random() >= CUSTOM_FFA_SHARE:
        return meta
    return _played(rng, meta, skill, None, rng.randint(*CUSTOM_FIELD))


def _played(
    rng: random.Random, meta: MatchMeta, skill: float, playlist: str | None, field: int
) -> MatchMeta:
    """Return ``meta`` played as FFA in ``playlist`` (None: custom) by ``field`` players."""
    limit = time_limit_ticks(_MODE, playlist)
    ticks = meta.duration_ticks
    if ticks > limit:  # the clock ran out: FFA's is shorter than some playlists'
        ticks = limit + rng.randrange(15 * TICKS_PER_SECOND // 10)
    # In eight, a median player places 4th or 5th on average, the best of the world 1st
    # or 2nd; the same share of a smaller field. Bots (custom) are easier than people.
    edge = 6 * math.log(skill) + (1.5 if meta.bots else 0.0)
    spread = field / MATCHMADE_FIELD
    place = round(rng.gauss((field + 1) / 2 - edge * spread, 1.8 * spread))
    place = min(field, max(1, place))
    return dataclasses.replace(
        meta, mode=_MODE, playlist=playlist, duration_ticks=ticks, sides=(0,),
        winner=0 if place == 1 else 1, place=place, field=field,
    )  # fmt: skip
