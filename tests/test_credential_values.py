"""A token or clearance no HTTP header can carry is refused where it enters, never sent.

A space, a control character (a CR LF would add a header of the sender's choosing) or a
character past ASCII: given on the command line or in the environment (exit 2), read from
the sign-in file (damaged, exit 4), or sent by the sign-in chain's hosts (a malformed
answer). The transport refuses a line break or NUL in any header, as h11 does.
"""

from __future__ import annotations

import asyncio
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from grunt_archive.api import HaloClient, LazyClearance, RetryPolicy, StatsService, Tokens
from grunt_archive.api import settings as settings_host
from grunt_archive.api.signin import AppRegistration, SignInHttp
from grunt_archive.api.transport import Transport
from grunt_archive.auth import save_session
from grunt_archive.cli import cli
from grunt_archive.errors import AuthError, MalformedResponseError, UsageError
from tests.helpers import signed_in_session

FAST = RetryPolicy(attempts=4, base_wait=0.001, max_wait=0.002)
INJECTED = "v4=abc\r\nX-Injected: 1"
GAMERTAG = "Lone Wolf24"


class _Recorder(socketserver.BaseRequestHandler):
    """Keep each request's head as it came on the wire; answer 401 and close."""

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                break
            head += chunk
        self.server.heads.append(head)  # type: ignore[attr-defined]
        self.request.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")


@contextmanager
def recording_server() -> Iterator[tuple[str, list[bytes]]]:
    """A plain TCP server on a free port: its base URL and the request heads it received."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.heads = []  # type: ignore[attr-defined]
    # A short poll: shutdown() waits for the loop to look, half a second by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.heads  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def run_cli(args: list[str], env: dict[str, str | None]):
    base = {
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": None,
        "GRUNT_ARCHIVE_CLEARANCE": None,
        "GRUNT_ARCHIVE_RETRY_SCALE": "0",
    }
    return CliRunner().invoke(cli, args, env={**base, **env})


# Given on the command line or in the environment: exit 2, before any archive ----------------

CASES = {
    "non-ASCII --spartan-token": (["--spartan-token", "é-token"], {}, "Spartan token"),
    "CR LF in --spartan-token": (["--spartan-token", INJECTED], {}, "Spartan token"),
    "LF in GRUNT_ARCHIVE_SPARTAN_TOKEN": (
        [], {"GRUNT_ARCHIVE_SPARTAN_TOKEN": "v4=abc\nX-Injected: 1"}, "Spartan token",
    ),
    "non-ASCII GRUNT_ARCHIVE_CLEARANCE": (
        ["--spartan-token", "v4=abc"], {"GRUNT_ARCHIVE_CLEARANCE": "clé"}, "clearance",
    ),
    "CR LF in --clearance": (
        ["--spartan-token", "v4=abc", "--clearance", INJECTED], {}, "clearance",
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", ["sync", "verify"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_token_given_is_exit_2_before_any_archive_or_request(tmp_path, command, case):
    args, env, what = CASES[case]
    db = tmp_path / "u.db"
    with recording_server() as (url, heads):
        result = run_cli(
            [command, "--db", str(db), "--json", "--player", GAMERTAG, "--api-base", url, *args],
            env,
        )
    assert heads == []  # nothing reached the wire
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Error: the {what} given")
    if command == "sync":
        assert json.loads(result.stdout)["exit_code"] == 2
    for secret in ("é-token", "X-Injected", "clé"):
        assert secret not in result.output
    assert not db.exists()  # no archive made, so no sync run left "running" in one


def test_a_real_looking_token_and_clearance_are_taken():
    token = "v4=" + "AbC-_z09+/" * 40 + "=="
    tokens = Tokens(token, "46f08f2d-1234-4ad0-9c1e-0123456789ab")
    assert (
        tokens.spartan == token and repr(tokens) == "Tokens(spartan=<hidden>, clearance=<hidden>)"
    )
    assert Tokens("v4=x", "").clearance == ""  # an empty clearance is none given
    for bad in ("", "v4= x", "v4=\tx", "v4=x\x00", "v4=x\x7f", "v4=\uff41"):
        with pytest.raises(UsageError, match="Spartan token") as error:
            Tokens(bad)
        assert "v4=" not in str(error.value)  # never the value, nor a part of it


# Read from the sign-in file: damaged, exit 4 -----------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("spartan", "token", "tokén"),
        ("spartan", "token", INJECTED),
        ("clearance", "id", "clé"),
        ("clearance", "id", "flight\r\nX-Injected: 1"),
    ],
)
def test_a_bad_token_in_the_sign_in_file_is_damaged_exit_4(tmp_path, section, key, value):
    auth_file = tmp_path / "auth.json"
    save_session(auth_file, signed_in_session(AppRegistration("app-id", None, "https://localhost")))
    document = json.loads(auth_file.read_text())
    document[section][key] = value
    auth_file.write_text(json.dumps(document))
    db = tmp_path / "u.db"
    with recording_server() as (url, heads):
        result = run_cli(
            ["sync", "--db", str(db), "--player", GAMERTAG, "--api-base", url],
            {"GRUNT_ARCHIVE_AUTH_FILE": str(auth_file)},
        )
    assert heads == []
    assert result.exit_code == 4, result.output
    assert result.output == (
        f"Error: the sign-in file {auth_file} is damaged: run `grunt-archive auth login`\n"
    )
    assert not db.exists()


# Sent by the sign-in chain's hosts: untrusted like any answer ------------------------------


def settings_answers(body: dict) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


def test_a_spartan_token_the_service_sends_must_be_one():
    body = {"SpartanToken": INJECTED, "ExpiresUtc": {"ISO8601Date": "2999-01-01T00:00:00Z"}}

    async def go() -> None:
        async with SignInHttp(transport=settings_answers(body), retry=FAST) as http:
            await settings_host.spartan_token(http, "xsts-token")

    with pytest.raises(MalformedResponseError, match="SpartanToken that is not a token") as error:
        asyncio.run(go())
    assert "X-Injected" not in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("flight", ["clé", "flight\r\nX-Injected: 1", 46, {"a": "b"}])
def test_a_clearance_the_service_sends_must_be_one(flight):
    body = {"FlightConfigurationId": flight}

    async def chain() -> None:
        async with SignInHttp(transport=settings_answers(body), retry=FAST) as http:
            await settings_host.clearance(http, "v4=token")

    async def lazy() -> str | None:
        async with HaloClient(
            Tokens("v4=token"), rps=None, retry=FAST, transport=settings_answers(body)
        ) as client:
            with pytest.raises(MalformedResponseError, match=r"not a token|no Flight"):
                await LazyClearance(client).ensure()
            return client.clearance

    with pytest.raises(MalformedResponseError, match="FlightConfigurationId that is not a token"):
        asyncio.run(chain())
    assert asyncio.run(lazy()) is None


# The client and the transport: defence in depth ---------------------------------------------


def stats_call(client: HaloClient) -> object:
    return StatsService(client).match_stats("0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")


def test_a_request_the_transport_refuses_is_one_error_not_a_retry_loop():
    calls: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.LocalProtocolError(f"Illegal header value {INJECTED!r}", request=request)

    async def go() -> None:
        async with HaloClient(
            Tokens("v4=token"), rps=None, retry=FAST, transport=httpx.MockTransport(refuse)
        ) as client:
            await stats_call(client)

    with pytest.raises(AuthError, match="a header holds a line break or a NUL") as error:
        asyncio.run(go())
    assert len(calls) == 1
    assert "X-Injected" not in str(error.value)


def test_a_clearance_set_on_the_client_by_hand_is_checked_before_sending():
    calls: list[httpx.Request] = []

    async def go() -> None:
        transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
        async with HaloClient(Tokens("v4=token"), rps=None, retry=FAST, transport=transport) as c:
            c.clearance = "clé"
            await c.get("skill", "https://skill.svc.halowaypoint.com", "/x", clearance=True)

    with pytest.raises(AuthError, match="cannot send the 343-clearance header"):
        asyncio.run(go())
    assert calls == []


@pytest.mark.parametrize(
    "header",
    [("x-343-authorization-spartan", INJECTED), ("x-a", "b\nX-Injected: 1"), ("x-a", "b\x00")],
)
def test_the_transport_refuses_a_line_break_or_nul_in_a_header(header):
    async def go(url: str) -> None:
        request = httpx.Request("GET", f"{url}/x", headers=[header])
        transport = Transport()
        try:
            await transport.handle_async_request(request)
        finally:
            await transport.aclose()

    with recording_server() as (url, heads), pytest.raises(httpx.LocalProtocolError) as error:
        asyncio.run(go(url))
    assert heads == []
    assert "X-Injected" not in str(error.value)


def test_the_transport_still_sends_an_ordinary_request():
    async def go(url: str) -> int:
        transport = Transport()
        try:
            request = httpx.Request("GET", f"{url}/x", headers={"x-a": "v4=b"})
            return (await transport.handle_async_request(request)).status_code
        finally:
            await transport.aclose()

    with recording_server() as (url, heads):
        assert asyncio.run(go(url)) == 401
    assert heads and b"\r\nx-a: v4=b\r\n" in heads[0]


def test_no_file_here_is_written_by_a_refused_run(tmp_path: Path):
    # The refusal comes before the default data directory or archive is made.
    result = run_cli(
        ["sync", "--player", GAMERTAG, "--spartan-token", "é"],
        {"GRUNT_ARCHIVE_DB": str(tmp_path / "sub" / "halo.db")},
    )
    assert result.exit_code == 2 and not (tmp_path / "sub").exists()
