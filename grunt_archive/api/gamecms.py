"""gamecms-hacs: the game's content files (medal metadata, season calendars)."""

from __future__ import annotations

from grunt_archive.api.client import Document, HaloClient

HOST = "https://gamecms-hacs.svc.halowaypoint.com"
MEDAL_METADATA = "/hi/Waypoint/file/medals/metadata.json"
SEASON_CALENDAR = "/hi/progression/file/calendars/seasons/seasoncalendar.json"
CSR_SEASON_CALENDAR = "/hi/Progression/file/Csr/Calendars/CsrSeasonCalendar.json"


class GameCmsService:
    """The gamecms files an archiver needs (paths as SPNKr's ``gamecms_hacs``)."""

    name = "gamecms"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def medal_metadata(self) -> Document:
        """Return every medal's name, description, difficulty and type, by ``nameId``."""
        return await self.client.get(self.name, HOST, MEDAL_METADATA)

    async def season_calendar(self) -> Document:
        """Return the game seasons (``Seasons/…json``) with their dates and CSR season."""
        return await self.client.get(self.name, HOST, SEASON_CALENDAR)

    async def csr_season_calendar(self) -> Document:
        """Return the CSR seasons (``Csr/Seasons/…json``) with their dates."""
        return await self.client.get(self.name, HOST, CSR_SEASON_CALENDAR)
