"""The film's own medal codes, and how they meet the game's medal metadata.

A medal event in a highlight chunk names its medal by a one-byte code of the
film format, not by the `NameId` the stats documents and the medal metadata
use. The English names below are what each code means (facts learned from
SPNKr's ``medal_codes.json``, MIT; the codes 14-25 and a few others have not been
seen in a film yet). The game's metadata joins them by name: `film_medal_ids`
gives the `NameId` of every code whose name the archive's metadata knows.
"""

from __future__ import annotations

from collections.abc import Mapping

FILM_MEDAL_NAMES: dict[int, str] = {
    0: "Double Kill",
    1: "Triple Kill",
    2: "Overkill",
    3: "Killtacular",
    4: "Killtrocity",
    5: "Killamanjaro",
    6: "Killtastrophe",
    7: "Killpocalypse",
    8: "Killionaire",
    9: "Killing Spree",
    10: "Killing Frenzy",
    11: "Running Riot",
    12: "Rampage",
    13: "Perfection",
    26: "Killjoy",
    27: "Nightmare",
    28: "Boogeyman",
    29: "Grim Reaper",
    30: "Demon",
    31: "Flawless Victory",
    32: "Steaktacular",
    36: "Stopped Short",
    37: "Flag Joust",
    38: "Goal Line Stand",
    39: "Necromancer",
    40: "Immortal",
    43: "Ace",
    44: "Extermination",
    45: "Sole Survivor",
    46: "Untainted",
    47: "Blight",
    48: "Disease",
    49: "Plague",
    50: "Scourge",
    51: "Pestilence",
    52: "Apocalypse",
    53: "Culling",
    54: "Cleansing",
    55: "Purge",
    56: "Purification",
    57: "Divine Intervention",
    58: "Zombie Slayer",
    59: "Undead Hunter",
    60: "Hell's Janitor",
    61: "The Sickness",
    62: "Spotter",
    63: "Treasure Hunter",
    64: "Saboteur",
    65: "Wingman",
    66: "Wheelman",
    67: "Gunner",
    68: "Driver",
    69: "Pilot",
    70: "Tanker",
    71: "Rifleman",
    72: "Bomber",
    73: "Grenadier",
    74: "Boxer",
    75: "Warrior",
    76: "Gunslinger",
    77: "Scattergunner",
    78: "Sharpshooter",
    79: "Marksman",
    80: "Heavy",
    81: "Bodyguard",
    82: "Back Smack",
    83: "Nuclear Football",
    84: "Boom Block",
    85: "Bulltrue",
    86: "Cluster Luck",
    87: "Dogfight",
    88: "Harpoon",
    89: "Mind the Gap",
    90: "Ninja",
    91: "Odin's Raven",
    92: "Pancake",
    93: "Quigley",
    94: "Remote Detonation",
    95: "Return to Sender",
    96: "Rideshare",
    97: "Skyjack",
    98: "Stick",
    99: "Tag & Bag",
    100: "Whiplash",
    101: "Kong",
    102: "Autopilot Engaged",
    103: "Sneak King",
    104: "Windshield Wiper",
    105: "Reversal",
    106: "Hail Mary",
    107: "Nade Shot",
    108: "Snipe",
    109: "Perfect",
    110: "Bank Shot",
    111: "Fire & Forget",
    112: "Ballista",
    113: "Pull",
    114: "No Scope",
    115: "Achilles Spine",
    116: "Grand Slam",
    117: "Guardian Angel",
    118: "Interlinked",
    119: "Death Race",
    120: "Chain Reaction",
    121: "360",
    122: "Combat Evolved",
    123: "Deadly Catch",
    124: "Driveby",
    125: "Fastball",
    126: "Flyin' High",
    127: "From the Grave",
    128: "From the Void",
    129: "Grapple-jack",
    130: "Hold This",
    131: "Last Shot",
    132: "Lawnmower",
    133: "Mount Up",
    134: "Off the Rack",
    135: "Quick Draw",
    137: "Pineapple Express",
    138: "Ramming Speed",
    139: "Reclaimer",
    140: "Shot Caller",
    141: "Yard Sale",
    142: "Special Delivery",
    143: "Street Sweeper",
    146: "Fumble",
    148: "Straight Balling",
    150: "Big Deal",
    151: "Always Rotating",
    152: "Hill Guardian",
    153: "Clock Stop",
    154: "Secure Line",
    155: "Signal Block",
    156: "Splatter",
    157: "Clash of Kings",
    158: "Contract Killer",
    160: "Watch the Throne",
    162: "All That Juice",
    163: "Great Journey",
    164: "Power Outage",
    165: "Breacher",
    166: "Mounted & Loaded",
    167: "Monopoly",
    168: "Counter-snipe",
    174: "Driving Spree",
    175: "Death Cabbie",
    176: "Immortal Chauffeur",
    177: "Blind Fire",
    178: "Hang Up",
    179: "Call Blocked",
    180: "Clear Reception",
}
"""English name of each film medal code."""


def film_medal_ids(
    metadata_names: Mapping[int, str], names: Mapping[int, str] = FILM_MEDAL_NAMES
) -> dict[int, int]:
    """Map film medal codes to the medal metadata's `NameId`, joining on the medal's name.

    Args:
        metadata_names: The archive's medals, ``{name_id: name}`` (the `medals` table).
        names: Film medal code to English name; the built-in table by default.

    Returns:
        ``{code: name_id}`` for every code whose name the metadata has (case and
        surrounding spaces ignored); codes the metadata does not name are left out.

    Example:
        >>> film_medal_ids({265478668: "Nade Shot"})
        {107: 265478668}

    """
    by_name = {name.strip().casefold(): name_id for name_id, name in metadata_names.items()}
    return {
        code: by_name[name.strip().casefold()]
        for code, name in names.items()
        if name.strip().casefold() in by_name
    }


def medal_names_from_metadata(
    metadata_names: Mapping[int, str], names: Mapping[int, str] = FILM_MEDAL_NAMES
) -> dict[int, str]:
    """Name each film medal code the way the archive's medal metadata spells it.

    Args:
        metadata_names: The archive's medals, ``{name_id: name}``.
        names: Film medal code to English name; the built-in table by default.

    Returns:
        ``{code: name}`` for the codes the metadata knows, in the metadata's spelling:
        the mapping to give `read_events` as its ``medal_names``.

    """
    ids = film_medal_ids(metadata_names, names)
    return {code: metadata_names[name_id] for code, name_id in ids.items()}
