"""login.live.com: the Microsoft OAuth authorize URL, the code exchange and the refresh grant."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from grunt_archive.api.signin import AppRegistration, SignInHttp, field_of

HOST = "https://login.live.com"
SCOPE = "Xboxlive.signin Xboxlive.offline_access"
RELOGIN = "run `grunt-archive auth login`"


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    """What the token endpoint answers: a one-hour access token and a refresh token."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int = 3600


def authorize_url(app: AppRegistration, api_base: str | None = None) -> str:
    """Return the page where the user signs in and consents, redirecting with ``?code=``."""
    query = urlencode(
        {
            "client_id": app.client_id,
            "response_type": "code",
            "approval_prompt": "auto",
            "scope": SCOPE,
            "redirect_uri": app.redirect_uri,
        },
        quote_via=quote,
    )
    return f"{(api_base or '').rstrip('/') or HOST}/oauth20_authorize.srf?{query}"


def _with_client(form: dict[str, str], app: AppRegistration) -> dict[str, str]:
    form["client_id"] = app.client_id
    if app.client_secret:
        form["client_secret"] = app.client_secret
    return form


def _tokens(data: dict, step: str) -> OAuthTokens:
    expires = data.get("expires_in")
    return OAuthTokens(
        access_token=field_of(data, step, "access_token"),
        refresh_token=field_of(data, step, "refresh_token"),
        expires_in=expires if isinstance(expires, int) else 3600,
    )


async def exchange_code(http: SignInHttp, app: AppRegistration, code: str) -> OAuthTokens:
    """Trade an authorization code for tokens (``grant_type=authorization_code``).

    Raises:
        AuthError: Microsoft refused the code or the app (``invalid_grant``, …).

    """
    step = "Microsoft sign-in (authorization code)"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "scope": SCOPE,
        "redirect_uri": app.redirect_uri,
    }
    data, _ = await http.call(
        step,
        "POST",
        HOST,
        "/oauth20_token.srf",
        form=_with_client(form, app),
        hint="check the client id, secret and redirect URI, get a fresh code and "
        + RELOGIN
        + " again",
    )
    return _tokens(data, step)


async def refresh(http: SignInHttp, app: AppRegistration, refresh_token: str) -> OAuthTokens:
    """Trade the stored refresh token for new tokens (``grant_type=refresh_token``).

    Raises:
        AuthError: the refresh token expired or was revoked (``invalid_grant``).

    """
    step = "Renewing the sign-in (refresh token)"
    form = {"grant_type": "refresh_token", "scope": SCOPE, "refresh_token": refresh_token}
    data, _ = await http.call(
        step,
        "POST",
        HOST,
        "/oauth20_token.srf",
        form=_with_client(form, app),
        hint=f"the stored sign-in has expired or was revoked: {RELOGIN}",
    )
    return _tokens(data, step)
