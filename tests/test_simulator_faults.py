"""The simulator's injected faults: rates, determinism, late stats, expiry, drift."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
import zlib
from collections import Counter

import pytest

from grunt_archive.errors import UsageError
from grunt_archive.simulator import Simulator, SimulatorConfig
from grunt_archive.simulator.hostile import BODY_KINDS, DRIP_SECONDS
from tests.simulator_fixtures import SimClient, history_ids


def statuses(sim: Simulator, n: int = 400) -> list[int]:
    player = sim.player_ids[0]
    calls = [("GET", f"/hi/players/{player}/matches/count", None)] * n
    return [r.status_code for r in SimClient(sim).run(calls)]


def test_429_and_5xx_at_their_rates_with_retry_after():
    sim = Simulator(SimulatorConfig(seed=3, matches=10, fail_429=0.25, fail_5xx=0.15))
    player = sim.player_ids[0]
    responses = SimClient(sim).run([("GET", f"/hi/players/{player}/matches", None)] * 400)
    codes = Counter(r.status_code for r in responses)
    assert 70 <= codes[429] <= 130
    assert 35 <= sum(codes[c] for c in (500, 502, 503, 504)) <= 85
    assert {500, 502, 503, 504} <= set(codes)
    assert codes[200] + codes[429] + sum(codes[c] for c in (500, 502, 503, 504)) == 400
    for response in responses:
        expected = "1" if response.status_code in (429, 503) else None
        assert response.headers.get("retry-after") == expected
        assert response.headers["content-type"] == "application/json"
    assert sim.counts["fault_429"] == codes[429] and sim.counts["history"] == 400
    assert sim.counts["faults"] == 400 - codes[200]


def test_429s_can_be_limited_to_some_hosts():
    config = SimulatorConfig(seed=3, matches=10, fail_429=1.0, fail_429_hosts=("skill",))
    sim = Simulator(config)
    player, match = sim.player_ids[0], sim.history(sim.player_ids[0])[0]
    calls = [
        ("GET", f"/hi/players/{player}/matches", None),
        ("GET", f"/hi/matches/{match}/stats", None),
        ("GET", f"/hi/matches/{match}/skill", {"players": player}),
    ] * 10
    codes = [r.status_code for r in SimClient(sim).run(calls)]
    assert codes == [200, 200, 429] * 10
    assert sim.counts["fault_429"] == 10 and sim.counts["skill"] == 10


def test_faults_are_deterministic_per_seed():
    config = {"matches": 10, "fail_429": 0.2, "fail_5xx": 0.2}
    one = statuses(Simulator(SimulatorConfig(seed=8, **config)))
    assert one == statuses(Simulator(SimulatorConfig(seed=8, **config)))
    assert one != statuses(Simulator(SimulatorConfig(seed=9, **config)))


def test_retry_after_can_be_fractional_or_absent():
    for retry_after, header in ((0.25, "0.25"), (None, None)):
        sim = Simulator(SimulatorConfig(matches=5, fail_429=1.0, retry_after=retry_after))
        response = SimClient(sim).get(f"/hi/players/{sim.player_ids[0]}/matches")
        assert response.status_code == 429 and response.headers.get("retry-after") == header


def test_admin_routes_and_users_me_are_never_faulted():
    sim = Simulator(SimulatorConfig(matches=5, fail_5xx=1.0, latency_ms=0))
    client = SimClient(sim)
    assert [client.get("/users/me").status_code for _ in range(20)] == [200] * 20
    assert client.get("/_simulator/state").status_code == 200
    assert client.post("/_simulator/play", player=sim.player_ids[0]).status_code == 200
    assert client.get(f"/users/xuid({sim.player_ids[0][5:-1]})").status_code >= 500


def test_stats_404_k_times_per_match_then_200():
    sim = Simulator(SimulatorConfig(matches=5, stats_404=3))
    client = SimClient(sim)
    first, second = sim.history(sim.player_ids[0])[:2]
    codes = [r.status_code for r in client.run([("GET", f"/hi/matches/{first}/stats", None)] * 5)]
    assert codes == [404, 404, 404, 200, 200]
    assert client.get(f"/hi/matches/{second}/stats").status_code == 404
    assert sim.counts["fault_404"] == 4 and sim.counts["stats"] == 6


def test_token_expires_after_n_authorized_requests():
    sim = Simulator(SimulatorConfig(matches=5, token_requests=4))
    client = SimClient(sim)
    codes = [client.get("/users/me").status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 401, 401]
    fresh = {"x-343-authorization-spartan": "v4=another-token"}
    assert client.get(f"/hi/players/{sim.player_ids[0]}/matches", headers=fresh).status_code == 401
    assert client.get("/_simulator/state").status_code == 200
    assert sim.counts["fault_401"] == 3


def test_malformed_matches_answer_truncated_json():
    sim = Simulator(SimulatorConfig(seed=6, players=2, matches=40, malformed_matches=3))
    assert len(sim.malformed_match_ids) == 3
    assert (
        sim.malformed_match_ids
        == Simulator(
            SimulatorConfig(seed=6, players=2, matches=40, malformed_matches=3)
        ).malformed_match_ids
    )
    client = SimClient(sim)
    every = {m for p in sim.player_ids for m in sim.history(p)}
    assert sim.malformed_match_ids <= every
    for match_id in sorted(every):
        response = client.get(f"/hi/matches/{match_id}/stats")
        assert response.status_code == 200
        if match_id in sim.malformed_match_ids:
            with pytest.raises(json.JSONDecodeError):
                json.loads(response.content)
            assert sim.stats_document(match_id)["MatchId"] == match_id
        else:
            assert response.json()["MatchId"] == match_id
    assert sim.counts["fault_malformed"] == 3


def test_arrivals_shift_offsets_mid_walk():
    sim = Simulator(SimulatorConfig(seed=2, players=1, matches=60, arrivals=2))
    player = sim.player_ids[0]
    original = sim.history(player)
    walked = history_ids(SimClient(sim).walk(player))
    # Requests at start=25 and start=50; the second added a match on top first,
    # so the third page repeats the second page's last item.
    assert walked[:50] == original[:50]
    assert walked[50] == walked[49] and walked[51:] == original[50:]
    now = sim.history(player)
    assert len(now) == 61 and now[1:] == original and now[0] not in walked


def test_latency_delays_service_routes_only():
    sim = Simulator(SimulatorConfig(matches=5, latency_ms=60))
    client = SimClient(sim)
    started = time.perf_counter()
    client.run([("GET", "/users/me", None)] * 3)
    assert time.perf_counter() - started >= 0.18
    started = time.perf_counter()
    client.run([("GET", "/_simulator/state", None)] * 3)
    assert time.perf_counter() - started < 0.15


@pytest.mark.parametrize(
    "settings",
    [
        {"fail_429": 1.5},
        {"fail_429": 0.6, "fail_5xx": 0.6},
        {"players": 0},
        {"stats_404": -1},
        {"fail_429": 0.5, "fail_429_hosts": ("halostats", "economy")},
    ],
)
def test_impossible_settings_are_usage_errors(settings):
    with pytest.raises(UsageError):
        SimulatorConfig(**settings)


def asgi_get(sim: Simulator, path: str, stop_after: int | None = None) -> list[dict]:
    """Send one GET straight to the simulator's ASGI app; return the messages it sent.

    With ``stop_after``, the request is abandoned after that many messages.
    """
    messages: list[dict] = []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": [(b"x-343-authorization-spartan", b"t")]}  # fmt: skip

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        messages.append(message)
        if stop_after is not None and len(messages) >= stop_after:
            raise asyncio.CancelledError

    async def go() -> None:
        try:
            await sim.app(scope, receive, send)
        except asyncio.CancelledError:
            assert stop_after is not None

    asyncio.run(go())
    return messages


# Every kind that spoils a stats body as served (drip spoils its timing, swapped its match).
@pytest.mark.parametrize("kind", [k for k in BODY_KINDS if k not in ("drip", "swapped")])
def test_hostile_matches_answer_their_kind_of_spoilt_body(kind):
    config = SimulatorConfig(seed=6, players=1, matches=20, hostile=kind, hostile_matches=2)
    sim = Simulator(config)
    assert len(sim.hostile_match_ids) == 2
    assert sim.hostile_match_ids == Simulator(config).hostile_match_ids
    for match_id in sim.history(sim.player_ids[0]):
        start, *parts = asgi_get(sim, f"/hi/matches/{match_id}/stats")
        body = b"".join(part["body"] for part in parts)
        headers = dict(start["headers"])
        assert start["status"] == 200 and int(headers[b"content-length"]) == len(body)
        if match_id not in sim.hostile_match_ids:
            assert json.loads(body)["MatchId"] == match_id
        elif kind == "gzip":
            assert headers[b"content-encoding"] == b"gzip"
            with pytest.raises(zlib.error):
                gzip.decompress(body)
        elif kind == "charset":
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        elif kind == "nested":
            assert b"[" * 5000 in body
        elif kind == "bigint":
            assert json.loads(body)["Teams"][0]["Stats"]["CoreStats"]["Kills"] >= 2**64
        elif kind == "wide_int":
            assert b'"Kills":4611686018427387904' in body and json.loads(body)
        elif kind == "nonfinite":
            assert b'"KDA":NaN' in body and b'"Accuracy":Infinity' in body
        elif kind == "huge":
            assert len(body) > 32 * 1024 * 1024
        elif kind == "bad_time":
            assert json.loads(body)["MatchInfo"]["StartTime"].startswith("2024-02-30T")
        elif kind == "edge_time":
            joined = json.loads(body)["Players"][0]["ParticipationInfo"]["FirstJoinedTime"]
            assert joined == "0001-01-01T00:30:00+01:00"
        elif kind == "text_number":
            assert b'"PersonalScore":"lots"' in body
        elif kind == "nul":
            assert json.loads(body)["MatchInfo"]["ClearanceId"].startswith("\x00")
        else:
            pytest.fail(f"no check of the {kind} kind")
    assert sim.counts[f"fault_{kind}"] == 2


def test_a_dripped_body_comes_a_byte_at_a_time():
    sim = Simulator(
        SimulatorConfig(seed=6, players=1, matches=5, hostile="drip", hostile_matches=1)
    )
    (match_id,) = sim.hostile_match_ids
    started = time.monotonic()
    messages = asgi_get(sim, f"/hi/matches/{match_id}/stats", stop_after=5)
    assert messages[0]["type"] == "http.response.start"
    assert [len(m["body"]) for m in messages[1:]] == [1, 1, 1, 1]
    assert time.monotonic() - started >= 4 * DRIP_SECONDS


def test_a_private_player_is_refused_their_matches_and_a_gone_one_is_forgotten():
    names = Simulator(SimulatorConfig(seed=9, players=3, matches=2))
    private, gone, kept = names.player_ids
    sim = Simulator(
        SimulatorConfig(
            seed=9,
            players=3,
            matches=2,
            private_players=(names.gamertag(private),),
            gone_players=(gone,),
        )
    )
    client = SimClient(sim)
    for path, status in (
        (f"/hi/players/{private}/matches", 403),
        (f"/hi/players/{private}/matches/count", 403),
        (f"/hi/players/{private}/matchmade/servicerecord", 200),  # the record stays public
        (f"/hi/players/{gone}/matches", 404),
        (f"/hi/players/{gone}/matches/count", 404),
        (f"/hi/players/{gone}/matchmade/servicerecord", 404),
        (f"/users/{gone}", 404),
        (f"/users/gt({sim.gamertag(gone)})", 404),
        (f"/hi/players/{kept}/matches", 200),
    ):
        assert client.get(path).status_code == status, path
    assert client.get("/users", xuids=f"{gone[5:-1]},{kept[5:-1]}").json() == [
        client.get(f"/users/{kept}").json()
    ]
    # Their matches with others stay: the stats of every match still answer.
    assert client.get(f"/hi/matches/{sim.history(gone)[0]}/stats").status_code == 200
    with pytest.raises(UsageError, match="no tracked player"):
        Simulator(SimulatorConfig(private_players=("Nobody Here",)))


def test_a_renamed_player_answers_to_the_new_gamertag_only():
    sim = Simulator(SimulatorConfig(seed=9, players=2, matches=2))
    client = SimClient(sim)
    player, other = sim.player_ids
    old = sim.gamertag(player)
    answer = client.post("/_simulator/rename", player=old, gamertag="Renamed Spartan")
    assert answer.json() == {"player_id": player, "gamertag": "Renamed Spartan"}
    assert client.get(f"/users/gt({old})").status_code == 404
    assert client.get("/users/gt(renamed spartan)").json()["gamertag"] == "Renamed Spartan"
    assert client.get(f"/users/{player}").json()["gamertag"] == "Renamed Spartan"
    assert client.get(f"/hi/players/{old}/matches").status_code == 404
    taken = client.post("/_simulator/rename", player=player, gamertag=sim.gamertag(other))
    assert taken.status_code == 404
