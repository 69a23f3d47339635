"""Service records, added up from the world's matches so that an archive can check them.

A service record (``/hi/players/{p}/{matchmade|custom|local}/servicerecord``,
filter keys ``seasonid``, ``playlistassetid``, ``isranked``,
``gamevariantcategory``, ``gameplayinteraction`` in any case) adds up the
player's stats documents of that lifecycle and filters, in the service
record's own names (``ZoneCaptures``, ``AverageKDA``; halo-api.md §3.4). So it
changes as matches are played, and only then.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import iso_duration
from grunt_archive.simulator.data.playerstats import MAXIMUM_FIELDS
from grunt_archive.simulator.data.totals import merge_awards
from grunt_archive.simulator.data.world import CUSTOM, LOCAL, MATCHMADE

if TYPE_CHECKING:
    from grunt_archive.simulator.core import Simulator

LIFECYCLES = {"matchmade": MATCHMADE, "custom": CUSTOM, "local": LOCAL}
FILTERS = ("seasonid", "playlistassetid", "isranked", "gamevariantcategory", "gameplayinteraction")
_OUTCOMES = {2: "Wins", 3: "Losses", 1: "Ties"}
# Match-stats field → service-record field; None drops it (halo-api.md §3.4).
_RENAMES = {
    "ZonesStats": {
        "StrongholdCaptures": "ZoneCaptures",
        "StrongholdDefensiveKills": "ZoneDefensiveKills",
        "StrongholdOffensiveKills": "ZoneOffensiveKills",
        "StrongholdSecures": "ZoneSecures",
        "StrongholdOccupationTime": "TotalZoneOccupationTime",
        "StrongholdScoringTicks": "ZoneScoringTicks",
    },
    "EliminationStats": {"LivesRemaining": None, "EliminationOrder": None},
    "PvpStats": {"KDA": None},
    "PveStats": {"KDA": None},
}
# CoreStats of a service record, in the services' order; an empty record has them all, at 0
# (spnkr__get_service_record_empty.json).
_CORE_ORDER = (
    "Score", "PersonalScore", "RoundsWon", "RoundsLost", "RoundsTied", "Kills", "Deaths",
    "Assists", "AverageKDA", "Suicides", "Betrayals", "GrenadeKills", "HeadshotKills",
    "MeleeKills", "PowerWeaponKills", "ShotsFired", "ShotsHit", "Accuracy", "DamageDealt",
    "DamageTaken", "CalloutAssists", "VehicleDestroys", "DriverAssists", "Hijacks", "EmpAssists",
    "MaxKillingSpree", "Medals", "PersonalScores", "Spawns", "ObjectivesCompleted",
)  # fmt: skip
_CORE_SKIP = {"KDA", "AverageLifeDuration", "DeprecatedDamageDealt", "DeprecatedDamageTaken"}
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)(?:\.(?P<f>\d+))?S)?)?\Z"
)
# Per simulator: the running totals of each (player, lifecycle, filters) asked for.
_TOTALS: weakref.WeakKeyDictionary[Simulator, dict[tuple, _Totals]] = weakref.WeakKeyDictionary()


def _ticks(text: str) -> int:
    """Return an ISO-8601 duration in 100 ns ticks, exactly."""
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"not a duration: {text!r}")
    seconds = (
        int(found["d"] or 0) * 86_400
        + int(found["h"] or 0) * 3_600
        + int(found["m"] or 0) * 60
        + int(found["s"] or 0)
    )
    return seconds * 10_000_000 + int((found["f"] or "").ljust(7, "0")[:7] or 0)


def _add(total: dict[str, Any], block: dict[str, Any], renames: dict[str, str | None]) -> None:
    for field, value in block.items():
        name = renames.get(field, field)
        if name is None or isinstance(value, list | dict) or value is None:
            continue
        if isinstance(value, str):  # a duration: added up exactly, in ticks
            value = _ticks(value)
            total.setdefault("__durations__", set()).add(name)
        if field in MAXIMUM_FIELDS or field == "MaxKillingSpree":
            total[name] = max(total.get(name, 0), value)
        else:
            total[name] = total.get(name, 0) + value


def _finish(total: dict[str, Any]) -> dict[str, Any]:
    durations = total.get("__durations__", set())
    return {
        k: iso_duration(v, 7) if k in durations else v
        for k, v in total.items()
        if k != "__durations__"
    }


def gameplay_interaction(info: dict) -> int:
    """Return a match's GameplayInteraction: 1 PvP, 2 PvE (Firefight).

    2022-era documents do not carry the field; the service still knows every
    match of theirs was PvP (Firefight came later), and filters them so.
    """
    found = info.get("GameplayInteraction")
    return found if found is not None else 2 if info.get("GameVariantCategory") == 42 else 1


def _keeps(info: dict, filters: dict[str, str]) -> bool:
    playlist = (info.get("Playlist") or {}).get("AssetId") or ""
    ranked = playlist in catalog.RANKED_PLAYLIST_IDS
    wanted = {
        "seasonid": str(info.get("SeasonId") or "").lower(),
        "playlistassetid": playlist.lower(),
        "isranked": str(ranked).lower(),
        "gamevariantcategory": str(info.get("GameVariantCategory")),
        "gameplayinteraction": str(gameplay_interaction(info)),
    }
    return all(wanted[key] == value.strip().lower() for key, value in filters.items())


class _Totals:
    """A service record's running sums over a player's matches, oldest first.

    Matches are only ever appended (`World.play`), so a record is brought up
    to date by adding the matches it has not seen yet.
    """

    def __init__(self, player_id: str, lifecycle: str, filters: dict[str, str]) -> None:
        self.player_id, self.lifecycle, self.filters = player_id, lifecycle, filters
        self.seen = 0  # matches of the lifecycle looked at so far
        self.top = {"MatchesCompleted": 0, "Wins": 0, "Losses": 0, "Ties": 0}
        self.core: dict[str, Any] = {}
        self.blocks: dict[str, dict[str, Any]] = {}
        self.medals: dict[int, dict] = {}
        self.scores: dict[int, dict] = {}
        self.played = 0
        self.subqueries: dict[str, set] = {
            name: set() for name in ("SeasonIds", "GameVariantCategories", "IsRanked",
                                     "PlaylistAssetIds")
        }  # fmt: skip

    def add(self, document: dict) -> None:
        info = document["MatchInfo"]
        if self.lifecycle == "matchmade" and not _keeps(info, self.filters):
            return
        entry = next(p for p in document["Players"] if p["PlayerId"] == self.player_id)
        self.top["MatchesCompleted"] += bool(entry["ParticipationInfo"]["PresentAtCompletion"])
        if entry["Outcome"] in _OUTCOMES:
            self.top[_OUTCOMES[entry["Outcome"]]] += 1
        self.played += _ticks(entry["ParticipationInfo"]["TimePlayed"])
        for team in entry["PlayerTeamStats"]:
            stats = team["Stats"]
            cores = {k: v for k, v in stats["CoreStats"].items() if k not in _CORE_SKIP}
            _add(self.core, cores, {})
            merge_awards(self.medals, stats["CoreStats"].get("Medals") or [])
            merge_awards(self.scores, stats["CoreStats"].get("PersonalScores") or [])
            for name, block in stats.items():
                if name != "CoreStats" and block is not None:
                    _add(self.blocks.setdefault(name, {}), block, _RENAMES.get(name, {}))
        if self.lifecycle == "matchmade":
            playlist = (info.get("Playlist") or {}).get("AssetId")
            self.subqueries["SeasonIds"].add(info.get("SeasonId"))
            self.subqueries["GameVariantCategories"].add(info.get("GameVariantCategory"))
            self.subqueries["IsRanked"].add(playlist in catalog.RANKED_PLAYLIST_IDS)
            self.subqueries["PlaylistAssetIds"].add(playlist)

    def document(self) -> dict:
        core = _finish(self.core)
        kills, deaths, assists = (core.get(k, 0) for k in ("Kills", "Deaths", "Assists"))
        completed = self.top["MatchesCompleted"]
        core["AverageKDA"] = (kills + assists / 3 - deaths) / completed if completed else 0.0
        fired, hit = core.get("ShotsFired", 0), core.get("ShotsHit", 0)
        core["Accuracy"] = hit * 100 / fired if fired else 0.0
        core["Medals"] = [dict(m) for m in self.medals.values()]
        core["PersonalScores"] = [dict(s) for s in self.scores.values()]
        core = {key: core.get(key, 0) for key in _CORE_ORDER} | core
        subqueries: dict[str, list | None] = {
            name: sorted(values - {None}) or None for name, values in self.subqueries.items()
        }
        return {
            "Subqueries": {**subqueries, "GameplayInteractions": None},
            "TimePlayed": iso_duration(self.played, 7),
            **self.top,
            "CoreStats": core,
            **{name: _finish(block) for name, block in self.blocks.items()},
        }


def service_record(sim: Simulator, player: int, lifecycle: str, filters: dict[str, str]) -> dict:
    """Build a player's service record from their matches of a lifecycle and filters."""
    with sim.lock:
        metas = sim.world.history(player, frozenset({LIFECYCLES[lifecycle]}))[::-1]
        key = (player, lifecycle, tuple(sorted(filters.items())))
        totals = _TOTALS.setdefault(sim, {}).get(key)
        if totals is None:
            totals = _TOTALS[sim][key] = _Totals(sim.world.player_ids[player], lifecycle, filters)
        for meta in metas[totals.seen :]:
            totals.add(sim.stats_document(meta.match_id))
        totals.seen = len(metas)
        return totals.document()
