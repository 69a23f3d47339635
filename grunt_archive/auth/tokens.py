"""`StoredTokens`: the signed-in `TokenSource` that keeps an unattended sync alive.

Renewal policy:

* **Before expiry.** `current` renews the Spartan token five minutes before
  its ``ExpiresUtc`` (or after ¾ of its lifetime, for short-lived tokens),
  running refresh token → Xbox user token → XSTS → Spartan token → clearance,
  and saves the rotated refresh token.
* **After a 401.** `renew` runs the same chain once; requests that were
  refused with the same token share that one renewal (an `asyncio.Lock`, and
  a note of which token each task was handed).
* **Clearance** is looked up again when its cache time runs out (the
  service's ``max-age``, else an hour), with the current Spartan token.
* **Refused** renewals raise `AuthError` (exit 4) telling the user to run
  ``grunt-archive auth login``. A renewal ahead of time that fails because
  the services cannot be reached keeps the still-valid token and tries again
  a minute later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from grunt_archive.api.client import RetryPolicy, Tokens
from grunt_archive.api.signin import SignInHttp
from grunt_archive.auth import chain
from grunt_archive.auth.chain import Session
from grunt_archive.auth.store import RELOGIN, load_session, save_session
from grunt_archive.errors import ApiError, AuthError

RENEW_MARGIN = timedelta(minutes=5)
RETRY_PAUSE = timedelta(minutes=1)
# The Spartan token each task was last handed: a 401 for an older one was already renewed.
_HANDED: ContextVar[str | None] = ContextVar("grunt_archive_handed_spartan", default=None)


def _now() -> datetime:
    return datetime.now(UTC)


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
        self.renewals = 0
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
        return self._hand_out()

    async def renew(self) -> Tokens:
        """Renew after the service refused the token this task was handed, once for all tasks.

        Raises:
            AuthError: Microsoft or Xbox Live refused the renewal.

        """
        refused = _HANDED.get()
        async with self._lock:
            if refused is None or refused == self.session.spartan_token:
                await self._renew(ahead=False)
        return self._hand_out()

    def _hand_out(self) -> Tokens:
        _HANDED.set(self.session.spartan_token)
        return Tokens(self.session.spartan_token, self.session.clearance)

    def _due(self) -> bool:
        now = self.clock()
        if now >= self.session.spartan_expires:
            return True
        waiting = self._not_before is not None and now < self._not_before
        return not waiting and now >= self.session.renew_at(self.margin)

    def _clearance_stale(self) -> bool:
        expires = self.session.clearance_expires
        return expires is not None and self.clock() >= expires

    def _http(self) -> SignInHttp:
        return SignInHttp(self.api_base, transport=self.transport, retry=self.retry)

    def _adopt_newer(self) -> bool:
        """Take a renewal another process saved meanwhile; return whether there was one."""
        try:
            stored = load_session(self.path)
        except AuthError:
            return False
        if (
            stored is None
            or stored.spartan_token == self.session.spartan_token
            or self.clock() >= stored.renew_at(self.margin)
        ):
            return False
        self.session = stored
        return True

    async def _renew(self, *, ahead: bool) -> None:
        """Run the chain from the refresh token and save the result. Hold the lock."""
        if self._adopt_newer():
            return
        try:
            async with self._http() as http:
                session = await chain.renew(http, self.session)
        except AuthError:
            raise
        except ApiError:
            if ahead and self.clock() < self.session.spartan_expires:
                self._not_before = self.clock() + RETRY_PAUSE
                return
            raise
        self.session, self._not_before = session, None
        self.renewals += 1
        save_session(self.path, session)

    async def _refresh_clearance(self) -> None:
        """Look the clearance up again; a refused Spartan token means a full renewal."""
        try:
            async with self._http() as http:
                self.session = await chain.refresh_clearance(http, self.session)
        except AuthError:
            await self._renew(ahead=False)
            return
        save_session(self.path, self.session)
