"""Guarded lookups: a failure noted, never raised; a service that keeps failing left alone.

Enrichment and the career snapshots both make many independent requests
where one failing must not stop the run: `Guard.run` limits how many are in
flight, hands a failure to the caller's ``on_failure`` (enrichment marks it
pending, snapshots list it), and after a service ran out of retries asks it
nothing more this run. Only a refused token (`AuthError`) goes through.
A lookup may come with a claim (`store.claims.WorkClaims.claim`): taken once
the lookup has its slot, held until its failure is noted, and the lookup is
left alone when the claim says another worker has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext

from grunt_archive.errors import ApiError, ServiceUnavailableError

# Called as on_failure(kind, key, reason, tried): tried is False when no request was made.
OnFailure = Callable[[str, str, str, bool], None]
# Opens the claim on a lookup: the block learns whether this worker is to make it.
Claim = Callable[[], AbstractContextManager[bool]]


class Guard:
    """Runs lookups for one run, noting failures instead of raising them.

    Args:
        on_failure: what to do with a failed lookup.
        slots: lookups in flight at once.
        per_service: ``slots`` for each service (else for all services together).

    """

    def __init__(self, on_failure: OnFailure, slots: int, *, per_service: bool = False) -> None:
        self.on_failure = on_failure
        self.slots = slots
        self.per_service = per_service
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        # Services that kept failing this run, with the reason: not asked again.
        self.broken: dict[str, str] = {}

    def _slot(self, service: str) -> asyncio.Semaphore:
        name = service if self.per_service else ""
        return self._semaphores.setdefault(name, asyncio.Semaphore(self.slots))

    async def run(
        self,
        kind: str,
        key: str,
        service: str,
        fetch: Callable[[], Awaitable[None]],
        claim: Claim | None = None,
    ) -> None:
        """Run one lookup of ``service`` under its ``claim``; a failure goes to ``on_failure``."""
        async with self._slot(service):
            if service in self.broken:
                self.on_failure(kind, key, f"not tried: {self.broken[service]}", False)
                return
            with claim() if claim is not None else nullcontext(True) as mine:
                if not mine:
                    return
                try:
                    await fetch()
                except ServiceUnavailableError as error:
                    self.broken[service] = str(error)
                    self.on_failure(kind, key, str(error), True)
                except ApiError as error:  # 404, a malformed body, a document breaking the schema
                    self.on_failure(kind, key, str(error), True)
