"""Reading an answer as untrusted input: bounded in size and time, decoded strictly, checked.

`receive` sends a request and reads its body within one deadline and a size
cap, so a body dripped a byte at a time or a 200 MB answer (or a gzip bomb)
costs at most ``timeout`` seconds and ``max_body`` bytes. `parse` decodes
the body in its declared charset (UTF-8 by default) and parses it with
`loads`. Whatever the service sends, the result is a document or a one-line
`MalformedResponseError`; a timeout is an `httpx.TimeoutException`, which
the client retries like any network error.
"""

from __future__ import annotations

import asyncio
import codecs
from typing import Any

import httpx

from grunt_archive.errors import MalformedResponseError
from grunt_archive.jsonsafe import MAX_DEPTH as MAX_DEPTH  # the limit its callers quote
from grunt_archive.jsonsafe import loads
from grunt_archive.players import display_name

MAX_BODY = 32 * 1024 * 1024
MAX_URL = 8000
SHOWN = 160  # characters of a path a message quotes
# Headers that describe the bytes on the wire, not the decoded body `receive` returns.
_WIRE_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


def shown_path(request: httpx.Request) -> str:
    """Return the request's path and query as it went on the wire, cut short for messages."""
    path = request.url.raw_path.decode("ascii", "replace")
    return path if len(path) <= SHOWN else f"{path[:SHOWN]}…"


def check_url(url: str, what: str) -> None:
    """Refuse a URL longer than `MAX_URL` (an id from a document too long to send).

    Raises:
        MalformedResponseError: the URL is too long.

    """
    if len(url) > MAX_URL:
        raise MalformedResponseError(
            f"refusing to send a URL of {len(url)} characters to {what}: an id in it is too long"
        )


async def receive(
    http: httpx.AsyncClient,
    request: httpx.Request,
    timeout: float,
    max_body: int | None = None,
    service: str = "the service",
) -> httpx.Response:
    """Send ``request`` and read the whole answer within ``timeout`` seconds and ``max_body`` bytes.

    Returns:
        The response with its body read and decoded (gzip and the like undone).

    Raises:
        httpx.TimeoutException: the answer took longer than ``timeout`` in all.
        httpx.TransportError: the connection failed.
        MalformedResponseError: the body is larger than ``max_body``, or its
            content encoding is corrupt.

    """
    shown = shown_path(request)
    max_body = MAX_BODY if max_body is None else max_body
    try:
        async with asyncio.timeout(timeout):
            response = await http.send(request, stream=True)
            try:
                body = await _read_capped(response, max_body, f"{service} sent", shown)
            finally:
                await response.aclose()
    except TimeoutError:
        raise httpx.ReadTimeout(f"timed out after {timeout:g}s", request=request) from None
    except httpx.DecodingError:
        # The service's words reach the terminal: no escape sequence of theirs with them.
        encoding = display_name(response.headers.get("content-encoding", "")[:20]) or "?"
        raise MalformedResponseError(
            f"{service} sent a corrupt {encoding} body for {shown}",
            status=response.status_code,
            path=shown,
        ) from None
    # The raw bytes: a header value past ASCII, decoded, could not be encoded again.
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _WIRE_HEADERS]
    return httpx.Response(response.status_code, headers=headers, content=body, request=request)


async def _read_capped(response: httpx.Response, max_body: int, sender: str, shown: str) -> bytes:
    declared = response.headers.get("content-length", "")
    too_big = MalformedResponseError(
        f"{sender} a body larger than {max_body} bytes for {shown}",
        status=response.status_code,
        path=shown,
    )
    if declared.isdigit() and int(declared) > max_body:
        raise too_big
    chunks, size = [], 0
    # Decoded bytes are counted, so a small gzip body that inflates past the cap stops too.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_body:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def parse(response: httpx.Response, service: str) -> tuple[str, Any]:
    """Return a successful response's body as text and as parsed JSON (`text`, then `load`).

    Raises:
        MalformedResponseError: see `text` and `load`.

    """
    body = text(response, service)
    return body, load(body, service, shown_path(response.request), response.status_code)


def text(response: httpx.Response, service: str) -> str:
    """Return a successful response's body as text.

    The body is decoded strictly in its declared charset, UTF-8 when none is
    declared (RFC 8259): a byte that does not decode is an error, never a
    replacement character stored in the archive.

    Raises:
        MalformedResponseError: an unknown charset, or bytes that do not decode.

    """
    shown = shown_path(response.request)
    charset = response.charset_encoding or "utf-8"
    status = response.status_code
    try:
        codecs.lookup(charset)
    except LookupError:
        raise MalformedResponseError(
            f"{service} sent an unknown charset {charset[:40]!r} for {shown}", status, shown
        ) from None
    try:
        return response.content.decode(charset)
    except LookupError:  # a codec that is no text encoding: rot13, base64, zlib
        raise MalformedResponseError(
            f"{service} sent an unknown charset {charset[:40]!r} for {shown}", status, shown
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise MalformedResponseError(
            f"{service} sent bytes that are not valid in charset {charset[:40]!r} for {shown}",
            status,
            shown,
        ) from None


def load(body: str, service: str, shown: str, status: int = 200) -> Any:
    """Return the JSON of a body `text` returned (pure: no I/O, safe on any thread).

    Raises:
        MalformedResponseError: a body `jsonsafe.loads` refuses, naming the service and path.

    """
    try:
        return loads(body.removeprefix("\ufeff"))
    except MalformedResponseError as error:
        raise MalformedResponseError(f"{service} sent {error} for {shown}", status, shown) from None
