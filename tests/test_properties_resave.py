"""Property tests: a match stored again with other stats keeps every derived table equal to a rebuild.

When the service answers another stats document for a match the archive
holds, the store takes the old copy's share out of each total it counted in
and adds the new copy's (`store.match_shares`) instead of counting those totals
again over the tracked players' whole careers. Any sequence of changed copies,
on SQLite (hypothesis draws them) and PostgreSQL (a few), must leave
``player_matches``, the encounters, the medals and every totals table as
``reparse`` rebuilds them: outcomes and kills changed, a number gone (NULL: a
SUM of NULLs), medals added and taken away, a player leaving the match (a
tracked one too) or a newcomer joining it, a team switched, the start moved
(the latest and earliest matches, the day) and the map's version changed (the
totals' keys). The world: three tracked players who share some matches.
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
from grunt_archive.documents import MATCH_STATS, RawDocument
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import open_store, player_tables, player_totals
from grunt_archive.store.matches import save_match
from tests.conftest import copy_archive
from tests.helpers import assert_derived_as_rebuilt, raw_bodies, shared_first, sync

EDITS = ("outcome", "kills", "no_kills", "medals", "drop", "join", "team", "start", "ids")
TRACKED: dict[str, int] = {}  # the world's tracked players, in order (`world`)
# ("resave", match, edit, player, amount): the match-th of the archived matches (those the
# most tracked players played first) stored again with one edit to its player-th player.
OPS = st.tuples(
    st.just("resave"),
    st.integers(0, 30),
    st.sampled_from(EDITS),
    st.integers(0, 11),
    st.integers(-3, 5),
)


@pytest.fixture(scope="module")
def world() -> Simulator:
    sim = Simulator(SimulatorConfig(seed=27, players=3, matches=20))
    TRACKED.update((player, number) for number, player in enumerate(sim.player_ids))
    return sim


@pytest.fixture(scope="module")
def synced(world, tmp_path_factory) -> Path:
    """Every player of ``world`` tracked and synced; tests change copies of it."""
    db = tmp_path_factory.mktemp("resave") / "synced.db"
    assert sync(db, world, *world.player_ids).outcome == "ok"
    return db


def edited(document: dict[str, Any], edit: str, which: int, amount: int) -> None:
    """Change ``document`` (a match's stats) in place: ``edit`` to its ``which``-th player."""
    players = document["Players"]
    # The tracked players first, in the world's order: a small ``which`` picks the same one.
    order = sorted(players, key=lambda p: TRACKED.get(p["PlayerId"], len(TRACKED)))
    player = order[which % len(players)]
    teams = player["PlayerTeamStats"]
    core = [team["Stats"]["CoreStats"] for team in teams]
    if edit == "outcome":
        player["Outcome"] = amount % 5  # 0 none, 1 tie, 2 win, 3 loss, 4 left
    elif edit == "kills":
        for stats in core:
            stats["Kills"] = max((stats["Kills"] or 0) + amount, 0)
    elif edit == "no_kills":
        for stats in core:
            stats["Kills"] = None
    elif edit == "medals":
        for stats in core:
            medals = stats.setdefault("Medals", [])
            if amount < 0:
                medals.clear()
            elif medals:
                medals[0]["Count"] += amount
            else:
                medals.append({"NameId": 1512363953, "Count": 1 + amount,
                               "TotalPersonalScoreAwarded": 10 * amount})  # fmt: skip
    elif edit == "drop" and len(players) > 1:
        players.remove(player)
    elif edit == "join":
        newcomer = json.loads(json.dumps(player))
        newcomer["PlayerId"] = f"xuid({2533274790000000 + amount % 3})"
        if all(p["PlayerId"] != newcomer["PlayerId"] for p in players):
            players.append(newcomer)
    elif edit == "team":
        others = [t["TeamId"] for t in document["Teams"] if t["TeamId"] != teams[0]["TeamId"]]
        if others:
            teams[0]["TeamId"] = player["LastTeamId"] = others[0]
    elif edit == "start":
        info = document["MatchInfo"]
        # Days, so that the day keys move, and before and after every other match.
        year = 2024 + amount
        info["StartTime"] = f"{year}{info['StartTime'][4:]}"
    elif edit == "ids":
        # One map, mode and playlist (one of two versions) for every match so changed: two
        # of them share the totals' keys, and a match leaves or joins a key.
        info = document["MatchInfo"]
        info["LifecycleMode"] = 3
        for number, name in enumerate(("MapVariant", "UgcGameVariant", "Playlist")):
            info[name] = {**(info.get(name) or {}), "AssetId": f"{number}0000000-0000-0000-0000-000000000000",
                          "VersionId": f"00000000-0000-0000-0000-00000000000{amount % 2}"}  # fmt: skip


def apply(db: Path | str, world: Simulator, ops: list[tuple], check: bool = True) -> None:
    """Store again, through the store as a sync does, each changed copy ``ops`` makes.

    ``check``: after each, the derived tables are compared with a rebuild.
    """
    matches = shared_first(db, world.player_ids)
    documents = {key: json.loads(body) for key, body in raw_bodies(db, MATCH_STATS.name).items()}
    with archive(db) as engine, open_store(engine) as store:
        for number, (_, match, edit, which, amount) in enumerate(ops):
            match_id = matches[match % len(matches)]
            document = documents[match_id]
            edited(document, edit, which, amount)
            when = f"2031-01-01T00:{number // 60:02d}:{number % 60:02d}Z"
            raw = RawDocument(MATCH_STATS.name, match_id, "/s", when, json.dumps(document))
            save_match(store, raw, document)
            if check:
                assert_derived_as_rebuilt(db, ops[: number + 1])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(OPS, min_size=1, max_size=6))
# A tracked player leaves the match all three played, a newcomer joins, an outcome changes.
@example(
    ops=[("resave", 0, "drop", 0, 0), ("resave", 0, "join", 1, 0), ("resave", 0, "outcome", 0, 3)]
)
# The latest match moved back in time: the encounters' last_played and the totals' last match.
@example(ops=[("resave", 0, "start", 0, -3), ("resave", 0, "start", 0, 5)])
# Kills gone: their sums are NULL only where no other match adds a number.
@example(
    ops=[
        ("resave", 0, "no_kills", 1, 0),
        ("resave", 0, "no_kills", 2, 0),
        ("resave", 0, "kills", 1, 2),
    ]
)
# Two matches of one key whose kills are gone: a sum of NULLs is NULL, not 0.
@example(
    ops=[
        ("resave", 0, "ids", 0, 1),
        ("resave", 0, "no_kills", 0, 0),
        ("resave", 1, "ids", 0, 1),
        ("resave", 1, "no_kills", 0, 0),
        ("resave", 0, "ids", 0, 0),
    ]
)
@example(
    ops=[("resave", 0, "medals", 0, -1), ("resave", 1, "team", 0, 0), ("resave", 0, "ids", 0, 1)]
)
def test_any_sequence_of_changed_copies_keeps_the_tables_as_rebuilt(world, synced, tmp_path, ops):  # fmt: skip
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # an archive of its own per example
    try:
        db = copy_archive(synced, folder / "halo.db")
        apply(db, world, ops)
    finally:
        shutil.rmtree(folder)


def test_a_changed_copy_counts_no_total_again_over_the_careers(
    world, synced, tmp_path, monkeypatch
):
    # Kills and an outcome changed in the match all three played: every total it counts
    # in is told by subtraction; none is counted again from the tracked players' matches.
    db = copy_archive(synced, tmp_path / "halo.db")
    again: list[Any] = []
    monkeypatch.setattr(player_tables, "_count_again", lambda _, keys: again.append(keys))
    monkeypatch.setattr(player_totals, "recompute", lambda *_: pytest.fail("counted again"))
    apply(db, world, [("resave", 0, "kills", 0, 3), ("resave", 0, "outcome", 1, 1)], check=False)
    assert again and all(not keys for found in again for keys in found.values())
    monkeypatch.undo()
    assert_derived_as_rebuilt(db, "kills and an outcome")


@pytest.mark.slow
def test_changed_copies_keep_the_tables_as_rebuilt_on_postgresql(world, postgres_cluster):
    url = postgres_cluster.new_archive()
    assert sync(url, world, *world.player_ids).outcome == "ok"
    for ops in (
        [("resave", 0, "drop", 0, 0), ("resave", 0, "join", 1, 0), ("resave", 0, "kills", 2, 3)],
        [("resave", 0, "start", 0, -3), ("resave", 1, "no_kills", 1, 0), ("resave", 1, "ids", 0, 1)],
        [("resave", 0, "medals", 0, -1), ("resave", 0, "team", 1, 0), ("resave", 2, "outcome", 0, 4)],
    ):  # fmt: skip
        apply(url, world, ops)
