"""Several sync workers on one PostgreSQL archive, faults and interruptions combined.

Each case runs two or three workers at once, in one event loop, each with its own
connection and client, on overlapping player lists, against one simulator with
arrivals and late stats. A worker may be interrupted at its n-th request matching
a pattern: its task cancelled (Ctrl-C), or its connection terminated first (as a
SIGKILL leaves it: no ``finally`` reaches the archive). After every step nothing is
half-written or left where no run will look (`tests.chaos.assert_sound`); after
plain follow-up runs, faults off, every match is archived once, nothing pending,
`verify` complete.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from grunt_archive.db import archive_store
from grunt_archive.runner import run_sync, run_untrack, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncOptions, sync
from tests.chaos import assert_sound
from tests.helpers import rows, settings

pytestmark = pytest.mark.slow

STATS = r"/stats\?"
PAGE = r"/matches\?.*start=[1-9]"
RAN = ("ok", "partial", "claimed")  # a worker not interrupted ends with one of these


@dataclass
class Worker:
    """One worker of a step: its players (indexes), limit, and where it is interrupted."""

    players: tuple[int, ...] = ()  # empty: every tracked player
    limit: int | None = None
    full: bool = False
    kill: tuple[str, int] | None = None
    hard: bool = False  # the connection is terminated first, as a SIGKILL leaves it
    untrack: tuple[str, int, int] | None = None  # at its n-th request, untrack a player
    broken: tuple[str, int] | None = None  # its n-th request answers a body that is no page


@dataclass
class Case:
    config: dict[str, Any]
    steps: list[list[Worker]]
    tracked: int = 3
    played: list[int] = field(default_factory=list)  # new matches of player 0 before each step


class Tap:
    """The simulator's app as one worker sees it: counts its requests, interrupts it once."""

    def __init__(self, app: Any, spec: Worker, url: str) -> None:
        self.app, self.spec, self.url = app, spec, url
        self.seen: dict[str, int] = {}
        self.task: asyncio.Task[Any] | None = None
        self.store: Any = None
        self.stopped = False

    def hit(self, rule: tuple[Any, ...] | None, target: str) -> bool:
        if rule is None or not re.search(rule[0], target):
            return False
        self.seen[rule[0]] = self.seen.get(rule[0], 0) + 1
        return self.seen[rule[0]] == rule[1]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            target = f"{scope['path']}?{scope.get('query_string', b'').decode()}"
            if self.hit(self.spec.untrack, target):
                assert self.spec.untrack is not None
                await asyncio.to_thread(run_untrack, self.url, self.spec.untrack[2])
            if self.hit(self.spec.broken, target):
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b'"no page"'})
                return
            if self.hit(self.spec.kill, target) and self.task and not self.stopped:
                self.stopped = True
                if self.spec.hard:
                    import psycopg

                    pid = self.store._driver.info.backend_pid
                    with psycopg.connect(self.url, autocommit=True) as other:
                        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
                self.task.cancel()
        await self.app(scope, receive, send)


async def run_workers(url: str, sim: Simulator, tracked: list[str], specs: list[Worker]) -> list:
    async def one(tap: Tap) -> Any:
        tap.task = asyncio.current_task()
        players = tuple(tracked[i] for i in tap.spec.players)
        options = SyncOptions(
            players, full=tap.spec.full, limit=tap.spec.limit, matches_only=True, films=False
        )
        with archive_store(url) as store:
            tap.store = store
            async with settings(tap, "clearance-id", concurrency=4).client() as client:
                return (await sync(store, client, options)).outcome

    taps = [Tap(sim.app, spec, url) for spec in specs]
    results = await asyncio.gather(*(one(tap) for tap in taps), return_exceptions=True)
    return [
        (r if isinstance(r, str) else type(r).__name__, tap.stopped)
        for r, tap in zip(results, taps, strict=True)
    ]


CASES = {
    # Three workers on overlapping lists, arrivals, stats so late that the first worker to
    # ask leaves a match pending and one waiting on its claim fetches it, all run to the end.
    "three-overlapping-arrivals-404": Case(
        {"players": 3, "matches": 40, "arrivals": 2, "stats_404": 4},
        [[Worker((0, 1)), Worker((1, 2)), Worker((2, 0))], [Worker(), Worker()]],
        played=[0, 7],
    ),
    # A worker cancelled while it holds a new shared match's claim; the others go on.
    "cancel-holding-shared": Case(
        {"players": 3, "matches": 40, "arrivals": 3},
        [
            [Worker(kill=(STATS, 12)), Worker((2, 1, 0))],
            [Worker((0,), kill=(STATS, 3)), Worker((1, 2, 0))],
        ],
        played=[0, 9],
    ),
    # A worker killed hard (its connection gone) mid-fetch, late stats, arrivals.
    "sigkill-holding-shared-404": Case(
        {"players": 3, "matches": 40, "arrivals": 2, "stats_404": 1},
        [[Worker(kill=(STATS, 15), hard=True), Worker((1, 2)), Worker((2,))], [Worker()]],
    ),
    # Every match pending first; then two workers retry them at once with arrivals, one
    # killed hard while it holds a pending match's claim.
    "pending-retried-by-two-kill": Case(
        {"players": 2, "matches": 30, "arrivals": 2, "stats_404": 9},
        [
            [Worker()],
            [Worker(kill=(STATS, 6), hard=True), Worker(), Worker((1,))],
            [Worker(kill=(PAGE, 2)), Worker()],
        ],
        tracked=2,
        played=[0, 0, 5],
    ),
    # A history walk that fails (a page that is none) while another walks the same shared
    # matches; a --limit worker beside an unlimited one; --full walks beside plain ones,
    # one killed hard.
    "walk-fails-and-limit": Case(
        {"players": 3, "matches": 50, "arrivals": 3, "stats_404": 1},
        [
            [Worker(broken=(PAGE, 1)), Worker((1, 0)), Worker(limit=10)],
            [Worker(limit=7), Worker((2, 1, 0), full=True)],
            [Worker(full=True, kill=(PAGE, 2), hard=True), Worker((1,), full=True), Worker()],
        ],
        played=[0, 6],
    ),
    # A player untracked while another worker syncs them (the untracked player's matches
    # are still others' shared matches); the run after tracks them again.
    "untrack-while-syncing": Case(
        {"players": 3, "matches": 30, "arrivals": 2},
        [[Worker((0, 1, 2), untrack=(STATS, 3, "")), Worker((2,))], [Worker()]],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_workers_with_faults_and_interruptions_lose_and_double_nothing(name, postgres_cluster):
    case = CASES[name]
    url = postgres_cluster.new_archive()
    sim = Simulator(SimulatorConfig(seed=23, **case.config))
    tracked = sim.player_ids[: case.tracked]
    for spec in (spec for step in case.steps for spec in step):
        if spec.untrack:
            spec.untrack = (spec.untrack[0], spec.untrack[1], tracked[1])
    client = settings(sim.app, "clearance-id", concurrency=4)
    run_sync(url, client, SyncOptions(tuple(tracked), limit=1, matches_only=True, films=False))
    outcomes, interrupted = [], 0
    for number, step in enumerate(case.steps):
        if number < len(case.played) and case.played[number]:
            sim.play(tracked[0], case.played[number])
        ended = asyncio.run(run_workers(url, sim, tracked, step))
        outcomes.append([outcome for outcome, _ in ended])
        for spec, (outcome, stopped) in zip(step, ended, strict=True):
            # Workers race for claims: one planned to be interrupted at its n-th request
            # may have finished before making it, when the others took its work.
            expected = ("CancelledError",) if stopped else ("partial",) if spec.broken else RAN
            assert outcome in expected, outcomes
            interrupted += stopped
        assert_sound(url, sim, f"after step {number} {outcomes[-1]}")
    planned = sum(1 for step in case.steps for spec in step if spec.kill)
    assert interrupted >= min(planned, 1), outcomes  # the case interrupts something
    # The faults end; plain runs finish the archive.
    sim.config.arrivals = sim.config.stats_404 = 0
    report = run_sync(url, client, SyncOptions(tuple(tracked), matches_only=True, films=False))
    for _ in range(3):
        assert_sound(url, sim, "a plain run")
        if report.matches_added == 0:
            break
        report = run_sync(url, client, SyncOptions(matches_only=True, films=False))
    assert report.outcome == "ok" and report.pending == [], (outcomes, report.failures)
    truth = {m for player in tracked for m in sim.history(player)}
    stored = rows(url, "SELECT match_id FROM matches")
    assert len(stored) == len(truth) and {r[0] for r in stored} == truth, outcomes
    assert rows(url, "SELECT count(*) FROM pending_matches") == [(0,)]
    assert rows(url, "SELECT count(*) FROM pending_enrichment") == [(0,)]
    assert rows(url, "SELECT count(*) FROM sync_runs WHERE outcome = 'running'") == [(0,)]
    checks = run_verify(url, client)
    assert [c.complete for c in checks] == [True] * len(tracked)
