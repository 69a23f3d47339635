"""The ``grunt-archive film`` commands: look inside theater-film chunks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grunt_archive.cli import db_option, resolve_db
from grunt_archive.errors import FilmReadError, UnknownFilmVersionError, UsageError

if TYPE_CHECKING:
    from grunt_archive.film.reader import FilmEvent, Layout

# SPNKr's and our own copies of a chunk are named ``{FilmMajorVersion}_{MatchId}…``.
_VERSION_PREFIX = re.compile(r"^(\d+)_")


@click.group()
def film() -> None:
    """Read the highlight events (kills, deaths, medals, mode events) of theater films.

    Example: grunt-archive film read 41_e4309281-7d3c-420c-a9a4-ca2798e56692.gzip --json
    """


@film.command("read")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--match", "match_id", metavar="MATCH_ID",
    help="Read the chunk the archive (--db) keeps of this match's film, instead of a FILE.",
)  # fmt: skip
@db_option
@click.option(
    "--film-version", type=click.IntRange(min=0), metavar="N",
    help="The film's major version (FilmMajorVersion); default: the file name's leading NN_,"
    " or the kept manifest's with --match.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the events.")
def read(
    file: Path | None,
    match_id: str | None,
    db_path: Path | str | None,
    film_version: int | None,
    as_json: bool,
) -> None:
    """Print the events of a highlight chunk (type 3), a file or one an archive keeps.

    FILE is a chunk as the blob host serves it; --match reads the chunk the
    archive keeps of that match's film, with its kept version (--db is read
    only then).

    A version with no checked layout, or none given (no NN_ in the file's name
    and no --film-version), is read with the layout the chunk itself shows,
    when one accounts for every event, and a line on stderr says so. A
    truncated or foreign file, a file past 32 MiB, or a version whose layout
    neither is known nor fits, is an error (exit 2); so is a match whose film the
    archive does not keep (not archived, expired, or not fetched yet).

    Example: grunt-archive film read 41_e4309281-7d3c-420c-a9a4-ca2798e56692.gzip

    Example: grunt-archive film read --match e4309281-7d3c-420c-a9a4-ca2798e56692
    """
    from grunt_archive.film.reader import read_film

    if match_id is not None and file is None:
        from grunt_archive.runner import run_kept_chunk

        name = f"match {match_id}"
        kept_version, chunk = run_kept_chunk(resolve_db(db_path), match_id)
        version = film_version if film_version is not None else kept_version
    elif file is not None and match_id is None:
        name = file.name
        version = film_version if film_version is not None else version_from_name(file.name)
        chunk = chunk_bytes(file)
    else:
        raise UsageError("give a chunk FILE or --match MATCH_ID, one of them")
    try:
        reading = read_film(chunk, version)
    except FilmReadError as error:
        unknown = version is None and isinstance(error, UnknownFilmVersionError)
        hint = "; give --film-version" if unknown else ""
        raise UsageError(f"{name}: {error}{hint}") from error
    if reading.inferred:
        click.echo(inferred_note(name, version, reading.layout, len(reading.events)), err=True)
    events = reading.events
    click.echo(json.dumps(events_json(events)) if as_json else events_table(events))


def inferred_note(name: str, version: int | None, layout: Layout, events: int) -> str:
    """Say that a chunk was read with a layout found in it, and what that layout is."""
    why = (
        f"film version {version} has no layout checked against a real film"
        if version is not None
        else "no film version in the name (NN_…) nor --film-version"
    )
    return (
        f"{name}: {why};"
        f" read with the layout the chunk shows (records end {layout.marker:,} bits after"
        f" their xuid, gamertag at byte {layout.gamertag} of the last 60), which fits"
        f" all {events:,} events it announces"
    )


def chunk_bytes(file: Path) -> bytes:
    """Return the bytes of a chunk file, reading no more than one past the cap.

    Only so much is read, so a huge file, /dev/zero or a pipe costs no memory.

    Raises:
        UsageError: The file is larger than any chunk, or cannot be read.

    """
    from grunt_archive.film.reader import MAX_CHUNK_BYTES

    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_CHUNK_BYTES + 1)
    except OSError as error:
        raise UsageError(f"{file}: cannot be read: {error.strerror}") from None
    if len(data) > MAX_CHUNK_BYTES:
        raise UsageError(
            f"{file}: larger than {MAX_CHUNK_BYTES // 2**20} MiB, so not a film chunk"
            " (those are a few MB at most)"
        )
    return data


def version_from_name(name: str) -> int | None:
    """Return the film version a chunk's file name starts with (``41_…`` → 41), or None."""
    match = _VERSION_PREFIX.match(name)
    return int(match.group(1)) if match else None


def events_json(events: list[FilmEvent]) -> list[dict[str, object]]:
    """Return the events as ``film read --json`` prints them, in file order."""
    return [
        {
            "xuid": event.xuid,
            "gamertag": event.gamertag,
            "type": event.type,
            "time_ms": event.time_ms,
            "medal_name": event.medal_name,
        }
        for event in events
    ]


def events_table(events: list[FilmEvent]) -> str:
    """Return the events as a table for people: time (mm:ss.mmm), gamertag, type, medal."""
    from grunt_archive.players import display_name

    rows = [("time", "gamertag", "type", "medal")]
    for event in events:
        minutes, ms = divmod(event.time_ms, 60_000)
        clock = f"{minutes:02d}:{ms // 1000:02d}.{ms % 1000:03d}"
        # A medal code the name table does not know still shows, as its number.
        unnamed = f"#{event.medal_code}" if event.medal_code is not None else ""
        # The chunk's bytes name the player: an escape in them must not reach the terminal.
        name = display_name(event.gamertag) or ""
        rows.append((clock, name, event.type, event.medal_name or unnamed))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join([*lines, f"{len(events)} events"])
