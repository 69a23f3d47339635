"""Every error grunt-archive raises on purpose, and the exit code each one means.

The tree::

    GruntArchiveError                 exit 1   anything else we saw coming
    ├── UsageError                    exit 2   a bad flag, a malformed player id
    ├── PartialSyncError              exit 3   some matches archived, others left pending
    ├── AuthError                     exit 4   no token, or the service refused it
    ├── AlreadyRunningError           exit 5   another sync (or copy) holds this archive
    ├── ArchiveError                  exit 6   the database file cannot be used
    │   ├── NotAnArchiveError                  a SQLite file some other program made
    │   ├── ArchiveTooNewError                 written by a newer grunt-archive
    │   └── ArchiveWriteError                  a write refused: full disk, read-only, locked
    └── ApiError                      exit 7   the Halo services failed us
        ├── ServiceUnavailableError            retries ran out (429, 5xx, network)
        ├── NotFoundError                      404 that outlasted its retries
        ├── HiddenMatchesError                 403 on one player's matches: their privacy
        └── MalformedResponseError             a body that is not the JSON we expect
            └── FilmReadError                      a film chunk we cannot read
                ├── UnknownFilmVersionError        a film version whose layout we do not know
                └── MalformedFilmError             a truncated chunk, or not a highlight chunk

The CLI catches only `GruntArchiveError`, prints its message on one line and
exits with its `exit_code`. Messages never contain tokens. A file given to
`film read` that cannot be read is the user's input, not the service's answer:
that command reports a `FilmReadError` as a `UsageError` (exit 2).
"""

from __future__ import annotations


class GruntArchiveError(Exception):
    """Base class of every error grunt-archive raises on purpose."""

    exit_code = 1


class UsageError(GruntArchiveError):
    """The command line or a setting is wrong."""

    exit_code = 2


class PartialSyncError(GruntArchiveError):
    """A sync archived what it could but left some matches pending."""

    exit_code = 3

    def __init__(self, message: str, pending: list[str] | None = None) -> None:
        super().__init__(message)
        self.pending = pending or []


class AuthError(GruntArchiveError):
    """There is no usable Spartan token, or the service rejected it.

    Attributes:
        status: the HTTP status of the refusal (401, 403, …), when there was one.

    """

    exit_code = 4

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AlreadyRunningError(GruntArchiveError):
    """Another command is writing to the same archive (on PostgreSQL: another copy into it)."""

    exit_code = 5


class ArchiveError(GruntArchiveError):
    """The archive file is missing, unreadable, locked or not writable."""

    exit_code = 6


class NotAnArchiveError(ArchiveError):
    """The file is a database, but not one grunt-archive made."""


class ArchiveTooNewError(ArchiveError):
    """The archive was upgraded by a newer grunt-archive than this one."""


class ArchiveWriteError(ArchiveError):
    """The database refused a write or a read: the disk is full, the file read-only or locked."""

    def __init__(self, reason: str) -> None:
        # SQLite's words when another program (a database browser with changes not yet
        # written, say) held its write lock past the wait: say who to look for.
        hint = " (another program is writing to it)" if reason == "database is locked" else ""
        super().__init__(f"cannot write to the archive: {reason}{hint}")
        self.reason = reason


class ApiError(GruntArchiveError):
    """A Halo service answered with something we could not use."""

    exit_code = 7

    def __init__(self, message: str, status: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class ServiceUnavailableError(ApiError):
    """Retries ran out on 408, 429, 5xx or network errors."""


class NotFoundError(ApiError):
    """The service answered 404 (after any retries the endpoint deserves)."""


class HiddenMatchesError(ApiError):
    """The service refused one player's match history or count (403): their privacy settings.

    A refused token is a 401 (halo-api.md §5); a 403 on the matches of one player, while
    the same token reads everyone else's, is that player's choice, so a sync fails that
    player alone (exit 3), and only a run whose every request was refused stops as a
    sign-in failure (`AuthError`, exit 4).
    """


class MalformedResponseError(ApiError):
    """The body was not JSON, or not the shape the endpoint promises."""


class FilmReadError(MalformedResponseError):
    """A film's highlight chunk could not be read into events."""


class UnknownFilmVersionError(FilmReadError):
    """The film's major version has no layout in this grunt-archive (a newer one may read it)."""

    def __init__(self, version: int | None, known: list[int], detail: str = "") -> None:
        listed = ", ".join(str(v) for v in known)
        # None: nothing gave the version, and the chunk showed no layout either.
        film = f"film version {version}" if version is not None else "a film of no given version"
        super().__init__(
            f"{film} has a layout this grunt-archive does not know "
            f"(it reads versions {listed}){f', {detail}' if detail else ''}"
        )
        self.version = version


class MalformedFilmError(FilmReadError):
    """The chunk is truncated, is not zlib data, or is not a highlight-events chunk."""
