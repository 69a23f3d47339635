"""How the one-line messages count and name things: "1 match", "40 matches", "A and B"."""

from __future__ import annotations

from collections.abc import Sequence


def counted(number: int, noun: str) -> str:
    """Return ``number`` with ``noun`` in the form it takes: ``1 match``, ``0 new matches``."""
    if number == 1:
        return f"{number} {noun}"
    ending = "es" if noun.endswith(("ch", "sh", "s", "x")) else "s"
    return f"{number} {noun}{ending}"


def listed(names: Sequence[str], noun: str, at_most: int = 3) -> str:
    """Return names as a person writes them (``A``, ``A and B``, ``A, B and C``), or a count.

    More than ``at_most`` names are counted instead (``12 players``).
    """
    if not names or len(names) > at_most:
        return counted(len(names), noun)
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"
