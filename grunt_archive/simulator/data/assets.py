"""Documents of the services around halostats: profile, skill, discovery, gamecms.

Each is consistent with the world: skill figures repeat the kills and deaths
of the stats document, and discovery knows every asset a match refers to.
"""

from __future__ import annotations

import hashlib
import random

from grunt_archive.simulator import catalog
from grunt_archive.simulator.medals import MEDAL_DIFFICULTIES, MEDAL_TYPES, MEDALS

_PIC = "https://images-eds-ssl.xboxlive.com/image?url={token}&format=png"
_TIERS = ("Bronze", "Silver", "Gold", "Platinum", "Diamond", "Onyx")
# Discovery path segment -> asset kind.
ASSET_PATHS = {"maps": "map", "ugcGameVariants": "ugcGameVariant", "playlists": "playlist"}
ASSET_PATHS["mapModePairs"] = "mapModePair"


def profile(xuid: str, gamertag: str) -> dict:
    """Build a profile (``GET /users/…``) in the services' camelCase shape."""
    token = hashlib.sha256(xuid.encode()).hexdigest()[:48]
    pic = _PIC.format(token=token)
    return {
        "xuid": xuid,
        "gamertag": gamertag,
        "gamerpic": {
            "small": f"{pic}&w=64&h=64",
            "medium": f"{pic}&w=208&h=208",
            "large": f"{pic}&w=424&h=424",
            "xlarge": pic,
        },
    }


def _csr(value: int) -> dict:
    if value < 0:
        tier, start, sub, next_tier, next_start, next_sub = "", 0, 0, "", 0, 0
    elif value >= 1500:
        tier, start, sub, next_tier, next_start, next_sub = "Onyx", 1500, 0, "Onyx", 1500, 0
    else:
        tier_index, within = divmod(value, 300)
        sub = within // 50
        tier, start = _TIERS[tier_index], tier_index * 300 + sub * 50
        step = tier_index * 6 + sub + 1
        next_tier, next_sub = _TIERS[min(step // 6, 5)], step % 6 if step < 30 else 0
        next_start = min(step * 50, 1500)
    return {
        "Value": value,
        "MeasurementMatchesRemaining": 0,
        "Tier": tier,
        "TierStart": start,
        "SubTier": sub,
        "NextTier": next_tier,
        "NextTierStart": next_start,
        "NextSubTier": next_sub,
        "InitialMeasurementMatches": 10,
    }


def _mmr(rng: random.Random, special: str | None) -> float | str:
    return special or rng.uniform(700, 1700)


def skill_result(stats: dict, player_id: str, ranked: bool) -> dict:
    """Build one ``Value`` entry of a skill document from the stats document.

    Args:
        stats: The match's stats document.
        player_id: A human ``xuid(…)`` who played the match.
        ranked: Whether the match counted for CSR (Ranked Arena).

    Returns:
        ``{"Id", "ResultCode": 0, "Result": {…}}``; StatPerformances repeat the
        kills and deaths of the stats document.

    """
    rng = random.Random(f"{stats['MatchId']}:{player_id}")
    match_rng = random.Random(stats["MatchId"])
    roll = match_rng.random()
    special = "NaN" if roll < 0.04 else "Infinity" if roll < 0.06 else None
    mmrs = {str(t["TeamId"]): _mmr(match_rng, special if t["TeamId"] == 0 else None)
            for t in stats["Teams"]} or {"0": _mmr(match_rng, special)}  # fmt: skip
    player = next(p for p in stats["Players"] if p["PlayerId"] == player_id)
    cores = [entry["Stats"]["CoreStats"] for entry in player["PlayerTeamStats"]]
    kills, deaths = sum(c["Kills"] for c in cores), sum(c["Deaths"] for c in cores)
    expected_kills, expected_deaths = rng.uniform(5, 22), rng.uniform(6, 18)
    before = rng.randint(300, 1650) if ranked else -1
    change = rng.randint(4, 16) * (1 if player["Outcome"] == 2 else -1)
    tiers = {}
    for index, tier in enumerate(_TIERS):
        tiers[tier] = {"Kills": expected_kills * (0.3 + index * 0.16),
                       "Deaths": expected_deaths * (1.35 - index * 0.07)}  # fmt: skip
    return {
        "Id": player_id,
        "ResultCode": 0,
        "Result": {
            "TeamMmr": mmrs.get(str(player["LastTeamId"]), mmrs["0"]),
            "RankRecap": {
                "PreMatchCsr": _csr(before),
                "PostMatchCsr": _csr(max(before + change, 0) if ranked else -1),
            },
            "StatPerformances": {
                "Kills": {"Count": kills, "Expected": expected_kills, "StdDev": rng.uniform(4, 6)},
                "Deaths": {
                    "Count": deaths,
                    "Expected": expected_deaths,
                    "StdDev": rng.uniform(4, 6),
                },
            },
            "TeamId": player["LastTeamId"],
            "TeamMmrs": mmrs,
            "RankedRewards": None,
            "Counterfactuals": {
                "SelfCounterfactuals": {"Kills": expected_kills, "Deaths": expected_deaths},
                "TierCounterfactuals": tiers,
            },
        },
    }


def skill_not_found(player_id: str) -> dict:
    """Return the ``Value`` entry of an id the skill service does not know."""
    return {"Id": player_id, "ResultCode": 1, "Result": None}


def _asset_index() -> dict[tuple[str, str], tuple[catalog.Asset, tuple]]:
    """Index every asset by (kind, asset id), with what it links to."""
    index: dict[tuple[str, str], tuple[catalog.Asset, tuple]] = {}
    by_playlist: dict[str, list[catalog.Asset]] = {}
    for mode in catalog.MODES:
        for key in (*mode.playlists, *(("bootcamp",) if mode.key == "slayer" else ())):
            ranked = key == "ranked" and mode.ranked_variant
            variant = mode.ranked_variant if ranked else mode.variant
            index["ugcGameVariant", variant.asset_id] = (variant, ())
            for map_name in mode.maps:
                pair = catalog.map_mode_pair(variant, map_name)
                index[pair.kind, pair.asset_id] = (pair, (catalog.MAPS[map_name], variant))
                by_playlist.setdefault(key, []).append(pair)
        index["ugcGameVariant", mode.variant.asset_id] = (mode.variant, ())
        for map_name in mode.maps:  # customs play the plain variant on any of the maps
            pair = catalog.map_mode_pair(mode.variant, map_name)
            index.setdefault(
                (pair.kind, pair.asset_id), (pair, (catalog.MAPS[map_name], mode.variant))
            )
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
    rng = random.Random(f"{asset.asset_id}:{version_id}")
    paths = (
        []
        if asset.kind in ("mapModePair", "playlist")
        else ["images/hero.png", "images/thumbnail.png"]
    )
    ratings = rng.randint(0, 30_000)
    return {
        "AssetId": asset.asset_id,
        "VersionId": version_id,
        "PublicName": asset.name,
        "Description": asset.description,
        "Files": _files(asset.kind, asset.asset_id, version_id, paths),
        "Contributors": [],
        "AssetHome": 1,
        "AssetStats": {
            "PlaysRecent": rng.randint(0, 200_000),
            "PlaysAllTime": rng.randint(200_000, 30_000_000),
            "Favorites": rng.randint(0, 30_000),
            "Likes": 0,
            "Bookmarks": 0,
            "ParentAssetCount": rng.randint(0, 100),
            "AverageRating": rng.uniform(2.5, 4.5) if ratings else 0.0,
            "NumberOfRatings": ratings,
        },
        "InspectionResult": 50 if asset.kind == "map" else 0,
        "CloneBehavior": 0,
        "Order": 0,
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
        entries = [p.asset_id for p in links]
        head["CustomData"] = {
            "PlaylistEntries": [
                {"MapModePairAssetId": e, "Metadata": {"Weight": 100.0}} for e in entries
            ],
            "MinTeamSize": 4,
            "MaxTeamSize": 4,
        }
        head["RotationEntries"] = [
            {"Metadata": {"Weight": 100.0}} | _body(p, p.version(legacy)) for p in links
        ]
    return head | _body(asset, version)


def medal_metadata() -> dict:
    """Build the gamecms medal metadata (``/hi/Waypoint/file/medals/metadata.json``)."""
    medals = []
    for name_id, (name, description, difficulty, kind, score, sprite, weight) in MEDALS.items():
        medals.append(
            {
                "name": {"value": name, "translations": {}},
                "description": {"value": description, "translations": {}},
                "spriteIndex": sprite,
                "sortingWeight": weight,
                "difficultyIndex": difficulty,
                "typeIndex": kind,
                "personalScore": score,
                "nameId": name_id,
            }
        )
    sheet = "medals/images/medal_sheet_{}.png"
    return {
        "difficulties": list(MEDAL_DIFFICULTIES),
        "types": list(MEDAL_TYPES),
        "sprites": {
            "small": {"path": sheet.format("sm"), "columns": 16, "size": 72},
            "medium": {"path": sheet.format("med"), "columns": 16, "size": 128},
            "extra-large": {"path": sheet.format("xl"), "columns": 16, "size": 256},
        },
        "medals": medals,
    }
