"""A career's K/D and win rate on the player page round as the canned queries' SQL does."""

from __future__ import annotations

import sqlite3

import pytest

from grunt_archive.viewer.reading import kd, rate


@pytest.mark.parametrize(
    ("kills", "deaths"), [(105, 80), (33, 80), (5, 16), (21, 16), (7, 8), (1, 0), (0, 3)]
)
def test_kd_rounds_as_sqlite_does(kills, deaths):
    sql = (
        sqlite3.connect(":memory:")
        .execute("SELECT round(? * 1.0 / max(?, 1), 3)", (kills, deaths))
        .fetchone()[0]
    )
    assert kd(kills, deaths) == sql


@pytest.mark.parametrize(("wins", "matches"), [(1, 16), (3, 16), (1, 8), (5, 16), (2, 3), (0, 4)])
def test_win_rate_rounds_as_sqlite_does(wins, matches):
    sql = (
        sqlite3.connect(":memory:")
        .execute("SELECT round(100.0 * ? / ?, 1)", (wins, matches))
        .fetchone()[0]
    )
    assert rate(wins, matches) == sql
