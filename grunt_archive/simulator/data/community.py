"""The community's figures of every asset (``AssetStats``): plays, favourites, ratings.

The whole community plays the simulator's own catalogue: its playlists, their
rotations (`catalog.rotation`), the modes customs play, in the era each existed.
An asset's plays are its share of the community's plays, era by era, times how
many the community played then (`played`); every figure is a pure function of
the catalogue and the asset's id, so every seed's world shows the same community,
and nothing here draws from a world's random streams: no match, history, player
or skill of any seed depends on it. On top of these, `assets.grow_asset_stats`
counts the world's own matches played since it was made.

Magnitudes follow the real documents in halo-samples: a mainstream arena map has
tens of millions of plays all time (Recharge 27.7M late in 2022,
``legacy2022__ugc_map.json``; Live Fire 37.6M, Streets 35.8M,
``spnkr__search_assets.json``) and 50k to 200k recent ones; Arena:Slayer, the
variant most playlists and customs share, 45.3M all time and 137k recent;
a map-mode pair 5k to 13k recent (``spnkr__get_playlist.json``). Map-mode pairs
carry no favourites or ratings there, an engine variant no plays at all.
"""

from __future__ import annotations

import functools
import math
import random
from collections import Counter

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import epoch_ms
from grunt_archive.simulator.data.world import MODERN_NEWEST

_DAY_MS = 86_400_000
LAUNCH = epoch_ms("2021-11-15")  # Halo Infinite's multiplayer launch
SEASON_2 = epoch_ms("2022-05-03")  # Lone Wolves (`calendars`): Catalyst and Breaker came
SEASON_3 = epoch_ms(catalog.CSR_SEASONS[0][0])  # the catalogue's modern era begins
# The figures are as of the end of the worlds' modern era, for every seed alike.
AS_OF = MODERN_NEWEST
# "Recent" is not documented; the samples' recent plays are a few days to a week of a
# map's or variant's all-time average, so: the last week.
RECENT_DAYS = 7
# The community's plays a day: a launch crowd that fades (over about three months) to a
# steady core. Assumed figures, set so that the samples' magnitudes above come out.
PEAK, FLOOR, FADE_DAYS = 1_600_000, 90_000, 90.0

# Share of the community's matchmade plays each playlist takes. The catalogue's own
# `Playlist.weight` is one tracked player's habits; these are the crowd's. Quick Play is
# where most people play; Ranked Arena next; Big Team Battle, Fiesta and Husky Raid are
# big (in spnkr__search_assets.json Husky Raid:CTF has as many recent plays as Super
# Fiesta, 92k, and Ranked:Doubles Slayer 68k); the single-mode novelty playlists
# (Grifball, Team Juggernaut) and Bot Bootcamp are small.
PLAYLIST_SHARE = {
    "quickplay": 26, "ranked": 14, "ranked_slayer": 6, "ranked_doubles": 3,
    "ranked_tactical": 2, "btb": 12, "fiesta": 8, "swat": 4, "husky": 6, "objective": 3,
    "juggernaut": 1, "grifball": 0.8, "infection": 3, "firefight": 4, "bootcamp": 1.5,
    "ffa": 4,
}  # fmt: skip
# Customs and their variants: their share of all plays, split by each mode's
# `custom_weight` (Slayer the most played custom, as in the worlds).
CUSTOM_SHARE = 0.12
# How much more (or less) often a map comes up than its rotation weight says. The real
# rotations weigh the maps the community favours up: Ranked Arena in
# spnkr__get_playlist.json gives Live Fire, Streets and Recharge 445-450 each, Aquarius
# 155, Bazaar 95; the 2022 Quick Play gives Launch Site 125, the others 315-515. The
# catalogue's rotations (which every seed's matches are drawn from, so cannot change)
# weigh every map of a mode alike; this puts the difference back for the community.
# Mainstream arena maps, those of every arena playlist and of the ranked rotation
# (`catalog._RANKED_MAPS`), come up most; Argyle, in no ranked rotation and mostly
# served by Infection and the objective variety, and Launch Site come up least.
MAP_APPEAL = {
    "Live Fire": 1.6, "Recharge": 1.5, "Streets": 1.5, "Aquarius": 1.3, "Bazaar": 1.2,
    "Catalyst": 1.1, "Solitude": 1.0, "Empyrean": 1.0, "Behemoth": 0.9, "Forbidden": 0.9,
    "Prism": 0.9, "Cliffhanger": 0.8, "Detachment": 0.8, "Launch Site": 0.6, "Argyle": 0.4,
    "Fragmentation": 1.1, "Highpower": 1.0, "Deadlock": 1.0, "Breaker": 0.9, "Command": 0.8,
    "Grifball Court": 1.0,
}  # fmt: skip
SEASON_2_MAPS = frozenset(("Catalyst", "Breaker"))
# Eras: (name, first instant, end); each plays the catalogue of its time.
ERAS = (("launch", LAUNCH, SEASON_2), ("2022", SEASON_2, SEASON_3), ("modern", SEASON_3, AS_OF))


def played(start_ms: int, end_ms: int) -> float:
    """Return how many plays the whole community made between two instants."""
    start, end = (max(0.0, (t - LAUNCH) / _DAY_MS) for t in (start_ms, end_ms))
    if end <= start:
        return 0.0
    faded = math.exp(-start / FADE_DAYS) - math.exp(-end / FADE_DAYS)
    return FLOOR * (end - start) + (PEAK - FLOOR) * FADE_DAYS * faded


def _era_maps(maps: tuple[str, ...], era: str) -> tuple[str, ...]:
    return tuple(m for m in maps if era != "launch" or m not in SEASON_2_MAPS)


def _add(shares: Counter[str], share: float, variant: catalog.Asset, map_name: str) -> None:
    """Count a share of plays on a variant, a map, and their map-mode pair."""
    pair = catalog.map_mode_pair(variant, map_name)
    for asset_id in (variant.asset_id, catalog.MAPS[map_name].asset_id, pair.asset_id):
        shares[asset_id] += share


def _playlist_shares(shares: Counter[str], era: str) -> None:
    legacy = era != "modern"
    specs = [s for s in catalog.PLAYLIST_SPECS.values() if s.legacy or not legacy]
    crowd = sum(PLAYLIST_SHARE[s.key] for s in specs)
    for spec in specs:
        entries = []
        for mode in (catalog.MODES[catalog.MODE_INDEX[k]] for k in spec.modes):
            if legacy and not mode.legacy:
                continue
            maps, weights = catalog.rotation(spec.key, mode.key, legacy)
            entries += [(mode, m, w * MAP_APPEAL[m]) for m, w in zip(maps, weights, strict=True)
                        if m in _era_maps(maps, era)]  # fmt: skip
        total = sum(weight for *_, weight in entries)
        playlist = (1 - CUSTOM_SHARE) * PLAYLIST_SHARE[spec.key] / crowd
        shares[spec.asset.asset_id] += playlist if entries else 0.0
        for mode, map_name, weight in entries:
            _add(shares, playlist * weight / total, catalog.variant_of(mode, spec), map_name)


def _custom_shares(shares: Counter[str], era: str) -> None:
    legacy = era != "modern"
    modes = [m for m in catalog.MODES if m.custom_weight and (m.legacy or not legacy)]
    crowd = sum(m.custom_weight for m in modes)
    for mode in modes:
        maps = _era_maps(catalog.playlist_maps(None, mode, legacy), era)
        total = sum(MAP_APPEAL[m] for m in maps)
        for map_name in maps:
            share = CUSTOM_SHARE * mode.custom_weight / crowd * MAP_APPEAL[map_name] / total
            _add(shares, share, mode.variant, map_name)


@functools.cache
def era_shares(era: str) -> Counter[str]:
    """Return each asset's share (by asset id) of the community's plays in an era.

    Every play is on one map, so the maps' shares add up to 1, and so do the variants'.
    """
    shares: Counter[str] = Counter()
    _playlist_shares(shares, era)
    _custom_shares(shares, era)
    return shares


def plays(asset_id: str) -> tuple[int, int]:
    """Return an asset's community plays: (in the last `RECENT_DAYS`, all time)."""
    noise = random.Random(f"grunt-archive-community:{asset_id}")
    pull, week = noise.uniform(0.92, 1.08), noise.uniform(0.9, 1.1)  # this asset; this week
    every = sum(era_shares(era)[asset_id] * played(start, end) for era, start, end in ERAS)
    recent = era_shares("modern")[asset_id] * played(AS_OF - RECENT_DAYS * _DAY_MS, AS_OF)
    all_time = round(every * pull)
    return min(round(recent * pull * week), all_time), all_time


def asset_stats(asset: catalog.Asset) -> dict:
    """Return an asset's ``AssetStats``, in the real order (the same for every version).

    Favourites and ratings follow plays, as in the samples: a map about one rating per
    10,000 plays, a game variant one to two per 1,000, about as many favourites as
    ratings; map-mode pairs and playlists carry none, engine variants no plays.
    """
    rng = random.Random(f"grunt-archive-community-ratings:{asset.asset_id}")
    recent, all_time = plays(asset.asset_id) if asset.kind != "engineGameVariant" else (0, 0)
    rated = {"map": (0.8e-4, 1.4e-4), "ugcGameVariant": (0.5e-3, 2.5e-3)}.get(asset.kind)
    ratings = round(all_time * rng.uniform(*rated)) if rated else 0
    parents = {"map": (50, 180), "ugcGameVariant": (20, 60), "mapModePair": (1, 1),
               "engineGameVariant": (30_000, 70_000)}.get(asset.kind, (0, 0))  # fmt: skip
    return {
        "PlaysRecent": recent,
        "PlaysAllTime": all_time,
        "Favorites": round(ratings * rng.uniform(0.9, 1.5)),
        "Likes": 0,
        "Bookmarks": 0,
        "ParentAssetCount": rng.randint(*parents),
        "AverageRating": rng.uniform(2.8, 4.4) if ratings else 0.0,
        "NumberOfRatings": ratings,
    }
