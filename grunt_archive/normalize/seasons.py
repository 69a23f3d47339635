"""gamecms season calendars → ``seasons`` rows, named from their file paths.

The season calendar (``…/calendars/seasons/seasoncalendar.json``) lists game
seasons (``Seasons/Season5-Op1.json``) with their dates and the CSR season
each counts towards; the CSR calendar lists CSR seasons
(``Csr/Seasons/CsrSeason9-1.json``). A match's ``SeasonId`` is one of the
two forms. Neither calendar carries a display name, and fetching each season
file for one would cost a request per season, so the name is made from the
path: ``Season 5 Op 1``, ``Winter Break 22``, ``CSR Season 9-1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.values import utc_timestamp

Rows = dict[str, list[dict[str, Any]]]

_CSR_STEM = re.compile(r"^CsrSeason(?P<number>[\d-]+)\Z", re.IGNORECASE)
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def season_name(season_id: str) -> str:
    """Return a readable name for a season file path."""
    stem = season_id.rsplit("/", 1)[-1].removesuffix(".json")
    if match := _CSR_STEM.match(stem):
        return f"CSR Season {match['number']}"
    words = _LETTER_DIGIT.sub(" ", stem).replace("-", " ").split()
    if len(words) > 1 and words[0].lower() == "season" and not words[1].isdigit():
        words = words[1:]  # "Season-Winter-Break-22" reads better as "Winter Break 22"
    return " ".join(words)


def season_rows(doc: Mapping[str, Any]) -> Rows:
    """Turn either season calendar into ``seasons`` rows.

    Raises:
        MalformedResponseError: the document has no ``Seasons`` list.

    """
    seasons = doc.get("Seasons") if isinstance(doc, Mapping) else None
    if not isinstance(seasons, list):
        raise MalformedResponseError("season calendar has no Seasons list")
    rows: dict[str, dict[str, Any]] = {}
    for season in seasons:
        if not isinstance(season, Mapping):
            continue
        game_season = season.get("SeasonMetadata")
        csr_season = season.get("CsrSeasonFilePath")
        season_id = game_season if isinstance(game_season, str) and game_season else csr_season
        if not isinstance(season_id, str) or not season_id:
            continue
        is_game = isinstance(game_season, str) and bool(game_season)
        try:
            start, end = _date(season.get("StartDate")), _date(season.get("EndDate"))
        except ValueError as error:
            raise MalformedResponseError(f"season {season_id}: {error}") from None
        rows[season_id] = {
            "season_id": season_id,
            "name": season_name(season_id),
            "kind": "season" if is_game else "csr_season",
            "start_time": start,
            "end_time": end,
            "csr_season_id": csr_season if is_game and isinstance(csr_season, str) else None,
            "operation_track_path": _str(season.get("OperationTrackPath")) if is_game else None,
        }
    return {"seasons": list(rows.values())}


def _date(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("ISO8601Date")
    return utc_timestamp(value) if isinstance(value, str) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
