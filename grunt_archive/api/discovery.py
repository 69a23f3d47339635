"""discovery-infiniteugc: the documents that name maps, game variants, playlists and pairs."""

from __future__ import annotations

from grunt_archive.api.client import Document, HaloClient
from grunt_archive.api.ids import segment

HOST = "https://discovery-infiniteugc.svc.halowaypoint.com"
# Asset kind (as the matches columns name it) -> discovery path segment.
PATHS = {
    "map": "maps",
    "game_variant": "ugcGameVariants",
    "playlist": "playlists",
    "map_mode_pair": "mapModePairs",
}
# API-dir marks only these two ClearanceAware; maps and variants are open.
CLEARANCE_AWARE = frozenset({"playlist", "map_mode_pair"})


class DiscoveryService:
    """The versioned asset endpoints of UGC discovery."""

    name = "discovery"

    def __init__(self, client: HaloClient) -> None:
        self.client = client

    async def asset(self, kind: str, asset_id: str, version_id: str) -> Document:
        """Return one version of an asset; ``kind`` is a key of ``PATHS``."""
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/{PATHS[kind]}/{segment(asset_id, 'an asset id')}"
            f"/versions/{segment(version_id, 'a version id')}",
            clearance=kind in CLEARANCE_AWARE,
        )

    async def latest(self, kind: str, asset_id: str) -> Document:
        """Return the latest version of an asset (its ``AssetStats`` are the current figures)."""
        return await self.client.get(
            self.name,
            HOST,
            f"/hi/{PATHS[kind]}/{segment(asset_id, 'an asset id')}",
            clearance=kind in CLEARANCE_AWARE,
        )

    async def map(self, asset_id: str, version_id: str) -> Document:
        """Return a map version."""
        return await self.asset("map", asset_id, version_id)

    async def game_variant(self, asset_id: str, version_id: str) -> Document:
        """Return a UGC game variant (mode) version."""
        return await self.asset("game_variant", asset_id, version_id)

    async def playlist(self, asset_id: str, version_id: str) -> Document:
        """Return a playlist version (clearance-aware)."""
        return await self.asset("playlist", asset_id, version_id)

    async def map_mode_pair(self, asset_id: str, version_id: str) -> Document:
        """Return a map-mode pair version (clearance-aware)."""
        return await self.asset("map_mode_pair", asset_id, version_id)
