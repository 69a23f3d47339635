"""Property tests: a copy adds what it brought to the destination's derived tables, as a rebuild has them.

``copy`` no longer computes every derived table of the destination again
(`store.copied`): it adds the matches no per-player table counts yet, the tracked
players with no line yet, and brings up to date the matches the destination
held that the copy added rows to. Any sequence of copies (whole archives and
players' slices, from two sources whose copies of two matches differ), of
players untracked in the destination, and of films and skill the destination
lacks, must leave every derived table as ``reparse`` rebuilds it: on SQLite
(hypothesis draws the sequences) and PostgreSQL (one). A copy cut short and run
again too, and a copy into an empty archive (the one rebuild left).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grunt_archive.db import archive
from grunt_archive.documents import DERIVED_TABLES, MATCH_STATS, RawDocument
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import copied, open_store, player_tables
from grunt_archive.store import copy as copy_module
from grunt_archive.store.copy import copy_archive
from grunt_archive.store.matches import MATCH_CHILD_TABLES, save_match
from grunt_archive.store.state import untrack_player
from tests.helpers import assert_derived_as_rebuilt, count, execute, raw_bodies, rows, sync

PLAYERS = 3
COPIES = ("whole", "slice")
Op = tuple[Any, ...]
# ("whole", source) | ("slice", source, player) | ("untrack", player)
# | ("forget", "films", "skill" or "match", match): the destination loses a match's film,
# skill or every row (then its derived tables are rebuilt: it never had them), for a copy
# to bring.
OPS = st.one_of(
    st.tuples(st.just("whole"), st.integers(0, 1)),
    st.tuples(st.just("slice"), st.integers(0, 1), st.integers(0, PLAYERS - 1)),
    st.tuples(st.just("untrack"), st.integers(0, PLAYERS - 1)),
    st.tuples(st.just("forget"), st.sampled_from(["films", "skill", "match"]), st.integers(0, 20)),
)


@pytest.fixture(scope="module")
def world() -> Simulator:
    return Simulator(SimulatorConfig(seed=8, players=PLAYERS, matches=15))


@pytest.fixture(scope="module")
def sources(world, tmp_path_factory) -> list[Path]:
    """Two archives of ``world``: the synced one, and one whose copies of two matches differ.

    In the second, the match the most tracked players share has a newcomer and a medal
    more; the next one lost a player. Copied over each other, a match gains rows.
    """
    folder = tmp_path_factory.mktemp("copy-sources")
    first, second = folder / "first.db", folder / "second.db"
    assert sync(first, world, *world.player_ids, clearance="given").outcome == "ok"
    with closing(sqlite3.connect(first)) as original, closing(sqlite3.connect(second)) as target:
        original.backup(target)
    ids = ", ".join(f"'{player}'" for player in world.player_ids)
    shared = [m for (m,) in rows(second, "SELECT match_id FROM match_players GROUP BY match_id"
              f" ORDER BY count(CASE WHEN player_id IN ({ids}) THEN 1 END) DESC, match_id")]  # fmt: skip
    documents = raw_bodies(second, MATCH_STATS.name)
    with archive(second) as engine, open_store(engine) as store:
        for number, match_id in enumerate(shared[:2]):
            document = json.loads(documents[match_id])
            players = document["Players"]
            if number == 0:
                newcomer = json.loads(json.dumps(players[0]))
                newcomer["PlayerId"] = "xuid(2533274790000001)"
                players.append(newcomer)
                core = players[0]["PlayerTeamStats"][0]["Stats"]["CoreStats"]
                core.setdefault("Medals", []).append(
                    {"NameId": 3334154676, "Count": 2, "TotalPersonalScoreAwarded": 50}
                )
            else:
                players.remove(next(p for p in players if p["PlayerId"] not in world.player_ids))
            raw = RawDocument(MATCH_STATS.name, match_id, "/s", "2031-01-01T00:00:00Z",
                              json.dumps(document))  # fmt: skip
            save_match(store, raw, document)
    return [first, second]


def apply(destination: Path | str, world: Simulator, sources: list[Path], ops: list[Op]) -> None:
    """Run ``ops`` on ``destination``; after each, its derived tables equal a rebuild."""
    for number, op in enumerate(ops):
        if isinstance(destination, Path) and not destination.exists() and op[0] not in COPIES:
            continue  # nothing to untrack or forget before the first copy
        if op[0] == "whole":
            copy_archive(sources[op[1]], destination)
        elif op[0] == "slice":
            copy_archive(sources[op[1]], destination, (world.player_ids[op[2]],))
        elif op[0] == "untrack":
            with archive(destination) as engine, open_store(engine) as store:
                if rows(destination, "SELECT 1 FROM tracked_players WHERE player_id = ?",
                        world.player_ids[op[1]]):  # fmt: skip
                    untrack_player(store, world.player_ids[op[1]])
        else:
            forget(destination, op[1], op[2])
        assert_derived_as_rebuilt(destination, ops[: number + 1])


# What the destination loses of a match, children first (a match: every row of it).
FORGOTTEN = {
    "films": ("kills", "film_events", "films"),
    "skill": ("match_skill",),
    "match": (*DERIVED_TABLES, "kills", "film_events", "films", "match_skill",
              *MATCH_CHILD_TABLES, "matches"),
}  # fmt: skip


def forget(destination: Path | str, what: str, which: int) -> None:
    """Delete a match's film, skill or whole self from the destination, then rebuild.

    The destination is then one that never held it, its derived tables as they were.
    """
    tables = FORGOTTEN[what]
    held = [m for (m,) in rows(destination, f"SELECT DISTINCT match_id FROM {tables[-1]}"
                                            " ORDER BY 1")]  # fmt: skip
    if not held:
        return
    match_id = held[which % len(held)]
    execute(destination, *(f"DELETE FROM {t} WHERE match_id = '{match_id}'" for t in tables
                           if t not in DERIVED_TABLES or t == "player_matches"))  # fmt: skip
    with archive(destination) as engine, open_store(engine) as store, store.unit() as connection:
        player_tables.rebuild(connection)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(OPS, min_size=1, max_size=5))
# Slices one by one into an empty archive (the first is a rebuild, the others add), then
# the other source's copies of the two matches over them.
@example(ops=[("slice", 0, 0), ("slice", 0, 1), ("slice", 0, 2), ("whole", 1)])
# A player untracked in the destination is tracked again by a copy: all their lines come.
@example(ops=[("whole", 0), ("untrack", 1), ("slice", 1, 1), ("untrack", 0), ("whole", 0)])
# A film and skill the destination lacks, for a match it holds, brought by a copy.
@example(ops=[("whole", 1), ("forget", "films", 0), ("forget", "skill", 3), ("slice", 0, 0)])
@example(ops=[("slice", 1, 2), ("forget", "films", 1), ("whole", 0)])
# Matches the destination lacks, of players it tracks: added to their totals as they are.
@example(ops=[("whole", 0), *(("forget", "match", 0),) * 4, ("whole", 1)])
def test_any_sequence_of_copies_keeps_the_tables_as_rebuilt(world, sources, tmp_path, ops):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # a destination of its own per example
    try:
        apply(folder / "destination.db", world, sources, ops)
    finally:
        shutil.rmtree(folder)


def test_a_slice_copied_into_an_archive_adds_its_share_without_a_rebuild(
    world, sources, tmp_path, monkeypatch
):
    destination = tmp_path / "destination.db"
    copy_archive(sources[0], destination, (world.player_ids[0],))  # empty: a rebuild
    monkeypatch.setattr(player_tables, "rebuild", lambda _: pytest.fail("rebuilt"))
    for player in world.player_ids[1:]:
        copy_archive(sources[1], destination, (player,))
    copy_archive(sources[0], destination)
    monkeypatch.undo()
    assert_derived_as_rebuilt(destination, "slices")


def test_a_copy_cut_short_is_counted_when_run_again(world, sources, tmp_path, monkeypatch):
    # Stopped after its rows (the derived tables never updated), or half way through the
    # match tables: run again, the copy finds the matches and the players no line counts
    # yet, and adds them, though it adds no row. A film or skill the first run added to a
    # match the destination held is told by the mark that run left: everything is counted.
    destination = tmp_path / "destination.db"
    copy_archive(sources[0], destination)

    def stopped(*_: object) -> None:
        raise KeyboardInterrupt

    copy_table = copy_module._copy_table

    def stopping(reader: Any, store: Any, table: Any, *args: Any) -> int:
        if table.name == "match_skill":
            raise KeyboardInterrupt
        return copy_table(reader, store, table, *args)

    for forgotten, stop, players in (
        ("match", (copied, "update", stopped), ()),  # a match of the tracked players
        ("match", (copy_module, "_copy_table", stopping), ()),
        ("player", (copied, "update", stopped), (world.player_ids[1],)),  # tracked again
        ("films", (copied, "update", stopped), ()),  # a held match's film
        ("skill", (copied, "update", stopped), ()),  # a held match's skill
    ):
        if forgotten != "player":
            forget(destination, forgotten, 0)
        else:
            with archive(destination) as engine, open_store(engine) as store:
                untrack_player(store, players[0])
        monkeypatch.setattr(*stop)
        with pytest.raises(KeyboardInterrupt):
            copy_archive(sources[0], destination, players)
        monkeypatch.undo()
        assert count(destination, "unfinished_copies") == 1  # the mark the cut-short one left
        copy_archive(sources[0], destination, players)
        assert count(destination, "unfinished_copies") == 0
        assert_derived_as_rebuilt(destination, (forgotten, stop[1]))
    for table in ("matches", "match_skill", "player_matches"):
        assert count(destination, table) == count(sources[0], table), table


def test_reparse_deletes_the_marks_of_copies_cut_short(world, sources, tmp_path, monkeypatch):
    # reparse counts every derived table again: the mark a copy cut short left would only
    # make the next copy count them all once more. (A running copy's mark stays: a reparse
    # or a copy beside one, tests/test_copy_marks.py.)
    destination = tmp_path / "destination.db"
    copy_archive(sources[0], destination)
    forget(destination, "films", 0)

    def stopped(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(copied, "update", stopped)
    with pytest.raises(KeyboardInterrupt):
        copy_archive(sources[0], destination)  # brings the film back, counts nothing
    monkeypatch.undo()
    assert count(destination, "unfinished_copies") == 1
    run_reparse(destination)  # the copy had stopped before it began
    assert count(destination, "unfinished_copies") == 0
    monkeypatch.setattr(player_tables, "rebuild", lambda _: pytest.fail("rebuilt"))
    copy_archive(sources[0], destination)
    monkeypatch.undo()
    assert count(destination, "unfinished_copies") == 0
    assert_derived_as_rebuilt(destination, "reparse after a copy cut short")


@pytest.mark.slow
def test_copies_keep_the_tables_as_rebuilt_on_postgresql(world, sources, postgres_cluster):
    for ops in (
        [("slice", 0, 0), ("slice", 1, 1), ("forget", "films", 0), ("whole", 0)],
        [
            ("whole", 1),
            ("forget", "match", 0),
            ("forget", "match", 0),
            ("untrack", 2),
            ("forget", "skill", 1),
            ("slice", 0, 2),
            ("whole", 0),
        ],
    ):
        apply(postgres_cluster.new_archive(), world, sources, ops)
