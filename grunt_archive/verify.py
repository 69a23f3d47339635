"""`grunt-archive verify`: compare the archive with the service's own match counts.

For each player and lifecycle (matchmade, custom, local) the service says how
many matches the player has (``/hi/players/{p}/matches/count``). Where the
archive holds fewer, the player's history of that lifecycle is walked to name
the missing matches, and they are marked pending so the next sync fetches
them first. A match the user gave up on (``pending give-up``) counts as
pending, never as missing: it is listed apart and stays given up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grunt_archive.agreement import RecordCheck, check_service_record
from grunt_archive.api import HaloClient, StatsService
from grunt_archive.api.stats import PAGE_SIZE, REFUSED_EVERYTHING
from grunt_archive.errors import (
    AuthError,
    HiddenMatchesError,
    MalformedResponseError,
    NotFoundError,
    UsageError,
)
from grunt_archive.normalize import history_entries
from grunt_archive.store import Store
from grunt_archive.store.matches import archived_match_ids
from grunt_archive.store.pending import given_up_ids
from grunt_archive.store.state import (
    archived_counts,
    archived_player_id,
    gamertags,
    mark_pending,
    pending_matches,
    tracked_player_ids,
)
from grunt_archive.times import now_utc
from grunt_archive.walk import STALE_PAGES
from grunt_archive.wording import quoted

# Lifecycle name → (LifecycleMode, the count document's field, the history `type`).
LIFECYCLES = {
    "matchmade": (3, "MatchmadeMatchesPlayedCount", "matchmaking"),
    "custom": (1, "CustomMatchesPlayedCount", "custom"),
    "local": (7, "LocalMatchesPlayedCount", "local"),
}


@dataclass(slots=True)
class LifecycleCheck:
    """One lifecycle of one player: what the service counts and what the archive holds."""

    lifecycle: str
    service: int
    archived: int
    pending: int
    # Pending matches the user gave up on (`pending give-up`): not in ``pending``.
    given_up: int = 0

    @property
    def missing(self) -> int:
        """Matches the service counts that are neither archived, pending nor given up on."""
        return max(0, self.service - self.archived - self.pending - self.given_up)


@dataclass(slots=True)
class PlayerCheck:
    """The verification of one player."""

    player_id: str
    lifecycles: list[LifecycleCheck] = field(default_factory=list)
    missing_match_ids: list[str] = field(default_factory=list)
    # None when no matchmade service record of the player is stored yet.
    service_record: RecordCheck | None = None
    # None when the archive has no gamertag of the player yet.
    gamertag: str | None = None
    # The player's pending matches the user gave up on (no sync fetches them).
    given_up_match_ids: list[str] = field(default_factory=list)
    # Why the service's counts or history of the player could not be read (an account
    # gone, a private history); None when the player was checked.
    error: str | None = None

    @property
    def label(self) -> str:
        """Return how a person knows the player: the gamertag, else the id."""
        return self.gamertag or self.player_id

    @property
    def complete(self) -> bool:
        """True when every match the service counts is archived or pending."""
        return (
            self.error is None
            and not self.missing_match_ids
            and all(c.missing == 0 for c in self.lifecycles)
        )

    def to_json(self) -> dict[str, object]:
        """Return the check as a JSON-ready dict."""
        return {
            "player_id": self.player_id,
            "gamertag": self.gamertag,
            "complete": self.complete,
            "error": self.error,
            "lifecycles": [
                {
                    "lifecycle": c.lifecycle,
                    "service": c.service,
                    "archived": c.archived,
                    "pending": c.pending,
                    "given_up": c.given_up,
                    "missing": c.missing,
                }
                for c in self.lifecycles
            ],
            "missing_match_ids": self.missing_match_ids,
            "given_up_match_ids": self.given_up_match_ids,
            "service_record_check": self.service_record.to_json() if self.service_record else None,
        }


def _player_ids(store: Store, texts: tuple[str, ...]) -> list[str]:
    tracked = tracked_player_ids(store)
    if not texts:
        return tracked
    ids = []
    for text in texts:
        # Any archived player too, to say they are not tracked.
        player_id = archived_player_id(store, text)
        # Only a tracked player's whole history is archived: another's count means nothing.
        if player_id not in tracked:
            raise UsageError(f"{quoted(text)} is not a tracked player of this archive")
        ids.append(player_id)
    return ids


def service_counts(player_id: str, document: Any) -> dict[str, int]:
    """Return the matches the service counts for a player, by lifecycle, from ``/matches/count``.

    A count missing or not a whole number is refused rather than read as 0,
    which would call an archive complete that lacks every match of it.

    Raises:
        MalformedResponseError: the document is not an object of the three counts.

    """
    if not isinstance(document, dict):
        raise MalformedResponseError(f"match count of {player_id} is not a JSON object")
    counts = {}
    for name, (_, field_name, _) in LIFECYCLES.items():
        value = document.get(field_name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MalformedResponseError(
                f"match count of {player_id} has no usable {field_name}: {value!r:.40}"
            )
        counts[name] = value
    return counts


async def verify(
    store: Store, client: HaloClient, players: tuple[str, ...] = ()
) -> list[PlayerCheck]:
    """Check each player's archive against the service's counts, naming what is missing.

    Missing matches are marked pending, so the next sync fetches them first.
    """
    stats = StatsService(client)
    checks = []
    player_ids = _player_ids(store, players)
    if not player_ids:
        raise UsageError("no tracked players yet: run `grunt-archive sync` first")
    hidden = False
    for player_id in player_ids:
        check = PlayerCheck(player_id, gamertag=gamertags(store, [player_id]).get(player_id))
        try:
            await _check(store, stats, check)
        except (NotFoundError, HiddenMatchesError) as error:
            # One player's account gone or history private: the others are still checked.
            hidden |= isinstance(error, HiddenMatchesError)
            check.error = str(error)
        checks.append(check)
    if hidden and not client.answers[stats.name]:
        raise AuthError(REFUSED_EVERYTHING, 403)
    return checks


async def _check(store: Store, stats: StatsService, check: PlayerCheck) -> None:
    """Fill ``check`` in: the service's counts against the archive's, and what is missing."""
    player_id = check.player_id
    counts = service_counts(player_id, (await stats.match_count(player_id)).data)
    archived, pending_total = archived_counts(store, player_id)
    check.given_up_match_ids = given_up_ids(store, player_id)
    given_up_total = len(check.given_up_match_ids)
    pending_total -= given_up_total  # counted apart
    for name, (mode, _, _) in LIFECYCLES.items():
        service = counts[name]
        gap = max(0, service - archived.get(mode, 0))
        # Pending matches are not split by lifecycle; count them against the first gap.
        share = min(pending_total, gap)
        gave = min(given_up_total, gap - share)
        pending_total -= share
        given_up_total -= gave
        check.lifecycles.append(LifecycleCheck(name, service, archived.get(mode, 0), share, gave))
    shared_pending = shared_given_up = 0
    # Pending and given-up matches carry no lifecycle, so the split above is a guess: once
    # any lifecycle is short of the service, walk every lifecycle the archive is short in
    # and count what each one's history lists (a custom match pending or given up must not
    # stand in for a matchmade match lost, which would then never be looked for).
    if any(lifecycle.missing for lifecycle in check.lifecycles):
        for lifecycle in check.lifecycles:
            gap = lifecycle.service - lifecycle.archived
            if gap <= 0:
                continue
            walk = await _find_missing(store, stats, player_id, LIFECYCLES[lifecycle.lifecycle][2])
            check.missing_match_ids += walk.missing
            lifecycle.pending = min(walk.pending + walk.elsewhere, gap)
            lifecycle.given_up = min(
                walk.given_up + len(walk.given_up_elsewhere), gap - lifecycle.pending
            )
            # A match shared with another tracked player may be pending under them, or
            # given up on under them: given up for this player too, never fetched.
            check.given_up_match_ids += walk.given_up_elsewhere
            shared_pending += walk.elsewhere
            shared_given_up += len(walk.given_up_elsewhere)
    # After the walk, so that the matches it found count among the pending.
    check.service_record = check_service_record(
        store, player_id, now_utc(), shared_pending, shared_given_up
    )


@dataclass(slots=True)
class _Walk:
    """What a walk of one lifecycle's history found unarchived."""

    # Newly marked pending: missing until this walk.
    missing: list[str] = field(default_factory=list)
    # Pending (given up on) under this player already.
    pending: int = 0
    given_up: int = 0
    # Pending (given up on) under another player: a match they share.
    elsewhere: int = 0
    given_up_elsewhere: list[str] = field(default_factory=list)


async def _find_missing(
    store: Store, stats: StatsService, player_id: str, match_type: str
) -> _Walk:
    """Walk a player's history of one lifecycle and mark every unarchived match pending.

    Returns:
        The matches newly marked pending, and how many of the history's other
        unarchived matches were pending or given up on already, under this
        player or another (a match they share).

    """
    found = _Walk()
    # Given-up matches too: they are accounted for, and stay given up.
    owners = {match_id: owner for match_id, owner, _ in pending_matches(store, given_up=True)}
    given_up = set(given_up_ids(store))
    counted: set[str] = set()
    start, seen, stale = 0, set[str](), 0
    while True:
        page = history_entries(
            (await stats.match_history(player_id, start, PAGE_SIZE, match_type)).data
        )
        # Only an empty page ends a history (a short one may not); a service ignoring
        # ``start`` repeats a page forever, so pages listing nothing new end the walk too.
        listed = {entry.match_id for entry in page}
        stale = stale + 1 if listed and listed <= seen else 0
        seen |= listed
        if stale >= STALE_PAGES:
            raise MalformedResponseError(
                f"history of {player_id}: {stale} pages in a row from start={start}"
                " list no new match (the service ignores start); verify stopped"
            )
        held = archived_match_ids(store, [e.match_id for e in page])
        for entry in page:
            match_id = entry.match_id
            if match_id in held or match_id in counted:
                continue
            counted.add(match_id)
            if match_id not in owners:
                mark_pending(
                    store, match_id, player_id, entry.start_time, "missing (found by verify)"
                )
                found.missing.append(match_id)
            elif owners[match_id] == player_id:
                if match_id in given_up:
                    found.given_up += 1
                else:
                    found.pending += 1
            elif match_id in given_up:
                found.given_up_elsewhere.append(match_id)
            else:
                found.elsewhere += 1
        if not page:
            return found
        start += len(page)
