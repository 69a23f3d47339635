"""The front page of a clan's archive: a card for the dozen most recently active, a table for the rest."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import urllib.parse
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette_dashboards import replace_opts_in_query

from grunt_archive.serve import datasette_for, load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.viewer.home import CARDS, front_page
from tests.conftest import copy_archive
from tests.helpers import execute, rows, sync


@pytest.fixture(scope="module")
def clan(tmp_path_factory) -> Path:
    """Fifteen tracked players, about a dozen matches each (some shared)."""
    sim = Simulator(SimulatorConfig(seed=21, players=CARDS + 3, matches=12))
    db = tmp_path_factory.mktemp("clan") / "halo.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    return db


def test_the_most_recently_active_get_cards_and_the_rest_a_table(clan):
    html = asyncio.run(datasette_for(clan).client.get("/")).text
    cards = re.findall(r'<div class="card" data-player-id="([^"]+)"', html)
    table = re.findall(r'<tr data-player-id="([^"]+)"', html)
    newest_first = [
        player for (player,) in rows(
            clan,
            "SELECT t.player_id FROM tracked_players AS t JOIN players AS p USING (player_id)"
            " ORDER BY (SELECT max(start_time) FROM player_matches AS pm"
            " WHERE pm.player_id = t.player_id) DESC, p.gamertag, t.player_id",
        )
    ]  # fmt: skip
    assert len(newest_first) == CARDS + 3
    assert cards + table == newest_first
    assert len(cards) == CARDS and len(table) == 3
    assert f"Every other tracked player ({len(table)})" in html


def test_a_table_row_says_what_a_card_says(clan):
    html = asyncio.run(datasette_for(clan).client.get("/")).text
    with closing(sqlite3.connect(clan)) as connection:
        page = front_page(connection)
    assert all("current_csr" in card for card in page["cards"])
    for player in page["table"]:
        record = player["matchmade_pvp"]
        assert (
            record["matches"]
            == rows(
                clan,
                "SELECT count(DISTINCT match_id) FROM player_matches_scoped"
                " WHERE player_id = ? AND scope = 'matchmade_pvp'",
                player["player_id"],
            )[0][0]
        )
        row = re.search(
            rf'<tr data-player-id="{re.escape(player["player_id"])}">(.*?)</tr>', html, re.S
        )
        assert row, player
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        ]
        assert cells[0] == player["gamertag"]
        assert f'href="/player/{quote(player["gamertag"])}"' in row.group(1)
        assert cells[2] == str(record["matches"])
        dash = "\N{EN DASH}"
        assert cells[5] == dash.join(str(record[key]) for key in ("wins", "losses", "ties"))


CAREER = load_metadata()["plugins"]["datasette-dashboards"]["career"]


def chart(db: Path, name: str, options: dict[str, str]) -> list[dict]:
    """Return the rows of a Career dashboard chart as Datasette answers them."""
    sql = replace_opts_in_query(CAREER["charts"][name]["query"], options)
    query = urllib.parse.urlencode({"sql": sql, "scope": "", **options})
    response = asyncio.run(datasette_for(db).client.get(f"/{db.stem}.json?{query}&_shape=array"))
    assert response.status_code == 200, response.text[:300]
    return response.json()


def most_played(db: Path, sql: str, count: int = 8) -> set[str]:
    """Return the gamertags of the first ``count`` rows of ``(gamertag, matches, tie-break)``."""
    found = sorted(rows(db, sql), key=lambda row: (-row[1], row[2]))
    assert len(found) > count
    return {gamertag for gamertag, *_ in found[:count]}


def test_with_no_player_picked_the_kd_chart_draws_the_eight_who_played_most(clan):
    # Fifteen lines and their legend are unreadable, and a clan's hundreds slow the page.
    played = (
        "SELECT gamertag, count(DISTINCT match_id), player_id FROM player_matches_scoped"
        " WHERE scope = 'matchmade_pvp' GROUP BY player_id"
    )
    drawn = {row["gamertag"] for row in chart(clan, "rolling_kd", {})}
    assert drawn == most_played(clan, played)
    # A player picked is drawn, however little they played.
    (least, *_), *_ = sorted(rows(clan, played), key=lambda row: (row[1], row[2]))
    assert least not in drawn
    picked = {row["gamertag"] for row in chart(clan, "rolling_kd", {"gamertag": least})}
    assert picked == {least}


def test_with_no_player_picked_the_csr_chart_draws_the_eight_with_the_most_ranked(clan, tmp_path):
    db = copy_archive(clan, tmp_path / "ranked.db")
    # The simulator places few players in 12 matches: give some lines a CSR, more to some.
    execute(
        db,
        "UPDATE player_matches SET post_match_csr = 1000 + rowid % 97, post_match_tier = 'Gold'"
        " WHERE rowid % (1 + length(player_id) % 5 + rowid % 3) = 0",
    )
    drawn = {row["gamertag"] for row in chart(db, "csr", {}) if row["csr"] is not None}
    assert len(drawn) == 8
    assert drawn == most_played(
        db,
        "SELECT gamertag, count(*), gamertag FROM player_matches WHERE post_match_csr IS NOT NULL"
        " GROUP BY gamertag",
    )


def _shape(text: str) -> str:
    """Return ``text`` with every digit a 9: the format of a timestamp, not its value."""
    return re.sub(r"\d", "9", text)


@pytest.mark.parametrize(
    ("days", "form"),
    [
        ((0, 1, 2, 40, 41), "9999-99-99T99:99:99.999Z"),  # per match: a break of 38 days
        ((0, 7, 14, 200, 207), "9999-99-99"),  # per week
        ((0, 31, 62, 1500, 1531), "9999-99-99"),  # per month
    ],
)
def test_the_csr_charts_gap_points_are_written_as_its_points_are(clan, tmp_path, days, form):
    # A gap written "2025-01-29 04:20:33" was local time to the browser: hours off the break.
    db = copy_archive(clan, tmp_path / "ranked.db")
    (gamertag, player), *_ = rows(
        db,
        "SELECT gamertag, player_id FROM player_matches GROUP BY player_id"
        " ORDER BY count(*) DESC, player_id",
    )
    lines = [r for (r,) in rows(db, "SELECT rowid FROM player_matches WHERE player_id = ?", player)]
    assert len(lines) >= len(days)
    statements = [f"UPDATE player_matches SET post_match_csr = NULL WHERE player_id = '{player}'"]
    for rowid, day in zip(lines, days, strict=False):  # ranked lines on these days only
        statements.append(
            f"UPDATE player_matches SET post_match_csr = {1200 + day}, post_match_tier = 'Gold',"
            f" start_time = strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-06T13:27:45.123',"
            f" '+{day} days') WHERE rowid = {rowid}"
        )
    execute(db, *statements)
    drawn = [r for r in chart(db, "csr", {"gamertag": gamertag}) if r["gamertag"] == gamertag]
    points = [r["period"] for r in drawn if r["csr"] is not None]
    gaps = [i for i, r in enumerate(drawn) if r["csr"] is None]
    assert len(points) == len(days) and len(gaps) == 1, drawn
    assert {_shape(period) for period in points} == {form}
    (gap,) = gaps
    assert _shape(drawn[gap]["period"]) == form
    # Text order is time order in one format: the break sits between its two points.
    assert drawn[gap - 1]["period"] < drawn[gap]["period"] < drawn[gap + 1]["period"]
