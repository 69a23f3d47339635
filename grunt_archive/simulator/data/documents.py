"""Pure functions that build halostats documents: match stats, history pages, counts.

A match's documents depend only on its `MatchMeta` and the world's people,
so the same match always reads the same, however often it is asked for.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence

from grunt_archive.simulator.data import catalog
from grunt_archive.simulator.data.formats import epoch_ms, iso_duration, iso_time
from grunt_archive.simulator.data.lineup import (
    LEFT,
    LOSS,
    TIE,
    WIN,
    Seat,
    decide_plays,
    seat_players,
)
from grunt_archive.simulator.data.playerstats import TEAM_SCORED, player_stats
from grunt_archive.simulator.data.totals import finish_stats, team_stats
from grunt_archive.simulator.data.world import CUSTOM, LOCAL, MATCHMADE, MatchMeta

# A CSR season begins at 17:00 UTC on its first day, as the calendars say.
_SEASON_STARTS = [epoch_ms(f"{day}T17:00:00") for day, _ in catalog.CSR_SEASONS]


def season_id(meta: MatchMeta) -> str | None:
    """Return the SeasonId of a match: None for customs, the 2022 or CSR form otherwise."""
    if meta.lifecycle != MATCHMADE:
        return None
    if meta.legacy:
        return catalog.LEGACY_SEASON
    index = bisect.bisect_right(_SEASON_STARTS, meta.start_ms) - 1
    return catalog.CSR_SEASONS[index][1] if index >= 0 else catalog.WINTER_BREAK_CSR_SEASON


def _ref(kind: int, asset: catalog.Asset, legacy: bool) -> dict:
    return {"AssetKind": kind, "AssetId": asset.asset_id, "VersionId": asset.version(legacy)}


def match_assets(
    rng: random.Random, meta: MatchMeta
) -> tuple[catalog.Asset, catalog.Asset, catalog.Asset | None, catalog.Asset | None]:
    """Draw the map, and name the game variant, playlist and map-mode pair of a match.

    A playlist's map follows its rotation's weights; a custom game's is anyone's choice.
    """
    mode = catalog.MODES[meta.mode]
    spec = catalog.PLAYLIST_SPECS[meta.playlist] if meta.playlist else None
    if spec is None:
        map_name = rng.choice(catalog.playlist_maps(spec, mode, meta.legacy))
    else:
        maps, weights = catalog.rotation(spec.key, mode.key, meta.legacy)
        map_name = rng.choices(maps, weights=weights)[0]
    variant = catalog.variant_of(mode, spec)
    pair = catalog.map_mode_pair(variant, map_name) if spec else None
    return catalog.MAPS[map_name], variant, spec.asset if spec else None, pair


def match_info(rng: random.Random, meta: MatchMeta) -> tuple[dict, int, int]:
    """Build the MatchInfo object.

    Returns:
        (MatchInfo, epoch ms when the first player joined, playable ms).

    """
    mode, legacy = catalog.MODES[meta.mode], meta.legacy
    map_asset, variant, playlist, pair = match_assets(rng, meta)
    joined = meta.start_ms + rng.randint(0, 34_900)
    playable = meta.duration_ms
    if rng.random() < 0.4:  # PlayableDuration is sometimes shorter than Duration
        playable -= rng.randint(1_000, max(1_001, min(30_000, playable // 10)))
    info = {
        "StartTime": iso_time(meta.start_ms),
        # The match ends a full Duration after the players joined: EndTime - StartTime
        # is Duration plus the joining, never less (the services' 0 to 35 s more).
        "EndTime": iso_time(joined + meta.duration_ms + rng.randint(1, 30)),
        "Duration": iso_duration(meta.duration_ticks, 7),
        "LifecycleMode": meta.lifecycle,
        "GameVariantCategory": mode.category,
        "LevelId": catalog.stable_guid("level", map_asset.asset_id),
        "MapVariant": _ref(2, map_asset, legacy),
        "UgcGameVariant": _ref(6, variant, legacy),
        "ClearanceId": catalog.CLEARANCE_MATCHMADE if playlist else catalog.CLEARANCE_CUSTOM,
        "Playlist": _ref(3, playlist, legacy) if playlist else None,
        "PlaylistExperience": playlist.experience if playlist else None,
        "PlaylistMapModePair": _ref(7, pair, legacy) if pair else None,
        "SeasonId": season_id(meta),
        "PlayableDuration": iso_duration(playable, 3),
        "TeamsEnabled": mode.teams_enabled,
        "TeamScoringEnabled": mode.teams_enabled,
        "GameplayInteraction": 2 if mode.pve else 1,
    }
    if legacy:
        del info["GameplayInteraction"]
    return info, joined, playable


def _participation(rng: random.Random, seat: Seat, joined: int, playable: int) -> dict:
    first = joined + rng.randint(0, 1_500)
    played = round(playable * sum(seat.shares))
    left = None
    if seat.late:
        first = joined + playable - played + rng.randint(2_000, 15_000)
        played = max(joined + playable - first, 0)
    if seat.quit:
        left = iso_time(first + played)
    return {
        "FirstJoinedTime": iso_time(first),
        "LastLeaveTime": left,
        "PresentAtBeginning": seat.human and not seat.late,
        "JoinedInProgress": seat.late,
        "LeftInProgress": seat.quit,
        "PresentAtCompletion": not seat.quit,
        "TimePlayed": iso_duration(played, 3),
        "ConfirmedParticipation": None,
    }


def _ranks(seats: list[Seat], outcomes: list[int], team_scored: bool) -> dict[int, int]:
    """Rank players as the services do: winners first, then by Score (ties share).

    Where only the team scores, every player's Score is 0, so a team shares one rank.
    """
    keys = {id(s): (1 if outcomes[s.teams[-1]] in (WIN, TIE) else 2, 0 if team_scored else -s.score)
            for s in seats}  # fmt: skip
    return {id(s): 1 + sum(other < keys[id(s)] for other in keys.values()) for s in seats}


def stats_document(meta: MatchMeta, tracked: Sequence[str], strangers: Sequence[str]) -> dict:
    """Build the match-stats document (``GET /hi/matches/{id}/stats``).

    Args:
        meta: The match.
        tracked: ``xuid(…)`` of every tracked player, by index.
        strangers: Bare xuids of the other people of the world.

    Returns:
        The document, in the 2022 or 2024 format according to `meta.legacy`.

    """
    rng = random.Random(meta.seed)
    mode = catalog.MODES[meta.mode]
    info, joined, playable = match_info(rng, meta)
    seats = seat_players(rng, meta, [tracked[i] for i in meta.tracked], strangers)
    outcomes, scores = decide_plays(rng, meta, seats, playable / 1000)
    team_scored = mode.key in TEAM_SCORED
    ranks = _ranks(seats, outcomes, team_scored)
    raw = [[player_stats(rng, mode, play) for play in seat.plays] for seat in seats]
    players = []
    for seat, stats in zip(seats, raw, strict=True):
        entries = [
            {"TeamId": team, "Stats": finish_stats(mode, figures, meta.legacy)}
            for team, figures in zip(seat.teams, stats, strict=True)
        ]
        players.append(
            {
                "PlayerId": seat.player_id,
                "PlayerType": 1 if seat.human else 2,
                "BotAttributes": None if seat.human else {"Difficulty": seat.difficulty},
                "LastTeamId": seat.teams[-1],
                "Outcome": LEFT if seat.quit else outcomes[seat.teams[-1]],
                "Rank": ranks[id(seat)],
                "ParticipationInfo": _participation(rng, seat, joined, playable),
                "PlayerTeamStats": entries,
            }
        )
    teams = []
    for team in (0, 1) if mode.teams_enabled else ():
        members = [
            entry
            for seat, stats in zip(seats, raw, strict=True)
            for t, entry in zip(seat.teams, stats, strict=True)
            if t == team
        ]
        first = members[0]["CoreStats"] if members else {}
        rounds = (first.get("RoundsWon", 0), first.get("RoundsLost", 0), first.get("RoundsTied", 0))
        outcome = outcomes[team]
        teams.append(
            {
                "TeamId": team,
                "Outcome": outcome,
                # Firefight: the players rank above the AI team, won or lost.
                "Rank": 2 if outcome == LEFT or (outcome == LOSS and not mode.pve) else 1,
                "Stats": finish_stats(
                    mode,
                    team_stats(mode, members, rounds, scores[team] if team_scored else None),
                    meta.legacy,
                ),
            }
        )
    return {"MatchId": meta.match_id, "MatchInfo": info, "Teams": teams, "Players": players}


def history_result(document: dict, player_id: str) -> dict:
    """Return one history entry of `player_id` for a match, from its stats document."""
    player = next(p for p in document["Players"] if p["PlayerId"] == player_id)
    return {
        "MatchId": document["MatchId"],
        "MatchInfo": document["MatchInfo"],
        "LastTeamId": player["LastTeamId"],
        "Outcome": player["Outcome"],
        "Rank": player["Rank"],
        "PresentAtEndOfMatch": player["ParticipationInfo"]["PresentAtCompletion"],
    }


def history_page(results: list[dict], start: int, count: int) -> dict:
    """Wrap history entries in a page (``GET /hi/players/{player}/matches``)."""
    return {
        "Start": start,
        "Count": count,
        "ResultCount": len(results),
        "Results": results,
        "Links": {},
    }


def match_count(history: Sequence[MatchMeta]) -> dict:
    """Build the match-count document (``GET /hi/players/{player}/matches/count``)."""
    counts = {CUSTOM: 0, MATCHMADE: 0, LOCAL: 0}
    for meta in history:
        counts[meta.lifecycle] += 1
    return {
        "CustomMatchesPlayedCount": counts[CUSTOM],
        "MatchesPlayedCount": len(history),
        "MatchmadeMatchesPlayedCount": counts[MATCHMADE],
        "LocalMatchesPlayedCount": counts[LOCAL],
    }
