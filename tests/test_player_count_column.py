"""``matches.player_count``: counted once, as a match is written, as ``PLAYER_COUNT_SQL`` counts.

The normalizer counts a match's players from its own rows (`normalize.match.player_count`),
migration 0034 counted them for the matches archived before with the SQL, and a copy
that adds another archive's players to a match held counts them again
(`store.matches.recompute_from_rows`), as it decides ``free_for_all`` again. Wherever
it was written, it must be what `grunt_archive.views.PLAYER_COUNT_SQL` counts of the
rows the archive holds: the canned query ``free_for_all`` averages it as the field of
a free-for-all match, and the player page reads it ("2nd of 8").
"""

from __future__ import annotations

import asyncio
import copy
import sqlite3
import urllib.parse
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunt_archive.db import archive
from grunt_archive.normalize.match import player_count
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, state
from grunt_archive.store.copy import copy_archive
from grunt_archive.views import PLAYER_COUNT_SQL
from tests.conftest import FIXTURES, load_json
from tests.helpers import (
    assert_free_for_all_as_defined,
    assert_player_count_as_counted,
    rows,
    save_stats,
    sync,
    viewer,
)

SEED, PLAYERS, MATCHES = 8, 2, 60  # FFA matchmade and custom, Infection, team games


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimulatorConfig(seed=SEED, players=PLAYERS, matches=MATCHES))


def _ffa_document(sim: Simulator) -> dict:
    """Return a copy of the world's first matchmade FFA Slayer document (eight players)."""
    for match_id in sim.world.matches:
        doc = sim.stats_document(match_id)
        info = doc["MatchInfo"]
        ffa = info["TeamsEnabled"] is False and info["GameVariantCategory"] != 22
        if ffa and info["LifecycleMode"] == 3:
            return copy.deepcopy(doc)
    raise AssertionError("the world has no matchmade FFA match")


def _bent(doc: dict, name: str, players: list[dict]) -> dict:
    """Return ``doc`` as another match (an id of ``name``) with ``players``."""
    bent = copy.deepcopy({**doc, "Players": players})
    bent["MatchId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"player-count:{name}"))
    return bent


def _save(location: Path | str, *docs: dict) -> None:
    with archive(location) as engine, open_store(engine) as store:
        save_stats(store, *docs)


def _counts(location: Path | str, *docs: dict) -> list[int]:
    found = dict(rows(location, "SELECT match_id, player_count FROM matches"))
    return [found[doc["MatchId"].lower()] for doc in docs]


_LINES = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=8, unique=True)


@settings(max_examples=200, deadline=None)
@given(lines=_LINES)
def test_the_python_count_is_the_sqls_on_any_rows(lines):
    # (player, team) lines: a player may play on several teams, a team hold several players.
    players = [{"match_id": "m", "player_id": f"xuid({p})", "team_id": t} for p, t in lines]
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(
            "CREATE TABLE matches (match_id TEXT PRIMARY KEY);"
            "CREATE TABLE match_players (match_id TEXT, player_id TEXT, team_id INTEGER,"
            " PRIMARY KEY (match_id, player_id, team_id));"
            "INSERT INTO matches VALUES ('m');"
        )
        connection.executemany(
            "INSERT INTO match_players VALUES (:match_id, :player_id, :team_id)", players
        )
        (said,) = connection.execute(
            f"SELECT {PLAYER_COUNT_SQL.format(m='m')} FROM matches AS m"
        ).fetchone()
    assert player_count(players) == said == len({p for p, _ in lines}), lines


def test_a_simulated_archive_holds_the_sqls_count_for_every_match(sim, tmp_path):
    db = tmp_path / "world.db"
    assert sync(db, sim, *sim.player_ids, clearance="given").outcome == "ok"
    ffa = _ffa_document(sim)
    me, *others = ffa["Players"]
    bot = copy.deepcopy(others[0]) | {"PlayerId": "bid(1.0)", "PlayerType": 2}
    switcher = load_json(FIXTURES / "match_2024_ctf_team_switch.json")  # 3 players, 4 lines
    alone, with_bot = _bent(ffa, "alone", [me]), _bent(ffa, "bot", [me, bot, others[1]])
    _save(db, switcher, alone, with_bot)
    assert _counts(db, switcher, alone, with_bot, ffa) == [3, 1, 3, 8]
    assert_player_count_as_counted(db, "simulated")
    # Matches of every size are there, so that the agreement is of each.
    sizes = {n for (n,) in rows(db, "SELECT DISTINCT player_count FROM matches")}
    assert {1, 3, 8} <= sizes and len(sizes) > 3, sizes


@pytest.fixture(scope="module")
def halves(sim: Simulator) -> dict[str, tuple[dict, dict, int]]:
    """Two archives' copies of an FFA match each, and how many players the two hold together.

    ``joins``: the destination holds the tracked player and one more, the source three
    others (five once joined). ``within``: the destination holds four players, the source
    two of them (four once joined: nobody new).
    """
    doc = _ffa_document(sim)
    me, *others = doc["Players"]
    return {
        "joins": (_bent(doc, "joins", [me, others[0]]), _bent(doc, "joins", others[1:4]), 5),
        "within": (_bent(doc, "within", [me, *others[:3]]), _bent(doc, "within", others[1:3]), 4),
    }


def test_a_copy_that_adds_players_to_a_held_match_counts_them_again(
    halves, fresh_archive, tmp_path
):
    source = tmp_path / "source.db"
    _save(fresh_archive, *(held for held, _, _ in halves.values()))
    _save(source, *(brought for _, brought, _ in halves.values()))
    held, brought = [d for d, _, _ in halves.values()], [d for _, d, _ in halves.values()]
    # Each archive counts its own rows: the copy keeps the destination's matches row.
    assert _counts(fresh_archive, *held) == [2, 4]
    assert _counts(source, *brought) == [3, 2]
    copy_archive(source, fresh_archive)
    assert _counts(fresh_archive, *held) == [n for _, _, n in halves.values()]
    assert_player_count_as_counted(fresh_archive, "after the copy")
    assert_free_for_all_as_defined(fresh_archive, "after the copy")
    # A copy that brings nothing new counts nothing new.
    copy_archive(source, fresh_archive)
    assert _counts(fresh_archive, *held) == [n for _, _, n in halves.values()]


def test_the_query_and_the_player_page_read_the_field_a_copy_grew(halves, sim, tmp_path):
    destination, source = tmp_path / "halo.db", tmp_path / "source.db"
    held, brought, joined = halves["joins"]
    me = held["Players"][0]["PlayerId"]
    with archive(destination) as engine, open_store(engine) as store:
        state.track_player(store, me, "Tracked One")
    _save(destination, held)
    _save(source, brought)
    copy_archive(source, destination)
    page = asyncio.run(viewer(destination).client.get(f"/player/{me}.json?scope=all")).json()
    (recent,) = [m for m in page["recent_matches"] if m["match_id"] == held["MatchId"].lower()]
    assert recent["players"] == joined
    query = urllib.parse.urlencode({"gamertag": "", "scope": "all", "_shape": "array"})
    response = asyncio.run(viewer(destination).client.get(f"/halo/free_for_all.json?{query}"))
    (row,) = response.json()
    assert (row["gamertag"], row["matches"], row["average_players"]) == ("Tracked One", 1, joined)
