"""Match history page (``/hi/players/{player}/matches``) → the matches it lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.match import GUID
from grunt_archive.normalize.values import utc_timestamp


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One match as a history page lists it: enough to decide whether to fetch it."""

    match_id: str
    start_time: str
    lifecycle_mode: int | None


def history_entries(page: Mapping[str, Any]) -> list[HistoryEntry]:
    """List the matches of a history page, newest first as the service sends them.

    Raises:
        MalformedResponseError: the page has no ``Results`` list, or an entry
            lacks a valid match id or start time.

    """
    results = page.get("Results") if isinstance(page, Mapping) else None
    if not isinstance(results, list):
        raise MalformedResponseError("match history page has no Results list")
    entries = []
    for result in results:
        try:
            match_id = result["MatchId"]
            info = result["MatchInfo"]
            start_time = utc_timestamp(info["StartTime"])
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedResponseError(f"match history entry is malformed: {error}") from None
        if not isinstance(match_id, str) or not GUID.match(match_id) or start_time is None:
            raise MalformedResponseError(f"match history entry has a bad MatchId: {match_id!r}")
        entries.append(HistoryEntry(match_id.lower(), start_time, info.get("LifecycleMode")))
    return entries
