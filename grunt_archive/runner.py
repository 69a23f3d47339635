"""The library entry points the CLI calls: each opens the archive, does one job, closes it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from grunt_archive.api import HaloClient, RetryPolicy, Tokens
from grunt_archive.api.client import TokenSource
from grunt_archive.db import (
    archive,
    archive_store,
    check_archive,
    current_revision,
    head_revision,
    upgrade_archive,
)
from grunt_archive.errors import ArchiveError, AuthError, UsageError
from grunt_archive.files import discard_if_unused, lock_path
from grunt_archive.location import Location, is_server
from grunt_archive.lock import already_writing, writer_busy, writer_lock
from grunt_archive.players import parse_player
from grunt_archive.progress import Notes
from grunt_archive.store.state import (
    archived_player_id,
    pending_matches,
    player_label,
    tracked_player_by_gamertag,
    untrack_player,
)
from grunt_archive.sync import Progress, SyncOptions, SyncReport, sync
from grunt_archive.upgrading import Notify, on_stderr
from grunt_archive.verify import PlayerCheck, verify
from grunt_archive.wording import quoted

if TYPE_CHECKING:  # the copy's modules load only when a copy runs
    from grunt_archive.store.copy import CopyReport
    from grunt_archive.store.copy import Progress as CopyProgress
    from grunt_archive.store.pending import PendingLookup, PendingMatchRow
    from grunt_archive.store.status import ArchiveStatus


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to reach the Halo services.

    Attributes:
        tokens: bring-your-own tokens; None when none were given.
        api_base: send every request to this base URL (the simulator).
        rps: requests per second to each host (a 429 slows that host below it).
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

    def client(self, tokens: Tokens | TokenSource | None = None) -> HaloClient:
        """Return a client with ``tokens``, else the given tokens, else the stored sign-in.

        Raises:
            AuthError: there is no token and no stored sign-in.

        """
        return HaloClient(
            tokens or self.token_source(),
            api_base=self.api_base,
            rps=self.rps,
            concurrency=self.concurrency,
            retry=self.retry,
            transport=self.transport,
            timeout=self.timeout,
        )

    def token_source(self) -> Tokens | TokenSource:
        """Return the given tokens, else the stored sign-in, or say how to get one.

        Raises:
            AuthError: there is no token and no stored sign-in.

        """
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
        return tokens


@contextmanager
def _writing(db_path: Location, *, create: bool = True) -> Iterator[None]:
    """Hold the archive's writer lock, once the file is known to be ours (or new).

    The file is checked first, so a foreign file never gets a lock file beside it.
    """
    try:
        check_archive(db_path, create=create)
    except ArchiveError:
        # The file may be unreadable only because the writer holding it is creating it.
        if writer_busy(db_path):
            raise already_writing(db_path) from None
        raise
    with writer_lock(db_path):
        yield


def run_sync(
    db_path: Location,
    settings: ClientSettings,
    options: SyncOptions | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the archive at ``db_path`` (created and migrated as needed).

    Tokens are found before the archive is touched; an archive this run
    created is removed again when the run fails on usage or sign-in before
    storing anything.
    """
    tokens = settings.token_source()
    saved: list[str] = []  # what a stopped run saved: its note, for the Ctrl-C asyncio raises

    async def go() -> SyncReport:
        async with settings.client(tokens) as client:
            try:
                return await sync(store, client, options, progress)
            except (asyncio.CancelledError, KeyboardInterrupt) as stopped:
                saved.extend(getattr(stopped, "__notes__", ()))
                raise

    with _writing(db_path):
        # A PostgreSQL database is the operator's: never created, never removed here.
        created = not is_server(db_path) and not Path(db_path).exists()
        try:
            with archive_store(db_path, notify=_notes(progress)) as store:
                try:
                    return asyncio.run(go())
                except KeyboardInterrupt as interrupt:
                    # Not the archive's newest run: on PostgreSQL it may be another worker's.
                    for note in saved:
                        if note not in getattr(interrupt, "__notes__", ()):
                            interrupt.add_note(note)
                    raise
        except (AuthError, UsageError):
            if created:
                discard_if_unused(Path(db_path))
            raise


def _notes(progress: Notes | None) -> Notify | None:
    """Return how a run with ``progress`` says what a long upgrade does: its display's note."""
    return None if progress is None else progress.note  # no display (--quiet, --json): silent


def run_verify(
    db_path: Location, settings: ClientSettings, players: tuple[str, ...] = ()
) -> list[PlayerCheck]:
    """Compare the archive with the service's match counts; mark what is missing pending."""
    tokens = settings.token_source()

    async def go() -> list[PlayerCheck]:
        async with settings.client(tokens) as client:
            return await verify(store, client, players)

    opened = archive_store(db_path, create=False, notify=on_stderr)
    with _writing(db_path, create=False), opened as store:
        return asyncio.run(go())


def run_untrack(db_path: Location, player: str) -> str:
    """Stop tracking a player (an xuid, or a tracked player's gamertag, any case).

    Returns:
        The player as a person knows them: ``Gamertag (xuid(…))``, or the id alone.

    Raises:
        UsageError: the text names no player the archive tracks.

    """
    ref = parse_player(player)
    opened = archive_store(db_path, create=False, notify=on_stderr)
    with _writing(db_path, create=False), opened as store:
        player_id = ref.player_id or tracked_player_by_gamertag(store, ref.gamertag or "")
        if player_id is None or not untrack_player(store, player_id):
            raise UsageError(f"{quoted(player)} is not a tracked player of this archive")
        return player_label(store, player_id)


def run_reparse(
    db_path: Location, progress: Progress | None = None
) -> tuple[int, list[str], list[str]]:
    """Rebuild the normalized tables of an existing archive from its raw responses."""
    from grunt_archive.reparse import reparse

    opened = archive_store(db_path, create=False, notify=_notes(progress))
    with _writing(db_path, create=False), opened as store:
        return reparse(store, progress)


def run_copy(
    source: Location,
    destination: Location,
    players: tuple[str, ...] = (),
    progress: CopyProgress | None = None,
) -> CopyReport:
    """Copy ``source`` (or ``players``' slice) into ``destination``, holding its writer lock.

    A sync writing to the destination at the same time would find it locked midway.
    A PostgreSQL destination has no writer lock (syncs write it side by side): a copy
    holds a lock of its own there, so that no two copies overlap (exit 5, nothing
    written: `store.unfinished.hold_writing`).

    A copy refused before it made the destination (a player the source lacks, a
    source it cannot read) takes the lock file it made away again: it leaves nothing.
    """
    from grunt_archive.store.copy import copy_archive

    with _writing(destination):
        new = not is_server(destination) and not Path(destination).exists()
        try:
            return copy_archive(source, destination, players, progress, _notes(progress))
        finally:
            if new and not Path(destination).exists():
                lock_path(Path(destination)).unlink(missing_ok=True)


def run_upgrade(db_path: Location, notify: Notify | None = None) -> tuple[str | None, str | None]:
    """Apply pending migrations (``notify`` hears of long ones); return revisions before, after."""
    with _writing(db_path), archive(db_path, upgrade=False) as engine:
        before = current_revision(engine)
        upgrade_archive(engine, notify=notify)
        return before, current_revision(engine)


def archive_revision(db_path: Location) -> tuple[str | None, str | None]:
    """Return the archive's revision and the newest one this program knows."""
    with archive(db_path, upgrade=False, create=False) as engine:
        return current_revision(engine), head_revision()


def run_pending_list(
    db_path: Location, players: tuple[str, ...] = ()
) -> tuple[list[PendingMatchRow], list[PendingLookup]]:
    """Return the archive's pending matches and lookups (``players``' only, if given), read-only.

    Raises:
        ArchiveError: no archive there, or one older than this program (run ``db upgrade``).
        UsageError: a gamertag names no archived player.

    """
    from grunt_archive.store.pending import listing

    with archive_store(db_path, upgrade=False, create=False) as store:
        return listing(store, [archived_player_id(store, text) for text in players])


def run_status(db_path: Location) -> ArchiveStatus:
    """Return what the archive holds and how its last sync went, read-only.

    Raises:
        ArchiveError: no archive there, or one older than this program (run ``db upgrade``).

    """
    from grunt_archive.store.status import archive_status

    with archive_store(db_path, upgrade=False, create=False) as store:
        found = archive_status(store)
    run = found.last_run
    if run is not None and run.outcome == "running" and run.alive is None:
        # SQLite: the run's process holds the writer lock for as long as it lives.
        found.last_run = replace(run, alive=writer_busy(db_path))
    # And only the latest run can: each run marks those before it interrupted as it begins.
    found.other_runs = [
        replace(other, alive=False) if other.alive is None else other for other in found.other_runs
    ]
    return found


def run_kept_chunk(db_path: Location, match_id: str) -> tuple[int, bytes]:
    """Return the film version and highlight chunk the archive keeps of a match, read-only.

    Raises:
        ArchiveError: no archive there, or one older than this program (run ``db upgrade``).
        UsageError: not a match id, or the archive keeps no chunk of that match's film
            (the message says why: not archived, expired, unfetched).

    """
    from grunt_archive.normalize.films import GONE
    from grunt_archive.normalize.match import GUID
    from grunt_archive.store.films import kept_film

    if not GUID.match(match_id):
        raise UsageError(f"{quoted(match_id)} is not a match id (a GUID such as 3e7a5aa7-7dff-…)")
    with archive_store(db_path, upgrade=False, create=False) as store:
        film = kept_film(store, match_id)
    if film.chunk is not None and film.version is not None:
        return film.version, film.chunk
    if not film.archived:
        raise UsageError(f"match {film.match_id} is not in this archive")
    if film.status == GONE:
        raise UsageError(f"match {film.match_id}'s film had expired when it was asked for")
    raise UsageError(
        f"match {film.match_id}'s film is not kept yet (a sync without --no-films fetches it)"
    )


def run_pending_mark(db_path: Location, match_ids: tuple[str, ...], reason: str | None,
                     *, give_up: bool) -> list[str]:  # fmt: skip
    """Give up on pending matches (``give_up``), or undo it; all of them or none.

    Returns:
        The pending matches' ids as stored (a GUID given in another case is found).

    Raises:
        UsageError: an id is not a match id, or names no pending match (nothing changed).

    """
    from grunt_archive.normalize.match import GUID
    from grunt_archive.store.pending import give_up as give_up_on
    from grunt_archive.store.pending import retry

    opened = archive_store(db_path, create=False, notify=on_stderr)
    with _writing(db_path, create=False), opened as store:
        pending = {mid for mid, _, _ in pending_matches(store, given_up=True)}
        by_case = {mid.lower(): mid for mid in pending}  # a GUID typed in capitals
        ids = []
        for text in match_ids:
            found = text if text in pending else by_case.get(text.lower())
            if found is not None:
                ids.append(found)
            elif GUID.match(text):
                raise UsageError(f"match {text} is not pending in this archive; nothing changed")
            else:
                raise UsageError(f"{quoted(text)} is not a match id (a GUID); nothing changed")
        unknown = give_up_on(store, ids, reason) if give_up else retry(store, ids)
        if unknown:  # released meanwhile (a sync of another archive cannot: the lock)
            raise UsageError(f"match {unknown[0]} is not pending in this archive; nothing changed")
        return ids
