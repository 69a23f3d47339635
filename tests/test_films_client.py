"""FilmService and the blob host: through httpx.MockTransport, and against the simulator."""

from __future__ import annotations

import asyncio
import json
import zlib

import httpx
import pytest

from grunt_archive.api import (
    BlobService,
    FilmService,
    HaloClient,
    RetryPolicy,
    Tokens,
    blobs,
    films,
)
from grunt_archive.errors import (
    AuthError,
    MalformedResponseError,
    NotFoundError,
    ServiceUnavailableError,
)
from grunt_archive.film.feed import reconcile
from grunt_archive.film.reader import read_events
from grunt_archive.simulator import Simulator, SimulatorConfig
from tests.film_samples import SAMPLES

FAST = RetryPolicy(attempts=3, base_wait=0.001, max_wait=0.002, not_found_attempts=3)
MATCH = "9e3b9529-4dd9-47b0-9669-1f589b9daaf0"
PREFIX = (
    "https://blobs-infiniteugc.svc.halowaypoint.com/ugcstorage/film/"
    "3a86cc7e-4a15-49a0-b17d-1b1cdf16c49f/86ab777c-895d-4237-9fa0-43c7932322ac/"
)
CHUNK = bytes(range(256)) * 3  # not text in any encoding: must come back byte for byte


def manifest(prefix: str = PREFIX, relative: str = "/filmChunk2") -> dict:
    return {
        "FilmStatusBond": 1,
        "BlobStoragePathPrefix": prefix,
        "AssetId": "3a86cc7e-4a15-49a0-b17d-1b1cdf16c49f",
        "CustomData": {
            "FilmMajorVersion": 41,
            "Chunks": [
                {"Index": 0, "FileRelativePath": "/filmChunk0", "ChunkType": 1},
                {"Index": 1, "FileRelativePath": "/filmChunk1", "ChunkType": 2},
                {"Index": 2, "FileRelativePath": relative, "ChunkType": 3},
            ],
        },
    }


TOKENS = Tokens("v4=secret", "clear-1")


def run(handler, call, tokens=TOKENS, **kwargs):
    """Run ``call(FilmService)`` against ``handler``; return its result and the requests."""
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def go():
        transport = httpx.MockTransport(recording)
        async with HaloClient(tokens, rps=None, retry=FAST, transport=transport, **kwargs) as c:
            return await call(FilmService(c))

    return asyncio.run(go()), seen


def test_the_manifest_is_asked_of_discovery_with_token_and_clearance(monkeypatch):
    monkeypatch.delenv("GRUNT_ARCHIVE_API_BASE", raising=False)
    body = json.dumps(manifest())
    document, seen = run(lambda r: httpx.Response(200, text=body), lambda s: s.manifest(MATCH))
    (request,) = seen
    assert str(request.url) == (
        f"https://discovery-infiniteugc.svc.halowaypoint.com/hi/films/matches/{MATCH}/spectate"
    )
    assert request.headers["x-343-authorization-spartan"] == "v4=secret"
    assert request.headers["343-clearance"] == "clear-1"
    assert document.data == manifest() and document.content is None


def test_a_match_id_is_percent_escaped():
    _, seen = run(lambda r: httpx.Response(200, text="{}"), lambda s: s.manifest("a/b c?d"))
    assert seen[0].url.raw_path == b"/hi/films/matches/a%2Fb%20c%3Fd/spectate"


def test_the_highlight_chunk_comes_back_as_received(monkeypatch):
    monkeypatch.delenv("GRUNT_ARCHIVE_API_BASE", raising=False)
    document, seen = run(
        lambda r: httpx.Response(200, content=CHUNK), lambda s: s.chunk(manifest())
    )
    (request,) = seen
    assert str(request.url) == PREFIX + "filmChunk2"  # the prefix's "/" and the path's, once
    assert request.headers["x-343-authorization-spartan"] == "v4=secret"
    assert request.headers["343-clearance"] == "clear-1"
    assert document.content == CHUNK and document.body == "" and document.data is None
    assert document.path == "/ugcstorage/film/3a86cc7e-4a15-49a0-b17d-1b1cdf16c49f/" + (
        "86ab777c-895d-4237-9fa0-43c7932322ac/filmChunk2"
    )


def test_a_zlib_chunk_is_kept_compressed():
    # The blob host serves the zlib stream as the blob's content, no Content-Encoding.
    compressed = zlib.compress(b"highlights")
    headers = {"Content-Type": "application/octet-stream"}
    document, _ = run(
        lambda r: httpx.Response(200, content=compressed, headers=headers),
        lambda s: s.chunk(manifest()),
    )
    assert document.content == compressed


def test_any_chunk_by_index_and_the_api_base():
    _, seen = run(
        lambda r: httpx.Response(200, content=b"x"),
        lambda s: s.chunk(manifest(), 1),
        api_base="http://127.0.0.1:9",
    )
    assert str(seen[0].url) == (
        "http://127.0.0.1:9/ugcstorage/film/3a86cc7e-4a15-49a0-b17d-1b1cdf16c49f/"
        "86ab777c-895d-4237-9fa0-43c7932322ac/filmChunk1"
    )


def test_a_gone_film_is_not_found_and_not_asked_again():
    with pytest.raises(NotFoundError) as caught:
        run(lambda r: httpx.Response(404), lambda s: s.chunk(manifest()))
    assert caught.value.status == 404
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(404)

    with pytest.raises(NotFoundError):
        run(handler, lambda s: s.manifest(MATCH))
    assert len(seen) == 1


def test_a_chunk_is_retried_through_transient_failures_and_refused_tokens_raise():
    answers = [httpx.Response(503), httpx.Response(200, content=CHUNK)]
    document, seen = run(lambda r: answers.pop(0), lambda s: s.chunk(manifest()))
    assert document.content == CHUNK and len(seen) == 2
    with pytest.raises(AuthError):
        run(lambda r: httpx.Response(401), lambda s: s.chunk(manifest()))


def test_a_refused_blob_is_that_blobs_failure_and_a_410_is_gone_at_once():
    with pytest.raises(ServiceUnavailableError, match="HTTP 403") as caught:
        run(lambda r: httpx.Response(403), lambda s: s.chunk(manifest()))
    assert caught.value.status == 403
    answers = [httpx.Response(410), httpx.Response(200, content=CHUNK)]
    with pytest.raises(NotFoundError) as gone:
        run(lambda r: answers.pop(0), lambda s: s.manifest(MATCH))
    assert gone.value.status == 410 and len(answers) == 1  # asked once: gone is for good


@pytest.mark.parametrize(
    "body", [[{}], None, "film", {"CustomData": [1]}, {"CustomData": {"MatchId": MATCH[::-1]}}]
)
def test_a_manifest_that_is_no_object_or_another_matchs_is_malformed(body):
    async def film(service: FilmService):
        return await service.chunk((await service.manifest(MATCH)).data)

    with pytest.raises(MalformedResponseError, match=f"film manifest of match {MATCH}|chunks"):
        run(lambda r: httpx.Response(200, content=json.dumps(body)), film)
    with pytest.raises(MalformedResponseError):
        films.chunks(body)
    films.check_manifest(MATCH, {"CustomData": {"MatchId": MATCH.upper()}})


@pytest.mark.parametrize(
    ("prefix", "relative"),
    [
        ("https://evil.example/ugcstorage/film/a/b/", "/filmChunk2"),
        ("http://blobs-infiniteugc.svc.halowaypoint.com/ugcstorage/film/a/b/", "/filmChunk2"),
        ("https://blobs-infiniteugc.svc.halowaypoint.com:8443/ugcstorage/film/a/", "/c"),
        ("https://blobs-infiniteugc.svc.halowaypoint.com:80/ugcstorage/film/a/", "/c"),
        ("https://blobs-infiniteugc.svc.halowaypoint.com:443:443/ugcstorage/film/a/", "/c"),
        ("https://user@blobs-infiniteugc.svc.halowaypoint.com:443/film/a/", "/c"),
        ("https://blobs-infiniteugc.svc.halowaypoint.com@evil.example/film/a/", "/c"),
        ("https://blobs-infiniteugc.svc.halowaypoint.com.evil.example/film/a/", "/c"),
        ("https://user:pw@blobs-infiniteugc.svc.halowaypoint.com/film/a/", "/c"),
        (PREFIX, "/filmChunk2?sig=1"),
        (PREFIX, "/filmChunk2#frag"),
        (PREFIX, "/../../other/filmChunk2"),
        (PREFIX, "/%2e%2e/filmChunk2"),
        ("//evil.example/ugcstorage/film/a/", "/c"),
        ("ugcstorage/film/a/", "/c"),
        (None, "/filmChunk2"),
        (PREFIX, ""),
    ],
)
def test_a_manifest_naming_another_place_sends_nothing(prefix, relative):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, content=b"x")

    with pytest.raises(MalformedResponseError):
        run(handler, lambda s: s.chunk(manifest(prefix, relative)))
    assert seen == []


def test_blob_path_escapes_each_segment():
    url = f"{blobs.HOST}/ugcstorage/film/a b/c%2Fd/filmChunk1"
    assert blobs.blob_path(url) == "/ugcstorage/film/a%20b/c%2Fd/filmChunk1"


@pytest.mark.parametrize("host", ["blobs-infiniteugc.svc.halowaypoint.com:443",
                                  "BLOBS-infiniteugc.svc.halowaypoint.com:443"])  # fmt: skip
def test_a_prefix_naming_the_https_port_is_the_same_host(host):
    # SPNKr writes its hosts with :443; a manifest doing so names the same blob.
    assert blobs.blob_path(f"https://{host}/ugcstorage/film/a/b/filmChunk3") == (
        "/ugcstorage/film/a/b/filmChunk3"
    )


def test_a_manifest_without_a_highlight_chunk_is_malformed():
    bad = manifest()
    bad["CustomData"]["Chunks"] = bad["CustomData"]["Chunks"][:2]
    with pytest.raises(MalformedResponseError, match="highlight"):
        films.highlight_index(bad)
    with pytest.raises(MalformedResponseError, match="chunk 7"):
        films.chunk_url(manifest(), 7)
    with pytest.raises(MalformedResponseError):
        films.chunks({"CustomData": {"Chunks": "no"}})


def test_the_real_manifest_sample_points_at_its_highlight_chunk():
    if SAMPLES is None or not (SAMPLES / "spnkr__get_film_by_match_id.json").exists():
        pytest.skip("no shared/halo-samples to read")
    data = json.loads((SAMPLES / "spnkr__get_film_by_match_id.json").read_text())
    index = films.highlight_index(data)
    assert index == 26
    assert blobs.blob_path(films.chunk_url(data, index)) == (
        "/ugcstorage/film/3a86cc7e-4a15-49a0-b17d-1b1cdf16c49f/"
        "86ab777c-895d-4237-9fa0-43c7932322ac/filmChunk26"
    )


def _against(sim: Simulator, call):
    async def go():
        transport = httpx.ASGITransport(app=sim.app)
        async with HaloClient(
            Tokens("v4=sim", "clear"), api_base="http://sim", rps=None, retry=FAST,
            transport=transport,
        ) as client:  # fmt: skip
            return await call(FilmService(client), client)

    return asyncio.run(go())


def test_against_the_simulator_a_film_reads_back_agreeing_with_the_match():
    sim = Simulator(SimulatorConfig(seed=11, players=1, matches=6))
    match_id = sim.history(sim.player_ids[0])[0]

    async def fetch(service, client):
        manifest_doc = await service.manifest(match_id)
        chunk = await service.chunk(manifest_doc.data)
        return manifest_doc, chunk, dict(client.requests)

    manifest_doc, chunk, requests = _against(sim, fetch)
    version = manifest_doc.data["CustomData"]["FilmMajorVersion"]
    events = read_events(chunk.content, version)
    assert events and reconcile(events, sim.stats_document(match_id)) == []
    assert requests == {"films": 1, "blobs": 1}
    assert sim.counts["film"] == 1 and sim.counts["film_chunk"] == 1


def test_against_the_simulator_an_expired_film_is_not_found():
    config = SimulatorConfig(seed=12, players=1, matches=30, film_max_age_days=1)
    sim = Simulator(config)
    oldest = sim.history(sim.player_ids[0])[-1]
    kept = Simulator(SimulatorConfig(seed=12, players=1, matches=30, film_max_age_days=1e6))
    before = kept.films.manifest(oldest)  # where its chunks were while it lived

    async def manifest_of(service, client):
        return await service.manifest(oldest)

    async def chunk_of(service, client):
        return await service.chunk(before)

    for call in (manifest_of, chunk_of):
        with pytest.raises(NotFoundError):
            _against(sim, call)


def test_the_blob_service_alone():
    sim = Simulator(SimulatorConfig(seed=13, players=1, matches=3))
    match_id = sim.history(sim.player_ids[0])[0]
    data = sim.films.manifest(match_id)
    url = films.chunk_url(data, 0)

    async def call(service, client):
        return await BlobService(client).blob(url)

    assert _against(sim, call).content == sim.films.film(match_id).chunks[0]
