"""Figures of one player on one team in one match: CoreStats, mode blocks, medals.

Values are kept "raw" here (durations as integer tenths of a second) so team
totals can be summed exactly; `finish_stats` turns them into the services'
JSON shapes for the 2022 or the 2024 format.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from grunt_archive.simulator.data.catalog import Mode
from grunt_archive.simulator.data.formats import accuracy, kda
from grunt_archive.simulator.data.medals import SCORES, mode_medals

# Every block key a 2022-era Stats object carries, in the services' order.
LEGACY_BLOCKS = (
    "BombStats",
    "CaptureTheFlagStats",
    "EliminationStats",
    "ExtractionStats",
    "InfectionStats",
    "OddballStats",
    "ZonesStats",
    "StockpileStats",
)
# Fields in tenths of a second, written as ISO-8601 durations.
DURATIONS = frozenset(
    (
        "AverageLifeDuration", "TimeAsFlagCarrier", "LongestTimeAsSkullCarrier",
        "TimeAsSkullCarrier", "StrongholdOccupationTime", "TimeAsLastSpartanStanding",
        "TimeAsPowerSeedCarrier", "TimeAsPowerSeedDriver", "TimeAsBombCarrier",
        "LongestTimeAsVip", "TimeAsVip",
    )
)  # fmt: skip
# CoreStats fields whose team value is the sum of its players' values.
ADDITIVE_CORE = (
    "Score", "PersonalScore", "Kills", "Deaths", "Assists", "Suicides", "Betrayals",
    "GrenadeKills", "HeadshotKills", "MeleeKills", "PowerWeaponKills", "ShotsFired", "ShotsHit",
    "DamageDealt", "DamageTaken", "CalloutAssists", "VehicleDestroys", "DriverAssists",
    "Hijacks", "EmpAssists", "DeprecatedDamageDealt", "DeprecatedDamageTaken", "Spawns",
    "ObjectivesCompleted",
)  # fmt: skip
# Block fields whose team value is the players' maximum rather than their sum.
MAXIMUM_FIELDS = frozenset(
    ("LongestTimeAsSkullCarrier", "LongestTimeAsVip", "MaxKillingSpreeAsVip")
)
_PVE_KINDS = (
    "MarineKills", "GruntKills", "JackalKills", "EliteKills", "BruteKills",
    "HunterKills", "SkimmerKills", "SentinelKills", "BossKills",
)  # fmt: skip
_PVE_WEIGHTS = (0.0, 0.3, 0.35, 0.1, 0.12, 0.02, 0.1, 0.0, 0.01)


# Share of kills that are headshots: SWAT is all precision; Firefight's AI kills count none.
_HEADSHOTS = {"swat": (0.75, 0.95), "firefight": (0.0, 0.0), "grifball": (0.0, 0.1)}
# Modes whose services score only the team: a player's Score (and scoring ticks) stays 0.
TEAM_SCORED = frozenset(("strongholds", "firefight"))
# Double Kill, Triple Kill, Overkill, then Killtacular to Killionaire (Firefight's hordes).
_MULTIKILLS = (622331684, 2063152177, 835814121, 2137071619, 1430343434, 3835606176,
               2242633421, 3352648716, 3233051772)  # fmt: skip
# Killing Spree, Killing Frenzy, Running Riot, Rampage, Nightmare, Boogeyman: every 5 kills.
_SPREES = (2780740615, 4261842076, 418532952, 1486797009, 710323196, 1720896992)
# Against the AI (the real fireteam): about 0.3 assists a kill, 40 to 100 shots a minute,
# 140 to 180 damage a kill; DamageTaken counts next to nothing and MaxKillingSpree stays 0.
_PVE_ASSISTS = 0.3


@dataclass
class Play:
    """What one player did on one team, decided before the details are drawn.

    Attributes:
        kills: Kills on this team.
        deaths: Deaths on this team.
        score: The CoreStats Score (the player's share of the team score).
        seconds: Seconds played on this team.
        rounds: (RoundsWon, RoundsLost, RoundsTied) of the team.
        won: Whether the player's team won.
        aim: Share of the player's shots that hit (their Accuracy / 100).
        objectives: ObjectivesCompleted: the objectives the player's team completed
            while they played (Firefight's hills; 0 in PvP modes, as the real ones).
        team: The team the player finished on (Infection: 0 the survivors, 1 the
            infected).

    """

    kills: int
    deaths: int
    score: int
    seconds: float
    rounds: tuple[int, int, int]
    won: bool
    aim: float = 0.5
    objectives: int = 0
    team: int = 0


def _upto(rng: random.Random, limit: int) -> int:
    # random() is the cheapest draw; documents draw thousands of these per match.
    return int(rng.random() * (limit + 1)) if limit > 0 else 0


def _chance(rng: random.Random, p: float) -> int:
    return 1 if rng.random() < p else 0


def _ctf(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s = play.kills, play.score
    grabs = s + _upto(rng, 5)
    carriers = _upto(rng, min(3, k))
    return {
        "FlagCaptureAssists": _upto(rng, 1), "FlagCaptures": s, "FlagCarriersKilled": carriers,
        "FlagGrabs": grabs, "FlagReturnersKilled": _upto(rng, min(2, k - carriers)),
        "FlagReturns": _upto(rng, 3), "FlagSecures": _upto(rng, grabs),
        "FlagSteals": _upto(rng, grabs), "KillsAsFlagCarrier": _upto(rng, min(1, k)),
        "KillsAsFlagReturner": 0, "TimeAsFlagCarrier": grabs * rng.randint(30, 250),
    }  # fmt: skip


def _oddball(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s = play.kills, play.score
    held = s * 10 + (rng.randint(5, 200) if s else 0)
    return {
        "KillsAsSkullCarrier": _upto(rng, min(2, k)),
        "LongestTimeAsSkullCarrier": rng.randint(held // 3, held) if held else 0,
        "SkullCarriersKilled": _upto(rng, min(5, k)), "SkullGrabs": (s > 0) + _upto(rng, 6),
        "TimeAsSkullCarrier": held, "SkullScoringTicks": s,
    }  # fmt: skip


def _strongholds(rng: random.Random, play: Play) -> dict[str, int | None]:
    # The services count a Strongholds team's scoring ticks, never a player's.
    return _zones(rng, play) | {"StrongholdScoringTicks": 0}


def _zones(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s, t = play.kills, play.score, int(play.seconds * 10)
    defensive = _upto(rng, k // 2)
    return {
        "StrongholdCaptures": _upto(rng, 8), "StrongholdDefensiveKills": defensive,
        "StrongholdOffensiveKills": _upto(rng, k - defensive),
        "StrongholdSecures": _upto(rng, 4),
        "StrongholdOccupationTime": _upto(rng, t // 3), "StrongholdScoringTicks": s,
    }  # fmt: skip


def _elimination(rng: random.Random, play: Play, pve: bool = False) -> dict[str, int | None]:
    k = play.kills
    return {
        "AlliesRevived": _upto(rng, 4), "EliminationAssists": 0 if pve else _upto(rng, 3),
        "Eliminations": 0 if pve else rng.randint(k // 2, k), "EnemyRevivesDenied": 0,
        "Executions": 0 if pve else _chance(rng, 0.2),
        "KillsAsLastPlayerStanding": 0 if pve else _upto(rng, min(2, k)),
        "LastPlayersStandingKilled": 0 if pve else _upto(rng, min(2, k)),
        "RoundsSurvived": 0 if pve else _upto(rng, sum(play.rounds)),
        "TimesRevivedByAlly": _upto(rng, 3), "LivesRemaining": None, "EliminationOrder": 0,
    }  # fmt: skip


def _firefight(rng: random.Random, play: Play) -> dict[str, int | None]:
    return _elimination(rng, play, pve=True)


def _extraction(rng: random.Random, play: Play) -> dict[str, int | None]:
    s = play.score
    return {
        "SuccessfulExtractions": s, "ExtractionConversionsDenied": _upto(rng, 2),
        "ExtractionConversionsCompleted": _upto(rng, 2),
        "ExtractionInitiationsDenied": _upto(rng, 1),
        "ExtractionInitiationsCompleted": s + _upto(rng, 2),
    }  # fmt: skip


def _infection(rng: random.Random, play: Play) -> dict[str, int | None]:
    k = play.kills
    # Drawn alike for everyone, so that each player's draws stay where they were.
    drawn = rng.randint(k // 2, k)
    alphas_killed, as_alpha = _upto(rng, 1), _upto(rng, drawn // 2)
    last_infected, alpha = _upto(rng, 1), _chance(rng, 0.2)
    # A survivor (team 0) was a Spartan all round: every kill was of the infected, and
    # only the infected infect. The infected (team 1) ended the round infected, whichever
    # side won; an alpha was one from its start.
    infected = 0 if play.team == 0 else drawn
    return {
        "AlphasKilled": alphas_killed, "SpartansInfected": infected,
        "SpartansInfectedAsAlpha": as_alpha if infected else 0,
        "KillsAsLastSpartanStanding": 0,
        "LastSpartansStandingInfected": last_infected if infected else 0,
        "RoundsAsAlpha": alpha if play.team else 0, "RoundsAsLastSpartanStanding": 0,
        "RoundsFinishedAsInfected": int(play.team == 1),
        "RoundsSurvivedAsSpartan": int(play.team == 0),
        "RoundsSurvivedAsLastSpartanStanding": 0, "TimeAsLastSpartanStanding": 0,
        "InfectedKilled": k - infected,
    }  # fmt: skip


def _stockpile(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s = play.kills, play.score
    return {
        "KillsAsPowerSeedCarrier": _upto(rng, min(2, k)), "PowerSeedsDeposited": s,
        "PowerSeedsStolen": _upto(rng, 3), "PowerSeedCarriersKilled": _upto(rng, min(4, k)),
        "TimeAsPowerSeedCarrier": (s + _upto(rng, 3)) * rng.randint(50, 300),
        "TimeAsPowerSeedDriver": 0,
    }  # fmt: skip


def _vip(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s = play.kills, play.score
    chosen = _upto(rng, 2)
    as_vip = chosen * rng.randint(200, 900)
    kills_as = _upto(rng, min(k, chosen * 3))
    return {
        "KillsAsVip": kills_as, "LongestTimeAsVip": as_vip // max(chosen, 1),
        "MaxKillingSpreeAsVip": _upto(rng, kills_as), "TimeAsVip": as_vip,
        "TimesSelectedAsVip": chosen, "VipAssists": _upto(rng, 3), "VipKills": s,
    }  # fmt: skip


def _bomb(rng: random.Random, play: Play) -> dict[str, int | None]:
    k, s = play.kills, play.score
    plants = s + _upto(rng, 2)
    return {
        "BombCarriersKilled": _upto(rng, min(3, k)), "BombDefusals": _upto(rng, 1),
        "BombDefusersKilled": _upto(rng, min(1, k)), "BombDetonations": s,
        "BombPickUps": plants + _upto(rng, 3), "BombPlants": plants,
        "BombReturns": _upto(rng, 1), "KillsAsBombCarrier": _upto(rng, min(1, k)),
        "TimeAsBombCarrier": plants * rng.randint(80, 400),
    }  # fmt: skip


# Mode key -> how its block is drawn; modes without a block (slayer, …) have none.
_MODE_BLOCKS = {
    "ctf": _ctf,
    "oddball": _oddball,
    "strongholds": _strongholds,
    "koth": _zones,
    "land_grab": _zones,
    "total_control": _zones,
    "elimination": _elimination,
    "attrition": _elimination,
    "grifball": _bomb,
    "firefight": _firefight,
    "extraction": _extraction,
    "infection": _infection,
    "stockpile": _stockpile,
    "vip": _vip,
    "bomb": _bomb,
}


def mode_block(rng: random.Random, mode: Mode, play: Play) -> dict[str, int | None]:
    """Draw the mode block of a player (durations in tenths of a second)."""
    draw = _MODE_BLOCKS.get(mode.key)
    return draw(rng, play) if draw else {}


def _score_lines(mode: Mode, core: dict, block: dict, score: int) -> list[tuple[str, int]]:
    lines = [
        ("kill", core["Kills"]), ("assist", core["Assists"]), ("mark", core["CalloutAssists"]),
        ("betrayal", core["Betrayals"]), ("suicide", core["Suicides"]),
    ]  # fmt: skip
    if mode.pve:  # the AI's kills score by enemy, as "custom" lines, not as kills
        lines = lines[2:]
    get = block.get
    lines += {
        "ctf": [("flag_captured", get("FlagCaptures")), ("flag_stolen", get("FlagSteals")),
                ("flag_returned", get("FlagReturns")), ("flag_taken", get("FlagGrabs")),
                ("runner_stopped", get("FlagCarriersKilled"))],
        "oddball": [("ball_control", score // 10), ("ball_taken", get("SkullGrabs")),
                    ("carrier_stopped", get("SkullCarriersKilled"))],
        "strongholds": [("zone_captured", get("StrongholdCaptures")),
                        ("zone_secured", get("StrongholdSecures"))],
        "koth": [("hill_scored", score), ("hill_control", get("StrongholdSecures"))],
        "land_grab": [("zone_captured", get("StrongholdCaptures"))],
        "total_control": [("zone_captured", get("StrongholdCaptures")),
                          ("zone_secured", get("StrongholdSecures"))],
        "attrition": [("eliminated", get("Eliminations")), ("revived", get("AlliesRevived"))],
        "juggernaut": [("custom", score)],
        "grifball": [("custom", get("BombDetonations"))],
        "elimination": [("eliminated", get("Eliminations")), ("revived", get("AlliesRevived"))],
        "extraction": [("extraction_initiated", get("ExtractionInitiationsCompleted")),
                       ("extraction_converted", get("ExtractionConversionsCompleted")),
                       ("conversion_denied", get("ExtractionConversionsDenied")),
                       ("extraction_completed", get("SuccessfulExtractions"))],
        "stockpile": [("seed_secured", get("PowerSeedsDeposited")),
                      ("seed_stolen", get("PowerSeedsStolen")),
                      ("seed_carrier_killed", get("PowerSeedCarriersKilled"))],
        "firefight": [("custom", core["Kills"] + core["Assists"]),
                      ("hill_control", core["Kills"] * 3 // 5), ("hill_scored", score)],
        "infection": [("custom", core["Kills"])],
        "vip": [("custom", get("VipKills"))],
        "bomb": [("custom", get("BombPlants"))],
    }.get(mode.key, [])  # fmt: skip
    return [(name, count) for name, count in lines if count]


def _multikills(rng: random.Random, kills: int, pve: bool) -> list[int]:
    """Count Double Kills, Triple Kills and on: each level a share of the one below.

    Against Firefight's hordes kills come in bunches, up to Killionaire.
    """
    counts, chance = [sum(rng.random() < (0.12 if pve else 0.15) for _ in range(kills))], 0.2
    for _ in _MULTIKILLS[1 : len(_MULTIKILLS) if pve else 3]:
        counts.append(sum(rng.random() < (0.4 if pve else chance) for _ in range(counts[-1])))
        chance = 0.15
    # Each level's medal takes one more kill than the one below (a Double Kill two, a
    # Triple Kill three) and comes with it: capped after the draws, which stay as they were.
    capped: list[int] = []
    for level, count in enumerate(counts):
        capped.append(min(count, kills // (level + 2), *capped[-1:]))
    return capped


def _medals(
    rng: random.Random, mode: Mode, core: dict, block: dict, play: Play, runs: list[int]
) -> list[tuple[int, int]]:
    """Draw the medals of a player; `runs` are the longest sprees, one a life that counts."""
    k, pvp, won = core["Kills"], not mode.pve, play.won
    melee, grenades, power = core["MeleeKills"], core["GrenadeKills"], core["PowerWeaponKills"]
    awards = list(zip(_MULTIKILLS, _multikills(rng, k, mode.pve), strict=False))
    awards += [(medal, sum(run >= 5 * (i + 1) for run in runs)) for i, medal in enumerate(_SPREES)]
    awards += [
        (1284032216, int(core["Assists"] >= 10)), (269174970, int(melee >= 5)),
        (2648272972, int(grenades >= 5)), (2477555653, int(core["CalloutAssists"] >= 5)),
        (4277328263, int(power >= 5)), (2852571933, int(k >= 5 and rng.random() < 0.4)),
        (2758320809, int(k >= 5 and rng.random() < 0.3)),
        (1512363953, _upto(rng, core["HeadshotKills"] // 3)), (548533137, _upto(rng, melee)),
        (3655682764, _upto(rng, grenades)), (4229934157, _upto(rng, power // 2)),
        (1169571763, _upto(rng, core["CalloutAssists"] // 3)),
        (865763896, int(won and k >= 15 and core["Deaths"] == 0)),  # Firefight's too
    ]  # fmt: skip
    if pvp:  # an enemy who shot first, a spree ended, an ally saved: Spartans' doing
        awards += [(2123530881, _upto(rng, k // 6)), (3233952928, _upto(rng, k // 8)),
                   (3334154676, _chance(rng, 0.1))]  # fmt: skip
    else:  # Firefight's fusion coils lie about for throwing
        awards.append((3546244406, _upto(rng, 3)))
    awards += mode_medals(rng, mode.key, block, play.seconds, play.rounds[0])
    if mode.free_for_all:  # Guardian Angel saves an ally's life: FFA has none
        awards = [(medal, count) for medal, count in awards if medal != 3334154676]
    earned = [(medal, count) for medal, count in awards if count]
    rng.shuffle(earned)  # only what was earned: a shuffle draws once per item
    return earned


def player_stats(
    rng: random.Random, mode: Mode, play: Play, assists_rate: float = 0.45
) -> dict[str, dict]:
    """Draw every figure of one player on one team, consistently.

    Args:
        rng: The match's random generator.
        mode: The game mode.
        play: Kills, deaths, score and time decided for this player.
        assists_rate: Assists per kill, on average.

    Returns:
        Raw Stats: ``{"CoreStats": …, <mode block>: …, "PvpStats"|"PveStats": …}``.

    """
    k, d, seconds, pve = play.kills, play.deaths, play.seconds, mode.pve
    assists_rate = _PVE_ASSISTS if pve else assists_rate
    assists = max(0, round(rng.gauss(k * assists_rate + 1, 1.5)))
    callouts = _upto(rng, min(assists, 7)) if not mode.pve else 0
    headshots = round(k * rng.uniform(*_HEADSHOTS.get(mode.key, (0.3, 0.85))))
    melee = _upto(rng, min(k - headshots, 1 + k // 5))
    grenade = _upto(rng, min(k - headshots - melee, 1 + k // 8))
    fired = max(10, round(seconds / 60 * (rng.uniform(40, 95) if pve else rng.uniform(25, 55))))
    # A kill that is neither a melee nor a grenade took at least one shot that hit.
    hit = max(round(fired * play.aim), k - melee - grenade)
    fired = max(fired, hit)
    per_kill, per_assist = ((140, 175), (15, 40)) if pve else ((220, 320), (40, 110))
    dealt = round(k * rng.uniform(*per_kill) + assists * rng.uniform(*per_assist))
    dealt += _upto(rng, 400)
    if pve:
        taken = int(math.exp(rng.uniform(0, 5.2)))
        # The services keep no killing spree against the AI, yet award spree medals,
        # one a life that went on long enough.
        runs = split(rng, k, [rng.uniform(0.2, 1.0) for _ in range(d + 1)])
        spree = 0
    else:
        taken = round(d * rng.uniform(230, 320)) + _upto(rng, 400)
        spree = 0 if k == 0 else min(k, max(1, round(rng.gauss(k / 3, 1.5))))
        runs = [spree]
    spawns = d + 1
    core = {
        "Score": 0 if mode.key in TEAM_SCORED else play.score, "PersonalScore": 0,
        "RoundsWon": play.rounds[0], "RoundsLost": play.rounds[1], "RoundsTied": play.rounds[2],
        "Kills": k, "Deaths": d, "Assists": assists, "KDA": kda(k, d, assists),
        "Suicides": _chance(rng, 0.05), "Betrayals": _chance(rng, 0.02),
        "AverageLifeDuration": int(seconds * rng.uniform(8.5, 9.5)) // spawns,
        "GrenadeKills": grenade, "HeadshotKills": headshots, "MeleeKills": melee,
        "PowerWeaponKills": _upto(rng, min(k // 3, 4)), "ShotsFired": fired, "ShotsHit": hit,
        "Accuracy": accuracy(hit, fired), "DamageDealt": dealt, "DamageTaken": taken,
        "CalloutAssists": callouts, "VehicleDestroys": 0, "DriverAssists": 0, "Hijacks": 0,
        "EmpAssists": _chance(rng, 0.05), "MaxKillingSpree": spree, "Medals": [],
        "PersonalScores": [], "DeprecatedDamageDealt": float(dealt),
        "DeprecatedDamageTaken": float(taken), "Spawns": spawns,
        "ObjectivesCompleted": play.objectives,
    }  # fmt: skip
    if mode.free_for_all:  # no team: nobody to betray, and no ally to mark a foe for
        core["Betrayals"] = core["CalloutAssists"] = 0
    block = mode_block(rng, mode, play)
    medals = _medals(rng, mode, core, block, play, runs)
    core["Medals"] = [_award(medal, n, 0) for medal, n in medals]
    lines = []
    for name, count in _score_lines(mode, core, block, play.score):
        name_id, points = SCORES[name]
        lines.append(_award(name_id, count, count * points))
    core["PersonalScores"] = lines
    core["PersonalScore"] = sum(line["TotalPersonalScoreAwarded"] for line in lines)
    stats: dict[str, dict] = {"CoreStats": core}
    if mode.block:
        stats[mode.block] = block
    versus = {"Kills": k, "Deaths": d, "Assists": assists, "KDA": core["KDA"]}
    if mode.pve:
        kinds = split(rng, k, _PVE_WEIGHTS)
        stats["PveStats"] = versus | dict(zip(_PVE_KINDS, kinds, strict=True))
    else:
        stats["PvpStats"] = versus
    return stats


def _award(name_id: int, count: int, total: int) -> dict[str, int]:
    return {"NameId": name_id, "Count": count, "TotalPersonalScoreAwarded": total}


def split(rng: random.Random, total: int, weights: tuple[float, ...] | list[float]) -> list[int]:
    """Split an integer total into parts drawn with the given weights (sum is exact)."""
    parts = [0] * len(weights)
    if total <= 0 or not any(weights):
        return parts
    for index in rng.choices(range(len(weights)), weights=weights, k=total):
        parts[index] += 1
    return parts
