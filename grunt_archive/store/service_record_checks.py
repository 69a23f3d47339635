"""What ``verify`` compares with the service's totals, and what it found.

`matchmade_comparison` reads, in one unit of work, a player's latest service
record snapshot of a scope, the archive's sums over the matches that record
can count, and the player's pending matches (and those given up on);
`record_check` keeps the outcome in ``service_record_checks`` (archive state:
no document holds it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from grunt_archive.documents import SERVICE_RECORD
from grunt_archive.store.session import Store, Unit
from grunt_archive.store.state import NOT_GIVEN_UP
from grunt_archive.store.writer import query, replace, write_rows

# The figures compared, by the snapshot's column and by the name verify gives them.
COLUMNS = ("matches_completed", "wins", "losses", "ties", "kills", "deaths", "assists")
FIELDS = ("matches", "wins", "losses", "ties", "kills", "deaths", "assists")

# A player's matchmade matches that ended by a moment, each counted the way a
# service record counts it: ``MatchesCompleted`` the matches they were present
# at the end of, Wins/Losses/Ties by Outcome 2/3/1 (a match left early, Outcome
# 4, is in none), and the kills, deaths and assists of every team they played
# on (a team switch is two rows of one match, a left match's still count).
# Times are compared as text: the archive keeps every one as UTC ISO-8601 with
# milliseconds (`normalize.values`), whose order is the order of the moments.
_SUMS = """
SELECT count(CASE WHEN present = 1 THEN 1 END), count(CASE WHEN outcome = 2 THEN 1 END),
    count(CASE WHEN outcome = 3 THEN 1 END), count(CASE WHEN outcome = 1 THEN 1 END),
    coalesce(sum(kills), 0), coalesce(sum(deaths), 0), coalesce(sum(assists), 0),
    count(CASE WHEN ended > ? THEN 1 END)
FROM (
    SELECT max(CASE WHEN p.present_at_completion THEN 1 ELSE 0 END) AS present,
        max(p.outcome) AS outcome,
        sum(p.kills) AS kills, sum(p.deaths) AS deaths, sum(p.assists) AS assists,
        max(coalesce(m.end_time, m.start_time)) AS ended
    FROM match_players AS p JOIN matches AS m USING (match_id)
    WHERE p.player_id = ? AND m.lifecycle_mode = 3{bound}
    GROUP BY p.match_id
) AS counted
"""


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a comparison reads: the service's figures and the archive's, as of one moment.

    ``counted_until`` is the last time the service answered with this record
    (when the snapshot was taken, or a later sync found it unchanged); the
    archive's sums count the matches that ended by then, and ``later`` says how
    many matchmade matches of the archive ended after it (not in the record yet).
    """

    gamertag: str | None
    scope: str
    snapshot_taken_at: str
    counted_until: str
    service: dict[str, int]
    archive: dict[str, int]
    pending: int
    later: int
    # The player's matches the user gave up on (``pending give-up``): not in ``pending``.
    given_up: int = 0


def _counted_until(connection: Unit, player_id: str, scope: str, taken_at: str) -> str:
    found = query(
        connection,
        "SELECT checked_at FROM snapshot_checks WHERE kind = ? AND key = ?",
        (SERVICE_RECORD.name, SERVICE_RECORD.key_of(player_id, scope)),
    )
    checked = found[0][0] if found and found[0][0] else taken_at
    return max(checked, taken_at)


def _archive_sums(connection: Unit, player_id: str, until: str) -> tuple[dict[str, int], int]:
    """Return the archive's sums over the matches that ended by ``until``, and how many ended later.

    Two passes of one query: the whole career, then only the matches ended by
    ``until`` (the sums subtract nothing, so no match is counted twice).
    """
    bound = " AND coalesce(m.end_time, m.start_time) <= ?"
    every = query(connection, _SUMS.format(bound=""), (until, player_id))[0]
    within = query(connection, _SUMS.format(bound=bound), (until, player_id, until))[0]
    # PostgreSQL's sum of a BIGINT column is NUMERIC (a Decimal), which neither JSON nor
    # the service's whole numbers are: the sums are whole numbers on both backends.
    return dict(zip(FIELDS, (int(v) for v in within[:7]), strict=True)), int(every[7])


def matchmade_comparison(store: Store, player_id: str, scope: str) -> Comparison | None:
    """Read what comparing a player's latest service record of ``scope`` takes.

    ``scope`` must be an unfiltered lifecycle's (``matchmade``): the archive's
    sums here are over all of the player's matchmade matches.

    Returns:
        None when no snapshot of that scope is stored for the player.

    """
    with store.unit() as connection:
        snapshot = query(
            connection,
            f"SELECT taken_at, {', '.join(COLUMNS)} FROM service_record_snapshots"
            " WHERE player_id = ? AND scope = ? ORDER BY taken_at DESC LIMIT 1",
            (player_id, scope),
        )
        if not snapshot:
            return None
        taken_at, *figures = snapshot[0]
        until = _counted_until(connection, player_id, scope, taken_at)
        archive, later = _archive_sums(connection, player_id, until)
        pending, given_up = query(
            connection,
            f"SELECT count(CASE WHEN {NOT_GIVEN_UP} THEN 1 END),"
            " count(given_up_at) FROM pending_matches WHERE player_id = ?",
            (player_id,),
        )[0]
        named = query(connection, "SELECT gamertag FROM players WHERE player_id = ?", (player_id,))
    service = {name: value or 0 for name, value in zip(FIELDS, figures, strict=True)}
    gamertag = named[0][0] if named else None
    return Comparison(
        gamertag, scope, taken_at, until, service, archive, pending or 0, later, given_up or 0
    )


def record_check(
    store: Store,
    comparison: Comparison,
    player_id: str,
    checked_at: str,
    differences: dict[str, dict[str, int]],
) -> None:
    """Keep the outcome of one comparison in ``service_record_checks``."""
    row: dict[str, Any] = {
        "player_id": player_id,
        "checked_at": checked_at,
        "scope": comparison.scope,
        "snapshot_taken_at": comparison.snapshot_taken_at,
        "counted_until": comparison.counted_until,
        "agrees": not differences,
        "differences": json.dumps(differences, sort_keys=True),
        "pending": comparison.pending,
        "given_up": comparison.given_up,
    }
    with store.unit() as connection:
        write_rows(connection, "service_record_checks", [row], replace())
