"""profile: who is signed in, and gamertag ↔ xuid lookups."""

from __future__ import annotations

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.ids import listed, segment

HOST = "https://profile.svc.halowaypoint.com"


class ProfileService:
    """The profile endpoints."""

    name = "profile"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def me(self) -> Document:
        """Return the signed-in user (``{"xuid", "gamertag", …}``)."""
        return await self.client.get(self.name, HOST, "/users/me")

    async def user_by_gamertag(self, gamertag: str) -> Document:
        """Return the user with this gamertag."""
        return await self.client.get(
            self.name, HOST, f"/users/gt({segment(gamertag, 'a gamertag', safe='')})"
        )

    async def users(self, xuids: list[str]) -> Document:
        """Return users by bare 16-digit xuids, as a JSON array."""
        return await self.client.get(
            self.name, HOST, "/users", [("xuids", listed(xuids, "an xuid"))]
        )
