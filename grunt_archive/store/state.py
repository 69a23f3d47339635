"""The archive's own bookkeeping: tracked players, pending matches, sync runs.

No document holds these rows (``documents.ARCHIVE_STATE``), so ``reparse``
leaves them alone. Each function is one unit of work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grunt_archive.documents import MATCH_STATS
from grunt_archive.store import claims, player_tables
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.writer import IGNORE, execute, is_postgresql, merge, query, write_rows
from grunt_archive.times import now_utc
from grunt_archive.wording import quoted

if TYPE_CHECKING:
    from grunt_archive.players import PlayerRef

# --- tracked players ---------------------------------------------------------


@dataclass(slots=True)
class TrackedState:
    """How far a tracked player's archive reaches (see ``models.TrackedPlayer``)."""

    player_id: str
    history_complete: bool = False
    newest_start_time: str | None = None
    oldest_start_time: str | None = None
    backfill_offset: int = 0


def track_player(store: Store, player_id: str, gamertag: str | None = None) -> bool:
    """Start tracking ``player_id``; return whether they were not tracked before."""
    with store.unit() as connection:
        before = query(connection, "SELECT gamertag FROM players WHERE player_id = ?", (player_id,))
        named = merge(("player_id",), gamertag="coalesce(excluded.gamertag, players.gamertag)")
        player = {"player_id": player_id, "gamertag": gamertag, "is_bot": 0}
        write_rows(connection, "players", [player], named)
        tracked = query(
            connection, "SELECT 1 FROM tracked_players WHERE player_id = ?", (player_id,)
        )
        if not tracked:
            row = {"player_id": player_id, "added_at": now_utc(), "history_complete": 0,
                   "backfill_offset": 0}  # fmt: skip
            write_rows(connection, "tracked_players", [row], IGNORE)
            # Matches archived for another tracked player may already include this one.
            player_tables.add_player(connection, player_id)
        elif gamertag is not None and gamertag != (before[0][0] if before else None):
            player_tables.rename_players(connection, [player_id])
    return not tracked


def untrack_player(store: Store, player_id: str) -> bool:
    """Stop tracking ``player_id``, keeping every match and film archived; False when not tracked.

    Their rows of the derived tables (``player_matches``, ``player_rivals``, the
    totals…) go: those hold tracked players only, as ``reparse`` rebuilds them.
    """
    with store.unit() as connection:
        tracked = query(
            connection, "SELECT 1 FROM tracked_players WHERE player_id = ?", (player_id,)
        )
        if tracked:
            execute(connection, "DELETE FROM tracked_players WHERE player_id = ?", (player_id,))
            # The player_* tables and totals hold tracked players only (as reparse rebuilds them).
            player_tables.remove_player(connection, player_id)
    return bool(tracked)


def tracked_player_ids(store: Store) -> list[str]:
    """Return every tracked player, in the order they were added."""
    with store.unit() as connection:
        rows = query(
            connection, "SELECT player_id FROM tracked_players ORDER BY added_at, player_id"
        )
    return [row[0] for row in rows]


class NotTrackedError(LookupError):
    """The player is no longer tracked: another process untracked them during this run."""


def load_tracked(store: Store, player_id: str) -> TrackedState:
    """Return the archive's reach for a tracked player.

    Raises:
        NotTrackedError: the player is not tracked (any more: on PostgreSQL, ``untrack``
            may run while a worker syncs them).

    """
    with store.unit() as connection:
        found = query(
            connection,
            "SELECT history_complete, newest_start_time, oldest_start_time, backfill_offset"
            " FROM tracked_players WHERE player_id = ?",
            (player_id,),
        )
    if not found:
        raise NotTrackedError(player_id)
    row = found[0]
    return TrackedState(player_id, bool(row[0]), row[1], row[2], row[3])


def save_tracked(store: Store, state: TrackedState) -> None:
    """Record a tracked player's reach; call only once the matches it covers are stored."""
    with store.unit() as connection:
        execute(
            connection,
            "UPDATE tracked_players SET history_complete = ?, newest_start_time = ?,"
            " oldest_start_time = ?, backfill_offset = ?, last_synced_at = ? WHERE player_id = ?",
            (
                state.history_complete,
                state.newest_start_time,
                state.oldest_start_time,
                state.backfill_offset,
                now_utc(),
                state.player_id,
            ),
        )


def player_by_gamertag(store: Store, gamertag: str) -> str | None:
    """Return the archived player with ``gamertag`` in any case, of any script, if any.

    Every named player is read: SQLite's ``lower`` folds ASCII only (`first_named`).
    """
    with store.unit() as connection:
        rows = query(connection, NAMED_PLAYERS)
    return first_named(rows, gamertag)


# Every named player's id and gamertag, and the tracked players', for `first_named`.
NAMED_PLAYERS = (
    "SELECT player_id, gamertag FROM players WHERE gamertag IS NOT NULL ORDER BY player_id"
)
TRACKED_GAMERTAGS = (
    "SELECT t.player_id, p.gamertag FROM tracked_players t"
    " JOIN players p ON p.player_id = t.player_id ORDER BY t.player_id"
)


def tracked_player_by_gamertag(store: Store, gamertag: str) -> str | None:
    """Return the tracked player with ``gamertag`` in any case, of any script, if any.

    Compared in Python: SQLite's ``lower`` folds ASCII only (``ZOË`` stays ``zoË``),
    and among tracked players only, so an opponent of the same name never hides them.
    """
    with store.unit() as connection:
        rows = query(connection, TRACKED_GAMERTAGS)
    return first_named(rows, gamertag)


def archived_player(store: Store, ref: PlayerRef) -> str | None:
    """Return the player ``ref`` names: its xuid, else a tracked player's gamertag, else anyone's.

    The tracked player of that name first (an opponent of the same name must not
    hide them), as ``untrack``, ``verify`` and ``pending`` find them.
    """
    gamertag = ref.gamertag or ""
    return (ref.player_id or tracked_player_by_gamertag(store, gamertag)
            or player_by_gamertag(store, gamertag))  # fmt: skip


def archived_player_id(store: Store, text: str) -> str:
    """Return the player ``text`` names (`archived_player`: an xuid, or a gamertag).

    Raises:
        UsageError: a gamertag that names no archived player (a malformed id too).

    """
    from grunt_archive.errors import UsageError
    from grunt_archive.players import parse_player

    ref = parse_player(text)
    found = archived_player(store, ref)
    if found is None:
        raise UsageError(f"no archived player has the gamertag {quoted(ref.gamertag)}")
    return found


def first_named(rows: Iterable[Sequence[Any]], gamertag: str) -> str | None:
    """Return the id of the first ``(player_id, gamertag)`` row named ``gamertag`` in any case.

    Compared with ``casefold``, which folds every script (``ÉLAN`` is ``élan``).
    """
    wanted = gamertag.casefold()
    return next((pid for pid, name in rows if name and name.casefold() == wanted), None)


def gamertags(store: Store, player_ids: Sequence[str]) -> dict[str, str]:
    """Return the gamertag of each of ``player_ids`` the archive knows one of."""
    if not player_ids:
        return {}
    marks = ", ".join("?" * len(player_ids))
    with store.unit() as connection:
        rows = query(
            connection,
            f"SELECT player_id, gamertag FROM players WHERE player_id IN ({marks})"
            " AND gamertag IS NOT NULL",
            tuple(player_ids),
        )
    return dict(rows)


def player_label(store: Store, player_id: str) -> str:
    """Return how to name a player to a person: ``Gamertag (xuid(…))``, or the id alone."""
    from grunt_archive.players import labelled

    return labelled(player_id, gamertags(store, [player_id]).get(player_id))


def player_names(store: Store, player_ids: Sequence[str]) -> list[str]:
    """Return each player's gamertag, or their id where the archive has no gamertag yet."""
    known = gamertags(store, player_ids)
    return [known.get(player_id) or player_id for player_id in player_ids]


def archived_counts(store: Store, player_id: str) -> tuple[dict[int, int], int]:
    """Return a player's archived matches by ``lifecycle_mode``, and their pending matches.

    The pending count includes the matches given up on: neither is missing.
    """
    with store.unit() as connection:
        archived = query(
            connection,
            "SELECT m.lifecycle_mode, count(DISTINCT m.match_id) FROM matches m"
            " JOIN match_players p ON p.match_id = m.match_id WHERE p.player_id = ?"
            " GROUP BY m.lifecycle_mode",
            (player_id,),
        )
        (pending,) = query(
            connection, "SELECT count(*) FROM pending_matches WHERE player_id = ?", (player_id,)
        )
    return {mode: count for mode, count in archived}, pending[0] or 0


# --- pending matches and runs ------------------------------------------------

_PENDING = merge(
    ("match_id",),
    reason="excluded.reason",
    attempts="pending_matches.attempts + 1",
    last_attempt_at="excluded.last_attempt_at",
)


def mark_pending(
    store: Store,
    match_id: str,
    player_id: str | None,
    start_time: str | None,
    reason: str,
) -> None:
    """Remember a match whose stats could not be archived, to try again next run."""
    with store.unit() as connection:
        write_pending(connection, [(match_id, player_id, start_time, reason)])


def write_pending(connection: Unit, matches: list[tuple[str, str | None, str | None, str]]) -> None:
    """Mark ``(match_id, player_id, start_time, reason)`` pending, in the caller's unit.

    A match the user gave up on stays given up (`_PENDING` leaves ``given_up_at``).
    """
    now = now_utc()
    rows = [{"match_id": match_id, "player_id": player_id, "start_time": start_time,
             "reason": reason, "attempts": 1, "first_seen_at": now, "last_attempt_at": now}
            for match_id, player_id, start_time, reason in matches]  # fmt: skip
    write_rows(connection, "pending_matches", rows, _PENDING)


# A match archived is not pending. Storing a match releases it, but a `verify` marking it
# pending while a worker stores it (PostgreSQL), or a copy bringing it archived, can leave
# both: the next sync would fetch it again and count it as new.
RELEASE_ARCHIVED = "DELETE FROM pending_matches WHERE match_id IN (SELECT match_id FROM matches)"


def release_archived(store: Store) -> None:
    """Drop the pending rows of matches the archive holds (see `RELEASE_ARCHIVED`)."""
    with store.unit() as connection:
        execute(connection, RELEASE_ARCHIVED)


# The condition of a pending match that syncs still fetch (`grunt_archive.store.pending`).
NOT_GIVEN_UP = "given_up_at IS NULL"


def pending_matches(
    store: Store, *, given_up: bool = False
) -> list[tuple[str, str | None, str | None]]:
    """Return ``(match_id, player_id, start_time)`` of every pending match, newest first.

    The matches the user gave up on (``pending give-up``) only with ``given_up``:
    no sync fetches them, but a walk finding them unarchived must not call them missing.
    """
    kept = "" if given_up else f" WHERE {NOT_GIVEN_UP}"
    with store.unit() as connection:
        rows = query(
            connection,
            f"SELECT match_id, player_id, start_time FROM pending_matches{kept}"
            " ORDER BY start_time DESC",
        )
    return [(row[0], row[1], row[2]) for row in rows]


def start_run(store: Store, players: list[str]) -> int:
    """Open a ``sync_runs`` row; runs a killed process left open are marked interrupted.

    Other workers' runs still going (PostgreSQL) are left running (`claims.dead_runs`).
    A dead run's ``matches_added`` is what it saved (`_saved_by_run`).
    """
    with store.unit() as connection:
        close_dead_runs(connection)
        row = {"started_at": now_utc(), "outcome": "running", "players": json.dumps(players),
               "requests": 0, "matches_added": 0, "pending": 0}  # fmt: skip
        run_id = write_rows(connection, "sync_runs", [row])
        assert run_id is not None
        claims.hold_run(connection, run_id)
    return run_id


def count_saved_match(connection: Unit, run_id: int | None) -> None:
    """Count a stored match towards its run's ``matches_added``, in the match's own unit.

    PostgreSQL only: a worker killed outright leaves that count, where several
    workers' matches of the same hours would leave no other way to tell its share
    (a count of 0 is taken for unknown, as an older grunt-archive's runs left it).
    SQLite (one writer) tells it from the documents' fetch times (`close_dead_runs`),
    at no cost to each match.
    """
    if run_id is not None and is_postgresql(connection):
        execute(
            connection,
            "UPDATE sync_runs SET matches_added = matches_added + 1 WHERE id = ?",
            (run_id,),
        )


def close_dead_runs(connection: Unit) -> None:
    """Mark the runs a killed process left ``running`` as interrupted, with what they saved.

    Whatever else writes match documents (``copy``) calls this first: a document it
    adds later would otherwise be counted as saved by a run that died before it.
    """
    saved, parameters = _saved_by_run(connection)
    execute(
        connection,
        f"UPDATE sync_runs SET outcome = 'interrupted', matches_added = {saved}"
        f" WHERE {claims.dead_runs(connection)}",
        parameters,
    )


def saved_so_far(connection: Unit, run_id: int) -> int | None:
    """Return the matches a run still marked ``running`` has saved (None: not known).

    What the next sync records as its ``matches_added`` should it have died.
    """
    saved, parameters = _saved_by_run(connection)
    rows = query(connection, f"SELECT {saved} FROM sync_runs WHERE id = ?", (*parameters, run_id))
    return rows[0][0] if rows else None


def _saved_by_run(connection: Unit) -> tuple[str, tuple[str, ...]]:
    """Return the SQL value, and its parameters, of the matches a ``running`` run saved."""
    if is_postgresql(connection):
        # Other workers may have saved matches in the same hours: each run counted its own
        # as it stored them (`count_saved_match`). A count of 0 is unknown (NULL): runs of
        # a grunt-archive before that counting left 0 whatever they stored.
        return "CASE WHEN matches_added > 0 THEN matches_added END", ()
    # One writer at a time (the lock file), and every run before this one marked the
    # dead runs it found: a match document fetched since the run began is the run's.
    return (
        "(SELECT count(*) FROM raw_responses"
        " WHERE kind = ? AND raw_responses.fetched_at >= sync_runs.started_at)",
        (MATCH_STATS.name,),
    )


def finish_run(
    store: Store,
    run_id: int,
    *,
    outcome: str,
    requests: int,
    matches_added: int,
    pending: int,
    failures: list[dict[str, Any]],
    error: str | None = None,
) -> None:
    """Close a ``sync_runs`` row with what the run did."""
    with store.unit() as connection:
        execute(
            connection,
            "UPDATE sync_runs SET finished_at = ?, outcome = ?, requests = ?, matches_added = ?,"
            " pending = ?, failures = ?, error = ? WHERE id = ?",
            (
                now_utc(),
                outcome,
                requests,
                matches_added,
                pending,
                json.dumps(failures) if failures else None,
                error,
                run_id,
            ),
        )
