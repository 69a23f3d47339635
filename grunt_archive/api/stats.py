"""halostats: match history, match stats and match counts."""

from __future__ import annotations

from urllib.parse import quote

from grunt_archive.api.client import Document, HaloClient

HOST = "https://halostats.svc.halowaypoint.com"
PAGE_SIZE = 25


def player_segment(player: str) -> str:
    """Return a player id or gamertag as a path segment (gamertags may hold spaces)."""
    return quote(player, safe="()")


class StatsService:
    """The halostats endpoints an archiver needs."""

    name = "halostats"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def match_history(
        self, player: str, start: int = 0, count: int = PAGE_SIZE, match_type: str = "all"
    ) -> Document:
        """Return one page of a player's matches, newest first (``count`` ≤ 25)."""
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/players/{player_segment(player)}/matches",
            [("start", str(start)), ("count", str(count)), ("type", match_type)],
        )

    async def match_stats(self, match_id: str) -> Document:
        """Return a match's stats; a 404 is retried because stats appear late after a match."""
        return await self.client.get(
            self.name, HOST, f"/hi/matches/{match_id}/stats", retry_not_found=True
        )

    async def match_count(self, player: str) -> Document:
        """Return how many matches a player has per lifecycle."""
        return await self.client.get(
            self.name, HOST, f"/hi/players/{player_segment(player)}/matches/count"
        )
