"""skill: a matchmade match's CSR, MMR and expected performance; a playlist's CSR."""

from __future__ import annotations

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.ids import checked, listed, segment

HOST = "https://skill.svc.halowaypoint.com"


class SkillService:
    """The skill endpoints an archiver needs."""

    name = "skill"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def match_skill(self, match_id: str, players: list[str]) -> Document:
        """Return the skill results of ``players`` (human ``xuid(…)`` ids only) in a match.

        The service answers 404 when any id is a bot or unknown, and for a while
        right after the match, so a 404 is retried like match stats. The player
        list goes as one comma-joined value (Grunt, GravlLift); clearance is
        required (API-dir ``Skill_GetMatchResult`` is ClearanceAware).
        """
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/matches/{segment(match_id, 'a match id')}/skill",
            [("players", listed(players))],
            clearance=True,
            retry_not_found=True,
        )

    async def playlist_csr(
        self, playlist_asset_id: str, players: list[str], season: str | None = None
    ) -> Document:
        """Return the current, season max and all-time max CSR of ``players`` in a playlist.

        ``season`` is a CSR season id (``CsrSeason9-1``); without it, the current
        season. Clearance is required (API-dir ``Skill_GetPlaylistCsr``).
        """
        params = [("players", listed(players))]
        if season:
            params.append(("season", checked(season, "a season id")))
        path = f"/hi/playlist/{segment(playlist_asset_id, 'a playlist id')}/csrs"
        return await self.client.get(self.name, HOST, path, params, clearance=True)
