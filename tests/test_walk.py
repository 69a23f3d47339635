"""The history walk alone: a fake page source, a fake launcher, a real archive for its cursor."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from grunt_archive.errors import MalformedResponseError, ServiceUnavailableError
from grunt_archive.normalize.history import HistoryEntry
from grunt_archive.store import open_store
from grunt_archive.store.state import TrackedState, load_tracked, track_player
from grunt_archive.walk import LOOKAHEAD_PAGES, HistoryWalk

PLAYER = "xuid(2533274800000001)"
PAGE = 25


def match_id(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


def start_time(index: int) -> str:
    # Newest first: index 0 is the latest match.
    return f"2025-{12 - index // 200:02d}-{28 - (index % 200) // 8:02d}T{23 - index % 8:02d}:00:00.000Z"


@dataclass
class FakePage:
    path: str
    body: str
    data: Any
    fetched_at: str = "2026-01-01T00:00:00.000Z"


@dataclass
class FakeHistory:
    """A player with ``count`` matches (from ``first`` on); counts the page requests.

    It can misbehave: serve pages of ``page`` matches whatever ``count`` asks, ignore
    ``start``, list some matches with a made-up start time (``times``), or answer the
    pages at ``blank`` empty, the first ``blank_times`` times they are asked for.
    """

    count: int
    requests: list[int] = field(default_factory=list)
    first: int = 0
    page: int = PAGE
    ignore_start: bool = False
    times: dict[int, str] = field(default_factory=dict)
    blank: set[int] = field(default_factory=set)
    blank_times: int = 1

    async def match_history(self, player: str, start: int = 0) -> FakePage:
        self.requests.append(start)
        await asyncio.sleep(0)
        if start in self.blank and self.requests.count(start) <= self.blank_times:
            return FakePage(f"/history?start={start}", '{"Results": []}', {"Results": []})
        begin = self.first + (0 if self.ignore_start else start)
        results = [
            {
                "MatchId": match_id(i),
                "MatchInfo": {"StartTime": self.times.get(i, start_time(i)), "LifecycleMode": 3},
            }
            for i in range(begin, min(begin + self.page, self.count))
        ]
        data = {"Results": results}
        return FakePage(f"/history?start={start}", json.dumps(data), data)

    async def match_count(self, player: str) -> FakePage:
        data = {"MatchesPlayedCount": self.count}
        return FakePage("/count", json.dumps(data), data)


@dataclass
class FakeLauncher:
    """Archives a match after a few turns of the loop, later ones sooner; one can fail."""

    fail: set[str] = field(default_factory=set)
    launched: int = 0
    stored: set[str] = field(default_factory=set)
    handled: set[str] = field(default_factory=set)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def launch(self, entry: HistoryEntry, player_id: str) -> asyncio.Task[None]:
        if entry.match_id not in self.tasks:
            self.launched += 1
            self.tasks[entry.match_id] = asyncio.ensure_future(self._archive(entry))
        return self.tasks[entry.match_id]

    async def _archive(self, entry: HistoryEntry) -> None:
        for _ in range(int(entry.match_id[-3:]) % 5):
            await asyncio.sleep(0)
        self.handled.add(entry.match_id)
        if entry.match_id in self.fail:
            raise ServiceUnavailableError("match stats: HTTP 503")
        self.stored.add(entry.match_id)

    def done(self, match_id: str) -> bool:
        return match_id in self.handled

    def running(self, match_id: str) -> bool:
        return match_id in self.tasks and match_id not in self.handled

    def archived_times(self, match_ids: list[str]) -> dict[str, str]:
        # As archived: the time the match's stats say, whatever the history page said.
        return {m: start_time(int(m[-12:])) for m in match_ids if m in self.stored}


class NoProgress:
    def start(self, player_id: str, total: int | None) -> None:
        pass

    def finish(self) -> None:
        pass


def walk(engine, history: FakeHistory, launcher: FakeLauncher, limit=None) -> TrackedState:
    with open_store(engine) as store:
        track_player(store, PLAYER)
        walker = HistoryWalk(history, store, launcher, NoProgress(), limit)
        try:
            asyncio.run(walker.sync_player(PLAYER))
        finally:
            state = load_tracked(store, PLAYER)
    return state


def test_a_whole_history_is_walked_and_its_end_recorded(engine):
    launcher = FakeLauncher()
    state = walk(engine, FakeHistory(60), launcher)
    assert launcher.stored == {match_id(i) for i in range(60)}
    assert (state.history_complete, state.backfill_offset) == (True, 60)
    assert (state.newest_start_time, state.oldest_start_time) == (start_time(0), start_time(59))


def test_a_limit_inside_a_page_commits_the_whole_pages_before_it(engine):
    launcher = FakeLauncher()
    history = FakeHistory(100)
    state = walk(engine, history, launcher, limit=30)
    assert launcher.launched == 30
    assert launcher.stored == {match_id(i) for i in range(30)}
    # The first page is whole and committed; the second, cut by the limit, is not.
    assert (state.history_complete, state.backfill_offset) == (False, PAGE)
    assert state.oldest_start_time == start_time(PAGE - 1)
    # The next run resumes at the cursor and finds the rest.
    rest = FakeLauncher(handled=set(launcher.stored))
    state = walk(engine, history, rest)
    assert launcher.stored | rest.stored == {match_id(i) for i in range(100)}
    assert (state.history_complete, state.backfill_offset) == (True, 100)


@pytest.mark.parametrize("failing", [3, 27, 60, 99])
def test_an_interrupted_walk_never_moves_the_cursor_past_an_unstored_match(engine, failing):
    launcher = FakeLauncher(fail={match_id(failing)})
    with pytest.raises(ServiceUnavailableError):
        walk(engine, FakeHistory(100), launcher)
    state = walk_state(engine)
    assert state.backfill_offset <= failing
    assert state.backfill_offset % PAGE == 0 and not state.history_complete
    # Every match the cursor has passed is stored.
    assert {match_id(i) for i in range(state.backfill_offset)} <= launcher.stored


def walk_state(engine) -> TrackedState:
    with open_store(engine) as store:
        return load_tracked(store, PLAYER)


def test_a_head_walk_stops_at_the_newest_match_already_covered(engine):
    history = FakeHistory(40)
    walk(engine, history, FakeLauncher())
    history.requests.clear()
    # Nothing new: the head walk reads one page and stops at the covered match.
    every = {match_id(i) for i in range(40)}
    state = walk(engine, history, FakeLauncher(handled=every, stored=set(every)))
    assert history.requests == [0]
    assert (state.history_complete, state.newest_start_time) == (True, start_time(0))


def test_a_far_future_start_time_never_hides_the_matches_played_after_it(engine):
    # Matches 30..69 are played; the history says the newest started in year 9999.
    history = FakeHistory(70, first=30, times={30: "9999-12-31T23:59:59Z"})
    first = FakeLauncher()
    state = walk(engine, history, first)
    assert first.stored == {match_id(i) for i in range(30, 70)}
    assert state.newest_start_time == start_time(30)  # as archived, not as the page said
    # 30 more matches are played: the next run must walk past its first page to find them all.
    history.first = 0
    second = FakeLauncher(handled=set(first.stored), stored=set(first.stored))
    state = walk(engine, history, second)
    assert {match_id(i) for i in range(30)} <= second.stored
    assert state.newest_start_time == start_time(0)


@pytest.mark.parametrize(
    "odd", ["9999-12-31T23:59:59Z", "2025-13-45T25:61:61Z", "not a time", "Z", "1970-01-01T00:00Z"]
)
def test_an_impossible_start_time_is_archived_by_its_stats_and_moves_no_cursor(engine, odd):
    launcher = FakeLauncher()
    state = walk(engine, FakeHistory(30, times={0: odd, 29: odd}), launcher)
    assert launcher.stored == {match_id(i) for i in range(30)}
    assert (state.newest_start_time, state.oldest_start_time) == (start_time(0), start_time(29))


def test_pages_shorter_than_asked_do_not_end_the_walk(engine):
    launcher = FakeLauncher()
    history = FakeHistory(60, page=10)
    state = walk(engine, history, launcher)
    assert launcher.stored == {match_id(i) for i in range(60)}
    assert history.requests == [0, 10, 20, 30, 40, 50, 60]
    assert (state.history_complete, state.backfill_offset) == (True, 60)


def test_an_empty_page_before_the_counted_end_is_asked_for_again(engine):
    """A backend answering nothing for a moment must not end a backfill half way."""
    launcher = FakeLauncher()
    history = FakeHistory(60, blank={PAGE})
    state = walk(engine, history, launcher)
    assert launcher.stored == {match_id(i) for i in range(60)}
    assert history.requests == [0, PAGE, PAGE, 2 * PAGE, 60]  # the true end is asked once
    assert (state.history_complete, state.backfill_offset) == (True, 60)


def test_an_empty_page_asked_for_twice_is_believed(engine):
    # A service that counts matches it never lists (`verify` compares the two).
    launcher = FakeLauncher()
    history = FakeHistory(60, blank={PAGE}, blank_times=2)
    state = walk(engine, history, launcher)
    assert launcher.stored == {match_id(i) for i in range(PAGE)}
    assert history.requests == [0, PAGE, PAGE]
    assert (state.history_complete, state.backfill_offset) == (True, PAGE)


def test_a_service_ignoring_start_ends_the_walk_in_a_few_pages(engine):
    launcher = FakeLauncher()
    history = FakeHistory(100, ignore_start=True)

    async def bounded() -> None:
        with open_store(engine) as store:
            track_player(store, PLAYER)
            walker = HistoryWalk(history, store, launcher, NoProgress())
            await asyncio.wait_for(walker.sync_player(PLAYER), timeout=30)

    with pytest.raises(MalformedResponseError, match="ignores start"):
        asyncio.run(bounded())
    assert len(history.requests) <= 2 + LOOKAHEAD_PAGES
    # What the first page listed is archived, and the cursor covers that page only.
    assert launcher.stored == {match_id(i) for i in range(PAGE)}
    state = walk_state(engine)
    assert (state.history_complete, state.backfill_offset) == (False, PAGE)
