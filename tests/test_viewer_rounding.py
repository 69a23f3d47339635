"""A career's K/D and win rate on the player page round as the canned queries' SQL does."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from grunt_archive.viewer.reading import kd, rate


def sqlite_says(expression: str, *values: int) -> float:
    """Return what SQLite computes for ``expression`` over ``values``."""
    with closing(sqlite3.connect(":memory:")) as connection:
        return connection.execute(f"SELECT {expression}", values).fetchone()[0]


@pytest.mark.parametrize(
    ("kills", "deaths"), [(105, 80), (33, 80), (5, 16), (21, 16), (7, 8), (1, 0), (0, 3)]
)
def test_kd_rounds_as_sqlite_does(kills, deaths):
    assert kd(kills, deaths) == sqlite_says("round(? * 1.0 / max(?, 1), 3)", kills, deaths)


@pytest.mark.parametrize(("wins", "matches"), [(1, 16), (3, 16), (1, 8), (5, 16), (2, 3), (0, 4)])
def test_win_rate_rounds_as_sqlite_does(wins, matches):
    assert rate(wins, matches) == sqlite_says("round(100.0 * ? / ?, 1)", wins, matches)
