"""When simulated matches were played: over each era's whole calendar, in sittings of a few
matches on evenings, busier after a season launches; and the CSR seasons they count towards
are the real ones (../shared/halo-samples/spnkr__get_csr_season_calendar.json)."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data.timeline import DAY_MS, LAUNCHES
from grunt_archive.simulator.data.world import (
    LEGACY_NEWEST,
    LEGACY_OLDEST,
    MODERN_NEWEST,
    MODERN_OLDEST,
    World,
)
from tests.conftest import load_json, sample_paths
from tests.simulator_fixtures import SimClient

CSR_CALENDAR = "/hi/Progression/file/Csr/Calendars/CsrSeasonCalendar.json"
# The real CSR calendar (spnkr__get_csr_season_calendar.json): season, first day, end.
# CsrSeason5-1's end there (2024-01-30) is where that calendar stopped when it was taken:
# Season 6 began on 2024-03-05.
REAL_CSR = {
    "Csr/Seasons/CsrSeason2-2.json": ("2022-08-23", "2022-11-08"),
    "Csr/Seasons/CsrSeason2-3.json": ("2022-11-08", "2023-03-07"),
    "Csr/Seasons/CsrSeason3-1.json": ("2023-03-07", "2023-06-20"),
    "Csr/Seasons/CsrSeason4-1.json": ("2023-06-20", "2023-10-17"),
    "Csr/Seasons/CsrSeason5-1.json": ("2023-10-17", None),
}


@pytest.fixture(scope="module")
def world() -> World:
    """Three players of 300 matches each: the demo's world, on another seed."""
    return World(11, 3, 300)


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _quarter(ms: int) -> tuple[int, int]:
    when = _when(ms)
    return when.year, (when.month - 1) // 3


def test_a_history_spreads_over_its_eras_whole_calendar(world):
    eras = ((False, MODERN_OLDEST, MODERN_NEWEST), (True, LEGACY_OLDEST, LEGACY_NEWEST))
    for player in range(3):
        history = world.history(player)
        for legacy, oldest, newest in eras:
            starts = [m.start_ms for m in history if m.legacy == legacy]
            assert oldest <= starts[-1] and starts[0] <= newest
            quarters = {_quarter(ms) for ms in range(oldest, newest, 30 * DAY_MS)}
            played = {_quarter(ms) for ms in starts}
            # Modern: 2023-Q1 to 2025-Q1, 9 quarters; the 2022 format: Q2 to Q4.
            assert len(played) >= len(quarters) - 1, (legacy, sorted(played))
            # Breaks of weeks, never a season of nothing.
            longest = max(a - b for a, b in itertools.pairwise(starts))
            assert longest < 90 * DAY_MS, (legacy, longest / DAY_MS)
            # Its ends reach both ends of the era's calendar.
            assert starts[-1] - oldest < 120 * DAY_MS and newest - starts[0] < 60 * DAY_MS


def test_matches_come_in_sittings_of_a_few_on_evenings(world):
    for player in range(3):
        starts = [m.start_ms for m in world.history(player) if not m.legacy]
        gaps = [a - b for a, b in itertools.pairwise(starts)]
        assert statistics.median(gaps) < 3_600_000  # mostly one match after another
        days = {_when(ms).date() for ms in starts}
        assert len(starts) / 8 < len(days) < len(starts) / 1.5  # a few matches a day played
        # Evenings in the Americas, in UTC: from 20:00 to 08:00.
        evening = [ms for ms in starts if not 8 <= _when(ms).hour < 20]
        assert len(evening) > 0.8 * len(starts)


def test_play_is_busier_after_a_season_launches_and_from_month_to_month(world):
    launch_days = {
        (launch + i * DAY_MS) // DAY_MS
        for launch in LAUNCHES
        for i in range(21)
        if MODERN_OLDEST <= launch + i * DAY_MS < MODERN_NEWEST
    }
    era_days = (MODERN_NEWEST - MODERN_OLDEST) // DAY_MS
    starts = [m.start_ms for m in world.matches.values() if not m.legacy]
    near = sum(ms // DAY_MS in launch_days for ms in starts)
    rate_near = near / len(launch_days)
    rate_else = (len(starts) - near) / (era_days - len(launch_days))
    assert rate_near > 1.5 * rate_else, (rate_near, rate_else)
    for player in range(3):
        months = Counter(_when(m.start_ms).strftime("%Y-%m") for m in world.history(player))
        counts = sorted(months.values())
        assert counts[-1] >= 3 * statistics.median(counts)  # a busy month, and quiet ones


def test_start_times_are_unique_decreasing_with_a_fraction_and_never_overlap(world):
    metas = sorted(world.matches.values(), key=lambda m: m.start_ms)
    assert len({m.start_ms for m in metas}) == len(metas)
    assert all(m.start_ms % 1000 for m in metas)
    assert all(a.start_ms + a.span_ms < b.start_ms for a, b in itertools.pairwise(metas))
    for player in range(3):
        starts = [m.start_ms for m in world.history(player)]
        assert starts == sorted(starts, reverse=True)


def test_the_timeline_is_the_seeds_alone():
    first, again, other = World(4, 2, 40), World(4, 2, 40), World(5, 2, 40)
    times = [[m.start_ms for m in w.matches.values()] for w in (first, again, other)]
    assert times[0] == times[1] and times[0] != times[2]


@pytest.mark.parametrize(("players", "matches"), [(1, 1), (1, 3), (2, 5), (4, 2)])
def test_small_worlds_still_have_a_timeline(players, matches):
    world = World(9, players, matches)
    for player in range(players):
        history = world.history(player)
        assert len(history) >= matches
        starts = [m.start_ms for m in history]
        assert starts == sorted(set(starts), reverse=True)
        assert all(LEGACY_OLDEST - 30 * DAY_MS < ms <= MODERN_NEWEST for ms in starts)
    newest = max(m.start_ms for m in world.matches.values())
    assert MODERN_NEWEST - newest < 2 * 3_600_000  # the world's clock: late January 2025


def _served_csr_calendar() -> dict[str, tuple[datetime, datetime]]:
    sim = Simulator(SimulatorConfig(seed=1, players=1, matches=5))
    seasons = SimClient(sim).get(CSR_CALENDAR).json()["Seasons"]
    return {
        s["CsrSeasonFilePath"]: tuple(
            datetime.fromisoformat(s[k]["ISO8601Date"]) for k in ("StartDate", "EndDate")
        )
        for s in seasons
    }


def test_csr_seasons_begin_and_end_on_the_real_days():
    ours = _served_csr_calendar()
    for season, (first, end) in REAL_CSR.items():
        assert ours[season][0].date() == date.fromisoformat(first), season
        if end is not None:
            assert ours[season][1].date() == date.fromisoformat(end), season
    paths = sample_paths("spnkr__get_csr_season_calendar.json")
    if paths:  # the sample itself, where it is here
        for real in load_json(paths[0])["Seasons"]:
            first = datetime.fromisoformat(real["StartDate"]["ISO8601Date"])
            assert ours[real["CsrSeasonFilePath"]][0] == first, real


def test_every_match_counts_towards_the_csr_season_of_its_day():
    sim = Simulator(SimulatorConfig(seed=6, players=2, matches=200))
    spans = _served_csr_calendar()
    seen = set()
    for meta in sim.world.matches.values():
        season = sim.stats_document(meta.match_id)["MatchInfo"]["SeasonId"]
        if season is None or meta.legacy:
            continue
        first, end = spans[season]
        assert first <= _when(meta.start_ms) < end, (season, _when(meta.start_ms))
        seen.add(season)
    # The first modern weeks (from 2023-01-10) still count towards the Winter Break's.
    assert "Csr/Seasons/CsrSeason2-3.json" in seen and "Csr/Seasons/CsrSeason3-1.json" in seen
