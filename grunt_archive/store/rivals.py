"""``player_rivals``: each tracked player's record against every opponent, derived from ``kills``.

A row per tracked player and opponent: the kills on them, the deaths to
them, the difference (the nemesis has the lowest ``net``, the favourite
victim the highest) and the matches they met in a film. Kills the film
leaves ambiguous count as paired (the closest death in time); kills with no
victim count for no one. Like ``store.player_tables``, every function
computes rows with the same SELECT restricted by a WHERE clause, so rows
maintained match by match equal rows rebuilt; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from grunt_archive.store.session import Unit
from grunt_archive.store.writer import execute, query

_INSERT_RIVALS = """
INSERT INTO player_rivals
    (player_id, opponent_id, opponent_gamertag, kills_on, deaths_to, net, matches)
SELECT t.player_id, o.opponent_id, max(o.gamertag), sum(o.kill), sum(o.death),
       sum(o.kill) - sum(o.death), count(DISTINCT o.match_id)
FROM tracked_players AS t
JOIN (
    SELECT killer_id AS me, victim_id AS opponent_id, victim_gamertag AS gamertag,
           match_id, 1 AS kill, 0 AS death
    FROM kills WHERE victim_id IS NOT NULL
    UNION ALL
    SELECT victim_id, killer_id, killer_gamertag, match_id, 0, 1
    FROM kills WHERE victim_id IS NOT NULL
) AS o ON o.me = t.player_id
WHERE {where}
GROUP BY t.player_id, o.opponent_id
"""

# Films of matches no row counts yet, added to the rows there (a copy's: `add_matches`).
_ADD_RIVALS = (
    f"{_INSERT_RIVALS} ON CONFLICT (player_id, opponent_id) DO UPDATE SET"
    " opponent_gamertag = CASE WHEN player_rivals.opponent_gamertag IS NULL"
    " OR excluded.opponent_gamertag > player_rivals.opponent_gamertag"
    " THEN excluded.opponent_gamertag ELSE player_rivals.opponent_gamertag END,"
    " kills_on = player_rivals.kills_on + excluded.kills_on,"
    " deaths_to = player_rivals.deaths_to + excluded.deaths_to,"
    " net = player_rivals.net + excluded.net, matches = player_rivals.matches + excluded.matches"
)


def add_matches(connection: Unit, where: str) -> None:
    """Add the films of matches no row counts yet (``where``: a condition on ``o.match_id``)."""
    execute(connection, _ADD_RIVALS.format(where=where))


def refresh_players(connection: Unit, player_ids: Iterable[str]) -> None:
    """Count the rows of ``player_ids`` again from every film (those not tracked get none)."""
    players = [(player_id,) for player_id in sorted(set(player_ids))]
    execute(connection, "DELETE FROM player_rivals WHERE player_id = ?", players)
    execute(connection, _INSERT_RIVALS.format(where="t.player_id = ?"), players)


def players_in_films(connection: Unit, match_ids: Sequence[str]) -> set[str]:
    """Return every killer and victim of the films of ``match_ids``."""
    marks = ", ".join("?" for _ in match_ids)
    rows = query(
        connection,
        f"SELECT killer_id FROM kills WHERE match_id IN ({marks}) UNION"
        f" SELECT victim_id FROM kills WHERE match_id IN ({marks}) AND victim_id IS NOT NULL",
        [*match_ids, *match_ids],
    )
    return {row[0] for row in rows}


def refresh_match(connection: Unit, match_id: str) -> None:
    """Count again the rows of the tracked players in a match whose film was just stored."""
    refresh_players(connection, players_in_films(connection, [match_id]))


def add_player(connection: Unit, player_id: str) -> None:
    """Count the rows of a newly tracked player from the films the archive already holds."""
    refresh_players(connection, [player_id])


def remove_player(connection: Unit, player_id: str) -> None:
    """Delete the rows of a player no longer tracked (``untrack``); the films stay."""
    execute(connection, "DELETE FROM player_rivals WHERE player_id = ?", (player_id,))


def rebuild(connection: Unit) -> None:
    """Compute every row again (``reparse``)."""
    execute(connection, "DELETE FROM player_rivals")
    execute(connection, _INSERT_RIVALS.format(where="true"))
