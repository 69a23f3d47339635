"""HTTP/1.1 for httpx on asyncio's own streams: the Halo hosts' GETs at a fraction of the CPU.

(`CookielessClient`, at the end, is httpx's client as the Halo requests use it.)

httpx's default transport (httpcore over h11 over anyio) spent about 2.6 ms of
CPU on each request of a sync, more than a whole request costs a SPNKr script
on aiohttp (``bench/versus.py``). A sync sends thousands of small GETs to a
handful of hosts, one origin at a time per connection, and needs none of
what that stack adds: HTTP/2, proxies, trio. This transport speaks plain
HTTP/1.1 with keep-alive, TLS through ``ssl``, and the three ways a body may
end (a length, chunks, the connection closing), and hands httpx the raw body,
which httpx decodes (gzip, deflate) as before. Every failure is the httpx
exception the default transport raises for it, so the client's retries and
messages do not change.

A proxy in the environment still works: httpx routes those requests through
its own transport (``trust_env``). ``GRUNT_ARCHIVE_HTTPCORE=1`` makes the
client use httpx's transport for everything, should a host ever need it.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

HEAD_LIMIT = 64 * 1024  # bytes of status line and headers at most, as h11's default
CHUNK = 64 * 1024
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_NO_BODY_STATUSES = frozenset({204, 304})
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_FORBIDDEN_IN_HEADERS = (b"\r", b"\n", b"\0")
Origin = tuple[str, str, int]


class Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections per origin, reused one request at a time.

    Args:
        max_idle: idle connections kept per origin (the client's requests in flight).
        ssl_context: for ``https``; by default httpx's own (certifi's roots).

    """

    def __init__(self, *, max_idle: int = 8, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_idle = max(1, max_idle)
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on an idle connection to its origin, or a new one; return the answer.

        The body is left on the connection for httpx to read; once read, the
        connection goes back to the idle ones.
        """
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}", request=request)
        origin = (scheme, url.host, url.port or (443 if scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        message = _request_bytes(request, await request.aread())
        connection = self._take(origin)
        head = None
        if connection is not None:
            try:
                head = await connection.exchange(message, timeouts, request)
            except _StaleConnection:
                # The server closed a kept-alive connection before it read the request.
                connection.close()
                if request.method not in _IDEMPOTENT:
                    raise _unanswered(request) from None
            except BaseException:
                # Cancelled (the client's deadline) or failed mid-exchange: never reusable.
                connection.close()
                raise
        if head is None:
            connection = await self._connect(origin, timeouts, request)
            try:
                head = await connection.exchange(message, timeouts, request)
            except _StaleConnection:
                connection.close()
                raise _unanswered(request) from None
            except BaseException:
                connection.close()
                raise
        status, reason, headers, reusable = head
        try:
            framing = _framing(request.method, status, headers, request)
        except httpx.RemoteProtocolError:
            connection.close()
            raise
        body = _Body(self, origin, connection, framing, reusable, timeouts.get("read"), request)
        return httpx.Response(
            status,
            headers=headers,
            stream=body,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    async def aclose(self) -> None:
        """Close every idle connection; one still reading closes when its body is done."""
        self._closed = True
        idle = [c for connections in self._idle.values() for c in connections]
        self._idle.clear()
        for connection in idle:
            connection.close()

    def _take(self, origin: Origin) -> _Connection | None:
        connections = self._idle.get(origin)
        while connections:
            connection = connections.pop()
            if connection.alive():
                return connection
            connection.close()
        return None

    def _give_back(self, origin: Origin, connection: _Connection) -> None:
        connections = self._idle.setdefault(origin, [])
        if self._closed or len(connections) >= self.max_idle or not connection.alive():
            connection.close()
        else:
            connections.append(connection)

    async def _connect(
        self, origin: Origin, timeouts: dict[str, float | None], request: httpx.Request
    ) -> _Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            context = self._ssl_context
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None,
                    limit=HEAD_LIMIT,
                )  # fmt: skip
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port} timed out", request=request
            ) from None
        except (OSError, ssl.SSLError) as error:
            raise httpx.ConnectError(
                f"connecting to {host}:{port}: {error}", request=request
            ) from None
        return _Connection(reader, writer)


def _unanswered(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        "the server closed the connection without answering", request=request
    )


class _StaleConnection(Exception):
    """The connection ended before a byte of the answer came: nothing was processed."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def alive(self) -> bool:
        # A server that closed an idle connection has sent its EOF by now, or will before
        # the next answer (`_StaleConnection`, retried once on a new connection).
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()

    async def exchange(
        self, message: bytes, timeouts: dict[str, float | None], request: httpx.Request
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]], bool]:
        """Send ``message``; return the answer's status, reason, headers and reusability."""
        try:
            self.writer.write(message)
            if self.writer.transport.get_write_buffer_size():
                async with asyncio.timeout(timeouts.get("write")):
                    await self.writer.drain()
        except TimeoutError:
            self.close()
            raise httpx.WriteTimeout("sending the request timed out", request=request) from None
        except OSError:
            raise _StaleConnection from None
        async with _reading(self, timeouts.get("read"), request):
            while True:
                try:
                    head = await self.reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as error:
                    if not error.partial:
                        raise _StaleConnection from None
                    raise
                status, reason, headers, reusable = _parse_head(head, request)
                # An informational answer (100 Continue, 103 Early Hints) precedes the real one.
                if not 100 <= status < 200 or status == 101:
                    return status, reason, headers, reusable


@asynccontextmanager
async def _reading(
    connection: _Connection, timeout: float | None, request: httpx.Request
) -> AsyncIterator[None]:
    """Turn what can go wrong while reading into httpx's exceptions; close on any of them."""
    try:
        async with asyncio.timeout(timeout):
            yield
    except _StaleConnection:
        raise
    except TimeoutError:
        connection.close()
        raise httpx.ReadTimeout("reading the answer timed out", request=request) from None
    except asyncio.LimitOverrunError:
        connection.close()
        raise httpx.RemoteProtocolError(
            f"the answer's headers are longer than {HEAD_LIMIT} bytes", request=request
        ) from None
    except asyncio.IncompleteReadError:
        connection.close()
        raise httpx.RemoteProtocolError(
            "the server closed the connection in the middle of an answer", request=request
        ) from None
    except httpx.RemoteProtocolError:
        connection.close()
        raise
    except (OSError, ssl.SSLError) as error:
        connection.close()
        raise httpx.ReadError(f"reading the answer: {error}", request=request) from None


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """Return the request as it goes on the wire.

    Raises:
        httpx.LocalProtocolError: a header holds a CR, LF or NUL (h11 refuses those too).

    """
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    chunked = False
    for name, value in request.headers.raw:
        # httpx passes them through: a CR LF in a token would end its line and add a
        # header of the sender's choosing. Never the value in the message: it may be a token.
        if any(c in name or c in value for c in _FORBIDDEN_IN_HEADERS):
            raise httpx.LocalProtocolError(
                "a request header holds a line break or a NUL", request=request
            )
        if name.lower() == b"transfer-encoding":
            chunked = True
        lines.append(b"%s: %s" % (name, value))
    if body and chunked:
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    elif chunked:
        body = b"0\r\n\r\n"
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _parse_head(
    head: bytes, request: httpx.Request
) -> tuple[int, bytes, list[tuple[bytes, bytes]], bool]:
    """Return status, reason, headers and whether the connection may be reused after the body."""
    lines = head[:-4].split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        shown = lines[0][:40].decode("ascii", "replace")
        raise httpx.RemoteProtocolError(f"not an HTTP/1.1 status line: {shown!r}", request=request)
    headers = []
    reusable = version == b"HTTP/1.1"
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or line[:1] in (b" ", b"\t"):
            shown = line[:40].decode("ascii", "replace")
            raise httpx.RemoteProtocolError(f"a malformed header line: {shown!r}", request=request)
        value = value.strip(b" \t")
        if name.lower() == b"connection" and b"close" in value.lower():
            reusable = False
        headers.append((name, value))
    return int(code), reason, headers, reusable


def _framing(
    method: str, status: int, headers: list[tuple[bytes, bytes]], request: httpx.Request
) -> int | str:
    """How the body ends (RFC 9112 §6.3): a byte count, ``"chunked"`` or ``"close"``."""
    if method == "HEAD" or status in _NO_BODY_STATUSES or 100 <= status < 200:
        return 0
    lengths, codings = set(), []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            codings += [c.strip() for c in value.lower().split(b",")]
        elif lowered == b"content-length":
            lengths.update(v.strip() for v in value.split(b","))
    if codings:
        return "chunked" if codings[-1] == b"chunked" else "close"
    if not lengths:
        return "close"
    if len(lengths) > 1 or not all(v.isdigit() for v in lengths):
        shown = b", ".join(sorted(lengths))[:40].decode("ascii", "replace")
        raise httpx.RemoteProtocolError(f"a malformed Content-Length: {shown!r}", request=request)
    return int(lengths.pop())


class _Body(httpx.AsyncByteStream):
    """The answer's raw body, read as httpx asks for it; the connection goes back once read."""

    def __init__(
        self,
        transport: Transport,
        origin: Origin,
        connection: _Connection,
        framing: int | str,
        reusable: bool,
        timeout: float | None,
        request: httpx.Request,
    ) -> None:
        self._transport, self._origin, self._connection = transport, origin, connection
        self._framing, self._reusable, self._timeout = framing, reusable, timeout
        self._request = request
        self._done = framing == 0
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reader, framing = self._connection.reader, self._framing
        if self._done:
            return
        if framing == "chunked":
            chunks = self._chunks(reader)
        elif framing == "close":
            chunks = self._until_close(reader)
        else:
            chunks = self._counted(reader, framing)  # type: ignore[arg-type]
        async for chunk in chunks:
            yield chunk
        self._done = True
        self._release()

    async def _counted(self, reader: asyncio.StreamReader, remaining: int) -> AsyncIterator[bytes]:
        while remaining:
            async with _reading(self._connection, self._timeout, self._request):
                chunk = await reader.read(min(remaining, CHUNK))
                if not chunk:
                    raise asyncio.IncompleteReadError(b"", remaining)
            remaining -= len(chunk)
            yield chunk

    async def _until_close(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        self._reusable = False
        while True:
            async with _reading(self._connection, self._timeout, self._request):
                chunk = await reader.read(CHUNK)
            if not chunk:
                return
            yield chunk

    async def _chunks(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            async with _reading(self._connection, self._timeout, self._request):
                line = await reader.readuntil(b"\r\n")
                size_text = line.split(b";", 1)[0].strip()
                # Hex digits only: int() would also take "0x10", "+1" or "1_0".
                if not size_text or size_text.strip(_HEX_DIGITS):
                    raise httpx.RemoteProtocolError(
                        f"a malformed chunk size: {size_text[:20]!r}", request=self._request
                    )
                size = int(size_text, 16)
                if size == 0:
                    # Trailers, if any, end with an empty line.
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    return
            async for chunk in self._counted(reader, size):
                yield chunk
            async with _reading(self._connection, self._timeout, self._request):
                if await reader.readexactly(2) != b"\r\n":
                    raise httpx.RemoteProtocolError(
                        "a chunk not followed by CRLF", request=self._request
                    )

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._done and self._reusable:
            self._transport._give_back(self._origin, self._connection)
        else:
            self._connection.close()

    async def aclose(self) -> None:
        # A body left unread leaves the connection mid-answer: it cannot carry another.
        self._release()


class _NoCookies(httpx.Cookies):
    """Cookies that stay empty: the Halo hosts authenticate by header, never by cookie.

    Reading the cookies of every response costs the event loop about a tenth of
    its time in a backfill (httpx wraps each request and response for
    ``http.cookiejar`` first, even for a jar that keeps nothing).
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class CookielessClient(httpx.AsyncClient):
    """httpx's client with `_NoCookies`: it copies any jar it is given into a plain one."""

    @property
    def cookies(self) -> httpx.Cookies:  # type: ignore[override]
        """Return the cookies sent with every request: none, ever."""
        return _NO_COOKIES


def default_transport(max_idle: int) -> httpx.AsyncBaseTransport | None:
    """Return a `Transport`, or None for httpx's own when ``GRUNT_ARCHIVE_HTTPCORE`` is set."""
    if os.environ.get("GRUNT_ARCHIVE_HTTPCORE", "") not in ("", "0"):
        return None
    return Transport(max_idle=max_idle)
