"""Real medal and personal-score `NameId`s the simulated world awards.

The medal rows are as the gamecms medal metadata (`/hi/Waypoint/file/medals/
metadata.json`) lists them; the personal-score ids and points are SPNKr's
`PersonalScoreNameId` table.
"""

from __future__ import annotations

import random

# Medals as the gamecms medal metadata lists them:
# NameId|name|difficultyIndex|typeIndex|personalScore|spriteIndex|sortingWeight|description
# (an indented line continues the description above it).
_MEDAL_TABLE = """
622331684|Double Kill|1|2|50|64|100|Kill 2 enemies in quick succession
2063152177|Triple Kill|2|2|100|65|150|Kill 3 enemies in quick succession
835814121|Overkill|3|2|150|66|220|Kill 4 enemies in quick succession
2137071619|Killtacular|3|2|200|67|225|Kill 5 enemies in quick succession
1430343434|Killtrocity|3|2|250|68|230|Kill 6 enemies in quick succession
3835606176|Killamanjaro|3|2|300|69|235|Kill 7 enemies in quick succession
2242633421|Killtastrophe|3|2|350|70|240|Kill 8 enemies in quick succession
3352648716|Killpocalypse|3|2|400|71|245|Kill 9 enemies in quick succession
3233051772|Killionaire|3|2|350|72|250|Kill 10 enemies in quick succession
2780740615|Killing Spree|1|0|100|1|100|Kill 5 enemies without dying
4261842076|Killing Frenzy|2|0|200|2|150|Kill 10 enemies without dying
418532952|Running Riot|3|0|300|3|205|Kill 15 enemies without dying
1486797009|Rampage|3|0|400|4|210|Kill 20 enemies without dying
710323196|Nightmare|3|0|500|5|220|Kill 25 enemies without dying
1720896992|Boogeyman|3|0|600|6|230|Kill 30 enemies without dying
3233952928|Killjoy|0|0|5|0|50|End an enemy's killing spree
1512363953|Perfect|1|4|5|113|100|Kill an enemy with a precision weapon with peak efficiency
548533137|Back Smack|0|4|5|100|50|Kill an enemy by hitting them from behind with melee
2123530881|Reversal|0|4|10|102|50|Kill an enemy who attacked you first
4229934157|Snipe|0|4|10|103|50|Headshot an enemy with a Power sniper rifle
3655682764|Stick|0|4|10|98|50|Kill an enemy by sticking them with a Plasma or Spike Grenade
3334154676|Guardian Angel|0|4|10|104|50|Save an ally's life from far away
1169571763|Shot Caller|1|5|0|148|100|Headshot an enemy moments after Marking them
3091261182|Last Shot|0|5|5|140|50|Kill an enemy with your magazine's last round
2625820422|From the Grave|0|5|10|137|50|Kill an enemy after you die
3546244406|Kong|0|4|0|105|50|Kill an enemy by throwing a Fusion Coil
1176569867|Yard Sale|1|5|0|150|100|Kill an enemy who had a Power weapon and a full inventory
2852571933|Rifleman|0|3|0|81|50|Kill 5 enemies with assault rifles in a game
1284032216|Wingman|0|3|0|76|50|Earn 10 Kill Assists in a game
269174970|Boxer|0|3|0|85|50|Kill 5 enemies with melee in a game
2648272972|Grenadier|0|3|0|83|50|Kill 5 enemies with grenades in a game
2758320809|Marksman|0|3|0|91|50|Kill 5 enemies with tactical rifles in a game
4277328263|Sharpshooter|0|3|0|90|50|Kill 5 enemies with sniper rifles in a game
2477555653|Spotter|0|3|0|73|50|Earn 5 Mark Assists in a game
865763896|Perfection|3|1|0|11|200|Win a game with 15+ kills and no deaths
521420212|Ace|2|1|0|21|150|Wipe an enemy team in Elimination or Attrition
3488248720|Stopped Short|0|1|0|15|50|Kill an enemy flag carrier who is about to score
976049027|Flag Joust|0|1|0|16|50|Kill an enemy flag carrier while holding a flag
3732790338|Fumble|1|1|0|47|100|Kill the enemy Oddball carrier within moments of their victory
781229683|Straight Balling|2|1|0|48|150|Carry the Oddball for 1 minute
1472686630|Always Rotating|0|1|0|61|50|Capture all zones in a single life
580478179|Hill Guardian|1|1|0|62|100|Occupy the Hill for 30 seconds without leaving in King of
    the Hill
2426456555|Secure Line|1|1|0|24|101|Kill an enemy converting your Extraction moments before
    they succeed
3931425309|Signal Block|1|1|0|25|101|Convert an enemy Extraction within moments of its completion
2717755703|Sole Survivor|0|1|0|26|50|Be the final Survivor in an Infection round
1025827095|Culling|1|1|0|27|100|Kill 2 Infected in quick succession
557309779|Zombie Slayer|1|1|0|29|100|Kill 10 Infected without dying
1376646881|Great Journey|1|1|0|52|100|Steal an enemy Power Seed and secure it for your team
    without dropping it
629165579|Power Outage|2|1|0|53|150|Steal 3 Power Seeds in quick succession
"""


def _parse_medals(table: str) -> dict[int, tuple[str, str, int, int, int, int, int]]:
    rows: list[list[str]] = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" "):
            rows[-1][-1] += " " + line.strip()
        else:
            rows.append(line.split("|"))
    medals = {}
    for name_id, name, *numbers, description in rows:
        difficulty, kind, score, sprite, weight = (int(n) for n in numbers)
        medals[int(name_id)] = (name, description, difficulty, kind, score, sprite, weight)
    return medals


MEDALS = _parse_medals(_MEDAL_TABLE)

MEDAL_DIFFICULTIES = ("normal", "heroic", "legendary", "mythic")
MEDAL_TYPES = ("spree", "mode", "multikill", "proficiency", "skill", "style")

# Mode medals, by mode key (each a real NameId of MEDALS).
MODE_MEDALS: dict[str, tuple[int, ...]] = {
    "ctf": (3488248720, 976049027),
    "oddball": (3732790338, 781229683),
    "strongholds": (1472686630,),
    "koth": (580478179,),
    "elimination": (521420212,),
    "attrition": (521420212,),
    "land_grab": (1472686630,),
    "total_control": (1472686630,),
    "extraction": (2426456555, 3931425309),
    "infection": (2717755703, 1025827095, 557309779),
    "stockpile": (1376646881, 629165579),
    "firefight": (580478179,),
}

HILL_GUARDIAN, ACE, STRAIGHT_BALLING = 580478179, 521420212, 781229683


def _times(rng: random.Random, chances: int, p: float) -> int:
    """Count how many of `chances` came off, each with probability `p`."""
    return sum(rng.random() < p for _ in range(max(chances, 0)))


def mode_medals(
    rng: random.Random, key: str, block: dict, seconds: float, rounds_won: int
) -> list[tuple[int, int]]:
    """Draw the mode medals of a player: (NameId, count), 0 for those not earned.

    A medal for something done again and again is counted by what the player did:
    Hill Guardian once for every 30 seconds held on the hill without leaving it (the
    real Firefight fireteam: 2, 2, 2 and 10 in one match), Ace for enemy teams wiped,
    a round at a time (one real Elimination player: 3), Straight Balling for each
    minute with the ball, Stopped Short and Great Journey by the carriers stopped
    and the seeds stolen, Culling and Zombie Slayer by the Infected killed. The
    rest are rare feats, once in a match at most.

    Args:
        rng: The match's random generator.
        key: The mode's key.
        block: The player's mode block (durations in tenths of a second).
        seconds: Seconds the player played on this team.
        rounds_won: Rounds the player's team won.

    """
    get = block.get
    counts: dict[int, int] = {}
    if key == "koth":  # the hill's time is the zone occupation
        counts[HILL_GUARDIAN] = _times(rng, get("StrongholdOccupationTime", 0) // 300, 0.6)
    elif key == "firefight":  # a few hold the hills most of the match, most now and then
        on_hill = seconds * 0.6 * rng.uniform(0.35, 1.0) ** 2
        counts[HILL_GUARDIAN] = _times(rng, int(on_hill // 30), 0.65)
    elif key in ("elimination", "attrition"):
        counts[ACE] = _times(rng, rounds_won, 0.3)
    elif key == "oddball":
        held, longest = get("TimeAsSkullCarrier", 0), get("LongestTimeAsSkullCarrier", 0)
        counts[STRAIGHT_BALLING] = (longest >= 600) * (1 + _times(rng, held // 600 - 1, 0.4))
    elif key == "ctf":
        counts[3488248720] = _times(rng, get("FlagCarriersKilled", 0), 0.2)  # Stopped Short
    elif key == "stockpile":
        counts[1376646881] = _times(rng, get("PowerSeedsStolen", 0), 0.4)  # Great Journey
    elif key == "infection":
        infected = get("InfectedKilled", 0)
        counts[1025827095] = _times(rng, infected // 2, 0.3)  # Culling
        counts[557309779] = _times(rng, infected // 10, 0.5)  # Zombie Slayer
    rare = [m for m in MODE_MEDALS.get(key, ()) if m not in counts]
    counts |= {medal: int(rng.random() < 0.15) for medal in rare}
    return list(counts.items())


# Personal-score lines: name -> (NameId, points per count).
SCORES: dict[str, tuple[int, int]] = {
    "kill": (1024030246, 100),
    "assist": (638246808, 50),
    "mark": (152718958, 10),
    "betrayal": (911992497, -100),
    "suicide": (249491819, -100),
    "custom": (4294967295, 25),
    "flag_captured": (601966503, 300),
    "flag_stolen": (3002710045, 25),
    "flag_returned": (22113181, 25),
    "runner_stopped": (316828380, 25),
    "flag_taken": (2387185397, 10),
    "ball_control": (454168309, 50),
    "ball_taken": (204144695, 10),
    "carrier_stopped": (746397417, 25),
    "zone_captured": (3507884073, 50),
    "zone_secured": (709346128, 25),
    "hill_control": (340198991, 25),
    "hill_scored": (1032565232, 100),
    "eliminated": (2408971842, 200),
    "revived": (3428202435, 100),
    "extraction_initiated": (1825517751, 50),
    "extraction_converted": (1117301492, 50),
    "conversion_denied": (4247243561, 25),
    "extraction_completed": (4130011565, 200),
    "seed_secured": (2188620691, 100),
    "seed_stolen": (3996338664, 50),
    "seed_carrier_killed": (4128329646, 10),
}


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
