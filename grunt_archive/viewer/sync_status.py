"""The front page's line on the syncs: did last night's run work, and when did one last work.

A player whose timer broke learns it here rather than weeks later from a gap in
their matches: the latest run, how it ended, and, when it did not work, the
last run that did and how many failed since.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from grunt_archive.times import parse_time
from grunt_archive.viewer.reading import rows

# Outcomes of a run that archived what the service gave (`grunt_archive.sync._finish`).
WORKED = ("ok", "partial", "claimed")

# A nightly run's last success older than this is worth a warning.
STALE_AFTER_HOURS = 48

_LATEST = """
SELECT id, started_at, finished_at, outcome, matches_added, pending, error, failures
FROM sync_runs ORDER BY id DESC LIMIT 1
"""
_LAST_WORKED = f"""
SELECT id, started_at, finished_at FROM sync_runs
WHERE outcome IN ({", ".join(f"'{outcome}'" for outcome in WORKED)})
ORDER BY id DESC LIMIT 1
"""
_FAILED_SINCE = """
SELECT count(*) AS failed FROM sync_runs WHERE id > :since AND outcome != 'running'
"""


def sync_status(connection: sqlite3.Connection, now: datetime) -> dict[str, Any] | None:
    """Return the latest run, the last that worked, and what a reader should make of them.

    None when no sync has run (an archive made by ``copy`` alone, or empty).
    """
    latest = rows(connection, _LATEST)
    if not latest:
        return None
    run = latest[0]
    worked = rows(connection, _LAST_WORKED)
    last_worked = worked[0] if worked else None
    since = last_worked["id"] if last_worked else 0
    failed = rows(connection, _FAILED_SINCE, {"since": since})[0]["failed"]
    when = run["finished_at"] or run["started_at"]
    reference = last_worked["finished_at"] or last_worked["started_at"] if last_worked else None
    stale = reference is None or _hours(reference, now) > STALE_AFTER_HOURS
    not_synced = players_not_synced(run["failures"])
    return {
        "run": run,
        "not_synced": not_synced,
        "age": age(when, now),
        "last_worked": last_worked,
        "last_worked_age": age(reference, now) if reference else None,
        "failed_since": failed,
        # A player left out (an account gone, a private history) stays out night after
        # night while the run counts as one that worked: it stands out until it is dealt with.
        "warn": run["outcome"] not in (*WORKED, "running") or stale or bool(not_synced),
    }


def players_not_synced(failures: str | None) -> list[str]:
    """Return the players a run could not sync, each ``Gamertag (xuid(…)): why``.

    ``failures`` is the run's ``sync_runs.failures`` (JSON, as `sync` writes it: a match's
    failures carry ``match_id``, a player's ``player``); anything else reads as none.
    """
    try:
        found = json.loads(failures) if failures else []
    except ValueError:
        return []
    return [
        f"{failure['player']}: {failure['error']}" if failure.get("error") else failure["player"]
        for failure in found if isinstance(failure, dict) and isinstance(failure.get("player"), str)
    ]  # fmt: skip


def age(text: str, now: datetime) -> str:
    """Return how long before ``now`` an archive timestamp was: ``3 hours``."""
    minutes = int(_hours(text, now) * 60)
    if minutes < 1:
        return "less than a minute"
    count, unit = minutes, "minute"
    for size, name in ((60, "hour"), (60 * 24, "day")):
        if minutes >= size:
            count, unit = minutes // size, name
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _hours(text: str, now: datetime) -> float:
    return max((now - parse_time(text)).total_seconds(), 0.0) / 3600
