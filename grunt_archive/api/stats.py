"""halostats: match history, match stats, match counts and service records."""

from __future__ import annotations

from collections.abc import Mapping

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.ids import segment

HOST = "https://halostats.svc.halowaypoint.com"
PAGE_SIZE = 25
# Service record lifecycles (the path segment; halo-api.md §2(d)).
LIFECYCLES = ("matchmade", "custom", "local")


def player_segment(player: str) -> str:
    """Return a player id or gamertag as a path segment (gamertags may hold spaces)."""
    return segment(player, "a player id")


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

    async def match_stats(self, match_id: str, *, parse: bool = True) -> Document:
        """Return a match's stats; a 404 is retried because stats appear late after a match.

        Without ``parse``, ``data`` is None: see `HaloClient.get`.
        """
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/matches/{segment(match_id, 'a match id')}/stats",
            retry_not_found=True,
            parse=parse,
        )

    async def match_count(self, player: str) -> Document:
        """Return how many matches a player has per lifecycle."""
        return await self.client.get(
            self.name, HOST, f"/hi/players/{player_segment(player)}/matches/count"
        )

    async def service_record(
        self, player: str, lifecycle: str = "matchmade", filters: Mapping[str, str] | None = None
    ) -> Document:
        """Return a player's service record in one lifecycle, optionally filtered.

        Args:
            player: ``xuid(…)`` or a gamertag.
            lifecycle: ``matchmade``, ``custom`` or ``local`` (a key of ``LIFECYCLES``).
            filters: matchmade only: lowercase keys as SPNKr sends them
                (``seasonid``, ``gamevariantcategory``, ``isranked``,
                ``playlistassetid``, ``gameplayinteraction``).

        """
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/players/{player_segment(player)}/{segment(lifecycle)}/servicerecord",
            sorted((filters or {}).items()) or None,
        )
