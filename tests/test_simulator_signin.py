"""The simulator's sign-in hosts: real paths, expiring tokens, refusals shaped like the real ones."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest

from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.hosts.signin import signin_state
from grunt_archive.simulator.token_chain import DEMO_CODE, instant

CLIENT = "sim-test-client"
REDIRECT = "https://localhost"
SCOPE = "Xboxlive.signin Xboxlive.offline_access"
XBL = {"x-xbl-contract-version": "1"}


class Chain:
    """Drive the sign-in routes of an in-process simulator, one request at a time."""

    def __init__(self, **config) -> None:
        self.sim = Simulator(SimulatorConfig(seed=4, players=1, matches=3, **config))
        self.now = 1_900_000_000.0
        signin_state(self.sim).clock = lambda: self.now

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def go():
            transport = httpx.ASGITransport(app=self.sim.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(go())

    def token(self, **form) -> httpx.Response:
        return self.request(
            "POST", "/oauth20_token.srf", data={"client_id": CLIENT, "scope": SCOPE, **form}
        )

    def code(self) -> str:
        return self.request(
            "POST",
            "/_simulator/signin/code",
            params={"client_id": CLIENT, "redirect_uri": REDIRECT},
        ).json()["code"]

    def user(self, access: str) -> httpx.Response:
        body = {
            "RelyingParty": "http://auth.xboxlive.com",
            "TokenType": "JWT",
            "Properties": {
                "AuthMethod": "RPS",
                "SiteName": "user.auth.xboxlive.com",
                "RpsTicket": f"d={access}",
            },
        }
        return self.request("POST", "/user/authenticate", json=body, headers=XBL)

    def xsts(self, user: str, party: str = "https://prod.xsts.halowaypoint.com/") -> httpx.Response:
        body = {"RelyingParty": party, "TokenType": "JWT",
                "Properties": {"UserTokens": [user], "SandboxId": "RETAIL"}}  # fmt: skip
        return self.request("POST", "/xsts/authorize", json=body, headers=XBL)

    def spartan(self, xsts: str) -> httpx.Response:
        body = {"Audience": "urn:343:s3:services", "MinVersion": "4",
                "Proof": [{"Token": xsts, "TokenType": "Xbox_XSTSv3"}]}  # fmt: skip
        return self.request("POST", "/spartan-token", json=body)

    def sign_in(self) -> dict:
        oauth = self.token(grant_type="authorization_code", code=self.code(), redirect_uri=REDIRECT)
        assert oauth.status_code == 200, oauth.text
        user = self.user(oauth.json()["access_token"]).json()
        xsts = self.xsts(user["Token"]).json()
        spartan = self.spartan(xsts["Token"]).json()
        return {"oauth": oauth.json(), "user": user, "xsts": xsts, "spartan": spartan}

    def me(self, spartan: str) -> int:
        return self.request(
            "GET", "/users/me", headers={"x-343-authorization-spartan": spartan}
        ).status_code


@pytest.fixture
def chain() -> Chain:
    return Chain(token_lifetime=100, refresh_lifetime=1000)


def test_the_whole_chain_answers_in_the_real_shapes(chain):
    issued = chain.sign_in()
    oauth = issued["oauth"]
    assert set(oauth) == {
        "token_type",
        "expires_in",
        "scope",
        "access_token",
        "refresh_token",
        "user_id",
    }
    assert issued["user"]["DisplayClaims"]["xui"][0]["uhs"]
    assert {"IssueInstant", "NotAfter", "Token"} <= set(issued["xsts"])
    spartan = issued["spartan"]
    assert spartan["SpartanToken"].startswith("v4=")
    expires = datetime.fromisoformat(spartan["ExpiresUtc"]["ISO8601Date"])
    assert expires.timestamp() == pytest.approx(chain.now + 100, abs=0.01)
    assert spartan["TokenDuration"].startswith("PT0H1M40")
    identity = chain.xsts(issued["user"]["Token"], "http://xboxlive.com").json()
    claim = identity["DisplayClaims"]["xui"][0]
    assert f"xuid({claim['xid']})" == chain.sim.player_ids[0]
    assert claim["gtg"] == chain.sim.gamertag(chain.sim.player_ids[0])


def test_chain_tokens_expire_on_the_services_but_bring_your_own_tokens_do_not(chain):
    spartan = chain.sign_in()["spartan"]["SpartanToken"]
    assert chain.me(spartan) == 200
    chain.now += 101
    assert chain.me(spartan) == 401
    assert chain.me("v4=any-token-the-chain-never-issued") == 200
    assert chain.sim.counts["expired_token_401"] == 1


def test_codes_are_single_use_and_bound_to_the_client(chain):
    code = chain.code()
    assert (
        chain.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status_code
        == 200
    )
    again = chain.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    other = chain.request("POST", "/oauth20_token.srf", data={
        "client_id": "someone-else", "scope": SCOPE, "grant_type": "authorization_code",
        "code": chain.code(), "redirect_uri": REDIRECT,
    })  # fmt: skip
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    wrong = chain.token(grant_type="authorization_code", code="M.wrong", redirect_uri=REDIRECT)
    assert wrong.status_code == 400
    assert set(wrong.json()) == {"error", "error_description"}
    demo = chain.token(grant_type="authorization_code", code=DEMO_CODE, redirect_uri=REDIRECT)
    assert demo.status_code == 200


def test_refresh_tokens_rotate_expire_and_can_be_revoked(chain):
    refresh = chain.sign_in()["oauth"]["refresh_token"]
    renewed = chain.token(grant_type="refresh_token", refresh_token=refresh)
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] != refresh
    chain.now += 1001
    expired = chain.token(grant_type="refresh_token", refresh_token=renewed.json()["refresh_token"])
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"

    issued = chain.sign_in()
    spartan, refresh = issued["spartan"]["SpartanToken"], issued["oauth"]["refresh_token"]
    revoked = chain.request("POST", "/_simulator/revoke", params={"refresh_token": refresh})
    assert revoked.json() == {"revoked": 1}
    assert (
        chain.token(grant_type="refresh_token", refresh_token=refresh).json()["error"]
        == "invalid_grant"
    )
    assert chain.me(spartan) == 401  # revoking a sign-in ends every token issued from it


@pytest.mark.parametrize(
    "form,error",
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "M.R3_nope"}, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "x", "scope": "openid"}, "invalid_scope"),
        ({"grant_type": "refresh_token", "client_id": ""}, "invalid_request"),
    ],
)
def test_the_token_endpoint_refuses_like_login_live_com(chain, form, error):
    answer = chain.token(**form)
    assert answer.status_code == 400 and answer.json()["error"] == error
    assert answer.headers["content-type"] == "application/json"


def test_xbox_hosts_check_the_contract_header_shape_and_tokens(chain):
    issued = chain.sign_in()
    assert chain.request("POST", "/user/authenticate", json={}, headers={}).status_code == 400
    assert chain.user("EwA-not-issued").status_code == 401
    refused = chain.xsts("eyJ-not-issued")
    assert refused.status_code == 401 and {"XErr", "Identity", "Message", "Redirect"} <= set(
        refused.json()
    )
    # A token for xboxlive.com is not proof for the Halo services.
    xbox = chain.xsts(issued["user"]["Token"], "http://xboxlive.com").json()["Token"]
    assert chain.spartan(xbox).status_code == 401
    assert chain.request("POST", "/spartan-token", json={"Proof": []}).status_code == 400
    chain.request("POST", "/_simulator/signin/xerr", params={"code": "2148916233"})
    assert chain.xsts(issued["user"]["Token"]).json()["XErr"] == 2148916233


def test_admin_routes(chain):
    chain.sign_in()
    state = chain.request("GET", "/_simulator/signin").json()
    assert set(state["issued"]) == {"code", "access", "refresh", "user", "xsts", "spartan"}
    assert state["token_lifetime"] == 100 and state["demo_code"] == DEMO_CODE
    signin_state(chain.sim).clock = lambda: 0.0
    moved = chain.request("POST", "/_simulator/advance", params={"seconds": "60"}).json()
    assert moved["now"] == "1970-01-01T00:01:00.000Z"
    assert chain.request("POST", "/_simulator/advance", params={"seconds": "-1"}).status_code == 400
    assert chain.request("GET", "/_simulator/revoke").status_code == 405
    assert chain.request("GET", "/oauth20_authorize.srf").status_code == 400


def test_lifetimes_must_be_positive():
    from grunt_archive.errors import UsageError

    with pytest.raises(UsageError):
        SimulatorConfig(token_lifetime=0)


def test_fault_knobs_and_a_clock_set_either_way(chain):
    issued = chain.sign_in()
    spartan, refresh = issued["spartan"]["SpartanToken"], issued["oauth"]["refresh_token"]
    faults = chain.request("POST", "/_simulator/signin/faults", params={"spartan_uses": "2"})
    assert faults.json() == {
        "spartan_uses": 2, "clearance_status": 0, "single_use_refresh": False,
    }  # fmt: skip
    assert [chain.me(spartan) for _ in range(3)] == [200, 200, 401]  # refused after two uses
    assert chain.me("v4=bring-your-own") == 200  # never counted

    clearance = "/oban/flight-configurations/titles/hi/audiences/RETAIL/active"
    headers = {"x-343-authorization-spartan": "v4=bring-your-own"}
    assert chain.request("GET", clearance, headers=headers).status_code == 200
    for status in (500, 403):
        chain.request("POST", "/_simulator/signin/faults", params={"clearance_status": status})
        assert chain.request("GET", clearance, headers=headers).status_code == status
    assert chain.sim.counts["clearance_403"] == 1 and chain.sim.counts["clearance"] == 3
    bad = chain.request("POST", "/_simulator/signin/faults", params={"clearance_status": "200"})
    assert bad.status_code == 400

    chain.request("POST", "/_simulator/signin/faults", params={"single_use_refresh": "1"})
    renewed = chain.token(grant_type="refresh_token", refresh_token=refresh)
    assert renewed.status_code == 200
    spent = chain.token(grant_type="refresh_token", refresh_token=refresh)
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    state = chain.request("GET", "/_simulator/signin").json()
    assert state["faults"] == {
        "spartan_uses": 2, "clearance_status": 403, "single_use_refresh": True,
    }  # fmt: skip

    behind = chain.request("POST", "/_simulator/signin/clock", params={"offset": "-7200"})
    assert behind.json()["now"] == instant(chain.now - 7200)
    token = chain.spartan(chain.sign_in()["xsts"]["Token"]).json()
    expires = datetime.fromisoformat(token["ExpiresUtc"]["ISO8601Date"]).timestamp()
    assert expires == pytest.approx(chain.now - 7200 + 100, abs=0.01)
    assert token["TokenDuration"].startswith("PT0H1M40")  # the lifetime does not move
    assert (
        chain.request("POST", "/_simulator/signin/clock", params={"offset": "x"}).status_code == 400
    )
