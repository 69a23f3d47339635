"""Guarded lookups: a failure noted, never raised; a service that keeps failing left alone.

Enrichment and the career snapshots both make many independent requests
where one failing must not stop the run: `Guard.run` limits how many are in
flight, hands a failure to the caller's ``on_failure`` (enrichment marks it
pending, snapshots list it), and once a service ran out of retries on
`FAILURES_IN_A_ROW` lookups with no answer since they were sent, asks it
nothing more this run. Only a refused token (`AuthError`) goes through.
A lookup may come with a claim (`store.claims.WorkClaims.claim`): taken once
the lookup has its slot, held until its failure is noted, and the lookup is
left alone when the claim says another worker has it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from grunt_archive.errors import ApiError, ServiceUnavailableError

# A service is taken for down once this many lookups ran out of retries with no answer since
# they were sent: one retried while the service answered others is a document it fails on.
# After a failure that counts, the lookups already in flight go on and then one more at a time
# until one is answered: a service that goes down costs the run the lookups then in flight and
# one round of retries more, while one document the service keeps failing on (a bad film)
# costs the run none of that service's other lookups.
FAILURES_IN_A_ROW = 2

# Called as on_failure(kind, key, reason, tried): tried is False when no request was made.
OnFailure = Callable[[str, str, str, bool], None]
# Opens the claim on a lookup: the block learns whether this worker is to make it.
Claim = Callable[[], AbstractContextManager[bool]]


@dataclass
class ServiceHealth:
    """Whether a service looks down this run, from its requests that ran out of retries.

    The sync keeps one for the match stats: a match the service keeps failing
    on goes pending, and only a service taken for down stops the run. It reads
    the service's answers from the client (``counted``), which sees every
    request to it: a history page answered is as much a sign of life as a match.
    A guard counts its lookups' answers itself (`answered`).
    """

    counted: Callable[[], int] | None = None  # the client's count of the service's answers
    running: int = 0  # the guard's lookups in flight
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _answers: int = 0
    _failures: int = 0
    _answers_at_failure: int = 0

    @property
    def answers(self) -> int:
        """Return the answers this run: a request notes the count when it is sent."""
        return self._answers if self.counted is None else self.counted()

    @property
    def failures(self) -> int:
        """Return the requests out of retries since the service last answered."""
        return self._failures if self.answers == self._answers_at_failure else 0

    def answered(self) -> None:
        """Note that the service answered (a document, a 404 or an unusable body)."""
        self._answers += 1

    def failed(self, since: int) -> bool:
        """Note a request out of retries; return whether the service is now taken for down.

        ``since`` is `answers` when the request was sent. A service that answered
        others while this one was retried is up, however long the retries took
        (the last ones left at the end of a run fail with nothing between them).
        """
        failures, answers = self.failures, self.answers
        if answers == since:
            failures += 1
        self._failures, self._answers_at_failure = failures, answers
        return failures >= FAILURES_IN_A_ROW

    def may_start(self) -> bool:
        """Say whether a lookup may start: after a failure, one at a time until an answer."""
        return self.failures == 0 or self.running == 0


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
        self._health: dict[str, ServiceHealth] = {}

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
        *,
        retry: bool = False,
    ) -> None:
        """Run one lookup of ``service`` under its ``claim``; a failure goes to ``on_failure``.

        A ``retry`` of a lookup that failed in an earlier run may be one the service always
        fails on: its failing again does not count towards taking the service for down.
        """
        async with self._slot(service):
            if service not in self._health:
                self._health[service] = ServiceHealth()
            health = self._health[service]
            async with health.changed:
                await health.changed.wait_for(lambda: service in self.broken or health.may_start())
                if service in self.broken:
                    self.on_failure(kind, key, f"not tried: {self.broken[service]}", False)
                    return
                health.running += 1
            try:
                await self._lookup(kind, key, service, fetch, claim, health, retry)
            finally:
                async with health.changed:
                    health.running -= 1
                    health.changed.notify_all()

    async def _lookup(
        self,
        kind: str,
        key: str,
        service: str,
        fetch: Callable[[], Awaitable[None]],
        claim: Claim | None,
        health: ServiceHealth,
        retry: bool,
    ) -> None:
        with claim() if claim is not None else nullcontext(True) as mine:
            if not mine:
                return
            since = health.answers
            try:
                await fetch()
            except ServiceUnavailableError as error:
                if not retry and health.failed(since):
                    self.broken.setdefault(service, str(error))
                self.on_failure(kind, key, str(error), True)
            except ApiError as error:  # 404, a malformed body, a document breaking the schema
                health.answered()
                self.on_failure(kind, key, str(error), True)
            else:
                health.answered()
