"""Discovery documents: every map, game variant, playlist and map-mode pair a match names.

Discovery knows every asset a match refers to, at its current and its 2022
version; a document's ``AssetStats`` are the community's figures (`community`),
plus every match played since the world was made (`Simulator.play`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grunt_archive.simulator.data import catalog, community

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

# Discovery path segment -> asset kind.
ASSET_PATHS = {"maps": "map", "ugcGameVariants": "ugcGameVariant", "playlists": "playlist"}
ASSET_PATHS["mapModePairs"] = "mapModePair"


# (playlist asset id, map-mode pair asset id) -> the pair's weight in the rotation.
WEIGHTS: dict[tuple[str, str], float] = {}


def _asset_index() -> dict[tuple[str, str], tuple[catalog.Asset, tuple]]:
    """Index every asset by (kind, asset id), with what it links to."""
    index: dict[tuple[str, str], tuple[catalog.Asset, tuple]] = {}
    by_playlist: dict[str, list[catalog.Asset]] = {}
    for key, spec in catalog.PLAYLIST_SPECS.items():
        for mode in (catalog.MODES[catalog.MODE_INDEX[m]] for m in spec.modes):
            variant = catalog.variant_of(mode, spec)
            index["ugcGameVariant", variant.asset_id] = (variant, ())
            for map_name, weight in zip(*catalog.rotation(key, mode.key, False), strict=True):
                pair = catalog.map_mode_pair(variant, map_name)
                index[pair.kind, pair.asset_id] = (pair, (catalog.MAPS[map_name], variant))
                by_playlist.setdefault(key, []).append(pair)
                WEIGHTS[spec.asset.asset_id, pair.asset_id] = weight
    for mode in catalog.MODES:  # customs play the plain variant on any of the mode's maps
        variant = catalog.variant_of(mode, None)
        index["ugcGameVariant", variant.asset_id] = (variant, ())
        for map_name in mode.maps:
            pair = catalog.map_mode_pair(variant, map_name)
            index.setdefault((pair.kind, pair.asset_id), (pair, (catalog.MAPS[map_name], variant)))
    for asset in catalog.MAPS.values():
        index[asset.kind, asset.asset_id] = (asset, ())
    for key, asset in catalog.PLAYLISTS.items():
        index[asset.kind, asset.asset_id] = (asset, tuple(by_playlist.get(key, ())))
    return index


ASSETS = _asset_index()


def _files(kind: str, asset_id: str, version_id: str, paths: list[str]) -> dict:
    path = f"/ugcstorage/{kind.lower()}/{asset_id}/{version_id}/"
    return {
        "Prefix": f"https://blobs-infiniteugc.svc.halowaypoint.com{path}",
        "FileRelativePaths": paths,
        "PrefixEndpoint": {
            "AuthorityId": "iUgcFiles",
            "Path": path,
            "QueryString": None,
            "RetryPolicyId": "linearretry",
            "TopicName": "",
            "AcknowledgementTypeId": 0,
            "AuthenticationLifetimeExtensionSupported": False,
            "ClearanceAware": False,
        },
    }


def _body(asset: catalog.Asset, version_id: str) -> dict:
    """Return the keys every UGC asset (and every embedded link) carries."""
    paths = (
        []
        if asset.kind in ("mapModePair", "playlist")
        else ["images/hero.png", "images/thumbnail.png"]
    )
    return {
        "AssetId": asset.asset_id,
        "VersionId": version_id,
        "PublicName": asset.name,
        "Description": asset.description,
        "Files": _files(asset.kind, asset.asset_id, version_id, paths),
        "Contributors": [],
        "AssetHome": 1,
        "AssetStats": community.asset_stats(asset),
        "InspectionResult": 50 if asset.kind == "map" else 0,
        "CloneBehavior": 0,
        "Order": 0,
    }


def playlist_settings(spec: catalog.Playlist) -> dict:
    """Return the matchmaking settings of a playlist's ``CustomData``, in the real order.

    As the real ones: a ranked playlist (Ranked Arena's) lets nobody join in progress
    and no bots; the others (Quick Play's) let friends, matchmaking and Spartan bots
    (difficulty 3) fill a seat. Firefight's fireteam and Infection's lobby are one team;
    FFA Slayer's eight players are eight teams of one, each queueing alone.
    """
    modes = [catalog.MODES[catalog.MODE_INDEX[key]] for key in spec.modes]
    teams = 1 if any(m.pve or not m.teams_enabled for m in modes) else 2
    fill = not spec.ranked
    bots = fill and teams == 2
    size = spec.team_size
    if any(m.free_for_all for m in modes):  # assumed: FFA as eight teams of one, solo queue
        teams, size, bots = size, 1, False
    return {
        "Strategy": 0,
        "MinTeams": teams,
        "MinTeamSize": size,
        "MaxTeams": teams,
        "MaxTeamSize": size,
        "MaxTeamImbalance": 0,
        "MaxSplitscreenPlayersAllowed": 4,
        "AllowFriendJoinInProgress": fill,
        "AllowMatchmakingJoinInProgress": fill,
        "AllowBotJoinInProgress": bots,
        "ExitExperienceDurationSec": 30,
        "FireteamLeaderKickAllowed": False,
        "DisableMidgameChat": False,
        "AllowedDeviceInputs": [1, 2] if fill else [0],
        "BotDifficulty": 3 if bots else 0,
        "MinFireteamSize": 1,
        "MaxFireteamSize": size if teams == 2 or size == 1 else 4,
    }


def asset_document(path_kind: str, asset_id: str, version_id: str | None) -> dict | None:
    """Build a discovery document (``GET /hi/{kind}/{assetId}[/versions/{versionId}]``).

    Args:
        path_kind: ``maps``, ``ugcGameVariants``, ``playlists`` or ``mapModePairs``.
        asset_id: The asset's GUID.
        version_id: One of its versions, or None for the current one.

    Returns:
        The document, or None when the asset or version is unknown.

    """
    found = ASSETS.get((ASSET_PATHS.get(path_kind, ""), asset_id.lower()))
    if found is None:
        return None
    asset, links = found
    version = (version_id or asset.version_id).lower()
    if version not in (asset.version_id, asset.legacy_version_id):
        return None
    legacy = version == asset.legacy_version_id
    head: dict = {"CustomData": {}, "Tags": ["343i"]}
    if asset.kind == "map":
        head["CustomData"] = {"NumOfObjectsOnMap": 64 + len(asset.name) * 7,
                              "TagLevelId": -(int(asset.asset_id[:7], 16)),
                              "IsBaked": True, "HasNodeGraph": False}  # fmt: skip
        head["PrefabLinks"] = []
    elif asset.kind == "ugcGameVariant":
        head["CustomData"] = {"KeyValues": {}}
        engine = catalog.Asset("engineGameVariant", asset.name.split(":")[-1], "")
        head["EngineGameVariantLink"] = _body(engine, engine.version(legacy))
    elif asset.kind == "mapModePair":
        map_asset, variant = links
        head["MapLink"] = _body(map_asset, map_asset.version(legacy))
        head["UgcGameVariantLink"] = _body(variant, variant.version(legacy))
    else:
        weights = [WEIGHTS[asset.asset_id, p.asset_id] for p in links]
        head["CustomData"] = {
            "PlaylistEntries": [
                {"MapModePairAssetId": p.asset_id, "Metadata": {"Weight": w}}
                for p, w in zip(links, weights, strict=True)
            ]
        } | playlist_settings(catalog.PLAYLIST_BY_ID[asset.asset_id])
        head["RotationEntries"] = [
            {"Metadata": {"Weight": w}} | _body(p, p.version(legacy))
            for p, w in zip(links, weights, strict=True)
        ]
    return head | _body(asset, version)


def grow_asset_stats(sim: Simulator, document: dict) -> dict:
    """Add to a discovery document's ``AssetStats`` the matches played since the world began."""
    asset_id = str(document.get("AssetId", "")).lower()
    with sim.lock:
        new = list(sim.world.matches.values())[sim.world.seeded_matches :]
    plays = 0
    for meta in new:
        info = sim.stats_document(meta.match_id)["MatchInfo"]
        refs = ("MapVariant", "UgcGameVariant", "Playlist", "PlaylistMapModePair")
        plays += any((info.get(ref) or {}).get("AssetId") == asset_id for ref in refs)
    if plays and isinstance(document.get("AssetStats"), dict):
        stats = document["AssetStats"]
        stats["PlaysRecent"] += plays
        stats["PlaysAllTime"] += plays
    return document
