"""The HTTP side of signing in: one small client for the sign-in hosts, and the app's identity.

The Microsoft → Xbox Live → Halo token chain (halo-api.md §6) talks to four
hosts: `live` (login.live.com), `xbox` (the two Xbox Live auth hosts) and
`spartan` (the settings host's spartan-token) send their requests through
`SignInHttp`. It honours ``GRUNT_ARCHIVE_API_BASE`` exactly as
`HaloClient.url` does, retries what is worth retrying, and turns every
refusal into an `AuthError` whose message names the step and the service's
error code but never a token, a secret or a code.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from grunt_archive.api import responses
from grunt_archive.api.client import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after
from grunt_archive.errors import AuthError, MalformedResponseError, ServiceUnavailableError

# Known XSTS refusals (XErr) that mean "this account cannot use Xbox Live", not "bad token".
XERR_MEANINGS = {
    2148916227: "the account is banned from Xbox Live",
    2148916229: "the account's family settings do not allow online play",
    2148916233: "the Microsoft account has no Xbox profile yet (sign in once at xbox.com)",
    2148916235: "Xbox Live is not available in the account's country",
    2148916236: "the account needs adult verification on xbox.com",
    2148916237: "the account needs adult verification on xbox.com",
    2148916238: "the account is a child account and must be added to a family",
}
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,60}\Z")


@dataclass(frozen=True, slots=True)
class AppRegistration:
    """The user's own Azure AD app, which Microsoft sign-in is done for.

    Attributes:
        client_id: the app's (client) id; not a secret.
        client_secret: its client secret; None for a public client.
        redirect_uri: a redirect URI registered for the app.

    """

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str = "https://localhost"

    def __repr__(self) -> str:
        return f"AppRegistration(client_id={self.client_id!r}, client_secret=<hidden>)"


def _refusal_detail(response: httpx.Response) -> str:
    """Return the service's error code (``invalid_grant``, ``XErr …``), never its text."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, str) and _SAFE_CODE.match(error):
        return f", {error}"
    xerr = body.get("XErr")
    if isinstance(xerr, int) and not isinstance(xerr, bool):
        meaning = XERR_MEANINGS.get(xerr)
        return f", XErr {xerr}" + (f": {meaning}" if meaning else "")
    return ""


class SignInHttp:
    """Sends the sign-in chain's requests: base URL, retries, and refusals as `AuthError`.

    Use it as an async context manager; it opens one connection pool for the
    length of a sign-in or a renewal.

    Args:
        api_base: when set, every request goes to ``{api_base}{path}``
            (``GRUNT_ARCHIVE_API_BASE``; the simulator).
        transport: an httpx transport (tests pass the simulator's ASGI app).
        retry: waits and attempts for 408, 429, 5xx and network errors.
        timeout: seconds for connect, read and write.

    """

    def __init__(
        self,
        api_base: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_base = (api_base or os.environ.get("GRUNT_ARCHIVE_API_BASE") or "").rstrip("/")
        self.transport = transport
        self.retry = retry or RetryPolicy.from_env()
        self.timeout = timeout
        self.requests = 0
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> SignInHttp:
        self._http = httpx.AsyncClient(
            transport=self.transport,
            timeout=httpx.Timeout(self.timeout),
            headers={"Accept": "application/json", "User-Agent": "grunt-archive"},
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def url(self, host: str, path: str) -> str:
        """Return the URL of ``path`` on ``host``, or on the API base when one is set."""
        return f"{self.api_base or host}{path}"

    async def call(
        self,
        step: str,
        method: str,
        host: str,
        path: str,
        *,
        hint: str,
        form: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """Send one request of the chain and return its JSON object and headers.

        Args:
            step: what this request does, for messages ("the Xbox user token").
            method: ``GET`` or ``POST``.
            host: the real host, e.g. ``https://login.live.com``.
            path: the path on that host.
            hint: what the user should do when the service refuses.
            form: a form-encoded body.
            body: a JSON body.
            headers: extra request headers.

        Raises:
            AuthError: the service refused (400, 401 or 403).
            ServiceUnavailableError: retries ran out, or another error status.
            MalformedResponseError: the body is not a JSON object.

        """
        if self._http is None:
            raise RuntimeError("use SignInHttp as an async context manager")
        service = host.split("//", 1)[-1]
        attempts = max(1, min(self.retry.attempts, 4))
        for attempt in range(1, attempts + 1):
            request = self._http.build_request(
                method, self.url(host, path), data=form, json=body, headers=headers
            )
            self.requests += 1
            try:
                response = await responses.receive(
                    self._http, request, self.timeout, service=service
                )
            except MalformedResponseError as error:
                raise MalformedResponseError(f"{step}: {error}") from None
            except httpx.LocalProtocolError:
                # Our request is malformed: no retry mends it. Its words may quote a token.
                raise AuthError(
                    f"{step}: cannot send it to {service}: a header holds a line break or a NUL"
                ) from None
            except httpx.TransportError as error:
                reason, wait = f"{type(error).__name__} talking to {service}", None
            else:
                if response.status_code not in TRANSIENT_STATUSES:
                    return self._parse(step, service, response, hint)
                reason = f"HTTP {response.status_code}"
                wait = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == attempts:
                raise ServiceUnavailableError(f"{step}: {service} kept failing ({reason})")
            pause = self.retry.backoff(attempt) if wait is None else wait
            await asyncio.sleep(min(pause, self.retry.max_retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _parse(
        step: str, service: str, response: httpx.Response, hint: str
    ) -> tuple[dict[str, Any], httpx.Headers]:
        status = response.status_code
        if status in (400, 401, 403):
            raise AuthError(
                f"{step} failed: {service} refused it (HTTP {status}{_refusal_detail(response)}); "
                + hint,
                status,
            )
        if status >= 400:
            raise ServiceUnavailableError(f"{step}: {service} answered HTTP {status}", status)
        try:
            _, data = responses.parse(response, service)
        except MalformedResponseError as error:
            raise MalformedResponseError(f"{step}: {error}") from None
        if not isinstance(data, dict):
            raise MalformedResponseError(f"{step}: {service} sent a body that is not a JSON object")
        return data, response.headers


def field_of(data: dict[str, Any], step: str, *keys: str | int) -> Any:
    """Return ``data[k1][k2]…``, or raise `MalformedResponseError` naming the step.

    Raises:
        MalformedResponseError: a key is missing or a value is empty.

    """
    value: Any = data
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            value = None
            break
    if value is None or value == "":
        shown = ".".join(str(k) for k in keys)
        raise MalformedResponseError(f"{step}: the response has no {shown}")
    return value
