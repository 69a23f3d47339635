"""The sign-in file: a JSON document only its owner can read, replaced atomically.

Format (``"format": 1``)::

    {"format": 1,
     "app": {"client_id", "client_secret", "redirect_uri"},
     "account": {"xuid", "gamertag"},
     "signed_in_at", "renewed_at",             ISO-8601 UTC
     "refresh_token",
     "spartan": {"token", "expires", "issued", "lifetime"},   lifetime in seconds
     "clearance": {"id", "expires"}}

The client secret is kept with the refresh token because Microsoft wants
both for every renewal, and an unattended run has nobody to ask.

Processes that share the file (two syncs of different archives) read, renew
and write it inside `locked`: an exclusive ``flock`` on a sidecar file
``.auth.json.lock``, so that the refresh token saved last is the newest one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from grunt_archive.api.signin import AppRegistration
from grunt_archive.auth.chain import Session
from grunt_archive.errors import AuthError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per sign-in file
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
RELOGIN = "run `grunt-archive auth login`"
LOCK_TIMEOUT = 120.0  # seconds; a renewal takes a few, so a holder this slow is stuck
LOCK_POLL = 0.05
# A sign-in file is a few KB; no more than this is read, so a device (`/dev/zero`) or a
# huge file named by GRUNT_ARCHIVE_AUTH_FILE is a damaged file, not all of memory.
MAX_FILE_BYTES = 1 << 20


def default_auth_path() -> Path:
    """Return ``$GRUNT_ARCHIVE_AUTH_FILE``, else ``auth.json`` in the user config directory."""
    configured = os.environ.get("GRUNT_ARCHIVE_AUTH_FILE")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("grunt-archive")) / "auth.json"


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _seconds(value: Any) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise TypeError("lifetime is not a number of seconds")
    return timedelta(seconds=value)


def to_document(session: Session) -> dict[str, Any]:
    """Return the JSON document the sign-in file holds."""
    return {
        "format": FORMAT,
        "app": {
            "client_id": session.app.client_id,
            "client_secret": session.app.client_secret,
            "redirect_uri": session.app.redirect_uri,
        },
        "account": {"xuid": session.xuid, "gamertag": session.gamertag},
        "signed_in_at": _instant(session.signed_in_at),
        "renewed_at": _instant(session.renewed_at),
        "refresh_token": session.refresh_token,
        "spartan": {
            "token": session.spartan_token,
            "expires": _instant(session.spartan_expires),
            "issued": _instant(session.spartan_issued),
            "lifetime": (
                None
                if session.spartan_lifetime is None
                else session.spartan_lifetime.total_seconds()
            ),
        },
        "clearance": {"id": session.clearance, "expires": _instant(session.clearance_expires)},
    }


def from_document(document: Any) -> Session:
    """Return the session a sign-in file holds.

    Raises:
        ValueError: the document is not a sign-in of a format this version reads.

    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("unknown format")
    try:
        app, account = document["app"], document.get("account") or {}
        spartan, clearance = document["spartan"], document.get("clearance") or {}
        session = Session(
            app=AppRegistration(app["client_id"], app.get("client_secret"), app["redirect_uri"]),
            refresh_token=document["refresh_token"],
            spartan_token=spartan["token"],
            spartan_expires=_parse(spartan["expires"]),  # type: ignore[arg-type]
            spartan_issued=_parse(spartan["issued"]),  # type: ignore[arg-type]
            xuid=account.get("xuid"),
            gamertag=account.get("gamertag"),
            signed_in_at=_parse(document["signed_in_at"]),  # type: ignore[arg-type]
            renewed_at=_parse(document["renewed_at"]),  # type: ignore[arg-type]
            clearance=clearance.get("id"),
            clearance_expires=_parse(clearance.get("expires")),
            spartan_lifetime=_seconds(spartan.get("lifetime")),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError("missing or mistyped field") from error
    if not (session.refresh_token and session.spartan_token and session.app.client_id):
        raise ValueError("empty token")
    return session


def load_session(path: Path) -> Session | None:
    """Return the stored sign-in, or None when there is no file.

    Raises:
        AuthError: the file exists but cannot be read or is not a sign-in.

    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AuthError(f"cannot read the sign-in file {path}: {error.strerror}") from None
    try:
        # Decoded here, not on reading: bytes that are not UTF-8 are a damaged file too
        # (UnicodeDecodeError is a ValueError), not an unreadable one.
        if len(data) > MAX_FILE_BYTES:
            raise ValueError("larger than any sign-in")
        return from_document(json.loads(data.decode("utf-8")))
    except ValueError:
        raise AuthError(f"the sign-in file {path} is damaged: {RELOGIN}") from None


def save_session(path: Path, session: Session) -> None:
    """Write the sign-in atomically, readable and writable by its owner only (0600).

    The document goes to a temporary file created 0600 in the same directory,
    is flushed to disk, then renamed over the old file: a reader sees the old
    sign-in or the new one, never half of one, and never a moment of wider mode.

    Raises:
        AuthError: the file cannot be written.

    """
    data = json.dumps(to_document(session), indent=2).encode()
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)  # exactly 0600, whatever the umask did
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise AuthError(f"cannot save the sign-in to {path}: {error.strerror}") from None
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Flush the rename to disk where the platform allows it (POSIX)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.asynccontextmanager
async def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> AsyncIterator[None]:
    """Hold the sign-in file's lock: an exclusive ``flock`` on ``.<name>.lock`` beside it.

    It is polled rather than waited for in a thread, so the event loop keeps
    serving the requests in flight while another process renews.

    Raises:
        AuthError: another process held the lock for ``timeout`` seconds.

    """
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise AuthError(f"cannot lock the sign-in file {path}: {error.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        while fcntl is not None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AuthError(
                        f"another process has held the sign-in file {path} for {timeout:.0f} s"
                    ) from None
                await asyncio.sleep(LOCK_POLL)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def delete_session(path: Path) -> bool:
    """Delete the sign-in file; return whether there was one.

    Raises:
        AuthError: the file exists but cannot be deleted.

    """
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise AuthError(f"cannot delete the sign-in file {path}: {error.strerror}") from None
    return True
