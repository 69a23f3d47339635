"""The library entry points the CLI calls: each opens the archive, does one job, closes it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import httpx

from grunt_archive.api import HaloClient, RetryPolicy, Tokens
from grunt_archive.api.client import TokenSource
from grunt_archive.db import archive, current_revision, head_revision, upgrade_archive
from grunt_archive.errors import AuthError, UsageError
from grunt_archive.location import Location, archive_name, is_server
from grunt_archive.lock import writer_lock
from grunt_archive.reparse import reparse
from grunt_archive.sync import Progress, SyncOptions, SyncReport, sync
from grunt_archive.verify import PlayerCheck, verify


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to reach the Halo services.

    Attributes:
        tokens: bring-your-own tokens; None when none were given.
        api_base: send every request to this base URL (the simulator).
        rps: requests per second across all services.
        concurrency: requests in flight at most.
        retry: retry policy; None for the defaults.
        transport: an httpx transport, for tests running the simulator in-process.
        timeout: seconds to wait for a response before retrying.
        auth_file: the sign-in file used when no token is given (None: the default).

    """

    tokens: Tokens | None = None
    api_base: str | None = None
    rps: float | None = 5.0
    concurrency: int = 4
    retry: RetryPolicy | None = None
    transport: httpx.AsyncBaseTransport | None = None
    timeout: float = 30.0
    auth_file: Path | None = None

    def client(self) -> HaloClient:
        """Return a client with the given tokens, else the stored sign-in, or say how to get one."""
        tokens: Tokens | TokenSource | None = self.tokens
        if tokens is None:
            from grunt_archive.auth import StoredTokens, default_auth_path, load_session

            path = self.auth_file or default_auth_path()
            session = load_session(path)
            if session is not None:
                tokens = StoredTokens(
                    path, session, api_base=self.api_base, transport=self.transport
                )
        if tokens is None:
            raise AuthError(
                "no Spartan token: set GRUNT_ARCHIVE_SPARTAN_TOKEN (or --spartan-token), "
                "or sign in with `grunt-archive auth login`"
            )
        return HaloClient(
            tokens,
            api_base=self.api_base,
            rps=self.rps,
            concurrency=self.concurrency,
            retry=self.retry,
            transport=self.transport,
            timeout=self.timeout,
        )


def _writes_sqlite_only(location: Location, command: str) -> None:
    """Refuse, in one line, a command whose writes speak only SQLite's SQL so far."""
    if is_server(location):
        raise UsageError(
            f"{command} does not write to PostgreSQL archives yet; on {archive_name(location)}"
            " use `db upgrade`, `db current` or `query`"
        )


def run_sync(
    db_path: Location,
    settings: ClientSettings,
    options: SyncOptions | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the archive at ``db_path`` (created and migrated as needed)."""

    async def go() -> SyncReport:
        async with settings.client() as client:
            return await sync(engine, client, options, progress)

    _writes_sqlite_only(db_path, "sync")
    with writer_lock(db_path), archive(db_path) as engine:
        return asyncio.run(go())


def run_verify(
    db_path: Location, settings: ClientSettings, players: tuple[str, ...] = ()
) -> list[PlayerCheck]:
    """Compare the archive with the service's match counts; mark what is missing pending."""

    async def go() -> list[PlayerCheck]:
        async with settings.client() as client:
            return await verify(engine, client, players)

    _writes_sqlite_only(db_path, "verify")
    with writer_lock(db_path), archive(db_path, create=False) as engine:
        return asyncio.run(go())


def run_reparse(db_path: Location) -> tuple[int, list[str]]:
    """Rebuild the normalized tables of an existing archive from its raw responses."""
    _writes_sqlite_only(db_path, "reparse")
    with writer_lock(db_path), archive(db_path, create=False) as engine:
        return reparse(engine)


def run_upgrade(db_path: Location) -> tuple[str | None, str | None]:
    """Apply pending migrations; return the revisions before and after."""
    with writer_lock(db_path), archive(db_path, upgrade=False) as engine:
        before = current_revision(engine)
        upgrade_archive(engine)
        return before, current_revision(engine)


def archive_revision(db_path: Location) -> tuple[str | None, str | None]:
    """Return the archive's revision and the newest one this program knows."""
    with archive(db_path, upgrade=False, create=False) as engine:
        return current_revision(engine), head_revision()
