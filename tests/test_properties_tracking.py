"""Property tests: tracking and untracking players keeps every derived table equal to a rebuild.

A clan's archive grows by members: tracking a player adds only what their
matches bring to the archive-wide totals (a match another tracked player's
lines count already is not counted again, though its win may be the new
player's alone), and untracking takes out only what was theirs alone. Any
sequence of tracking, untracking, matches stored again with other outcomes
and kills, and players renamed must leave ``player_matches``, the encounters,
medals, rivals and every totals table as ``reparse`` rebuilds them, on SQLite
(hypothesis draws the sequences) and on PostgreSQL (the same statements, a
few sequences). The world: three players who share some matches (a few as
opponents), and play others with none of the rest.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grunt_archive.db import archive
from grunt_archive.documents import MATCH_STATS, PROFILE_USERS, RawDocument
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import lookups, open_store
from grunt_archive.store.matches import save_match
from grunt_archive.store.state import track_player, untrack_player
from tests.conftest import copy_archive
from tests.helpers import assert_derived_as_rebuilt, raw_bodies, rows, shared_first, sync

PLAYERS = 3
Op = tuple[Any, ...]
# ("track", player) | ("untrack", player) | ("rename", player, gamertag)
# | ("resave", match, player, outcome, kills): the match-th of the matches the most
# players of the world share (0: a match they all played), stored again with that
# player's outcome (0 none, 1 tie, 2 win, 3 loss, 4 left) and kills changed.
OPS = st.one_of(
    st.tuples(st.just("track"), st.integers(0, PLAYERS - 1)),
    st.tuples(st.just("untrack"), st.integers(0, PLAYERS - 1)),
    st.tuples(st.just("rename"), st.integers(0, PLAYERS - 1), st.sampled_from(["Zoë Ω", "x"])),
    st.tuples(
        st.just("resave"),
        st.integers(0, 60),
        st.integers(0, PLAYERS - 1),
        st.integers(0, 4),
        st.integers(-3, 5),
    ),
)


@pytest.fixture(scope="module")
def world() -> Simulator:
    return Simulator(SimulatorConfig(seed=27, players=PLAYERS, matches=20))


@pytest.fixture(scope="module")
def synced(world, tmp_path_factory) -> Path:
    """Every player of ``world`` tracked and synced, films too (rivals); tests change copies."""
    db = tmp_path_factory.mktemp("tracking") / "synced.db"
    assert sync(db, world, *world.player_ids).outcome == "ok"
    return db


def apply(db: Path | str, world: Simulator, ops: list[Op], check: bool = True) -> None:
    """Run ``ops`` on the archive ``db``, each through the store as a sync or a command does.

    ``check``: after each, the derived tables are compared with a rebuild (`assert_derived_as_rebuilt`).
    """
    matches = shared_first(db, world.player_ids)
    documents = {key: json.loads(body) for key, body in raw_bodies(db, MATCH_STATS.name).items()}
    with archive(db) as engine, open_store(engine) as store:
        for number, op in enumerate(ops):
            when = f"2031-01-01T00:{number // 60:02d}:{number % 60:02d}Z"
            player = world.player_ids[op[1] % PLAYERS] if op[0] != "resave" else None
            if op[0] == "track":
                track_player(store, player)
            elif op[0] == "untrack":
                untrack_player(store, player)
            elif op[0] == "rename":
                raw = RawDocument(PROFILE_USERS.name, "", "/users", when, "[]")
                doc = [{"xuid": player[5:-1], "gamertag": f"{op[2]} {number}"}]
                lookups.save_gamertags(store, raw, doc, [player])
            else:
                _, match, which, outcome, kills = op
                match_id = matches[match % len(matches)]
                document = documents[match_id]
                ours = [p for p in document["Players"] if p["PlayerId"] in world.player_ids]
                changed = ours[which % len(ours)]
                changed["Outcome"] = outcome
                for team in changed["PlayerTeamStats"]:
                    stats = team["Stats"]["CoreStats"]
                    stats["Kills"] = max(stats["Kills"] + kills, 0)
                body = json.dumps(document)
                save_match(store, RawDocument(MATCH_STATS.name, match_id, "/s", when, body),
                           document)  # fmt: skip
            if check:
                assert_derived_as_rebuilt(db, ops[: number + 1])


def test_the_world_shares_some_matches_and_not_others(world, synced):
    # Each player has matches another player of the world played (one as an opponent)
    # and matches none of them did: tracking them adds to counted matches and new ones.
    ids = ", ".join(f"'{player}'" for player in world.player_ids)
    for player in world.player_ids:
        shared, alone, opposed = rows(
            synced,
            "SELECT count(DISTINCT CASE WHEN o.player_id IS NOT NULL THEN m.match_id END),"
            " count(DISTINCT CASE WHEN o.player_id IS NULL THEN m.match_id END),"
            " count(DISTINCT CASE WHEN o.team_id <> m.team_id THEN m.match_id END)"
            " FROM match_players AS m LEFT JOIN match_players AS o ON o.match_id = m.match_id"
            f" AND o.player_id <> m.player_id AND o.player_id IN ({ids}) WHERE m.player_id = ?",
            player,
        )[0]
        assert shared and alone and opposed, (player, shared, alone, opposed)
    assert rows(synced, "SELECT count(*) FROM player_rivals")[0][0]
    assert_derived_as_rebuilt(synced, "synced")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(OPS, min_size=1, max_size=8))
# Untracked, then tracked again one by one: the second player's matches are partly the
# third's (counted), partly nobody's; the first's partly the other two's.
@example(ops=[("untrack", 0), ("untrack", 1), ("track", 1), ("track", 0)])
# A match all three played, won by one and lost by another: the win is one player's alone.
@example(ops=[("resave", 0, 0, 2, 1), ("resave", 0, 1, 3, 0), ("resave", 0, 2, 0, 0),
              ("untrack", 0), ("untrack", 2), ("track", 0), ("untrack", 1), ("track", 2)])  # fmt: skip
@example(ops=[("untrack", 1), ("resave", 0, 1, 2, 4), ("rename", 1, "x"), ("track", 1)])
def test_any_sequence_of_tracking_keeps_the_tables_as_rebuilt(world, synced, tmp_path, ops):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # an archive of its own per example
    try:
        db = copy_archive(synced, folder / "halo.db")
        apply(db, world, ops)
    finally:
        shutil.rmtree(folder)


def test_an_untracked_player_leaves_what_others_count(world, synced, tmp_path):
    # Their lines go; the matches the others played stay counted, theirs alone go.
    db = copy_archive(synced, tmp_path / "halo.db")
    first = world.player_ids[0]
    everyone = "SELECT sum(matches) FROM archive_day_totals"
    before = rows(db, everyone)[0][0]
    apply(db, world, [("untrack", 0)], check=False)
    assert rows(db, "SELECT count(*) FROM player_matches WHERE player_id = ?", first) == [(0,)]
    others = ", ".join(f"'{p}'" for p in world.player_ids[1:])
    kept = f"SELECT count(DISTINCT match_id) FROM match_players WHERE player_id IN ({others})"
    assert rows(db, everyone)[0][0] == rows(db, kept)[0][0] < before
    assert_derived_as_rebuilt(db, "untracked")


@pytest.mark.slow
def test_tracking_keeps_the_tables_as_rebuilt_on_postgresql(world, postgres_cluster):
    # The same statements on PostgreSQL: the world synced into a server archive.
    url = postgres_cluster.new_archive()
    assert sync(url, world, *world.player_ids).outcome == "ok"
    for ops in (
        [("untrack", 0), ("untrack", 1), ("track", 1), ("track", 0)],
        [("resave", 0, 0, 2, 1), ("resave", 0, 1, 3, 0), ("untrack", 0), ("track", 0)],
        [("untrack", 2), ("rename", 2, "Zoë Ω"), ("resave", 1, 2, 0, 3), ("track", 2)],
    ):
        apply(url, world, ops)
