"""How the one-line messages count and name things ("1 match", "A and B") and quote input."""

from __future__ import annotations

from collections.abc import Sequence


def counted(number: int, noun: str) -> str:
    """Return ``number`` with ``noun`` in the form it takes: ``1 match``, ``1,788 requests``."""
    if number == 1:
        return f"1 {noun}"
    ending = "es" if noun.endswith(("ch", "sh", "s", "x")) else "s"
    return f"{number:,} {noun}{ending}"


def listed(names: Sequence[str], noun: str, at_most: int = 3) -> str:
    """Return names as a person writes them (``A``, ``A and B``, ``A, B and C``), or a count.

    More than ``at_most`` names are counted instead (``12 players``).
    """
    if not names or len(names) > at_most:
        return counted(len(names), noun)
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


# What a message shows of a value someone typed or sent, at most.
SHOWN = 40


def quoted(value: object, at_most: int = SHOWN) -> str:
    """Return ``value`` quoted (``repr``) for a one-line message, cut to its first characters.

    A text past ``at_most`` characters shows those, quoted, then ``…``: an id 5,000
    characters long was echoed whole. Anything else is shown by its ``repr``, cut so.
    """
    if isinstance(value, str):
        return repr(value) if len(value) <= at_most else f"{value[:at_most]!r}…"
    text = repr(value)
    return text if len(text) <= at_most else f"{text[:at_most]}…"
