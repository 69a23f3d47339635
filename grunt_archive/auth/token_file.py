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
import errno
import json
import os
import secrets
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from grunt_archive.api.credentials import is_credential
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
    return _default_directory() / "auth.json"


def _default_directory() -> Path:
    return Path(platformdirs.user_config_dir("grunt-archive"))


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _required(value: Any) -> datetime:
    if value is None:
        raise TypeError("a time every sign-in holds is missing")
    return _parse(value)  # type: ignore[return-value]


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
            spartan_expires=_required(spartan["expires"]),
            spartan_issued=_required(spartan["issued"]),
            xuid=account.get("xuid"),
            gamertag=account.get("gamertag"),
            signed_in_at=_required(document["signed_in_at"]),
            renewed_at=_required(document["renewed_at"]),
            clearance=clearance.get("id"),
            clearance_expires=_parse(clearance.get("expires")),
            spartan_lifetime=_seconds(spartan.get("lifetime")),
        )
    except (KeyError, TypeError, AttributeError, OverflowError) as error:
        raise ValueError("missing or mistyped field") from error
    texts = (session.refresh_token, session.spartan_token, session.app.client_id)
    if not all(isinstance(text, str) and text for text in texts):
        raise ValueError("empty token")
    # `auth status` prints these: no escape sequence or line break of a damaged file with them.
    shown = (session.app.client_id, session.app.redirect_uri, session.gamertag, session.xuid)
    if not all(text is None or (isinstance(text, str) and text.isprintable()) for text in shown):
        raise ValueError("a name that is not printable text")
    # Both go in request headers, where a CR LF would add one and non-ASCII cannot go.
    if not is_credential(session.spartan_token) or not (
        session.clearance is None or is_credential(session.clearance)
    ):
        raise ValueError("a token that is not visible ASCII")
    return session


def _not_ours(data: bytes) -> str | None:
    """Return why ``data`` is no sign-in file grunt-archive wrote, or None when it is one.

    One of ours, however damaged inside, is a JSON object with an integer ``format``
    and a ``refresh_token`` (ours are written whole, by rename). An empty file holds
    nothing to lose.
    """
    if len(data) > MAX_FILE_BYTES:
        return "larger than any sign-in"
    if not data.strip():
        return None
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except (ValueError, RecursionError):
        return "not JSON"
    if not isinstance(document, dict) or "refresh_token" not in document:
        return "JSON, but not a sign-in"
    fmt = document.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        return "JSON, but not a sign-in"
    return None


def load_session(path: Path) -> Session | None:
    """Return the stored sign-in, or None when there is no file.

    Raises:
        AuthError: the file exists but cannot be read or is not a sign-in.

    """
    with contextlib.suppress(OSError):
        if _kind(path.stat().st_mode):  # a named pipe would hold the open for ever
            raise _damaged(path, b"")
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
    except (ValueError, RecursionError):
        raise _damaged(path, data) from None


def _damaged(path: Path, data: bytes) -> AuthError:
    """Return the error of a sign-in file that does not load: what to do depends on what it is."""
    with contextlib.suppress(OSError):
        kind = _kind(path.stat().st_mode)
        if kind:  # /dev/zero: nothing to remove, another path to give
            return AuthError(
                f"the sign-in file {path} is damaged: it is {kind}; give "
                f"GRUNT_ARCHIVE_AUTH_FILE (--auth-file) another path, then {RELOGIN}"
            )
    why = _not_ours(data)
    if why is None:  # `auth login` replaces it
        return AuthError(f"the sign-in file {path} is damaged: {RELOGIN}")
    return AuthError(
        f"the sign-in file {path} is damaged ({why}) and not one grunt-archive wrote: "
        f"move it away yourself, then {RELOGIN}"
    )


# What a path that is no regular file is, in the words of a refusal.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a loop of symbolic links"),
)


def _kind(mode: int) -> str | None:
    """Return what a file of ``mode`` is when it is no regular file, else None."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def _real(path: Path) -> Path:
    """Return the file ``path`` names through any link: the link alone would keep the tokens."""
    return Path(os.path.realpath(path))


def _head(path: Path) -> bytes:
    """Return the first bytes of the regular file ``path``, one more than a sign-in may have."""
    # No link followed, no writer waited for: a pipe may have taken its place since.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with os.fdopen(os.open(path, flags), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "it changed while it was read")
        return handle.read(MAX_FILE_BYTES + 1)


def _ours_to_replace(path: Path, doing: str) -> Path | None:
    """Return the file behind ``path`` when it is a sign-in file of ours; None when missing.

    Args:
        path: the sign-in file, as given.
        doing: what would be done to it ("replace", "delete"), for the refusal.

    Raises:
        AuthError: something else is there (a directory, a device, a pipe, an archive,
            any file grunt-archive did not write): it is left as it is.

    """
    real = _real(path)
    shown = f"{path} (a link to {real})" if path.is_symlink() else str(path)
    try:
        kind = _kind(real.lstat().st_mode)
        why = None if kind else _not_ours(_head(real))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AuthError(f"cannot read the sign-in file {shown}: {error.strerror}") from None
    if kind:
        raise AuthError(
            f"the sign-in file {shown} is {kind}: grunt-archive will not {doing} it; "
            "give --auth-file (GRUNT_ARCHIVE_AUTH_FILE) another path"
        )
    if why:
        raise AuthError(
            f"the sign-in file {shown} is not one grunt-archive wrote ({why}): it will not "
            f"{doing} it; remove it yourself, or give --auth-file another path"
        )
    return real


def _directory_for(real: Path, path: Path) -> None:
    """Make the default directory of the sign-in file when missing, and no other.

    Raises:
        AuthError: the directory of a sign-in file given elsewhere is missing, or the
            default one cannot be made.

    """
    directory = real.parent
    if directory.is_dir():
        return
    default = _real(_default_directory())
    if _real(directory) != default:
        raise AuthError(
            f"there is no directory {directory} for the sign-in file {path}: create it first "
            f"(grunt-archive makes only its own, {default})"
        )
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise AuthError(f"cannot make the directory {directory}: {error.strerror}") from None


def check_can_save(path: Path) -> None:
    """Refuse a sign-in file that a new sign-in could not replace, before signing in.

    Raises:
        AuthError: something else than a sign-in file of ours is there, or the
            directory of a sign-in file given elsewhere than the default is missing.

    """
    _directory_for(_ours_to_replace(path, "replace") or _real(path), path)


def save_session(path: Path, session: Session) -> None:
    """Write the sign-in atomically, readable and writable by its owner only (0600).

    The document goes to a temporary file created 0600 in the same directory,
    is flushed to disk, then renamed over the old file: a reader sees the old
    sign-in or the new one, never half of one, and never a moment of wider mode.
    Through a symbolic link, the file it names is replaced, and the link kept.

    Raises:
        AuthError: the file cannot be written, or what is there is no sign-in file
            of ours (see `check_can_save`).

    """
    with room_for(path, session) as save:
        save(session)


@contextlib.contextmanager
def room_for(path: Path, like: Session) -> Iterator[Callable[[Session], None]]:
    """Hold room on disk for a sign-in the size of ``like``; yield what saves one there.

    A renewal takes it before it spends the stored refresh token: Microsoft takes
    a refresh token once, and a new one that could not be saved (a full disk) lost
    the sign-in for good, where refusing before the renewal keeps the stored one.
    The saver writes as `save_session` says; unused, the room is given back.

    Raises:
        AuthError: the disk has no room, the file cannot be written, or what is
            there is no sign-in file of ours (see `check_can_save`).

    """
    real = _ours_to_replace(path, "replace") or _real(path)
    temporary = real.with_name(f".{real.name}.{secrets.token_hex(6)}.tmp")
    _directory_for(real, path)
    saved = False

    def refused(error: OSError) -> AuthError:
        return AuthError(f"cannot save the sign-in to {path}: {error.strerror}")

    try:
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise refused(error) from None
        try:
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(descriptor, 0o600)  # exactly 0600, whatever the umask did
                # Twice the size: a rotated refresh token may be longer than the one it replaces.
                _allocate(descriptor, 2 * len(_document_bytes(like)) + 4096)
            except OSError as error:
                raise refused(error) from None

            def save(session: Session) -> None:
                nonlocal saved
                data = _document_bytes(session)
                try:
                    os.pwrite(descriptor, data, 0)
                    os.ftruncate(descriptor, len(data))
                    os.fsync(descriptor)
                    os.replace(temporary, real)
                except OSError as error:
                    raise refused(error) from None
                saved = True
                _sync_directory(real.parent)

            yield save
        finally:
            os.close(descriptor)
    finally:
        if not saved:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _document_bytes(session: Session) -> bytes:
    return json.dumps(to_document(session), indent=2).encode()


def _allocate(descriptor: int, size: int) -> None:
    """Take ``size`` bytes of disk for the file (raises ``OSError`` ENOSPC on a full disk)."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(descriptor, 0, size)
    else:  # macOS: written out, which takes the blocks as well
        os.pwrite(descriptor, bytes(size), 0)


def _sync_directory(directory: Path) -> None:
    """Flush the rename to disk where the platform allows it (POSIX)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.asynccontextmanager
async def locked(path: Path, timeout: float | None = None) -> AsyncIterator[None]:
    """Hold the sign-in file's lock: an exclusive ``flock`` on ``.<name>.lock`` beside it.

    It is polled rather than waited for in a thread, so the event loop keeps
    serving the requests in flight while another process renews.

    Raises:
        AuthError: another process held the lock for ``timeout`` seconds
            (default `LOCK_TIMEOUT`).

    """
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    lock_path = path.with_name(f".{path.name}.lock")
    _directory_for(path, path)
    try:
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


def check_can_delete(path: Path) -> bool:
    """Say whether a sign-in file of ours is there to delete (False: nothing is).

    Raises:
        AuthError: something else is there, which `delete_session` would refuse.

    """
    return _ours_to_replace(path, "delete") is not None


def delete_session(path: Path) -> bool:
    """Delete the sign-in file (through a symbolic link, the file it names); say if there was one.

    Raises:
        AuthError: the file cannot be deleted, or it is no sign-in file of ours
            (a directory, a device, an archive, …), which is left as it is.

    """
    real = _ours_to_replace(path, "delete")
    if real is None:
        return False
    try:
        real.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise AuthError(f"cannot delete the sign-in file {path}: {error.strerror}") from None
    return True
