"""Simulated gamecms season calendars, consistent with the season ids matches carry.

Every ``SeasonId`` a simulated match names (`documents.season_id`) is listed:
the 2022-era game season in the season calendar, each CSR season in the CSR
calendar. The shapes are the real ones (``spnkr__get_season_calendar.json``,
``spnkr__get_csr_season_calendar.json``).
"""

from __future__ import annotations

from typing import Any

from grunt_archive.simulator.data import catalog

# The game seasons before the CSR seasons the catalog lists (real dates and ids).
_EARLY_SEASONS = (
    ("Seasons/Season1.json", "Csr/Seasons/CsrSeason1-2.json", "2021-06-20", "2022-05-03"),
    (catalog.LEGACY_SEASON, "Csr/Seasons/CsrSeason2-3.json", "2022-05-03", "2022-11-08"),
    ("Seasons/Season-Winter-Break-22.json", "Csr/Seasons/CsrSeason2-3.json", "2022-11-08",
     "2023-01-01"),
)  # fmt: skip
_SEASON_END = "2025-03-04"  # when the last catalog season ends


def _date(day: str) -> dict[str, str]:
    return {"ISO8601Date": f"{day}T17:00:00.000Z"}


def _csr_spans() -> list[tuple[str, str, str]]:
    """Return (CSR season id, first day, day after the last) for each catalog CSR season."""
    starts = [day for day, _ in catalog.CSR_SEASONS]
    ends = [*starts[1:], _SEASON_END]
    return [(sid, start, end) for (start, sid), end in zip(catalog.CSR_SEASONS, ends, strict=True)]


def season_calendar() -> dict[str, Any]:
    """Build the game season calendar: each season's file, dates and CSR season."""
    seasons = [
        {
            "CsrSeasonFilePath": csr,
            "OperationTrackPath": f"RewardTracks/Operations/{season.split('/')[-1]}",
            "SeasonMetadata": season,
            "StartDate": _date(start),
            "EndDate": _date(end),
        }
        for season, csr, start, end in _EARLY_SEASONS
    ]
    for csr, start, end in _csr_spans():
        number = csr.split("CsrSeason")[-1].split("-")[0]
        seasons.append(
            {
                "CsrSeasonFilePath": csr,
                "OperationTrackPath": f"RewardTracks/Operations/S{int(number):02d}BattlePass.json",
                "SeasonMetadata": f"Seasons/Season{number}.json",
                "StartDate": _date(start),
                "EndDate": _date(end),
            }
        )
    return {"Seasons": seasons, "Events": [], "CareerRank": {}}


def csr_season_calendar() -> dict[str, Any]:
    """Build the CSR season calendar: each CSR season's file and dates."""
    early = [
        ("Csr/Seasons/CsrSeason1-2.json", "2022-02-22", "2022-05-03"),
        ("Csr/Seasons/CsrSeason2-3.json", "2022-11-08", "2023-01-01"),
    ]
    return {
        "Seasons": [
            {"CsrSeasonFilePath": csr, "StartDate": _date(start), "EndDate": _date(end)}
            for csr, start, end in [*early, *_csr_spans()]
        ]
    }
