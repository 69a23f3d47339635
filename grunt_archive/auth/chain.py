"""The token chain: authorization code or refresh token → Microsoft → Xbox Live → Halo.

Each step is one request in the module of its host (`api.live`, `api.xbox`,
`api.settings`); this module strings them together and says what a sign-in
keeps (`Session`). Nothing here touches the disk.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from grunt_archive.api import live, xbox
from grunt_archive.api import settings as settings_host
from grunt_archive.api.signin import AppRegistration, SignInHttp
from grunt_archive.errors import ApiError, AuthError, UsageError

CLEARANCE_TTL = timedelta(hours=1)  # undocumented lifetime (halo-api.md §6.5): re-ask hourly
CLEARANCE_RETRY = timedelta(minutes=5)  # after a failed lookup, before asking again
_SAFE_ERROR = re.compile(r"^[A-Za-z0-9_.-]{1,60}\Z")


@dataclass(slots=True)
class Session:
    """What a sign-in keeps. Token values never appear in its repr.

    Attributes:
        app: the Azure AD app the refresh token belongs to.
        refresh_token: Microsoft's refresh token (rotated on every renewal).
        spartan_token: the current ``x-343-authorization-spartan`` value.
        spartan_expires: when the service says the Spartan token expires (its clock;
            shown to the user, never compared with ours).
        spartan_issued: when we received it (our clock).
        xuid: the signed-in player's xuid (digits), when Xbox Live said.
        gamertag: their gamertag, when Xbox Live said.
        signed_in_at: when ``auth login`` ran.
        renewed_at: when the tokens were last renewed (or first issued).
        clearance: the current ``343-clearance`` id; None if the lookup failed.
        clearance_expires: when to look the clearance up again (our clock).
        spartan_lifetime: how long the service granted the Spartan token
            (``TokenDuration``); None for a file written before it was kept.
        clearance_outage: why the last clearance lookup failed, when it did
            (not saved: a later run looks again).

    """

    app: AppRegistration
    refresh_token: str = field(repr=False)
    spartan_token: str = field(repr=False)
    spartan_expires: datetime
    spartan_issued: datetime
    xuid: str | None
    gamertag: str | None
    signed_in_at: datetime
    renewed_at: datetime
    clearance: str | None = None
    clearance_expires: datetime | None = None
    spartan_lifetime: timedelta | None = None
    clearance_outage: str | None = None

    @property
    def lifetime(self) -> timedelta:
        """Return the Spartan token's granted lifetime (from its expiry for an old file)."""
        if self.spartan_lifetime is not None:
            return self.spartan_lifetime
        return max(self.spartan_expires - self.spartan_issued, timedelta(0))

    @property
    def spartan_ends(self) -> datetime:
        """Return when the Spartan token expires on our clock: issued-at plus its lifetime.

        The service's absolute ``ExpiresUtc`` is on its clock; a local clock
        minutes off would renew every request, or too late.
        """
        return self.spartan_issued + self.lifetime

    @property
    def player(self) -> str:
        """Return who is signed in, for messages: ``Gamertag (xuid(…))``."""
        xuid = f"xuid({self.xuid})" if self.xuid else "an unknown xuid"
        return f"{self.gamertag} ({xuid})" if self.gamertag else xuid

    def renew_at(self, margin: timedelta = timedelta(minutes=5)) -> datetime:
        """Return when to renew: ``margin`` before expiry, but never before ¾ of the lifetime."""
        return self.spartan_ends - min(margin, self.lifetime / 4)


def _now() -> datetime:
    return datetime.now(UTC)


def code_from_input(text: str) -> str:
    """Return the authorization code from a pasted redirect URL, or a bare code.

    Raises:
        AuthError: the redirect says the user declined (``?error=access_denied``).
        UsageError: there is no code in what was pasted.

    """
    text = text.strip()
    if "code=" in text or "error=" in text or "://" in text:
        parts = urlsplit(text)
        params = parse_qs(parts.query) | parse_qs(parts.fragment)
        if "error" in params:
            error = params["error"][-1]
            shown = error if _SAFE_ERROR.match(error) else "an error"
            raise AuthError(f"Microsoft sign-in was not completed ({shown}); try again")
        codes = params.get("code")
        if not codes or not codes[-1].strip():
            raise UsageError("the pasted URL has no ?code=; paste the whole redirect URL")
        return codes[-1].strip()
    if not text or any(c.isspace() for c in text):
        raise UsageError("no authorization code: paste the redirect URL or its code")
    return text


async def _clearance(
    http: SignInHttp, spartan: str, ends: datetime, now: datetime, previous: str | None = None
) -> tuple[str | None, datetime, str | None]:
    """Look the clearance up; return it, when to look again, and why it failed (or None).

    Clearance only matters to the skill and playlist calls, so a lookup that
    fails for a reason a new sign-in would not fix (5xx, a timeout, a 403 when
    there is a clearance that worked) keeps ``previous`` and asks again later.

    Raises:
        AuthError: the Spartan token was refused (401), or a 403 with no
            clearance to fall back on (its message names the usual cause).

    """
    try:
        found = await settings_host.clearance(http, spartan)
    except AuthError as error:
        if error.status != 403 or previous is None:
            raise
        return previous, min(now + CLEARANCE_RETRY, ends), str(error)
    except ApiError as error:
        return previous, min(now + CLEARANCE_RETRY, ends), str(error)
    ttl = CLEARANCE_TTL if found.max_age is None else timedelta(seconds=found.max_age)
    return found.flight_id, min(now + ttl, ends), None


async def _halo_tokens(
    http: SignInHttp, access_token: str, *, identify: bool
) -> tuple[settings_host.SpartanToken, xbox.XboxToken | None]:
    """Run access token → user token → XSTS (→ XSTS for xboxlive.com) → Spartan token."""
    user = await xbox.user_token(http, access_token)
    halo = await xbox.xsts_token(http, user, xbox.HALO_RELYING_PARTY)
    identity = halo if halo.xuid and halo.gamertag else None
    if identify and identity is None:
        identity = await xbox.xsts_token(http, user, xbox.XBOX_RELYING_PARTY)
    spartan = await settings_host.spartan_token(http, halo.token)
    return spartan, identity


async def sign_in(
    http: SignInHttp, app: AppRegistration, code: str, *, clock: Callable[[], datetime] = _now
) -> Session:
    """Run the whole chain from an authorization code and return the new session.

    ``clock`` stamps when the Spartan token arrived (tests move it).

    Raises:
        AuthError: a service refused a step (a wrong or used code, an account
            without Xbox Live, …).

    """
    oauth = await live.exchange_code(http, app, code)
    spartan, identity = await _halo_tokens(http, oauth.access_token, identify=True)
    issued, lifetime = clock(), spartan.lifetime
    clearance, clearance_expires, outage = await _clearance(
        http, spartan.token, issued + lifetime, clock()
    )
    return Session(
        app=app,
        refresh_token=oauth.refresh_token,
        spartan_token=spartan.token,
        spartan_expires=spartan.expires,
        spartan_issued=issued,
        xuid=identity.xuid if identity else None,
        gamertag=identity.gamertag if identity else None,
        signed_in_at=issued,
        renewed_at=issued,
        clearance=clearance,
        clearance_expires=clearance_expires,
        spartan_lifetime=lifetime,
        clearance_outage=outage,
    )


async def renew(
    http: SignInHttp, session: Session, *, clock: Callable[[], datetime] = _now
) -> Session:
    """Run the chain from the stored refresh token; return the session with every token new.

    Raises:
        AuthError: the refresh token expired or was revoked, or a later step
            was refused; the message says to run ``grunt-archive auth login``.

    """
    oauth = await live.refresh(http, session.app, session.refresh_token)
    spartan, _ = await _halo_tokens(http, oauth.access_token, identify=False)
    issued, lifetime = clock(), spartan.lifetime
    clearance, clearance_expires, outage = await _clearance(
        http, spartan.token, issued + lifetime, clock(), session.clearance
    )
    return dataclasses.replace(
        session,
        refresh_token=oauth.refresh_token,
        spartan_token=spartan.token,
        spartan_expires=spartan.expires,
        spartan_issued=issued,
        renewed_at=issued,
        clearance=clearance,
        clearance_expires=clearance_expires,
        spartan_lifetime=lifetime,
        clearance_outage=outage,
    )


async def refresh_clearance(
    http: SignInHttp, session: Session, *, clock: Callable[[], datetime] = _now
) -> Session:
    """Look the clearance up again with the current Spartan token, keeping the old one on failure.

    Raises:
        AuthError: the Spartan token was refused, or a 403 with no clearance to keep.

    """
    clearance, expires, outage = await _clearance(
        http, session.spartan_token, session.spartan_ends, clock(), session.clearance
    )
    return dataclasses.replace(
        session, clearance=clearance, clearance_expires=expires, clearance_outage=outage
    )
