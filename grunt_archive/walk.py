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
re-read a few matches (deduplicated by id) but never skips one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from grunt_archive import store
from grunt_archive.api.stats import PAGE_SIZE
from grunt_archive.errors import MalformedResponseError, NotFoundError
from grunt_archive.normalize import history_entries
from grunt_archive.normalize.history import HistoryEntry

# Pages whose matches may be fetched while older pages are still being stored.
LOOKAHEAD_PAGES = 2


@dataclass(frozen=True, slots=True)
class _Page:
    """A history page: where it starts and the matches it lists."""

    start: int
    entries: list[HistoryEntry]

    @property
    def ended(self) -> bool:
        return len(self.entries) < PAGE_SIZE


class HistoryWalks:
    """The walks of a sync run, mixed into the run that owns the connection and tasks.

    The run provides ``connection``, ``stats``, ``options``, ``progress``,
    ``handled``, ``in_flight``, ``_launch``, ``_keep``, ``_gather`` and
    ``_limit_reached``.
    """

    connection: Any
    stats: Any
    options: Any
    progress: Any
    handled: set[str]
    in_flight: dict[str, asyncio.Task[None]]
    _launch: Callable[[HistoryEntry, str | None], asyncio.Task[None]]
    _keep: Callable[[asyncio.Task[Any]], None]
    _gather: Callable[[list[asyncio.Task[None]]], Awaitable[None]]
    _limit_reached: Callable[[], bool]

    async def _page(self, player_id: str, start: int) -> _Page:
        document = await self.stats.match_history(player_id, start)
        entries = history_entries(document.data)
        with self.connection.begin():
            store.save_raw(
                self.connection,
                store.RawDocument.of(store.MATCH_HISTORY, f"{player_id}?start={start}", document),
            )
        return _Page(start, entries)

    def _fetch_page(self, player_id: str, start: int) -> asyncio.Task[_Page]:
        task = asyncio.create_task(self._page(player_id, start))
        self._keep(task)
        return task

    def _select(self, player_id: str, page: _Page) -> tuple[list[asyncio.Task[None]], bool]:
        """Launch fetches for the page's unarchived matches; say whether the page is covered."""
        ids = [entry.match_id for entry in page.entries]
        with self.connection.begin():
            archived = store.archived_match_ids(self.connection, ids)
        tasks = []
        for entry in page.entries:
            if entry.match_id in archived or entry.match_id in self.handled:
                continue
            if entry.match_id not in self.in_flight and self._limit_reached():
                return tasks, False
            tasks.append(self._launch(entry, player_id))
        return tasks, True

    async def walk(
        self,
        player_id: str,
        start: int,
        stop_after: Callable[[_Page], bool],
        commit: Callable[[_Page], None],
    ) -> bool:
        """Walk pages from ``start``, archiving what is missing, committing pages in order.

        Returns:
            True when the walk reached its end; False when ``--limit`` cut it short.

        """
        next_page: asyncio.Task[_Page] | None = self._fetch_page(player_id, start)
        uncommitted: deque[tuple[Awaitable[None], _Page]] = deque()
        complete = True

        async def commit_oldest() -> None:
            gathering, done_page = uncommitted.popleft()
            await gathering
            with self.connection.begin():
                commit(done_page)

        try:
            while next_page is not None:
                page = await next_page
                next_page = None
                tasks, covered = self._select(player_id, page)
                if not covered:
                    # `--limit` fell inside this page: the pages before it are whole, so
                    # they are finished and committed; this one is not committed.
                    complete = False
                    while uncommitted:
                        await commit_oldest()
                    await self._gather(tasks)
                    break
                last = page.ended or stop_after(page)
                if not (last or self._limit_reached()):
                    next_page = self._fetch_page(player_id, page.start + PAGE_SIZE)
                elif not last:  # the limit stops the walk after this page
                    complete = False
                uncommitted.append((self._gather(tasks), page))
                while uncommitted and (len(uncommitted) > LOOKAHEAD_PAGES or next_page is None):
                    await commit_oldest()
        finally:
            if next_page is not None:
                next_page.cancel()
            for gathering, _ in uncommitted:
                if isinstance(gathering, asyncio.Future):
                    gathering.cancel()
                else:
                    gathering.close()  # an un-awaited coroutine
        return complete

    def newest_match(self, player_id: str) -> str | None:
        """Return the start time of the newest match the archive covers for a player."""
        with self.connection.begin():
            return store.load_tracked(self.connection, player_id).newest_start_time

    async def sync_player(self, player_id: str) -> None:
        """Bring one player's archive up to date."""
        with self.connection.begin():
            state = store.load_tracked(self.connection, player_id)
        total = await self._expected_total(player_id, state)
        self.progress.start(player_id, total)
        try:
            if self.options.full:
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

    async def _expected_total(self, player_id: str, state: store.TrackedState) -> int | None:
        # Only a first backfill is long enough to deserve a count request.
        if state.newest_start_time is not None or self.options.limit is not None:
            return None
        try:
            counts = (await self.stats.match_count(player_id)).data
        except (NotFoundError, MalformedResponseError):
            return None
        total = counts.get("MatchesPlayedCount") if isinstance(counts, dict) else None
        return total if isinstance(total, int) else None

    async def _head_walk(self, player_id: str, state: store.TrackedState) -> bool:
        bound = state.newest_start_time or ""
        newest: list[str] = []

        def reached_bound(page: _Page) -> bool:
            return any(entry.start_time <= bound for entry in page.entries)

        def commit(page: _Page) -> None:
            newest.extend(entry.start_time for entry in page.entries[:1])

        complete = await self.walk(player_id, 0, reached_bound, commit)
        if complete:
            if newest and newest[0] > bound:
                state.newest_start_time = newest[0]
            with self.connection.begin():
                store.save_tracked(self.connection, state)
        return complete

    async def _backfill(self, player_id: str, state: store.TrackedState) -> None:
        start = await self._backfill_start(player_id, state)

        def commit(page: _Page) -> None:
            times = [entry.start_time for entry in page.entries]
            if times:
                oldest = min(times)
                if state.oldest_start_time is None or oldest < state.oldest_start_time:
                    state.oldest_start_time = oldest
                if state.newest_start_time is None:
                    state.newest_start_time = max(times)
            state.backfill_offset = page.start + len(page.entries)
            state.history_complete = page.ended
            store.save_tracked(self.connection, state)

        await self.walk(player_id, start, lambda page: False, commit)

    async def _backfill_start(self, player_id: str, state: store.TrackedState) -> int:
        """Return where to resume, stepping back if matches vanished above the cursor."""
        start = state.backfill_offset
        oldest = state.oldest_start_time
        while start > 0 and oldest is not None:
            page = await self._page(player_id, start)
            first = page.entries[0].start_time if page.entries else None
            if first is not None and first >= oldest:
                break
            start = max(0, start - PAGE_SIZE)
        return start

    async def _full_walk(self, player_id: str, state: store.TrackedState) -> None:
        times: list[str] = []
        last: list[_Page] = []

        def commit(page: _Page) -> None:
            times.extend(entry.start_time for entry in page.entries)
            last[:] = [page]

        if await self.walk(player_id, 0, lambda page: False, commit):
            if times:
                state.newest_start_time = max(times)
                state.oldest_start_time = min(times)
            state.history_complete = True
            state.backfill_offset = last[0].start + len(last[0].entries) if last else 0
            with self.connection.begin():
                store.save_tracked(self.connection, state)
