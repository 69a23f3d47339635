"""`StoredTokens`: the signed-in `TokenSource` that keeps an unattended sync alive.

Renewal policy:

* **Before expiry.** `current` renews the Spartan token five minutes before
  it expires (or after ¾ of its lifetime, for short-lived tokens), running
  refresh token → Xbox user token → XSTS → Spartan token → clearance, and
  saves the rotated refresh token. "Expires" is issued-at plus the lifetime
  the service granted, both on this machine's clock: the service's absolute
  ``ExpiresUtc`` is never compared with a local clock that may be off.
* **After a 401.** A request refused with an older token than the current
  one is retried with the current one, without a renewal. A 401 on the
  current token renews once for every request in flight (an `asyncio.Lock`).
  The run gives up (`AuthError`, exit 4) only when a token this process has
  just renewed is refused before it served any request, or when Microsoft
  refuses the refresh token: never because two expiries fell close together.
* **A bound.** At most `RENEWALS_PER_MINUTE` renewals in any minute; past
  it a renewal waits, so a service that refuses every token cannot make the
  run hammer the sign-in hosts.
* **Clearance** is looked up again when its cache time runs out (the
  service's ``max-age``, else an hour). When the lookup fails (5xx, a
  timeout, or a 403 once one has worked) the last clearance that worked is
  kept, the run says so once, and looks again five minutes later.
* **Other processes.** Renewals read, renew and write the sign-in file under
  its lock (`token_file.locked`), starting from the newest refresh token in
  the file, and take a token another process renewed meanwhile instead of
  renewing again.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from grunt_archive.api.client import RetryPolicy, Tokens
from grunt_archive.api.signin import SignInHttp
from grunt_archive.auth import chain
from grunt_archive.auth.chain import Session
from grunt_archive.auth.token_file import (
    RELOGIN,
    load_session,
    locked,
    room_for,
    save_session,
)
from grunt_archive.errors import ApiError, AuthError

RENEW_MARGIN = timedelta(minutes=5)
RETRY_PAUSE = timedelta(minutes=1)
RENEWALS_PER_MINUTE = 10  # a Spartan token lives about four hours: ten a minute is a fault


def _now() -> datetime:
    return datetime.now(UTC)


def _warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr, flush=True)


class RenewalBudget:
    """At most ``limit`` renewals in any ``window`` seconds; past it, `spend` waits.

    Args:
        limit: renewals allowed per window (default `RENEWALS_PER_MINUTE`).
        window: seconds.
        monotonic: the clock (tests pass a fake one).
        sleep: how to wait (tests pass one that moves the fake clock).

    """

    def __init__(
        self,
        limit: int | None = None,
        window: float = 60.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = max(1, RENEWALS_PER_MINUTE if limit is None else limit)
        self.window = window
        self.monotonic, self.sleep = monotonic, sleep
        self.spent: deque[float] = deque()
        self.waited = 0.0

    async def spend(self) -> None:
        """Return once one more renewal fits in the window, and count it."""
        while True:
            now = self.monotonic()
            while self.spent and now - self.spent[0] >= self.window:
                self.spent.popleft()
            if len(self.spent) < self.limit:
                self.spent.append(now)
                return
            pause = self.spent[0] + self.window - now
            self.waited += pause
            await self.sleep(pause)


class StoredTokens:
    """Tokens from ``auth login``'s file, renewed before they expire and after a 401.

    Args:
        path: the sign-in file; renewals are saved back to it.
        session: the sign-in, when already loaded (else read from ``path``).
        api_base: send the chain's requests here (``GRUNT_ARCHIVE_API_BASE``).
        transport: an httpx transport (tests pass the simulator's ASGI app).
        retry: retry policy of the chain's requests.
        clock: returns the current time (tests move it).
        margin: how long before expiry to renew.
        budget: the bound on renewals (default: `RENEWALS_PER_MINUTE` a minute).
        warn: says something once to the user (default: a line on stderr).

    Raises:
        AuthError: there is no sign-in file, or it is damaged.

    """

    def __init__(
        self,
        path: Path,
        session: Session | None = None,
        *,
        api_base: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _now,
        margin: timedelta = RENEW_MARGIN,
        budget: RenewalBudget | None = None,
        warn: Callable[[str], None] = _warn,
    ) -> None:
        loaded = session or load_session(path)
        if loaded is None:
            raise AuthError(f"not signed in (no {path}): {RELOGIN}")
        self.path = path
        self.session = loaded
        self.api_base = api_base
        self.transport = transport
        self.retry = retry
        self.clock = clock
        self.margin = margin
        self.budget = budget or RenewalBudget()
        self.warn = warn
        self.renewals = 0
        self.adopted = 0
        self._minted: str | None = None  # the Spartan token this process last renewed
        self._outage_told = False
        self._not_before: datetime | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"StoredTokens(path={str(self.path)!r}, player={self.session.player!r})"

    async def current(self) -> Tokens:
        """Return the tokens to send now, renewing them first when they are about to expire."""
        if self._due():
            async with self._lock:
                if self._due():
                    await self._renew(ahead=True)
        elif self._clearance_stale():
            async with self._lock:
                if self._clearance_stale():
                    await self._refresh_clearance()
        return self._tokens()

    async def renew(self, refused: Tokens, *, served: bool) -> Tokens:
        """Return the tokens to retry with after the service refused ``refused`` (a 401).

        An older token than the current one is answered with the current one;
        the current one is renewed, once for every request refused with it.

        Raises:
            AuthError: Microsoft or Xbox Live refused the renewal, or the
                service refused a token just renewed before it served a request.

        """
        async with self._lock:
            if refused.spartan != self.session.spartan_token:
                return self._tokens()
            if not served and refused.spartan == self._minted:
                raise AuthError(
                    "the Halo services refused a Spartan token renewed moments ago, before it "
                    f"served any request (HTTP 401): the sign-in no longer works; {RELOGIN}",
                    401,
                )
            await self._renew(ahead=False, refused=refused.spartan)
        return self._tokens()

    def _tokens(self) -> Tokens:
        return Tokens(self.session.spartan_token, self.session.clearance)

    def _due(self) -> bool:
        now = self.clock()
        if now >= self.session.spartan_ends:
            return True
        waiting = self._not_before is not None and now < self._not_before
        return not waiting and now >= self.session.renew_at(self.margin)

    def _clearance_stale(self) -> bool:
        expires = self.session.clearance_expires
        return expires is not None and self.clock() >= expires

    def _http(self) -> SignInHttp:
        return SignInHttp(self.api_base, transport=self.transport, retry=self.retry)

    def _stored(self) -> Session | None:
        try:
            return load_session(self.path)
        except AuthError:
            return None

    def _take_newer(self, stored: Session | None, refused: str | None) -> bool:
        """Take a token another process renewed and saved meanwhile; say whether there was one."""
        if (
            stored is None
            or stored.spartan_token in (self.session.spartan_token, refused)
            or self.clock() >= stored.renew_at(self.margin)
        ):
            return False
        self.session, self._not_before = stored, None
        self.adopted += 1
        return True

    async def _renew(self, *, ahead: bool, refused: str | None = None) -> None:
        """Take another process's renewal, or run the chain and save. Hold ``_lock``."""
        async with locked(self.path):
            if self._take_newer(self._stored(), refused):
                return
        await self.budget.spend()  # outside the file's lock: the other process need not wait
        async with locked(self.path):
            stored = self._stored()
            if self._take_newer(stored, refused):
                return
            # Start from the newest refresh token: another process may have rotated it.
            base = stored or self.session
            with room_for(self.path, base) as save:
                try:
                    async with self._http() as http:
                        session = await chain.renew(http, base, clock=self.clock)
                except AuthError:
                    raise
                except ApiError:
                    if ahead and self.clock() < self.session.spartan_ends:
                        self._not_before = self.clock() + RETRY_PAUSE
                        return
                    raise
                save(session)
        self.session, self._not_before = session, None
        self._minted = session.spartan_token
        self.renewals += 1
        self._tell_clearance()

    async def _refresh_clearance(self) -> None:
        """Look the clearance up again; a refused Spartan token (401) means a full renewal."""
        try:
            async with self._http() as http:
                session = await chain.refresh_clearance(http, self.session, clock=self.clock)
        except AuthError as error:
            if error.status == 403:
                raise
            await self._renew(ahead=False, refused=self.session.spartan_token)
            return
        self.session = session
        self._tell_clearance()
        async with locked(self.path):
            stored = self._stored()
            # Only over our own sign-in: never over a refresh token another process rotated.
            if stored is not None and stored.refresh_token == session.refresh_token:
                save_session(self.path, session)

    def _tell_clearance(self) -> None:
        """Say once that the clearance lookup is failing; again only after it worked."""
        outage = self.session.clearance_outage
        if outage is None:
            self._outage_told = False
            return
        if self._outage_told:
            return
        self._outage_told = True
        kept = (
            "keeping the last clearance that worked"
            if self.session.clearance
            else "skill and playlist requests go without one"
        )
        self.warn(f"{outage}; {kept}, and looking again in a few minutes")
