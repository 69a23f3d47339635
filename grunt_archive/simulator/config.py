"""Settings of a simulated Halo world and of the faults its services inject."""

from __future__ import annotations

from dataclasses import dataclass

from grunt_archive.errors import UsageError
from grunt_archive.simulator.hostile import BODY_KINDS

# How `hostile.HostileBodies` spoils answers: the stats of `hostile_matches` matches
# (`hostile.BODY_KINDS`), history pages, or the profile service.
HOSTILE_KINDS = (
    *BODY_KINDS,
    "future",
    "short_pages",
    "ignore_start",
    "repeated_entries",
    "no_xuid",
)


@dataclass
class SimulatorConfig:
    """Everything that shapes a simulator: its world and its misbehaviour.

    Two simulators made from equal configs answer equal request sequences
    identically: every random choice derives from `seed`.

    Attributes:
        seed: Seed of the world and of every injected fault.
        players: How many tracked players the world has.
        matches: Length of each tracked player's match history.
        latency_ms: Delay added to every service request (not admin routes).
        fail_429: Fraction of requests answered 429 Too Many Requests.
        fail_429_hosts: Only these hosts answer 429 (short names: ``halostats``,
            ``skill``, ``profile``, ``discovery-infiniteugc``, ``blobs-infiniteugc``,
            ``gamecms-hacs``, ``settings``); empty: every host.
        retry_after: Seconds sent in ``Retry-After`` on 429 and 503; None sends no header.
        fail_5xx: Fraction of requests answered 500, 502, 503 or 504.
        stats_404: The first K stats requests of each match answer 404, then 200.
        skill_404: The first K skill requests of each match answer 404 (with a
            ``Value`` body), then 200.
        token_requests: After this many authorized requests every Spartan token
            is rejected with 401 (token expiry); None never expires.
        malformed_matches: This many matches always answer their stats with a
            truncated JSON body.
        arrivals: Every `arrivals`-th history request with ``start > 0`` first
            adds a new match at the top of that player's history (0: never).
        token_lifetime: Seconds a Spartan token issued by the sign-in chain
            lives (`hosts.signin`); then the services answer it 401.
        refresh_lifetime: Seconds a refresh token issued by the chain lives.
        timeouts: Fraction of service requests that hang for `hang_seconds`
            before answering (the client's timeout should fire first).
        hang_seconds: How long a hung request hangs.
        drops: Fraction of service requests whose connection drops mid-body.
        drift_matches: This many matches carry fields and a mode block that no
            grunt-archive knows (API drift).
        film_max_age_days: Films of matches that ended longer ago than this, on
            the world's clock (the end of its latest match), are gone: their
            manifest and chunks answer 404.
        film_unknown_version: Fraction of films (chosen by the seed) written in a
            film major version the reader does not know.
        film_unknown_matches: Match ids whose films are in that unknown version.
        hostile_matches: This many matches get a hostile answer of kind `hostile`.
        hostile: One of `HOSTILE_KINDS` (see `simulator.hostile`).
        private_players: Tracked players (``xuid(…)`` or gamertag) whose privacy
            settings hide their matches: their history and match count answer
            403 (the archiver's token is fine: every other request works).
        gone_players: Tracked players whose account is gone: the service knows
            them no more (404 on their history, count, service records and
            profile), though their matches with others stay.

    """

    seed: int = 1
    players: int = 3
    matches: int = 120
    latency_ms: float = 0
    fail_429: float = 0
    fail_429_hosts: tuple[str, ...] = ()
    retry_after: float | None = 1.0
    fail_5xx: float = 0
    stats_404: int = 0
    skill_404: int = 0
    token_requests: int | None = None
    malformed_matches: int = 0
    arrivals: int = 0
    token_lifetime: float = 14400.0
    refresh_lifetime: float = 90 * 86400.0
    timeouts: float = 0
    hang_seconds: float = 5.0
    drops: float = 0
    drift_matches: int = 0
    film_max_age_days: float = 30.0
    film_unknown_version: float = 0
    film_unknown_matches: tuple[str, ...] = ()
    hostile_matches: int = 0
    hostile: str = "gzip"
    private_players: tuple[str, ...] = ()
    gone_players: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Reject settings no simulator can honour.

        Raises:
            UsageError: A count is negative, a rate is outside 0..1, the two
                failure rates add up to more than 1, or a host name is unknown.

        """
        for name in ("fail_429", "fail_5xx", "timeouts", "drops", "film_unknown_version"):
            if not 0 <= getattr(self, name) <= 1:
                raise UsageError(f"{name} must be between 0 and 1")
        if self.fail_429 + self.fail_5xx > 1:
            raise UsageError("fail_429 and fail_5xx add up to more than 1")
        if self.players < 1:
            raise UsageError("players must be at least 1")
        for name in (
            "matches",
            "latency_ms",
            "stats_404",
            "skill_404",
            "malformed_matches",
            "arrivals",
            "hang_seconds",
            "drift_matches",
            "film_max_age_days",
            "hostile_matches",
        ):
            if getattr(self, name) < 0:
                raise UsageError(f"{name} must not be negative")
        if self.fail_429_hosts:
            from grunt_archive.simulator.hosts import HOST_OF_KIND

            unknown = sorted(set(self.fail_429_hosts) - set(HOST_OF_KIND.values()))
            if unknown:
                known = ", ".join(sorted(set(HOST_OF_KIND.values())))
                raise UsageError(f"no simulated host is called {unknown[0]!r} (hosts: {known})")
        if self.hostile not in HOSTILE_KINDS:
            raise UsageError(f"hostile must be one of {', '.join(HOSTILE_KINDS)}")
        if self.retry_after is not None and self.retry_after < 0:
            raise UsageError("retry_after must not be negative")
        if self.token_requests is not None and self.token_requests < 0:
            raise UsageError("token_requests must not be negative")
        for name in ("token_lifetime", "refresh_lifetime"):
            if not getattr(self, name) > 0:
                raise UsageError(f"{name} must be more than 0 seconds")
