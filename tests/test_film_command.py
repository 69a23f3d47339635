"""`grunt-archive film read`: the events of a chunk file as a table or JSON; bad files exit 2."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grunt_archive.cli import cli
from grunt_archive.film.reader import FilmEvent, Layout, read_events
from grunt_archive.simulator.data.film import encode_highlight_chunk
from tests.film_samples import FILM, SMALL_V37, expected_rows, sample_file

EVENTS = [
    FilmEvent(2533274800000001, "Alpha", "kill", 61_250),
    FilmEvent(2533274800000002, "Bravo", "death", 61_252),
    FilmEvent(2533274800000001, "Alpha", "medal", 61_250, medal_code=107),
    FilmEvent(2533274800000001, "Alpha", "medal", 62_000, medal_code=250),
    FilmEvent(2533274800000002, "Bravo", "mode", 3_599_999),
]


def run(*args: str):
    return CliRunner().invoke(cli, ["film", "read", *args])


@pytest.fixture
def chunk_file(tmp_path: Path) -> Path:
    path = tmp_path / "41_00000000-0000-0000-0000-000000000001.gzip"
    path.write_bytes(encode_highlight_chunk(EVENTS, 41))
    return path


def test_json_is_an_array_of_the_events_in_file_order(chunk_file):
    result = run(str(chunk_file), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "xuid": 2533274800000001,
            "gamertag": "Alpha",
            "type": "kill",
            "time_ms": 61250,
            "medal_name": None,
        },
        {
            "xuid": 2533274800000002,
            "gamertag": "Bravo",
            "type": "death",
            "time_ms": 61252,
            "medal_name": None,
        },
        {
            "xuid": 2533274800000001,
            "gamertag": "Alpha",
            "type": "medal",
            "time_ms": 61250,
            "medal_name": "Nade Shot",
        },
        {
            "xuid": 2533274800000001,
            "gamertag": "Alpha",
            "type": "medal",
            "time_ms": 62000,
            "medal_name": None,
        },
        {
            "xuid": 2533274800000002,
            "gamertag": "Bravo",
            "type": "mode",
            "time_ms": 3599999,
            "medal_name": None,
        },
    ]


def test_the_table_shows_time_gamertag_type_and_medal(chunk_file):
    result = run(str(chunk_file))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["time", "gamertag", "type", "medal"]
    assert lines[1].split() == ["01:01.250", "Alpha", "kill"]
    assert lines[3].split() == ["01:01.250", "Alpha", "medal", "Nade", "Shot"]
    assert lines[4].split() == ["01:02.000", "Alpha", "medal", "#250"]  # a code with no name
    assert lines[5].split() == ["59:59.999", "Bravo", "mode"]
    assert lines[-1] == "5 events"


def test_an_escape_in_a_chunks_gamertag_never_reaches_the_terminal(tmp_path):
    # "\x1b]0;…\x07" retitles a terminal window; a newline would forge a line of output.
    evil = "Ev\x1b]0;owned\x07\nil"
    path = tmp_path / "41_00000000-0000-0000-0000-000000000002.gzip"
    path.write_bytes(encode_highlight_chunk([FilmEvent(2533274800000001, evil, "kill", 1)], 41))
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.splitlines()[1].split() == [
        "00:00.001",
        "Ev\ufffd]0;owned\ufffd\ufffdil",
        "kill",
    ]
    assert json.loads(run(str(path), "--json").stdout)[0]["gamertag"] == evil  # JSON escapes it


def test_the_version_flag_wins_over_the_file_name(tmp_path):
    path = tmp_path / "41_match.gzip"
    path.write_bytes(encode_highlight_chunk(EVENTS, 37))
    assert run(str(path)).exit_code == 2
    result = run(str(path), "--film-version", "37", "--json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == len(EVENTS)


@pytest.mark.parametrize("row", expected_rows()[-2:], ids=lambda row: f"v{row.version}")
def test_a_real_sample_is_read_with_the_version_its_name_carries(row):
    path = sample_file(row.file_prefix)
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert len(printed) == sum(row.counts.values())
    assert printed[0]["xuid"] == row.xuid and printed[0]["time_ms"] == row.time_ms
    assert [e["type"] for e in printed] == [
        e.type for e in read_events(path.read_bytes(), row.version)
    ]


def test_a_file_whose_name_gives_no_version_is_read_with_the_layout_it_shows():
    if FILM is None:
        pytest.skip("no shared/halo-samples/film to read")
    result = run(str(FILM / SMALL_V37), "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout == run(str(FILM / SMALL_V37), "--film-version", "37", "--json").stdout
    assert "Nade Shot" in result.stdout
    assert result.stderr == (
        f"{SMALL_V37}: no film version in the name (NN_…) nor --film-version; read with the"
        " layout the chunk shows (records end 11,086 bits after their xuid, gamertag at byte 0"
        " of the last 60), which fits all 6 events it announces\n"
    )


def test_a_file_with_no_version_and_no_layout_it_shows_asks_for_the_version(tmp_path):
    moved = Layout(14_000, gamertag=8, hint=40, time=41, medal_flag=48, medal_code=52)
    path = tmp_path / "highlights.gzip"
    path.write_bytes(encode_highlight_chunk(EVENTS, 99, layouts={99: moved}))
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: highlights.gzip: a film of no given version has a")
    assert result.stderr.endswith("fits its 5 events; give --film-version\n")
    # A file that is no chunk at all is said so, with no hint about versions.
    path.write_bytes(b"\x00garbage")
    assert "--film-version" not in run(str(path)).stderr


def test_a_version_with_no_checked_layout_is_read_and_stderr_says_how(tmp_path, chunk_file):
    renamed = tmp_path / "40_00000000-0000-0000-0000-000000000001.gzip"
    renamed.write_bytes(chunk_file.read_bytes())
    result = run(str(renamed), "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout == run(str(chunk_file), "--json").stdout
    assert result.stderr == (
        f"{renamed.name}: film version 40 has no layout checked against a real film; read with"
        " the layout the chunk shows (records end 15,406 bits after their xuid, gamertag at byte 0"
        " of the last 60), which fits all 5 events it announces\n"
    )
    assert run(str(chunk_file)).stderr == ""


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    good = encode_highlight_chunk(EVENTS, 41)
    # Fields moved as no real version has: neither the table nor the chunk gives the layout.
    moved = Layout(14_000, gamertag=8, hint=40, time=41, medal_flag=48, medal_code=52)
    files = {
        "garbage": (b"\x00\x01garbage", []),
        "truncated": (good[: len(good) // 2], []),
        "foreign zlib": (zlib.compress(b'{"FilmStatusBond": 1}'), []),
        "unknown version": (
            encode_highlight_chunk(EVENTS, 99, layouts={99: moved}),
            ["--film-version", "40"],
        ),
        "wrong version": (good, ["--film-version", "39"]),
    }
    paths = {}
    for name, (data, flags) in files.items():
        path = tmp_path / f"41_{name.replace(' ', '-')}.gzip"
        path.write_bytes(data)
        paths[name] = (path, flags)
    return paths


@pytest.mark.parametrize(
    "name", ["garbage", "truncated", "foreign zlib", "unknown version", "wrong version"]
)
def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path, name):
    path, flags = _bad_files(tmp_path)[name]
    result = run(str(path), *flags)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"Error: {path.name}: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("source", ["sparse file", "/dev/zero"])
def test_a_file_larger_than_any_chunk_is_refused_reading_one_byte_past_the_cap(
    tmp_path, monkeypatch, source
):
    from grunt_archive.api.responses import MAX_BODY
    from grunt_archive.film import reader

    assert reader.MAX_CHUNK_BYTES == MAX_BODY  # the largest chunk the blob client accepts
    monkeypatch.setattr(reader, "MAX_CHUNK_BYTES", 2**21)  # a smaller cap, the same check
    if source == "sparse file":
        path = tmp_path / "41_big.gzip"
        with path.open("wb") as handle:
            handle.truncate(2**22)  # no disk used
    else:
        path = Path(source)
    read_sizes = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        real_read = handle.read
        handle.read = lambda size=-1: read_sizes.append(size) or real_read(size)
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    result = run(str(path), "--film-version", "41")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: {path}: larger than 2 MiB, so not a film chunk (those are a few MB at most)\n"
    )
    assert read_sizes == [2**21 + 1]  # /dev/zero never ends: only the cap keeps this finite


def test_a_chunk_at_the_cap_is_read(tmp_path, monkeypatch, chunk_file):
    from grunt_archive.film import reader

    monkeypatch.setattr(reader, "MAX_CHUNK_BYTES", chunk_file.stat().st_size)
    assert run(str(chunk_file), "--json").exit_code == 0


def test_a_missing_file_is_a_usage_error():
    result = run("/nonexistent/41_x.gzip")
    assert result.exit_code == 2 and "does not exist" in result.stderr
