"""The film reader: every real sample read as SPNKr's reader reads it, bad input named."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
import zlib
from collections import Counter

import pytest

from grunt_archive.errors import (
    FilmReadError,
    MalformedFilmError,
    MalformedResponseError,
    UnknownFilmVersionError,
)
from grunt_archive.film import bitstream, reader
from grunt_archive.film.medals import FILM_MEDAL_NAMES, film_medal_ids, medal_names_from_metadata
from grunt_archive.film.reader import LAYOUTS, FilmEvent, Layout, read_events
from grunt_archive.simulator.data.film import encode_highlight_chunk
from tests.conftest import ROOT
from tests.film_samples import FILM, SAMPLES, SMALL_V37, expected_rows, sample_file

ROWS = expected_rows()
needs_samples = pytest.mark.skipif(FILM is None, reason="no shared/halo-samples/film to read")


def test_sources_lists_every_versioned_sample():
    if FILM is None:
        pytest.skip("no shared/halo-samples/film to read")
    named = {p.name.split("_")[0] for p in FILM.glob("[0-9]*_*.gzip")}
    assert named and named == {str(row.version) for row in ROWS}
    assert set(LAYOUTS) >= {row.version for row in ROWS}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"v{row.version}")
def test_each_sample_gives_the_counts_and_first_event_sources_lists(row):
    events = read_events(sample_file(row.file_prefix).read_bytes(), row.version)
    first = events[0]
    assert (first.xuid, first.gamertag, first.time_ms) == (row.xuid, row.gamertag, row.time_ms)
    assert Counter(event.type for event in events) == Counter(row.counts)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"v{row.version}")
def test_each_player_keeps_one_gamertag_and_every_medal_is_named(row):
    events = read_events(sample_file(row.file_prefix).read_bytes(), row.version)
    tags: dict[int, set[str]] = {}
    for event in events:
        tags.setdefault(event.xuid, set()).add(event.gamertag)
        assert (event.medal_code is not None) == (event.type == "medal")
        if event.type == "medal":
            assert event.medal_name == FILM_MEDAL_NAMES[event.medal_code]
    assert all(len(names) == 1 and "" not in names for names in tags.values())


@needs_samples
def test_the_small_v37_sample_holds_its_six_events():
    events = read_events((FILM / SMALL_V37).read_bytes(), 37)
    assert [(e.type, e.time_ms // 1000, e.medal_name) for e in events] == [
        ("mode", 23, None),
        ("kill", 29, None),
        ("death", 50, None),
        ("kill", 69, None),
        ("medal", 69, "Nade Shot"),
        ("mode", 69, None),
    ]
    assert {e.player_id for e in events} == {"xuid(2535445291321133)"}


@needs_samples
@pytest.mark.parametrize("row", ROWS[-1:], ids=lambda row: f"v{row.version}")
def test_a_medal_events_type_hint_is_the_sorting_weight_of_the_medal_its_code_names(row):
    # An independent check of the code table: the metadata's sorting weight of the medal
    # a code is said to be sits in the record's type hint.
    metadata = json.loads((SAMPLES / "spnkr__get_medal_metadata.json").read_text())
    weight = {m["name"]["value"]: m["sortingWeight"] for m in metadata["medals"]}
    data = reader.inflate(sample_file(row.file_prefix).read_bytes())
    layout = LAYOUTS[row.version]
    checked = 0
    for start in bitstream.record_starts(data, layout.marker, 0x2D):
        event = reader._event(data, start, layout, FILM_MEDAL_NAMES)
        if event.type == "medal":
            tail = start + layout.marker - bitstream.TAIL_BYTES * 8
            assert bitstream.bits_at(data, tail + layout.hint * 8, 8) == weight[event.medal_name]
            checked += 1
    assert checked == row.counts["medal"]


@needs_samples
def test_medal_codes_meet_the_metadata_by_name():
    metadata = json.loads((SAMPLES / "spnkr__get_medal_metadata.json").read_text())
    names = {m["nameId"]: m["name"]["value"] for m in metadata["medals"]}
    ids = film_medal_ids(names)
    assert ids[107] == 265478668  # Nade Shot
    seen = {
        event.medal_code
        for row in ROWS
        for event in read_events(sample_file(row.file_prefix).read_bytes(), row.version)
        if event.type == "medal"
    }
    assert seen and seen <= set(ids)
    renamed = medal_names_from_metadata({265478668: "Nade shot"})
    events = read_events((FILM / SMALL_V37).read_bytes(), 37, medal_names=renamed)
    assert [e.medal_name for e in events if e.type == "medal"] == ["Nade shot"]
    assert read_events((FILM / SMALL_V37).read_bytes(), 37, medal_names={})[4].medal_name is None


def test_film_medal_ids_ignores_case_and_leaves_unknown_names_out():
    assert film_medal_ids({1: " nade shot ", 2: "Not A Medal"}) == {107: 1}


@pytest.mark.parametrize("version", [0, 31, 40, 99])
def test_an_unknown_version_is_named_before_the_bytes_are_looked_at(version):
    with pytest.raises(UnknownFilmVersionError) as caught:
        read_events(b"not even zlib", version)
    assert caught.value.version == version
    assert f"film version {version}" in str(caught.value) and "41" in str(caught.value)
    assert isinstance(caught.value, MalformedResponseError)


def _chunk() -> bytes:
    events = [FilmEvent(2533274800000001 + n, f"P{n}", "kill", 1000 * n) for n in range(5)]
    return encode_highlight_chunk(events, 41)


@pytest.mark.parametrize(
    "name,chunk",
    [
        ("empty", b""),
        ("not zlib", b"<html>404</html>"),
        ("json", json.dumps({"Chunks": []}).encode()),
        ("cut compressed", _chunk()[:-40]),
        ("zlib of something else", zlib.compress(b"some other file entirely" * 50)),
        ("zlib of a short header", zlib.compress(b"\x09\x00\x00\x00")),
        ("cut payload", zlib.compress(zlib.decompress(_chunk())[:-700])),
        ("one record lost", zlib.compress(zlib.decompress(_chunk())[:-1])),
    ],
)
def test_truncated_or_foreign_bytes_raise_malformed_film_error(name, chunk):
    with pytest.raises(MalformedFilmError) as caught:
        read_events(chunk, 41)
    assert isinstance(caught.value, FilmReadError) and isinstance(
        caught.value, MalformedResponseError
    )
    assert "\n" not in str(caught.value)


def test_a_header_announcing_more_events_than_fit_is_malformed():
    data = bytearray(zlib.decompress(_chunk()))
    data[16:20] = (6).to_bytes(4, "big")
    with pytest.raises(MalformedFilmError, match="announces 6 events but 5"):
        read_events(zlib.compress(bytes(data)), 41)


@needs_samples
def test_a_chunk_read_with_another_versions_layout_is_malformed_not_misread():
    with pytest.raises(MalformedFilmError, match="film version 39"):
        read_events(sample_file("41_").read_bytes(), 39)


def test_a_layout_added_to_the_table_reads_a_version_it_did_not_know():
    layouts = {**LAYOUTS, 99: Layout(marker=9000, gamertag=4)}
    events = [FilmEvent(2533274800000001, "Grunt", "death", 90_000)]
    chunk = encode_highlight_chunk(events, 99, layouts=layouts)
    with pytest.raises(UnknownFilmVersionError):
        read_events(chunk, 99)
    assert read_events(chunk, 99, layouts=layouts) == events


PURE_IMPORTS = {
    "__future__", "collections", "dataclasses", "functools", "codecs", "itertools", "typing", "zlib",
    "grunt_archive.errors", "grunt_archive.film.reader", "grunt_archive.film.medals",
    "grunt_archive.film.bitstream",
}  # fmt: skip


@pytest.mark.parametrize("module", ["reader", "bitstream", "feed", "medals"])
def test_the_film_modules_import_nothing_that_does_io(module):
    tree = ast.parse((ROOT / "grunt_archive" / "film" / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "open"
    assert {name.removesuffix(".abc") for name in imported} <= PURE_IMPORTS


@pytest.mark.slow  # a fresh interpreter: the only honest place to see what an import loads
def test_importing_the_film_modules_adds_no_http_and_no_sql():
    # Measured against the package alone, whatever its __init__ happens to load.
    script = (
        "import sys, json\n"
        "import grunt_archive\n"
        "before = set(sys.modules)\n"
        "import grunt_archive.film.reader, grunt_archive.film.feed, grunt_archive.film.medals\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    added = set(json.loads(result.stdout))
    assert "grunt_archive.film.reader" in added
    forbidden = {"httpx", "httpcore", "sqlalchemy", "sqlmodel", "sqlite3", "alembic", "datasette"}
    assert {name.split(".")[0] for name in added} & forbidden == set()


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"v{row.version}")
def test_walking_from_record_to_record_finds_what_searching_the_whole_stream_finds(row):
    data = reader.inflate(sample_file(row.file_prefix).read_bytes())
    layout = LAYOUTS[row.version]
    walked = list(bitstream.walk_records(data, layout.marker))
    assert walked == list(bitstream.record_starts(data, layout.marker, 0x2D))
    assert len(walked) == reader._header_count(data)


@needs_samples
def test_records_the_walk_steps_over_are_found_by_searching_the_whole_stream(monkeypatch):
    row = ROWS[-1]
    chunk = sample_file(row.file_prefix).read_bytes()
    events = read_events(chunk, row.version)
    walk = bitstream.walk_records
    # As if every other record lay in a space the walk had not met.
    monkeypatch.setattr(reader, "walk_records", lambda data, marker: list(walk(data, marker))[::2])
    assert read_events(chunk, row.version) == events


def test_a_record_far_past_the_last_is_still_found():
    # Windows of the search double up to 64 KiB: 200 KB of other data before the first record.
    events = [FilmEvent(2533274800000001 + n, f"P{n}", "kill", 1000 * n) for n in range(3)]
    data = zlib.decompress(encode_highlight_chunk(events))
    noise = random.Random(5).randbytes(200_000)
    body = data[32:]
    header = data[:4] + len(noise + body).to_bytes(4, "little") + data[8:32]
    assert read_events(zlib.compress(header + noise + body), 41) == events
