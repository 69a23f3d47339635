"""Rate limits per Halo host: each host at its own pace, slowed by 429s, recovering when quiet.

The service limits each host on its own (SPNKr limits each service too), so a
host that throttles must not hold back the others. `HostLimits` keeps one
`RateLimiter` per host, made on the host's first request: a new host (the film
blob host) needs no entry anywhere.

A limiter spaces its host's requests evenly at its current rate (no bursts).
A 429 multiplies the rate by `Backoff.factor` (never below `Backoff.floor` of
the cap) and, with ``Retry-After``, holds every request to that host until the
time passes. After each quiet spell with no 429 the rate climbs back by
`Backoff.step` of the cap, never above the cap (``--rps``). The clock and the
sleep are injected, so tests drive a limiter without waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How a host's rate answers 429s and recovers.

    Attributes:
        factor: the rate is multiplied by this on a 429 (once per rate: the
            429s of requests sent before the last cut do not cut again).
        floor: the rate never falls below this fraction of the cap.
        quiet: seconds without a 429 (counted from the end of any
            ``Retry-After`` pause) after which the rate climbs one step.
        step: each quiet spell adds this fraction of the cap.

    """

    factor: float = 0.5
    floor: float = 1 / 16
    quiet: float = 5.0
    step: float = 1 / 8


def host_name(host: str) -> str:
    """Return a host's short name: ``https://skill.svc.halowaypoint.com`` → ``skill``."""
    hostname = urlsplit(host).hostname or host
    return hostname.split(".", 1)[0]


class RateLimiter:
    """One host's pace: requests spaced at its current rate, cut on 429, restored when quiet.

    Args:
        cap: the most requests per second (``--rps``); None for no limit, when
            only ``Retry-After`` pauses apply.
        backoff: how the rate answers 429s.
        clock: monotonic seconds (``time.monotonic``; tests pass a fake).
        sleep: waits that many seconds (``asyncio.sleep``; tests pass a fake).
        longest_pause: the longest ``Retry-After`` honoured, in seconds.

    """

    def __init__(
        self,
        cap: float | None,
        *,
        backoff: Backoff | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        longest_pause: float = 120.0,
    ) -> None:
        self.cap = cap or None
        self.backoff = backoff or Backoff()
        self.longest_pause = longest_pause
        self.throttles = 0
        self._clock = clock
        self._sleep = sleep
        self._rate = self.cap
        self._next = -math.inf
        self._paused_until = -math.inf
        self._calm_since = clock()
        # Bumped on every cut: a 429 to a request sent before the last cut says nothing new.
        self._epoch = 0

    @property
    def rate(self) -> float | None:
        """The requests per second allowed now; None when unlimited."""
        self._recover(self._clock())
        return self._rate

    @property
    def paused_until(self) -> float:
        """The clock time before which no request goes to this host (``Retry-After``)."""
        return self._paused_until

    async def wait(self) -> int:
        """Return when this host's next request may start.

        Returns:
            The rate's epoch, to hand back to `throttled` if the request meets a 429.

        """
        while True:
            now = self._clock()
            self._recover(now)
            slot = max(now, self._next, self._paused_until)
            self._next = slot + (1.0 / self._rate if self._rate else 0.0)
            if slot > now:
                await self._sleep(slot - now)
            if self._paused_until <= slot:
                return self._epoch
            # A 429 paused the host while this request waited for its turn: wait that out too.

    def throttled(self, epoch: int, retry_after: float | None) -> None:
        """Record a 429 to a request sent in ``epoch``: cut the rate and pause the host.

        Args:
            epoch: what `wait` returned for the request.
            retry_after: the seconds its ``Retry-After`` asked for, if any.

        """
        now = self._clock()
        self.throttles += 1
        self._recover(now)
        if retry_after:
            pause = now + min(retry_after, self.longest_pause)
            self._paused_until = max(self._paused_until, pause)
        self._calm_since = max(now, self._paused_until)
        if self._rate is not None and self.cap is not None and epoch == self._epoch:
            floor = self.cap * self.backoff.floor
            self._rate = max(floor, self._rate * self.backoff.factor)
            self._epoch += 1

    def _recover(self, now: float) -> None:
        """Climb one step for every quiet spell since the last 429 or the last step."""
        if self._rate is None or self.cap is None or self._rate >= self.cap:
            return
        spells = math.floor((now - self._calm_since) / self.backoff.quiet)
        if spells > 0:
            self._rate = min(self.cap, self._rate + spells * self.backoff.step * self.cap)
            self._calm_since += spells * self.backoff.quiet


class HostLimits:
    """A `RateLimiter` per host, all with the same cap, and the rates they reached.

    Args:
        rps: each host's most requests per second; None for no limit.
        backoff: how a host's rate answers 429s.
        clock: monotonic seconds (tests pass a fake).
        sleep: waits that many seconds (tests pass a fake).
        longest_pause: the longest ``Retry-After`` honoured, in seconds.

    """

    def __init__(
        self,
        rps: float | None,
        *,
        backoff: Backoff | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        longest_pause: float = 120.0,
    ) -> None:
        self.rps = rps or None
        self.backoff = backoff or Backoff()
        self.longest_pause = longest_pause
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, RateLimiter] = {}

    def limiter(self, host: str) -> RateLimiter:
        """Return the limiter of ``host`` (a base URL or a short name), making it on first use."""
        name = host_name(host)
        limiter = self._limiters.get(name)
        if limiter is None:
            limiter = RateLimiter(
                self.rps,
                backoff=self.backoff,
                clock=self._clock,
                sleep=self._sleep,
                longest_pause=self.longest_pause,
            )
            self._limiters[name] = limiter
        return limiter

    async def wait(self, host: str) -> int:
        """Return when ``host``'s next request may start, with the epoch `throttled` takes."""
        return await self.limiter(host).wait()

    def throttled(self, host: str, epoch: int, retry_after: float | None) -> None:
        """Record that ``host`` answered 429 to a request sent in ``epoch``."""
        self.limiter(host).throttled(epoch, retry_after)

    def rates(self) -> dict[str, float | None]:
        """Return each host's requests per second now, by short name (None: unlimited)."""
        return {
            name: None if limiter.rate is None else round(limiter.rate, 3)
            for name, limiter in sorted(self._limiters.items())
        }
