"""The front page: each tracked player's matchmade PvP record, as cards and, past a dozen, a table.

A clan's archive tracks hundreds of players: their records come from the
``player_totals`` rows in one query (the per-player lines would take seconds
to add up), and only the dozen most recently active get a card with their CSR.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from grunt_archive.viewer.csr import current_csr
from grunt_archive.viewer.player import RECORD_COUNTS, record
from grunt_archive.viewer.reading import rows

# The most recently active players get a card (with their CSR); the rest a table row.
CARDS = 12

# Sums over every key of a scope are the scope's (a match has one key: `player_totals`).
_PLAYERS = """
SELECT t.player_id, p.gamertag,
    (SELECT max(pm.start_time) FROM player_matches AS pm WHERE pm.player_id = t.player_id)
        AS last_played,
    {sums}
FROM tracked_players AS t
LEFT JOIN players AS p ON p.player_id = t.player_id
LEFT JOIN player_totals AS pt ON pt.player_id = t.player_id AND pt.scope = 'matchmade_pvp'
GROUP BY t.player_id, p.gamertag
ORDER BY last_played DESC, p.gamertag, t.player_id
"""
_SUMS = {"left": "left_early"}  # the page's names of `player_totals` columns that differ


def front_page(connection: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """Return ``{"cards": [...], "table": [...]}``: the tracked players, latest active first.

    Each has ``player_id``, ``gamertag``, ``last_played`` and ``matchmade_pvp``
    (the player page's headline numbers of that scope); a card also ``current_csr``.
    """
    sums = ", ".join(f'sum(pt.{_SUMS.get(key, key)}) AS "{key}"' for key in RECORD_COUNTS)
    players = rows(connection, _PLAYERS.format(sums=sums))
    for player in players:
        player["matchmade_pvp"] = record({key: player.pop(key) for key in RECORD_COUNTS})
    for card in players[:CARDS]:
        card["current_csr"] = current_csr(connection, card["player_id"])
    return {"cards": players[:CARDS], "table": players[CARDS:]}


# The front page's tables in the families a player looks for, first rule first. A table
# no rule names (a new one) is listed under `OTHER`, never left out.
_MATCH_TABLES = {
    "matches", "match_players", "match_teams", "match_skill", "medal_awards",
    "personal_score_awards",
}  # fmt: skip
_FILM_TABLES = {"films", "film_events", "kills", "expired_films"}
_NAME_TABLES = {"players", "assets", "medals", "seasons", "asset_stats_snapshots"}
TABLE_GROUPS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("Matches", lambda name: name in _MATCH_TABLES),
    ("Service records and CSR", lambda name: name.startswith(("service_record_", "csr_"))),
    ("Each mode's stats", lambda name: name.endswith("_stats")),
    ("Careers and totals", lambda name: name.startswith(("player_", "archive_"))),
    ("Films", lambda name: name in _FILM_TABLES),
    ("Names", lambda name: name in _NAME_TABLES),
)
OTHER = "Other"


def table_groups(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Return ``names`` as ``(family, its tables by name)`` in `TABLE_GROUPS` order, none empty."""
    grouped: dict[str, list[str]] = {label: [] for label, _ in TABLE_GROUPS}
    grouped[OTHER] = []
    for name in sorted(names):
        label = next((label for label, rule in TABLE_GROUPS if rule(name)), OTHER)
        grouped[label].append(name)
    return [(label, tables) for label, tables in grouped.items() if tables]
