"""The match page's sides where the game's team names do not apply: Infection and the AI.

Infection turns teams off (``TeamsEnabled`` false, no ``Teams``): the API says nothing
of which team id is the Spartans and which the Infected, so a side is named by what
the documents show, its players' outcome, never "Eagle" or "Cobra". Firefight lists the
AI as a team of its own with no players and all-zero stats (Outcome 4), which is "The
AI", not a team that left. Simulated documents of one seed, saved by the real store.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from grunt_archive.db import open_archive
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.data import catalog
from grunt_archive.store import open_store, state
from grunt_archive.viewer.match import SIDE_NAMES, TEAM_NAMES
from tests.helpers import save_stats, viewer

# A world whose first player has Infection won by the survivors (two sides at the end),
# Infection won by the infected (everyone on one side), and Firefight.
SEED, MATCHES = 3, 80
OUTCOMES = {1: "tie", 2: "win", 3: "loss"}


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=SEED, players=1, matches=MATCHES))


def of_mode(sim: Simulator, test) -> list[str]:
    return [m for m in sim.history(sim.player_ids[0])
            if test(catalog.MODES[sim.world.matches[m].mode])]  # fmt: skip


@pytest.fixture(scope="module")
def archived(sim, tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """An archive of the seed's Infection and Firefight matches."""
    db = tmp_path_factory.mktemp("sides") / "sides.db"
    engine = open_archive(db)
    ids = of_mode(sim, lambda mode: mode.key == "infection") + of_mode(sim, lambda m: m.pve)
    docs = {match_id: sim.stats_document(match_id) for match_id in ids}
    with open_store(engine) as store:
        state.track_player(store, sim.player_ids[0], sim.world.gamertags[0])
        save_stats(store, *docs.values())
    engine.dispose()
    with closing(sqlite3.connect(db)) as connection, connection:  # names a sync looks up
        connection.execute("UPDATE players SET gamertag = 'Spartan ' || substr(player_id, 15, 4)"
                           " WHERE gamertag IS NULL")  # fmt: skip
    return db, docs


def get(db: Path, path: str):
    response = asyncio.run(viewer(db).client.get(path))
    assert response.status_code == 200, (path, response.text[:300])
    return response


def test_infection_sides_are_named_by_their_outcome_never_by_a_team_name(sim, archived):
    db, docs = archived
    infection = of_mode(sim, lambda mode: mode.key == "infection")
    side_counts = set()
    for match_id in infection:
        doc = docs[match_id]
        assert doc["MatchInfo"]["TeamsEnabled"] is False and doc["Teams"] == []
        expected: dict[int, set[str]] = {}
        for player in doc["Players"]:
            if player["ParticipationInfo"]["PresentAtCompletion"]:
                expected.setdefault(player["LastTeamId"], set()).add(OUTCOMES[player["Outcome"]])
        page = get(db, f"/match/{match_id}.json").json()
        assert page["teams_off"] is True and page["free_for_all"] is False
        sides = {team["team_id"]: team for team in page["teams"]}
        assert set(sides) == set(expected)
        for team_id, outcomes in expected.items():
            (outcome,) = outcomes  # the services give a side one outcome
            assert sides[team_id]["outcome"] == outcome
            assert sides[team_id]["name"] == SIDE_NAMES[outcome]
        assert page["teams"][0]["outcome"] == "win"  # the winners first
        side_counts.add(len(sides))
        html = get(db, f"/match/{match_id}").text
        for name in TEAM_NAMES:
            assert f"<h2>{name}</h2>" not in html
        for team in page["teams"]:
            assert f"<h2>{team['name']}</h2>" in html
        assert "which side is the Spartans and which the Infected" in html
    assert side_counts == {1, 2}  # infected took everyone, and survivors held out


def test_the_ai_of_a_firefight_match_is_the_ai_not_a_team_that_left(sim, archived):
    db, docs = archived
    (match_id, *_) = of_mode(sim, lambda mode: mode.pve)
    doc = docs[match_id]
    (ai,) = [t for t in doc["Teams"] if not any(p["LastTeamId"] == t["TeamId"]
                                               for p in doc["Players"])]  # fmt: skip
    assert ai["Outcome"] == 4  # as the service sends it: "did not finish"
    page = get(db, f"/match/{match_id}.json").json()
    teams = {team["team_id"]: team for team in page["teams"]}
    assert teams[ai["TeamId"]]["name"] == "The AI" and teams[ai["TeamId"]]["ai"] is True
    assert teams[ai["TeamId"]]["outcome"] == "left"  # the data keeps what was sent
    fireteam = next(t for t in page["teams"] if t["players"])
    assert fireteam["ai"] is False and fireteam["name"] in TEAM_NAMES
    html = get(db, f"/match/{match_id}").text
    head = html.split(f'data-team-id="{ai["TeamId"]}">', 1)[1].split("</div>", 1)[0]
    assert "<h2>The AI</h2>" in head and "left" not in head and "score" not in head
    assert "no players and all-zero stats" in head
