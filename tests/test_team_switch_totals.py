"""A player who switched teams mid-match, in the totals, the career views and the queries.

The recorded CTF match has a switcher (P2): a line per team, each with that
team's shots and damage but the whole match's time played (12:20). A second
match, a copy of it, has them on one team. Until migration 0038 their time
counted three times for two matches, career accuracy averaged the lines' (not
shots hit ÷ shots fired, as the game's service record gives it) and damage per
match divided by lines.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from grunt_archive.db import archive, make_engine, upgrade_archive
from grunt_archive.serve import load_metadata
from grunt_archive.store import open_store, player_tables, player_totals
from grunt_archive.store.state import track_player
from tests.conftest import ROOT, copy_archive
from tests.helpers import MATCH, MATCH_DOC, P2, downgrade, dump, rows, save_stats, value

SWITCHER = "Switcher"
SECOND = "1f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
# The switcher's lines: the fixture's two (team 1: 10 of 20 shots, 50 %, 600 damage; team 0:
# 38 of 100, 38 %, 1,500) and the second match's one (70 of 100, 70 %, 900), 740 s each.
SECONDS = 740
ACCURACY = round(100.0 * (10 + 38 + 70) / (20 + 100 + 100), 2)  # 53.64
AVERAGE_OF_LINES = round((50.0 + 38.0 + 70.0) / 3, 2)  # 52.67: what the totals said
AVERAGE_OF_MATCHES = round(((50.0 + 38.0) / 2 + 70.0) / 2, 2)  # 57.0: what the views said
DAMAGE_PER_MATCH = (600 + 1500 + 900) / 2  # 1,500; per line 1,000


def second_match() -> dict[str, Any]:
    """Return the fixture's match a day later, the switcher on team 0 alone."""
    doc = json.loads((ROOT / "tests" / "fixtures" / MATCH_DOC).read_text())
    doc = copy.deepcopy(doc)
    doc["MatchId"] = SECOND
    doc["MatchInfo"]["StartTime"] = "2024-10-03T19:04:11.52Z"
    for player in doc["Players"]:
        if player["PlayerId"] == P2:
            kept = [t for t in player["PlayerTeamStats"] if t["TeamId"] == 0]
            core = kept[0]["Stats"]["CoreStats"]
            core.update(ShotsFired=100, ShotsHit=70, Accuracy=70.0, DamageDealt=900)
            player["PlayerTeamStats"] = kept
    return doc


def fill(db: Path, *, tracked_first: bool) -> None:
    """Archive both matches of the switcher, tracked before they are stored or after."""
    first = json.loads((ROOT / "tests" / "fixtures" / MATCH_DOC).read_text())
    with archive(db) as engine, open_store(engine) as store:
        if tracked_first:
            track_player(store, P2, SWITCHER)
        save_stats(store, first, second_match())
        if not tracked_first:
            track_player(store, P2, SWITCHER)


@pytest.fixture(scope="module")
def switched(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("switch") / "halo.db"
    fill(db, tracked_first=True)
    return db


def canned(db: Path, name: str, **params: str) -> list[dict[str, Any]]:
    """Return the rows the canned query ``name`` of metadata.yml answers, by column."""
    sql = load_metadata("halo")["databases"]["halo"]["queries"][name]["sql"]
    with closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(sql, {"gamertag": "", "scope": "", **params}).fetchall()
    return [dict(row) for row in found]


TICKS = SECONDS * 2 * 10_000_000  # two matches' time
TIME = "SELECT sum(time_played_ticks) FROM player_totals"


def rebuilt(db: Path, tmp_path: Path) -> Path:
    copied = copy_archive(db, tmp_path / "rebuilt.db")
    with archive(copied) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)
    return copied


def test_the_lines_name_their_shots_and_how_many_teams_the_player_had(switched):
    lines = rows(
        switched,
        "SELECT match_id, team_id, shots_fired, shots_hit, teams_played FROM player_matches"
        " ORDER BY match_id, team_id",
    )
    assert lines == [(MATCH, 0, 100, 38, 2), (MATCH, 1, 20, 10, 2), (SECOND, 0, 100, 70, 1)]
    # The partial index finds the switcher's lines.
    plan = rows(
        switched,
        "EXPLAIN QUERY PLAN SELECT match_id FROM player_matches"
        " WHERE player_id = ? AND teams_played > 1",
        P2,
    )
    assert any("ix_player_matches_switchers" in step[3] for step in plan), plan


def test_the_totals_count_a_switchers_time_once_and_their_shots(switched):
    ticks = TICKS
    for table in ("player_totals", "player_playlist_totals"):
        found = rows(
            switched,
            f"SELECT sum(matches), sum(time_played_ticks), sum(shots_fired), sum(shots_hit),"
            f" sum(damage_dealt), sum(damage_matches), sum(damage_lines) FROM {table}",
        )
        assert found == [(2, ticks, 220, 118, 3000, 2, 3)], table
    for table in ("player_map_totals", "player_mode_totals"):
        shots = f"SELECT sum(shots_fired), sum(shots_hit) FROM {table}"
        assert rows(switched, shots) == [(220, 118)], table
    # The per-line average stays, for the SQL saved before 0038.
    average = "SELECT round(sum(accuracy_hundredths) / 100.0 / sum(accuracy_lines), 2)"
    assert value(switched, f"{average} FROM player_totals") == AVERAGE_OF_LINES != ACCURACY


def test_the_totals_kept_match_by_match_equal_a_rebuild(switched, tmp_path):
    tables = ("player_matches", *player_totals.TABLES)
    copied = rebuilt(switched, tmp_path)
    assert dump(switched, tables) == dump(copied, tables)
    assert value(copied, TIME) == TICKS


def test_tracking_the_switcher_after_their_matches_counts_the_same(switched, tmp_path):
    later = tmp_path / "later.db"
    fill(later, tracked_first=False)
    tables = ("player_matches", *player_totals.TABLES)
    assert dump(later, tables) == dump(switched, tables)
    assert value(later, TIME) == TICKS


def test_the_career_views_count_time_once_and_accuracy_from_shots(switched):
    career = rows(
        switched, "SELECT matches, hours_played, accuracy, damage_per_match FROM player_careers"
    )
    assert career == [(2, round(2 * SECONDS / 3600, 1), ACCURACY, DAMAGE_PER_MATCH)]
    assert round(3 * SECONDS / 3600, 1) != career[0][1]  # the three lines' time
    by_map_mode = rows(switched, "SELECT matches, accuracy FROM player_map_mode_stats")
    assert by_map_mode == [(2, ACCURACY)]


@pytest.mark.parametrize("gamertag", ["", SWITCHER.lower()])
def test_career_summary_counts_time_once_accuracy_from_shots_damage_per_match(switched, gamertag):
    (summary,) = canned(switched, "career_summary", gamertag=gamertag, scope="all")
    assert summary["matches"] == 2
    assert summary["hours_played"] == round(2 * SECONDS / 3600, 1)
    assert summary["accuracy"] == ACCURACY
    assert summary["damage_per_match"] == DAMAGE_PER_MATCH


@pytest.mark.parametrize("name", ["by_map", "by_mode", "by_playlist"])
def test_the_breakdowns_give_accuracy_from_shots(switched, name):
    (found,) = canned(switched, name, scope="all")
    assert found["matches"] == 2 and found["accuracy"] == round(ACCURACY, 1)


@pytest.mark.parametrize("gamertag", ["", SWITCHER])
def test_recent_form_and_best_games_show_a_switchers_match_once(switched, gamertag):
    for name in ("recent_form", "best_games"):
        found = canned(switched, name, gamertag=gamertag, scope="all")
        assert [row["match_id"] for row in found] == [SECOND, MATCH] or name == "best_games"
        assert sorted(row["match_id"] for row in found) == sorted([MATCH, SECOND]), name
        merged = next(row for row in found if row["match_id"] == MATCH)
        # Both teams' kills (5 and 2) and shots (38 + 10 of 100 + 20) in one row.
        assert merged["kills"] == 7, name
        assert merged["accuracy"] == round(100.0 * 48 / 120, 2), name
        assert merged["damage_dealt"] == 2100, name
    (recent, _) = canned(switched, "recent_form", gamertag=gamertag, scope="all")
    assert recent["win_rate_last_25"] is not None


def test_0038_counts_an_archive_at_0037_again(tmp_path):
    # An archive with a switcher taken back to 0037 (its totals as they were: time per
    # line, no shots), then upgraded: the totals are the store's again.
    db = tmp_path / "halo.db"
    fill(db, tracked_first=True)
    tables = ("player_matches", *player_totals.TABLES)
    kept = dump(db, tables)
    engine = make_engine(db)
    try:
        downgrade(engine, "0037")
        three_lines = SECONDS * 3 * 10_000_000
        assert value(db, "SELECT sum(time_played_ticks) FROM player_totals") == three_lines
        assert value(db, "SELECT accuracy FROM player_careers") == AVERAGE_OF_MATCHES
        upgrade_archive(engine)
    finally:
        engine.dispose()
    assert dump(db, tables) == kept
    assert value(db, "SELECT accuracy FROM player_careers") == ACCURACY
