"""What is pending, and the matches the user gave up on (``grunt-archive pending``).

A pending match is retried by every sync and makes it partial (exit 3). A match
the service will never serve would do so every night for good, so the user may
give up on it: ``given_up_at`` is set on its ``pending_matches`` row, which
stays (never deleted, never silent). Syncs no longer fetch it nor count it as
pending, a walk or ``verify`` meeting it again leaves the mark as it is
(`state.write_pending` never touches it), and `retry` clears it. Storing the
match, should it ever arrive (a ``copy``), releases the row as for any pending match.

Lookups (``pending_enrichment``) never make a run partial; after
``lookups.MAX_ATTEMPTS`` attempts they are left alone by themselves, and are
listed here as given up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from grunt_archive.store.lookups import MAX_ATTEMPTS
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.state import NOT_GIVEN_UP
from grunt_archive.store.writer import execute, query
from grunt_archive.times import now_utc


@dataclass(frozen=True, slots=True)
class PendingMatchRow:
    """A row of ``pending_matches``, its player named by gamertag where the archive has one."""

    match_id: str
    player_id: str | None
    gamertag: str | None
    start_time: str | None
    reason: str | None
    attempts: int
    first_seen_at: str
    last_attempt_at: str | None
    given_up_at: str | None
    given_up_reason: str | None

    @property
    def player(self) -> str:
        """Return how a person knows the player: the gamertag, else the id (or ``-``: none)."""
        return self.gamertag or self.player_id or "-"

    def to_json(self) -> dict[str, object]:
        """Return the row as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PendingLookup:
    """A row of ``pending_enrichment``: a lookup of names, skill or a film left for later."""

    kind: str
    key: str
    reason: str | None
    attempts: int
    first_seen_at: str | None
    last_attempt_at: str | None

    @property
    def given_up(self) -> bool:
        """True when it failed `MAX_ATTEMPTS` times: no sync tries it again."""
        return self.attempts >= MAX_ATTEMPTS

    def to_json(self) -> dict[str, object]:
        """Return the lookup as a JSON-ready dict."""
        return {**asdict(self), "given_up": self.given_up}


_MATCHES = """
SELECT p.match_id, p.player_id, n.gamertag, p.start_time, p.reason, p.attempts,
    p.first_seen_at, p.last_attempt_at, p.given_up_at, p.given_up_reason
FROM pending_matches AS p LEFT JOIN players AS n ON n.player_id = p.player_id
{where} ORDER BY p.start_time DESC, p.match_id
"""
_LOOKUPS = """
SELECT kind, key, reason, attempts, first_seen_at, last_attempt_at FROM pending_enrichment
{where} ORDER BY kind, key
"""


def listing(
    store: Store, player_ids: Sequence[str] = ()
) -> tuple[list[PendingMatchRow], list[PendingLookup]]:
    """Return every pending match (given up or not) and every pending lookup, newest first.

    With ``player_ids``, only the matches pending under those players, and the
    lookups of matches they played (a film, a skill result).
    """
    marks = ", ".join("?" * len(player_ids))
    players = tuple(player_ids)
    match_where = f"WHERE p.player_id IN ({marks})" if players else ""
    lookup_where = (
        f"WHERE key IN (SELECT match_id FROM match_players WHERE player_id IN ({marks}))"
        if players
        else ""
    )
    with store.unit() as connection:
        matches = query(connection, _MATCHES.format(where=match_where), players)
        lookups = query(connection, _LOOKUPS.format(where=lookup_where), players)
    return [PendingMatchRow(*row) for row in matches], [PendingLookup(*row) for row in lookups]


def given_up_ids(store: Store, player_id: str | None = None) -> list[str]:
    """Return the matches the user gave up on (no sync fetches them), newest first.

    With ``player_id``, only those pending under that player.
    """
    mine = "" if player_id is None else " AND player_id = ?"
    with store.unit() as connection:
        rows = query(
            connection,
            f"SELECT match_id FROM pending_matches WHERE NOT ({NOT_GIVEN_UP}){mine}"
            " ORDER BY start_time DESC, match_id",
            () if player_id is None else (player_id,),
        )
    return [row[0] for row in rows]


def give_up(store: Store, match_ids: Sequence[str], reason: str | None) -> list[str]:
    """Give up on pending matches, all or none; return those that are not pending.

    A match already given up keeps its first mark (and reason). When any of
    ``match_ids`` is not in ``pending_matches``, nothing changes and those are returned.
    """
    now = now_utc()
    return _mark(
        store,
        match_ids,
        "SET given_up_at = ?, given_up_reason = ? WHERE match_id = ? AND " + NOT_GIVEN_UP,
        lambda match_id: (now, reason, match_id),
    )


def retry(store: Store, match_ids: Sequence[str]) -> list[str]:
    """Undo a give-up, all or none: the next sync fetches the matches first again.

    Returns:
        The matches that are not pending at all (nothing changed then).

    """
    return _mark(
        store,
        match_ids,
        "SET given_up_at = NULL, given_up_reason = NULL WHERE match_id = ?",
        lambda match_id: (match_id,),
    )


def _mark(
    store: Store,
    match_ids: Sequence[str],
    change: str,
    parameters: Callable[[str], tuple[object, ...]],
) -> list[str]:
    """UPDATE ``pending_matches`` by ``change`` for each match, all or none.

    Returns:
        Those of ``match_ids`` that are not pending at all (nothing changed then).

    """
    with store.unit() as connection:
        unknown = _not_pending(connection, match_ids)
        if not unknown:
            execute(
                connection,
                f"UPDATE pending_matches {change}",
                [parameters(match_id) for match_id in match_ids],
            )
    return unknown


def _not_pending(connection: Unit, match_ids: Sequence[str]) -> list[str]:
    """Return those of ``match_ids`` that have no ``pending_matches`` row."""
    marks = ", ".join("?" * len(match_ids))
    found = query(
        connection,
        f"SELECT match_id FROM pending_matches WHERE match_id IN ({marks})",
        tuple(match_ids),
    )
    held = {row[0] for row in found}
    return [match_id for match_id in dict.fromkeys(match_ids) if match_id not in held]
