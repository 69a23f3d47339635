"""When a simulated history was played: sittings of a few matches, on some evenings.

A player plays in sittings of a few matches back to back, on evenings drawn from
their era's whole calendar: more in the weeks after a season launches, more at
weekends, more in some months than in others (each player has their own moods),
and never nothing for months on end. Everything is drawn from the world's seed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from datetime import UTC, datetime

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import epoch_ms

DAY_MS, HOUR_MS = 86_400_000, 3_600_000
# Days a game season or a CSR season began (the real calendars): the busiest weeks follow.
LAUNCHES = sorted(
    epoch_ms(day)
    for day in ("2022-05-03", "2022-08-23", "2022-11-08", "2023-11-14", "2023-12-19",
                *(first for first, _ in catalog.CSR_SEASONS))
)  # fmt: skip
_LAUNCH_BOOST, _LAUNCH_DAYS = 2.5, 18.0  # 3.5 times as busy on launch day, fading over weeks
_WEEKEND = 1.6  # Friday to Sunday evenings
_MOOD_SIGMA, _MOODS = 0.7, (0.3, 3.0)  # how much busier or quieter a month is, and bounds
_SITTING = 3.5  # matches in a sitting, on average
# An evening in the Americas, in UTC: sittings start around 01:30 the next day.
_EVENING_HOUR, _EVENING_SPREAD = 25.5, 2.5


def _calendar(first_day: int, days: int) -> tuple[list[int], list[float]]:
    """Return each day's month number and its weight before moods (launches, weekends)."""
    months, weights = [], []
    for index in range(days):
        day = first_day + index * DAY_MS
        when = datetime.fromtimestamp(day / 1000, UTC)
        months.append(when.year * 12 + when.month)
        found = bisect.bisect_right(LAUNCHES, day) - 1
        since = (day - LAUNCHES[found]) / DAY_MS if found >= 0 else math.inf
        boost = 1 + _LAUNCH_BOOST * math.exp(-since / _LAUNCH_DAYS)
        weights.append(boost * (_WEEKEND if when.weekday() >= 4 else 1.0))
    return months, weights


def _sittings(rng: random.Random, owners: list[int]) -> list[list[int]]:
    """Group match indices (newest first) into sittings, each of one owner's matches."""
    by_owner: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        by_owner.setdefault(owner, []).append(index)
    sittings = []
    for owner in sorted(by_owner):
        indices = by_owner[owner]
        while indices:
            size = 1 + int(rng.expovariate(1 / (_SITTING - 1)))
            sittings.append(indices[:size])
            indices = indices[size:]
    return sittings


def _anchors(
    rng: random.Random, sittings: list[list[int]], owners: list[int], era: tuple[int, int]
) -> list[int]:
    """Draw when each sitting begins: an evening, by its owner's taste for each day."""
    newest, oldest = era
    first_day = oldest - oldest % DAY_MS
    days = max(1, (newest - first_day) // DAY_MS)
    months, base = _calendar(first_day, days)
    taste: dict[int, list[float]] = {}
    anchors = []
    for sitting in sittings:
        owner = owners[sitting[0]]
        if owner not in taste:
            moods = {m: min(_MOODS[1], max(_MOODS[0], math.exp(rng.gauss(0, _MOOD_SIGMA))))
                     for m in dict.fromkeys(months)}  # fmt: skip
            weights = (w * moods[m] for m, w in zip(months, base, strict=True))
            taste[owner] = list(itertools.accumulate(weights))
        day = rng.choices(range(days), cum_weights=taste[owner])[0]
        hour = rng.gauss(_EVENING_HOUR, _EVENING_SPREAD)
        anchors.append(min(newest, max(oldest, first_day + day * DAY_MS + int(hour * HOUR_MS))))
    return anchors


def start_times(
    rng: random.Random, slots: list[int], owners: list[int], era: tuple[int, int]
) -> list[int]:
    """Give every match of an era a start time, unique, each with a fraction of a second.

    Args:
        rng: The world's random generator.
        slots: For each match, the milliseconds from its start to the earliest the
            next match may start (its length, the join delay and the wait between).
        owners: For each match, the tracked player it was made for; a sitting is one
            player's.
        era: (newest, oldest): the latest a match may start, and the earliest a sitting
            is drawn at. The newest match starts at `newest`; a history too long for
            its calendar runs on before `oldest`.

    Returns:
        The start of each match, in epoch milliseconds; no two matches overlap.

    """
    newest, oldest = era
    oldest = min(oldest, newest - DAY_MS)
    sittings = _sittings(rng, owners)
    anchors = _anchors(rng, sittings, owners, (newest, oldest))
    order = sorted(range(len(sittings)), key=lambda i: anchors[i], reverse=True)
    starts = [0] * len(slots)
    end_by = None  # the latest the next sitting back may end
    for index in order:
        played = sittings[index][::-1]  # oldest first
        offsets = list(itertools.accumulate((slots[i] for i in played[:-1]), initial=0))
        if end_by is None:  # the latest sitting ends the era
            begin = newest - offsets[-1]
        else:
            begin = min(anchors[index], end_by - offsets[-1] - slots[played[-1]])
        for match, offset in zip(played, offsets, strict=True):
            start = begin + offset
            starts[match] = start - (start % 1000 == 0)  # every timestamp carries a fraction
        end_by = begin
    return starts
