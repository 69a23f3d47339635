"""Match history page (``/hi/players/{player}/matches``) → the matches it lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grunt_archive.errors import MalformedResponseError
from grunt_archive.normalize.match import GUID
from grunt_archive.normalize.values import match_start_time


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One match as a history page lists it: enough to decide whether to fetch it.

    ``start_time`` is None when the page gave an impossible one (`match_start_time`):
    the match is still fetched, and its stats document says when it started.
    """

    match_id: str
    start_time: str | None
    lifecycle_mode: int | None


def history_entries(page: Mapping[str, Any]) -> list[HistoryEntry]:
    """List the matches of a history page, newest first as the service sends them.

    Raises:
        MalformedResponseError: the page has no ``Results`` list, or an entry
            lacks a valid match id.

    """
    results = page.get("Results") if isinstance(page, Mapping) else None
    if not isinstance(results, list):
        raise MalformedResponseError("match history page has no Results list")
    entries = []
    for result in results:
        match_id = result.get("MatchId") if isinstance(result, Mapping) else None
        if not isinstance(match_id, str) or not GUID.match(match_id):
            raise MalformedResponseError(f"match history entry has a bad MatchId: {match_id!r}")
        info = result.get("MatchInfo")
        info = info if isinstance(info, Mapping) else {}
        start_time = match_start_time(info.get("StartTime"))
        mode = info.get("LifecycleMode")
        mode = mode if isinstance(mode, int) and not isinstance(mode, bool) else None
        entries.append(HistoryEntry(match_id.lower(), start_time, mode))
    return entries
