"""settings.svc.halowaypoint.com: the Spartan token of the sign-in chain, and the clearance.

Two callers share this host. The archiver asks for the clearance (the flight
id that clearance-aware requests carry) through `HaloClient`, with a token it
already has (`ClearanceService`, `LazyClearance`). The sign-in chain needs the
Spartan token, and the clearance of a fresh sign-in, before any `HaloClient`
exists, so those go through `SignInHttp`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.credentials import is_credential
from grunt_archive.api.signin import SignInHttp, field_of
from grunt_archive.errors import AuthError, MalformedResponseError
from grunt_archive.normalize.values import duration_seconds

HOST = "https://settings.svc.halowaypoint.com"
CLEARANCE_PATH = "/oban/flight-configurations/titles/hi/audiences/RETAIL/active"
CLEARANCE_REFUSED = (
    "the clearance lookup was refused (HTTP 403): the account has most likely not launched "
    "the current build of Halo Infinite; start the game once with it, then run again"
)


class ClearanceService:
    """The settings endpoint that hands out the clearance."""

    name = "settings"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def clearance(self) -> Document:
        """Return ``{"FlightConfigurationId": GUID}`` (SPNKr's request: spartan token, no query).

        Raises:
            AuthError: the token was refused; a 403 names its usual cause.

        """
        try:
            return await self.client.get(self.name, HOST, CLEARANCE_PATH)
        except AuthError as error:
            if error.status == 403:
                raise AuthError(CLEARANCE_REFUSED, status=403) from None
            raise


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
        self.client.clearance = _credential(flight, "The clearance lookup", "FlightConfigurationId")


# --- the sign-in side -------------------------------------------------------

SPARTAN_PATH = "/spartan-token"
RELOGIN = "run `grunt-archive auth login`"
_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass(frozen=True, slots=True)
class SpartanToken:
    """A Spartan token (``x-343-authorization-spartan``), when it expires, and for how long.

    Attributes:
        token: the token.
        expires: ``ExpiresUtc`` (aware UTC, on the service's clock).
        lifetime: the lifetime the service granted, from ``TokenDuration``, else
            ``ExpiresUtc`` less the response's ``Date``: both clocks are the service's.

    """

    token: str = field(repr=False)
    expires: datetime
    lifetime: timedelta


@dataclass(frozen=True, slots=True)
class Clearance:
    """A clearance (``343-clearance``) id, and how long the service says to keep it.

    Attributes:
        flight_id: the ``FlightConfigurationId``.
        max_age: seconds from ``Cache-Control: max-age`` or ``Expires``; None if neither.

    """

    flight_id: str
    max_age: float | None = None


def parse_instant(value: object) -> datetime:
    """Return an ISO-8601 timestamp (``…Z``, any fractional digits) as an aware UTC datetime.

    Raises:
        ValueError: ``value`` is not such a timestamp.

    """
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    moment = datetime.fromisoformat(value.strip())
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


async def spartan_token(http: SignInHttp, halo_xsts_token: str) -> SpartanToken:
    """Trade an XSTS token for the Halo relying party for a Spartan token (~4 h).

    Raises:
        AuthError: the settings service refused the XSTS token.
        MalformedResponseError: no token or no expiry in the answer.

    """
    step = "The Spartan token"
    body = {
        "Audience": "urn:343:s3:services",
        "MinVersion": "4",
        "Proof": [{"Token": halo_xsts_token, "TokenType": "Xbox_XSTSv3"}],
    }
    data, headers = await http.call(
        step,
        "POST",
        HOST,
        SPARTAN_PATH,
        body=body,
        headers={"Accept": "application/json", "Content-Type": "application/json"},
        hint=RELOGIN,
    )
    token = _credential(field_of(data, step, "SpartanToken"), step, "SpartanToken")
    try:
        expires = parse_instant(field_of(data, step, "ExpiresUtc", "ISO8601Date"))
    except ValueError:
        raise MalformedResponseError(f"{step}: ExpiresUtc is not a timestamp") from None
    return SpartanToken(token=token, expires=expires, lifetime=_granted(data, headers, expires))


def _granted(data: dict[str, object], headers: httpx.Headers, expires: datetime) -> timedelta:
    """Return the lifetime the service granted, measured on its own clock only."""
    try:
        seconds = duration_seconds(data.get("TokenDuration"))  # type: ignore[arg-type]
    except ValueError:
        seconds = None
    if seconds is None:
        sent = _http_date(headers.get("Date")) or datetime.now(UTC)
        seconds = (expires - sent).total_seconds()
    return timedelta(seconds=max(seconds, 0.0))


def _http_date(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _max_age(headers: httpx.Headers) -> float | None:
    found = _MAX_AGE.search(headers.get("Cache-Control", ""))
    if found:
        return float(found[1])
    expires = _http_date(headers.get("Expires"))
    if expires is None:
        return None
    # Expires against the service's own Date: a local clock that is off does not matter.
    sent = _http_date(headers.get("Date")) or datetime.now(UTC)
    return max(0.0, (expires - sent).total_seconds())


async def clearance(http: SignInHttp, spartan: str) -> Clearance:
    """Return the active clearance id (halo-api.md §2(g), SPNKr's variant).

    Raises:
        AuthError: the Spartan token was refused (``status`` says 401 or 403).
        MalformedResponseError: no ``FlightConfigurationId``.

    """
    step = "The clearance lookup"
    try:
        data, headers = await http.call(
            step, "GET", HOST, CLEARANCE_PATH, headers={"x-343-authorization-spartan": spartan},
            hint=RELOGIN,
        )  # fmt: skip
    except AuthError as error:
        if error.status == 403:
            raise AuthError(CLEARANCE_REFUSED, status=403) from None
        raise
    name = "FlightConfigurationId"
    flight = _credential(field_of(data, step, name), step, name)
    return Clearance(flight, _max_age(headers))


def _credential(value: object, step: str, name: str) -> str:
    """Return a token or clearance the service sent, if a request header can carry it.

    Raises:
        MalformedResponseError: not visible ASCII (a CR LF in it would add a header of
            the service's choosing to every later request).

    """
    if not is_credential(value):
        raise MalformedResponseError(
            f"{step}: the service sent a {name} that is not a token "
            "(not text of visible ASCII characters)"
        )
    return value
