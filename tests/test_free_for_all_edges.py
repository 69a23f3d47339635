"""Which matches are free-for-all: one decision, read alike by every page and query.

The match page's standings, the player page's "2nd of 8", the canned query
``free_for_all`` and the chart ``ffa_places`` all read ``matches.free_for_all``,
decided as `grunt_archive.views.FREE_FOR_ALL_SQL` says when the match was written. Each edge here is a
real FFA Slayer document of the simulator, bent (fewer players, bots, shared teams,
teams on), stored by the real store and read through Datasette.
"""

from __future__ import annotations

import asyncio
import copy
import re
import sqlite3
import urllib.parse
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive.db import open_archive
from grunt_archive.serve import load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, state
from grunt_archive.viewer.formats import ordinal
from grunt_archive.viewer.reading import free_for_all_of
from tests.helpers import assert_free_for_all_as_defined, rows, save_stats, viewer

SEED, PLAYERS, MATCHES = 4, 1, 30  # as test_free_for_all: a world with two FFA matches
QUERY = load_metadata()["databases"]["halo"]["queries"]["free_for_all"]


def _bot(player: dict, number: int) -> dict:
    bot = copy.deepcopy(player)
    bot["PlayerId"], bot["PlayerType"] = f"bid({number}.0)", 2
    bot["BotAttributes"] = {"Difficulty": 2}
    return bot


def _edges(doc: dict, me: str) -> dict[str, tuple[dict, bool]]:
    """Return each edge's document (a new match id) and whether it is free-for-all."""
    mine = next(p for p in doc["Players"] if p["PlayerId"] == me)
    others = [p for p in doc["Players"] if p["PlayerId"] != me]
    edges: dict[str, tuple[list[dict], dict, bool]] = {
        "eight players": (doc["Players"], {}, True),
        "two players": ([mine, others[0]], {}, True),
        # Alone in a team-less custom game: nobody to place against.
        "one player": ([mine], {}, False),
        "bots": ([mine, *(_bot(p, n) for n, p in enumerate(others[:3]))], {}, True),
        # Infection's shape: teams off, no Teams, but players share team ids.
        "shared teams": (doc["Players"], {"share": True}, False),
        # Infection of two: a survivor and an infected, one team each, still two sides.
        "infection of two": ([mine, others[0]], {"GameVariantCategory": 22}, False),
        "teams on": (doc["Players"], {"TeamsEnabled": True}, False),
        "teams unknown": (doc["Players"], {"TeamsEnabled": None}, False),
        # Halo's ranks tie (1, 2, 2, 4): another player shares the tracked one's place.
        "tied": (doc["Players"], {"tie": True}, True),
    }
    found = {}
    for name, (players, change, ffa) in edges.items():
        edge = copy.deepcopy({**doc, "Players": players})
        edge["MatchId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ffa-edge:{name}"))
        for field in ("TeamsEnabled", "GameVariantCategory"):
            if field in change:
                edge["MatchInfo"][field] = change[field]
        if change.get("share"):
            for player in edge["Players"]:
                player["LastTeamId"] = player["LastTeamId"] % 2
                for entry in player["PlayerTeamStats"]:
                    entry["TeamId"] = entry["TeamId"] % 2
        for place, player in enumerate(sorted(edge["Players"], key=lambda p: p["Rank"]), 1):
            player["Rank"] = place  # the places of the field that is left
        if change.get("tie"):  # the next place's player shares the tracked one's (1, 2, 2, 4)
            ranked = sorted(edge["Players"], key=lambda p: p["Rank"])
            at = next(i for i, p in enumerate(ranked) if p["PlayerId"] == me)
            first, second = (at, at + 1) if at + 1 < len(ranked) else (at - 1, at)
            ranked[second]["Rank"] = ranked[first]["Rank"]
        found[name] = (edge, ffa)
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, str, str, dict[str, tuple[dict, bool]]]:
    """The edges, stored by the real store for the world's one tracked player."""
    sim = Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))
    me, gamertag = sim.player_ids[0], sim.world.gamertags[0]
    ffa = next(m for m in sim.world.matches.values() if m.playlist == "ffa")
    edges = _edges(sim.stats_document(ffa.match_id), me)
    db = tmp_path_factory.mktemp("ffa-edges") / "edges.db"
    engine = open_archive(db)
    with open_store(engine) as store:
        state.track_player(store, me, gamertag)
        save_stats(store, *(doc for doc, _ in edges.values()))
    engine.dispose()
    return db, me, gamertag, edges


def _page(db: Path, path: str) -> dict:
    response = asyncio.run(viewer(db).client.get(path))
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


def test_the_match_page_and_the_player_page_agree_on_every_edge(archive):
    db, me, _, edges = archive
    recent = {m["match_id"]: m for m in _page(db, f"/player/{me}.json?scope=all")["recent_matches"]}
    for name, (doc, ffa) in edges.items():
        match_id = doc["MatchId"]
        page = _page(db, f"/match/{match_id}.json")
        mine = next(p for p in doc["Players"] if p["PlayerId"] == me)
        assert page["free_for_all"] is ffa, name
        assert (recent[match_id]["place"], recent[match_id]["players"]) == (
            (mine["Rank"], len(doc["Players"])) if ffa else (None, None)), name  # fmt: skip
        if ffa:  # one side per player (bots too), by place (a tie in either order)
            sides = [(t["players"][0]["player_id"], t["rank"]) for t in page["teams"]]
            assert sorted(sides, key=lambda side: side[1]) == sides, name
            assert sorted(sides) == sorted((p["PlayerId"], p["Rank"]) for p in doc["Players"])


def test_the_canned_query_counts_the_matches_the_pages_call_free_for_all(archive):
    db, me, gamertag, edges = archive
    mine = [
        next(p for p in d["Players"] if p["PlayerId"] == me) for d, ffa in edges.values() if ffa
    ]
    fields = [len(d["Players"]) for d, ffa in edges.values() if ffa]
    places = [p["Rank"] for p in mine]
    cores = [p["PlayerTeamStats"][0]["Stats"]["CoreStats"] for p in mine]
    kills, deaths = sum(c["Kills"] for c in cores), sum(c["Deaths"] for c in cores)
    for who in (gamertag, gamertag.upper(), ""):
        query = urllib.parse.urlencode({"gamertag": who, "scope": "all", "_shape": "array"})
        (row,) = _page(db, f"/edges/free_for_all.json?{query}")
        assert row["gamertag"] == gamertag
        assert (row["matches"], row["first_places"]) == (len(mine), places.count(1))
        assert row["average_place"] == round(sum(places) / len(places), 2)
        assert row["win_rate"] == round(100 * places.count(1) / len(places), 1)
        assert row["top_three"] == sum(place <= 3 for place in places)
        assert (row["kills"], row["deaths"]) == (kills, deaths)
        assert row["kd"] == round(kills / max(deaths, 1), 3)
        assert row["average_players"] == round(sum(fields) / len(fields), 1)


def test_the_canned_query_and_the_chart_read_the_column_the_pages_read():
    # Decided once, as the match was written: none of them evaluates the predicate again.
    chart = load_metadata()["plugins"]["datasette-dashboards"]["career"]["charts"]["ffa_places"]
    for sql in (QUERY["sql"], chart["query"]):
        assert "where m.free_for_all" in sql
        assert "match_teams" not in sql and "ffa_p" not in sql
    assert free_for_all_of("m") == "m.free_for_all"


def test_the_column_is_what_the_sql_says_of_every_edge(archive):
    db, _, _, edges = archive
    assert_free_for_all_as_defined(db, "edges")
    said = dict(rows(db, "SELECT match_id, free_for_all FROM matches"))
    assert {name: bool(said[doc["MatchId"]]) for name, (doc, _) in edges.items()} == {
        name: ffa for name, (_, ffa) in edges.items()
    }


def test_the_stored_rows_say_why(archive):
    # What the decision rests on, as stored: no Teams, and a team id per player or not.
    db, _, _, edges = archive
    for name, (doc, _) in edges.items():
        teams = rows(db, "SELECT count(*), count(DISTINCT team_id) FROM match_players"
                     f" WHERE match_id = '{doc['MatchId']}'")  # fmt: skip
        assert teams[0][0] == len(doc["Players"]), name
        assert rows(db, f"SELECT count(*) FROM match_teams WHERE match_id = '{doc['MatchId']}'") == [
            (0,)], name  # fmt: skip


def test_the_query_and_the_chart_read_a_players_lines_only_for_free_for_all_matches(archive):
    # A 50,000-match career: joining each of its lines to its match took 400 ms, and
    # reading every match_players line first (the plan SQLite picked once the predicate
    # became a column) 4 s. The free-for-all matches come first, from their own index.
    db = archive[0]
    chart = load_metadata()["plugins"]["datasette-dashboards"]["career"]["charts"]["ffa_places"]
    given = re.sub(r"\[\[(.*?)\]\]", r"\1", chart["query"])  # every filter picked
    params = {"gamertag": "x", "scope": "", "playlist": "p", "date_from": "", "date_to": ""}
    for sql in (QUERY["sql"], given):
        with closing(sqlite3.connect(db)) as connection:
            plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        scans = [step for step in plan if step.startswith("SCAN ")]
        assert scans[0] == "SCAN m USING INDEX ix_matches_free_for_all", plan
        assert not any(step.startswith(("SCAN pm", "SCAN mp")) for step in plan), plan


def test_a_place_another_player_shares_reads_as_a_tie_on_both_pages(archive):
    db, me, _, edges = archive
    doc, _ = edges["tied"]
    mine = next(p for p in doc["Players"] if p["PlayerId"] == me)
    sharing = {p["PlayerId"] for p in doc["Players"] if p["Rank"] == mine["Rank"]}
    assert len(sharing) == 2 and me in sharing
    recent = _page(db, f"/player/{me}.json?scope=all")["recent_matches"]
    assert {m["match_id"] for m in recent if m["tied"]} == {doc["MatchId"]}
    html = asyncio.run(viewer(db).client.get(f"/player/{me}?scope=all")).text
    said = f"· tied {ordinal(mine['Rank'])} of {len(doc['Players'])}</span>"
    assert said in html and html.count("· tied ") == 1, "a tie, and only the one"
    # The match page's standings: both players who share the place, and nobody else.
    for name, (edge, _) in edges.items():
        page = _page(db, f"/match/{edge['MatchId']}.json")
        tied = {t["players"][0]["player_id"] for t in page["teams"] if t["players"][0].get("tied")}
        assert tied == (sharing if name == "tied" else set()), name
    html = asyncio.run(viewer(db).client.get(f"/match/{doc['MatchId']}")).text
    assert html.count(f'{mine["Rank"]} <span class="muted tied"') == 2
