"""Simulated gamecms season calendars, consistent with the season ids matches carry.

Every ``SeasonId`` a simulated match names (`documents.season_id`) is listed:
the 2022-era game season in the season calendar, each CSR season in the CSR
calendar. The shapes are the real ones (``spnkr__get_season_calendar.json``,
``spnkr__get_csr_season_calendar.json``): the season calendar lists each
season (or operation) with its reward track, every event of a season (a reward
track each, a week or two long) and the career rank's reward track; the CSR
calendar lists the CSR seasons only, from the first.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from grunt_archive.simulator.data import catalog

# The game seasons before the CSR seasons the catalog lists (real dates and ids):
# SeasonMetadata, CSR season, first day, day after the last, operation's reward track.
_EARLY_SEASONS = (
    ("Seasons/Season1.json", "Csr/Seasons/CsrSeason1-2.json", "2021-06-20", "2022-05-03",
     "battlepass-noblesacrifice"),
    (catalog.LEGACY_SEASON, "Csr/Seasons/CsrSeason2-3.json", "2022-05-03", "2022-11-08",
     "battlepass-lonewolves"),
    ("Seasons/Season-Winter-Break-22.json", catalog.WINTER_BREAK_CSR_SEASON, "2022-11-08",
     "2023-03-07", "battlepass-WinterBreak"),
)  # fmt: skip
# Events of the early seasons are named after them (later ones: S03, S04, ...).
_EARLY_EVENT_PREFIXES = ("S01", "S02", "WinterBreak22")
# CSR seasons before the catalog's (real ids and dates): id, first day, day after the last
# (with the hour where it was not 17:00).
_EARLY_CSR = (
    ("Csr/Seasons/CsrSeason1.json", "2021-06-20", "2022-02-22T22"),
    ("Csr/Seasons/CsrSeason1-2.json", "2022-02-22T22", "2022-05-03"),
    ("Csr/Seasons/CsrSeason2.json", "2022-05-03", "2022-08-23"),
    ("Csr/Seasons/CsrSeason2-2.json", "2022-08-23", "2022-11-08"),
    (catalog.WINTER_BREAK_CSR_SEASON, "2022-11-08", "2023-03-07"),
)
# Season 5 came as three operations, each its own SeasonMetadata and reward track (real
# ids and first days); the last lasts until the season ends.
_OPERATIONS = {
    5: (("Seasons/Season5-Op1.json", "S05OpPassL01", "2023-10-17"),
        ("Seasons/Season5-Op2.json", "S05OpPassM01", "2023-11-14"),
        ("Seasons/Season5-Op3.json", "S05OpPassM02", "2023-12-19")),
}  # fmt: skip
_SEASON_END = "2025-03-04"  # when the last catalog season ends
CAREER_RANK_TRACK = "RewardTracks/CareerRanks/careerrank1.json"
# A season's events, in turn: a two-week story event, a one-week Fracture, a two-week
# casual one, a Fracture again; a week without an event after each.
_EVENT_KINDS = (("Narrative", 14), ("Fracture", 7), ("Casual", 14), ("Fracture", 7))


def _date(day: str) -> dict[str, str]:
    hour = day if "T" in day else f"{day}T17"
    return {"ISO8601Date": f"{hour}:00:00.000Z"}


def _event_date(day: date) -> dict[str, str]:
    return {"ISO8601Date": f"{day.isoformat()}T18:00:00.00Z"}  # events: 18:00, two digits


def _events(prefix: str, start: str, end: str) -> list[dict[str, Any]]:
    """Return the events of a season, from its first day to the day after its last.

    A Fracture is the same reward track each time; the story and casual events are
    numbered within the season (``S04Narrative1``, ``S04Casual1``, ``S04Narrative2``).
    """
    day, last = date.fromisoformat(start), date.fromisoformat(end)
    events: list[dict[str, Any]] = []
    told: dict[str, int] = {}
    while True:
        kind, days = _EVENT_KINDS[len(events) % len(_EVENT_KINDS)]
        finish = day + timedelta(days=days)
        if finish > last:
            return events
        if kind != "Fracture":
            told[kind] = told.get(kind, 0) + 1
        name = f"{prefix}{kind}{told.get(kind, '')}"
        events.append(
            {
                "RewardTrackPath": f"RewardTracks/Events/Rituals/{name}.json",
                "StartDate": _event_date(day),
                "EndDate": _event_date(finish),
            }
        )
        day = finish + timedelta(days=7)


def _csr_spans() -> list[tuple[str, str, str]]:
    """Return (CSR season id, first day, day after the last) for each catalog CSR season."""
    starts = [day for day, _ in catalog.CSR_SEASONS]
    ends = [*starts[1:], _SEASON_END]
    return [(sid, start, end) for (start, sid), end in zip(catalog.CSR_SEASONS, ends, strict=True)]


def _season(csr: str, track: str, season: str, start: str, end: str) -> dict[str, Any]:
    return {
        "CsrSeasonFilePath": csr,
        "OperationTrackPath": f"RewardTracks/Operations/{track}.json",
        "SeasonMetadata": season,
        "StartDate": _date(start),
        "EndDate": _date(end),
    }


def season_calendar() -> dict[str, Any]:
    """Build the game season calendar: seasons (or operations), events, the career rank."""
    seasons, events = [], []
    for (season, csr, start, end, track), prefix in zip(
        _EARLY_SEASONS, _EARLY_EVENT_PREFIXES, strict=True
    ):
        seasons.append(_season(csr, track, season, start, end))
        events += _events(prefix, start, end)
    for csr, start, end in _csr_spans():
        number = int(csr.split("CsrSeason")[-1].split("-")[0])
        parts = _OPERATIONS.get(number, ((f"Seasons/Season{number}.json",
                                          f"S{number:02d}BattlePass", start),))  # fmt: skip
        ends = [first for _, _, first in parts[1:]] + [end]
        for (season, track, first), last in zip(parts, ends, strict=True):
            seasons.append(_season(csr, track, season, first, last))
        events += _events(f"S{number:02d}", start, end)
    return {
        "Seasons": seasons,
        "Events": events,
        "CareerRank": {"RewardTrackPath": CAREER_RANK_TRACK},
    }


def csr_season_calendar() -> dict[str, Any]:
    """Build the CSR season calendar: each CSR season's file and dates (no events)."""
    return {
        "Seasons": [
            {"CsrSeasonFilePath": csr, "StartDate": _date(start), "EndDate": _date(end)}
            for csr, start, end in [*_EARLY_CSR, *_csr_spans()]
        ]
    }
