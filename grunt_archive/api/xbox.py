"""user.auth.xboxlive.com and xsts.auth.xboxlive.com: the Xbox user token and XSTS tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

from grunt_archive.api.signin import SignInHttp, field_of
from grunt_archive.players import display_name

USER_HOST = "https://user.auth.xboxlive.com"
XSTS_HOST = "https://xsts.auth.xboxlive.com"
HALO_RELYING_PARTY = "https://prod.xsts.halowaypoint.com/"
XBOX_RELYING_PARTY = "http://xboxlive.com"
CONTRACT = {"x-xbl-contract-version": "1"}
RELOGIN = "run `grunt-archive auth login`"


@dataclass(frozen=True, slots=True)
class XboxToken:
    """An Xbox user or XSTS token and the claims that came with it.

    Attributes:
        token: the JWT; secret.
        user_hash: ``uhs``, which goes in ``XBL3.0 x={uhs};{token}``.
        not_after: when the token expires (ISO-8601, as sent).
        xuid: ``xid``, present on XSTS tokens for ``http://xboxlive.com``.
        gamertag: ``gtg``, present on the same.

    """

    token: str = field(repr=False)
    user_hash: str | None = None
    not_after: str | None = None
    xuid: str | None = None
    gamertag: str | None = None


def _token(data: dict, step: str) -> XboxToken:
    claims = (data.get("DisplayClaims") or {}).get("xui") or [{}]
    claim = claims[0] if isinstance(claims[0], dict) else {}
    return XboxToken(
        token=field_of(data, step, "Token"),
        user_hash=claim.get("uhs"),
        not_after=data.get("NotAfter"),
        xuid=str(claim["xid"]) if claim.get("xid") else None,
        gamertag=display_name(claim.get("gtg")),
    )


async def user_token(http: SignInHttp, access_token: str) -> XboxToken:
    """Trade a Microsoft access token for an Xbox user token (RPS ticket ``d=…``).

    Raises:
        AuthError: Xbox Live refused the access token.

    """
    step = "The Xbox user token"
    body = {
        "RelyingParty": "http://auth.xboxlive.com",
        "TokenType": "JWT",
        "Properties": {
            "AuthMethod": "RPS",
            "SiteName": "user.auth.xboxlive.com",
            "RpsTicket": f"d={access_token}",
        },
    }
    data, _ = await http.call(
        step, "POST", USER_HOST, "/user/authenticate", body=body, headers=CONTRACT, hint=RELOGIN
    )
    return _token(data, step)


async def xsts_token(http: SignInHttp, user: XboxToken, relying_party: str) -> XboxToken:
    """Trade an Xbox user token for an XSTS token for one relying party.

    Args:
        http: the sign-in client.
        user: the Xbox user token.
        relying_party: `HALO_RELYING_PARTY` for the Spartan token, or
            `XBOX_RELYING_PARTY` for the xuid and gamertag.

    Raises:
        AuthError: XSTS refused (a bad token, or an account that cannot play: ``XErr``).

    """
    step = f"The XSTS token for {relying_party}"
    body = {
        "RelyingParty": relying_party,
        "TokenType": "JWT",
        "Properties": {"UserTokens": [user.token], "SandboxId": "RETAIL"},
    }
    data, _ = await http.call(
        step, "POST", XSTS_HOST, "/xsts/authorize", body=body, headers=CONTRACT, hint=RELOGIN
    )
    return _token(data, step)
