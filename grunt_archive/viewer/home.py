"""The front page's cards: each tracked player's matchmade PvP record and current CSR."""

from __future__ import annotations

import sqlite3
from typing import Any

from grunt_archive.viewer.player import current_csr, summaries, tracked_groups
from grunt_archive.viewer.reading import rows

_CARDS = """
SELECT t.player_id, p.gamertag,
    (SELECT max(pm.start_time) FROM player_matches AS pm WHERE pm.player_id = t.player_id)
        AS last_played
FROM tracked_players AS t LEFT JOIN players AS p ON p.player_id = t.player_id
ORDER BY last_played DESC, p.gamertag
"""


def home_cards(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return a card per tracked player, the most recently active first."""
    cards = rows(connection, _CARDS)
    for card in cards:
        groups = tracked_groups(connection, card["player_id"])
        card["matchmade_pvp"] = summaries(groups)["matchmade_pvp"]
        card["current_csr"] = current_csr(connection, card["player_id"])
    return cards
