"""The history walks of a sync: head walk, backfill, full walk, page by page.

How the archive's reach is kept (``tracked_players``): every match whose
start time lies between ``oldest_start_time`` and ``newest_start_time`` is
archived or pending. A run

1. retries pending matches first;
2. walks from the newest page down to ``newest_start_time`` (the head walk),
   and only then moves ``newest_start_time`` up, so an interrupted head walk
   is simply walked again;
3. while the history is not complete, resumes the backfill at
   ``backfill_offset``, committing the cursor after each page's matches are
   stored, never before.

New matches only push older ones to higher offsets, so a resumed backfill may
re-read a few matches (deduplicated by id) but never skips one; the new matches
themselves are the head walk's. Until a match is archived there is no
``newest_start_time`` for a head walk to stop at: the backfill then begins at
the top again, not at its cursor.

The server's word is checked, never trusted:

- the reach moves by the start times of the matches really archived (as their
  stats documents say, and never ahead of the clock), not by the times a
  history page lists, so one entry dated year 9999 cannot hide the matches
  played after it;
- a page shorter than asked does not end the history (some services page
  less than ``count``): only an empty page does, and the next page starts
  where this one ended; an empty page before the number of matches the
  service counts for the player is asked for once more before it is believed
  (a backend that answers nothing for a moment would otherwise end a backfill
  with the older matches never fetched);
- a walk ends after `STALE_PAGES` pages in a row that list no match it has
  not seen (a service ignoring ``start`` serves its first page forever),
  with a `MalformedResponseError` naming the player.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from grunt_archive.api.stats import PAGE_SIZE
from grunt_archive.documents import HISTORY_PAGE, RawDocument
from grunt_archive.errors import MalformedResponseError, NotFoundError
from grunt_archive.normalize import history_entries
from grunt_archive.normalize.history import HistoryEntry
from grunt_archive.store import Store
from grunt_archive.store.matches import archived_match_ids
from grunt_archive.store.raw import save_raw
from grunt_archive.store.state import TrackedState, archived_counts, load_tracked, save_tracked

# Pages whose matches may be fetched while older pages are still being stored.
LOOKAHEAD_PAGES = 2
# Pages in a row listing nothing new before a walk gives up: two, because matches played
# during a walk push a whole page's worth down at most once in a while.
STALE_PAGES = 2


class Page(Protocol):
    """A fetched page (the API client's ``Document``): its raw record and its parsed JSON."""

    path: str
    fetched_at: str
    body: str
    data: Any


class HistorySource(Protocol):
    """Where the walk reads histories from: the stats service, or a fake in tests."""

    async def match_history(self, player: str, start: int = 0) -> Page:
        """Return the page of ``player``'s matches starting at ``start``, newest first."""
        ...

    async def match_count(self, player: str) -> Page:
        """Return how many matches ``player`` has (``MatchesPlayedCount``)."""
        ...


class Launcher(Protocol):
    """Archives the matches the walk finds missing, each at most once a run."""

    launched: int  # matches launched this run, retries of pending ones included

    def launch(self, entry: HistoryEntry, player_id: str) -> Awaitable[None]:
        """Start archiving a match (or return the task already doing it)."""
        ...

    def done(self, match_id: str) -> bool:
        """Say whether the match was handled this run, stored or not (or is not to be fetched)."""
        ...

    def running(self, match_id: str) -> bool:
        """Say whether the match is being archived right now."""
        ...

    def archived_times(self, match_ids: list[str]) -> dict[str, str]:
        """Return the start times, as archived, of those of ``match_ids`` the archive holds.

        Times ahead of the clock are left out: they move no cursor.
        """
        ...


class Progress(Protocol):
    """What the walk tells a progress display (the run advances it per match)."""

    def start(self, player_id: str, total: int | None) -> None:
        """Begin a player's walk, expecting ``total`` matches when known."""

    def finish(self) -> None:
        """End the player's walk."""


@dataclass(frozen=True, slots=True)
class _Page:
    """A history page: where it starts and the matches it lists."""

    start: int
    entries: list[HistoryEntry]

    @property
    def ended(self) -> bool:
        return not self.entries

    @property
    def next_start(self) -> int:
        # A page is asked for PAGE_SIZE matches: one listing more (repeats, or an entry
        # slipped in) moves the service's offset no further, and counting them would
        # step over matches the next page holds.
        return self.start + min(len(self.entries), PAGE_SIZE)


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # marks it retrieved: whoever awaits it reports it


class HistoryWalk:
    """Walks players' histories page by page, archiving what the archive lacks.

    Args:
        source: the history pages (the stats service).
        store: the archive; the walk commits a player's reach only once the
            matches it covers are stored.
        launcher: archives a match (the run).
        progress: told when a player's walk starts and ends.
        limit: stop once this many matches were launched this run (None: no limit).

    """

    def __init__(
        self,
        source: HistorySource,
        store: Store,
        launcher: Launcher,
        progress: Progress,
        limit: int | None = None,
    ) -> None:
        self.source = source
        self.store = store
        self.launcher = launcher
        self.progress = progress
        self.limit = limit
        # Matches the service counts for a player (`/matches/count`), asked when a backfill begins.
        self.counted: dict[str, int] = {}

    def limit_reached(self) -> bool:
        """Say whether ``limit`` matches were launched this run."""
        return self.limit is not None and self.launcher.launched >= self.limit

    async def _page(self, player_id: str, start: int) -> _Page:
        document = await self.source.match_history(player_id, start)
        entries = history_entries(document.data)
        key = HISTORY_PAGE.key_of(player_id, start)
        save_raw(self.store, RawDocument.of(HISTORY_PAGE, key, document))
        return _Page(start, entries)

    def _fetch_page(self, player_id: str, start: int) -> asyncio.Task[_Page]:
        task = asyncio.create_task(self._page(player_id, start))
        task.add_done_callback(_retrieve)
        return task

    def _select(self, player_id: str, page: _Page) -> tuple[list[Awaitable[None]], bool]:
        """Launch fetches for the page's unarchived matches; say whether the page is covered."""
        archived = archived_match_ids(self.store, [entry.match_id for entry in page.entries])
        tasks = []
        for entry in page.entries:
            if entry.match_id in archived or self.launcher.done(entry.match_id):
                continue
            if not self.launcher.running(entry.match_id) and self.limit_reached():
                return tasks, False
            tasks.append(self.launcher.launch(entry, player_id))
        return tasks, True

    async def walk(
        self,
        player_id: str,
        start: int,
        stop_after: Callable[[_Page], bool],
        commit: Callable[[_Page], None],
    ) -> bool:
        """Walk pages from ``start``, archiving what is missing, committing pages in order.

        ``commit`` is called for each page once its matches are stored, oldest
        page first; it never runs for a page whose matches are not all stored.

        Returns:
            True when the walk reached its end; False when the limit cut it short.

        """
        next_page: asyncio.Task[_Page] | None = self._fetch_page(player_id, start)
        # A page listing no match not seen before moves no cursor: it may be a repeat.
        uncommitted: deque[tuple[Awaitable[None], _Page, bool]] = deque()
        complete = True
        seen: set[str] = set()
        stale = 0

        async def commit_oldest() -> None:
            gathering, done_page, repeated = uncommitted.popleft()
            await gathering
            if not repeated:
                commit(done_page)

        try:
            while next_page is not None:
                page = await next_page
                next_page = None
                if page.ended and page.start < self.counted.get(player_id, 0):
                    page = await self._page(player_id, page.start)  # believed the second time
                listed = {entry.match_id for entry in page.entries}
                stale = stale + 1 if page.entries and listed <= seen else 0
                seen |= listed
                if stale >= STALE_PAGES:
                    while uncommitted:  # what the pages before listed is stored: keep it
                        await commit_oldest()
                    raise MalformedResponseError(
                        f"history of {player_id}: {stale} pages in a row from start={page.start}"
                        " list no new match (the service ignores start); walk stopped"
                    )
                tasks, covered = self._select(player_id, page)
                if not covered:
                    # The limit fell inside this page: the pages before it are whole, so
                    # they are finished and committed; this one is not committed.
                    complete = False
                    while uncommitted:
                        await commit_oldest()
                    await _gather(tasks)
                    break
                last = page.ended or stop_after(page)
                if not (last or self.limit_reached()):
                    next_page = self._fetch_page(player_id, page.next_start)
                elif not last:  # the limit stops the walk after this page
                    complete = False
                uncommitted.append((_gather(tasks), page, stale > 0))
                while uncommitted and (len(uncommitted) > LOOKAHEAD_PAGES or next_page is None):
                    await commit_oldest()
        finally:
            if next_page is not None:
                next_page.cancel()
            for gathering, _, _ in uncommitted:
                if isinstance(gathering, asyncio.Future):
                    gathering.cancel()
                elif asyncio.iscoroutine(gathering):
                    gathering.close()  # an un-awaited coroutine
        return complete

    def newest_match(self, player_id: str) -> str | None:
        """Return the start time of the newest match the archive covers for a player."""
        return load_tracked(self.store, player_id).newest_start_time

    async def sync_player(self, player_id: str, *, full: bool = False) -> None:
        """Bring one player's archive up to date (``full``: walk the whole history again)."""
        state = load_tracked(self.store, player_id)
        total = await self._expected_total(player_id, state)
        self.progress.start(player_id, total)
        try:
            if full:
                await self._full_walk(player_id, state)
                return
            if state.newest_start_time is not None:
                if not await self._head_walk(player_id, state):
                    return
                if state.history_complete:
                    return
            await self._backfill(player_id, state)
        finally:
            self.progress.finish()

    async def _expected_total(self, player_id: str, state: TrackedState) -> int | None:
        # Only a backfill (a first one, or one resumed) is long enough to deserve a count
        # request; it expects what the archive lacks (matches stored for another tracked
        # player or by a run cut short included), not the whole history.
        if state.history_complete or self.limit is not None:
            return None
        try:
            counts = (await self.source.match_count(player_id)).data
        except (NotFoundError, MalformedResponseError):
            return None
        total = counts.get("MatchesPlayedCount") if isinstance(counts, dict) else None
        if not isinstance(total, int) or isinstance(total, bool):
            return None
        self.counted[player_id] = total
        archived, _ = archived_counts(self.store, player_id)
        return max(total - sum(archived.values()), 0)

    def _archived_times(self, page: _Page) -> list[str]:
        """Return the archived start times of the page's matches (see `Launcher.archived_times`)."""
        return list(self.launcher.archived_times([e.match_id for e in page.entries]).values())

    async def _head_walk(self, player_id: str, state: TrackedState) -> bool:
        bound = state.newest_start_time or ""
        newest: list[str] = []

        def reached_bound(page: _Page) -> bool:
            # A match archived before this walk, at or before the reach: what follows is covered.
            return any(time <= bound for time in self._archived_times(page))

        def commit(page: _Page) -> None:
            newest.extend(self._archived_times(page))

        complete = await self.walk(player_id, 0, reached_bound, commit)
        if complete:
            if newest and max(newest) > bound:
                state.newest_start_time = max(newest)
            save_tracked(self.store, state)
        return complete

    async def _backfill(self, player_id: str, state: TrackedState) -> None:
        start = await self._backfill_start(player_id, state)

        def commit(page: _Page) -> None:
            times = self._archived_times(page)
            if times:
                oldest = min(times)
                if state.oldest_start_time is None or oldest < state.oldest_start_time:
                    state.oldest_start_time = oldest
                if state.newest_start_time is None or max(times) > state.newest_start_time:
                    state.newest_start_time = max(times)
            state.backfill_offset = page.next_start
            state.history_complete = page.ended
            save_tracked(self.store, state)

        await self.walk(player_id, start, lambda page: False, commit)

    async def _backfill_start(self, player_id: str, state: TrackedState) -> int:
        """Return where to resume, stepping back if matches vanished above the cursor.

        With no match archived yet (every one the backfill passed went pending), there is
        no reach for a head walk to stop at, so none ran: the matches played since sit
        above the cursor, and the backfill begins at the top again.
        """
        if state.newest_start_time is None:
            return 0
        start = state.backfill_offset
        oldest = state.oldest_start_time
        while start > 0 and oldest is not None:
            page = await self._page(player_id, start)
            times = [entry.start_time for entry in page.entries if entry.start_time]
            if times and times[0] >= oldest:
                break
            start = max(0, start - PAGE_SIZE)
        return start

    async def _full_walk(self, player_id: str, state: TrackedState) -> None:
        times: list[str] = []
        last: list[_Page] = []

        def commit(page: _Page) -> None:
            times.extend(self._archived_times(page))
            last[:] = [page]

        if await self.walk(player_id, 0, lambda page: False, commit):
            if times:
                state.newest_start_time = max(times)
                state.oldest_start_time = min(times)
            state.history_complete = True
            state.backfill_offset = last[0].next_start if last else 0
            save_tracked(self.store, state)


async def _gather(tasks: list[Awaitable[None]]) -> None:
    if tasks:
        await asyncio.gather(*tasks)
