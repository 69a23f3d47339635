"""Enrichment: the names, medals, skill and gamertags that make the archive speak Halo.

The sync hands each stored match to `Enricher.after_match`, which looks up
what that match refers to and the archive lacks: the discovery document of
each asset version, and, for a matchmade match, the skill results of its
human players. `Enricher.finish` then does what is best done once a run:
names bots, fetches the medal metadata and the season calendars when ids
they should name turned up, and looks up the gamertags left (whole batches
of gamertags are looked up while the matches arrive).
`Enricher.catch_up`, called before the walk, retries what failed before and
fills in matches archived before enrichment existed.

What is missing is read from the archive itself (``store.lookups.missing_*``),
so a run that was killed, an archive upgraded from revision 0001, and a
lookup that failed last time are all caught up the same way; and when
nothing new arrived nothing is missing, so a no-op sync makes no request.

Failures never lose a match: a lookup that fails goes to
``pending_enrichment`` and is retried by the next run (up to
``store.lookups.MAX_ATTEMPTS`` times). They do not make the run ``partial``
either: that outcome (exit 3) means matches are missing, and the skill
service in particular lags behind the match (halo-api.md §7.4). A service
that keeps failing is not asked again in the same run. Only a refused token
(`AuthError`) stops the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime, timedelta
from functools import partial

from grunt_archive.api import (
    DiscoveryService,
    Document,
    GameCmsService,
    HaloClient,
    LazyClearance,
    ProfileService,
    SkillService,
)
from grunt_archive.api.discovery import CLEARANCE_AWARE
from grunt_archive.api.gamecms import CSR_SEASON_CALENDAR, MEDAL_METADATA, SEASON_CALENDAR
from grunt_archive.documents import ASSET, MATCH_SKILL, PROFILE_USERS, RawDocument
from grunt_archive.documents import MEDAL_METADATA as MEDALS
from grunt_archive.documents import SEASON_CALENDAR as CALENDAR
from grunt_archive.errors import MalformedResponseError, NotFoundError
from grunt_archive.guard import Guard
from grunt_archive.normalize import bot_name
from grunt_archive.players import xuid_of
from grunt_archive.store import Store, lookups
from grunt_archive.store.claims import WorkClaims
from grunt_archive.store_thread import StoreThread
from grunt_archive.times import stamp

# A gamertag looked up longer ago than this is looked up again.
GAMERTAG_MAX_AGE = timedelta(days=30)
# A tracked player whose history grew is asked about again sooner (they may have
# renamed), but at most once a day however often the timer runs.
PLAYED_GAMERTAG_MAX_AGE = timedelta(days=1)
# Users per profile request (LevelUp's batch size; the service takes a list).
PROFILE_BATCH = 20
# Lookups in flight per service: enrichment leaves the client's other slots to match
# stats, and a lookup that waits for a slot sees whether the service has failed meanwhile.
SERVICE_SLOTS = 4
# Why a medal stays nameless (`pending_enrichment.reason`).
_NOT_IN_MEDALS = "not in the medal metadata"


class Enricher:
    """Looks up and stores what one sync run's matches refer to.

    Args:
        store: the run's archive; every store call is a unit of work of its own.
        client: the run's client.
        gamertag_max_age: how old a gamertag lookup may be before it is repeated.
        profile_batch: users per profile request.
        clearance: the run's lazily fetched clearance, if shared (a new one otherwise).
        latest_asset: takes an asset's figures when due and returns its latest
            version (`Snapshots.asset_if_due`); ``None`` takes no figures.
        work: the run's claims on pending work: a lookup another worker is
            making, or has made or tried since this run began, is left to it.
        writes: the run's `StoreThread`, which stores skill and assets (off the
            event loop; inline when not given).

    """

    def __init__(
        self,
        store: Store,
        client: HaloClient,
        *,
        gamertag_max_age: timedelta = GAMERTAG_MAX_AGE,
        profile_batch: int = PROFILE_BATCH,
        clearance: LazyClearance | None = None,
        latest_asset: Callable[[str, str], Awaitable[Document | None]] | None = None,
        work: WorkClaims | None = None,
        writes: StoreThread | None = None,
    ) -> None:
        self.store = store
        self.writes = writes or StoreThread(inline=True)
        self.work = work or WorkClaims(store)
        self.skill = SkillService(client)
        self.discovery = DiscoveryService(client)
        self.gamecms = GameCmsService(client)
        self.profile = ProfileService(client)
        self.clearance = clearance or LazyClearance(client)
        self.gamertag_max_age = gamertag_max_age
        self.profile_batch = max(1, profile_batch)
        self.latest_asset = latest_asset
        # Players whose gamertag lookup was started this run, and matches stored since the last.
        self.gamertags_asked: set[str] = set()
        self.stored_since_gamertags = 0
        # Lookups in flight, so one shared by many matches is made once.
        self.in_flight: dict[tuple[str, str], asyncio.Task[None]] = {}
        # Lookups tried this run, whatever came of them: never tried twice in a run.
        self.tried: set[tuple[str, str]] = set()
        # Whether this run fetched and stored the medal metadata.
        self.medals_fetched = False
        # Lookups an earlier run tried and failed: their failing again takes no service down.
        self.failed_before: set[tuple[str, str]] = set()
        # What lookups raised past the guard (a refused token, a broken archive).
        self.failures: list[BaseException] = []
        self.guard = Guard(self._pending, SERVICE_SLOTS, per_service=True)

    # --- the three calls the sync makes ------------------------------------------

    async def catch_up(self) -> None:
        """Retry failed lookups and fill in matches stored without enrichment."""
        self.failed_before = lookups.failed_before(self.store)
        assets = lookups.missing_assets(self.store)
        skill = lookups.missing_skill(self.store)
        await self._gather(
            [self._asset(*ref) for ref in assets] + [self._skill(match_id) for match_id in skill]
        )

    async def after_match(self, match_id: str) -> None:
        """Start looking up what a just-stored match refers to, and return.

        The lookups run on while the sync fetches the next matches: the match's
        slot is not held for hosts that answer at their own rate. `finish`
        waits for them. Never raises `ApiError`: failures go to ``pending_enrichment``.

        Raises:
            AuthError: the token was refused (by a lookup started before).

        """
        self._raise_failure()
        assets, skill = await self.writes.run(self._to_look_up, match_id)
        for ref in assets:
            self._asset(*ref)
        if skill:
            self._skill(match_id)
        # Whole batches of gamertags go while matches arrive: the profile host would
        # otherwise work alone at the end of the run.
        self.stored_since_gamertags += 1
        if self.stored_since_gamertags >= self.profile_batch:
            self.stored_since_gamertags = 0
            self._gamertag_batches(await self.writes.run(self._stale), whole_only=True)

    async def finish(self, played: Sequence[str] = ()) -> list[str]:
        """Do the run's once-only lookups; return the lookups left pending (``kind:key``).

        ``played`` are the tracked players whose history grew this run: their
        gamertags are asked again once a day rather than once a month (a renamed
        member is shown by the new name after their next match).

        Raises:
            AuthError: the token was refused.

        """
        while self.in_flight:
            await self._gather(list(self.in_flight.values()))
        self._raise_failure()
        bots = lookups.unnamed_bots(self.store)
        lookups.name_bots(self.store, {bot: bot_name(bot) or bot for bot in bots})
        await self._medals()
        await self._seasons()
        await self._gamertags(played)
        return lookups.pending_items(self.store)

    async def after_snapshots(self) -> list[str]:
        """Name the medals that only the run's service records named; return as `finish`.

        Metadata fetched earlier in the run that lacks them is not asked for again:
        they are given up now, as when a match names them, not left for the next
        run to fetch it once more. (A snapshot's season is its player's newest
        match's, named by `finish` already.)
        """
        if self.medals_fetched:
            lookups.give_up_missing(self.store, lookups.MEDAL, _NOT_IN_MEDALS)
        else:
            await self._medals()
        return lookups.pending_items(self.store)

    def _to_look_up(self, match_id: str) -> tuple[list[tuple[str, str, str]], bool]:
        """Return the assets a stored match names that are not looked up, and if it needs skill."""
        return lookups.missing_assets(self.store, match_id), lookups.needs_skill(
            self.store, match_id
        )

    async def stop(self) -> None:
        """Cancel every lookup in flight after the run failed, and collect their errors."""
        running = list(self.in_flight.values())
        for task in running:
            task.cancel()
        self.clearance.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    # --- per-match lookups ---------------------------------------------------------

    def _asset(self, kind: str, asset_id: str, version_id: str) -> Awaitable[None]:
        key = ASSET.key_of(kind, asset_id, version_id)

        async def fetch() -> None:
            if kind in CLEARANCE_AWARE:
                await self.clearance.ensure()
            document = None
            if self.latest_asset is not None:
                # A latest version that does not parse leaves the version's own path to try;
                # its figures are asked again at the end of the run, and reported there.
                with suppress(MalformedResponseError):
                    document = await self.latest_asset(kind, asset_id)
            if document is None or not _is_version(document, version_id):
                document = await self.discovery.asset(kind, asset_id, version_id)
            raw = RawDocument.of(ASSET, key, document)
            await self.writes.run(lookups.save_asset, self.store, raw, document.data)

        def needed() -> bool:
            return not lookups.asset_fetched(self.store, asset_id, version_id)

        return self._launch(ASSET.name, key, self.discovery.name, fetch, needed=needed)

    def _skill(self, match_id: str) -> Awaitable[None]:
        async def fetch() -> None:
            # Bots (`bid(…)`) make the service refuse the whole request; ask for humans only.
            found = await self.writes.run(lookups.skill_players, self.store, match_id)
            players = [p for p in found if xuid_of(p)]
            if not players:
                lookups.mark_pending(
                    self.store, MATCH_SKILL.name, match_id, "no human players", give_up=True
                )
                return
            await self.clearance.ensure()
            document = await self.skill.match_skill(match_id, players)
            raw = RawDocument.of(MATCH_SKILL, MATCH_SKILL.key_of(match_id), document)
            await self.writes.run(lookups.save_match_skill, self.store, raw, document.data)

        needed = partial(lookups.needs_skill, self.store, match_id)
        return self._launch(MATCH_SKILL.name, match_id, self.skill.name, fetch, needed=needed)

    def _launch(
        self,
        kind: str,
        key: str,
        service: str,
        fetch: Callable[[], Awaitable[None]],
        pending_key: str | None = None,
        needed: Callable[[], bool] | None = None,
    ) -> Awaitable[None]:
        """Start a lookup unless it is in flight or was tried this run.

        A failure is recorded under ``(kind, pending_key)``, by default the lookup's own key.
        With ``needed`` (whether it is still to be made), the lookup is made under a
        claim on that item (`WorkClaims.claim`), so that one worker of several makes it.
        """
        task = self.in_flight.get((kind, key))
        if task is not None:
            return task
        if (kind, key) in self.tried:
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        self.tried.add((kind, key))
        pending = key if pending_key is None else pending_key

        def claim() -> AbstractContextManager[bool]:
            assert needed is not None
            return self.work.claim(kind, pending, needed)

        claimed = claim if needed is not None else None
        # A batch's pending row stands for every batch (key ""): none of them is that retry.
        retry = bool(pending) and (kind, pending) in self.failed_before
        task = asyncio.ensure_future(
            self.guard.run(kind, pending, service, fetch, claimed, retry=retry)
        )
        self.in_flight[kind, key] = task

        def landed(task: asyncio.Task[None]) -> None:
            self.in_flight.pop((kind, key), None)
            # Nobody may be awaiting a lookup started by `after_match`: keep what it raised.
            if not task.cancelled() and task.exception() is not None:
                self.failures.append(task.exception())

        task.add_done_callback(landed)
        return task

    def _raise_failure(self) -> None:
        """Raise what a lookup nobody awaited raised (a refused token, a broken archive)."""
        if self.failures:
            raise self.failures[0]

    def _pending(self, kind: str, key: str, reason: str, tried: bool) -> None:
        lookups.mark_pending(self.store, kind, key, reason, tried=tried)

    async def _gather(self, tasks: list[Awaitable[None]]) -> None:
        if tasks:
            await asyncio.gather(*tasks)

    # --- once a run ----------------------------------------------------------------

    async def _medals(self) -> None:
        """Fetch the medal metadata when awarded medals lack a name (empty table, new medal)."""
        if not lookups.missing_medal_ids(self.store) or lookups.given_up(
            self.store, MEDALS.name, ""
        ):
            return

        async def fetch() -> None:
            document = await self.gamecms.medal_metadata()
            raw = RawDocument.of(MEDALS, MEDALS.key_of(MEDAL_METADATA), document)
            lookups.save_medals(self.store, raw, document.data)
            lookups.give_up_missing(self.store, lookups.MEDAL, _NOT_IN_MEDALS)
            self.medals_fetched = True

        def needed() -> bool:
            return bool(lookups.missing_medal_ids(self.store))

        await self._launch(MEDALS.name, "", self.gamecms.name, fetch, needed=needed)

    async def _seasons(self) -> None:
        """Fetch both season calendars when matches name a season the archive lacks."""
        if not lookups.missing_season_ids(self.store) or lookups.given_up(
            self.store, CALENDAR.name, ""
        ):
            return

        async def fetch() -> None:
            # The CSR calendar goes second, so its dates win for a CSR season either lists.
            for path, method in (
                (SEASON_CALENDAR, self.gamecms.season_calendar),
                (CSR_SEASON_CALENDAR, self.gamecms.csr_season_calendar),
            ):
                document = await method()
                raw = RawDocument.of(CALENDAR, CALENDAR.key_of(path), document)
                lookups.save_seasons(self.store, raw, document.data)
            lookups.give_up_missing(self.store, lookups.SEASON, "not in the calendars")

        def needed() -> bool:
            return bool(lookups.missing_season_ids(self.store))

        await self._launch(CALENDAR.name, "", self.gamecms.name, fetch, needed=needed)

    async def _gamertags(self, played: Sequence[str]) -> None:
        """Look up the gamertags left: never looked up, looked up too long ago, or played."""
        await self._gather(self._gamertag_batches(self._stale(played), whole_only=False))

    def _stale(self, played: Sequence[str] = ()) -> list[str]:
        """Return the players whose gamertag is stale (`_gamertag_batches` drops those asked).

        It may run on the store thread: the players asked this run are the loop's to read.
        """
        now = datetime.now(UTC)
        return lookups.stale_gamertags(
            self.store,
            stamp(now - self.gamertag_max_age),
            played,
            stamp(now - PLAYED_GAMERTAG_MAX_AGE),
        )

    def _gamertag_batches(self, stale: list[str], *, whole_only: bool) -> list[Awaitable[None]]:
        """Start a lookup per batch of the ``stale`` gamertags.

        With ``whole_only``, only full batches go: the rest waits for more players.
        """
        # Here, on the loop: a scan on a store thread may predate batches started since.
        stale = [player for player in stale if player not in self.gamertags_asked]
        batches = [
            stale[start : start + self.profile_batch]
            for start in range(0, len(stale), self.profile_batch)
        ]
        if whole_only and batches and len(batches[-1]) < self.profile_batch:
            batches.pop()
        return [self._gamertag_batch(batch) for batch in batches]

    def _gamertag_batch(self, players: list[str]) -> Awaitable[None]:
        self.gamertags_asked.update(players)
        xuids = [xuid for xuid in map(xuid_of, players) if xuid]

        async def fetch() -> None:
            try:
                document = await self.profile.users(xuids)
            except NotFoundError:  # none of them is known: they are looked up all the same
                await self.writes.run(lookups.save_gamertags, self.store, None, None, players)
                return
            raw = RawDocument.of(PROFILE_USERS, PROFILE_USERS.key_of(xuids), document)
            await self.writes.run(lookups.save_gamertags, self.store, raw, document.data, players)

        # One pending row stands for every batch: the players' lookup times say which remain.
        return self._launch(PROFILE_USERS.name, players[0], self.profile.name, fetch, "")


def _is_version(document: Document, version_id: str) -> bool:
    """Say whether an asset's latest version is the version ``version_id``."""
    data = document.data
    served = data.get("VersionId") if isinstance(data, dict) else None
    return isinstance(served, str) and served.lower() == version_id.lower()
