"""The front page's cards: each tracked player's matchmade PvP record and current CSR."""

from __future__ import annotations

import sqlite3
from typing import Any

from grunt_archive.viewer.player import current_csr
from grunt_archive.viewer.reading import kd, rate, rows, scope_of

_CARDS = """
SELECT t.player_id, p.gamertag,
    (SELECT max(pm.start_time) FROM player_matches AS pm WHERE pm.player_id = t.player_id)
        AS last_played
FROM tracked_players AS t LEFT JOIN players AS p ON p.player_id = t.player_id
ORDER BY last_played DESC, p.gamertag
"""
_PVP = f"""
SELECT count(DISTINCT pm.match_id) AS matches,
    count(DISTINCT CASE WHEN pm.outcome = 'win' THEN pm.match_id END) AS wins,
    sum(pm.kills) AS kills, sum(pm.deaths) AS deaths, sum(pm.assists) AS assists
FROM player_matches AS pm
WHERE pm.player_id = ? AND {scope_of('pm')} = 'matchmade_pvp'
"""


def home_cards(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return a card per tracked player, the most recently active first."""
    cards = rows(connection, _CARDS)
    for card in cards:
        record = rows(connection, _PVP, (card["player_id"],))[0]
        card["matchmade_pvp"] = {
            **record,
            "kd": kd(record["kills"], record["deaths"]),
            "win_rate": rate(record["wins"], record["matches"]),
        }
        card["current_csr"] = current_csr(connection, card["player_id"])
    return cards
