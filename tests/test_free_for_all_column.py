"""``matches.free_for_all``: decided once, as a match is written, as ``FREE_FOR_ALL_SQL`` says.

The normalizer decides it from a match's own rows (`normalize.match.is_free_for_all`),
migration 0033 filled it for the matches archived before with the SQL, and a copy
that adds another archive's rows to a match held asks the SQL again
(`store.matches.recompute_free_for_all`). Wherever it was written, it must be what
`grunt_archive.views.FREE_FOR_ALL_SQL` says of the rows the archive holds: a
simulated archive (FFA matchmade and custom, Infection, team games, a custom game
of one player, bots), hand-drawn rows of every shape, and copies that make a held
match free-for-all or not.
"""

from __future__ import annotations

import copy
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunt_archive.db import archive
from grunt_archive.normalize.match import is_free_for_all
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store
from grunt_archive.store.copy import copy_archive
from grunt_archive.views import FREE_FOR_ALL_SQL
from tests.helpers import assert_free_for_all_as_defined, rows, save_stats, sync

SEED, PLAYERS, MATCHES = 8, 2, 60  # FFA matchmade and custom, Infection, team games
INFECTION = 22


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))


def _ffa_document(sim: Simulator, lifecycle: int) -> dict:
    """Return a copy of the world's first FFA Slayer document of ``lifecycle`` (1: custom)."""
    for match_id in sim.world.matches:
        doc = sim.stats_document(match_id)
        info = doc["MatchInfo"]
        ffa = info["TeamsEnabled"] is False and info["GameVariantCategory"] != INFECTION
        if ffa and info["LifecycleMode"] == lifecycle:
            return copy.deepcopy(doc)
    raise AssertionError(f"the world has no FFA match of lifecycle {lifecycle}")


def _bent(doc: dict, name: str, players: list[dict], **info: object) -> dict:
    """Return ``doc`` as another match (an id of ``name``) with ``players`` and ``info``."""
    bent = copy.deepcopy({**doc, "Players": players})
    bent["MatchId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ffa-column:{name}"))
    bent["MatchInfo"].update(info)
    return bent


def _on_team(player: dict, team_id: int) -> dict:
    moved = copy.deepcopy(player)
    moved["LastTeamId"] = team_id
    for entry in moved["PlayerTeamStats"]:
        entry["TeamId"] = team_id
    return moved


def _save(location: Path | str, *docs: dict) -> None:
    with archive(location) as engine, open_store(engine) as store:
        save_stats(store, *docs)


def _column(location: Path | str, match_id: str) -> bool:
    (found,) = rows(location, "SELECT free_for_all FROM matches WHERE match_id = ?",
                    match_id.lower())  # fmt: skip
    return bool(found[0])


def test_a_simulated_archive_holds_the_sqls_answer_for_every_match(sim, tmp_path):
    db = tmp_path / "world.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    custom = _ffa_document(sim, lifecycle=1)
    me, *others = custom["Players"]
    bot = copy.deepcopy(others[0]) | {"PlayerId": "bid(1.0)", "PlayerType": 2}
    edges = {
        "custom of one": (_bent(custom, "one", [me]), False),
        "custom with a bot": (_bent(custom, "bot", [me, bot]), True),
        "infection of two": (_bent(custom, "inf", [me, others[0]], GameVariantCategory=22), False),
        "teams unknown": (_bent(custom, "unknown", custom["Players"], TeamsEnabled=None), False),
        "a player on two teams": (_bent(custom, "switch", [me, _switched(others[0], me)]), False),
    }
    _save(db, *(doc for doc, _ in edges.values()))
    for name, (doc, ffa) in edges.items():
        assert _column(db, doc["MatchId"]) is ffa, name
    assert_free_for_all_as_defined(db, "simulated")
    # Every kind is there, so that the agreement is of each (not of an archive of one kind).
    kinds = rows(db, "SELECT free_for_all, game_variant_category = 22, teams_enabled,"
                     " lifecycle_mode, count(*) FROM matches GROUP BY 1, 2, 3, 4")  # fmt: skip
    held = {kind[:4] for kind in kinds}
    assert {(1, 0, 0, 3), (1, 0, 0, 1), (0, 1, 0, 3), (0, 0, 1, 3), (0, 0, 0, 1)} <= held, kinds


def _switched(player: dict, other: dict) -> dict:
    """Return ``player`` as having played on their own team, then on ``other``'s."""
    switched = copy.deepcopy(player)
    second = copy.deepcopy(switched["PlayerTeamStats"][0])
    second["TeamId"] = other["PlayerTeamStats"][0]["TeamId"]
    switched["PlayerTeamStats"].append(second)
    return switched


_MATCHES = st.fixed_dictionaries({
    "teams_enabled": st.sampled_from([None, True, False, 0, 1, 0.0, 2]),
    "game_variant_category": st.sampled_from([None, 0, 6, 22, 22.0, 42]),
    "teams": st.integers(0, 2),
    # (player, team) lines: a player may play on several teams, a team hold several players.
    "players": st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=6, unique=True),
})  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(match=_MATCHES)
def test_the_python_decision_is_the_sqls_on_any_rows(match):
    row = {"match_id": "m", **{k: match[k] for k in ("teams_enabled", "game_variant_category")}}
    teams = [{"match_id": "m", "team_id": team} for team in range(match["teams"])]
    players = [{"match_id": "m", "player_id": f"xuid({p})", "team_id": t}
               for p, t in match["players"]]  # fmt: skip
    with closing(sqlite3.connect(":memory:")) as connection:
        # The columns' types as the archive declares them (their affinities decide `=`).
        connection.executescript(
            "CREATE TABLE matches (match_id TEXT PRIMARY KEY, teams_enabled BOOLEAN,"
            " game_variant_category INTEGER);"
            "CREATE TABLE match_teams (match_id TEXT, team_id INTEGER);"
            "CREATE TABLE match_players (match_id TEXT, player_id TEXT, team_id INTEGER,"
            " PRIMARY KEY (match_id, player_id, team_id));"
        )
        connection.execute("INSERT INTO matches VALUES (:match_id, :teams_enabled,"
                           " :game_variant_category)", row)  # fmt: skip
        connection.executemany("INSERT INTO match_teams VALUES (:match_id, :team_id)", teams)
        connection.executemany(
            "INSERT INTO match_players VALUES (:match_id, :player_id, :team_id)", players
        )
        (said,) = connection.execute(
            f"SELECT coalesce({FREE_FOR_ALL_SQL.format(m='m')}, 0) FROM matches AS m"
        ).fetchone()
    assert is_free_for_all(row, teams, players) is bool(said), match


@pytest.fixture(scope="module")
def halves(sim: Simulator) -> dict[str, tuple[dict, dict, bool]]:
    """Two archives' copies of a match each, and whether the two together are free-for-all.

    ``joins``: the destination holds the tracked player alone (no field: not FFA), the
    source three more players, each a team of their own (FFA, and FFA once joined).
    ``splits``: the destination holds an FFA of two, the source a third player alone
    (not FFA), on the tracked player's team (not FFA once joined).
    """
    doc = _ffa_document(sim, lifecycle=3)
    me, *others = doc["Players"]
    joined = _bent(doc, "joins", [me])
    joining = _bent(doc, "joins", others[:3])
    split = _bent(doc, "splits", [me, others[0]])
    splitting = _bent(doc, "splits", [_on_team(others[1], me["LastTeamId"])])
    return {"joins": (joined, joining, True), "splits": (split, splitting, False)}


def test_a_copy_that_adds_players_to_a_held_match_decides_it_again(halves, fresh_archive, tmp_path):
    source = tmp_path / "source.db"
    _save(fresh_archive, *(held for held, _, _ in halves.values()))
    _save(source, *(brought for _, brought, _ in halves.values()))
    for name, (held, _, joined) in halves.items():
        # Each archive's own answer differs: the copy keeps the destination's matches row.
        assert _column(fresh_archive, held["MatchId"]) is not joined, name
        assert _column(source, held["MatchId"]) is joined, name
    copy_archive(source, fresh_archive)
    for name, (held, _, joined) in halves.items():
        assert _column(fresh_archive, held["MatchId"]) is joined, name
    assert_free_for_all_as_defined(fresh_archive, "after the copy")
