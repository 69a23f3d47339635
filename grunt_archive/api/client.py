"""The one HTTP client every Halo service goes through.

It owns what must be shared across services: the ``httpx.AsyncClient`` with
its timeouts, a rate limiter per host and one bound on requests in flight, retries
(tenacity) on 408, 429, 5xx and network errors that honour ``Retry-After``,
and the tokens. It returns documents, never rows: nothing here knows SQL.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
)

from grunt_archive.api import responses
from grunt_archive.api.credentials import check_given, check_headers
from grunt_archive.api.limits import HostLimits
from grunt_archive.api.transport import CookielessClient, default_transport
from grunt_archive.errors import (
    AuthError,
    NotFoundError,
    ServiceUnavailableError,
    UsageError,
)
from grunt_archive.times import now_utc

SPARTAN_HEADER = "x-343-authorization-spartan"
CLEARANCE_HEADER = "343-clearance"
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# RFC 9110's delay-seconds are digits; a decimal part is tolerated. Python's float() also
# reads "inf", "nan", "1e308" and "1_000", which no server means as a delay.
_DELAY_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?\Z")


@dataclass(frozen=True, slots=True)
class Document:
    """A successful response: the body as received and its parsed JSON.

    A binary body asked for with ``raw=True`` (a film chunk) is in ``content``,
    exactly as received; its ``body`` is then empty and ``data`` None.
    """

    path: str
    body: str
    data: Any
    fetched_at: str
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class Tokens:
    """Bring-your-own credentials. Their values never appear in messages or reprs.

    Raises:
        UsageError: a value no header can carry (`credentials.check_given`).

    """

    spartan: str
    clearance: str | None = None

    def __post_init__(self) -> None:
        # Where they enter: before any archive is made or run row written.
        check_given(self.spartan, self.clearance)

    def __repr__(self) -> str:
        return "Tokens(spartan=<hidden>, clearance=<hidden>)"

    @classmethod
    def from_env(cls) -> Tokens | None:
        """Read ``GRUNT_ARCHIVE_SPARTAN_TOKEN`` and ``GRUNT_ARCHIVE_CLEARANCE``."""
        spartan = os.environ.get("GRUNT_ARCHIVE_SPARTAN_TOKEN")
        if not spartan:
            return None
        return cls(spartan, os.environ.get("GRUNT_ARCHIVE_CLEARANCE") or None)


class TokenSource(Protocol):
    """Where the client gets its tokens; a signed-in source can renew them."""

    async def current(self) -> Tokens:
        """Return tokens to send now (a source may renew them shortly before expiry)."""
        ...

    async def renew(self, refused: Tokens, *, served: bool) -> Tokens | None:
        """Return tokens to retry with after the service refused ``refused`` (a 401).

        ``served`` says whether ``refused`` had a request accepted before. A
        source returns its current tokens when they are newer than ``refused``,
        renews when ``refused`` is its current token, or returns None if it
        cannot renew.
        """
        ...


class StaticTokens:
    """Bring-your-own tokens: sent as given, never renewed."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    async def current(self) -> Tokens:
        """Return the given tokens."""
        return self.tokens

    async def renew(self, refused: Tokens, *, served: bool) -> Tokens | None:
        """Return None: pasted tokens cannot be renewed."""
        return None


@dataclass(slots=True)
class _Use:
    in_flight: int = 0
    served: bool = False
    changed: asyncio.Event | None = None


class TokenUses:
    """What became of the requests sent with each Spartan token: in flight, accepted.

    A 401 on a token that no request was accepted with means something else
    than a 401 after it served requests; but responses can come back in any
    order, so the refused request waits for the others sent with the same
    token before it says which.
    """

    KEEP = 8  # tokens remembered; a run sees a new one every few hours

    def __init__(self) -> None:
        self._uses: dict[str, _Use] = {}

    def sent(self, token: str) -> None:
        """Note a request sent with ``token``."""
        use = self._uses.setdefault(token, _Use())
        use.in_flight += 1
        if len(self._uses) > self.KEEP:
            for old in [t for t, u in self._uses.items() if t != token and not u.in_flight]:
                del self._uses[old]

    def done(self, token: str, *, accepted: bool) -> None:
        """Note that a request sent with ``token`` came back (or failed to)."""
        use = self._uses.setdefault(token, _Use())
        use.in_flight = max(0, use.in_flight - 1)
        use.served = use.served or accepted
        if use.changed is not None:
            use.changed.set()
            use.changed = None

    async def served(self, token: str) -> bool:
        """Return whether a request sent with ``token`` was accepted, once that is known."""
        use = self._uses.setdefault(token, _Use())
        while not use.served and use.in_flight:
            if use.changed is None:
                use.changed = asyncio.Event()
            await use.changed.wait()
        return use.served


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try before giving up.

    The defaults suit the real service; tests shrink the waits.
    """

    attempts: int = 20
    base_wait: float = 0.5
    max_wait: float = 30.0
    max_retry_after: float = 120.0
    not_found_attempts: int = 4
    not_found_wait: float = 2.0
    give_up_after: float = 600.0

    def backoff(self, attempt: int) -> float:
        """Return the pause after failed attempt ``attempt`` (1-based) when the service named none.

        Exponential backoff with jitter keeps many clients from retrying in step.
        """
        ceiling = min(self.max_wait, self.base_wait * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Return the default policy, its waits scaled by ``$GRUNT_ARCHIVE_RETRY_SCALE``.

        A scale below 1 makes a test run or an impatient user wait less; the
        waits a ``Retry-After`` header asks for are honoured unscaled.
        """
        text = os.environ.get("GRUNT_ARCHIVE_RETRY_SCALE", "1")
        try:
            scale = float(text)
        except ValueError:
            scale = -1.0
        if not 0 <= scale <= 100:
            raise UsageError(
                f"GRUNT_ARCHIVE_RETRY_SCALE must be a number from 0 to 100, not {text!r}"
            )
        base = cls()
        return cls(
            attempts=base.attempts,
            base_wait=base.base_wait * scale,
            max_wait=base.max_wait * scale,
            not_found_attempts=base.not_found_attempts,
            not_found_wait=base.not_found_wait * scale,
        )


class _Transient(Exception):
    """A failure worth another try: 408/429/5xx or a network error."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.match(value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class HaloClient:
    """An async client for the Halo Waypoint services.

    Args:
        tokens: the Spartan token (and clearance) to send, or a source that
            renews them (``auth login``'s store).
        api_base: when set, every request goes to ``{api_base}{path}`` instead
            of the service's real host (``GRUNT_ARCHIVE_API_BASE``).
        rps: requests per second to each host (`limits.HostLimits`); None for no limit.
        concurrency: requests in flight at most.
        retry: the retry policy.
        transport: an httpx transport (tests pass the simulator's ASGI app).
        timeout: seconds a whole response may take, body included.
        max_body: bytes a body may have at most (decoded).

    """

    def __init__(
        self,
        tokens: Tokens | TokenSource,
        *,
        api_base: str | None = None,
        rps: float | None = 5.0,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_body: int = responses.MAX_BODY,
    ) -> None:
        self.tokens: TokenSource = StaticTokens(tokens) if isinstance(tokens, Tokens) else tokens
        self.api_base = (api_base or os.environ.get("GRUNT_ARCHIVE_API_BASE") or "").rstrip("/")
        self.retry = retry or RetryPolicy.from_env()
        self.limits = HostLimits(rps, longest_pause=self.retry.max_retry_after)
        self.concurrency = max(1, concurrency)
        self.slots = asyncio.Semaphore(self.concurrency)
        self.requests: Counter[str] = Counter()
        # Requests each service answered (a document or a 404): it was up, whatever came after.
        self.answers: Counter[str] = Counter()
        self.timeout = timeout
        self.max_body = max_body
        self.uses = TokenUses()
        # A clearance fetched during the run (api.settings.LazyClearance), sent
        # when the tokens carry none of their own.
        self.clearance: str | None = None
        self._http = CookielessClient(
            transport=transport or default_transport(max_idle=self.concurrency),
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max(1, concurrency)),
            headers={"Accept": "application/json", "User-Agent": "grunt-archive"},
        )

    async def __aenter__(self) -> HaloClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    @property
    def request_count(self) -> int:
        """Requests sent so far, retries included."""
        return sum(self.requests.values())

    def url(self, host: str, path: str) -> str:
        """Return the URL of ``path`` on ``host``, or on the API base when one is set."""
        return f"{self.api_base or host}{path}"

    async def get(
        self,
        service: str,
        host: str,
        path: str,
        params: list[tuple[str, str]] | None = None,
        *,
        clearance: bool = False,
        retry_not_found: bool = False,
        raw: bool = False,
        parse: bool = True,
    ) -> Document:
        """GET ``path`` from ``host`` and return the parsed JSON document.

        With ``raw``, the body is binary: returned in ``content`` as received, not decoded.
        Without ``parse``, the body is decoded but not parsed (``data`` is None): the
        caller parses it with `responses.load` where it has the time, off the event loop.

        Raises:
            AuthError: the token was refused (401/403).
            NotFoundError: 404 (after retries when ``retry_not_found``), or 410.
            ServiceUnavailableError: retries ran out.
            MalformedResponseError: the body is not JSON, or not one the archive can
                hold (see `responses`); an id makes the URL too long.

        """
        not_found_left = self.retry.not_found_attempts - 1 if retry_not_found else 0
        transient_left = self.retry.attempts - 1

        def should_retry(error: BaseException) -> bool:
            nonlocal not_found_left, transient_left
            if isinstance(error, _Transient) and transient_left > 0:
                transient_left -= 1
                return True
            if isinstance(error, NotFoundError) and error.status != 410 and not_found_left > 0:
                not_found_left -= 1
                return True
            return False

        retrying = AsyncRetrying(
            retry=retry_if_exception(should_retry),
            wait=self._wait,
            stop=stop_after_delay(self.retry.give_up_after),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._get_once(service, host, path, params, clearance, raw, parse)
        except _Transient as error:
            raise ServiceUnavailableError(
                f"{service} kept failing for {path}: {error.reason}", path=path
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, NotFoundError):
            return self.retry.not_found_wait
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, self.retry.max_retry_after)
        return self.retry.backoff(state.attempt_number)

    async def _get_once(
        self,
        service: str,
        host: str,
        path: str,
        params: list[tuple[str, str]] | None,
        clearance: bool,
        raw: bool = False,
        parse: bool = True,
    ) -> Document:
        response, sent = await self._send(service, host, path, params, clearance)
        while response.status_code == 401:
            # A token can expire mid-run. The source decides: retry with its newer
            # token, renew (once for every request in flight), or give up.
            served = await self.uses.served(sent.spartan)
            renewed = await self.tokens.renew(sent, served=served)
            if renewed is None or renewed.spartan == sent.spartan:
                break
            response, sent = await self._send(
                service, host, path, params, clearance, (sent, renewed)
            )
        # The request waiting for the slot just freed goes out before this answer is parsed.
        await asyncio.sleep(0)
        if raw:
            return self._content(service, response)
        return self._document(service, response, parse)

    async def _send(
        self,
        service: str,
        host: str,
        path: str,
        params: list[tuple[str, str]] | None,
        clearance: bool,
        renewal: tuple[Tokens, Tokens] | None = None,
    ) -> tuple[httpx.Response, Tokens]:
        """Send one GET with the tokens of the moment; return the response and those tokens.

        ``renewal`` is (refused, renewed) when retrying after a 401: the
        renewed tokens are sent unless the source has newer ones by then.
        """
        # A host's turn comes before a slot: a slowed host never holds a slot others could use.
        epoch = await self.limits.wait(host)
        async with self.slots:
            # Take the tokens only now: a request may wait here longer than a token lives.
            tokens = await self.tokens.current()
            if renewal is not None and tokens.spartan == renewal[0].spartan:
                tokens = renewal[1]
            headers = {SPARTAN_HEADER: tokens.spartan}
            clearance_id = tokens.clearance or self.clearance
            if clearance and clearance_id:
                headers[CLEARANCE_HEADER] = clearance_id
            # Parsed once here: httpx parses a text URL again for the client and the request.
            url = httpx.URL(self.url(host, path), params=params)
            request = self._http.build_request("GET", url, headers=check_headers(headers))
            responses.check_url(str(request.url), service)
            self.requests[service] += 1
            self.uses.sent(tokens.spartan)
            accepted = False
            try:
                response = await responses.receive(
                    self._http, request, self.timeout, self.max_body, service
                )
                if response.status_code == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    self.limits.throttled(host, epoch, retry_after)
                accepted = response.status_code < 400 or response.status_code in (404, 410)
                if accepted:
                    self.answers[service] += 1
                return response, tokens
            except httpx.LocalProtocolError:
                # Our request is malformed: no retry mends it. Its words may quote a token.
                raise AuthError(
                    f"cannot send a request to {service}: a header holds a line break or a NUL"
                ) from None
            except httpx.TransportError as error:
                raise _Transient(f"{type(error).__name__} talking to {service}") from None
            finally:
                self.uses.done(tokens.spartan, accepted=accepted)

    def _content(self, service: str, response: httpx.Response) -> Document:
        """Return a binary body as received; every failure status raises as for JSON."""
        if not 200 <= response.status_code < 300:
            # The JSON path knows what each failure status means; it raises for all of them.
            self._document(service, response)
            raise ServiceUnavailableError(
                f"{service} answered HTTP {response.status_code} without a body to keep",
                response.status_code,
                responses.shown_path(response.request),
            )
        return Document(
            path=responses.shown_path(response.request),
            body="",
            data=None,
            fetched_at=now_utc(),
            content=response.content,
        )

    def _document(self, service: str, response: httpx.Response, parse: bool = True) -> Document:
        shown = responses.shown_path(response.request)
        status = response.status_code
        if status in TRANSIENT_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _Transient(f"HTTP {status}", retry_after)
        if status in (401, 403):
            raise AuthError(
                f"{service} refused the Spartan token (HTTP {status}); it has probably expired: "
                "set a fresh GRUNT_ARCHIVE_SPARTAN_TOKEN or run `grunt-archive auth login`",
                status,
            )
        if status in (404, 410):  # 410 Gone: for good, as films expire
            raise NotFoundError(
                f"{service} has no {shown} (HTTP {status})", status=status, path=shown
            )
        if status >= 400:
            raise ServiceUnavailableError(
                f"{service} answered HTTP {status} to {shown}", status, shown
            )
        body = responses.text(response, service)
        data = responses.load(body, service, shown, status) if parse else None
        return Document(path=shown, body=body, data=data, fetched_at=now_utc())
