"""The guard of lookups: failures noted, never raised; a service that keeps failing left alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from grunt_archive.errors import ApiError, NotFoundError, ServiceUnavailableError
from grunt_archive.guard import FAILURES_IN_A_ROW, Guard

Failure = tuple[str, str, str, bool]


def run_lookups(lookups: list[tuple[str, Callable[[], Awaitable[None]]]]) -> list[Failure]:
    """Run ``(key, fetch)`` lookups of one service one after another; return the failures noted."""
    noted: list[Failure] = []
    guard = Guard(lambda *failure: noted.append(failure), slots=2)

    async def go() -> None:
        for key, fetch in lookups:
            await guard.run("film_manifest", key, "films", fetch)

    asyncio.run(go())
    return noted


def raising(error: Exception, calls: list[str], name: str) -> Callable[[], Awaitable[None]]:
    async def fetch() -> None:
        calls.append(name)
        raise error

    return fetch


def answering(calls: list[str], name: str) -> Callable[[], Awaitable[None]]:
    async def fetch() -> None:
        calls.append(name)

    return fetch


def test_a_service_failing_lookups_in_a_row_is_asked_nothing_more():
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    keys = [str(i) for i in range(FAILURES_IN_A_ROW + 2)]
    noted = run_lookups([(key, raising(down, calls, key)) for key in keys])
    assert calls == keys[:FAILURES_IN_A_ROW]
    assert noted[:FAILURES_IN_A_ROW] == [
        ("film_manifest", key, "HTTP 503", True) for key in keys[:FAILURES_IN_A_ROW]
    ]
    assert noted[FAILURES_IN_A_ROW:] == [
        ("film_manifest", key, "not tried: HTTP 503", False) for key in keys[FAILURES_IN_A_ROW:]
    ]


def test_one_document_the_service_keeps_failing_on_leaves_the_others_asked():
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    # Each failure is followed by an answer: a film, a 404 or a malformed body.
    answers = [
        lambda key: answering(calls, key),
        lambda key: raising(NotFoundError("gone"), calls, key),
        lambda key: raising(ApiError("not JSON"), calls, key),
    ]
    lookups = []
    for i in range(3 * FAILURES_IN_A_ROW):
        lookups.append((f"bad{i}", raising(down, calls, f"bad{i}")))
        lookups.append((f"ok{i}", answers[i % 3](f"ok{i}")))
    noted = run_lookups(lookups)
    assert calls == [key for key, _ in lookups]
    assert [key for _, key, _, tried in noted if not tried] == []


def run_at_once(lookups: list[tuple[str, Callable[[], Awaitable[None]]]]) -> list[Failure]:
    """Run ``(key, fetch)`` lookups of one service all at once, four in flight."""
    noted: list[Failure] = []
    guard = Guard(lambda *failure: noted.append(failure), slots=4)

    async def go() -> None:
        await asyncio.gather(
            *(guard.run("film_manifest", key, "films", fetch) for key, fetch in lookups)
        )

    asyncio.run(go())
    return noted


def yielding(fetch: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """Let the other lookups in flight start before ``fetch`` ends."""

    async def wrapped() -> None:
        await asyncio.sleep(0)
        await fetch()

    return wrapped


def test_a_service_that_is_down_is_asked_no_more_than_the_lookups_already_in_flight():
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    keys = [str(i) for i in range(10)]
    noted = run_at_once([(key, yielding(raising(down, calls, key))) for key in keys])
    assert calls == keys[:4]
    assert sorted(key for _, key, reason, tried in noted if not tried) == sorted(keys[4:])


def test_a_bad_document_among_lookups_in_flight_leaves_the_others_asked():
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    lookups = [("bad", yielding(raising(down, calls, "bad")))]
    lookups += [(str(i), yielding(answering(calls, str(i)))) for i in range(9)]
    noted = run_at_once(lookups)
    assert sorted(calls) == sorted(key for key, _ in lookups)
    assert noted == [("film_manifest", "bad", "HTTP 503", True)]


def test_retries_of_lookups_that_failed_before_do_not_take_the_service_for_down():
    calls: list[str] = []
    noted: list[Failure] = []
    guard = Guard(lambda *failure: noted.append(failure), slots=2)
    down = ServiceUnavailableError("HTTP 503")

    async def go() -> None:
        for key in ("old1", "old2", "old3"):
            await guard.run("film_manifest", key, "films", raising(down, calls, key), retry=True)
        await guard.run("film_manifest", "new", "films", answering(calls, "new"))

    asyncio.run(go())
    assert calls == ["old1", "old2", "old3", "new"]
    assert guard.broken == {}
    assert [key for _, key, _, tried in noted if tried] == ["old1", "old2", "old3"]


def test_lookups_retried_while_the_service_answered_others_say_nothing_of_the_service():
    # Two bad documents whose retries outlast every other lookup: they fail last, one
    # right after the other, but the service answered the rest while they were retried.
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    answered = asyncio.Event()

    def slow_bad(name: str) -> Callable[[], Awaitable[None]]:
        async def fetch() -> None:
            calls.append(name)
            await answered.wait()
            raise down

        return fetch

    def answering_all(name: str) -> Callable[[], Awaitable[None]]:
        async def fetch() -> None:
            calls.append(name)
            answered.set()

        return fetch

    lookups = [("bad1", slow_bad("bad1")), ("bad2", slow_bad("bad2"))]
    lookups += [(f"ok{i}", answering_all(f"ok{i}")) for i in range(2)]
    noted: list[Failure] = []
    guard = Guard(lambda *failure: noted.append(failure), slots=4)

    async def go() -> None:
        await asyncio.gather(
            *(guard.run("film_manifest", key, "films", fetch) for key, fetch in lookups)
        )
        await guard.run("film_manifest", "after", "films", answering(calls, "after"))

    asyncio.run(go())
    assert guard.broken == {}
    assert calls[-1] == "after"
    assert sorted(key for _, key, _, tried in noted if tried) == ["bad1", "bad2"]


def test_a_service_that_goes_down_costs_the_lookups_in_flight_and_one_round_more():
    calls: list[str] = []
    down = ServiceUnavailableError("HTTP 503")
    # The answer comes while the first three bad lookups are in flight: theirs say nothing.
    bad = [(f"bad{i}", yielding(raising(down, calls, f"bad{i}"))) for i in range(12)]
    noted = run_at_once([*bad[:3], ("ok", answering(calls, "ok")), *bad[3:]])
    tried = [key for _, key, _, was_tried in noted if was_tried]
    assert calls[:4] == ["ok", "bad0", "bad1", "bad2"]  # each bad one asks after a yield
    assert tried[:3] == ["bad0", "bad1", "bad2"]
    assert 3 + FAILURES_IN_A_ROW <= len(tried) <= 3 + 4  # one round more: the 4 slots at most
    assert len(calls) == 1 + len(tried)
    assert [key for _, key, _, was_tried in noted if not was_tried]  # the rest not asked
