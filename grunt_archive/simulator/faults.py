"""Deterministic misbehaviour: rate limits, server errors, late stats, token expiry.

Every decision comes from a generator seeded with the config's seed, so a
given sequence of requests meets the same faults on every run.
"""

from __future__ import annotations

import random
from collections import Counter

from grunt_archive.simulator.config import SimulatorConfig


class Faults:
    """The fault decisions of one simulator. Callers hold the simulator's lock."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Prepare the fault generators of a config.

        Args:
            config: Rates, counts and the seed.

        """
        self.config = config
        self._rng = random.Random(f"grunt-archive-faults:{config.seed}")
        self._stats_requests: Counter[str] = Counter()
        self._skill_requests: Counter[str] = Counter()
        self._authorized = 0

    def gateway(self, host: str | None = None) -> int | None:
        """Decide whether a request is refused before it reaches its route.

        Args:
            host: the short name of the host the request went to; with
                ``config.fail_429_hosts`` only those hosts answer 429.

        Returns:
            429, one of 500/502/503/504, or None to let it through.

        """
        rate_limited, failing = self.config.fail_429, self.config.fail_5xx
        if not (rate_limited or failing):
            return None
        roll = self._rng.random()
        if roll < rate_limited:
            # Every request rolls, so the 5xx rate is the same on every host either way.
            limited = self.config.fail_429_hosts
            return 429 if not limited or host in limited else None
        if roll < rate_limited + failing:
            return self._rng.choice((500, 502, 503, 504))
        return None

    def authorize(self) -> bool:
        """Count an authorized request; False once the tokens have expired."""
        limit = self.config.token_requests
        if limit is not None and self._authorized >= limit:
            return False
        self._authorized += 1
        return True

    def stats_not_ready(self, match_id: str) -> bool:
        """Whether this stats request of a match comes too early (the first K do)."""
        seen = self._stats_requests[match_id]
        self._stats_requests[match_id] = seen + 1
        return seen < self.config.stats_404

    def skill_not_ready(self, match_id: str) -> bool:
        """Whether this skill request of a match comes too early (the first K do)."""
        seen = self._skill_requests[match_id]
        self._skill_requests[match_id] = seen + 1
        return seen < self.config.skill_404

    def retry_after_header(self) -> list[tuple[bytes, bytes]]:
        """Return the ``Retry-After`` header to send with 429 and 503, if any."""
        seconds = self.config.retry_after
        if seconds is None:
            return []
        text = str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
        return [(b"retry-after", text.encode())]
