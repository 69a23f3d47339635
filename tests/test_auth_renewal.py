"""Sign-in that holds unattended (issue 17), against the in-process simulator.

Tokens that expire every few requests, a clearance route answering 500 and
403, a service clock hours off ours, the bound on renewals, the lock on the
sign-in file. Two real processes renewing at once are in test_auth_command.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from grunt_archive.api import HaloClient, ProfileService, RetryPolicy, SkillService, Tokens
from grunt_archive.api.settings import CLEARANCE_REFUSED, LazyClearance
from grunt_archive.api.signin import AppRegistration, SignInHttp
from grunt_archive.auth import StoredTokens, load_session, save_session, sign_in, token_file
from grunt_archive.auth import tokens as tokens_module
from grunt_archive.auth.token_file import locked
from grunt_archive.auth.tokens import RenewalBudget
from grunt_archive.errors import AuthError
from grunt_archive.runner import ClientSettings, run_sync
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.hosts.signin import signin_state
from grunt_archive.sync import SyncOptions

FAST = RetryPolicy(attempts=3, base_wait=0.001, max_wait=0.002)
APP = AppRegistration("app-client-id", "app-client-secret-value", "https://localhost/cb")
BASE = "http://sim"


class Clock:
    """One clock for the client; the simulator's runs ``offset`` seconds off it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class World:
    """A simulator, its transport, a sign-in file, and the warnings said to the user."""

    def __init__(
        self, tmp_path, *, lifetime: float = 14400.0, matches: int = 5, latency_ms: float = 0
    ) -> None:
        self.sim = Simulator(
            SimulatorConfig(
                seed=5, players=1, matches=matches, token_lifetime=lifetime, latency_ms=latency_ms
            )
        )
        self.clock = Clock()
        self.state = signin_state(self.sim)
        self.state.clock = self.clock.seconds
        self.transport = httpx.ASGITransport(app=self.sim.app)
        self.path = tmp_path / "auth.json"
        self.warnings: list[str] = []

    def admin(self, path: str, **params: object) -> dict:
        async def go():
            async with httpx.AsyncClient(transport=self.transport, base_url=BASE) as client:
                return await client.post(path, params=params)

        answer = asyncio.run(go())
        assert answer.status_code == 200, answer.text
        return answer.json()

    def login(self) -> None:
        code = self.state.new_code(APP.client_id, APP.redirect_uri)

        async def go():
            async with SignInHttp(BASE, transport=self.transport, retry=FAST) as http:
                return await sign_in(http, APP, code, clock=self.clock)

        save_session(self.path, asyncio.run(go()))
        self.sim.reset_counts()

    def tokens(self, budget: RenewalBudget | None = None) -> StoredTokens:
        return StoredTokens(
            self.path, api_base=BASE, transport=self.transport, retry=FAST, clock=self.clock,
            budget=budget or RenewalBudget(1000), warn=self.warnings.append,
        )  # fmt: skip

    def skill_request(self) -> tuple[str, list[str]]:
        """Return a matchmade match and a human player in it."""
        for match_id, meta in self.sim.world.matches.items():
            if meta.lifecycle == 3:
                players = self.sim.stats_document(match_id)["Players"]
                humans = [p["PlayerId"] for p in players if p["PlayerType"] == 1]
                if humans:
                    return match_id, humans[:1]
        raise LookupError("no matchmade match")

    def fetch(self, source, times: int = 1, *, concurrency: int = 8, skill: bool = False) -> list:
        async def go():
            async with HaloClient(source, api_base=BASE, rps=None, concurrency=concurrency,
                                  retry=FAST, transport=self.transport) as client:  # fmt: skip
                if skill:  # clearance-aware: the simulator answers 403 without one
                    await LazyClearance(client).ensure()
                    calls = [SkillService(client).match_skill(*self.skill_request())]
                else:
                    calls = [ProfileService(client).me() for _ in range(times)]
                return await asyncio.gather(*calls)

        return asyncio.run(go())


@pytest.fixture
def world(tmp_path) -> World:
    found = World(tmp_path)
    found.login()
    return found


# Renewal that cannot be outrun ----------------------------------------------------------------


def test_tokens_that_expire_every_few_requests_at_concurrency_8(tmp_path, monkeypatch):
    """The issue's run: renewed tokens meet their expiry while eight requests are in flight."""
    monkeypatch.setattr(tokens_module, "RENEWALS_PER_MINUTE", 1000)
    # A little latency, so that answers come back while other requests are on their way.
    world = World(tmp_path, matches=30, latency_ms=2)
    world.login()
    # Each Spartan token is refused after three requests (the clearance lookup is one of them).
    world.admin("/_simulator/signin/faults", spartan_uses=3)
    settings = ClientSettings(
        api_base=BASE, rps=None, concurrency=8, retry=FAST, transport=world.transport,
        auth_file=world.path,
    )  # fmt: skip
    db = tmp_path / "halo.db"
    report = run_sync(db, settings, SyncOptions(matches_only=True))
    assert report.outcome == "ok" and report.matches_added == 30
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM matches").fetchone()[0] == 30
    counts = world.sim.counts
    assert counts["expired_token_401"] >= 10  # the tokens really ran out, many times over
    assert counts["oauth_token"] >= 10
    # Each token was renewed only once it was used up: a second renewal for the same refused
    # token would leave a token that served nothing but its clearance lookup.
    spartans = world.state.issued()["spartan"]
    assert len(spartans) == counts["oauth_token"] + 1
    assert [world.state.grants[t].uses for t in spartans[1:-1]] == [3] * (len(spartans) - 2)
    saved = load_session(world.path)
    assert saved.refresh_token == world.state.issued()["refresh"][-1]


def test_a_401_for_an_older_token_is_retried_with_the_current_one_without_renewing(world):
    tokens = world.tokens()
    old = Tokens(tokens.session.spartan_token, tokens.session.clearance)
    world.fetch(tokens)
    world.clock.advance(14400)  # ours and the service's: the token is past its life
    world.fetch(tokens)  # renewed ahead of the request
    assert tokens.renewals == 1

    async def refused_late():
        return await tokens.renew(old, served=True)

    again = asyncio.run(refused_late())
    assert again.spartan == tokens.session.spartan_token != old.spartan
    assert tokens.renewals == 1 and world.sim.counts["oauth_token"] == 1


def test_a_renewed_token_refused_before_it_served_any_request_is_exit_4(world):
    # One use per token: the renewal's own clearance lookup spends it.
    world.admin("/_simulator/signin/faults", spartan_uses=1)
    tokens = world.tokens()
    with pytest.raises(AuthError) as caught:
        world.fetch(tokens, times=4)
    assert caught.value.exit_code == 4
    assert "before it served any request" in str(caught.value)
    assert "grunt-archive auth login" in str(caught.value)
    # The token from the file was renewed once; the renewed one was not renewed again.
    assert world.sim.counts["oauth_token"] == 1


def test_renewals_are_bounded_per_minute(world):
    """A service accepting each token for one request only: renewals wait for their minute."""
    world.admin("/_simulator/signin/faults", spartan_uses=2)  # the clearance lookup, one request
    moment = [0.0]

    async def sleep(seconds: float) -> None:
        moment[0] += seconds

    budget = RenewalBudget(3, monotonic=lambda: moment[0], sleep=sleep)
    tokens = world.tokens(budget)
    assert len(world.fetch(tokens, times=8, concurrency=1)) == 8
    # Eight requests, eight tokens (the file's, then seven renewals): three a minute at most.
    assert tokens.renewals == 7
    assert budget.waited == pytest.approx(120.0)
    assert all(b - a >= 60.0 for a, b in zip(budget.spent, list(budget.spent)[3:], strict=False))


def test_the_budget_counts_a_sliding_minute():
    moment = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        moment[0] += seconds

    budget = RenewalBudget(2, monotonic=lambda: moment[0], sleep=sleep)

    async def go():
        await budget.spend()
        moment[0] += 10
        await budget.spend()
        await budget.spend()  # the first is 10 s old: 50 s to go
        moment[0] += 100
        await budget.spend()

    asyncio.run(go())
    assert waits == [50.0]


# Clearance outages ----------------------------------------------------------------------------


def expire_clearance(world: World, tokens: StoredTokens) -> None:
    world.clock.advance(1)
    tokens.session.clearance_expires = world.clock() - timedelta(seconds=1)


@pytest.mark.parametrize("status", [500, 403])
def test_a_failing_clearance_lookup_keeps_the_last_one_and_says_so_once(world, status):
    tokens = world.tokens()
    kept = tokens.session.clearance
    assert kept
    world.admin("/_simulator/signin/faults", clearance_status=status)
    for _ in range(3):  # three failed lookups, five minutes apart
        expire_clearance(world, tokens)
        world.fetch(tokens, skill=True)
        assert tokens.session.clearance == kept
        assert tokens.session.clearance_expires == world.clock() + timedelta(minutes=5)
    attempts = FAST.attempts if status == 500 else 1  # a 500 is retried, a 403 is an answer
    assert world.sim.counts[f"clearance_{status}"] == 3 * attempts
    assert world.sim.counts.get("oauth_token", 0) == 0  # a refused clearance is no refused token
    assert len(world.warnings) == 1
    assert "keeping the last clearance that worked" in world.warnings[0]
    if status == 403:
        assert "not launched the current build of Halo Infinite" in world.warnings[0]
    # Once it answers again it is used, and a later outage is told again.
    world.admin("/_simulator/signin/faults", clearance_status=0)
    world.clock.advance(300)
    world.fetch(tokens)
    assert tokens.session.clearance_outage is None
    assert tokens.session.clearance_expires > world.clock() + timedelta(minutes=30)
    world.admin("/_simulator/signin/faults", clearance_status=status)
    expire_clearance(world, tokens)
    world.fetch(tokens)
    assert len(world.warnings) == 2


def test_a_renewal_during_a_clearance_outage_keeps_the_clearance(world):
    tokens = world.tokens()
    kept = tokens.session.clearance
    world.admin("/_simulator/signin/faults", clearance_status=503)
    world.clock.advance(14400)
    world.fetch(tokens, skill=True)
    assert tokens.renewals == 1 and tokens.session.clearance == kept
    assert load_session(world.path).clearance == kept
    assert len(world.warnings) == 1


def test_a_403_with_no_clearance_to_keep_names_the_usual_cause(tmp_path):
    world = World(tmp_path)
    world.admin("/_simulator/signin/faults", clearance_status=403)
    with pytest.raises(AuthError) as caught:
        world.login()
    assert str(caught.value) == CLEARANCE_REFUSED
    # Bring-your-own tokens fetch the clearance through the client: the same words.
    with pytest.raises(AuthError) as caught:
        world.fetch(_Static(Tokens("v4=own-token")), skill=True)
    assert str(caught.value) == CLEARANCE_REFUSED


class _Static:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    async def current(self) -> Tokens:
        return self.tokens

    async def renew(self, refused: Tokens, *, served: bool) -> None:
        return None


def test_a_clearance_outage_at_login_is_looked_up_again_later(tmp_path):
    world = World(tmp_path)
    world.admin("/_simulator/signin/faults", clearance_status=500)
    world.login()
    assert load_session(world.path).clearance is None
    world.admin("/_simulator/signin/faults", clearance_status=0)
    tokens = world.tokens()
    world.clock.advance(301)
    world.fetch(tokens, skill=True)
    assert tokens.session.clearance


# Clocks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-7200.0, 7200.0], ids=["service behind", "service ahead"])
def test_renewal_follows_the_granted_lifetime_whatever_the_clocks_say(tmp_path, offset):
    world = World(tmp_path, lifetime=600)
    world.admin("/_simulator/signin/clock", offset=offset)
    world.login()
    session = load_session(world.path)
    assert session.lifetime == timedelta(seconds=600)
    assert abs((session.spartan_expires - session.spartan_ends).total_seconds()) > 7000
    tokens = world.tokens()
    world.fetch(tokens, times=8)
    world.clock.advance(400)
    world.fetch(tokens, times=8)
    assert tokens.renewals == 0  # neither renewing on every request nor ...
    world.clock.advance(100)  # ... in the last quarter of its ten minutes
    world.fetch(tokens, times=8)
    assert tokens.renewals == 1
    world.clock.advance(100)
    world.fetch(tokens, times=8)
    assert tokens.renewals == 1
    counts = world.sim.counts
    assert counts.get("expired_token_401", 0) == 0  # ... nor after the service refused it
    assert counts["oauth_token"] == 1 and counts["clearance"] == 1  # the renewal's only


# The sign-in file's lock ----------------------------------------------------------------------


def test_the_lock_keeps_a_second_holder_out_until_the_first_lets_go(tmp_path):
    path = tmp_path / "auth.json"
    order: list[str] = []

    async def hold(name: str, pause: float) -> None:
        async with locked(path):
            order.append(f"{name} in")
            await asyncio.sleep(pause)  # room for the other to get in, were the lock broken
            order.append(f"{name} out")

    async def go():
        first = asyncio.create_task(hold("a", 0.3))
        await asyncio.sleep(0)
        await asyncio.gather(first, hold("b", 0))

    asyncio.run(go())
    assert order == ["a in", "a out", "b in", "b out"]
    lock_file = tmp_path / ".auth.json.lock"
    assert lock_file.stat().st_mode & 0o777 == 0o600


def test_a_renewal_takes_the_token_another_process_saved_meanwhile(world):
    ours, theirs = world.tokens(), world.tokens()
    world.clock.advance(14400)
    world.fetch(theirs)
    assert theirs.renewals == 1
    world.fetch(ours)  # due too, but the file already holds a fresh token
    assert ours.renewals == 0 and ours.adopted == 1
    assert ours.session.refresh_token == theirs.session.refresh_token
    assert world.sim.counts["oauth_token"] == 1


def test_a_renewal_with_no_room_to_save_keeps_the_stored_sign_in_usable(world, monkeypatch):
    """A full disk: the refresh token is not spent, so the next run renews from the file.

    Microsoft takes a refresh token once. Renewing first and failing to save after
    lost the only usable one, and every later run was told to sign in again.
    """
    world.admin("/_simulator/signin/faults", single_use_refresh=1)
    stored = load_session(world.path).refresh_token
    world.clock.advance(14400)  # the token is past its life: the request renews first

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(token_file.os, "posix_fallocate", full)
    with pytest.raises(AuthError) as caught:
        world.fetch(world.tokens())
    assert str(caught.value) == f"cannot save the sign-in to {world.path}: No space left on device"
    assert world.sim.counts["oauth_token"] == 0  # nothing spent
    assert load_session(world.path).refresh_token == stored
    assert sorted(p.name for p in world.path.parent.iterdir()) == [".auth.json.lock", "auth.json"]
    monkeypatch.undo()  # room again: the next run renews from the file
    tokens = world.tokens()
    world.fetch(tokens)
    assert tokens.renewals == 1
    assert load_session(world.path).refresh_token == world.state.issued()["refresh"][-1] != stored
