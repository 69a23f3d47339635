"""Turning API values into column values: names, durations, timestamps.

Pure functions, no I/O. The rules are INTERFACE.md's: snake_case names,
ISO-8601 durations as REAL seconds in ``*_seconds`` columns, timestamps as
ISO-8601 UTC text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from grunt_archive.times import parse_time, stamp

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?\Z"
)
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?\Z"
)
# Halo Infinite's first flights were in 2021: a match said to start earlier did not.
EARLIEST_MATCH = "2021-01-01T00:00:00.000Z"
# Clocks drift; a match said to start further ahead of ours than this did not.
FUTURE_MARGIN = timedelta(days=1)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """Return the column name of an API field: ``HeadshotKills`` → ``headshot_kills``.

    Acronyms stay whole (``KDA`` → ``kda``, ``AverageKDA`` → ``average_kda``).
    """
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def is_duration(value: object) -> bool:
    """Say whether ``value`` is an ISO-8601 duration string such as ``PT35.6S``."""
    return isinstance(value, str) and value.startswith(("P", "-P")) and bool(_DURATION.match(value))


def duration_seconds(value: str | None) -> float | None:
    """Convert an ISO-8601 duration (``P17DT10H55M53.76S``, ``PT0S``) to seconds.

    Raises:
        ValueError: ``value`` is not a duration.

    """
    if isinstance(value, str):
        return _seconds(value)
    if value is None:
        return None
    raise ValueError(f"not an ISO-8601 duration: {value!r}")


@lru_cache(maxsize=4096)  # a match repeats its durations (PT0S, the match's length)
def _seconds(value: str) -> float:
    match = _DURATION.match(value)
    if match is None or value in ("P", "PT", "-P", "-PT"):
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    parts = match.groupdict()
    seconds = (
        float(parts["days"] or 0) * 86400
        + float(parts["hours"] or 0) * 3600
        + float(parts["minutes"] or 0) * 60
        + float(parts["seconds"] or 0)
    )
    # Round away binary noise but keep the 7 fractional digits the API sends.
    seconds = round(seconds, 7)
    return -seconds if parts["sign"] else seconds


def utc_timestamp(value: str | None) -> str | None:
    """Return a timestamp as fixed-width UTC text, ``2025-01-29T04:20:33.441Z``.

    The API sends one to three fractional digits; a fixed width keeps text
    order equal to time order, so SQL can sort and compare the column.

    Raises:
        ValueError: ``value`` is not an ISO-8601 timestamp.

    """
    if value is None:
        return None
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an ISO-8601 timestamp: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    millis = (fraction or "0")[:3].ljust(3, "0")
    if zone in (None, "Z", "+00:00", "-00:00"):
        # The pattern takes any two digits: month 13 or 30 February stored as text
        # would make every page that reads the time back fail (the viewer's, a 500).
        try:
            datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        except ValueError:
            raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from None
        return f"{year}-{month}-{day}T{hour}:{minute}:{second}.{millis}Z"
    try:
        moment = datetime.fromisoformat(f"{year}-{month}-{day}T{hour}:{minute}:{second}{zone}")
        # Year 1 ahead of UTC (or 9999 behind) has no UTC date: OverflowError, not ValueError.
        utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from None
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "Z"


def match_start_time(value: Any) -> str | None:
    """Return a match's start time as archive text, or None when no match can start then.

    None for text that is not an ISO-8601 timestamp, a date out of range
    (month 13, hour 25), a time before `EARLIEST_MATCH`, or one more than
    `FUTURE_MARGIN` ahead of the clock: a server's word is not enough to move
    the archive's reach to year 9999.
    """
    try:
        text = utc_timestamp(value)
        if text is None:
            return None
        parse_time(text)  # checks every field's range
    except (TypeError, ValueError, OverflowError):
        return None
    return text if EARLIEST_MATCH <= text <= latest_start_time() else None


def latest_start_time() -> str:
    """Return the latest time a match may start at: `FUTURE_MARGIN` ahead of the clock."""
    return stamp(datetime.now(UTC) + FUTURE_MARGIN)
