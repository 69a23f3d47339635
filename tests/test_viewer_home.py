"""The front page of a clan's archive: a card for the dozen most recently active, a table for the rest."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest

from grunt_archive.serve import datasette_for
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.viewer.home import CARDS, front_page
from tests.helpers import rows, sync


@pytest.fixture(scope="module")
def clan(tmp_path_factory) -> Path:
    """Fifteen tracked players, a few matches each."""
    sim = Simulator(SimulatorConfig(seed=21, players=CARDS + 3, matches=3))
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
