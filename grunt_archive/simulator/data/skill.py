"""Skill documents: a match's CSR, MMR and expected performance; a playlist's CSR.

Skill figures repeat the kills and deaths of the stats document, and a
playlist's CSR repeats the post-match CSR of the player's ranked skill
documents: the newest ranked match of the season, the season's best, the best
ever. So the playlist CSR changes as matches are played, and only then.
"""

from __future__ import annotations

import random
import weakref
from typing import TYPE_CHECKING

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.world import MATCHMADE

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

_TIERS = ("Bronze", "Silver", "Gold", "Platinum", "Diamond", "Onyx")
# Per simulator: (matchmade matches looked at, [(season id, post-match CSR)]) by player.
_RANKED: weakref.WeakKeyDictionary[Simulator, dict[int, tuple[int, list]]] = (
    weakref.WeakKeyDictionary()
)


def csr_record(value: int) -> dict:
    """Return the CSR block of a value: its tier, sub-tier and the next; -1 is unranked."""
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
                "PreMatchCsr": csr_record(before),
                "PostMatchCsr": csr_record(max(before + change, 0) if ranked else -1),
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


def _season_matches(season: str, season_id: str | None) -> bool:
    stem = (season_id or "").rsplit("/", 1)[-1].removesuffix(".json").lower()
    return season.lower() in (stem, (season_id or "").lower())


def _ranked_csrs(sim: Simulator, player: int) -> list[tuple[str | None, int]]:
    """Return (season id, post-match CSR) of a player's ranked matches, oldest first (cached)."""
    player_id = sim.world.player_ids[player]
    with sim.lock:
        metas = sim.world.history(player, frozenset({MATCHMADE}))[::-1]
        seen, csrs = _RANKED.setdefault(sim, {}).get(player, (0, []))
        for meta in metas[seen:]:
            stats = sim.stats_document(meta.match_id)
            info = stats["MatchInfo"]
            playlist = (info.get("Playlist") or {}).get("AssetId")
            if playlist == catalog.RANKED_PLAYLIST_ID:
                result = skill_result(stats, player_id, True)["Result"]
                csrs.append((info.get("SeasonId"), result["RankRecap"]["PostMatchCsr"]["Value"]))
        _RANKED[sim][player] = (len(metas), csrs)
        return list(csrs)


def playlist_csr(sim: Simulator, player: int, playlist: str, season: str | None) -> dict:
    """Build one ``Value`` entry of a playlist CSR document from the skill documents.

    Only Ranked Arena has a CSR; any other playlist answers -1 (unranked) throughout.
    """
    season = season or catalog.CSR_SEASONS[-1][1]
    ranked = playlist.lower() == catalog.RANKED_PLAYLIST_ID
    csrs = _ranked_csrs(sim, player) if ranked else []
    in_season = [csr for season_id, csr in csrs if _season_matches(season, season_id)]
    records = {
        "Current": in_season[-1] if in_season else -1,  # the season's newest ranked match
        "SeasonMax": max(in_season, default=-1),
        "AllTimeMax": max((csr for _, csr in csrs), default=-1),
    }
    result = {}
    for name, value in records.items():
        record = csr_record(value)
        if value < 0:
            record["MeasurementMatchesRemaining"] = record["InitialMeasurementMatches"]
        result[name] = record
    return {"Id": sim.world.player_ids[player], "ResultCode": 0, "Result": result}
