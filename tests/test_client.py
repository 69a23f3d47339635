"""The HTTP client against httpx.MockTransport: retries, Retry-After, errors, limits."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from grunt_archive.api import HaloClient, RateLimiter, RetryPolicy, StatsService, Tokens, responses
from grunt_archive.api.client import parse_retry_after
from grunt_archive.errors import (
    AuthError,
    MalformedResponseError,
    NotFoundError,
    ServiceUnavailableError,
)

FAST = RetryPolicy(
    attempts=4, base_wait=0.001, max_wait=0.005, not_found_attempts=3, not_found_wait=0.001
)
MATCH = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"


def run(handler, call, policy: RetryPolicy = FAST, **kwargs):
    async def go():
        client = HaloClient(
            Tokens("v4=secret-token"),
            rps=None,
            retry=policy,
            transport=httpx.MockTransport(handler),
            **kwargs,
        )
        async with client:
            return await call(StatsService(client)), client

    return asyncio.run(go())


def scripted(*responses):
    """A handler answering with each response in turn, recording requests and times."""
    seen: list[tuple[float, httpx.Request]] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((time.monotonic(), request))
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


def ok(body: str = '{"MatchId": "x"}') -> httpx.Response:
    return httpx.Response(200, text=body, headers={"Content-Type": "application/json"})


def test_real_hosts_paths_and_headers(monkeypatch):
    monkeypatch.delenv("GRUNT_ARCHIVE_API_BASE", raising=False)
    handler, seen = scripted(ok('{"Results": []}'))
    document, client = run(handler, lambda s: s.match_history("xuid(2533274800000001)", 50))
    request = seen[0][1]
    assert str(request.url) == (
        "https://halostats.svc.halowaypoint.com/hi/players/xuid(2533274800000001)/matches"
        "?start=50&count=25&type=all"
    )
    assert request.headers["x-343-authorization-spartan"] == "v4=secret-token"
    assert request.headers["accept"] == "application/json"
    assert document.data == {"Results": []}
    assert client.request_count == 1


def test_api_base_redirects_every_service():
    handler, seen = scripted(ok())
    run(handler, lambda s: s.match_stats(MATCH), api_base="http://127.0.0.1:9/")
    assert str(seen[0][1].url) == f"http://127.0.0.1:9/hi/matches/{MATCH}/stats"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    handler, seen = scripted(httpx.Response(status), httpx.Response(status), ok())
    document, _ = run(handler, lambda s: s.match_stats(MATCH))
    assert document.data == {"MatchId": "x"}
    assert len(seen) == 3


def test_retry_after_seconds_is_honoured():
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "0.2"}), ok())
    run(handler, lambda s: s.match_stats(MATCH))
    assert seen[1][0] - seen[0][0] >= 0.2


def test_retry_after_http_date_is_parsed():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now) == 30.0
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize("header", ["inf", "-inf", "nan", "1e308", "1_000", "-5", "+3", "0x10"])
def test_retry_after_that_is_no_delay_is_ignored(header):
    # float() reads all of these; none is RFC 9110's delay-seconds (digits) or an HTTP date.
    assert parse_retry_after(header) is None


def test_retries_give_up_with_a_named_error():
    handler, seen = scripted(httpx.Response(503))
    with pytest.raises(ServiceUnavailableError, match="HTTP 503") as error:
        run(handler, lambda s: s.match_stats(MATCH))
    assert len(seen) == FAST.attempts
    assert "secret-token" not in str(error.value)


def test_connection_errors_are_retried():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return ok()

    document, _ = run(handler, lambda s: s.match_stats(MATCH))
    assert document.data == {"MatchId": "x"} and len(calls) == 3


def test_stats_404_is_retried_then_reported():
    handler, seen = scripted(httpx.Response(404))
    with pytest.raises(NotFoundError):
        run(handler, lambda s: s.match_stats(MATCH))
    assert len(seen) == FAST.not_found_attempts
    handler, seen = scripted(httpx.Response(404), ok())
    document, _ = run(handler, lambda s: s.match_stats(MATCH))
    assert document.data == {"MatchId": "x"}


def test_history_404_is_not_retried():
    handler, seen = scripted(httpx.Response(404))
    with pytest.raises(NotFoundError):
        run(handler, lambda s: s.match_history("xuid(2533274800000001)"))
    assert len(seen) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_is_an_auth_error_without_the_token(status):
    handler, _ = scripted(httpx.Response(status))
    with pytest.raises(AuthError) as error:
        run(handler, lambda s: s.match_stats(MATCH))
    assert "secret-token" not in str(error.value)
    assert "auth login" in str(error.value)


def test_body_that_is_not_json_is_malformed():
    handler, _ = scripted(ok('{"MatchId": "trunc'))
    with pytest.raises(MalformedResponseError, match="not JSON"):
        run(handler, lambda s: s.match_stats(MATCH))


def test_tokens_do_not_show_in_repr():
    assert "secret" not in repr(Tokens("v4=secret", "clear-secret"))


def test_rate_limiter_spaces_requests():
    async def go():
        limiter = RateLimiter(50)
        began = time.monotonic()
        for _ in range(11):
            await limiter.wait()
        return time.monotonic() - began

    assert asyncio.run(go()) >= 10 / 50


def test_concurrency_bound_is_respected():
    in_flight = 0
    peak = 0

    async def handler(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return ok()

    async def go():
        client = HaloClient(
            Tokens("t"), rps=None, concurrency=3, retry=FAST, transport=httpx.MockTransport(handler)
        )
        async with client:
            stats = StatsService(client)
            await asyncio.gather(*(stats.match_stats(MATCH) for _ in range(12)))

    asyncio.run(go())
    assert peak == 3


def test_a_401_mid_run_renews_the_token_once_and_carries_on():
    class Renewing:
        def __init__(self):
            self.renewals = 0

        async def current(self):
            return Tokens("v4=old")

        async def renew(self, refused, *, served):
            self.renewals += 1
            assert refused.spartan == "v4=old" and not served
            return Tokens("v4=new")

    def handler(request):
        token = request.headers["x-343-authorization-spartan"]
        return ok() if token == "v4=new" else httpx.Response(401)

    source = Renewing()

    async def go():
        client = HaloClient(source, rps=None, retry=FAST, transport=httpx.MockTransport(handler))
        async with client:
            return await StatsService(client).match_stats(MATCH)

    assert asyncio.run(go()).data == {"MatchId": "x"}
    assert source.renewals == 1


def test_a_401_waits_for_the_other_answers_to_its_token_before_saying_whether_it_served():
    """A 401 can come back before a 200 sent earlier with the same token."""
    calls: list[tuple[str, bool]] = []

    class Source:
        token = Tokens("v4=a")

        async def current(self):
            return self.token

        async def renew(self, refused, *, served):
            calls.append((refused.spartan, served))
            self.token = Tokens("v4=b")
            return self.token

    async def go():
        accepted_later = asyncio.Event()
        first = True

        async def handler(request):
            nonlocal first
            token = request.headers["x-343-authorization-spartan"]
            if token == "v4=a" and first:
                first = False
                await accepted_later.wait()  # answered 200 only after the 401 came back
                return ok()
            if token == "v4=a":
                accepted_later.set()
                return httpx.Response(401)
            return ok()

        client = HaloClient(Source(), rps=None, retry=FAST, transport=httpx.MockTransport(handler))
        async with client:
            stats = StatsService(client)
            return await asyncio.gather(stats.match_stats(MATCH), stats.match_stats(MATCH))

    assert [d.data for d in asyncio.run(go())] == [{"MatchId": "x"}] * 2
    assert calls == [("v4=a", True)]


def test_a_cookie_a_host_sets_is_neither_kept_nor_sent_back():
    # The hosts authenticate by header; a cookie would only cost the loop time to read.
    cookie = httpx.Response(
        200, text='{"MatchId": "x"}', headers={"Set-Cookie": "affinity=abc; Path=/"}
    )
    handler, seen = scripted(cookie, ok())

    async def twice(service):
        await service.match_stats(MATCH)
        return await service.match_stats(MATCH)

    _, client = run(handler, twice)
    assert len(seen) == 2
    assert "cookie" not in seen[1][1].headers
    assert list(client._http.cookies.jar) == []


def test_unparsed_stats_leave_the_json_to_responses_load_with_the_same_named_error():
    handler, _ = scripted(ok('{"MatchId": "x"'))
    document, _ = run(handler, lambda s: s.match_stats(MATCH, parse=False))
    assert document.data is None and document.body == '{"MatchId": "x"'
    with pytest.raises(MalformedResponseError, match=r"halostats sent .* for /hi/matches/"):
        responses.load(document.body, "halostats", document.path)
    handler, _ = scripted(ok('{"MatchId": "x"}'))
    document, _ = run(handler, lambda s: s.match_stats(MATCH, parse=False))
    assert responses.load(document.body, "halostats", document.path) == {"MatchId": "x"}
