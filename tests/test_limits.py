"""Rate limits per Halo host: spacing, independence, 429 backoff, Retry-After, recovery.

The limiters run on virtual time (`VirtualTime`): their clock moves only when
every task is waiting on it, so the tests never sleep and every time is exact.
"""

from __future__ import annotations

import asyncio
import heapq
import json
from collections.abc import Awaitable, Callable
from itertools import count

import httpx
import pytest

from grunt_archive.api import (
    HaloClient,
    HostLimits,
    RateLimiter,
    SkillService,
    StatsService,
    Tokens,
)
from grunt_archive.api.limits import Backoff, host_name
from grunt_archive.db import archive
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.store import Store, open_store
from grunt_archive.sync import SyncOptions, sync
from tests.e2e import cli, simulator_process
from tests.helpers import FAST, value

STATS = "https://halostats.svc.halowaypoint.com"
SKILL = "https://skill.svc.halowaypoint.com"
MATCH = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"


class VirtualTime:
    """A clock and a sleep for limiters; time jumps to the next wake-up once all tasks wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def settle(self) -> None:
        """Let every runnable task run until it waits on virtual time (or ends)."""
        for _ in range(50):
            await asyncio.sleep(0)

    async def advance(self, to: float) -> None:
        """Move the clock to ``to``, waking every sleeper due by then in order."""
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= to:
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)
            await self.settle()
        self.now = max(self.now, to)

    async def run(self, *jobs: Awaitable[object]) -> list[object]:
        """Run ``jobs`` to their end, moving the clock whenever all of them wait; return results."""
        tasks = [asyncio.ensure_future(job) for job in jobs]
        await self.settle()
        while not all(task.done() for task in tasks):
            assert self._sleepers, "every job waits, and not on time"
            await self.advance(self._sleepers[0][0])
        return [task.result() for task in tasks]


def limits(rps: float | None, time: VirtualTime, **kwargs: object) -> HostLimits:
    return HostLimits(rps, clock=time.clock, sleep=time.sleep, **kwargs)  # type: ignore[arg-type]


async def turn(hosts: HostLimits, time: VirtualTime, host: str) -> int:
    """Wait for ``host``'s next turn on virtual time; return its epoch."""
    (epoch,) = await time.run(hosts.wait(host))
    assert isinstance(epoch, int)
    return epoch


def go(test: Callable[[VirtualTime], Awaitable[None]]) -> None:
    asyncio.run(test(VirtualTime()))


def starts(hosts: HostLimits, time: VirtualTime, host: str, n: int, log: list) -> list:
    """Return ``n`` jobs that each wait for ``host``'s turn and log (host, time)."""

    async def one() -> None:
        await hosts.wait(host)
        log.append((host_name(host), time.now))

    return [one() for _ in range(n)]


def test_a_host_spaces_its_requests_evenly_at_the_cap():
    async def test(time: VirtualTime) -> None:
        hosts, log = limits(5, time), []
        await time.run(*starts(hosts, time, STATS, 6, log))
        assert [t for _, t in log] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])

    go(test)


def test_two_hosts_each_get_their_full_rate_at_once():
    async def test(time: VirtualTime) -> None:
        hosts, log = limits(5, time), []
        await time.run(*starts(hosts, time, STATS, 10, log), *starts(hosts, time, SKILL, 10, log))
        spaced = pytest.approx([i / 5 for i in range(10)])
        assert [t for h, t in log if h == "halostats"] == spaced
        assert [t for h, t in log if h == "skill"] == spaced
        # Both done by 1.8 s: one limiter across both would have needed 3.8 s.
        assert time.now == pytest.approx(1.8)
        assert hosts.rates() == {"halostats": 5.0, "skill": 5.0}

    go(test)


def test_a_429_halves_the_host_rate_and_retry_after_pauses_only_that_host():
    async def test(time: VirtualTime) -> None:
        hosts, log = limits(4, time), []
        epoch = await hosts.wait(SKILL)
        await hosts.wait(STATS)
        hosts.throttled(SKILL, epoch, retry_after=3.0)
        assert hosts.rates() == {"halostats": 4.0, "skill": 2.0}
        await time.run(*starts(hosts, time, SKILL, 3, log), *starts(hosts, time, STATS, 3, log))
        # skill: nothing before the pause ends, then one request every 1/2 s.
        assert [t for h, t in log if h == "skill"] == pytest.approx([3.0, 3.5, 4.0])
        # halostats went on at its full rate, through skill's pause.
        assert [t for h, t in log if h == "halostats"] == pytest.approx([0.25, 0.5, 0.75])

    go(test)


def test_a_pause_that_comes_while_a_request_waits_holds_it_too():
    async def test(time: VirtualTime) -> None:
        hosts, log = limits(4, time), []
        epoch = await hosts.wait(SKILL)
        waiting = asyncio.ensure_future(time.run(*starts(hosts, time, SKILL, 1, log)))
        await time.advance(0.1)  # the waiter's turn would be at 0.25
        hosts.throttled(SKILL, epoch, retry_after=2.0)
        await waiting
        assert log == [("skill", pytest.approx(2.1))]

    go(test)


def test_429s_of_requests_sent_before_a_cut_cut_only_once():
    async def test(time: VirtualTime) -> None:
        hosts = limits(8, time)
        epochs = await time.run(*(hosts.wait(SKILL) for _ in range(4)))
        for epoch in epochs:  # four requests in flight together, all refused
            hosts.throttled(SKILL, epoch, retry_after=None)  # type: ignore[arg-type]
        assert hosts.rates()["skill"] == 4.0
        hosts.throttled(SKILL, await turn(hosts, time, SKILL), retry_after=None)
        assert hosts.rates()["skill"] == 2.0

    go(test)


def test_the_rate_never_falls_below_its_floor():
    async def test(time: VirtualTime) -> None:
        hosts = limits(8, time)
        for _ in range(10):
            hosts.throttled(SKILL, await turn(hosts, time, SKILL), retry_after=None)
        assert hosts.rates()["skill"] == 8 * Backoff().floor == 0.5

    go(test)


def test_the_rate_creeps_back_after_quiet_spells_never_above_the_cap():
    async def test(time: VirtualTime) -> None:
        backoff = Backoff(factor=0.5, floor=1 / 16, quiet=5.0, step=1 / 8)
        hosts = limits(8, time, backoff=backoff)
        hosts.throttled(SKILL, await turn(hosts, time, SKILL), retry_after=10.0)
        # The request sent when the pause ended is refused too (at 10.0).
        hosts.throttled(SKILL, await turn(hosts, time, SKILL), retry_after=None)
        assert time.now == 10.0
        assert hosts.rates()["skill"] == 2.0
        seen = []
        for moment in (14.9, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 100.0):
            await time.advance(moment)
            seen.append(hosts.rates()["skill"])
        # Quiet counts from the last 429 (10.0); each 5 s adds an eighth of the cap.
        assert seen == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 8.0]

    go(test)


def test_quiet_counts_from_the_end_of_a_retry_after_pause():
    async def test(time: VirtualTime) -> None:
        hosts = limits(8, time)
        hosts.throttled(SKILL, await hosts.wait(SKILL), retry_after=30.0)
        await time.advance(34.9)
        assert hosts.rates()["skill"] == 4.0
        await time.advance(35.0)
        assert hosts.rates()["skill"] == 5.0

    go(test)


def test_a_retry_after_beyond_the_longest_pause_is_cut_to_it():
    async def test(time: VirtualTime) -> None:
        limiter = RateLimiter(4, clock=time.clock, sleep=time.sleep, longest_pause=60.0)
        limiter.throttled(await limiter.wait(), retry_after=86_400.0)
        assert limiter.paused_until == 60.0
        await time.run(limiter.wait())
        assert time.now == 60.0

    go(test)


def test_with_no_limit_only_retry_after_pauses():
    async def test(time: VirtualTime) -> None:
        hosts, log = limits(None, time), []
        await time.run(*starts(hosts, time, SKILL, 5, log))
        assert [t for _, t in log] == [0.0] * 5
        hosts.throttled(SKILL, 0, retry_after=None)
        await time.run(*starts(hosts, time, SKILL, 1, log))
        assert log[-1] == ("skill", 0.0)
        hosts.throttled(SKILL, 0, retry_after=1.5)
        await time.run(*starts(hosts, time, SKILL, 1, log))
        assert log[-1] == ("skill", 1.5)
        assert hosts.rates() == {"skill": None}

    go(test)


def test_hosts_are_named_by_their_first_label_and_made_on_first_use():
    assert host_name(STATS) == "halostats"
    assert host_name("https://discovery-infiniteugc.svc.halowaypoint.com") == (
        "discovery-infiniteugc"
    )
    assert host_name("https://blobs-infiniteugc.svc.halowaypoint.com") == "blobs-infiniteugc"
    hosts = HostLimits(3)
    assert hosts.rates() == {}
    assert hosts.limiter(SKILL) is hosts.limiter("skill")
    assert hosts.rates() == {"skill": 3.0}


# --- through the client ---------------------------------------------------------------------


def test_the_client_cuts_only_the_host_that_answered_429():
    refused = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/skill") and not refused:
            refused.append(request)
            return httpx.Response(429, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"Value": []})

    async def go_() -> dict[str, float | None]:
        client = HaloClient(
            Tokens("t", "clearance"), rps=1000, retry=FAST, transport=httpx.MockTransport(handler)
        )
        async with client:
            await StatsService(client).match_stats(MATCH)
            await SkillService(client).match_skill(MATCH, ["xuid(1)"])
            return client.limits.rates()

    assert asyncio.run(go_()) == {"halostats": 1000.0, "skill": 500.0}
    assert len(refused) == 1


def test_a_paused_host_holds_no_request_slot():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={})

    async def test(time: VirtualTime) -> None:
        client = HaloClient(
            Tokens("t", "c"), rps=5, concurrency=1, transport=httpx.MockTransport(handler)
        )
        client.limits = limits(5, time)
        async with client:
            client.limits.throttled(SKILL, await client.limits.wait(SKILL), retry_after=60.0)
            skill = asyncio.ensure_future(SkillService(client).match_skill(MATCH, ["xuid(1)"]))
            await time.settle()
            # The one slot is free: halostats answers while skill waits out its pause.
            await asyncio.wait_for(StatsService(client).match_stats(MATCH), 30)
            assert seen == [f"/hi/matches/{MATCH}/stats"] and not skill.done()
            await time.advance(60.0)
            await asyncio.wait_for(skill, 30)
            assert seen[-1] == f"/hi/matches/{MATCH}/skill"

    go(test)


# --- end to end through the simulator -------------------------------------------------------


def test_a_host_answering_429_is_slowed_alone_and_the_summary_reports_its_rate(tmp_path):
    config = SimulatorConfig(
        seed=5, players=1, matches=30, fail_429=0.4, fail_429_hosts=("skill",), retry_after=0.01
    )
    sim = Simulator(config)

    async def run(store: Store) -> dict:
        client = HaloClient(
            Tokens("v4=test-token"),
            api_base="http://simulator",
            rps=1000,
            concurrency=8,
            retry=FAST,
            transport=httpx.ASGITransport(app=sim.app),
        )
        # Recovery waits for an hour of quiet here, so no quiet spell ends within the test.
        client.limits = HostLimits(1000, backoff=Backoff(quiet=3600.0))
        async with client:
            report = await sync(store, client, SyncOptions(tuple(sim.player_ids)))
        return report.to_json()

    with archive(tmp_path / "a.db") as engine, open_store(engine) as store:
        summary = asyncio.run(run(store))
    assert summary["outcome"] == "ok"
    assert value(tmp_path / "a.db", "SELECT count(*) FROM matches") == 30
    assert sim.counts["fault_429"] > 0
    rates = summary["rates"]
    assert rates["skill"] <= 500.0
    assert {host: rate for host, rate in rates.items() if host != "skill"} == {
        host: 1000.0 for host in rates if host != "skill"
    }
    assert {"halostats", "skill", "profile"} <= set(rates)
    json.dumps(summary)  # the --json summary, as the CLI prints it


@pytest.mark.slow
def test_the_cli_summary_reports_each_host_rate(db_path):
    options = ("--seed", "13", "--players", "1", "--matches", "25")
    faults = ("--fail-429", "0.3", "--fail-429-host", "skill", "--retry-after", "0.01")
    with simulator_process(*options, *faults) as sim:
        result = cli("sync", "--json", "--rps", "200", db=db_path, api_base=sim.url)
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert sim.counts()["fault_429"] > 0
    rates = summary["rates"]
    # Back at 200 only after 20 s without a 429 on skill: far longer than this run.
    assert rates["halostats"] == 200.0 and rates["skill"] < 200.0
    assert all(rate == 200.0 for host, rate in rates.items() if host != "skill")
    assert value(db_path, "SELECT count(*) FROM matches") == 25
