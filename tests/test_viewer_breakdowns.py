"""The player page's by-map and by-mode tables: the most played, and how many there are.

A simulated career synced by the real code (names looked up, as a sync does), read
through Datasette: the page lists the 15 most played and says of how many, linking a
tracked player to the canned query that lists them all, with the page's scope.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.helpers import sync, viewer

SHOWN = 15


@pytest.fixture(scope="module")
def career(tmp_path_factory) -> tuple[Path, str]:
    sim = Simulator(SimulatorConfig(seed=7, players=1, matches=150))
    db = tmp_path_factory.mktemp("breakdowns") / "halo.db"
    assert sync(db, sim, *sim.player_ids, films=False).outcome == "ok"
    return db, sim.gamertag(sim.player_ids[0])


def get(db: Path, path: str):
    response = asyncio.run(viewer(db).client.get(path))
    assert response.status_code == 200, (path, response.text[:300])
    return response


@pytest.mark.parametrize("key", ["map", "mode"])
def test_a_long_breakdown_says_how_many_and_links_to_all_of_them(career, key):
    db, gamertag = career
    page = f"/player/{quote(gamertag)}"
    every = len(get(db, f"{page}.json?scope=all").json()[f"by_{key}"])
    assert every > SHOWN  # the world is varied enough for the note to be tested
    html = get(db, f"{page}?scope=all").text
    table = html.split(f'id="by-{key}"')[1].split("</table>")[0]
    assert table.count("<tr><td") == SHOWN
    more = re.search(rf'<p class="muted" id="by-{key}-more">(.*?)</p>', html)
    assert more, html[:200]
    assert more.group(1).startswith(f"The 15 most played of {every}: ")
    link = re.search(r'href="([^"]+)"', more.group(1)).group(1).replace("&amp;", "&")
    query = f"/{db.stem}/by_{key}"
    assert link == f"{query}?gamertag={quote(gamertag)}&scope=all"
    # The canned query it links to lists every one of them.
    listed = get(db, link.replace(query, f"{query}.json") + "&_shape=array")
    assert len(listed.json()) == every


def test_a_short_breakdown_has_no_note(career):
    db, gamertag = career
    page = get(db, f"/player/{quote(gamertag)}.json?scope=custom").json()
    assert len(page["by_map"]) <= SHOWN
    html = get(db, f"/player/{quote(gamertag)}?scope=custom").text
    assert 'id="by-map-more"' not in html
