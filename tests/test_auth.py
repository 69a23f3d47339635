"""Sign-in: each request of the token chain, the token file, and renewal (in process, fast)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import platformdirs
import pytest

from grunt_archive.api import HaloClient, ProfileService, RetryPolicy
from grunt_archive.api.live import authorize_url
from grunt_archive.api.signin import AppRegistration, SignInHttp
from grunt_archive.auth import (
    StoredTokens,
    code_from_input,
    load_session,
    save_session,
    sign_in,
)
from grunt_archive.auth.token_file import RELOGIN, to_document
from grunt_archive.errors import AuthError, ServiceUnavailableError, UsageError
from grunt_archive.normalize.values import duration_seconds
from grunt_archive.simulator import Simulator, SimulatorConfig, running_simulator
from grunt_archive.simulator.hosts.signin import signin_state
from tests import helpers
from tests.conftest import load_json, sample_paths
from tests.e2e import cli

FAST = RetryPolicy(attempts=3, base_wait=0.001, max_wait=0.002)
APP = AppRegistration("app-client-id", "app-client-secret-value", "https://localhost/cb")
SPARTAN_EXPIRES = "2999-01-27T05:03:47Z"


def sample(name: str, fallback: dict) -> dict:
    """The shared sample response when ../shared exists, else the same shape inline."""
    paths = sample_paths(name)
    return load_json(paths[0]) if paths else fallback


OAUTH = sample("spnkr__oauth2.json", {"access_token": "abcdefg", "refresh_token": "hijklmnop"})
USER = sample(
    "spnkr__xbox_user.json", {"Token": "abcdefg", "DisplayClaims": {"xui": [{"uhs": "u"}]}}
)
XSTS = sample(
    "spnkr__xsts.json",
    {
        "Token": "123456789",
        "DisplayClaims": {"xui": [{"uhs": "u", "xid": "2669321029139235", "gtg": "e"}]},
    },
)
SPARTAN = sample(
    "spnkr__spartan.json",
    {
        "SpartanToken": "abcdef",
        "ExpiresUtc": {"ISO8601Date": SPARTAN_EXPIRES},
        "TokenDuration": "PT3H59M49.4904271S",
    },
)
CLEARANCE = sample("grunt2022__clearance.json", {"FlightConfigurationId": "46f08f2d"})


def recording_handler(seen: list[httpx.Request], overrides: dict | None = None):
    """Answer each step of the chain with its sample, recording the requests."""
    answers = {
        "/oauth20_token.srf": OAUTH,
        "/user/authenticate": USER,
        "/xsts/authorize": {
            **XSTS,
            "Token": "halo-xsts-token",
            "DisplayClaims": {"xui": [{"uhs": "u"}]},
        },
        "/spartan-token": SPARTAN,
        "/oban/flight-configurations/titles/hi/audiences/RETAIL/active": CLEARANCE,
    }
    answers |= overrides or {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = answers[request.url.path]
        if request.url.path == "/xsts/authorize":
            party = json.loads(request.content)["RelyingParty"]
            body = XSTS if party == "http://xboxlive.com" else body
        if isinstance(body, httpx.Response):
            return body
        return httpx.Response(200, json=body)

    return handler


def run_sign_in(handler, api_base: str | None = None, code: str = "M.code-value"):
    async def go():
        async with SignInHttp(api_base, transport=httpx.MockTransport(handler), retry=FAST) as http:
            return await sign_in(http, APP, code)

    return asyncio.run(go())


def test_the_chain_sends_exactly_the_requests_of_halo_api_section_6(monkeypatch):
    monkeypatch.delenv("GRUNT_ARCHIVE_API_BASE", raising=False)
    seen: list[httpx.Request] = []
    session = run_sign_in(recording_handler(seen))
    urls = [f"{r.method} {r.url}" for r in seen]
    assert urls == [
        "POST https://login.live.com/oauth20_token.srf",
        "POST https://user.auth.xboxlive.com/user/authenticate",
        "POST https://xsts.auth.xboxlive.com/xsts/authorize",
        "POST https://xsts.auth.xboxlive.com/xsts/authorize",
        "POST https://settings.svc.halowaypoint.com/spartan-token",
        "GET https://settings.svc.halowaypoint.com/oban/flight-configurations/titles/hi/audiences/RETAIL/active",
    ]
    oauth, user, halo, xbox, spartan, clearance = seen
    assert oauth.headers["content-type"] == "application/x-www-form-urlencoded"
    assert {k: v[0] for k, v in parse_qs(oauth.content.decode()).items()} == {
        "grant_type": "authorization_code",
        "code": "M.code-value",
        "scope": "Xboxlive.signin Xboxlive.offline_access",
        "redirect_uri": "https://localhost/cb",
        "client_id": "app-client-id",
        "client_secret": "app-client-secret-value",
    }
    for request in (user, halo, xbox):
        assert request.headers["x-xbl-contract-version"] == "1"
    assert json.loads(user.content) == {
        "RelyingParty": "http://auth.xboxlive.com",
        "TokenType": "JWT",
        "Properties": {
            "AuthMethod": "RPS",
            "SiteName": "user.auth.xboxlive.com",
            "RpsTicket": f"d={OAUTH['access_token']}",
        },
    }
    for request, party in (
        (halo, "https://prod.xsts.halowaypoint.com/"),
        (xbox, "http://xboxlive.com"),
    ):
        assert json.loads(request.content) == {
            "RelyingParty": party,
            "TokenType": "JWT",
            "Properties": {"UserTokens": [USER["Token"]], "SandboxId": "RETAIL"},
        }
    assert spartan.headers["content-type"] == "application/json"
    assert spartan.headers["accept"] == "application/json"
    assert json.loads(spartan.content) == {
        "Audience": "urn:343:s3:services",
        "MinVersion": "4",
        "Proof": [{"Token": "halo-xsts-token", "TokenType": "Xbox_XSTSv3"}],
    }
    assert clearance.headers["x-343-authorization-spartan"] == SPARTAN["SpartanToken"]
    assert session.refresh_token == OAUTH["refresh_token"]
    assert session.spartan_token == SPARTAN["SpartanToken"]
    assert session.spartan_expires == datetime.fromisoformat(SPARTAN["ExpiresUtc"]["ISO8601Date"])
    assert (session.xuid, session.gamertag) == ("2669321029139235", "e")
    assert session.clearance == CLEARANCE["FlightConfigurationId"]
    # The lifetime granted, not ExpiresUtc against our clock (the sample expires in 2999).
    granted = duration_seconds(SPARTAN["TokenDuration"])
    assert session.lifetime.total_seconds() == pytest.approx(granted, abs=1e-6)
    assert session.spartan_ends == session.spartan_issued + session.lifetime


def test_without_token_duration_the_lifetime_is_expires_less_the_services_date():
    date = "Mon, 26 Jan 2999 05:03:47 GMT"  # an hour before ExpiresUtc, on the service's clock
    spartan = {"SpartanToken": "v4=t", "ExpiresUtc": {"ISO8601Date": "2999-01-26T06:03:47Z"}}
    answer = httpx.Response(200, json=spartan, headers={"Date": date})
    session = run_sign_in(recording_handler([], {"/spartan-token": answer}))
    assert session.lifetime == timedelta(hours=1)


def test_api_base_reaches_every_sign_in_host_and_a_public_client_sends_no_secret():
    seen: list[httpx.Request] = []

    async def go():
        app = AppRegistration("public-app", None, "https://localhost")
        handler = httpx.MockTransport(recording_handler(seen))
        async with SignInHttp("http://127.0.0.1:9/", transport=handler, retry=FAST) as http:
            return await sign_in(http, app, "M.code")

    asyncio.run(go())
    assert {r.url.host for r in seen} == {"127.0.0.1"}
    assert "client_secret" not in parse_qs(seen[0].content.decode())


def test_a_header_with_a_line_break_is_refused_at_once_never_retried():
    async def go(http: SignInHttp):
        await http.call("the Xbox user token", "POST", "https://user.auth.xboxlive.com",
                        "/user/authenticate", hint="h", body={},
                        headers={"x-xbl-contract-version": "1\r\nInjected: v4=secret"})  # fmt: skip

    async def run(url: str) -> SignInHttp:
        # httpx's own transport (h11) refuses the header once connected, before sending it.
        async with SignInHttp(url, retry=FAST) as http:
            with pytest.raises(AuthError) as refused:
                await go(http)
        assert "a header holds a line break" in str(refused.value)
        assert "secret" not in str(refused.value)
        return http

    with socket.create_server(("127.0.0.1", 0)) as listening:
        host, port = listening.getsockname()
        assert asyncio.run(run(f"http://{host}:{port}")).requests == 1


def test_authorize_url():
    assert authorize_url(APP) == (
        "https://login.live.com/oauth20_authorize.srf?client_id=app-client-id&response_type=code"
        "&approval_prompt=auto&scope=Xboxlive.signin%20Xboxlive.offline_access"
        "&redirect_uri=https%3A%2F%2Flocalhost%2Fcb"
    )
    assert authorize_url(APP, "http://127.0.0.1:8002/").startswith(
        "http://127.0.0.1:8002/oauth20_authorize.srf?"
    )


def test_code_from_a_redirect_url_or_bare():
    assert (
        code_from_input("https://localhost/cb?code=M.C5_BAY.2.U.abc&state=x\n")
        == "M.C5_BAY.2.U.abc"
    )
    assert code_from_input("  M.C5_BAY.2.U.abc ") == "M.C5_BAY.2.U.abc"
    with pytest.raises(AuthError, match="access_denied"):
        code_from_input(
            "https://localhost/cb?error=access_denied&error_description=The+user+said+no"
        )
    with pytest.raises(UsageError):
        code_from_input("https://localhost/cb?state=x")
    with pytest.raises(UsageError):
        code_from_input("   ")


def test_a_refused_code_is_one_line_naming_the_error_never_the_code_or_secret():
    refused = httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "bad code M.code-value"}
    )
    with pytest.raises(AuthError) as caught:
        run_sign_in(recording_handler([], {"/oauth20_token.srf": refused}))
    message = str(caught.value)
    assert "invalid_grant" in message and "auth login" in message and "\n" not in message
    assert "M.code-value" not in message and APP.client_secret not in message


def test_a_refusal_in_a_charset_that_is_no_text_encoding_is_still_one_line():
    refused = httpx.Response(
        400,
        headers={"content-type": "application/json; charset=rot13"},
        content=b'{"error": "invalid_grant"}',
    )
    with pytest.raises(AuthError) as caught:
        run_sign_in(recording_handler([], {"/oauth20_token.srf": refused}))
    assert "auth login" in str(caught.value) and "\n" not in str(caught.value)


def test_an_account_without_xbox_live_says_why():
    refused = httpx.Response(
        401, json={"Identity": "0", "XErr": 2148916233, "Message": "", "Redirect": ""}
    )
    with pytest.raises(AuthError, match="no Xbox profile"):
        run_sign_in(recording_handler([], {"/xsts/authorize": refused}))


@pytest.mark.parametrize(("gtg", "kept"), [("Ev\x1b]0;owned\x07il", "Ev\ufffd]0;owned\ufffdil"),
                                           # no name: asked of xboxlive.com (its sample's)
                                           ({"not": "a name"}, "e")])  # fmt: skip
def test_the_gamertag_xbox_live_claims_is_kept_printable(gtg, kept):
    # `auth login` and `auth status` print it: "Signed in as …".
    claims = {"xui": [{"uhs": "u", "xid": "2533274800000001", "gtg": gtg}]}
    xsts = {**XSTS, "Token": "halo-xsts-token", "DisplayClaims": claims}
    session = run_sign_in(recording_handler([], {"/xsts/authorize": xsts}))
    assert session.gamertag == kept


def test_transient_failures_are_retried_then_reported():
    seen: list[httpx.Request] = []
    flaky = iter([httpx.Response(503), httpx.Response(200, json=OAUTH)])
    base = recording_handler(seen)

    def handler(request):
        if request.url.path == "/oauth20_token.srf":
            seen.append(request)
            return next(flaky)
        return base(request)

    assert run_sign_in(handler).refresh_token == OAUTH["refresh_token"]
    with pytest.raises(ServiceUnavailableError, match="kept failing"):
        run_sign_in(recording_handler([], {"/oauth20_token.srf": httpx.Response(502)}))


# The token file ---------------------------------------------------------------------------


def signed_in_session(spartan: str = "v4=stored-spartan", minutes: float = 240):
    return helpers.signed_in_session(APP, spartan, minutes)


def test_the_file_is_0600_atomic_and_round_trips(tmp_path, monkeypatch):
    # The default directory, the only one made when missing.
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda name: str(tmp_path / "config"))
    path = tmp_path / "config" / "auth.json"
    old_umask = os.umask(0)  # the most permissive umask must not widen the file
    try:
        save_session(path, signed_in_session())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)  # a file someone loosened is replaced by a 0600 one
        second = signed_in_session("v4=second")
        save_session(path, second)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["auth.json"]  # no temporary file left behind
    loaded = load_session(path)
    assert to_document(loaded) == to_document(second)
    assert loaded.spartan_token == "v4=second" and loaded.app == APP


def test_the_granted_lifetime_round_trips_and_an_older_file_still_reads(tmp_path):
    path = tmp_path / "auth.json"
    session = signed_in_session(minutes=240)
    session.spartan_lifetime = timedelta(seconds=14389.49)
    save_session(path, session)
    assert json.loads(path.read_text())["spartan"]["lifetime"] == 14389.49
    assert load_session(path).lifetime == timedelta(seconds=14389.49)
    document = json.loads(path.read_text())
    del document["spartan"]["lifetime"]  # written before the lifetime was kept
    path.write_text(json.dumps(document))
    assert load_session(path).lifetime == timedelta(minutes=240)
    document["spartan"]["lifetime"] = "four hours"
    path.write_text(json.dumps(document))
    with pytest.raises(AuthError, match="damaged"):
        load_session(path)


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "auth.json"
    save_session(path, signed_in_session("v4=first"))

    def broken_replace(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(AuthError, match="No space left"):
        save_session(path, signed_in_session("v4=second"))
    assert load_session(path).spartan_token == "v4=first"
    assert os.listdir(tmp_path) == ["auth.json"]


def test_missing_and_damaged_files(tmp_path):
    assert load_session(tmp_path / "nothing.json") is None
    damaged = tmp_path / "auth.json"
    damaged.write_text('{"format": 1, "refresh_token": "M.R3_half')
    with pytest.raises(AuthError, match=r"damaged.*auth login"):
        load_session(damaged)
    with pytest.raises(AuthError, match="not signed in"):
        StoredTokens(tmp_path / "nothing.json")


@pytest.mark.parametrize(
    "data",
    [os.urandom(300) + b"\xff", b'{"format": 1, "refresh_token": "M.R3_\xe9"}', b"\xff\xfe{"],
)
@pytest.mark.parametrize("command", [("auth", "status"), ("sync",)])
def test_a_sign_in_file_that_is_not_utf8_is_damaged_not_a_traceback(tmp_path, data, command):
    from click.testing import CliRunner

    from grunt_archive.cli import cli

    damaged = tmp_path / "auth.json"
    damaged.write_bytes(data)
    with pytest.raises(AuthError, match=r"damaged.*auth login"):
        load_session(damaged)
    env = {
        "GRUNT_ARCHIVE_AUTH_FILE": str(damaged),
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": "",
        "GRUNT_ARCHIVE_DB": str(tmp_path / "halo.db"),
    }
    result = CliRunner().invoke(cli, list(command), env=env)
    assert result.exit_code == 4, result.output
    # Not a file grunt-archive writes (it writes ASCII JSON): `auth login` will not replace it.
    assert result.output == (
        f"Error: the sign-in file {damaged} is damaged (not UTF-8 text) and not one "
        f"grunt-archive wrote: move it away yourself, then {RELOGIN}\n"
    )
    assert damaged.read_bytes() == data  # kept as it was, for whoever wants to look


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(signed_in_at=None),
        lambda d: d.update(renewed_at=None),
        lambda d: d["spartan"].update(issued=None),
        lambda d: d["spartan"].update(expires=None),
        lambda d: d["spartan"].update(lifetime=1e30),  # past what a timedelta holds
        lambda d: d["spartan"].update(issued="yesterday"),
        lambda d: d.update(refresh_token=["M.R3_in-a-list"]),
        lambda d: d["app"].update(client_id="\x1b]0;title\x07z"),  # printed by `auth status`
        lambda d: d["app"].update(redirect_uri="https://localhost\nInjected: line"),
        lambda d: d["account"].update(gamertag="Two\nLines"),
    ],
)
@pytest.mark.parametrize("command", [("auth", "status"), ("sync",)])
def test_a_sign_in_of_ours_with_a_damaged_field_is_exit_4_in_one_line(tmp_path, damage, command):
    from click.testing import CliRunner

    from grunt_archive.cli import cli

    path = tmp_path / "auth.json"
    save_session(path, signed_in_session())
    document = json.loads(path.read_text())
    damage(document)
    path.write_text(json.dumps(document))
    env = {
        "GRUNT_ARCHIVE_AUTH_FILE": str(path),
        "GRUNT_ARCHIVE_SPARTAN_TOKEN": "",
        "GRUNT_ARCHIVE_DB": str(tmp_path / "halo.db"),
        "GRUNT_ARCHIVE_API_BASE": "http://127.0.0.1:9",  # nothing there: no real host asked
        "GRUNT_ARCHIVE_RETRY_SCALE": "0.001",
    }
    result = CliRunner().invoke(cli, list(command), env=env)
    assert result.exit_code == 4, result.output
    assert result.output.startswith(f"Error: the sign-in file {path} is damaged")
    assert result.output.count("\n") == 1 and "\x1b" not in result.output
    assert sorted(os.listdir(tmp_path)) == ["auth.json"]  # a failed sync made no archive


def test_no_repr_shows_a_secret(tmp_path):
    session = signed_in_session()
    save_session(tmp_path / "auth.json", session)
    shown = repr(session) + repr(APP) + repr(StoredTokens(tmp_path / "auth.json"))
    for secret in ("v4=stored-spartan", "M.R3_refresh-value", "app-client-secret-value"):
        assert secret not in shown


# Renewal against the simulator, on a clock the test moves -----------------------------------


class Clock:
    """One clock for the simulator's sign-in hosts and the client."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def signed_in(tmp_path):
    """A simulator with 60 s Spartan tokens, a signed-in file, and the shared clock."""
    clock = Clock()
    sim = Simulator(SimulatorConfig(seed=3, players=1, matches=5, token_lifetime=60))
    signin_state(sim).clock = clock.seconds
    transport = httpx.ASGITransport(app=sim.app)
    code = signin_state(sim).new_code(APP.client_id, APP.redirect_uri)

    async def login():
        async with SignInHttp("http://sim", transport=transport, retry=FAST) as http:
            return await sign_in(http, APP, code, clock=clock)

    path = tmp_path / "auth.json"
    save_session(path, asyncio.run(login()))
    sim.reset_counts()
    return sim, clock, path, transport


def stored(path, transport, clock) -> StoredTokens:
    return StoredTokens(path, api_base="http://sim", transport=transport, retry=FAST, clock=clock)


def fetch_me(tokens: StoredTokens, transport, times: int = 1) -> list:
    async def go():
        async with HaloClient(tokens, api_base="http://sim", rps=None, concurrency=8,
                              retry=FAST, transport=transport) as client:  # fmt: skip
            profile = ProfileService(client)
            return await asyncio.gather(*(profile.me() for _ in range(times)))

    return asyncio.run(go())


def test_renews_ahead_of_expiry_and_saves_the_rotated_refresh_token(signed_in):
    sim, clock, path, transport = signed_in
    before = load_session(path)
    tokens = stored(path, transport, clock)
    fetch_me(tokens, transport)
    assert tokens.renewals == 0 and sim.counts["oauth_token"] == 0
    clock.advance(50)  # within the last quarter of a 60 s token's life
    fetch_me(tokens, transport, times=6)
    assert tokens.renewals == 1
    assert sim.counts["oauth_token"] == 1 and sim.counts["spartan_token"] == 1
    assert sim.counts.get("expired_token_401", 0) == 0
    after = load_session(path)
    assert after.refresh_token != before.refresh_token
    assert after.spartan_token == tokens.session.spartan_token != before.spartan_token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_401_mid_run_renews_once_for_every_request_in_flight(signed_in):
    sim, clock, path, transport = signed_in
    tokens = stored(path, transport, clock)
    signin_state(sim).advance(120)  # the service's clock says the token has expired; ours does not
    results = fetch_me(tokens, transport, times=8)
    assert len(results) == 8
    assert tokens.renewals == 1 and sim.counts["oauth_token"] == 1
    assert sim.counts["expired_token_401"] >= 1


def test_clearance_is_looked_up_again_when_its_time_is_up(signed_in):
    sim, clock, path, transport = signed_in
    tokens = stored(path, transport, clock)
    tokens.session.clearance_expires = clock() - timedelta(seconds=1)
    fetch_me(tokens, transport)
    assert sim.counts["clearance"] == 1 and sim.counts.get("oauth_token", 0) == 0
    assert tokens.session.clearance_expires > clock()


@pytest.mark.parametrize("how", ["revoked", "refresh expired"])
def test_a_refused_renewal_is_a_one_line_sign_in_error(signed_in, how):
    sim, clock, path, transport = signed_in
    tokens = stored(path, transport, clock)
    if how == "revoked":
        assert signin_state(sim).revoke() == 1
    else:
        signin_state(sim).advance(91 * 86400)
    with pytest.raises(AuthError) as caught:
        fetch_me(tokens, transport)
    message = str(caught.value)
    assert "invalid_grant" in message and "grunt-archive auth login" in message
    assert "\n" not in message
    for token in (t for kind in signin_state(sim).issued().values() for t in kind):
        assert token not in message


def test_an_unreachable_service_ahead_of_expiry_keeps_the_valid_token(signed_in):
    _, clock, path, transport = signed_in
    tokens = stored(path, transport, clock)
    clock.advance(50)

    def down(request):
        return httpx.Response(503)

    tokens.transport = httpx.MockTransport(down)
    fetch_me(tokens, transport)  # the old token still works
    assert tokens.renewals == 0 and tokens._not_before is not None


def test_the_authorize_page_redirects_with_a_code_the_exchange_accepts(signed_in):
    sim, _, _, transport = signed_in

    async def go():
        async with httpx.AsyncClient(transport=transport) as client:
            page = await client.get(authorize_url(APP, "http://sim"))
        assert page.status_code == 302
        location = page.headers["location"]
        assert urlsplit(location).netloc == "localhost"
        async with SignInHttp("http://sim", transport=transport, retry=FAST) as http:
            return await sign_in(http, APP, code_from_input(location))

    assert asyncio.run(go()).gamertag == sim.gamertag(sim.player_ids[0])


# What `auth login` replaces and `auth logout` deletes: a sign-in file, nothing else ----------

CLIENT = "refusal-client-id"


def archive_file(path) -> bytes:
    """Make a SQLite archive-like file at ``path``; return its bytes."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE matches (match_id TEXT)")
    connection.close()
    return path.read_bytes()


def auth_cli(auth_file, *args: str):
    from click.testing import CliRunner

    from grunt_archive.cli import cli

    env = {"GRUNT_ARCHIVE_AUTH_FILE": str(auth_file), "GRUNT_ARCHIVE_CLIENT_SECRET": None}
    return CliRunner().invoke(cli, ["auth", *args], env=env)


def login_with_a_fresh_code(auth_file):
    """Run `auth login` against a simulator; return the result and the tokens it issued."""
    with running_simulator(SimulatorConfig(seed=31, players=1, matches=1)) as (url, sim):
        code = signin_state(sim).new_code(CLIENT, "https://localhost")
        result = auth_cli(auth_file, "login", "--client-id", CLIENT, "--code", code,
                          "--api-base", url)  # fmt: skip
        issued = signin_state(sim).issued()
    # The code the test made is not a token: none issued means the code was never spent.
    return result, [t for kind, tokens in issued.items() if kind != "code" for t in tokens]


def not_ours(tmp_path) -> dict[str, bytes]:
    """Files that are no sign-in of ours, by name: each must be left as it is."""
    made = {
        "archive.db": b"",
        "notes.txt": b"remember the milk\n",
        "other.json": b'{"theme": "dark"}',
        "cut-short.json": b'{"format": 1, "refresh_token": "M.R3_ha',
        "latin1.json": b'{"format": 1, "refresh_token": "M.R3_\xe9"}',
    }
    for name, data in made.items():
        if data:
            (tmp_path / name).write_bytes(data)
    made["archive.db"] = archive_file(tmp_path / "archive.db")
    return made


@pytest.mark.parametrize(
    "name", ["archive.db", "notes.txt", "other.json", "cut-short.json", "latin1.json"]
)
def test_logout_and_login_leave_a_file_that_is_no_sign_in_as_it_was(tmp_path, name):
    data = not_ours(tmp_path)[name]
    path = tmp_path / name
    out = auth_cli(path, "logout")
    signed, issued = login_with_a_fresh_code(path)
    for result, doing in ((out, "delete"), (signed, "replace")):
        assert result.exit_code == 4, result.output
        assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
        assert str(path) in result.output and f"will not {doing} it" in result.output
        assert "Traceback" not in result.output
    assert issued == []  # refused before the one-time code was spent
    assert path.read_bytes() == data


@pytest.mark.parametrize("kind", ["named pipe", "link to an archive"])
def test_a_pipe_or_a_link_to_an_archive_is_never_replaced_nor_deleted(tmp_path, kind):
    path = tmp_path / "auth.json"
    if kind == "named pipe":
        os.mkfifo(path)  # a device (/dev/zero) refuses alike; a pipe is safe to try as root
    else:
        target = tmp_path / "archive.db"
        data = archive_file(target)
        path.symlink_to(target)
    out = auth_cli(path, "logout")
    signed, issued = login_with_a_fresh_code(path)
    for result in (out, signed):
        assert result.exit_code == 4, result.output
        assert f"the sign-in file {path}" in result.output
    assert kind.split()[-1] in out.output  # "a named pipe", "(a link to …archive.db)"
    if kind == "named pipe":
        assert stat.S_ISFIFO(os.lstat(path).st_mode)
    else:
        assert path.is_symlink() and target.read_bytes() == data
    assert issued == []


def test_delete_session_refuses_a_directory(tmp_path):
    from grunt_archive.auth import delete_session

    with pytest.raises(AuthError, match=r"is a directory: grunt-archive will not delete it"):
        delete_session(tmp_path)
    assert tmp_path.is_dir()


def test_a_damaged_sign_in_of_ours_is_replaced_and_deleted(tmp_path):
    path = tmp_path / "auth.json"
    save_session(path, signed_in_session())
    document = json.loads(path.read_text())
    document["spartan"]["token"] = "v4=tok\u00e9n"  # ours, but no header can carry it
    path.write_text(json.dumps(document))
    status = auth_cli(path, "status")
    assert status.exit_code == 4
    assert status.output == f"Error: the sign-in file {path} is damaged: {RELOGIN}\n"
    signed, issued = login_with_a_fresh_code(path)
    assert signed.exit_code == 0, signed.output
    assert load_session(path).spartan_token in issued
    path.write_text("")  # an empty file holds nothing to lose
    out = auth_cli(path, "logout")
    assert out.exit_code == 0 and "Signed out" in out.output and not path.exists()


def test_through_a_link_the_sign_in_it_names_is_replaced_then_deleted(tmp_path):
    real = tmp_path / "dotfiles" / "auth.json"
    real.parent.mkdir()
    save_session(real, signed_in_session("v4=old"))
    link = tmp_path / "auth.json"
    link.symlink_to(real)
    signed, issued = login_with_a_fresh_code(link)
    assert signed.exit_code == 0, signed.output
    assert link.is_symlink() and load_session(real).spartan_token in issued
    out = auth_cli(link, "logout")
    assert out.exit_code == 0, out.output
    assert not real.exists() and link.is_symlink()  # no token left behind the link


def test_no_directory_is_made_for_a_sign_in_file_given_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "no" / "such" / "auth.json"
    signed, issued = login_with_a_fresh_code(path)
    assert signed.exit_code == 4, signed.output
    assert signed.output.count("\n") == 1
    assert f"there is no directory {path.parent} for the sign-in file {path}" in signed.output
    assert issued == [] and not (tmp_path / "no").exists()
    # The default directory is grunt-archive's own: made when missing.
    config = tmp_path / "config" / "grunt-archive"
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda name: str(config))
    monkeypatch.delenv("GRUNT_ARCHIVE_AUTH_FILE", raising=False)
    save_session(config / "auth.json", signed_in_session())
    assert stat.S_IMODE(config.stat().st_mode) == 0o700


@pytest.mark.slow  # a process of its own: a regression hangs it, not the suite
def test_a_named_pipe_as_the_sign_in_file_is_refused_not_waited_on(tmp_path):
    # Opening a pipe for reading waits for a writer: status and sync hung for ever.
    path = tmp_path / "auth.json"
    os.mkfifo(path)
    result = cli("auth", "status", env={"GRUNT_ARCHIVE_AUTH_FILE": str(path)}, timeout=30)
    assert result.returncode == 4, result.stderr
    assert result.stderr == (
        f"Error: the sign-in file {path} is damaged: it is a named pipe; give"
        " GRUNT_ARCHIVE_AUTH_FILE (--auth-file) another path, then run `grunt-archive auth login`\n"
    )
