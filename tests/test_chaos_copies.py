"""``copy`` of messy archives: a slice carries what a sync in the destination needs to finish.

An archive a user really has holds pending matches (stats that went 404), some found
by another tracked player's walk, films whose fetch failed, shared matches. A slice
of one player copied out of it, then synced in its destination with the faults gone,
must end with exactly the player's history (the simulator's), nothing lost or doubled,
and `verify` calling it complete.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from grunt_archive.documents import ARCHIVE_STATE
from grunt_archive.models import metadata
from grunt_archive.runner import run_reparse, run_sync, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store.copy import copy_archive
from grunt_archive.sync import SyncOptions
from tests.helpers import dump, failing, rows, settings


class Missing:
    """The simulator's app, with the stats of chosen matches answering 404 for now."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.missing: set[str] = set()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        found = re.search(r"/hi/matches/([^/]+)/stats", scope.get("path", ""))
        if scope["type"] == "http" and found and found[1].lower() in self.missing:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def world() -> tuple[Simulator, Missing]:
    return (sim := Simulator(SimulatorConfig(seed=31, players=3, matches=30))), Missing(sim.app)


def matches(db: Path) -> set[str]:
    return {match_id for (match_id,) in rows(db, "SELECT match_id FROM matches")}


def test_a_slice_carries_a_shared_match_another_players_walk_left_pending(world, tmp_path):
    """The pending row names the player whose walk met the match first; the slice of the
    other player who played it must carry it too, or their reach, which covers it, hides
    it from every sync of the destination."""
    sim, app = world
    first, second = sim.player_ids[:2]
    history = sim.history(second)
    shared = [m for m in history if m in sim.history(first)]
    app.missing = {shared[-1]}  # past the second's first page: no head walk reaches it
    assert history.index(shared[-1]) >= 25
    client = settings(app, "clearance-id", concurrency=4)
    source = tmp_path / "source.db"
    options = SyncOptions((first, second), matches_only=True, films=False)
    assert run_sync(source, client, options).pending == [shared[-1]]
    assert rows(source, "SELECT player_id FROM pending_matches") == [(first,)]
    piece = tmp_path / "slice.db"
    copy_archive(source, piece, (second,))
    assert rows(piece, "SELECT match_id FROM pending_matches") == [(shared[-1],)]
    assert copy_archive(source, piece, (second,)).rows_added == 0
    app.missing = set()
    report = run_sync(piece, client, SyncOptions((second,), matches_only=True, films=False))
    assert (report.outcome, report.matches_added, report.pending) == ("ok", 1, [])
    assert matches(piece) == set(history)
    assert [check.complete for check in run_verify(piece, client)] == [True]


def test_a_slice_carries_the_films_whose_fetch_failed_so_its_next_sync_fetches_them(tmp_path):
    """A failed film fetch is retried from ``pending_enrichment`` only (a plain sync fetches
    no other film of an archived match): left out of a slice, the film was never fetched
    there, and expired."""
    sim = Simulator(SimulatorConfig(seed=31, players=1, matches=12))
    player = sim.player_ids[0]
    newest = sim.history(player)[0]  # a film not expired yet
    broken = failing(sim.app, rf"/hi/films/matches/{newest}/", 503)
    source = tmp_path / "source.db"
    report = run_sync(source, settings(broken, "clearance-id"), SyncOptions((player,)))
    assert report.enrichment_pending == [f"film_manifest:{newest}"]
    piece = tmp_path / "slice.db"
    copy_archive(source, piece, (player,))
    assert (
        run_sync(piece, settings(sim.app, "clearance-id"), SyncOptions((player,))).outcome == "ok"
    )
    film = "SELECT status FROM films WHERE match_id = ?"
    assert rows(piece, film, newest) == [("read",)]
    assert rows(piece, "SELECT count(*) FROM pending_enrichment") == [(0,)]


def test_an_older_slice_with_other_pending_state_is_brought_up_and_reparse_rebuilds_it(
    world, tmp_path
):
    """The destination holds an older slice, the shared match pending there; the source has
    archived it since. A copy adds what is new (a second adds nothing), reparse rebuilds the
    copy row for row, and a sync finishes the player exactly."""
    sim, app = world
    first, second = sim.player_ids[:2]
    history = sim.history(second)
    late = [m for m in history if m in sim.history(first)][-1]
    app.missing = {late}
    client = settings(app, "clearance-id", concurrency=4)
    source, piece = tmp_path / "source.db", tmp_path / "slice.db"
    options = SyncOptions((first, second), matches_only=True, films=False)
    run_sync(source, client, options)
    copy_archive(source, piece, (second,))
    app.missing = set()
    assert run_sync(source, client, options).pending == []
    assert copy_archive(source, piece, (second,)).rows_added > 0
    assert copy_archive(source, piece, (second,)).rows_added == 0
    assert matches(piece) == set(history)
    assert rows(piece, "SELECT count(*) FROM pending_matches") == [(0,)]  # archived: not pending
    tables = sorted(set(metadata.tables) - ARCHIVE_STATE)
    before = dump(piece, tables)
    rebuilt, broken, lost = run_reparse(piece)
    assert (rebuilt, broken, lost) == (len(history), [], [])
    assert dump(piece, tables) == before
    report = run_sync(piece, client, SyncOptions((second,), matches_only=True, films=False))
    assert (report.outcome, report.matches_added, report.pending) == ("ok", 0, [])
    assert matches(piece) == set(history)
    assert rows(piece, "SELECT count(*) FROM pending_matches") == [(0,)]
    assert [check.complete for check in run_verify(piece, client)] == [True]
