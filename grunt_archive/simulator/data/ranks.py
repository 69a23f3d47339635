"""CSR from one ranked match to the next: placements, then steps up and down with results.

A tracked player's CSR lives per ranked playlist: each ranked match starts from
where the previous one in that playlist ended (its PreMatchCsr is the previous
PostMatchCsr), and moves with the result, pulled toward the player's skill.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

WIN, LOSS, TIE, LEFT = 2, 3, 1, 4  # Outcome values (halo-api.md §4)
PLACEMENTS = 10  # ranked matches a player plays in a playlist before a first CSR


@dataclass(frozen=True, slots=True)
class CsrStep:
    """A player's CSR before and after one ranked match (-1 while in placement).

    Attributes:
        pre: PreMatchCsr value.
        post: PostMatchCsr value.
        pre_left: MeasurementMatchesRemaining before the match.
        post_left: MeasurementMatchesRemaining after it.

    """

    pre: int
    post: int
    pre_left: int
    post_left: int


def target_csr(skill: float) -> int:
    """Return the CSR a player of this skill settles around (1.0 is mid Platinum)."""
    return round(1050 + 900 * math.log(skill))


def advance(previous: CsrStep | None, outcome: int, skill: float, key: str) -> CsrStep:
    """Return the next ranked match's CSR step of a player in a playlist.

    Args:
        previous: The player's last step in the playlist (None: their first match).
        outcome: Their Outcome in this match.
        skill: Their skill (`world.player_skill`).
        key: A stable name of (match, player) that seeds the step's own noise.

    Returns:
        The step; its `pre` and `pre_left` are `previous`'s `post` and `post_left`.

    """
    rng = random.Random(key)
    pre, left = (previous.post, previous.post_left) if previous else (-1, PLACEMENTS)
    target = target_csr(skill)
    if left > 0:  # placement: no value until the last one, which lands a little low
        after = left - 1
        value = -1 if after else max(0, round(target - 120 + rng.gauss(0, 80)))
        return CsrStep(pre, value, left, after)
    pull = max(-7.0, min(7.0, (target - pre) * 0.04))
    base = rng.uniform(7, 14)
    if outcome == WIN:
        change = base + pull
    elif outcome == TIE:
        change = pull / 2 + rng.uniform(-2, 2)
    else:  # a loss, or worse: leaving early
        change = -base + pull - (6 if outcome == LEFT else 0)
    return CsrStep(pre, max(0, round(pre + change)), 0, 0)
