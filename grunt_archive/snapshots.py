"""Career snapshots: a player's service records and playlist CSR, and asset popularity.

The sync calls `Snapshots.player` after walking the history of each player
who had new matches in the run (or has no snapshot yet: `Snapshots.due`), and
`Snapshots.assets` once at the end of the run; ``sync --matches-only`` calls
neither. Per such player that costs:

* one service record request per scope: matchmade overall, matchmade in the
  current season (the season of their newest matchmade match, when they have
  one), custom and local;
* one playlist CSR request per ranked playlist they have played (a playlist
  where a skill result of theirs named a tier or had placement matches left).

Asset popularity costs one discovery request (the asset's latest version) per
asset in ``assets``, at most once a day (`ASSET_STATS_MAX_AGE`): a few hundred
requests on the first run of the day for a long career, none on the others.
An asset first met in the run's matches is looked at as soon as enrichment
names it (`Snapshots.asset_if_due`): its latest version is often the version
the match names, which then costs no second request, and the discovery host
works while the stats host does rather than after it.

What comes back is written only when it differs from the latest snapshot of
the same key (`store.career_snapshots`). A failed request is never fatal: it is
listed among the run's ``enrichment_pending`` and the next sync simply asks
again. Only a refused token (`AuthError`) stops the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from grunt_archive.api import (
    DiscoveryService,
    Document,
    HaloClient,
    LazyClearance,
    SkillService,
    StatsService,
)
from grunt_archive.api.discovery import CLEARANCE_AWARE
from grunt_archive.documents import ASSET_STATS, PLAYLIST_CSR, SERVICE_RECORD, RawDocument
from grunt_archive.errors import NotFoundError
from grunt_archive.guard import Guard
from grunt_archive.normalize.service_record import parse_scope, scope_key
from grunt_archive.store import Store, career_snapshots
from grunt_archive.store_thread import StoreThread
from grunt_archive.times import now_utc, stamp

# Asset figures looked at more recently than this are not asked for again.
ASSET_STATS_MAX_AGE = timedelta(days=1)
# Snapshot requests in flight at once.
SLOTS = 4


class Snapshots:
    """Takes one sync run's career snapshots.

    Args:
        store: the run's archive; each store call is a unit of work of its own.
        client: the run's client.
        clearance: the run's lazily fetched clearance (shared with enrichment).
        asset_stats_max_age: how old an asset's last look may be before another.
        writes: the run's `StoreThread`, which writes the snapshots (and reads
            when an asset was last looked at), off the event loop;
            inline if none.

    """

    def __init__(
        self,
        store: Store,
        client: HaloClient,
        clearance: LazyClearance,
        *,
        asset_stats_max_age: timedelta = ASSET_STATS_MAX_AGE,
        writes: StoreThread | None = None,
    ) -> None:
        self.store = store
        self.writes = writes or StoreThread(inline=True)
        self.stats = StatsService(client)
        self.skill = SkillService(client)
        self.discovery = DiscoveryService(client)
        self.clearance = clearance
        self.asset_stats_max_age = asset_stats_max_age
        # Snapshots that failed this run (``kind:key``), for the run's report.
        self.failed: list[str] = []
        # Asset figures asked for this run (by enrichment or `assets`): asked once.
        self.assets_asked: set[str] = set()
        self.guard = Guard(self._failed, SLOTS)

    def scopes(self, player_id: str) -> list[str]:
        """Return the service record scopes asked about for a player."""
        season = career_snapshots.current_season(self.store, player_id)
        scopes = [scope_key("matchmade")]
        if season:
            scopes.append(scope_key("matchmade", {"seasonid": season}))
        return [*scopes, scope_key("custom"), scope_key("local")]

    def due(self, player_id: str, history_grew: bool) -> bool:
        """Say whether a player's career can have moved since their last snapshots.

        Service records and CSR change only when the player plays, so a run in
        which their history did not grow asks again only if the stored service
        records miss one of their archived matches (none stored yet, or a run
        that stopped before its snapshots): a no-op sync stays one history
        request per player.
        """
        return history_grew or career_snapshots.service_record_behind(self.store, player_id)

    async def player(self, player_id: str) -> None:
        """Take a player's service record and CSR snapshots.

        Raises:
            AuthError: the token was refused.

        """
        playlists = career_snapshots.ranked_playlists(self.store, player_id)
        scopes = self.scopes(player_id)
        asked = now_utc()
        tasks = [self._service_record(player_id, scope) for scope in scopes]
        tasks += [self._csr(player_id, playlist) for playlist in playlists]
        await asyncio.gather(*tasks)
        keys = {_failure(SERVICE_RECORD.name, SERVICE_RECORD.key_of(player_id, s)) for s in scopes}
        if not keys & set(self.failed):  # every scope answered: the records are current
            await self.writes.run(
                career_snapshots.mark_careers_checked, self.store, player_id, playlists, asked
            )

    async def assets(self, now: datetime | None = None) -> None:
        """Take the popularity of every asset not looked at within `asset_stats_max_age`.

        Raises:
            AuthError: the token was refused.

        """
        cutoff = (now or datetime.now(UTC)) - self.asset_stats_max_age
        due = career_snapshots.assets_to_refresh(self.store, stamp(cutoff))
        due = [(kind, asset_id) for kind, asset_id in due
               if ASSET_STATS.key_of(kind, asset_id) not in self.assets_asked]  # fmt: skip
        await asyncio.gather(*(self._asset(kind, asset_id) for kind, asset_id in due))

    async def asset_if_due(self, kind: str, asset_id: str) -> Document | None:
        """Take an asset's figures now if they are due; return its latest version, if taken.

        Enrichment calls this before fetching a version the archive lacks: when
        the latest version is that version, the one answer serves both. Unlike
        `assets`, a failure is raised to the caller (whose lookup then fails
        and is retried); the figures stay due for the end of the run.

        Raises:
            ApiError: the request failed.

        """
        key = ASSET_STATS.key_of(kind, asset_id)
        if key in self.assets_asked:
            return None
        # Taken before the first await, so that a second match naming the asset asks nothing.
        self.assets_asked.add(key)
        cutoff = stamp(datetime.now(UTC) - self.asset_stats_max_age)
        if await self.writes.run(career_snapshots.checked_since, self.store, key, cutoff):
            return None  # not due: `assets` does not ask either
        try:
            document = await self.discovery.latest(kind, asset_id)
        except NotFoundError:  # gone from discovery: looked at all the same
            await self.writes.run(career_snapshots.mark_checked, self.store, key, now_utc())
            return None
        except BaseException:
            self.assets_asked.discard(key)  # `assets`, at the end of the run, asks again
            raise
        raw = RawDocument.of(ASSET_STATS, key, document)
        await self.writes.run(career_snapshots.save_snapshot, self.store, raw, document.data)
        return document

    # --- one request each ---------------------------------------------------------

    def _service_record(self, player_id: str, scope: str) -> Awaitable[None]:
        lifecycle, filters = parse_scope(scope)
        key = SERVICE_RECORD.key_of(player_id, scope)

        async def fetch() -> None:
            document = await self.stats.service_record(player_id, lifecycle, filters)
            raw = RawDocument.of(SERVICE_RECORD, key, document)
            await self.writes.run(career_snapshots.save_snapshot, self.store, raw, document.data)

        return self._guarded(SERVICE_RECORD.name, key, self.stats.name, fetch)

    def _csr(self, player_id: str, playlist: str) -> Awaitable[None]:
        key = PLAYLIST_CSR.key_of(player_id, playlist)

        async def fetch() -> None:
            await self.clearance.ensure()
            document = await self.skill.playlist_csr(playlist, [player_id])
            raw = RawDocument.of(PLAYLIST_CSR, key, document)
            await self.writes.run(career_snapshots.save_snapshot, self.store, raw, document.data)

        return self._guarded(PLAYLIST_CSR.name, key, self.skill.name, fetch)

    def _asset(self, kind: str, asset_id: str) -> Awaitable[None]:
        key = ASSET_STATS.key_of(kind, asset_id)
        self.assets_asked.add(key)

        async def fetch() -> None:
            if kind in CLEARANCE_AWARE:
                await self.clearance.ensure()
            try:
                document = await self.discovery.latest(kind, asset_id)
            except NotFoundError:  # gone from discovery: looked at all the same
                await self.writes.run(career_snapshots.mark_checked, self.store, key, now_utc())
                return
            raw = RawDocument.of(ASSET_STATS, key, document)
            await self.writes.run(career_snapshots.save_snapshot, self.store, raw, document.data)

        return self._guarded(ASSET_STATS.name, key, self.discovery.name, fetch)

    def _guarded(
        self, kind: str, key: str, service: str, fetch: Callable[[], Awaitable[None]]
    ) -> Awaitable[None]:
        return self.guard.run(kind, key, service, fetch)

    def _failed(self, kind: str, key: str, reason: str, tried: bool) -> None:
        self.failed.append(_failure(kind, key))


def _failure(kind: str, key: str) -> str:
    """Return how the run's report names a failed snapshot (``kind:key``)."""
    return f"{kind}:{key}"
