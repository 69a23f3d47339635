"""discovery-infiniteugc: maps, game variants, playlists and map-mode pairs; film manifests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data.assets import ASSET_PATHS, asset_document, grow_asset_stats
from grunt_archive.simulator.replies import Reply, Request, Route, json_reply

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

HOST = "https://discovery-infiniteugc.svc.halowaypoint.com"


def _asset(sim: Simulator, request: Request) -> Reply:
    kind = next(k for k in ASSET_PATHS if k.lower() == request["kind"].lower())
    document = asset_document(kind, request["asset"], request["version"])
    if document is None:
        return Reply(404)
    return json_reply(grow_asset_stats(sim, document))


def _film(sim: Simulator, request: Request) -> Reply:
    manifest = sim.films.manifest(request["match"])
    return Reply(404) if manifest is None else json_reply(manifest)


ROUTES = (
    Route(
        r"/hi/(?P<kind>maps|ugcGameVariants|playlists|mapModePairs)/(?P<asset>[0-9a-fA-F-]{36})"
        r"(?:/versions/(?P<version>[0-9a-fA-F-]{36}))?",
        "discovery",
        _asset,
    ),
    Route(r"/hi/films/matches/(?P<match>[0-9a-fA-F-]{36})/spectate", "film", _film),
)
