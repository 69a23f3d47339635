"""The sync engine against the simulator in-process: the walk, resumes, dedupe, faults.

Every test runs on SQLite and on PostgreSQL (``BACKENDS``, `fresh_archive`; that
case is slow); a reference archive a test compares with is a SQLite file.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from grunt_archive.errors import AuthError, ServiceUnavailableError
from grunt_archive.normalize import match_rows
from grunt_archive.runner import run_reparse
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncReport
from tests import helpers
from tests.conftest import copy_archive, new_location
from tests.helpers import MATCH_TABLES, dump, rows
from tests.postgres import BACKENDS

sync = partial(helpers.sync, clearance="clearance-id")
TABLES = (*MATCH_TABLES, "players")
# The world most tests sync: made from its seed alone, so every Simulator of it is the same.
WORLD = SimulatorConfig(seed=3, players=3, matches=80)
# When a gamertag was looked up is a clock reading, not something two archives share.
WITHOUT_CLOCK = {"players": "player_id, gamertag, is_bot"}


def archived_ids(db: Path | str) -> set[str]:
    return {r[0] for r in rows(db, "SELECT match_id FROM matches")}


def all_history(sim: Simulator, players=None) -> set[str]:
    return {m for p in (players or sim.player_ids) for m in sim.history(p)}


@pytest.fixture
def sim() -> Simulator:
    return Simulator(WORLD)


@pytest.fixture
def archive(fresh_archive) -> Path | str:
    """A new archive's location, on each backend."""
    return fresh_archive


@pytest.fixture(scope="module", params=BACKENDS)
def synced(request, tmp_path_factory) -> tuple[Simulator, Path | str, SyncReport, dict[str, int]]:
    """One full sync of `sim`'s world, with the simulator's request counts right after it.

    Tests that change the archive change a copy of it.
    """
    world = Simulator(WORLD)
    db = new_location(request, request.param, tmp_path_factory.mktemp("synced") / "halo.db")
    report = sync(db, world, *world.player_ids)
    return world, db, report, dict(world.counts)


def test_full_backfill_archives_every_match_with_the_documents_values(synced):
    sim, archive, report, counts = synced
    assert report.outcome == "ok"
    expected = all_history(sim)
    assert archived_ids(archive) == expected
    assert report.matches_added == len(expected)
    # Shared matches are fetched once: one stats request per distinct match.
    assert counts["stats"] == len(expected)
    # Every value stored equals the document the service sent.
    for match_id in sorted(expected)[:40]:
        want = match_rows(sim.stats_document(match_id))
        for table, want_rows in want.items():
            if table == "players":
                continue
            if not want_rows:  # e.g. an Infection match has no teams: none stored either
                where = f"WHERE match_id = '{match_id}'"
                assert rows(archive, f"SELECT count(*) FROM {table} {where}") == [(0,)], table
                continue
            columns = list(want_rows[0])
            got = rows(
                archive, f"SELECT {', '.join(columns)} FROM {table} WHERE match_id = '{match_id}'"
            )
            assert sorted(got, key=repr) == sorted(
                (tuple(r.get(c) for c in columns) for r in want_rows), key=repr
            ), (match_id, table)
    tracked = rows(archive, "SELECT history_complete, backfill_offset FROM tracked_players")
    assert all(complete == 1 for complete, _ in tracked)


def test_no_op_resync_costs_one_history_request_per_player(synced, tmp_path, request):
    sim, db, _, _ = synced
    archive = copy_archive(db, tmp_path / "copy.db", request)
    before = dump(archive, TABLES, WITHOUT_CLOCK)
    sim.reset_counts()
    report = sync(archive, sim, matches_only=True)  # snapshots: tests/test_snapshots_sync.py
    assert report.matches_added == 0
    assert sim.counts["history"] == len(sim.player_ids)
    assert sim.counts["stats"] == 0
    assert sum(v for k, v in sim.counts.items() if not k.startswith("fault")) == len(sim.player_ids)
    assert dump(archive, TABLES, WITHOUT_CLOCK) == before


def test_new_matches_are_fetched_and_nothing_else(synced, tmp_path, request):
    # A copy of the synced world, and that world afresh (it is made from its seed alone).
    archive = copy_archive(synced[1], tmp_path / "copy.db", request)
    sim = Simulator(WORLD)
    player = sim.player_ids[0]
    new = sim.play(player, 30)
    sim.reset_counts()
    report = sync(archive, sim, player)
    assert report.matches_added == 30
    assert set(new) <= archived_ids(archive)
    assert sim.counts["stats"] == 30
    assert sim.counts["history"] == 2  # 30 new matches span two pages


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, list[tuple]]:
    """The first player of `sim`'s world synced in one run into SQLite, as `dump` reads it.

    What every backend's interrupted backfill must come to: made once for both.
    """
    world = Simulator(WORLD)
    reference = tmp_path_factory.mktemp("uninterrupted") / "reference.db"
    sync(reference, world, world.player_ids[0])
    return dump(reference, TABLES, WITHOUT_CLOCK)


def test_interrupted_backfill_resumes_to_exactly_an_uninterrupted_archive(
    sim, archive, uninterrupted
):
    player = sim.player_ids[0]
    interrupted = archive
    for _ in range(10):
        report = sync(interrupted, sim, player, limit=17)
        if report.matches_added == 0:
            break
    assert archived_ids(interrupted) == set(sim.history(player))
    assert dump(interrupted, TABLES, WITHOUT_CLOCK) == uninterrupted
    assert rows(interrupted, "SELECT history_complete FROM tracked_players") == [(1,)]


def test_a_limit_reached_mid_page_finishes_and_commits_the_pages_before_it(sim, archive):
    player = sim.player_ids[0]
    # Pages of 25: the limit falls inside the third page, with the first two still storing.
    report = sync(archive, sim, player, limit=60)
    assert report.matches_added == 60 == len(archived_ids(archive))
    assert archived_ids(archive) == set(sim.history(player)[:60])
    assert rows(archive, "SELECT backfill_offset, history_complete FROM tracked_players") == [
        (50, 0)
    ]


def test_backfill_resumes_after_new_matches_arrive_between_runs(sim, archive):
    player = sim.player_ids[0]
    sync(archive, sim, player, limit=40)
    sim.play(player, 7)
    sync(archive, sim, player)
    assert archived_ids(archive) == set(sim.history(player))


def test_offsets_drifting_mid_walk_lose_nothing(archive):
    sim = Simulator(SimulatorConfig(seed=5, players=2, matches=120, arrivals=2))
    player = sim.player_ids[0]
    sync(archive, sim, player)
    sync(archive, sim, player)  # picks up the matches that arrived during the first walk
    assert archived_ids(archive) >= set(sim.history(player)) - set(sim.history(player)[:2])
    sim_after = set(sim.history(player))
    sync(archive, sim, player)
    assert archived_ids(archive) >= sim_after - set(sim.history(player)[:2])


@pytest.fixture(scope="module")
def clean_dump(tmp_path_factory) -> dict[str, list[tuple]]:
    """The archive of `test_transient_faults_lose_nothing`'s world synced without faults."""
    clean = Simulator(SimulatorConfig(seed=9, players=2, matches=60))
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    sync(db, clean, *clean.player_ids)
    return dump(db, TABLES, WITHOUT_CLOCK)


@pytest.mark.parametrize(
    "faults",
    [
        {"fail_429": 0.3, "retry_after": 0.001},
        {"fail_429": 0.3, "retry_after": None},
        {"fail_5xx": 0.2},
        {"fail_429": 0.3, "fail_5xx": 0.1, "retry_after": 0.001},
        {"stats_404": 2},
    ],
    ids=["429-retry-after", "429-bare", "5xx", "429+5xx", "stats-404-then-ok"],
)
def test_transient_faults_lose_nothing(faults, archive, clean_dump):
    sim = Simulator(SimulatorConfig(seed=9, players=2, matches=60, **faults))
    report = sync(archive, sim, *sim.player_ids)
    assert report.outcome == "ok"
    assert archived_ids(archive) == all_history(sim)
    assert dump(archive, TABLES, WITHOUT_CLOCK) == clean_dump


def blanking_once(app: Any, start: int) -> Any:
    """Wrap an ASGI app so that the first history page asked for at ``start`` is empty."""
    blanked: list[str] = []

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"").decode()
        if (scope["type"] == "http" and scope["path"].endswith("/matches")
                and f"start={start}" in query.split("&") and not blanked):  # fmt: skip
            blanked.append(scope["path"])
            body = json.dumps({"Start": start, "Count": 25, "ResultCount": 0, "Results": []})
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await app(scope, receive, send)

    return wrapped


def test_an_empty_history_page_for_a_moment_loses_no_match(archive):
    """A page answered empty half way through the history is asked for again, not believed."""
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=60))
    report = sync(archive, sim, sim.player_ids[0], app=blanking_once(sim.app, 25))
    assert report.outcome == "ok"
    assert archived_ids(archive) == set(sim.history(sim.player_ids[0]))


def test_a_lasting_stats_404_leaves_the_match_pending_then_next_run_fetches_it(archive):
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=30, stats_404=5))
    report = sync(archive, sim, sim.player_ids[0])
    assert report.outcome == "partial"
    assert set(report.pending) == set(sim.history(sim.player_ids[0]))
    assert archived_ids(archive) == set()
    # By the next run every match has had its 404s (stats appeared late): pending go first.
    sim.reset_counts()
    report = sync(archive, sim)
    assert report.outcome == "ok" and report.pending == []
    assert archived_ids(archive) == set(sim.history(sim.player_ids[0]))
    assert rows(archive, "SELECT count(*) FROM pending_matches") == [(0,)]


def test_a_match_both_archived_and_pending_is_released_not_fetched_again(archive):
    # What a `verify` marking a match pending while a worker stores it leaves behind.
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=8))
    assert sync(archive, sim, sim.player_ids[0]).outcome == "ok"
    stored = sim.history(sim.player_ids[0])[3]
    helpers.execute(
        archive,
        "INSERT INTO pending_matches (match_id, player_id, reason, attempts, first_seen_at)"
        f" VALUES ('{stored}', '{sim.player_ids[0]}', 'missing (found by verify)', 0,"
        " '2026-12-01T00:00:00Z')",
    )
    sim.reset_counts()
    report = sync(archive, sim)
    assert (report.outcome, report.matches_added, report.pending) == ("ok", 0, [])
    assert sim.counts["stats"] == 0
    assert rows(archive, "SELECT count(*) FROM pending_matches") == [(0,)]


def test_matches_played_after_a_backfill_that_archived_nothing_are_walked(archive):
    """A backfill whose every match went pending leaves no reach for a head walk to stop at.

    Its cursor vouches for nothing above it: matches played since sit above it, and the
    next backfill begins at the top again rather than at the cursor.
    """
    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=30, stats_404=7))
    player = sim.player_ids[0]
    sync(archive, sim, player)  # every match pending (stats not ready yet)
    new = sim.play(player, 5)
    sync(archive, sim, player)  # still not ready: pending again, none archived
    assert archived_ids(archive) == set()
    sim.config.stats_404 = 0
    for _ in range(2):
        report = sync(archive, sim, player)
    assert report.outcome == "ok" and report.pending == []
    assert set(new) <= archived_ids(archive)
    assert archived_ids(archive) == set(sim.history(player))


def test_a_malformed_match_is_pending_and_the_rest_archived(archive):
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=50, malformed_matches=1))
    (bad,) = sim.malformed_match_ids
    report = sync(archive, sim, sim.player_ids[0])
    assert report.outcome == "partial"
    assert report.pending == [bad]
    assert archived_ids(archive) == set(sim.history(sim.player_ids[0])) - {bad}
    assert rows(archive, "SELECT outcome, pending FROM sync_runs") == [("partial", 1)]


def test_matches_the_service_keeps_failing_on_are_pending_and_block_no_later_run(archive):
    """A 5xx past every retry on a few matches, while the service answers the others."""
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=50))
    player = sim.player_ids[0]
    bad = sorted(sim.history(player)[i] for i in (10, 30))
    app = helpers.failing(sim.app, rf"/hi/matches/({'|'.join(bad)})/stats")
    report = sync(archive, sim, player, app=app)
    assert (report.outcome, sorted(report.pending)) == ("partial", bad)
    assert all("kept failing" in failure["error"] for failure in report.failures)
    assert archived_ids(archive) == set(sim.history(player)) - set(bad)
    new = sim.play(player, 5)
    # Retried first, together, and pending again: a match known to fail takes no service down.
    report = sync(archive, sim, player, app=app)
    assert (report.outcome, sorted(report.pending), report.matches_added) == ("partial", bad, 5)
    assert set(new) <= archived_ids(archive)
    assert rows(archive, "SELECT DISTINCT attempts FROM pending_matches") == [(2,)]
    report = sync(archive, sim, player)
    assert (report.outcome, report.matches_added) == ("ok", 2)
    assert archived_ids(archive) == set(sim.history(player))


def test_a_stats_service_that_is_down_stops_the_run_after_the_matches_in_flight(archive):
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=50))
    asked: set[str] = set()
    down = helpers.failing(sim.app, r"/hi/matches/[^/]+/stats")

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/stats"):
            asked.add(scope["path"])
        await down(scope, receive, send)

    with pytest.raises(ServiceUnavailableError, match="kept failing"):
        sync(archive, sim, sim.player_ids[0], app=app)
    assert archived_ids(archive) == set()
    assert 2 <= len(asked) < 50
    assert rows(archive, "SELECT outcome FROM sync_runs") == [("failed",)]


def test_a_history_page_the_service_keeps_failing_on_fails_its_player_only(archive):
    sim = Simulator(SimulatorConfig(seed=6, players=2, matches=60))
    stuck, other = sim.player_ids
    page = f"/hi/players/{stuck}/matches"

    async def app(scope: dict, receive: Any, send: Any) -> None:
        # Every page of the stuck player's history from the 50th match on.
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        if scope["type"] == "http" and scope["path"] == page and int(query["start"]) >= 50:
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await sim.app(scope, receive, send)

    report = sync(archive, sim, stuck, other, app=app)
    assert (report.outcome, report.failed_players) == ("partial", [stuck])
    assert "kept failing" in report.failures[0]["error"]
    assert all_history(sim, [other]) <= archived_ids(archive)
    assert set(sim.history(stuck)[:50]) <= archived_ids(archive)  # the pages before it
    new = sim.play(stuck, 4)
    report = sync(archive, sim, app=app)  # the head walk comes before the backfill
    assert (report.outcome, report.failed_players) == ("partial", [stuck])
    assert set(new) <= archived_ids(archive)
    report = sync(archive, sim)
    assert report.outcome == "ok"
    assert archived_ids(archive) == all_history(sim)


def test_history_pages_answered_between_two_stuck_players_keep_the_service_up(archive):
    """Pages answered with no match to fetch count as answers: the run goes on to the end."""
    sim = Simulator(SimulatorConfig(seed=6, players=4, matches=12))
    # Synced in this order: an answered page comes before each stuck player's.
    _, stuck, _, last_stuck = sim.player_ids
    sync(archive, sim, *sim.player_ids)
    stuck_pages = "|".join(re.escape(f"/hi/players/{p}/matches") for p in (stuck, last_stuck))
    down = helpers.failing(sim.app, stuck_pages)
    sim.reset_counts()
    report = sync(archive, sim, *sim.player_ids, app=down)
    assert (report.outcome, report.failed_players) == ("partial", [stuck, last_stuck])
    assert all("kept failing" in failure["error"] for failure in report.failures)
    # Nothing played since: the other two players' head walks were answered a page each.
    assert (sim.counts["history"], sim.counts["stats"]) == (2, 0)


def test_a_nul_in_a_document_is_archived_alike_in_both_databases(archive):
    # PostgreSQL's text refuses NUL: the match would stay pending there for ever.
    sim = Simulator(SimulatorConfig(seed=6, players=1, matches=8, hostile="nul", hostile_matches=1))
    (odd,) = sim.hostile_match_ids
    report = sync(archive, sim, sim.player_ids[0])
    assert (report.outcome, report.pending) == ("ok", [])
    (clearance,) = rows(archive, f"SELECT clearance_id FROM matches WHERE match_id = '{odd}'")[0]
    assert clearance.startswith("\ufffd")
    assert run_reparse(archive)[1:] == ([], [])


def test_an_expired_token_stops_cleanly_and_a_fresh_one_resumes(archive):
    sim = Simulator(SimulatorConfig(seed=8, players=1, matches=90, token_requests=40))
    with pytest.raises(AuthError):
        sync(archive, sim, sim.player_ids[0])
    partial = archived_ids(archive)
    assert 0 < len(partial) < 90
    assert rows(archive, "SELECT outcome FROM sync_runs") == [("failed",)]
    fresh = Simulator(SimulatorConfig(seed=8, players=1, matches=90))
    sync(archive, fresh, fresh.player_ids[0])
    assert archived_ids(archive) == set(fresh.history(fresh.player_ids[0]))


def test_with_no_player_the_signed_in_player_is_tracked(archive):
    sim = Simulator(SimulatorConfig(seed=3, players=3, matches=5))  # who, not how many matches
    report = sync(archive, sim)
    assert report.players == [sim.player_ids[0]]
    assert rows(archive, "SELECT player_id FROM tracked_players") == [(sim.player_ids[0],)]


def test_a_gamertag_is_resolved_to_its_xuid(sim, archive):
    player = sim.player_ids[1]
    report = sync(archive, sim, sim.gamertag(player), limit=1)
    assert report.players == [player]
    assert rows(archive, f"SELECT gamertag FROM players WHERE player_id = '{player}'") == [
        (sim.gamertag(player),)
    ]


def test_reparse_equals_what_sync_wrote(synced, tmp_path, request):
    sim, db, _, _ = synced
    archive = copy_archive(db, tmp_path / "copy.db", request)
    before = dump(archive, TABLES, WITHOUT_CLOCK)
    rebuilt, broken, _ = run_reparse(archive)
    assert rebuilt == len(all_history(sim)) and broken == []
    assert dump(archive, TABLES, WITHOUT_CLOCK) == before
