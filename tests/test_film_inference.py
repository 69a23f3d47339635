"""A film version with no checked layout: read with the layout its chunk shows, or named.

Every real sample is read blind (no layout table at all) and must give the
layout checked by hand and exactly the events `read_events` gives with it; the
simulator's encoder writes layouts no release has seen, which must be found
back; a chunk whose fields moved beyond what inference follows is refused with
the version named, never misread.
"""

from __future__ import annotations

import random
import zlib

import pytest

from grunt_archive.errors import FilmReadError, MalformedFilmError, UnknownFilmVersionError
from grunt_archive.film.reader import LAYOUTS, FilmEvent, Layout, read_events, read_film
from grunt_archive.simulator.data.film import encode_highlight_chunk
from tests.film_samples import expected_rows, sample_file

ROWS = expected_rows()
A, B, C = 2533274800000001, 2535400000000002, 2712200000000003
EVENTS = [
    FilmEvent(A, "Alpha", "kill", 1_500),
    FilmEvent(B, "Bravo Two", "death", 1_502),
    FilmEvent(A, "Alpha", "medal", 1_502, 107),
    FilmEvent(C, "Charlie#1234", "mode", 30_000),
    FilmEvent(B, "Bravo Two", "kill", 61_000),
    FilmEvent(A, "Alpha", "death", 61_003),
]


def _events_of(events: list[FilmEvent]) -> list[tuple]:
    return [(e.xuid, e.gamertag, e.type, e.time_ms, e.medal_code) for e in events]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"v{row.version}")
def test_each_real_sample_read_blind_gives_its_checked_layout_and_its_events(row):
    chunk = sample_file(row.file_prefix).read_bytes()
    reading = read_film(chunk, row.version, layouts={})
    assert reading.inferred
    assert reading.layout == LAYOUTS[row.version]
    assert reading.events == read_events(chunk, row.version)


@pytest.mark.parametrize(
    "layout",
    [Layout(13_500, gamertag=12), Layout(9_000, gamertag=4), Layout(19_000), Layout(2_000, 15)],
    ids=["like-39", "short", "long", "last-gamertag-place"],
)
def test_a_layout_no_release_has_seen_is_found_in_the_chunk(layout):
    chunk = encode_highlight_chunk(EVENTS, 99, layouts={99: layout})
    with pytest.raises(UnknownFilmVersionError):
        read_events(chunk, 99)  # the strict reader still knows only its table
    reading = read_film(chunk, 99)
    assert (reading.inferred, reading.layout) == (True, layout)
    assert _events_of(reading.events) == _events_of(EVENTS)


def test_a_version_in_the_table_is_read_with_its_layout_not_inferred():
    chunk = encode_highlight_chunk(EVENTS, 41)
    reading = read_film(chunk, 41)
    assert (reading.inferred, reading.layout) == (False, LAYOUTS[41])
    # A chunk of another layout under a known version is malformed, never re-guessed.
    with pytest.raises(MalformedFilmError, match="film version 39"):
        read_film(chunk, 39)


def test_a_chunk_whose_fields_moved_is_refused_with_its_version_named():
    moved = Layout(14_000, gamertag=8, hint=40, time=41, medal_flag=48, medal_code=52)
    chunk = encode_highlight_chunk(EVENTS, 99, layouts={99: moved})
    with pytest.raises(UnknownFilmVersionError) as caught:
        read_film(chunk, 99)
    assert caught.value.version == 99
    assert "film version 99" in str(caught.value)
    assert "no layout in the chunk fits its 6 events" in str(caught.value)
    assert read_film(chunk, 99, layouts={**LAYOUTS, 99: moved}).events == read_events(
        chunk, 99, layouts={99: moved}
    )


def test_names_that_differ_for_one_player_are_no_layout():
    # Two records of one xuid with two names: no gamertag offset is clean for both.
    events = [FilmEvent(A, "Alpha", "kill", 10), FilmEvent(A, "Zulu", "kill", 20)]
    chunk = encode_highlight_chunk(events, 99, layouts={99: Layout(12_000)})
    with pytest.raises(UnknownFilmVersionError):
        read_film(chunk, 99)


@pytest.mark.parametrize(
    "chunk",
    [b"not zlib", zlib.compress(b"\x09" * 10), b""],
    ids=["not zlib", "short header", "empty"],
)
def test_bytes_that_are_no_chunk_are_malformed_whatever_the_version(chunk):
    with pytest.raises(MalformedFilmError):
        read_film(chunk, 99)


def test_a_chunk_announcing_more_events_than_any_layout_finds_is_not_read():
    data = bytearray(
        zlib.decompress(encode_highlight_chunk(EVENTS, 99, layouts={99: Layout(9_000)}))
    )
    data[16:20] = (7).to_bytes(4, "big")
    with pytest.raises(UnknownFilmVersionError, match="fits its 7 events"):
        read_film(zlib.compress(bytes(data)), 99)


def _mutated(chunk: bytes, seed: int) -> bytes:
    """Return the chunk's stream with a few bytes flipped, cut or repeated, recompressed."""
    rng = random.Random(seed)
    data = bytearray(zlib.decompress(chunk))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data))
        match rng.randrange(3):
            case 0:
                data[at] ^= 1 << rng.randrange(8)
            case 1:
                del data[at : at + rng.randint(1, 64)]
            case _:
                data[at:at] = data[at : at + rng.randint(1, 64)]
    return zlib.compress(bytes(data))


@pytest.mark.parametrize("seed", range(40))
def test_a_damaged_chunk_is_read_or_refused_as_a_film_error_never_anything_else(seed):
    # Of either kind: a version in the table, and one the layout is inferred for.
    layouts = {**LAYOUTS, 99: Layout(9_000, gamertag=12)}
    for version in (41, 99):
        chunk = encode_highlight_chunk(EVENTS * 3, version, layouts=layouts)
        damaged = _mutated(chunk, seed)
        try:
            reading = read_film(damaged, version, layouts={41: LAYOUTS[41]})
        except FilmReadError:
            continue
        # Read: then every event is one the layout can hold, as many as the header says.
        assert len(reading.events) == int.from_bytes(zlib.decompress(damaged)[16:20], "big")
        assert all(e.type in ("kill", "death", "medal", "mode") for e in reading.events)


def test_the_other_xuid_tail_is_searched_when_the_first_gives_no_layout(monkeypatch):
    # As for a film whose records all follow their xuid with 0x25: the first pass finds none.
    from grunt_archive.film import reader

    monkeypatch.setattr(reader, "XUID_TAILS", (0x25, 0x2D))
    chunk = encode_highlight_chunk(EVENTS, 99, layouts={99: Layout(9_000, gamertag=12)})
    assert read_film(chunk, 99).layout == Layout(9_000, gamertag=12)


def _lookalikes(size: int, after: bytes, events: int = 1000) -> bytes:
    """A chunk whose stream repeats an xuid, the 0x2D tail and 0xC0, then ``after``."""
    xuid = (2535445291321133).to_bytes(8, "little")
    stream = ((xuid + b"\x2d\xc0" + after) * (size // 14 + 1))[:size]
    header = bytearray(32)
    header[4:8] = len(stream).to_bytes(4, "little")
    header[16:20] = events.to_bytes(4, "big")
    return zlib.compress(bytes(header) + stream, 9)


@pytest.mark.parametrize(
    ("after", "version"),
    [
        (b"\x00\x00\x2e\xe0", 42),  # a record every 14 bytes: each search once took a window
        (b"\x00\x00\x2e\xe0", 41),
        (b"\x11\x22\x33\x44", 41),  # lookalikes that are no record: each is tested once
        (b"\x11\x22\x33\x44", None),
    ],
)
def test_a_stream_dense_with_lookalike_records_is_read_in_one_pass(monkeypatch, after, version):
    # A 2 KB chunk of 1 MB such records kept the reader (and the sync's store thread)
    # busy for a minute: every record found re-tested the 2,048 bytes searched past it.
    from grunt_archive.film import bitstream

    tested = 0
    is_record = bitstream.is_record

    def counted(data: bytes, start: int, marker: int) -> bool:
        nonlocal tested
        tested += 1
        return is_record(data, start, marker)

    monkeypatch.setattr(bitstream, "is_record", counted)
    size = 1024 * 1024
    with pytest.raises(FilmReadError):
        read_film(_lookalikes(size, after), version)
    # Three passes at most (the walk, then each xuid tail), each testing a hit once.
    assert tested <= 3 * size // 14


def test_a_chunk_inflating_past_16_mib_is_refused():
    with pytest.raises(MalformedFilmError, match="inflates past"):
        read_film(zlib.compress(bytes(16 * 1024 * 1024 + 1)), 41)
