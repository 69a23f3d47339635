"""The fixed facts of the simulated Halo world: modes, assets, medals and names.

A few asset ids and every medal and personal-score `NameId` here are the real
ones the Halo Infinite services use; the remaining asset ids are derived with
`uuid5` so they stay stable between runs. Nothing here depends on the seed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("6f0d3c1e-5a8b-4c2d-9e7f-1a2b3c4d5e6f")


def stable_guid(*parts: object) -> str:
    """Return a lowercase GUID that depends only on `parts`.

    Args:
        *parts: Anything with a stable `str()`.

    Returns:
        The GUID as a string, e.g. ``"3f2a…"``.

    """
    name = ":".join(str(part) for part in parts)
    # Shaped as version 4, like every id the real services hand out.
    return str(uuid.UUID(bytes=uuid.uuid5(_NAMESPACE, name).bytes, version=4))


@dataclass(frozen=True)
class Asset:
    """One UGC asset (map, game variant or playlist) with its two versions.

    The `legacy` version is the one 2022-era matches refer to.
    """

    kind: str
    name: str
    description: str
    asset_id: str = ""
    version_id: str = ""
    legacy_version_id: str = ""
    experience: int | None = None

    def __post_init__(self) -> None:
        # Assets without a real id get a derived one, stable across runs.
        if not self.asset_id:
            object.__setattr__(self, "asset_id", stable_guid(self.kind, self.name))
        if not self.version_id:
            object.__setattr__(self, "version_id", stable_guid(self.asset_id, "current"))
        if not self.legacy_version_id:
            object.__setattr__(self, "legacy_version_id", stable_guid(self.asset_id, "2022"))

    def version(self, legacy: bool) -> str:
        """Return the version id a match of the given era refers to."""
        return self.legacy_version_id if legacy else self.version_id


def _map(name: str, description: str, asset_id: str = "", version_id: str = "") -> Asset:
    return Asset("map", name, description, asset_id, version_id)


MAPS: dict[str, Asset] = {
    a.name: a
    for a in (
        _map(
            "Recharge",
            "Power still courses through the walls of this neglected Axys facility.",
            "8420410b-044d-44d7-80b6-98a766c8c39f",
            "068c0974-f748-41ba-b457-b8fed603576e",
        ),
        _map(
            "Catalyst",
            "Spent shells rain like water in this ancient sanctuary.",
            "e859cf75-9b8a-429a-91be-2376681c8537",
            "d13e5fc9-6af1-4c9d-a583-2264bee98fe6",
        ),
        _map(
            "Live Fire",
            "Instructors at the Avery J. Johnson Academy train Spartans in live-fire drills.",
            "b6aca0c7-8ba7-4066-bf91-693571374c3c",
        ),
        _map(
            "Streets",
            "The tranquility of this Mombasa back alley is pierced by the sound of gunfire.",
            "f0a1760f-0d4a-4bcc-ac7a-e8f9aee331dc",
        ),
        _map("Aquarius", "A luxury resort hotel, built to enjoy the view of a gas giant."),
        _map("Bazaar", "A marketplace in a quiet corner of a bustling city."),
        _map("Behemoth", "Sunlight glints off the flanks of a Forerunner ruin."),
        _map("Launch Site", "A UNSC spaceport, abandoned in a hurry."),
        _map("Argyle", "A drifting research vessel with an uninvited guest."),
        _map("Empyrean", "A deep space station where Forerunner relics are studied."),
        _map("Forbidden", "An ancient Forerunner archive, long sealed."),
        _map("Solitude", "A lone outpost above a frozen sea."),
    )
}


def _variant(name: str, description: str, asset_id: str = "", version_id: str = "") -> Asset:
    return Asset("ugcGameVariant", name, description, asset_id, version_id)


def _playlist(name: str, description: str, experience: int, asset_id: str = "") -> Asset:
    return Asset("playlist", name, description, asset_id, experience=experience)


PLAYLISTS: dict[str, Asset] = {
    "quickplay": _playlist(
        "Quick Play",
        "Standard Halo Infinite settings. Work as a team to defeat your rivals in 4v4 combat.",
        2,
        "bdceefb3-1c52-4848-a6b7-d49acd13109d",
    ),
    "ranked": _playlist(
        "Ranked Arena",
        "Competitive settings: Battle Rifle starts, no radar. Earn or progress your rank.",
        2,
        "edfef3ac-9cbe-4fa2-b949-8f29deafd483",
    ),
    "bootcamp": _playlist("Bot Bootcamp", "Learn the ropes against AI Spartans.", 4),
    "firefight": _playlist("Firefight", "Team up against waves of Banished forces.", 5),
    "husky": _playlist("Husky Raid", "Random loadouts and CTF on tight maps.", 5),
    "infection": _playlist("Infection", "Survive the Infected, or join them.", 5),
    "rotational": _playlist("Team Objective", "A rotation of objective modes, 4v4.", 5),
}
# Matches of this playlist are ranked: CSR, skill rewards, the IsRanked filter.
RANKED_PLAYLIST_ID = PLAYLISTS["ranked"].asset_id


@dataclass(frozen=True)
class Mode:
    """A game mode of the simulated world and how its matches look.

    Attributes:
        key: Short name used in code and tests ("slayer", "ctf", ...).
        category: The `GameVariantCategory` number.
        block: The mode block key in `Stats` (None for Slayer).
        playlists: Matchmaking playlists (keys of `PLAYLISTS`) that serve it.
        maps: Map names the mode is played on.
        minutes: Range of match lengths.
        team_size: Players per team (all players for team-less Infection).
        legacy: Whether the mode existed in the 2022-era documents.
        weight: Relative frequency among random matches.
        win_score: Team score of a winner (None: emergent, Score = Kills).

    """

    key: str
    category: int
    block: str | None
    playlists: tuple[str, ...]
    maps: tuple[str, ...]
    minutes: tuple[int, int]
    team_size: int
    legacy: bool
    weight: int
    win_score: int | None

    @property
    def variant(self) -> Asset:
        """The game variant asset of this mode outside Ranked Arena."""
        return VARIANTS[self.key]

    @property
    def ranked_variant(self) -> Asset | None:
        """The game variant asset used in Ranked Arena, if the mode is ranked."""
        return VARIANTS.get(f"ranked_{self.key}")

    @property
    def teams_enabled(self) -> bool:
        """Whether documents of this mode carry teams (Infection does not)."""
        return self.key != "infection"

    @property
    def pve(self) -> bool:
        """Whether this is Firefight (players against the AI)."""
        return self.key == "firefight"


_V = _variant
VARIANTS: dict[str, Asset] = {
    "slayer": _V("Arena:Slayer", "Slay the enemy team.", "1e8cd10b-1496-423b-8699-f98f6f5db67e"),
    "ranked_slayer": _V(
        "Ranked:Slayer",
        "BR loadouts, Friendly-Fire enabled, Motion Tracker disabled. Slay the enemy team.",
        "c2d20d44-8606-4669-b894-afae15b3524f",
        "0091d411-f90d-44a7-aac3-ccc7ff2b131f",
    ),
    "ctf": _V("Arena:CTF", "Capture the enemy flag and return it to your base."),
    "ranked_ctf": _V("Ranked:CTF", "Competitive settings. Capture the enemy flag."),
    "oddball": _V("Arena:Oddball", "Hold the skull to earn points."),
    "ranked_oddball": _V(
        "Ranked:Oddball",
        "Competitive settings. Hold the skull to earn points.",
        "751bcc9d-aace-45a1-8d71-358f0bc89f7e",
    ),
    "strongholds": _V("Arena:Strongholds", "Capture and hold two of three zones to score."),
    "ranked_strongholds": _V(
        "Ranked:Strongholds",
        "Competitive settings. Capture and hold zones.",
        "22b8a0eb-0d02-4eb3-8f56-5f63fc254f83",
    ),
    "koth": _V("Arena:King of the Hill", "Control the hill to score."),
    "elimination": _V(
        "Arena:Elimination",
        "No respawns. Eliminate the enemy team to win the round.",
        "ec11de80-191f-4077-a5ae-232524acd861",
    ),
    "extraction": _V(
        "Arena:Extraction",
        "Plant extraction devices and hold them until they finish.",
        "32ed13b7-ca55-4095-bd5f-12ff91b42987",
    ),
    "infection": _V("Infection", "Survivors must outlast the Infected."),
    "stockpile": _V("Arena:Stockpile", "Collect Power Seeds and stockpile them in your base."),
    "vip": _V("Arena:VIP", "Protect your VIP and hunt theirs."),
    "bomb": _V("Arena:Neutral Bomb", "Carry the bomb into the enemy base and detonate it."),
    "firefight": _V(
        "Firefight:King of the Hill",
        "Capture hills and defeat boss waves to claim victory.",
        "ff451042-bcf2-4173-bd87-0ba8c463c3e0",
    ),
}

_ARENA = ("Recharge", "Catalyst", "Live Fire", "Streets", "Aquarius", "Bazaar", "Behemoth")
_FLAGS = ("Catalyst", "Bazaar", "Behemoth", "Aquarius")
_ZONES = ("Live Fire", "Recharge", "Streets", "Catalyst")
_BIG = ("Empyrean", "Forbidden", "Solitude")
_PVE = ("Launch Site", "Argyle")
_QR = ("quickplay", "ranked")
_ROT = ("rotational",)
# key, GameVariantCategory, block, playlists, maps, minutes, team size, in 2022, weight, win score
_MODE_TABLE = (
    ("slayer", 6, None, _QR, _ARENA, (7, 13), 4, True, 30, None),
    ("ctf", 15, "CaptureTheFlagStats", (*_QR, "husky"), _FLAGS, (9, 15), 4, True, 10, 3),
    ("oddball", 18, "OddballStats", _QR, _ZONES, (8, 19), 4, True, 8, 200),
    ("strongholds", 11, "ZonesStats", _QR, _ZONES[:3], (9, 14), 4, True, 8, 250),
    ("koth", 13, "ZonesStats", _QR, _ZONES, (8, 13), 4, True, 6, 4),
    ("elimination", 8, "EliminationStats", _ROT, _ARENA[2:5], (5, 12), 4, True, 4, 3),
    ("extraction", 17, "ExtractionStats", _ROT, _FLAGS[:2], (6, 12), 4, True, 4, 3),
    ("infection", 22, "InfectionStats", ("infection",), _PVE, (10, 15), 10, False, 4, None),
    ("stockpile", 19, "StockpileStats", _ROT, _BIG[:2], (8, 15), 4, True, 3, 5),
    ("vip", 23, "VipStats", _ROT, _ARENA[4:], (7, 12), 4, False, 3, 10),
    ("bomb", 16, "BombStats", _ROT, _BIG[1:], (7, 13), 4, False, 3, 3),
    ("firefight", 42, "EliminationStats", ("firefight",), _PVE, (12, 25), 4, False, 4, 5),
)
MODES: tuple[Mode, ...] = tuple(Mode(*row) for row in _MODE_TABLE)


def map_mode_pair(variant: Asset, map_name: str) -> Asset:
    """Return the map-mode pair asset of a game variant on a map."""
    name = f"{variant.name} on {map_name}"
    return Asset("mapModePair", name, "", stable_guid("mapModePair", variant.asset_id, map_name))


# Seasons: (first day, SeasonId). 2022-era matches all use the old form.
LEGACY_SEASON = "Seasons/Season2.json"
CSR_SEASONS: tuple[tuple[str, str], ...] = (
    ("2023-01-01", "Csr/Seasons/CsrSeason3-1.json"),
    ("2023-06-20", "Csr/Seasons/CsrSeason4-1.json"),
    ("2023-10-17", "Csr/Seasons/CsrSeason5-1.json"),
    ("2024-03-05", "Csr/Seasons/CsrSeason6-1.json"),
    ("2024-06-04", "Csr/Seasons/CsrSeason7-1.json"),
    ("2024-09-10", "Csr/Seasons/CsrSeason8-1.json"),
    ("2024-11-19", "Csr/Seasons/CsrSeason9-1.json"),
)

CLEARANCE_MATCHMADE = "0b91d9c9-819e-4ac2-97bd-e537a4b05b5a"
CLEARANCE_CUSTOM = "c4c32f37-3127-4d27-b99d-38a88761dc55"
FLIGHT_ID = "46f08f2d-2804-4207-8634-fcf6570bec6e"

GAMERTAG_WORDS = (
    "Noble",
    "Grunt",
    "Warthog",
    "Banshee",
    "Pelican",
    "Mongoose",
    "Hornet",
    "Spartan",
    "Jackal",
    "Brute",
    "Ghost",
    "Wraith",
    "Sentinel",
    "Oracle",
    "Cortana",
    "Forge",
    "Halo",
    "Reach",
    "Zeta",
    "Sierra",
    "Echo",
    "Blue",
    "Red",
    "Lone",
)
GAMERTAG_TAILS = (
    "Six",
    "Runner",
    "Slayer",
    "Rider",
    "Ace",
    "Wolf",
    "Fox",
    "Hunter",
    "Prime",
    "Storm",
    "Kid",
    "Main",
    "TTV",
    "Legend",
    "Jr",
    "XD",
)
