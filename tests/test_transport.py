"""api.transport against a real socket: bodies of every framing, reuse, and every way to fail.

A scripted server answers each request with the next bytes of its script, so
each test states exactly what goes over the wire. ``fixtures/tls`` holds a
throwaway self-signed certificate for ``localhost``, for the TLS test only.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from grunt_archive.api.client import HaloClient, Tokens
from grunt_archive.api.transport import HEAD_LIMIT, Transport, default_transport

TLS = Path(__file__).parent / "fixtures" / "tls"
# What the server does with a request: bytes to send, or a coroutine taking the writer.
Answer = bytes | Callable[[asyncio.StreamWriter], Awaitable[None]]


def ok(body: bytes = b'{"a": 1}', *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()


async def hang(writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


class Server:
    """Answer the n-th request on any connection with ``answers[n]``; count connections."""

    def __init__(self, answers: list[Answer], context: ssl.SSLContext | None = None) -> None:
        self.answers, self.context = list(answers), context
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    def url(self, path: str = "/x", scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                try:
                    self.requests.append(await reader.readuntil(b"\r\n\r\n"))
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                answer = self.answers.pop(0)
                if callable(answer):
                    await answer(writer)
                    if writer.is_closing():
                        return
                else:
                    writer.write(answer)
                    await writer.drain()
        finally:
            writer.close()


def get(server: Server, *paths: str, **client_options: object) -> list[httpx.Response]:
    """GET each path in turn through one client on a `Transport`; return the responses."""

    async def go() -> list[httpx.Response]:
        transport = Transport(**client_options)  # type: ignore[arg-type]
        async with server, httpx.AsyncClient(transport=transport, timeout=2) as client:
            return [await client.get(server.url(path)) for path in paths]

    return asyncio.run(go())


def fails(server: Server, error: type[Exception], timeout: float = 2) -> str:
    async def go() -> str:
        async with server, httpx.AsyncClient(transport=Transport(), timeout=timeout) as client:
            with pytest.raises(error) as raised:
                await client.get(server.url())
            return str(raised.value)

    return asyncio.run(go())


def test_a_counted_body_is_read_and_the_connection_kept_for_the_next_request() -> None:
    server = Server([ok(b"first"), ok(b"second")])
    first, second = get(server, "/one", "/two?q=1")
    assert (first.status_code, first.content, second.content) == (200, b"first", b"second")
    assert server.connections == 1
    assert server.requests[1].startswith(b"GET /two?q=1 HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in server.requests[0]


def test_a_chunked_body_with_extensions_and_trailers_is_joined() -> None:
    body = b"5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: yes\r\n\r\n"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    first, second = get(Server([chunked, ok(b"again")]), "/a", "/b")
    assert (first.content, second.content) == (b"hello world", b"again")


def test_a_closed_body_and_connection_close_both_open_a_new_connection() -> None:
    # An HTTP/1.0 answer without a length ends when the server closes the connection.
    until_close = b"HTTP/1.0 200 OK\r\n\r\nuntil the end"

    async def then_close(writer: asyncio.StreamWriter) -> None:
        writer.write(until_close)
        await writer.drain()
        writer.close()

    server = Server([then_close, ok(b"x", "Connection: close"), ok(b"y")])
    responses = get(server, "/a", "/b", "/c")
    assert [r.content for r in responses] == [b"until the end", b"x", b"y"]
    assert server.connections == 3


def test_gzip_is_undone_by_httpx() -> None:
    body = gzip.compress(b'{"Results": []}')
    (response,) = get(Server([ok(body, "Content-Encoding: gzip")]), "/a")
    assert response.json() == {"Results": []}


def test_an_informational_answer_is_skipped_and_no_content_has_no_body() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + ok(b"real")
    no_content = b"HTTP/1.1 204 No Content\r\n\r\n"
    first, second, third = get(Server([early, no_content, ok(b"after")]), "/a", "/b", "/c")
    assert (first.status_code, first.content) == (200, b"real")
    assert (second.status_code, second.content, third.content) == (204, b"", b"after")


def test_a_kept_connection_the_server_closed_is_replaced_without_an_error() -> None:
    async def answer_then_close(writer: asyncio.StreamWriter) -> None:
        writer.write(ok(b"one"))
        await writer.drain()
        writer.close()  # as a server does after its keep-alive time

    server = Server([answer_then_close, ok(b"two")])

    async def go() -> list[bytes]:
        async with server, httpx.AsyncClient(transport=Transport(), timeout=2) as client:
            first = await client.get(server.url())
            await asyncio.sleep(0)  # let the EOF arrive, or not: both paths must work
            second = await client.get(server.url())
            return [first.content, second.content]

    assert asyncio.run(go()) == [b"one", b"two"]
    assert server.connections == 2


def test_a_request_the_server_drops_unanswered_on_a_reused_connection_is_sent_again() -> None:
    server = Server([ok(b"one"), close, ok(b"two")])
    first, second = get(server, "/a", "/b")
    assert (first.content, second.content) == (b"one", b"two")
    assert server.connections == 2


@pytest.mark.parametrize(
    ("answer", "error", "says"),
    [
        (close, httpx.RemoteProtocolError, "without answering"),
        (b"SPDY/3 200 OK\r\n\r\n", httpx.RemoteProtocolError, "not an HTTP/1.1 status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", httpx.RemoteProtocolError, "status line"),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", httpx.RemoteProtocolError, "malformed header"),
        (b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", httpx.RemoteProtocolError, "malformed header"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
            httpx.RemoteProtocolError,
            "Content-Length",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", httpx.RemoteProtocolError, "Length"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            httpx.RemoteProtocolError,
            "chunk size",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
            httpx.RemoteProtocolError,
            "chunk size",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
            httpx.RemoteProtocolError,
            "",
        ),
        (
            b"HTTP/1.1 200 OK\r\nX: " + b"a" * (HEAD_LIMIT + 10) + b"\r\n\r\n",
            httpx.RemoteProtocolError,
            "longer than",
        ),
    ],
)
def test_a_broken_answer_is_the_httpx_error_the_client_retries(
    answer: Answer, error: type[Exception], says: str
) -> None:
    assert says in fails(Server([answer]), error)


def test_a_body_cut_short_is_a_protocol_error() -> None:
    async def half(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
        await writer.drain()
        writer.close()

    assert "middle of an answer" in fails(Server([half]), httpx.RemoteProtocolError)


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    fails(Server([hang]), httpx.ReadTimeout, timeout=0.2)


def test_nobody_listening_is_a_connect_error() -> None:
    async def go() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        async with httpx.AsyncClient(transport=Transport()) as client:
            with pytest.raises(httpx.ConnectError, match=f"127.0.0.1:{port}"):
                await client.get(f"http://127.0.0.1:{port}/")

    asyncio.run(go())


def test_https_checks_the_certificate_and_its_host_name() -> None:
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
    trusting = ssl.create_default_context(cafile=TLS / "localhost.crt")
    server = Server([ok(b"secret"), ok(b"kept")], served)

    async def go() -> list[bytes]:
        transport = Transport(ssl_context=trusting)
        async with server, httpx.AsyncClient(transport=transport, timeout=2) as client:
            url = server.url(scheme="https", host="localhost")
            return [(await client.get(url)).content, (await client.get(url)).content]

    assert asyncio.run(go()) == [b"secret", b"kept"]
    assert server.connections == 1

    # The default roots do not know this certificate: refused before any request goes.
    untrusted = Server([ok()], served)

    async def refused() -> None:
        async with untrusted, httpx.AsyncClient(transport=Transport(), timeout=2) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(untrusted.url(scheme="https", host="localhost"))

    asyncio.run(refused())
    assert untrusted.requests == []


def test_the_client_uses_this_transport_unless_told_to_use_httpcore(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(default_transport(4), Transport)
    monkeypatch.setenv("GRUNT_ARCHIVE_HTTPCORE", "1")
    assert default_transport(4) is None

    async def transport_of_a_client() -> object:
        async with HaloClient(Tokens("v4=t")) as client:
            return client._http._transport

    assert not isinstance(asyncio.run(transport_of_a_client()), Transport)
    monkeypatch.delenv("GRUNT_ARCHIVE_HTTPCORE")
    assert isinstance(asyncio.run(transport_of_a_client()), Transport)


@pytest.mark.parametrize("reused", [False, True])
def test_a_request_cancelled_while_waiting_closes_its_connection(reused: bool) -> None:
    server = Server([ok(b"first")] * reused + [hang, ok(b"later")])
    opened = []

    class Counting(Transport):
        async def _connect(self, *args: Any) -> Any:
            opened.append(await super()._connect(*args))
            return opened[-1]

    async def go() -> bytes:
        async with server, httpx.AsyncClient(transport=Counting(), timeout=5) as client:
            if reused:
                assert (await client.get(server.url())).content == b"first"
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):  # the client's own deadline, as receive's
                    await client.get(server.url())
            # Mid-answer, the connection can carry nothing else: closed, not left open.
            assert opened[0].writer.is_closing()
            later = (await client.get(server.url())).content
            assert not opened[1].writer.is_closing()  # kept for the next request
            return later

    assert asyncio.run(go()) == b"later"
    assert server.connections == 2
