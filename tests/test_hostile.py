"""A hostile or broken service, one answer at a time: every bad body is a named one-line error.

The client is driven against `httpx.MockTransport`; what the sync does with
these errors (the match goes pending, the run goes on) is in
`test_hostile_sync.py`.
"""

from __future__ import annotations

import asyncio
import gzip
import inspect
import json
import math
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from grunt_archive.api import (
    DiscoveryService,
    GameCmsService,
    HaloClient,
    ProfileService,
    RetryPolicy,
    SkillService,
    StatsService,
    Tokens,
)
from grunt_archive.api.responses import MAX_BODY, MAX_DEPTH, loads
from grunt_archive.errors import MalformedResponseError, ServiceUnavailableError

FAST = RetryPolicy(
    attempts=2, base_wait=0.001, max_wait=0.005, not_found_attempts=1, not_found_wait=0.001
)
MATCH = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"


class Dripping(httpx.AsyncByteStream):
    """A body sent one byte at a time, `pause` seconds apart."""

    def __init__(self, body: bytes, pause: float) -> None:
        self.body, self.pause = body, pause

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(len(self.body)):
            await asyncio.sleep(self.pause)
            yield self.body[index : index + 1]


class Counting(httpx.AsyncByteStream):
    """An endless body of spaces that counts how many bytes were taken from it."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b" " * 65536
        while True:
            self.sent += len(chunk)
            yield chunk


def fetch(response, **client_options):
    """Return what `StatsService.match_stats` makes of an answer, and the requests seen.

    ``response`` is the answer, or a function making a fresh one for each attempt.
    """
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response() if callable(response) else response

    async def go():
        options = {"rps": None, "retry": FAST, **client_options}
        async with HaloClient(
            Tokens("v4=secret"), transport=httpx.MockTransport(handler), **options
        ) as client:
            return await StatsService(client).match_stats(MATCH)

    return asyncio.run(go()), seen


def refused(response: httpx.Response, **client_options) -> str:
    """Return the one-line message of the `MalformedResponseError` the answer raises."""
    with pytest.raises(MalformedResponseError) as caught:
        fetch(response, **client_options)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    assert "secret" not in message
    return message


def body(content: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(content))


@pytest.mark.parametrize(
    "content",
    [
        # mtime=0: the same bytes in every collection (xdist's workers compare the ids).
        gzip.compress(b"{}", mtime=0)[:10] + b"\xff\xff\xff\xff",  # an invalid deflate block
        gzip.compress(b'{"MatchId": "x"}', mtime=0)[:-8] + b"\0" * 8,  # a wrong CRC
    ],
    ids=["invalid deflate block", "wrong crc"],
)
def test_a_corrupt_gzip_body_is_malformed(content):
    assert "corrupt gzip" in refused(body(content, **{"content-encoding": "gzip"}))


def test_a_corrupt_bodys_encoding_is_named_without_the_services_control_characters():
    # The message reaches the terminal (the pending reason in sync's summary): an escape
    # sequence the service put in Content-Encoding must not.
    content = gzip.compress(b"{}", mtime=0)[:10] + b"\xff\xff\xff\xff"
    message = refused(body(content, **{"content-encoding": "gzip,\x1b]0;owned\x07"}))
    assert "corrupt gzip," in message and message.isprintable(), message


def test_a_sound_gzip_body_is_read():
    document, _ = fetch(body(gzip.compress(b'{"MatchId": "x"}'), **{"content-encoding": "gzip"}))
    assert document.data == {"MatchId": "x"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"Gamertag": "\xff\xfe\xfa"}', "application/json"),
        (b'{"Gamertag": "x"}', "application/json; charset=no-such-charset"),
        (b'{"Gamertag": "\xe9"}', "application/json; charset=utf-8"),
        # Codecs Python knows, of bytes to bytes or str to str: no text encodings.
        (b'{"Gamertag": "x"}', "application/json; charset=rot13"),
        (b'{"Gamertag": "x"}', "application/json; charset=base64"),
        (b'{"Gamertag": "x"}', "application/json; charset=zlib"),
        (b'{"Gamertag": "x"}', "application/json; charset=hex"),
    ],
)
def test_an_undecodable_body_is_malformed(content, content_type):
    assert "charset" in refused(body(content, **{"content-type": content_type}))


@pytest.mark.parametrize("value", ["café".encode(), "café".encode("latin-1"), b"\xff\xfe"])
def test_a_header_value_past_ascii_is_carried_as_sent(value):
    answer = httpx.Response(
        200, headers=[(b"X-Note", value), (b"Content-Type", b"application/json")], content=b"{}"
    )
    document, _ = fetch(answer)
    assert document.data == {}


def test_a_retry_after_past_ascii_is_no_pause_of_its_own():
    answers = iter(
        [
            httpx.Response(429, headers=[(b"Retry-After", "éé".encode())]),
            httpx.Response(200, content=b'{"MatchId": "x"}'),
        ]
    )
    document, seen = fetch(lambda: next(answers))
    assert document.data == {"MatchId": "x"} and len(seen) == 2


def test_a_declared_charset_is_honoured():
    answer = body(
        '{"Gamertag": "Zoë"}'.encode("latin-1"),
        **{"content-type": "application/json; charset=latin-1"},
    )
    document, _ = fetch(answer)
    assert document.data == {"Gamertag": "Zoë"}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_malformed(depth):
    assert "nested" in refused(body(b"[" * depth + b"]" * depth))


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**400])
def test_an_integer_beyond_64_bits_anywhere_is_malformed(number):
    text = json.dumps({"MatchInfo": {"Medals": [{"NameId": number}]}})
    assert "64 bits" in refused(body(text.encode()))


def test_64_bit_integers_are_kept():
    text = json.dumps({"a": 2**63 - 1, "b": -(2**63)})
    assert fetch(body(text.encode()))[0].data == {"a": 2**63 - 1, "b": -(2**63)}


def test_non_finite_numbers_become_null():
    document, _ = fetch(body(b'{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1e999, "e": 1.5}'))
    assert document.data == {"a": None, "b": None, "c": None, "d": None, "e": 1.5}
    assert loads("[NaN, 2.5]") == [None, 2.5]


def test_nul_in_any_string_becomes_the_replacement_character():
    text = r'{"ClearanceId": "\u0000abc", "k\u0000": ["x\u0000y", {"n": 1}], "plain": "\\u0000"}'
    assert loads(text) == {
        "ClearanceId": "\ufffdabc",
        "k\ufffd": ["x\ufffdy", {"n": 1}],
        "plain": "\\u0000",  # an escaped backslash, then text: no NUL
    }


def test_a_body_past_the_cap_is_refused_without_reading_it_all():
    stream = Counting()
    message = refused(httpx.Response(200, stream=stream), max_body=1_000_000)
    assert "larger than" in message
    assert stream.sent < 1_200_000
    assert MAX_BODY == 32 * 1024 * 1024


def test_a_declared_length_past_the_cap_is_refused_before_reading():
    stream = Counting()
    refused(
        httpx.Response(200, headers={"content-length": "99999999"}, stream=stream), max_body=1000
    )
    assert stream.sent == 0


def test_a_gzip_bomb_is_stopped_at_the_cap():
    bomb = gzip.compress(b" " * 5_000_000)
    assert "larger than" in refused(body(bomb, **{"content-encoding": "gzip"}), max_body=1_000_000)


def test_the_timeout_bounds_a_body_dripped_a_byte_at_a_time():
    def answer() -> httpx.Response:
        return httpx.Response(200, stream=Dripping(b'{"MatchId": "x"}' + b" " * 200, 0.02))

    started = time.monotonic()
    with pytest.raises(ServiceUnavailableError) as caught:
        fetch(answer, timeout=0.3)
    # Two attempts of 0.3 s each, not 200 x 0.02 s per attempt.
    assert time.monotonic() - started < 2.0
    assert "Timeout" in str(caught.value)


def test_an_over_long_id_never_leaves_the_client():
    async def go():
        seen = []
        transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={}))
        async with HaloClient(Tokens("v4=s"), rps=None, retry=FAST, transport=transport) as c:
            with pytest.raises(MalformedResponseError) as caught:
                await StatsService(c).match_stats("a" * 5000)
        return seen, str(caught.value)

    seen, message = asyncio.run(go())
    assert seen == [] and len(message) < 300 and "too long" in message


# --- ids are data, not paths ----------------------------------------------------------------

HOSTILE = ["../../x?y=", "..", ".", "", "a/b", "a#b", "a%2Fb", "a b?c", "x\r\nHost: evil"]


def services(client: HaloClient) -> dict[str, object]:
    return {
        "stats": StatsService(client),
        "skill": SkillService(client),
        "discovery": DiscoveryService(client),
        "profile": ProfileService(client),
        "gamecms": GameCmsService(client),
    }


# Every method of every host module that puts an id from a document into a URL, and how to call
# it with one hostile value in each id position.
CALLS = {
    "stats.match_history": lambda s, bad: s["stats"].match_history(bad),
    "stats.match_stats": lambda s, bad: s["stats"].match_stats(bad),
    "stats.match_count": lambda s, bad: s["stats"].match_count(bad),
    "stats.service_record": lambda s, bad: s["stats"].service_record(bad),
    "stats.service_record(filter)": lambda s, bad: s["stats"].service_record(
        "xuid(2533274800000001)", filters={"seasonid": bad}
    ),
    "skill.match_skill(match)": lambda s, bad: s["skill"].match_skill(bad, ["xuid(1)"]),
    "skill.match_skill(player)": lambda s, bad: s["skill"].match_skill(MATCH, ["xuid(1)", bad]),
    "skill.playlist_csr(playlist)": lambda s, bad: s["skill"].playlist_csr(bad, ["xuid(1)"]),
    "skill.playlist_csr(player)": lambda s, bad: s["skill"].playlist_csr(MATCH, ["xuid(1)", bad]),
    "skill.playlist_csr(season)": lambda s, bad: s["skill"].playlist_csr(MATCH, ["x"], bad),
    "discovery.asset(asset)": lambda s, bad: s["discovery"].asset("map", bad, MATCH),
    "discovery.asset(version)": lambda s, bad: s["discovery"].asset("map", MATCH, bad),
    "discovery.latest": lambda s, bad: s["discovery"].latest("playlist", bad),
    "profile.user_by_gamertag": lambda s, bad: s["profile"].user_by_gamertag(bad),
    "profile.users": lambda s, bad: s["profile"].users(["2533274800000001", bad]),
}


def test_every_method_taking_an_id_is_in_the_hostile_table():
    """A new endpoint with an id parameter must be added to `CALLS`."""
    covered = {name.split("(")[0] for name in CALLS}
    for prefix, service in services(HaloClient(Tokens("v4=s"))).items():
        for name, method in inspect.getmembers(service, inspect.iscoroutinefunction):
            if name.startswith("_"):
                continue
            parameters = set(inspect.signature(method).parameters)
            takes_ids = parameters - {"self", "kind", "start", "count", "match_type", "lifecycle"}
            if takes_ids and name not in ("map", "game_variant", "playlist", "map_mode_pair"):
                assert f"{prefix}.{name}" in covered, f"{prefix}.{name} takes ids: add it to CALLS"


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_hostile_id_never_reaches_another_path(call, bad):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def go():
        transport = httpx.MockTransport(handler)
        async with HaloClient(Tokens("v4=s", "c"), rps=None, retry=FAST, transport=transport) as c:
            try:
                await CALLS[call](services(c), bad)
            except MalformedResponseError as error:
                assert "\n" not in str(error)

    asyncio.run(go())
    for request in seen:  # sent only when escaped so that it stays one segment or one value
        path = request.url.raw_path.decode("ascii").split("?")[0]
        segments = path.split("/")
        assert ".." not in segments and "." not in segments and "" not in segments[1:], path
        assert "#" not in str(request.url) and "\r" not in str(request.url)
        query = request.url.params
        assert set(query) <= {"players", "season", "seasonid", "start", "count", "type", "xuids"}
        for key in ("players", "xuids"):
            if key in query:
                assert len(query[key].split(",")) == (
                    2 if "(player)" in call or key == "xuids" else 1
                )


def test_sound_ids_still_reach_their_paths():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    async def go():
        transport = httpx.MockTransport(handler)
        async with HaloClient(Tokens("v4=s", "c"), rps=None, retry=FAST, transport=transport) as c:
            s = services(c)
            await s["stats"].match_history("xuid(2533274800000001)")
            await s["stats"].match_history("Some Gamer#1234")
            await s["discovery"].asset("map", MATCH, MATCH)
            await s["profile"].user_by_gamertag("Zoë")
            await s["skill"].playlist_csr(MATCH, ["xuid(2533274800000001)"], "CsrSeason9-1")

    asyncio.run(go())
    assert seen[0].endswith("/hi/players/xuid(2533274800000001)/matches?start=0&count=25&type=all")
    assert "/hi/players/Some%20Gamer%231234/matches" in seen[1]
    assert seen[2].endswith(f"/hi/maps/{MATCH}/versions/{MATCH}")
    assert seen[3].endswith("/users/gt(Zo%C3%AB)")
    assert "season=CsrSeason9-1" in seen[4]


def test_loads_is_strict_json_otherwise():
    assert loads('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in loads("[1e999]") if v)
    with pytest.raises(MalformedResponseError):
        loads("{")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda: body(b'{"Token": 1e5, "n": 123456789012345678901234567890}'), "64 bits"),
        (lambda: body(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff", **{"content-encoding": "gzip"}), "corrupt gzip"),
        (lambda: httpx.Response(200, stream=Counting()), "larger than"),
    ],
)  # fmt: skip
def test_the_sign_in_hosts_read_answers_the_same_way(answer, reason, monkeypatch):
    from grunt_archive.api import responses
    from grunt_archive.api.signin import SignInHttp

    monkeypatch.setattr(responses, "MAX_BODY", 1_000_000)

    async def go():
        transport = httpx.MockTransport(lambda request: answer())
        async with SignInHttp(transport=transport, retry=FAST, timeout=5) as http:
            await http.call(
                "The Xbox user token", "GET", "https://user.auth.xboxlive.com", "/x", hint=""
            )

    with pytest.raises(MalformedResponseError) as caught:
        asyncio.run(go())
    assert reason in str(caught.value) and str(caught.value).startswith("The Xbox user token")
