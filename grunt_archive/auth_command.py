"""The ``grunt-archive auth`` commands: sign in, say who is signed in, sign out."""

from __future__ import annotations

import math
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from grunt_archive.cli import api_base_callback
from grunt_archive.errors import UsageError

MAX_PASTED = 65536  # characters of the pasted redirect URL or code read at most


def _auth_file_option(command: Any) -> Any:
    return click.option(
        "--auth-file",
        # Any path: a directory or a device there is the sign-in's own exit 4, as for sync.
        type=click.Path(path_type=Path),
        envvar="GRUNT_ARCHIVE_AUTH_FILE",
        default=None,
        help="Sign-in file [env: GRUNT_ARCHIVE_AUTH_FILE; default: auth.json in the user "
        "config directory].",
    )(command)


def _when(moment: datetime) -> str:
    """Return a time for people: ``2025-01-29 04:20 UTC (in 3h 12m)``."""
    # Floored, so that a moment just past is "ago" (int() made -0.5 s "in 0m 00s").
    seconds = math.floor((moment - datetime.now(UTC)).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    span = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {abs(seconds) % 60:02d}s"
    relative = f"in {span}" if seconds >= 0 else f"{span} ago"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC ({relative})"


def _pasted_code() -> str:
    """Return the redirect URL or code the user pastes: unechoed at a terminal, else one line.

    With no terminal (piped in, a script) getpass would warn that the input "may be
    echoed" before reading it; it is a one-time OAuth code, no password, and nothing
    echoes it, so it is read as a plain line.

    Raises:
        UsageError: nothing to read (exit 2).

    """
    prompt = "Paste that URL (or just the code)"
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            return click.prompt(prompt, hide_input=True, err=True)
        except click.Abort:
            raise UsageError(
                "no authorization code: pass --code, or paste it at the prompt"
            ) from None
    # Asked only of someone watching: a log of a script's run gets its one error line alone.
    watched = sys.stderr is not None and sys.stderr.isatty()
    if watched:
        click.echo(f"{prompt}: ", nl=False, err=True)
    # Bounded: a redirect URL is a few KB, and a stdin of `/dev/zero` has no line end.
    line = stdin.readline(MAX_PASTED) if stdin is not None else ""
    if watched:
        click.echo(err=True)  # the line the terminal would have ended
    if len(line) == MAX_PASTED and not line.endswith("\n"):
        raise UsageError(f"the pasted line is longer than {MAX_PASTED} characters: no code")
    if not line.strip():
        raise UsageError(
            "no authorization code: stdin is not a terminal and held none; pass --code CODE"
        )
    return line.strip()


@click.group()
def auth() -> None:
    """Sign in with Microsoft, and keep the tokens fresh for unattended syncs.

    `auth login` runs the Microsoft → Xbox Live → Halo sign-in once; `sync`
    then renews the Spartan token by itself from the stored refresh token.

    Example: grunt-archive auth login --client-id 00000000-0000-0000-0000-000000000000
    """


@auth.command()
@click.option(
    "--client-id", envvar="GRUNT_ARCHIVE_CLIENT_ID", required=True, metavar="ID",
    help="Your Azure AD app's client id [env: GRUNT_ARCHIVE_CLIENT_ID].",
)  # fmt: skip
@click.option(
    "--client-secret", envvar="GRUNT_ARCHIVE_CLIENT_SECRET", metavar="SECRET",
    help="Its client secret; omit for a public client [env: GRUNT_ARCHIVE_CLIENT_SECRET].",
)  # fmt: skip
@click.option(
    "--redirect-uri", envvar="GRUNT_ARCHIVE_REDIRECT_URI", default="https://localhost",
    show_default=True, metavar="URI",
    help="A redirect URI registered for the app [env: GRUNT_ARCHIVE_REDIRECT_URI].",
)  # fmt: skip
@click.option(
    "--code", metavar="CODE",
    help="The authorization code (or the whole redirect URL); skips the prompt.",
)  # fmt: skip
@click.option(
    "--api-base", envvar="GRUNT_ARCHIVE_API_BASE", metavar="URL",
    callback=api_base_callback,
    help="Send every request here instead of the real hosts [env: GRUNT_ARCHIVE_API_BASE].",
)  # fmt: skip
@_auth_file_option
def login(
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
    code: str | None,
    api_base: str | None,
    auth_file: Path | None,
) -> None:
    """Sign in: open the printed URL, then paste the URL it redirects to (or its code).

    Runs the whole chain (Microsoft code exchange, Xbox user token, XSTS,
    Spartan token, clearance) and keeps the refresh token, the tokens and
    their expiry in the sign-in file, mode 0600.

    Example: grunt-archive auth login --client-id "$GRUNT_ARCHIVE_CLIENT_ID" --code M.C5_BAY.2.U…
    """
    import asyncio

    from grunt_archive.api.live import authorize_url
    from grunt_archive.api.signin import AppRegistration, SignInHttp
    from grunt_archive.auth import code_from_input, default_auth_path, save_session, sign_in
    from grunt_archive.auth.token_file import check_can_save, locked

    path = auth_file or default_auth_path()
    # Before the one-time code is spent: what is there may be no sign-in file to replace.
    check_can_save(path)
    app = AppRegistration(client_id, client_secret or None, redirect_uri)
    if code is None:
        click.echo(
            "Open this page, sign in, and allow access:\n\n  " + authorize_url(app, api_base)
        )
        click.echo(f"\nYour browser then goes to {redirect_uri}?code=… (the page may not load).")
        code = _pasted_code()

    async def go() -> Any:
        # Held from before the code is spent to the save: a sync renewing meanwhile would
        # save the tokens it had over this sign-in (another account's, perhaps).
        async with locked(path), SignInHttp(api_base) as http:
            session = await sign_in(http, app, code_from_input(code))
            save_session(path, session)
            return session

    session = asyncio.run(go())
    click.echo(
        f"Signed in as {session.player}. The Spartan token is good until "
        f"{_when(session.spartan_ends)}; sync renews it by itself. Saved to {path}."
    )


@auth.command()
@_auth_file_option
def status(auth_file: Path | None) -> None:
    """Say who is signed in and until when; never shows a token. Exits 4 when nobody is.

    Example: grunt-archive auth status
    """
    from grunt_archive.auth import default_auth_path, load_session
    from grunt_archive.errors import AuthError

    path = auth_file or default_auth_path()
    session = load_session(path)
    if session is None:
        raise AuthError(f"not signed in (no {path}): run `grunt-archive auth login`")
    mode = stat.S_IMODE(path.stat().st_mode)
    expired = session.spartan_ends <= datetime.now(UTC)
    click.echo(f"Signed in as {session.player} since {_when(session.signed_in_at)}.")
    click.echo(f"App: {session.app.client_id}, redirect URI {session.app.redirect_uri}.")
    click.echo(
        f"Spartan token {'expired' if expired else 'good until'} {_when(session.spartan_ends)}"
        f"; last renewed {_when(session.renewed_at)}. sync renews it from the refresh token."
    )
    if session.clearance_expires is not None:
        state = "cached" if session.clearance else "unavailable, retried"
        click.echo(f"Clearance {state} until {_when(session.clearance_expires)}.")
    click.echo(f"File: {path} (mode {mode:04o}).")


@auth.command()
@_auth_file_option
def logout(auth_file: Path | None) -> None:
    """Sign out: delete the sign-in file and every token in it (never a file of another kind).

    To also withdraw the app's access, remove it at https://account.live.com/consent/Manage.

    Example: grunt-archive auth logout
    """
    import asyncio

    from grunt_archive.auth import default_auth_path, delete_session
    from grunt_archive.auth.token_file import check_can_delete, locked

    path = auth_file or default_auth_path()

    async def go() -> bool:
        # Checked first, so that no lock file is made beside what is no sign-in of ours;
        # locked, as a sync renewing meanwhile would save the tokens again after this.
        if not check_can_delete(path):
            return False
        async with locked(path):
            return delete_session(path)

    if asyncio.run(go()):
        click.echo(f"Signed out: deleted {path}.")
    else:
        click.echo(f"Not signed in: there is no {path}.")
