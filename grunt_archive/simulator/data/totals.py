"""Team totals from player figures, and the final JSON shape of a Stats object."""

from __future__ import annotations

import random
from collections.abc import Iterable

from grunt_archive.simulator.data.catalog import MODES, Mode
from grunt_archive.simulator.data.formats import accuracy, iso_duration, kda
from grunt_archive.simulator.data.playerstats import (
    ADDITIVE_CORE,
    DURATIONS,
    LEGACY_BLOCKS,
    MAXIMUM_FIELDS,
    Play,
    player_stats,
)


def _block_fields() -> dict[str, tuple[str, ...]]:
    """Return the field names of every block, in order, by drawing a throwaway one."""
    fields: dict[str, tuple[str, ...]] = {}
    for mode in MODES:
        raw = player_stats(random.Random(0), mode, Play(0, 0, 0, 60.0, (0, 0, 0), False))
        fields |= {name: tuple(block) for name, block in raw.items()}
    return fields


BLOCK_FIELDS = _block_fields()


def merge_awards(out: dict[int, dict], awards: list[dict]) -> None:
    """Add medal or personal-score awards into ``out``, summed by ``NameId``."""
    for award in awards:
        row = out.setdefault(
            award["NameId"],
            {"NameId": award["NameId"], "Count": 0, "TotalPersonalScoreAwarded": 0},
        )
        row["Count"] += award["Count"]
        row["TotalPersonalScoreAwarded"] += award["TotalPersonalScoreAwarded"]


def _summed_awards(lists: Iterable[list[dict]]) -> list[dict]:
    merged: dict[int, dict] = {}
    for awards in lists:
        merge_awards(merged, awards)
    return list(merged.values())


def team_stats(
    mode: Mode, members: list[dict], rounds: tuple[int, int, int], score: int | None = None
) -> dict[str, dict]:
    """Add up the raw Stats of everyone who played for a team.

    Counters are sums; KDA and Accuracy are recomputed from the summed
    counters; AverageLifeDuration is weighted by spawns; MaxKillingSpree and
    the "longest" block fields are maxima; rounds are the team's own.

    Args:
        mode: The game mode.
        members: Raw Stats of each player's time on this team (may be empty).
        rounds: The team's (RoundsWon, RoundsLost, RoundsTied).
        score: The team's Score where only the team scores (its players' are 0); it
            is also the team's StrongholdScoringTicks, and a Firefight fireteam's
            ObjectivesCompleted.

    Returns:
        Raw team Stats, in the same shape as a player's.

    """
    cores = [m["CoreStats"] for m in members]
    core = {key: sum(c[key] for c in cores) for key in ADDITIVE_CORE}
    core["DeprecatedDamageDealt"] = float(core["DeprecatedDamageDealt"])
    core["DeprecatedDamageTaken"] = float(core["DeprecatedDamageTaken"])
    spawns = core["Spawns"]
    lived = sum(c["AverageLifeDuration"] * c["Spawns"] for c in cores)
    if mode.pve and score is not None:  # the fireteam's objectives, each player's too
        core["ObjectivesCompleted"] = score
    core |= {
        "Score": core["Score"] if score is None else score,
        "RoundsWon": rounds[0],
        "RoundsLost": rounds[1],
        "RoundsTied": rounds[2],
        "KDA": kda(core["Kills"], core["Deaths"], core["Assists"]),
        "AverageLifeDuration": lived // spawns if spawns else 0,
        "Accuracy": accuracy(core["ShotsHit"], core["ShotsFired"]),
        "MaxKillingSpree": max((c["MaxKillingSpree"] for c in cores), default=0),
        "Medals": _summed_awards(c["Medals"] for c in cores),
        "PersonalScores": _summed_awards(c["PersonalScores"] for c in cores),
    }
    # Keep the services' key order: that of a player's CoreStats.
    order = BLOCK_FIELDS["CoreStats"]
    stats: dict[str, dict] = {"CoreStats": {key: core[key] for key in order}}
    for name in [n for n in BLOCK_FIELDS if n != "CoreStats" and _uses(mode, n)]:
        block = {}
        for key in BLOCK_FIELDS[name]:
            values = [m[name][key] or 0 for m in members]
            block[key] = max(values, default=0) if key in MAXIMUM_FIELDS else sum(values)
        if score is not None and "StrongholdScoringTicks" in block:
            block["StrongholdScoringTicks"] = score
        if "KDA" in block:
            block["KDA"] = kda(block["Kills"], block["Deaths"], block["Assists"])
        stats[name] = block
    return stats


def _uses(mode: Mode, block: str) -> bool:
    versus = "PveStats" if mode.pve else "PvpStats"
    return block in (mode.block, versus)


def stats_order(mode: Mode) -> tuple[str, ...]:
    """Return the Stats keys of a 2024-format document of `mode`, in order."""
    versus = "PveStats" if mode.pve else "PvpStats"
    return ("CoreStats", mode.block, versus) if mode.block else ("CoreStats", versus)


def finish_stats(mode: Mode, raw: dict[str, dict], legacy: bool) -> dict:
    """Turn raw Stats into the services' JSON shape.

    Args:
        mode: The game mode.
        raw: Raw Stats from `playerstats.player_stats` or `team_stats`.
        legacy: Write the 2022 form: every block key present (null when it
            does not apply), no PvpStats/PveStats, no ObjectivesCompleted.

    Returns:
        The Stats object, durations written as ISO-8601.

    """
    shaped = {
        name: {k: iso_duration(v, 1) if k in DURATIONS else v for k, v in block.items()}
        for name, block in raw.items()
    }
    if not legacy:
        return {name: shaped[name] for name in stats_order(mode)}
    shaped["CoreStats"].pop("ObjectivesCompleted")
    return {"CoreStats": shaped["CoreStats"]} | {b: shaped.get(b) for b in LEGACY_BLOCKS}
