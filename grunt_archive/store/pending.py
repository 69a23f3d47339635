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

A match two tracked players share is pending under the one whose walk met it
first (``pending_matches`` keeps one player a match); the other's history pages,
kept in ``raw_responses``, list it too, and are what tells a listing of that
player's matches that it is theirs as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from grunt_archive.documents import HISTORY_PAGE
from grunt_archive.errors import MalformedResponseError
from grunt_archive.jsonsafe import loads
from grunt_archive.normalize.history import history_entries
from grunt_archive.rawbody import decode
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
    # Players asked for (``--player``) who played the match it is pending under another
    # player for: (player id, gamertag) each.
    shared_with: tuple[tuple[str, str | None], ...] = ()

    @property
    def player(self) -> str:
        """Return how a person knows the player: the gamertag, else the id (or ``-``: none)."""
        return self.gamertag or self.player_id or "-"

    def to_json(self) -> dict[str, object]:
        """Return the row as a JSON-ready dict."""
        shared = [{"player_id": pid, "gamertag": tag} for pid, tag in self.shared_with]
        return {**asdict(self), "shared_with": shared}


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

    With ``player_ids``, only the matches those players played: pending under
    them, or under another player (or none) and listed by their history pages
    (each such row names them in ``shared_with``); and the lookups of matches
    they played (a film, a skill result).
    """
    marks = ", ".join("?" * len(player_ids))
    players = tuple(player_ids)
    lookup_where = (
        f"WHERE key IN (SELECT match_id FROM match_players WHERE player_id IN ({marks}))"
        if players
        else ""
    )
    listed: dict[str, set[str]] = {}
    names: dict[str, str | None] = {}
    with store.unit() as connection:
        matches = [PendingMatchRow(*row) for row in query(connection, _MATCHES.format(where=""))]
        lookups = query(connection, _LOOKUPS.format(where=lookup_where), players)
        others = {m.match_id for m in matches if players and m.player_id not in players}
        if others:
            listed = _listed_by(connection, players, others)
            sql = f"SELECT player_id, gamertag FROM players WHERE player_id IN ({marks})"
            names = dict(query(connection, sql, players))
    if players:
        kept = []
        for m in matches:
            if m.player_id in players:
                kept.append(m)
            elif m.match_id in listed:
                shared = tuple((p, names.get(p)) for p in players if p in listed[m.match_id])
                kept.append(replace(m, shared_with=shared))
        matches = kept
    return matches, [PendingLookup(*row) for row in lookups]


def _listed_by(
    connection: Unit, players: tuple[str, ...], match_ids: set[str]
) -> dict[str, set[str]]:
    """Return which of ``players`` the stored history pages list each of ``match_ids`` for.

    Only the players' own pages are inflated (their keys are read first); a page
    that no longer reads lists nothing.
    """
    found = query(connection, "SELECT id, key FROM raw_responses WHERE kind = ?",
                  (HISTORY_PAGE.name,))  # fmt: skip
    pages = [(row_id, HISTORY_PAGE.key.parse(key)[0]) for row_id, key in found]
    listed: dict[str, set[str]] = {}
    for row_id, player in pages:
        if player not in players:
            continue
        ((body, encoding),) = query(
            connection, "SELECT body, encoding FROM raw_responses WHERE id = ?", (row_id,)
        )
        try:
            text = decode(body, encoding)
            if not isinstance(text, str):
                continue
            lowered = text.lower()  # ids as stored; the service may send them in capitals
            if not any(match_id in lowered for match_id in match_ids):
                continue  # a page naming none of them need not be parsed
            entries = history_entries(loads(text))
        except (MalformedResponseError, ValueError, UnicodeDecodeError, TypeError):
            continue
        for entry in entries:
            if entry.match_id in match_ids:
                listed.setdefault(entry.match_id, set()).add(player)
    return listed


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
