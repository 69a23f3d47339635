"""The sign-in hosts of the simulator: login.live.com, Xbox Live auth, the Spartan token.

`SignInState` holds the state and the answers of the token chain of
halo-api.md §6; `hosts.signin.SignInApp` serves them at the real paths
(``/oauth20_authorize.srf``, ``/oauth20_token.srf``, ``/user/authenticate``,
``/xsts/authorize``, ``/spartan-token``) with fake tokens that expire on the
simulator's clock, and refuses with 401 any Spartan token it issued that has expired or was
revoked. A Spartan token it did not issue (bring-your-own) goes on to the
services untouched. The clearance route is in `hosts.settings`.

Admin routes (never faulted): ``GET /_simulator/signin`` (every token issued,
the clock), ``POST /_simulator/signin/code?client_id=&redirect_uri=`` (a code,
as if the user had consented), ``POST /_simulator/advance?seconds=N`` (move
the sign-in clock), ``POST /_simulator/revoke[?refresh_token=]`` (revoke one
sign-in, or all: its refresh tokens and every token issued from them), and
``POST /_simulator/signin/xerr?code=N`` (XSTS refuses with that XErr; 0 stops),
``POST /_simulator/signin/clock?offset=S`` (set the sign-in clock S seconds off the
real one, either way: a skewed service clock), and
``POST /_simulator/signin/faults?spartan_uses=N&clearance_status=S&single_use_refresh=0|1``
(a chain-issued Spartan token is refused after serving N requests; the clearance
route answers status S; a refresh token works once; 0 turns each off; parameters
left out keep their value). `DEMO_CODE` is always accepted by the code exchange.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEMO_CODE = "M.C1_SIM.demo-code"
SCOPES = frozenset({"Xboxlive.signin", "Xboxlive.offline_access"})
HALO_RP = "https://prod.xsts.halowaypoint.com/"
XBOX_RP = "http://xboxlive.com"
ACCESS_LIFETIME = 3600.0
USER_TOKEN_LIFETIME = 14 * 86400.0
XSTS_LIFETIME = 16 * 3600.0
CODE_LIFETIME = 300.0
SPARTAN_HEADER = "x-343-authorization-spartan"
Answer = tuple[int, Any, list[tuple[bytes, bytes]]]  # status, JSON value or None, headers


@dataclass
class Grant:
    """One issued code or token: what it is, whose sign-in, until when."""

    kind: str
    family: int
    expires: float
    client_id: str | None = None
    redirect_uri: str | None = None
    relying_party: str | None = None
    used: bool = False
    uses: int = 0


def instant(moment: float, digits: int = 3) -> str:
    """Return seconds since the epoch as ISO-8601 UTC with ``digits`` fractional digits."""
    text = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text[: 20 + digits] + "Z"


def _duration(seconds: float) -> str:
    hours, rest = divmod(max(seconds, 0.0), 3600)
    minutes, rest = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{rest:.3f}S"


def grant_error(description: str, error: str = "invalid_grant") -> Answer:
    """login.live.com's refusal: 400 and ``{"error", "error_description"}``."""
    return 400, {"error": error, "error_description": description}, []


def _xerr(xerr: int, message: str) -> Answer:
    """XSTS's refusal: 401 and an ``XErr`` body."""
    return 401, {"Identity": "0", "XErr": xerr, "Message": message, "Redirect": ""}, []


class SignInState:
    """Everything the sign-in hosts issued, on a clock tests can move.

    Args:
        token_lifetime: seconds a Spartan token lives (about 4 h for real).
        refresh_lifetime: seconds a refresh token lives.
        clock: returns the time in seconds since the epoch.
        xuid: the signed-in player's xuid (digits).
        gamertag: their gamertag.

    """

    def __init__(
        self,
        token_lifetime: float = 14400.0,
        refresh_lifetime: float = 90 * 86400.0,
        clock: Callable[[], float] = time.time,
        xuid: str = "2533274800000001",
        gamertag: str = "Simulated Spartan",
    ) -> None:
        self.token_lifetime, self.refresh_lifetime = token_lifetime, refresh_lifetime
        self.clock, self.offset = clock, 0.0
        self.xuid, self.gamertag = xuid, gamertag
        self.user_hash = str(int(xuid) % 10**19)[::-1]
        self.grants: dict[str, Grant] = {}
        self.revoked: set[int] = set()
        self.xerr = 0
        self.spartan_uses = 0  # refuse a Spartan token after this many requests (0: never)
        self.clearance_status = 0  # the clearance route answers this status (0: normally)
        self.single_use_refresh = False  # a refresh token is spent by its first use
        self.lock = threading.Lock()
        self._families = 0

    def now(self) -> float:
        """Return the sign-in clock: the real clock plus every `advance`."""
        return self.clock() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the sign-in clock forward, so that tokens expire without waiting."""
        with self.lock:
            self.offset += seconds

    def set_offset(self, seconds: float) -> None:
        """Set the sign-in clock ``seconds`` off the real one (negative: behind it)."""
        with self.lock:
            self.offset = seconds

    def _issue(self, kind: str, prefix: str, family: int, lifetime: float, **details: Any) -> str:
        token = prefix + secrets.token_urlsafe(32)
        self.grants[token] = Grant(kind, family, self.now() + lifetime, **details)
        return token

    def _valid(self, token: object, kind: str) -> Grant | None:
        grant = self.grants.get(token) if isinstance(token, str) else None
        if grant is None or grant.kind != kind or grant.family in self.revoked:
            return None
        return grant if self.now() < grant.expires else None

    def new_code(self, client_id: str, redirect_uri: str) -> str:
        """Return an authorization code, as login.live.com does once the user consents."""
        with self.lock:
            return self._issue(
                "code", "M.C1_SIM.", 0, CODE_LIFETIME, client_id=client_id,
                redirect_uri=redirect_uri,
            )  # fmt: skip

    def revoke(self, refresh_token: str | None = None) -> int:
        """Revoke one sign-in (the family of a refresh token), or every one; return how many."""
        with self.lock:
            if refresh_token is not None:
                grant = self.grants.get(refresh_token)
                families = {grant.family} if grant and grant.kind == "refresh" else set()
            else:
                families = {g.family for g in self.grants.values() if g.kind == "refresh"}
            self.revoked |= families
            return len(families)

    def refuses(self, spartan: str) -> bool:
        """Say whether a Spartan token is one this simulator issued that is no longer good.

        Every request it is accepted for counts as a use (`spartan_uses`); a refused one does not.
        """
        with self.lock:
            grant = self.grants.get(spartan)
            if grant is None:
                return False
            if self._valid(spartan, "spartan") is None:
                return True
            if 0 < self.spartan_uses <= grant.uses:
                return True
            grant.uses += 1
            return False

    def issued(self) -> dict[str, list[str]]:
        """Return every code and token issued so far, by kind (for leak checks in tests)."""
        with self.lock:
            found: dict[str, list[str]] = {}
            for token, grant in self.grants.items():
                found.setdefault(grant.kind, []).append(token)
            return found

    def token_endpoint(self, form: dict[str, str]) -> Answer:
        """``POST /oauth20_token.srf``: the code exchange and the refresh grant."""
        client_id, grant_type = form.get("client_id"), form.get("grant_type")
        if not client_id:
            return grant_error("The request is missing a required parameter: client_id.",
                                "invalid_request")  # fmt: skip
        if not set(form.get("scope", "").split()) >= SCOPES:
            return grant_error("The provided value for the input parameter 'scope' is not "
                                "valid.", "invalid_scope")  # fmt: skip
        with self.lock:
            if grant_type == "authorization_code":
                code = form.get("code", "")
                grant = self._valid(code, "code")
                if code != DEMO_CODE and (
                    grant is None or grant.used or grant.client_id != client_id
                    or grant.redirect_uri != form.get("redirect_uri")
                ):  # fmt: skip
                    return grant_error("The provided value for the 'code' parameter is not valid.")
                if grant is not None:
                    grant.used = True
                self._families += 1
                family = self._families
            elif grant_type == "refresh_token":
                grant = self._valid(form.get("refresh_token"), "refresh")
                if (
                    grant is None or grant.client_id != client_id
                    or (self.single_use_refresh and grant.used)
                ):  # fmt: skip
                    return grant_error(
                        "The user could not be authenticated or the grant is expired."
                    )
                grant.used = True
                family = grant.family
            else:
                return grant_error("The grant type is not supported.", "unsupported_grant_type")
            access = self._issue("access", "EwA", family, ACCESS_LIFETIME)
            refresh = self._issue(
                "refresh", "M.R3_SIM.", family, self.refresh_lifetime, client_id=client_id
            )
        return 200, {
            "token_type": "bearer", "expires_in": int(ACCESS_LIFETIME),
            "scope": " ".join(sorted(SCOPES)), "access_token": access,
            "refresh_token": refresh, "user_id": f"sim{self.user_hash}",
        }, []  # fmt: skip

    def _xbox_answer(self, token: str, expires: float, claims: dict[str, str]) -> Answer:
        return 200, {
            "IssueInstant": instant(self.now(), 7), "NotAfter": instant(expires, 7),
            "Token": token, "DisplayClaims": {"xui": [claims]},
        }, []  # fmt: skip

    def user_authenticate(self, body: Any) -> Answer:
        """``POST /user/authenticate``: an RPS ticket ``d=<access token>`` for a user token."""
        properties = body.get("Properties") if isinstance(body, dict) else None
        ticket = properties.get("RpsTicket", "") if isinstance(properties, dict) else ""
        if (
            not isinstance(properties, dict)
            or body.get("RelyingParty") != "http://auth.xboxlive.com"
            or body.get("TokenType") != "JWT" or properties.get("AuthMethod") != "RPS"
            or properties.get("SiteName") != "user.auth.xboxlive.com"
            or not isinstance(ticket, str) or not ticket.startswith("d=")
        ):  # fmt: skip
            return 400, None, []
        with self.lock:
            grant = self._valid(ticket[2:], "access")
            if grant is None:
                return 401, None, []
            token = self._issue("user", "eyJ0eXAi.", grant.family, USER_TOKEN_LIFETIME)
            expires = self.grants[token].expires
        return self._xbox_answer(token, expires, {"uhs": self.user_hash})

    def xsts_authorize(self, body: Any) -> Answer:
        """``POST /xsts/authorize``: a user token for an XSTS token for one relying party."""
        properties = body.get("Properties") if isinstance(body, dict) else None
        tokens = properties.get("UserTokens") if isinstance(properties, dict) else None
        party = body.get("RelyingParty") if isinstance(body, dict) else None
        if (
            not isinstance(properties, dict)
            or party not in (HALO_RP, XBOX_RP) or body.get("TokenType") != "JWT"
            or properties.get("SandboxId") != "RETAIL"
            or not isinstance(tokens, list) or len(tokens) != 1
        ):  # fmt: skip
            return 400, None, []
        with self.lock:
            if self.xerr:
                return _xerr(self.xerr, "")
            grant = self._valid(tokens[0], "user")
            if grant is None:
                return _xerr(0, "The user token is invalid or has expired.")
            token = self._issue(
                "xsts", "eyJhbGci.", grant.family, XSTS_LIFETIME, relying_party=party
            )
            expires = self.grants[token].expires
        claims = {"uhs": self.user_hash}
        if party == XBOX_RP:  # the Halo relying party's token need not say who (halo-api §6.3)
            claims |= {"xid": self.xuid, "gtg": self.gamertag, "agg": "Adult"}
        return self._xbox_answer(token, expires, claims)

    def spartan_token(self, body: Any) -> Answer:
        """``POST /spartan-token``: an XSTS token for the Halo relying party for a Spartan token."""
        proof = body.get("Proof") if isinstance(body, dict) else None
        first = proof[0] if isinstance(proof, list) and len(proof) == 1 else None
        if (
            not isinstance(first, dict)
            or body.get("Audience") != "urn:343:s3:services" or body.get("MinVersion") != "4"
            or first.get("TokenType") != "Xbox_XSTSv3"
        ):  # fmt: skip
            return 400, None, []
        with self.lock:
            grant = self._valid(first.get("Token"), "xsts")
            if grant is None or grant.relying_party != HALO_RP:
                return 401, None, []
            token = self._issue("spartan", "v4=", grant.family, self.token_lifetime)
            expires = self.grants[token].expires
        return 200, {
            "SpartanToken": token, "ExpiresUtc": {"ISO8601Date": instant(expires)},
            "TokenDuration": _duration(expires - self.now()),
        }, []  # fmt: skip
