"""Faults combined with interruptions, run after run: no match lost, skipped or doubled.

Each case syncs a small simulated world several times, some runs interrupted
at a chosen request (the run's task is cancelled there, as Ctrl-C does; a
SIGKILL leaves the same rows, the run's own row aside) and matches played
between runs. After every run no stored match is half-written, and every
match of a tracked player is archived, pending, or left where a later run is
bound to find it: newer than the reach (the head walk's), or older than it
and at or past the backfill cursor. Then, the faults off, plain runs bring the
archive to exactly the simulator's matches, each once, none pending, and
`verify` calls it complete.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from grunt_archive.errors import AuthError
from grunt_archive.runner import run_sync, run_verify
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.sync import SyncOptions
from tests.chaos import assert_sound
from tests.helpers import rows, settings


class Chaos:
    """The simulator's app, with a run's interruption and lasting stats 404s of chosen matches.

    ``kill`` is ``(path pattern, n)``: the n-th request whose path and query match
    cancels the run's task (its ``asyncio.run`` main task), once.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.kill: tuple[str, int] | None = None
        self.seen = 0
        self.missing: set[str] = set()  # matches whose stats answer 404 for now

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            target = f"{scope['path']}?{scope.get('query_string', b'').decode()}"
            if self.kill and re.search(self.kill[0], target):
                self.seen += 1
                if self.seen == self.kill[1]:
                    for task in asyncio.all_tasks():
                        if task.get_coro().__qualname__.startswith("run_sync."):
                            task.cancel()
            found = re.search(r"/hi/matches/([^/]+)/stats", scope["path"])
            if found and found[1].lower() in self.missing:
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


@dataclass
class Run:
    """One sync of a case: its options, where it is interrupted, what is played before it."""

    limit: int | None = None
    full: bool = False
    kill: tuple[str, int] | None = None
    played: int = 0  # new matches of the first player before the run
    players: tuple[int, ...] | None = None  # which tracked players, by index (None: all)


@dataclass
class Case:
    config: dict[str, Any]
    runs: list[Run]
    tracked: int = 1
    missing: list[int] = field(default_factory=list)  # history positions whose stats 404


PAGE = r"/matches\?.*start=[1-9]"  # a history page past the first
STATS = r"/stats\?"

CASES = {
    # New matches arrive while the backfill walks; it is killed mid-way, then resumed.
    "arrivals-kill-mid-backfill": Case(
        {"matches": 80, "arrivals": 2},
        [Run(kill=(STATS, 45)), Run(kill=(STATS, 30), played=6), Run(kill=(PAGE, 2))],
    ),
    # A limit across runs, new matches arriving during each walk and between runs.
    "arrivals-limit-runs": Case(
        {"matches": 70, "arrivals": 3},
        [Run(limit=20), Run(limit=20, played=9), Run(limit=26, played=30), Run(limit=20)],
    ),
    # The two matches either side of the first page boundary 404; killed on the next page.
    "404-at-page-boundary-kill": Case(
        {"matches": 60},
        [Run(kill=(STATS, 40)), Run(played=27, kill=(STATS, 30)), Run()],
        missing=[24, 25],
    ),
    # Malformed matches go pending; a --full walk (interrupted, then whole) after them.
    "malformed-then-full": Case(
        {"matches": 50, "malformed_matches": 3, "arrivals": 4},
        [Run(limit=30), Run(full=True, kill=(PAGE, 1), played=3), Run(full=True)],
    ),
    # Two tracked players sharing matches: the first plays, the second alone is synced (so
    # some of the first's new matches are archived before their head walk), kills between.
    "shared-players-kills": Case(
        {"players": 3, "matches": 40, "arrivals": 3},
        [
            Run(kill=(STATS, 35)),
            Run(players=(1,), played=30, kill=(STATS, 20)),
            Run(players=(1,)),
            Run(kill=(PAGE, 1)),
        ],
        tracked=2,
    ),
    # The token expires mid-walk while new matches arrive; a fresh one resumes.
    "token-expiry-arrivals": Case(
        {"matches": 70, "arrivals": 2, "token_requests": 70}, [Run(), Run(played=12)]
    ),
    # Every match pending two runs (stats not ready), new ones played between, a kill.
    "late-stats-all-pending-played": Case(
        {"matches": 30, "stats_404": 7}, [Run(), Run(played=5), Run(kill=(PAGE, 1))]
    ),
    # Late stats and 5xx, killed mid-backfill, then new matches before the resume.
    "late-stats-5xx-kill": Case(
        {"matches": 60, "stats_404": 2, "fail_5xx": 0.1, "arrivals": 5},
        [Run(kill=(STATS, 100)), Run(played=26, limit=30), Run()],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_faults_and_interruptions_combined_lose_and_double_nothing(name, db_path):
    case = CASES[name]
    sim = Simulator(SimulatorConfig(seed=31, **case.config))
    chaos = Chaos(sim.app)
    chaos.missing = {sim.history(sim.player_ids[0])[i] for i in case.missing}
    tracked = sim.player_ids[: case.tracked]
    client = settings(chaos, "clearance-id", concurrency=4)
    outcomes = []
    for number, run in enumerate(case.runs):
        if run.played:
            sim.play(tracked[0], run.played)
        chaos.kill, chaos.seen = run.kill, 0
        chosen = tracked if run.players is None else [tracked[i] for i in run.players]
        options = SyncOptions(tuple(chosen), full=run.full, limit=run.limit,
                              matches_only=True, films=False)  # fmt: skip
        try:
            outcomes.append(run_sync(db_path, client, options).outcome)
        except asyncio.CancelledError:
            outcomes.append("interrupted")
        except AuthError:  # the token expired mid-run
            outcomes.append("expired")
        assert_sound(db_path, sim, f"after run {number} ({outcomes[-1]})")
    if any(run.kill for run in case.runs):
        assert "interrupted" in outcomes, outcomes
    # The faults end; plain runs finish the archive.
    sim.config.arrivals, sim.config.stats_404, sim.config.fail_5xx = 0, 0, 0
    sim.config.token_requests = None
    sim.malformed_match_ids.clear()
    chaos.kill, chaos.missing = None, set()
    for _ in range(3):
        report = run_sync(db_path, client, SyncOptions(matches_only=True, films=False))
        assert_sound(db_path, sim, "a plain run")
        if report.matches_added == 0:
            break
    assert report.outcome == "ok" and report.pending == []
    truth = {m for player in tracked for m in sim.history(player)}
    stored = rows(db_path, "SELECT match_id FROM matches")
    assert len(stored) == len(truth) and {r[0] for r in stored} == truth
    assert rows(db_path, "SELECT count(*) FROM pending_matches") == [(0,)]
    assert rows(db_path, "SELECT history_complete FROM tracked_players") == [(1,)] * len(tracked)
    checks = run_verify(db_path, client)
    assert [c.complete for c in checks] == [True] * len(tracked)
    assert all(c.missing_match_ids == [] for c in checks)
