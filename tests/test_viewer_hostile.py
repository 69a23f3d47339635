"""The viewer over hostile content: what the service sent never runs in the browser or breaks a page.

Every name the archive holds came from the network (gamertags, map, mode and
playlist names, medal names, a failed fetch's reason). Here each is replaced by
markup that would run if a page wrote it unescaped: in an element, in an
attribute, or in the JSON a chart's ``<script>`` holds. And a service that sends
an impossible time or text where a number belongs must not leave a page that
answers 500.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest

from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.helpers import rows, sync, viewer

# Breaks out of an element, an attribute (either quote) and a <script> element at once.
PAYLOAD = "</script><img src=x onerror=pwn()>\"'"
INERT = ("<img src=x", "</script><img")
# The columns of text the service chose, by table.
NAMED = {
    "players": ("gamertag",),
    "assets": ("public_name", "description"),
    "medals": ("name", "description"),
    "seasons": ("name",),
    "films": ("error",),
    "pending_enrichment": ("reason",),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A synced archive (with films) whose every name is `PAYLOAD` followed by the name."""
    sim = Simulator(SimulatorConfig(seed=31, players=2, matches=12))
    db = tmp_path_factory.mktemp("viewer-hostile") / "hostile.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    with closing(sqlite3.connect(db)) as connection, connection:
        # An opponent ranked in the matchmade matches: their page draws a CSR chart whose
        # JSON holds playlist names, in a <script>.
        connection.execute(
            "UPDATE match_skill SET post_match_tier = 'Diamond', post_match_csr = 1400"
            " WHERE player_id = (SELECT min(player_id) FROM match_skill WHERE match_id IN"
            " (SELECT match_id FROM matches WHERE playlist_asset_id IS NOT NULL)"
            " AND player_id NOT IN (SELECT player_id FROM tracked_players))"
        )
        for table, columns in NAMED.items():
            for column in columns:
                connection.execute(
                    f"UPDATE {table} SET {column} = ? || coalesce({column}, '')", (PAYLOAD,)
                )
    return db


def get(db: Path, path: str):
    return asyncio.run(viewer(db).client.get(path))  # one Datasette a file: many pages


def pages(db: Path) -> list[str]:
    """Every page of the viewer worth a look: home, players, matches, queries, dashboards."""
    found = ["/", "/player?q=" + quote(PAYLOAD), "/player/" + quote(PAYLOAD, safe="") + "x"]
    (ranked,) = rows(db, "SELECT DISTINCT player_id FROM match_skill WHERE post_match_csr = 1400")
    found.append(f"/player/{ranked[0]}")
    for (gamertag,) in rows(db, "SELECT gamertag FROM players WHERE is_bot = 0 LIMIT 4"):
        found += [f"/player/{quote(gamertag, safe='')}", f"/player/{quote(gamertag, safe='')}"
                  f"?scope={quote(PAYLOAD)}"]  # fmt: skip
    found += [f"/match/{m}" for (m,) in rows(db, "SELECT match_id FROM films ORDER BY status")]
    metadata = load_metadata(db.stem)
    for name in metadata["databases"][db.stem]["queries"]:
        found.append(f"/{db.stem}/{name}?gamertag={quote(PAYLOAD)}&scope={quote(PAYLOAD)}")
    for slug in metadata["plugins"]["datasette-dashboards"]:
        found.append(f"/-/dashboards/{slug}?gamertag={quote(PAYLOAD)}&scope={quote(PAYLOAD)}")
    found += [f"/{db.stem}/{table}" for table in ("players", "assets", "medals", "films")]
    return found


def test_names_from_the_service_come_out_escaped_everywhere(archive):
    scripts = 0
    for path in pages(archive):
        response = get(archive, path)
        assert response.status_code in (200, 404), (path, response.text[:300])
        for needle in INERT:
            assert needle not in response.text, (path, needle)
        scripts += "vegaEmbed(" in response.text and "\\u003c/script>" in response.text
    # The payload did reach the pages, escaped, and the charts' JSON too.
    assert "&lt;img src=x" in get(archive, pages(archive)[3]).text
    assert scripts, "no chart held a name from the service"


@pytest.mark.parametrize("kind", ["bad_time", "edge_time", "text_number"])
def test_a_hostile_value_leaves_no_page_that_answers_500(kind, tmp_path):
    sim = Simulator(SimulatorConfig(seed=5, players=1, matches=12, hostile=kind, hostile_matches=1))
    db = tmp_path / "halo.db"
    report = sync(db, sim, sim.player_ids[0])
    paths = ["/", f"/player/{sim.player_ids[0]}"]
    paths += [f"/match/{m}" for (m,) in rows(db, "SELECT match_id FROM matches")]
    for path in paths:
        response = get(db, path)
        assert response.status_code == 200, (path, response.text[:300])
    # The match said what was wrong with it, and waits for a service that says better.
    assert report.pending == list(sim.hostile_match_ids), report.outcome
