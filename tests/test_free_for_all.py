"""Free-for-all matches (FFA Slayer): the simulator's documents, and the real code on them.

In FFA every player is a side: ``TeamsEnabled`` false, ``Teams`` empty, each player a
team of their own (as the real free-for-all skill document has one TeamMmr per
player), their Rank their place, Outcome 2 (win) for first place only.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive import documents
from grunt_archive.db import open_archive
from grunt_archive.serve import datasette_for
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import ffa
from grunt_archive.simulator.data.catalog import PLAYLISTS
from grunt_archive.simulator.data.match_meta import time_limit_ticks
from grunt_archive.simulator.data.skill import match_skill
from grunt_archive.store import lookups, matches, open_store, state
from grunt_archive.viewer.formats import ordinal
from tests.e2e import cli, simulator_process
from tests.helpers import dump, rows

SEED, PLAYERS, MATCHES = 4, 1, 30  # a world with two FFA matches: one won, one placed 2nd
GUARDIAN_ANGEL = 3334154676


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))


def ffa_ids(sim: Simulator) -> list[str]:
    return [m.match_id for m in sim.world.matches.values() if m.playlist == "ffa"]


def skill_document(sim: Simulator, stats: dict) -> dict:
    humans = [p["PlayerId"] for p in stats["Players"] if p["PlayerType"] == 1]
    return {"Value": match_skill(sim, stats, humans)}


def test_ffa_documents_make_each_player_a_side_ranked_by_place(sim):
    found = ffa_ids(sim)
    assert sorted(sim.world.matches[m].place for m in found) == [1, 2]
    me = sim.player_ids[0]
    for match_id in found:
        doc = sim.stats_document(match_id)
        info, players = doc["MatchInfo"], doc["Players"]
        assert (info["TeamsEnabled"], info["TeamScoringEnabled"], doc["Teams"]) == (
            False,
            False,
            [],
        )
        assert (info["GameVariantCategory"], info["LifecycleMode"], info["PlaylistExperience"]) == (
            6, 3, 2)  # fmt: skip
        assert len(players) == 8 and all(p["PlayerType"] == 1 for p in players)
        assert sorted(p["LastTeamId"] for p in players) == list(range(8))
        assert sorted(p["Rank"] for p in players) == list(range(1, 9))
        cores = [p["PlayerTeamStats"][0]["Stats"]["CoreStats"] for p in players]
        for player in players:
            (entry,) = player["PlayerTeamStats"]
            core = entry["Stats"]["CoreStats"]
            assert entry["TeamId"] == player["LastTeamId"]
            assert player["Outcome"] == (2 if player["Rank"] == 1 else 3)
            assert core["Score"] == core["Kills"] and core["Betrayals"] == 0
            assert GUARDIAN_ANGEL not in {m["NameId"] for m in core["Medals"]}
            assert set(entry["Stats"]) == {"CoreStats", "PvpStats"}
        assert sum(c["Kills"] for c in cores) == sum(c["Deaths"] for c in cores)
        by_rank = sorted(cores, key=lambda c: -c["Kills"])
        assert [c["Kills"] for c in by_rank] == sorted({c["Kills"] for c in cores}, reverse=True)
        mine = next(p for p in players if p["PlayerId"] == me)
        meta = sim.world.matches[match_id]
        assert mine["Rank"] == meta.place
        # First to 25 kills ends it; else the clock ran out (12 minutes) short of 25.
        at_time = meta.duration_ticks > time_limit_ticks(meta.mode, meta.playlist)
        assert (max(c["Kills"] for c in cores) == 25) is not at_time
        # Skill as the real free-for-all document: one team per player, nothing ranked.
        for value in skill_document(sim, doc)["Value"]:
            result = value["Result"]
            player = next(p for p in players if p["PlayerId"] == value["Id"])
            assert set(result["TeamMmrs"]) == {str(t) for t in range(8)}
            assert result["TeamId"] == player["LastTeamId"]
            assert result["RankRecap"]["PostMatchCsr"]["Value"] == 0
            assert result["Counterfactuals"]["TierCounterfactuals"] == {}


def test_ffa_leaves_every_other_match_of_a_seed_as_it_was(monkeypatch):
    with_ffa = Simulator(SimulatorConfig(seed=16, players=2, matches=80)).world.matches
    monkeypatch.setattr(ffa, "FFA_SHARE", 0.0)
    monkeypatch.setattr(ffa, "CUSTOM_FFA_SHARE", 0.0)  # customs: test_free_for_all_customs
    without = Simulator(SimulatorConfig(seed=16, players=2, matches=80)).world.matches
    assert with_ffa.keys() == without.keys()
    changed = [m for m in with_ffa if with_ffa[m] != without[m]]
    matchmade = [m for m in changed if with_ffa[m].playlist == "ffa"]
    assert matchmade and all(with_ffa[m].mode == with_ffa[matchmade[0]].mode for m in changed)
    assert all(with_ffa[m].start_ms == without[m].start_ms for m in changed)


@pytest.fixture(scope="module")
def archived(sim, tmp_path_factory) -> tuple[Path, list[dict]]:
    """An archive of the seed's FFA matches and their skill, saved by the real store."""
    db = tmp_path_factory.mktemp("ffa") / "ffa.db"
    engine = open_archive(db)
    docs = [sim.stats_document(m) for m in ffa_ids(sim)]
    team_match = next(m for m in sim.history(sim.player_ids[0])
                      if sim.world.matches[m].playlist == "quickplay")  # fmt: skip
    with open_store(engine) as store:
        state.track_player(store, sim.player_ids[0], sim.world.gamertags[0])
        for doc in [*docs, sim.stats_document(team_match)]:
            body = json.dumps(doc)
            stats = documents.RawDocument(
                documents.MATCH_STATS.name, doc["MatchId"], "/stats", "2026-01-01T00:00:00Z", body
            )
            matches.save_match(store, stats, doc)
            skill = skill_document(sim, doc)
            raw = documents.RawDocument(documents.MATCH_SKILL.name, doc["MatchId"], "/skill",
                                        "2026-01-01T00:00:00Z", json.dumps(skill))  # fmt: skip
            lookups.save_match_skill(store, raw, skill)
    engine.dispose()
    with closing(sqlite3.connect(db)) as connection, connection:  # names a sync looks up
        connection.execute("UPDATE players SET gamertag = 'Rival ' || substr(player_id, 15, 4)"
                           " WHERE gamertag IS NULL")  # fmt: skip
    return db, docs


def test_the_store_keeps_each_player_of_an_ffa_match_as_their_own_side(sim, archived):
    db, docs = archived
    me = sim.player_ids[0]
    for doc in docs:
        match_id = doc["MatchId"]
        want = sorted(
            (p["PlayerId"], p["LastTeamId"], p["Outcome"], p["Rank"],
             p["PlayerTeamStats"][0]["Stats"]["CoreStats"]["Kills"])
            for p in doc["Players"]
        )  # fmt: skip
        got = rows(db, "SELECT player_id, team_id, outcome, rank, kills FROM match_players"
                   f" WHERE match_id = '{match_id}' ORDER BY player_id")  # fmt: skip
        assert got == want
        assert rows(db, f"SELECT count(*) FROM match_teams WHERE match_id = '{match_id}'") == [(0,)]
        assert rows(db, f"SELECT teams_enabled FROM matches WHERE match_id = '{match_id}'") == [
            (0,)]  # fmt: skip
        mine = next(p for p in doc["Players"] if p["PlayerId"] == me)
        outcome = "win" if mine["Rank"] == 1 else "loss"
        assert rows(db, "SELECT outcome, team_id FROM player_matches"
                    f" WHERE match_id = '{match_id}'") == [(outcome, mine["LastTeamId"])]  # fmt: skip
        assert rows(db, "SELECT team_id FROM match_skill"
                    f" WHERE match_id = '{match_id}' AND player_id = '{me}'") == [
            (mine["LastTeamId"],)]  # fmt: skip
    # Everyone met in FFA is an opponent, nobody a teammate; one win in two.
    ids = ", ".join(f"'{d['MatchId']}'" for d in docs)
    met = rows(db, "SELECT relation, count(*), count(DISTINCT mine.match_id), sum(mine.outcome = 2)"
               " FROM player_encounters JOIN match_players AS mine USING (player_id)"
               " JOIN match_players AS theirs ON theirs.match_id = mine.match_id"
               " AND theirs.player_id = other_player_id"
               f" WHERE mine.match_id IN ({ids}) GROUP BY relation")  # fmt: skip
    others = {p["PlayerId"] for d in docs for p in d["Players"]} - {me}
    assert met == [("opponent", len(others), 2, 7)]
    ffa = PLAYLISTS["ffa"].asset_id
    assert rows(db, "SELECT sum(matches), sum(wins), sum(losses) FROM player_totals"
                f" WHERE player_id = '{me}' AND scope = 'matchmade_pvp'"
                f" AND playlist_asset_id = '{ffa}'") == [(2, 1, 1)]  # fmt: skip
    assert rows(db, f"SELECT count(*), sum(outcome = 'win') FROM player_matches"
                f" WHERE player_id = '{me}' AND match_id IN ({ids})") == [(2, 1)]  # fmt: skip


def test_the_match_page_of_an_ffa_match_lists_players_by_place(archived):
    db, docs = archived
    for doc in docs:
        match_id = doc["MatchId"]
        page = asyncio.run(datasette_for(db).client.get(f"/match/{match_id}.json")).json()
        assert page["free_for_all"] is True
        by_rank = sorted(doc["Players"], key=lambda p: p["Rank"])
        assert [t["players"][0]["player_id"] for t in page["teams"]] == [
            p["PlayerId"] for p in by_rank]  # fmt: skip
        assert [(t["rank"], t["outcome"]) for t in page["teams"]] == [
            (p["Rank"], "win" if p["Outcome"] == 2 else "loss") for p in by_rank]  # fmt: skip
        assert all(t["name"] == t["players"][0]["gamertag"] for t in page["teams"])
        html = asyncio.run(datasette_for(db).client.get(f"/match/{match_id}")).text
        assert 'id="standings"' in html and "Eagle" not in html and "Cobra" not in html
        first = html.index(by_rank[0]["PlayerId"])
        assert first < html.index(by_rank[1]["PlayerId"]) < html.index(by_rank[7]["PlayerId"])


@pytest.mark.slow
def test_sync_verify_and_reparse_archive_ffa_matches_end_to_end(sim, db_path):
    world = ("--seed", str(SEED), "--players", "1", "--matches", str(MATCHES))
    with simulator_process(*world, "--film-max-age-days", "100000") as s:  # films of 2023 too
        synced = cli("sync", "--json", db=db_path, api_base=s.url)
        assert synced.returncode == 0, synced.stderr
        checked = cli("verify", db=db_path, api_base=s.url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    ffa = rows(db_path, "SELECT match_id FROM matches AS m JOIN assets AS a"
               " ON a.asset_id = m.playlist_asset_id AND a.version_id = m.playlist_version_id"
               " WHERE a.public_name = 'FFA Slayer' ORDER BY match_id")  # fmt: skip
    assert len(ffa) == 2
    ids = ", ".join(f"'{m}'" for (m,) in ffa)
    assert rows(db_path, f"SELECT count(*) FROM match_teams WHERE match_id IN ({ids})") == [(0,)]
    assert rows(db_path, "SELECT count(*), count(DISTINCT team_id) FROM match_players"
                f" WHERE match_id IN ({ids}) GROUP BY match_id") == [(8, 8), (8, 8)]  # fmt: skip
    assert sorted(rows(db_path, "SELECT outcome FROM player_matches"
                       f" WHERE match_id IN ({ids})")) == [("loss",), ("win",)]  # fmt: skip
    teammates = rows(db_path, "SELECT count(*) FROM player_encounters AS e WHERE relation ="
                     " 'teammate' AND other_player_id IN (SELECT player_id FROM match_players"
                     f" WHERE match_id IN ({ids}))")  # fmt: skip
    strangers_only_in_ffa = rows(
        db_path,
        "SELECT count(*) FROM (SELECT player_id FROM match_players WHERE match_id IN"
        f" ({ids}) EXCEPT SELECT player_id FROM match_players WHERE match_id NOT IN ({ids}))",
    )[0][0]
    assert strangers_only_in_ffa and teammates[0][0] <= 14 - strangers_only_in_ffa
    for (match_id,) in ffa:  # the film's score over the match: a line per player, by place
        page = asyncio.run(datasette_for(db_path).client.get(f"/match/{match_id}.json")).json()
        timeline = page["score_timeline"]
        assert page["film"]["status"] == "read" and timeline["by"] == "player"
        assert [side["key"] for side in timeline["series"]] == [
            t["players"][0]["player_id"] for t in page["teams"]]  # fmt: skip
        assert [t["rank"] for t in page["teams"]] == list(range(1, 9))
        assert "teammate" not in timeline["note"]
    # The world's FFA custom game, against bots: the same standings, a custom game's page.
    mode = sim.world.matches[ffa[0][0]].mode
    (custom,) = [m for m in sim.world.matches.values() if m.mode == mode and m.lifecycle == 1]
    page = asyncio.run(datasette_for(db_path).client.get(f"/match/{custom.match_id}.json")).json()
    assert (page["free_for_all"], page["lifecycle"], page["playlist"]) == (True, "custom", None)
    assert [t["rank"] for t in page["teams"]] == list(range(1, custom.field + 1))
    assert page["score_timeline"]["by"] == "player"
    before = dump(db_path, ("match_players", "player_matches", "player_encounters"))
    reparsed = cli("reparse", db=db_path)
    assert reparsed.returncode == 0, reparsed.stderr
    assert dump(db_path, ("match_players", "player_matches", "player_encounters")) == before


def test_the_player_page_gives_the_place_of_each_ffa_match(sim, archived):
    db, docs = archived
    me = sim.player_ids[0]
    page = asyncio.run(datasette_for(db).client.get(f"/player/{me}.json")).json()
    places = {
        m["match_id"]: (m["place"], m["players"], m["outcome"]) for m in page["recent_matches"]
    }
    want = {}
    for doc in docs:
        mine = next(p for p in doc["Players"] if p["PlayerId"] == me)
        want[doc["MatchId"]] = (mine["Rank"], 8, "win" if mine["Rank"] == 1 else "loss")
    assert {m: places[m] for m in want} == want
    (team,) = set(places) - set(want)  # the Quick Play match: a team's outcome, no place
    assert places[team][:2] == (None, None)
    html = asyncio.run(datasette_for(db).client.get(f"/player/{me}")).text
    assert "· 1st of 8" in html and "· 2nd of 8" in html and html.count("of 8</span>") == 2


def test_places_read_as_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 8, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "8th", "11th", "12th", "13th", "21st", "22nd", "23rd",
        "101st", "111th"]  # fmt: skip
