"""The sync run: which players, which matches, what happened.

`sync()` runs over one open `Store`: it resolves the players, retries
pending matches first, walks each player's history (`walk.HistoryWalk`),
stores every missing match in its own transaction, enriches it, takes career
snapshots for players whose history grew, and writes a `sync_runs` row saying
how it ended.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from typing import Any

from grunt_archive.api import (
    Document,
    HaloClient,
    LazyClearance,
    ProfileService,
    StatsService,
    responses,
)
from grunt_archive.api.stats import REFUSED_EVERYTHING
from grunt_archive.documents import MATCH_STATS, PROFILE_USERS, RawDocument
from grunt_archive.enrich import Enricher
from grunt_archive.errors import (
    ArchiveWriteError,
    AuthError,
    GruntArchiveError,
    HiddenMatchesError,
    MalformedResponseError,
    NotFoundError,
    ServiceUnavailableError,
    UsageError,
)
from grunt_archive.film_sync import FilmFetcher
from grunt_archive.guard import ServiceHealth
from grunt_archive.named_progress import NamedProgress
from grunt_archive.normalize.history import HistoryEntry
from grunt_archive.normalize.match import check_match_id
from grunt_archive.normalize.values import latest_start_time
from grunt_archive.players import parse_player, profile_user, xuid_of
from grunt_archive.progress import NoProgress, Progress
from grunt_archive.shared_matches import match_claim
from grunt_archive.snapshots import Snapshots
from grunt_archive.store import Store
from grunt_archive.store.claims import WorkClaims, claim_player, release_player
from grunt_archive.store.compact import compact, worth_compacting
from grunt_archive.store.lookups import save_gamertags
from grunt_archive.store.matches import archived_start_times, save_match
from grunt_archive.store.pending import given_up_ids
from grunt_archive.store.state import (
    NotTrackedError,
    finish_run,
    gamertags,
    mark_pending,
    pending_matches,
    player_label,
    player_names,
    release_archived,
    start_run,
    track_player,
    tracked_player_by_gamertag,
    tracked_player_ids,
    untrack_player,
)
from grunt_archive.store_thread import StoreThread
from grunt_archive.sync_report import SyncOptions, SyncReport
from grunt_archive.walk import HistoryWalk
from grunt_archive.wording import counted, quoted

# Matches fetched, stored and looked up at once, per request slot of the client: enough
# to keep every slot busy, and few enough that a stored match's lookups (names, skill)
# never queue behind the stats requests of whole pages, which would leave them all to
# the end of the run with half the slots idle.
MATCHES_PER_SLOT = 2


class _Run:
    """One sync run over one open store; the history walk's `walk.Launcher`."""

    def __init__(
        self, store: Store, client: HaloClient, options: SyncOptions, progress: Progress
    ) -> None:
        self.store = store
        # Matches, skill, films and snapshots are normalized and written on the store
        # thread, so the loop goes on reading the answers in flight (`store_thread`).
        self.writes = StoreThread()
        self.client = client
        self.stats = StatsService(client)
        stats = self.stats.name
        self.profile = ProfileService(client)
        self.options = options
        self.progress = progress
        self.added = 0
        self.run_id: int | None = None  # its `sync_runs` row, which counts what it stores
        self.launched = 0
        self.failures: list[dict[str, str]] = []
        # One match or page the service keeps failing on waits for the next run.
        self.stats_health = ServiceHealth(lambda: client.answers[stats])
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self.in_progress = asyncio.Semaphore(MATCHES_PER_SLOT * client.concurrency)
        self.background: set[asyncio.Task[Any]] = set()
        self.handled: set[str] = set()
        self.given_up: set[str] = set()  # by the user (`pending give-up`): no walk fetches them
        self.failed_players: list[str] = []
        self.hidden = False  # a player's matches were refused (403): `refused_everything`
        self.new_players: set[str] = set()  # tracked by this run
        self.renamed: list[dict[str, str | None]] = []  # gamertags typed that are no more
        self.careers_due: list[str] = []  # players whose snapshots the run's end takes
        self.played: list[str] = []  # players whose history grew this run
        clearance = LazyClearance(client)
        self.snapshots = Snapshots(store, client, clearance, writes=self.writes)
        # An asset's figures are taken when enrichment first names it (snapshots.py).
        latest = None if options.matches_only else self.snapshots.asset_if_due
        self.work = WorkClaims(store)
        self.enricher = Enricher(store, client, clearance=clearance, latest_asset=latest,
                                 work=self.work, writes=self.writes)  # fmt: skip
        self.films = FilmFetcher(store, client, self.work, self.writes)
        self.walk = HistoryWalk(self.stats, store, self, progress, options.limit)

    # --- players ---------------------------------------------------------

    async def resolve_players(self) -> list[str]:
        """Return the player ids to sync, tracking any that are new.

        A player the profile service answers unusably for (no xuid) is named
        in the run's failures and the others are synced; when none is left,
        the run stops with that one-line error and nothing is tracked.
        """
        if self.options.players:
            ids: list[str] = []
            errors: list[MalformedResponseError] = []
            for text in self.options.players:
                try:
                    ids.append(await self._resolve(text))
                except MalformedResponseError as error:
                    self.fail_player(text, str(error))
                    errors.append(error)
            if errors and not ids:
                raise errors[0]
        else:
            ids = tracked_player_ids(self.store)
            if not ids:
                me = profile_user(await self.profile.me(), "/users/me")
                ids = [self._track(*me)]
        return list(dict.fromkeys(ids))

    async def _resolve(self, text: str) -> str:
        ref = parse_player(text)
        if ref.player_id:
            return self._track(ref.player_id, None)
        try:
            answer = await self.profile.user_by_gamertag(ref.gamertag or "")
        except NotFoundError:
            # A tracked player who changed gamertag: their xuid is known, sync them by it.
            tracked = tracked_player_by_gamertag(self.store, ref.gamertag or "")
            if tracked is None:
                raise UsageError(
                    f"no Halo player has the gamertag {quoted(ref.gamertag)} (one who changed "
                    "gamertag is named by their new one, or by xuid)"
                ) from None
            return await self._renamed(text, tracked)
        return self._track(*profile_user(answer, f"the profile of {quoted(ref.gamertag)}"))

    async def _renamed(self, typed: str, player_id: str) -> str:
        """Take a tracked player's gamertag the service no longer knows as their xuid.

        Their new gamertag is looked up and stored at once, as the gamertag lookups store
        it (the answer kept raw), so the archive shows it now, not at the monthly refresh;
        the report says so, for the ``--player`` list to change.
        """
        self._track(player_id, None)
        xuids = [xuid_of(player_id) or ""]
        gamertag = None
        with suppress(NotFoundError, MalformedResponseError, ServiceUnavailableError):
            # If not now, the monthly refresh will tell; the sync goes on by xuid.
            document = await self.profile.users(xuids)
            raw = RawDocument.of(PROFILE_USERS, PROFILE_USERS.key_of(xuids), document)
            save_gamertags(self.store, raw, document.data, [player_id])
            stored = gamertags(self.store, [player_id]).get(player_id)
            gamertag = stored if stored and stored.casefold() != typed.casefold() else None
        self.renamed.append({"player": typed, "player_id": player_id, "gamertag": gamertag})
        return player_id

    def _track(self, player_id: str, gamertag: str | None) -> str:
        if track_player(self.store, player_id, gamertag):
            self.new_players.add(player_id)
        return player_id

    # --- matches (the walk's launcher) ------------------------------------

    async def retry_pending(self) -> None:
        """Try pending matches again before any walk; those other workers have are left to them."""
        release_archived(self.store)
        self.given_up = set(given_up_ids(self.store))
        tasks = [
            self.launch(HistoryEntry(mid, start, None), pid, retry=True)
            for mid, pid, start in pending_matches(self.store)
        ]
        await asyncio.gather(*tasks)

    def done(self, match_id: str) -> bool:
        """Say whether the match was handled this run, stored or not, or was given up on."""
        return match_id in self.handled or match_id in self.given_up

    def running(self, match_id: str) -> bool:
        """Say whether the match is being archived right now."""
        return match_id in self.in_flight

    def archived_times(self, match_ids: list[str]) -> dict[str, str]:
        """Return the archived start times of ``match_ids``, none ahead of the clock."""
        return archived_start_times(self.store, match_ids, latest_start_time())

    def launch(
        self, entry: HistoryEntry, player_id: str | None, retry: bool = False
    ) -> asyncio.Task[None]:
        """Start archiving a match (a pending one if ``retry``), or return the task doing it."""
        task = self.in_flight.get(entry.match_id)
        if task is None:
            self.launched += 1
            task = asyncio.create_task(self._archive_in_turn(entry, player_id, retry))
            self.in_flight[entry.match_id] = task
            self._keep(task)
        return task

    async def _archive_in_turn(self, entry: HistoryEntry, player: str | None, retry: bool) -> None:
        """Archive a match once it is among the matches in progress (`MATCHES_PER_SLOT`)."""
        mid = entry.match_id
        async with self.in_progress, match_claim(self.work, mid, pending=retry) as mine:
            if mine:
                await self._archive_match(entry, player, retry)
            else:  # another worker has it, or has stored it
                self._settle(mid)

    async def _archive_match(self, entry: HistoryEntry, player_id: str | None, retry: bool) -> None:
        since = self.stats_health.answers
        try:
            # Parsed with the rest of the match's work, on the store thread if there is one.
            document = await self.stats.match_stats(entry.match_id, parse=False)
            await self.writes.run(self._save, entry.match_id, document)
            # Names and skill of the match; failures there go pending, never to this except.
            await self.enricher.after_match(entry.match_id)
            if self.options.films:  # a failure goes pending too, a 404 marks the film gone
                await self.films.after_match(entry.match_id)
        except (NotFoundError, MalformedResponseError, ServiceUnavailableError) as error:
            mark_pending(self.store, entry.match_id, player_id, entry.start_time, str(error))
            self.failures.append({"match_id": entry.match_id, "error": str(error)})
            # A pending match failing again may be one the service always fails on: the walk
            # after the retries, not it, finds out whether the service is down.
            counts = isinstance(error, ServiceUnavailableError) and not retry
            if counts and self.stats_health.failed(since):
                raise
        finally:
            self._settle(entry.match_id)

    def _save(self, match_id: str, document: Document) -> None:
        data = responses.load(document.body, self.stats.name, document.path)
        check_match_id(match_id, data)
        raw = RawDocument.of(MATCH_STATS, MATCH_STATS.key_of(match_id), document)
        save_match(self.store, raw, data, self.run_id, film_wanted=self.options.films)
        self.added += 1  # counted where stored: a run cancelled meanwhile still reports it

    def _settle(self, match_id: str) -> None:
        self.handled.add(match_id)
        self.in_flight.pop(match_id, None)
        self.progress.advance()

    def _keep(self, task: asyncio.Task[Any]) -> None:
        """Remember a running task until it ends, so a failed run can cancel it."""
        self.background.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self.background.discard(task)
        if not task.cancelled():
            task.exception()  # marks it retrieved: the awaiting gather reports it

    async def stop(self) -> None:
        """Cancel every fetch still running after the run failed, and collect their errors."""
        running = list(self.background)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self.enricher.stop()

    def limit_reached(self) -> bool:
        """Say whether ``--limit`` matches were launched this run."""
        return self.walk.limit_reached()

    async def sync_player(self, player_id: str) -> None:
        """Walk one player's history; note whether their snapshots are due.

        A history the service answers unusably (a page that is not one, a
        service ignoring ``start``) or a page it keeps failing on while it
        answers other requests ends this player's walk with a failure naming
        them; the run goes on with the other players. A player another
        process untracked since the run began is left alone.
        """
        since = self.stats_health.answers
        try:
            newest_before = self.walk.newest_match(player_id)
            await self.walk.sync_player(player_id, full=self.options.full)
            newest_after = self.walk.newest_match(player_id)
        except NotTrackedError:
            return
        except ServiceUnavailableError as error:
            # A page the service keeps failing on while it answers the rest waits for the
            # next run; the others go on. A service that answered nothing is down.
            if not self.stats_health.answers or self.stats_health.failed(since):
                raise
            self.fail_player(player_id, str(error))
            return
        except (NotFoundError, MalformedResponseError, HiddenMatchesError) as error:
            reason = str(error)
            if isinstance(error, HiddenMatchesError):  # private: the token reads the others
                self.hidden = True
            elif isinstance(error, NotFoundError) and (
                player_id in self.new_players or newest_before is None
            ):
                # An xuid the service does not know (a typo) is not kept for every run after,
                # nor is one tracked by a run that stopped before it had archived any match.
                untrack_player(self.store, player_id)
                reason += f"; {player_id} is not tracked"
            self.fail_player(player_id, reason)
            return
        if newest_after != newest_before:
            self.played.append(player_id)
        if not self.options.matches_only and self.snapshots.due(
            player_id, newest_after != newest_before
        ):
            self.careers_due.append(player_id)

    def refused_everything(self) -> bool:
        """Say whether halostats refused players' matches (403) and answered nothing at all.

        One private player is theirs to choose; a token refused on every request is not.
        """
        return self.hidden and not self.client.answers[self.stats.name]

    def fail_player(self, player_id: str, error: str) -> None:
        """Record that a player could not be synced this run (the run ends partial)."""
        label = player_label(self.store, player_id)
        self.failures.append({"player_id": player_id, "player": label, "error": error})
        self.failed_players.append(player_id)


async def sync(
    store: Store,
    client: HaloClient,
    options: SyncOptions | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Archive every missing match of the chosen players.

    Returns:
        The run's report, also written to ``sync_runs``; its ``outcome`` is
        ``"partial"`` when some matches stay pending for the next run.

    Raises:
        GruntArchiveError: the run stopped (sign-in, service, archive errors);
            everything stored before the error stays stored.

    """
    options = options or SyncOptions()
    began = time.monotonic()
    run = _Run(store, client, options, NamedProgress(progress or NoProgress(), store))
    report = SyncReport(start_run(store, list(options.players)))
    run.run_id = report.run_id
    try:
        report.players = await run.resolve_players()
        await run.retry_pending()
        await run.enricher.catch_up()
        if options.films:
            await run.films.catch_up()
        for player_id in report.players:
            if run.limit_reached():
                break
            await _claimed(run, report, player_id)
        if run.refused_everything():
            raise AuthError(REFUSED_EVERYTHING, 403)
        if options.films_backfill and options.films and not run.limit_reached():
            await run.films.backfill()
        run.progress.note("Looking up the names and skill of the new matches…")
        report.enrichment_pending = await run.enricher.finish(run.played)
        if not options.matches_only:
            # Once every match and skill result is stored: a player's CSR playlists and
            # current season come from them, whatever the order the lookups landed in.
            run.progress.note("Taking the career snapshots…")
            for player_id in run.careers_due:
                await run.snapshots.player(player_id)
            await run.snapshots.assets()
            report.enrichment_pending = await run.enricher.after_snapshots()
            report.enrichment_pending += run.snapshots.failed
    except (GruntArchiveError, asyncio.CancelledError, KeyboardInterrupt) as error:
        # A write refused (a full disk, a read-only file, a lock) rolled back the match
        # being written: stop cleanly with what is stored.
        await run.stop()
        run.writes.close()
        if isinstance(error, GruntArchiveError):
            reason = error.reason if isinstance(error, ArchiveWriteError) else str(error)
            _finish_failed(run, report, began, reason or type(error).__name__)
        else:  # Ctrl-C, or the task cancelled: nothing failed, the run was stopped
            saved = f"{counted(run.added, 'new match')} saved; the next sync resumes"
            _finish_failed(run, report, began, f"interrupted: {saved}", "interrupted")
            error.add_note(saved)
        raise
    finally:
        run.writes.close()  # any store thread has finished its last unit before the run's row
    _finish(run, report, began, "ok", None)
    report.gamertags = player_names(store, report.players)
    if worth_compacting(store, report.matches_added):
        run.progress.note("Compacting the archive…")
        report.compacted = compact(store)
    return report


async def _claimed(run: _Run, report: SyncReport, player_id: str) -> None:
    """Sync a player under this worker's claim, or name them as another worker's."""
    if not claim_player(run.store, player_id):
        report.claimed_elsewhere.append(player_label(run.store, player_id))
        return
    try:
        await run.sync_player(player_id)
    finally:
        with suppress(GruntArchiveError):  # a lost connection has dropped the claim already
            release_player(run.store, player_id)


def _finish_failed(
    run: _Run, report: SyncReport, began: float, error: str, outcome: str = "failed"
) -> None:
    """Record a failed run if the archive still takes writes; never mask the first error."""
    with suppress(ArchiveWriteError):
        _finish(run, report, began, outcome, error)


def _finish(run: _Run, report: SyncReport, began: float, outcome: str, error: str | None) -> None:
    report.matches_added = run.added
    report.requests = run.client.request_count
    report.rates = run.client.limits.rates()
    report.failures = run.failures
    report.films = run.films.summary()
    report.seconds = time.monotonic() - began
    report.pending = [match_id for match_id, _, _ in pending_matches(run.store)]
    report.given_up = sorted(run.given_up)
    report.failed_players = run.failed_players
    report.renamed = run.renamed
    if outcome == "ok" and report.players and len(report.claimed_elsewhere) == len(report.players):
        outcome = "claimed"  # every player asked for was another worker's: nothing done
    elif outcome == "ok" and (report.pending or report.failed_players):
        outcome = "partial"
    report.outcome = outcome
    finish_run(
        run.store,
        report.run_id,
        outcome=outcome,
        requests=report.requests,
        matches_added=report.matches_added,
        pending=len(report.pending),
        failures=report.failures,
        error=error,
    )
