"""Fetching films in a sync: each new match's manifest and highlight chunk, before they expire.

`FilmFetcher.after_match` fetches a just-stored match's film manifest and its
highlight chunk (type 3) and stores both (`store.films.save_film`); a 404 on
either marks the film ``gone`` (films expire: it is never asked for again),
and any other failure goes to ``pending_enrichment`` like any lookup
(`guard.Guard`), to be tried again by `catch_up` in the next run.
`backfill` (``sync --films-backfill``) fetches the films of archived matches
that have none, newest first, and stops at the first 404: older films have
expired too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from functools import partial

from grunt_archive.api import FilmService, HaloClient
from grunt_archive.documents import FILM_CHUNK, FILM_MANIFEST, RawDocument
from grunt_archive.errors import NotFoundError
from grunt_archive.guard import Guard
from grunt_archive.normalize.films import READ
from grunt_archive.store import Store, lookups
from grunt_archive.store import films as stored
from grunt_archive.store.claims import WorkClaims
from grunt_archive.store_thread import StoreThread

# Films fetched at once: a manifest then a blob each, beside the match stats requests.
FILM_SLOTS = 4


class FilmFetcher:
    """Fetches and stores the films of one sync run's matches.

    Args:
        store: the run's archive.
        client: the run's client (its limits, retries and tokens; the blob host
            has its own limiter there).
        work: the run's claims on pending work (a film another worker fetches is left to it).
        writes: the run's `StoreThread`, which reads and stores films (off the
            event loop; inline when not given).

    """

    def __init__(
        self,
        store: Store,
        client: HaloClient,
        work: WorkClaims | None = None,
        writes: StoreThread | None = None,
    ) -> None:
        self.store = store
        self.writes = writes or StoreThread(inline=True)
        self.work = work or WorkClaims(store)
        self.films = FilmService(client)
        self.guard = Guard(self._pending, FILM_SLOTS)
        self.archived = 0
        self.gone = 0
        self.unreadable = 0
        self.inferred = 0

    async def after_match(self, match_id: str, *, retry: bool = False) -> None:
        """Fetch and store a just-archived match's film, unless it has one or was given up.

        Never raises `ApiError`: failures go to ``pending_enrichment``. A ``retry`` (a
        film whose fetch failed in an earlier run) failing again does not take the host
        for down: two films the host always fails on would otherwise stop every run's films.

        Raises:
            AuthError: the token was refused.

        """
        if await self.writes.run(stored.needs_film, self.store, match_id):

            def claim() -> AbstractContextManager[bool]:
                needed = partial(stored.needs_film, self.store, match_id)
                return self.work.claim(FILM_MANIFEST.name, match_id, needed)

            await self.guard.run(
                FILM_MANIFEST.name, match_id, self.films.name, self._fetcher(match_id), claim,
                retry=retry,
            )  # fmt: skip

    async def catch_up(self) -> None:
        """Try again the films whose fetch failed in an earlier run."""
        await asyncio.gather(
            *(
                self.after_match(match_id, retry=True)
                for match_id in stored.pending_films(self.store)
            )
        )

    async def backfill(self) -> None:
        """Fetch the films of archived matches that have none, newest first, up to the first 404.

        Raises:
            AuthError: the token was refused.

        """
        matches = stored.matches_without_film(self.store)
        for start in range(0, len(matches), FILM_SLOTS):
            gone_before = self.gone
            await asyncio.gather(
                *(self.after_match(m) for m in matches[start : start + FILM_SLOTS])
            )
            if self.gone > gone_before or self.films.name in self.guard.broken:
                return

    def _fetcher(self, match_id: str) -> Callable[[], Awaitable[None]]:
        async def fetch() -> None:
            try:
                manifest = await self.films.manifest(match_id)
                chunk = await self.films.chunk(manifest.data)
            except NotFoundError:
                await self.writes.run(self._gone, match_id)
                return
            manifest_raw = RawDocument.of(FILM_MANIFEST, FILM_MANIFEST.key_of(match_id), manifest)
            chunk_raw = RawDocument(
                FILM_CHUNK.name, FILM_CHUNK.key_of(match_id), chunk.path, chunk.fetched_at,
                chunk.content or b"",
            )  # fmt: skip
            await self.writes.run(self._save, manifest_raw, chunk_raw)

        return fetch

    def _gone(self, match_id: str) -> None:
        stored.mark_gone(self.store, match_id)
        self.gone += 1

    def _save(self, manifest: RawDocument, chunk: RawDocument) -> None:
        # Counted where it is stored: a run cancelled meanwhile still reports the film.
        status, inferred = stored.save_film(self.store, manifest, chunk)
        if status == READ:
            self.archived += 1
            self.inferred += inferred
        else:
            self.unreadable += 1

    def _pending(self, kind: str, key: str, reason: str, tried: bool) -> None:
        lookups.mark_pending(self.store, kind, key, reason, tried=tried)

    def summary(self) -> dict[str, int]:
        """Return what this run did with films, for the sync's ``--json`` summary."""
        return {
            "archived": self.archived, "gone": self.gone, "unreadable": self.unreadable,
            "inferred": self.inferred,
        }  # fmt: skip
