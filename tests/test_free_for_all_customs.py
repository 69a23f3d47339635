"""Free-for-all custom games: the simulator's, and the pages and query on a synced archive.

A real custom game may be set up without teams (FFA Slayer customs): LifecycleMode
1, Playlist null, TeamsEnabled false, Teams empty, each player (bots too) a team of
their own. It is not matchmade: the player page counts it among custom games, never
in the matchmade headline, and still gives its place.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from pathlib import Path

import pytest
from datasette_dashboards import replace_opts_in_query

from grunt_archive.serve import datasette_for, load_metadata
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import catalog, ffa
from grunt_archive.simulator.data.match_meta import CUSTOM, MATCHMADE
from tests.helpers import rows, sync, viewer

SEED, PLAYERS, MATCHES = 4, 1, 30  # two matchmade FFA matches, one FFA custom against bots
FFA_MODE = catalog.MODE_INDEX["ffa"]


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))


def ffa_matches(sim: Simulator, lifecycle: int) -> list:
    return [
        m for m in sim.world.matches.values() if m.mode == FFA_MODE and m.lifecycle == lifecycle
    ]


def test_custom_ffa_documents_are_a_custom_game_without_teams(sim):
    (meta,) = ffa_matches(sim, CUSTOM)
    assert (meta.playlist, meta.bots, meta.field, meta.place) == (None, True, 8, 2)
    doc = sim.stats_document(meta.match_id)
    info, players = doc["MatchInfo"], doc["Players"]
    assert (info["LifecycleMode"], info["Playlist"], info["PlaylistExperience"]) == (1, None, None)
    assert (info["SeasonId"], info["PlaylistMapModePair"]) == (None, None)
    assert (info["TeamsEnabled"], info["TeamScoringEnabled"], doc["Teams"]) == (False, False, [])
    assert info["ClearanceId"] == catalog.CLEARANCE_CUSTOM
    assert (
        info["UgcGameVariant"]["AssetId"]
        == catalog.variant_of(catalog.MODES[FFA_MODE], None).asset_id
    )
    assert catalog.variant_of(catalog.MODES[FFA_MODE], None).name == "FFA:Slayer"
    assert len(players) == meta.field
    assert sorted(p["LastTeamId"] for p in players) == list(range(meta.field))
    assert sorted(p["Rank"] for p in players) == list(range(1, meta.field + 1))
    bots = [p for p in players if p["PlayerType"] == 2]
    assert bots and all(p["PlayerId"].startswith("bid(") and p["BotAttributes"] for p in bots)
    for player in players:
        (entry,) = player["PlayerTeamStats"]
        assert entry["TeamId"] == player["LastTeamId"]
        assert player["Outcome"] == (2 if player["Rank"] == 1 else 3)
    mine = next(p for p in players if p["PlayerId"] == sim.player_ids[0])
    assert mine["Rank"] == meta.place and mine["Outcome"] == 3


def test_custom_ffa_comes_in_fields_of_three_to_eight_and_leaves_other_matches_alone(monkeypatch):
    config = SimulatorConfig(seed=7, players=1, matches=600)
    with_ffa = Simulator(config).world.matches
    customs = [m for m in with_ffa.values() if m.mode == FFA_MODE and m.lifecycle == CUSTOM]
    assert (
        customs
        and {m.field for m in customs} <= set(range(3, 9))
        and len({m.field for m in customs}) > 2
    )
    assert all(len(m.tracked) == 1 and 1 <= m.place <= m.field for m in customs)
    assert any(m.bots for m in customs) and not all(m.bots for m in customs)
    slayer_customs = [m for m in with_ffa.values() if m.lifecycle == CUSTOM and len(m.tracked) == 1
                      and m.mode in (FFA_MODE, catalog.MODE_INDEX["slayer"])]  # fmt: skip
    assert 0.1 < len(customs) / len(slayer_customs) < 0.45  # about one in four
    monkeypatch.setattr(ffa, "CUSTOM_FFA_SHARE", 0.0)
    monkeypatch.setattr(ffa, "FFA_SHARE", 0.0)
    without = Simulator(config).world.matches
    assert with_ffa.keys() == without.keys()
    changed = [m for m in with_ffa if with_ffa[m] != without[m]]
    assert {with_ffa[m].mode for m in changed} == {FFA_MODE}
    assert {with_ffa[m].lifecycle for m in changed} == {CUSTOM, MATCHMADE}
    assert all(with_ffa[m].start_ms == without[m].start_ms for m in changed)
    assert all(without[m].mode == catalog.MODE_INDEX["slayer"] for m in changed
               if with_ffa[m].lifecycle == CUSTOM)  # fmt: skip


@pytest.fixture(scope="module")
def synced(sim, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ffa-customs") / "customs.db"
    assert sync(db, sim, *sim.player_ids).outcome == "ok"
    return db


def _json(db: Path, path: str) -> dict | list:
    response = asyncio.run(viewer(db).client.get(path))
    assert response.status_code == 200, (path, response.text[:300])
    return response.json()


def test_a_custom_ffa_game_has_standings_and_its_place_among_custom_games(sim, synced):
    (meta,) = ffa_matches(sim, CUSTOM)
    me = sim.player_ids[0]
    page = _json(synced, f"/match/{meta.match_id}.json")
    assert (page["free_for_all"], page["lifecycle"], page["playlist"]) == (True, "custom", None)
    assert [t["rank"] for t in page["teams"]] == list(range(1, 9))
    bots = [t["players"][0] for t in page["teams"] if t["players"][0]["is_bot"]]
    assert bots and all(t["name"] for t in page["teams"])  # a bot's side is named too
    custom = _json(synced, f"/player/{me}.json?scope=custom")
    (line,) = [m for m in custom["recent_matches"] if m["match_id"] == meta.match_id]
    assert (line["place"], line["players"], line["outcome"], line["scope"]) == (
        2,
        8,
        "loss",
        "custom",
    )
    html = asyncio.run(datasette_for(synced).client.get(f"/player/{me}?scope=custom")).text
    assert "· 2nd of 8" in html
    # Not matchmade: out of the headline's matches and list, which keep their own FFA places.
    headline = _json(synced, f"/player/{me}.json")
    assert meta.match_id not in {m["match_id"] for m in headline["recent_matches"]}
    matchmade = ffa_matches(sim, MATCHMADE)
    places = {m["match_id"]: m["place"] for m in headline["recent_matches"] if m["place"]}
    assert places == {m.match_id: m.place for m in matchmade}
    counted = rows(synced, "SELECT scope, count(*) FROM player_matches_scoped"
                   f" WHERE match_id = '{meta.match_id}' GROUP BY scope")  # fmt: skip
    assert counted == [("custom", 1)]


def test_the_canned_query_gives_ffa_customs_in_the_custom_scope(sim, synced):
    gamertag = sim.world.gamertags[0]
    found = {}
    for scope in ("", "custom", "all"):
        query = urllib.parse.urlencode({"gamertag": gamertag, "scope": scope, "_shape": "array"})
        (row,) = _json(synced, f"/customs/free_for_all.json?{query}")
        found[scope] = (row["matches"], row["first_places"], row["average_place"])
    matchmade = sorted(m.place for m in ffa_matches(sim, MATCHMADE))
    assert matchmade == [1, 2]
    assert found == {"": (2, 1, 1.5), "custom": (1, 0, 2.0), "all": (3, 1, 1.67)}


def test_the_dashboard_charts_the_places_of_the_scope(sim, synced):
    chart = load_metadata()["plugins"]["datasette-dashboards"]["career"]["charts"]["ffa_places"]
    gamertag = sim.world.gamertags[0]
    (custom,) = ffa_matches(sim, CUSTOM)
    ((day,),) = rows(synced, f"SELECT day FROM player_matches WHERE match_id = '{custom.match_id}'")
    found = {}
    for options in ({}, {"scope": "custom"}, {"scope": "all", "gamertag": gamertag.lower()},
                    {"scope": "all", "date_from": day, "date_to": day}):  # fmt: skip
        sql = replace_opts_in_query(chart["query"], options)
        query = urllib.parse.urlencode({"sql": sql, **options, "_shape": "array"})
        places = _json(synced, f"/customs.json?{query}")
        found[tuple(options.values())] = {row["place"]: row["matches"] for row in places}
    assert found == {
        (): {1: 1, 2: 1},  # matchmade PvP: the two FFA Slayer matches
        ("custom",): {2: 1},
        ("all", gamertag.lower()): {1: 1, 2: 2},
        ("all", day, day): {2: 1},
    }
