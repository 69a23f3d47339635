"""The archive's times: ISO-8601 UTC text to the millisecond, written and shown one way.

Every stored time is ``2025-01-29T04:20:33.441Z``: fixed width, so text order is
time order and SQL sorts and compares the columns. People read ``2025-01-29 04:20
UTC``. Standard library only: the CLI, the store and the viewer all import it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def stamp(moment: datetime) -> str:
    """Return an aware ``moment`` as the archive writes times: ``2025-01-29T04:20:33.441Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_utc() -> str:
    """Return the current time as the archive writes times."""
    return stamp(datetime.now(UTC))


def parse_time(text: str) -> datetime:
    """Return the archive's time text (or a bare date, taken as UTC) as an aware datetime.

    Raises:
        ValueError: ``text`` is not such a time.

    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_the_minute(text: str) -> str:
    """Return the archive's time text as people read it: ``2025-01-29 04:20 UTC``.

    Raises:
        ValueError: ``text`` is not such a time.

    """
    return parse_time(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
