"""`SignInApp`: the simulator's sign-in routes in front of its services' app.

It answers the paths of `token_chain` (login.live.com, the Xbox Live auth hosts,
the settings host's spartan-token) and its admin routes, refuses with 401 a
Spartan token the chain issued once it has expired, was revoked or has
served its `spartan_uses`, answers the clearance route with the fault status
when one is set, and passes every other request on to the services' app
untouched (a bring-your-own token is never refused here).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from grunt_archive.simulator.hosts import settings as settings_host
from grunt_archive.simulator.token_chain import (
    DEMO_CODE,
    SPARTAN_HEADER,
    Answer,
    SignInState,
    grant_error,
    instant,
)

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

# The settings host's clearance route, which the clearance fault answers in its stead.
_CLEARANCE_PATH = re.compile(
    next(f"{r.pattern}/?" for r in settings_host.ROUTES if r.kind == "clearance"), re.IGNORECASE
)


async def _read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


class SignInApp:
    """ASGI wrapper: the sign-in routes, and 401 for a Spartan token the chain issued that expired.

    Args:
        inner: the services' app (`app.SimulatorApp`), which answers everything else.
        simulator: the simulator, for its config, counters and first player.
        clock: the sign-in clock (seconds since the epoch); tests inject one.

    """

    def __init__(
        self, inner: Any, simulator: Simulator, clock: Callable[[], float] = time.time
    ) -> None:
        self.inner, self.sim = inner, simulator
        config, player = simulator.config, simulator.player_ids[0]
        self.signin = SignInState(
            token_lifetime=config.token_lifetime,
            refresh_lifetime=config.refresh_lifetime,
            clock=clock,
            xuid=player[5:-1],
            gamertag=simulator.gamertag(player),
        )
        self.routes: dict[tuple[str, str], tuple[str, Callable[..., Answer]]] = {
            ("GET", "/oauth20_authorize.srf"): ("oauth_authorize", self._authorize),
            ("POST", "/oauth20_token.srf"): ("oauth_token", self._token),
            ("POST", "/user/authenticate"): ("user_token", self._user),
            ("POST", "/xsts/authorize"): ("xsts", self._xsts),
            ("POST", "/spartan-token"): ("spartan_token", self._spartan),
            ("GET", "/_simulator/signin"): ("", self._state),
            ("POST", "/_simulator/signin/code"): ("", self._code),
            ("POST", "/_simulator/signin/xerr"): ("", self._set_xerr),
            ("POST", "/_simulator/signin/clock"): ("", self._set_clock),
            ("POST", "/_simulator/signin/faults"): ("", self._set_faults),
            ("POST", "/_simulator/advance"): ("", self._advance),
            ("POST", "/_simulator/revoke"): ("", self._revoke),
        }
        self.paths = {path for _, path in self.routes}

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Answer a sign-in route, refuse an expired chain-issued token, or pass the request on."""
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        path = scope["path"].rstrip("/") or "/"
        if path in self.paths:
            found = self.routes.get((scope["method"], path))
            if found is None:
                return await _respond(send, (405, None, []))
            kind, handler = found
            if kind:
                self.sim.count(kind)
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            query = {
                k: v[-1]
                for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()
            }
            body = await _read_body(receive)
            return await _respond(send, handler(query, headers, body))
        for key, value in scope["headers"]:
            if key.lower() == SPARTAN_HEADER.encode() and self.signin.refuses(
                value.decode("latin-1").strip()
            ):
                self.sim.count("faults", "expired_token_401")
                return await _respond(send, (401, None, []))
        if self.signin.clearance_status and _CLEARANCE_PATH.fullmatch(path):
            self.sim.count("clearance")
            self.sim.count("faults", f"clearance_{self.signin.clearance_status}")
            return await _respond(send, (self.signin.clearance_status, None, []))
        return await self.inner(scope, receive, send)

    def _authorize(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        client_id, redirect = query.get("client_id"), query.get("redirect_uri")
        if not client_id or not redirect or query.get("response_type") != "code":
            return grant_error("client_id, redirect_uri and response_type=code are required.",
                                "invalid_request")  # fmt: skip
        target = {"code": self.signin.new_code(client_id, redirect)}
        if "state" in query:
            target["state"] = query["state"]
        location = redirect + ("&" if "?" in redirect else "?") + urlencode(target)
        return 302, None, [(b"location", location.encode())]

    def _token(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return grant_error("The request body must be form-encoded.", "invalid_request")
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        return self.signin.token_endpoint(form)

    @staticmethod
    def _contract(headers: dict[str, str]) -> bool:
        return headers.get("x-xbl-contract-version") == "1"

    def _user(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        if not self._contract(headers):
            return 400, None, []
        return self.signin.user_authenticate(_json_body(body))

    def _xsts(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        if not self._contract(headers):
            return 400, None, []
        return self.signin.xsts_authorize(_json_body(body))

    def _spartan(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        return self.signin.spartan_token(_json_body(body))

    def _state(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        state = self.signin
        return 200, {
            "now": instant(state.now()), "token_lifetime": state.token_lifetime,
            "refresh_lifetime": state.refresh_lifetime, "demo_code": DEMO_CODE,
            "revoked": len(state.revoked), "issued": state.issued(),
            "clock_offset": state.offset, "faults": self._faults(),
        }, []  # fmt: skip

    def _code(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        client_id = query.get("client_id", "")
        code = self.signin.new_code(client_id, query.get("redirect_uri", "https://localhost"))
        return 200, {"code": code}, []

    def _set_xerr(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        text = query.get("code", "0")
        if not text.isdigit():
            return 400, {"message": "code must be a non-negative integer"}, []
        self.signin.xerr = int(text)
        return 200, {"xerr": self.signin.xerr}, []

    def _faults(self) -> dict[str, Any]:
        state = self.signin
        return {
            "spartan_uses": state.spartan_uses, "clearance_status": state.clearance_status,
            "single_use_refresh": state.single_use_refresh,
        }  # fmt: skip

    def _set_faults(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        values = {
            name: query[name]
            for name in ("spartan_uses", "clearance_status", "single_use_refresh")
            if name in query
        }
        if not all(v.isdigit() for v in values.values()):
            return 400, {"message": "every value must be a non-negative integer"}, []
        status = int(values.get("clearance_status", "0"))
        if status and not 400 <= status <= 599:
            return 400, {"message": "clearance_status must be 0 or an error status"}, []
        state = self.signin
        with state.lock:
            if "spartan_uses" in values:
                state.spartan_uses = int(values["spartan_uses"])
            if "clearance_status" in values:
                state.clearance_status = status
            if "single_use_refresh" in values:
                state.single_use_refresh = values["single_use_refresh"] != "0"
        return 200, self._faults(), []

    def _set_clock(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        try:
            offset = float(query.get("offset", ""))
        except ValueError:
            offset = float("nan")
        if not abs(offset) < 10**9:
            return 400, {"message": "offset must be a number of seconds"}, []
        self.signin.set_offset(offset)
        return 200, {"now": instant(self.signin.now()), "clock_offset": offset}, []

    def _advance(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        try:
            seconds = float(query.get("seconds", ""))
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < 10**9:
            return 400, {"message": "seconds must be a non-negative number"}, []
        self.signin.advance(seconds)
        return 200, {"now": instant(self.signin.now())}, []

    def _revoke(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        return 200, {"revoked": self.signin.revoke(query.get("refresh_token"))}, []


async def _respond(send: Callable[[dict[str, Any]], Awaitable[None]], answer: Answer) -> None:
    status, value, extra = answer
    body = b"" if value is None else json.dumps(value, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def signin_state(simulator: Simulator) -> SignInState:
    """Return the sign-in state of a simulator, whatever middleware wraps its `SignInApp`.

    Raises:
        LookupError: the simulator's app has no sign-in routes.

    """
    app: Any = simulator.app
    for _ in range(8):
        if isinstance(app, SignInApp):
            return app.signin
        app = app.__dict__.get("app") or app.__dict__.get("inner")
    raise LookupError("the simulator's app has no SignInApp")
