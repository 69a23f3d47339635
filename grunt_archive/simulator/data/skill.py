"""Skill documents: a match's CSR, MMR and expected performance; a playlist's CSR.

Skill figures repeat the kills and deaths of the stats document. A tracked
player's CSR is the world's (`ranks`): each ranked match of a playlist starts
where their previous one in it ended, and the playlist CSR repeats those
post-match values (the season's newest, the season's best, the best ever), so
it changes as matches are played, and only then.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.documents import season_id
from grunt_archive.simulator.data.ranks import PLACEMENTS, WIN, CsrStep, target_csr
from grunt_archive.simulator.data.world import MATCHMADE, player_skill

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

_TIERS = ("Bronze", "Silver", "Gold", "Platinum", "Diamond", "Onyx")


def csr_record(value: int, remaining: int = 0) -> dict:
    """Return the CSR block of a value: its tier, sub-tier and the next; -1 is unranked.

    Args:
        value: The CSR, or -1.
        remaining: MeasurementMatchesRemaining (placement matches still to play).

    Returns:
        The ``Csr`` object of a skill or playlist CSR document.

    """
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
        "MeasurementMatchesRemaining": remaining,
        "Tier": tier,
        "TierStart": start,
        "SubTier": sub,
        "NextTier": next_tier,
        "NextTierStart": next_start,
        "NextSubTier": next_sub,
        "InitialMeasurementMatches": PLACEMENTS,
    }


def unranked_record() -> dict:
    """Return the CSR block of a match outside ranked play: Value 0, no tier, no placement.

    As the services send it (grunt2022__match_skill.json): the archive tells it from
    a CSR of 0 by its empty tier (`grunt_archive.views.CSR_SQL`).
    """
    return csr_record(-1) | {"Value": 0, "InitialMeasurementMatches": 0}


def _mmr(rng: random.Random, special: str | None) -> float | str:
    return special or rng.uniform(700, 1700)


def _stranger_step(rng: random.Random, player_id: str, outcome: int) -> CsrStep:
    """Make up a CSR step for someone the world does not follow: near their skill."""
    before = max(0, target_csr(player_skill(player_id)) + round(rng.gauss(0, 90)))
    change = rng.randint(7, 14) * (1 if outcome == WIN else -1)
    return CsrStep(before, max(0, before + change), 0, 0)


def team_ids(stats: dict) -> list[int]:
    """Return the teams a skill document gives an MMR: the match's, or its players'.

    A match without teams (Infection) still has them in skill: as in the real
    free-for-all skill document (``grunt2022__match_skill.json``, one team per
    player), every team a player is on has its MMR, the player's own among them.
    """
    teams = [team["TeamId"] for team in stats["Teams"]]
    return teams or sorted({player["LastTeamId"] for player in stats["Players"]})


def skill_result(stats: dict, player_id: str, step: CsrStep | None) -> dict:
    """Build one ``Value`` entry of a skill document from the stats document.

    Args:
        stats: The match's stats document.
        player_id: A human ``xuid(…)`` who played the match.
        step: Their CSR before and after the match; None when it is not ranked.

    Returns:
        ``{"Id", "ResultCode": 0, "Result": {…}}``; StatPerformances repeat the
        kills and deaths of the stats document.

    """
    rng = random.Random(f"{stats['MatchId']}:{player_id}")
    match_rng = random.Random(stats["MatchId"])
    roll = match_rng.random()
    special = "NaN" if roll < 0.04 else "Infinity" if roll < 0.06 else None
    mmrs = {str(team): _mmr(match_rng, special if team == 0 else None)
            for team in team_ids(stats)}  # fmt: skip
    player = next(p for p in stats["Players"] if p["PlayerId"] == player_id)
    cores = [entry["Stats"]["CoreStats"] for entry in player["PlayerTeamStats"]]
    kills, deaths = sum(c["Kills"] for c in cores), sum(c["Deaths"] for c in cores)
    # What a player of this skill was expected to do: near what they did, give or take.
    expected_kills = max(0.5, kills * rng.uniform(0.7, 1.3) + rng.uniform(-2, 2))
    expected_deaths = max(0.5, deaths * rng.uniform(0.7, 1.3) + rng.uniform(-2, 2))
    tiers = {}  # what a player of each tier would have done; only ranked play says
    for index, tier in enumerate(_TIERS if step is not None else ()):
        tiers[tier] = {"Kills": expected_kills * (0.3 + index * 0.16),
                       "Deaths": expected_deaths * (1.35 - index * 0.07)}  # fmt: skip
    if step is not None:
        recap = {"PreMatchCsr": csr_record(step.pre, step.pre_left),
                 "PostMatchCsr": csr_record(step.post, step.post_left)}  # fmt: skip
    else:
        recap = {"PreMatchCsr": unranked_record(), "PostMatchCsr": unranked_record()}
    return {
        "Id": player_id,
        "ResultCode": 0,
        "Result": {
            "TeamMmr": mmrs[str(player["LastTeamId"])],
            "RankRecap": recap,
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


def match_skill(sim: Simulator, stats: dict, wanted: list[str]) -> list[dict]:
    """Return the ``Value`` entries of a matchmade match's skill document for `wanted`.

    Tracked players carry the world's CSR steps; other people in a ranked match a
    step of their own; bots and strangers to the match are not found.
    """
    meta = sim.world.matches[stats["MatchId"]]
    spec = catalog.PLAYLIST_SPECS.get(meta.playlist or "")
    ranked = spec is not None and spec.ranked
    humans = {p["PlayerId"]: p for p in stats["Players"] if p["PlayerType"] == 1}
    values = []
    for player_id in wanted:
        if player_id not in humans:
            values.append(skill_not_found(player_id))
            continue
        step = None
        if ranked:
            index = sim.world.player_index(player_id)
            step = sim.world.csr.get((meta.match_id, index)) if index is not None else None
            if step is None:
                rng = random.Random(f"{meta.match_id}:{player_id}:csr")
                step = _stranger_step(rng, player_id, humans[player_id]["Outcome"])
        values.append(skill_result(stats, player_id, step))
    return values


def _season_matches(season: str, season_id_: str | None) -> bool:
    stem = (season_id_ or "").rsplit("/", 1)[-1].removesuffix(".json").lower()
    return season.lower() in (stem, (season_id_ or "").lower())


def ranked_steps(sim: Simulator, player: int, playlist: str) -> list[tuple[str | None, CsrStep]]:
    """Return (SeasonId, CSR step) of a player's matches in a ranked playlist, oldest first."""
    with sim.lock:
        metas = sim.world.history(player, frozenset({MATCHMADE}))[::-1]
        return [
            (season_id(meta), sim.world.csr[meta.match_id, player])
            for meta in metas
            if meta.playlist == playlist and (meta.match_id, player) in sim.world.csr
        ]


def playlist_csr(sim: Simulator, player: int, playlist: str, season: str | None) -> dict:
    """Build one ``Value`` entry of a playlist CSR document from the player's ranked matches.

    A playlist that is not ranked answers -1 (unranked) throughout.
    """
    season = season or catalog.CSR_SEASONS[-1][1]
    spec = catalog.PLAYLIST_BY_ID.get(playlist.lower())
    steps = ranked_steps(sim, player, spec.key) if spec is not None and spec.ranked else []
    in_season = [step for season_id_, step in steps if _season_matches(season, season_id_)]
    left = steps[-1][1].post_left if steps else PLACEMENTS
    records = {
        "Current": in_season[-1].post if in_season else -1,  # the season's newest ranked match
        "SeasonMax": max((step.post for step in in_season), default=-1),
        "AllTimeMax": max((step.post for _, step in steps), default=-1),
    }
    result = {name: csr_record(value, left if value < 0 else 0) for name, value in records.items()}
    return {"Id": sim.world.player_ids[player], "ResultCode": 0, "Result": result}
