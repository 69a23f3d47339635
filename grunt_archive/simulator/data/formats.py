"""Number and time formats exactly as the Halo services write them."""

from __future__ import annotations

from datetime import UTC, datetime

TICKS_PER_SECOND = 10_000_000  # .NET TimeSpan ticks: 100 ns


def iso_duration(units: int, digits: int = 0) -> str:
    """Format a duration the way the services do: ``PT18M31.2141873S``, ``PT0S``.

    Args:
        units: The duration in units of ``10**-digits`` seconds.
        digits: How many fractional digits `units` carries (0, 1, 3 or 7).

    Returns:
        An ISO-8601 duration with trailing fractional zeros dropped.

    """
    scale = 10**digits
    whole, fraction = divmod(max(units, 0), scale)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    text = f"P{days}DT" if days else "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    decimals = f"{fraction:0{digits}d}".rstrip("0") if digits else ""
    if seconds or decimals or text.endswith("T"):
        text += f"{seconds}.{decimals}S" if decimals else f"{seconds}S"
    return text


def iso_time(epoch_ms: int) -> str:
    """Format a UTC instant like ``2024-09-30T03:58:30.59Z`` (1 to 3 fractional digits).

    Args:
        epoch_ms: Milliseconds since the Unix epoch.

    Returns:
        The timestamp text. A whole second is moved on by one millisecond so
        that every timestamp carries a fraction, as the services' almost always do.

    """
    if epoch_ms % 1000 == 0:
        epoch_ms += 1
    seconds, millis = divmod(epoch_ms, 1000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{f'{millis:03d}'.rstrip('0')}Z"


def epoch_ms(text: str) -> int:
    """Parse ``YYYY-MM-DD`` or an ISO timestamp (UTC) into epoch milliseconds."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def truncate2(numerator: int, denominator: int) -> float:
    """Return numerator/denominator cut (not rounded) to 2 decimals, toward zero.

    The services cut KDA and Accuracy this way: 18 kills, 5 assists and
    8 deaths give ``11.66``, and 135 of 221 shots give ``61.08``.

    Args:
        numerator: Dividend.
        denominator: Divisor; 0 gives ``0.0``.

    Returns:
        The truncated quotient.

    """
    if denominator == 0:
        return 0.0
    hundredths = abs(numerator) * 100 // abs(denominator)
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    return sign * hundredths / 100


def kda(kills: int, deaths: int, assists: int) -> float:
    """Return the services' KDA: kills + assists/3 - deaths, cut to 2 decimals."""
    return truncate2(3 * kills + assists - 3 * deaths, 3)


def accuracy(shots_hit: int, shots_fired: int) -> float:
    """Return the services' Accuracy in percent, cut to 2 decimals."""
    return truncate2(100 * shots_hit, shots_fired)
