"""settings host, clearance only: the flight id that clearance-aware requests carry.

Sign-in (`api/signin.py` and its per-host modules) owns the rest of the settings host;
this module is the one request an archiver makes there with a token it already has.
"""

from __future__ import annotations

import asyncio

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.errors import MalformedResponseError

HOST = "https://settings.svc.halowaypoint.com"
CLEARANCE_PATH = "/oban/flight-configurations/titles/hi/audiences/RETAIL/active"


class ClearanceService:
    """The settings endpoint that hands out the clearance."""

    name = "settings"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def clearance(self) -> Document:
        """Return ``{"FlightConfigurationId": GUID}`` (SPNKr's request: spartan token, no query)."""
        return await self.client.get(self.name, HOST, CLEARANCE_PATH)


class LazyClearance:
    """Fetch the clearance once, and only when a clearance-aware request needs one.

    Bring-your-own tokens may come without ``GRUNT_ARCHIVE_CLEARANCE``. Then the
    first caller of ``ensure`` fetches it and hands it to the client; callers
    that arrive meanwhile wait for the same request, and a failure is kept so
    that a run does not ask again for every match.
    """

    def __init__(self, client: HaloClient) -> None:
        self.client = client
        self._fetch: asyncio.Task[None] | None = None

    async def ensure(self) -> None:
        """Return once the client can send a clearance.

        Raises:
            ApiError: the settings service failed, or sent no FlightConfigurationId.
            AuthError: the token was refused.

        """
        if self.client.clearance or (await self.client.tokens.current()).clearance:
            return
        if self._fetch is None:
            self._fetch = asyncio.ensure_future(self._fetch_clearance())
            # Its failure reaches every waiter; mark it seen for when none is left to wait.
            self._fetch.add_done_callback(lambda task: task.cancelled() or task.exception())
        await asyncio.shield(self._fetch)

    def cancel(self) -> None:
        """Stop a fetch still in flight (the run failed; the client is about to close)."""
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()

    async def _fetch_clearance(self) -> None:
        data = (await ClearanceService(self.client).clearance()).data
        flight = data.get("FlightConfigurationId") if isinstance(data, dict) else None
        if not isinstance(flight, str) or not flight:
            raise MalformedResponseError("the clearance response has no FlightConfigurationId")
        self.client.clearance = flight
