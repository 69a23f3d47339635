"""The simulator's film encoder writes chunks the real reader reads back, event for event."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grunt_archive.errors import UnknownFilmVersionError
from grunt_archive.film import bitstream, reader
from grunt_archive.film.feed import pair_kills
from grunt_archive.film.reader import LAYOUTS, FilmEvent, Layout, read_events
from grunt_archive.simulator.data.film import ENCODED_VERSION, encode_highlight_chunk
from tests.film_samples import expected_rows, sample_file

A, B, C, D = 2533274800000001, 2535445291321133, 2712212454167317, 2533274964913144


def test_the_encoded_version_is_one_the_reader_knows_from_a_real_chunk():
    assert ENCODED_VERSION in LAYOUTS and max(LAYOUTS) == ENCODED_VERSION


def test_kills_deaths_medals_and_mode_events_round_trip_with_an_ambiguous_pair():
    events = [
        FilmEvent(A, "Alpha", "mode", 900),
        FilmEvent(A, "Alpha", "kill", 12_000),
        FilmEvent(B, "aCurtis X89", "death", 12_001),
        FilmEvent(C, "I1 DUCE", "death", 12_004),  # a second death within 5 ms: ambiguous
        FilmEvent(A, "Alpha", "medal", 12_000, medal_code=0, medal_name="Double Kill"),
        FilmEvent(D, "Muellertime25", "kill", 30_000),
        FilmEvent(A, "Alpha", "death", 30_002),
        FilmEvent(D, "Muellertime25", "medal", 30_000, medal_code=107, medal_name="Nade Shot"),
    ]
    chunk = encode_highlight_chunk(events)
    back = read_events(chunk, ENCODED_VERSION)
    assert back == events
    feed = pair_kills(back)
    assert [(k.killer_xuid, k.victim_xuid, k.ambiguous, k.candidates) for k in feed] == [
        (A, B, True, 2),
        (D, A, False, 1),
    ]


def test_records_land_at_every_bit_alignment():
    events = [FilmEvent(A + n, f"P{n}", "kill", n) for n in range(16)]
    data = reader.inflate(encode_highlight_chunk(events))
    starts = list(bitstream.record_starts(data, LAYOUTS[ENCODED_VERSION].marker, 0x2D))
    assert len(starts) == 16 and {start % 8 for start in starts} == set(range(8))


def test_the_header_carries_the_length_and_count_the_reader_checks():
    data = zlib.decompress(encode_highlight_chunk([FilmEvent(A, "Alpha", "kill", 1)] * 3))
    assert int.from_bytes(data[4:8], "little") == len(data) - 32
    assert int.from_bytes(data[16:20], "big") == 3


# One real film (the newest version) is enough here: the reader's own tests read them all.
@pytest.mark.parametrize("row", expected_rows()[-1:], ids=lambda row: f"v{row.version}")
def test_a_real_films_events_round_trip_through_every_known_layout(row):
    events = read_events(sample_file(row.file_prefix).read_bytes(), row.version)
    for version in LAYOUTS:
        assert read_events(encode_highlight_chunk(events, version), version) == events


def test_a_version_the_reader_does_not_know_can_be_served():
    layouts = {**LAYOUTS, 45: Layout(marker=14000, gamertag=8)}
    chunk = encode_highlight_chunk([FilmEvent(A, "Alpha", "kill", 5)], 45, layouts=layouts)
    with pytest.raises(UnknownFilmVersionError) as caught:
        read_events(chunk, 45)
    assert caught.value.version == 45


@pytest.mark.parametrize(
    "event,message",
    [
        (FilmEvent(123, "Tiny", "kill", 1), "xuid"),
        (FilmEvent(A, "ABCDEFGHIJKLMNOPQ", "kill", 1), "gamertag"),
        (FilmEvent(A, "Alpha", "kill", 2**32), "32 bits"),
        (FilmEvent(A, "Alpha", "medal", 1), "medal code"),
        (FilmEvent(A, "Alpha", "medal", 1, medal_code=256), "medal code"),
    ],
)
def test_an_event_the_layout_cannot_hold_is_refused(event, message):
    with pytest.raises(ValueError, match=message):
        encode_highlight_chunk([event])


def test_a_medals_weight_goes_in_its_type_hint():
    chunk = encode_highlight_chunk(
        [FilmEvent(A, "Alpha", "medal", 7, medal_code=107)], medal_weights={107: 100}
    )
    data = reader.inflate(chunk)
    layout = LAYOUTS[ENCODED_VERSION]
    (start,) = bitstream.record_starts(data, layout.marker, 0x2D)
    tail = start + layout.marker - bitstream.TAIL_BYTES * 8
    assert bitstream.bits_at(data, tail + layout.hint * 8, 8) == 100


events_strategy = st.lists(
    st.builds(
        lambda xuid, tag, kind, time_ms, code: FilmEvent(
            xuid, tag, kind, time_ms, code if kind == "medal" else None
        ),
        st.integers(2 * 10**15 + 1, 3 * 10**15 - 1),
        st.text(st.characters(codec="utf-16", exclude_characters="\x00"), max_size=15).filter(
            lambda tag: len(tag.encode("utf-16-le")) <= 32
        ),
        st.sampled_from(["kill", "death", "medal", "mode"]),
        st.integers(0, 2**32 - 1),
        st.integers(0, 255),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(events=events_strategy, version=st.sampled_from(sorted(LAYOUTS)))
def test_any_events_round_trip(events, version):
    back = read_events(encode_highlight_chunk(events, version), version, medal_names={})
    assert back == events
