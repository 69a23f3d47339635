"""Read a film's highlight chunk (chunk type 3) into events: kills, deaths, medals, mode events.

The chunk is zlib data as the blob host serves it. Inside, after a 32-byte
header (the payload length, u32 little-endian at byte 4, and the number of
events, u32 big-endian at byte 16), the events are records laid down in a bit
stream that is not byte-aligned. Each record starts with the player's xuid
(64 bits, little-endian) followed by the byte ``0x2D`` (``0x25`` in some
films) and ``0xC0``, and ends, a fixed number of bits later for a given film
version, with the marker ``00 00 2E E0``. The 60 bytes before the marker hold
the fields this reader takes: the gamertag (32 bytes of UTF-16LE), a type hint
(10 mode, 20 death, 50 kill; a medal's sorting weight for a medal), the time
in ms (u32 big-endian), a medal flag and the medal's film code.

The record length and where the gamertag sits move between game updates, so
`LAYOUTS` holds one `Layout` per film major version, each checked against a
real chunk of that version. `read_events` reads those versions only: any
other raises `UnknownFilmVersionError`. `read_film` also reads a version it has
no layout for, when the chunk itself shows one (`infer_layout`: every sampled
version differs only in where the end marker and the gamertag sit) that
accounts for every event the header announces, and says the layout was
inferred. A chunk whose header or records do not add up raises
`MalformedFilmError`. Pure: bytes in, events out.
"""

from __future__ import annotations

import codecs
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from grunt_archive.errors import MalformedFilmError, UnknownFilmVersionError
from grunt_archive.film.bitstream import (
    HEADER_BYTES,
    XUID_TAILS,
    marker_distance,
    record_starts,
    tail_at,
    walk_records,
    xuid_at,
    xuid_starts,
)
from grunt_archive.film.medals import FILM_MEDAL_NAMES

_decode_utf16le = codecs.utf_16_le_decode

EventType = Literal["kill", "death", "medal", "mode"]

TYPE_HINTS: dict[int, EventType] = {10: "mode", 20: "death", 50: "kill"}
# A highlight chunk inflates to 2 MB at most in the samples: 16 MiB leaves room, refuses a
# zlib bomb, and bounds what a hostile stream of lookalike records costs to read.
MAX_INFLATED_BYTES = 16 * 1024 * 1024
# A chunk as served is a few MB at most; a file past the largest body the client accepts
# from the blob host (api.responses.MAX_BODY, kept equal by a test) was never one.
MAX_CHUNK_BYTES = 32 * 1024 * 1024
INFER_SAMPLE = 64
"""Records whose length `infer_layout` measures (every sampled chunk agrees in its first 64)."""
INFER_LENGTHS = 3
"""Record lengths `infer_layout` tries, the commonest first."""


@dataclass(frozen=True, slots=True)
class Layout:
    """How one film version lays out an event record.

    A record starts at its xuid; ``marker`` is the bit offset, from there, of
    its end marker. The other fields are byte offsets into the `TAIL_BYTES`
    bytes before the marker: the 32-byte UTF-16LE gamertag, the type hint, the
    time (u32 big-endian, ms), the medal flag (1 for a medal event) and the
    medal code.
    """

    marker: int
    gamertag: int = 0
    hint: int = 47
    time: int = 48
    medal_flag: int = 55
    medal_code: int = 59


LAYOUTS: dict[int, Layout] = {
    30: Layout(marker=17006),
    33: Layout(marker=17006),
    35: Layout(marker=15406),
    36: Layout(marker=11086),
    37: Layout(marker=11086),
    38: Layout(marker=11086),
    # 39 (and 40, by SPNKr's account; no chunk of 40 checked yet) move the gamertag 12 bytes on.
    39: Layout(marker=12526, gamertag=12),
    41: Layout(marker=15406),
}
"""Record layout by film major version; every entry checked against a real chunk."""


@dataclass(frozen=True, slots=True)
class FilmEvent:
    """One highlight event of a player.

    ``medal_code`` is the film's own code for the medal (None unless a medal
    event); ``medal_name`` its name where the mapping given knows the code.
    """

    xuid: int
    gamertag: str
    type: EventType
    time_ms: int
    medal_code: int | None = None
    medal_name: str | None = None

    @property
    def player_id(self) -> str:
        """The player as the stats documents write them: ``xuid(…)``."""
        return f"xuid({self.xuid})"


def layout_for(version: int, layouts: Mapping[int, Layout] | None = None) -> Layout:
    """Return the record layout of a film major version.

    Args:
        version: The film's `FilmMajorVersion`.
        layouts: The table to look in; `LAYOUTS` by default.

    Raises:
        UnknownFilmVersionError: No layout for that version.

    """
    table = LAYOUTS if layouts is None else layouts
    try:
        return table[version]
    except KeyError:
        raise UnknownFilmVersionError(version, sorted(table)) from None


@dataclass(frozen=True, slots=True)
class FilmReading:
    """A highlight chunk read: its events, the layout that read them, and whether it was inferred.

    ``inferred`` is True when the film's version has no layout in the table and
    `infer_layout` found one in the chunk: read well, but not checked by hand.
    """

    events: list[FilmEvent]
    layout: Layout
    inferred: bool


def read_events(
    chunk: bytes,
    version: int,
    medal_names: Mapping[int, str] | None = None,
    layouts: Mapping[int, Layout] | None = None,
) -> list[FilmEvent]:
    """Read the events of a highlight chunk of a version with a layout, in the chunk's order.

    Args:
        chunk: The chunk's bytes as served (zlib-compressed).
        version: The film's major version (`CustomData.FilmMajorVersion` of its manifest).
        medal_names: Film medal code to medal name (see `medal_names_from_metadata`);
            the built-in English names by default.
        layouts: The layout table; `LAYOUTS` by default.

    Returns:
        The events, as many as the chunk's header announces.

    Raises:
        UnknownFilmVersionError: No layout for ``version`` (checked before anything else).
        MalformedFilmError: Not zlib data, truncated, or records that do not fit the layout.

    Example:
        >>> read_events(Path("37_adfde763.gzip").read_bytes(), 37)[0].gamertag
        'YoungStudSZN'

    """
    layout_for(version, layouts)  # a version with no layout is refused before any byte is read
    return read_film(chunk, version, medal_names, layouts).events


def read_film(
    chunk: bytes,
    version: int | None,
    medal_names: Mapping[int, str] | None = None,
    layouts: Mapping[int, Layout] | None = None,
) -> FilmReading:
    """Read a highlight chunk as `read_events` does, inferring the layout of a version with none.

    ``version`` None (a chunk whose version nothing says) is read with the layout it shows.

    Raises:
        UnknownFilmVersionError: No layout for ``version``, and none found in the chunk.
        MalformedFilmError: Not zlib data, truncated, or records that do not fit the layout.

    """
    table = LAYOUTS if layouts is None else layouts
    data = inflate(chunk)
    expected = _header_count(data)
    if version is not None and version in table:
        layout = table[version]
        starts = _starts(data, layout, expected, version)
        return FilmReading(_events(data, starts, layout, medal_names), layout, False)
    found = infer_layout(data, expected)
    if found is None:
        raise UnknownFilmVersionError(
            version, sorted(table), f"and no layout in the chunk fits its {expected} events"
        )
    layout, starts = found
    return FilmReading(_events(data, starts, layout, medal_names), layout, True)


def infer_layout(data: bytes, expected: int) -> tuple[Layout, list[int]] | None:
    """Find the layout of an inflated chunk's records in the chunk itself, or None.

    A record's length is read off its first records (the distance from each
    xuid to the first end marker past it); the gamertag sits at the first
    offset where every record holds a clean name, one per xuid. The layout is
    taken only when it finds exactly the `expected` records, each of a known
    event type: the checks `read_events` makes of a layout from the table.

    Returns:
        The layout and its records' bit offsets, in order; None when nothing fits.

    """
    # Every sampled film uses the 0x2D tail: the 0x25 form, searched through the whole
    # stream when it is absent, is measured only when 0x2D's records give no layout.
    lengths: Counter[int] = Counter()
    for tail in XUID_TAILS:
        hits = islice(xuid_starts(data, tail), INFER_SAMPLE)
        lengths.update(n for start in hits if (n := marker_distance(data, start)) is not None)
        # The likeliest few only: a hostile chunk whose every hit disagrees costs a few walks.
        for marker, _ in lengths.most_common(INFER_LENGTHS):
            if (found := _fit(data, Layout(marker), expected)) is not None:
                return found
    return None


def _fit(data: bytes, layout: Layout, expected: int) -> tuple[Layout, list[int]] | None:
    """Return ``layout`` with its gamertag found, and its records, if it fits the chunk."""
    starts = _find_starts(data, layout, expected)
    tails = [tail_at(data, start, layout.marker) for start in starts]
    if len(starts) != expected or not all(_type_of(tail, layout) for tail in tails):
        return None
    gamertag = _gamertag_offset(tails, [xuid_at(data, start) for start in starts], layout)
    return None if gamertag is None else (Layout(layout.marker, gamertag), starts)


def _starts(data: bytes, layout: Layout, expected: int, version: int) -> list[int]:
    """Return the bit offsets of the records `layout` finds, refusing a count off the header's."""
    starts = _find_starts(data, layout, expected)
    if len(starts) != expected:
        raise MalformedFilmError(
            f"the chunk announces {expected} events but {len(starts)} fit the layout of "
            f"film version {version}: is this the film's version, and its highlight chunk?"
        )
    return starts


def _find_starts(data: bytes, layout: Layout, expected: int) -> list[int]:
    """Return, in order, the bit offsets of the records `layout` finds."""
    # One record past the header's count already refuses the layout: a stream dense with
    # records (a hostile one) is read no further.
    starts = set(islice(walk_records(data, layout.marker), expected + 1))
    # The walk steps over the spaces between records it has seen; when that misses some,
    # the stream is searched whole. Every sampled film uses 0x2D; the 0x25 form is searched
    # only when records are still missing.
    if len(starts) != expected:
        starts = set()
        for tail in XUID_TAILS:
            starts.update(islice(record_starts(data, layout.marker, tail), expected + 1))
            if len(starts) >= expected:
                break
    return sorted(starts)


def _events(
    data: bytes, starts: list[int], layout: Layout, medal_names: Mapping[int, str] | None
) -> list[FilmEvent]:
    names = FILM_MEDAL_NAMES if medal_names is None else medal_names
    return [_event(data, start, layout, names) for start in starts]


def inflate(chunk: bytes) -> bytes:
    """Decompress a chunk as served, refusing what is not zlib or is cut short.

    Raises:
        MalformedFilmError: Not zlib data, truncated, or absurdly large.

    """
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(chunk, MAX_INFLATED_BYTES)
    except zlib.error as error:
        raise MalformedFilmError(f"not a film chunk (not zlib data: {error})") from None
    if inflater.unconsumed_tail:
        raise MalformedFilmError(f"film chunk inflates past {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof:
        raise MalformedFilmError("film chunk is truncated (its zlib stream stops early)")
    return data


def _header_count(data: bytes) -> int:
    """Check the header's payload length and return its event count."""
    if len(data) < HEADER_BYTES:
        raise MalformedFilmError(
            f"film chunk is truncated: {len(data)} bytes, shorter than its header"
        )
    declared = int.from_bytes(data[4:8], "little")
    if declared != len(data) - HEADER_BYTES:
        raise MalformedFilmError(
            f"not a highlight chunk, or truncated: its header declares {declared} bytes "
            f"of events, it holds {len(data) - HEADER_BYTES}"
        )
    return int.from_bytes(data[16:20], "big")


def _event(data: bytes, start: int, layout: Layout, names: Mapping[int, str]) -> FilmEvent:
    """Read the record at bit `start` with `layout`."""
    tail = tail_at(data, start, layout.marker)
    event_type = _type_of(tail, layout)
    if event_type is None:
        raise MalformedFilmError(
            f"film record at bit {start} has an unknown event type (hint "
            f"{tail[layout.hint]}, medal flag {tail[layout.medal_flag]}): the layout does not fit"
        )
    raw_tag = tail[layout.gamertag : layout.gamertag + 32]
    medal = tail[layout.medal_code] if event_type == "medal" else None
    # Positional: this runs for every event, and keywords cost a frozen dataclass more.
    return FilmEvent(
        xuid_at(data, start),
        # The codec itself: bytes.decode("utf-16-le") looks the codec up on every call.
        _decode_utf16le(raw_tag, "replace", True)[0].partition("\x00")[0],
        event_type,
        int.from_bytes(tail[layout.time : layout.time + 4], "big"),
        medal,
        None if medal is None else names.get(medal),
    )


def _type_of(tail: bytes, layout: Layout) -> EventType | None:
    """Return a record's event type from its tail, or None when its bytes name none."""
    flag = tail[layout.medal_flag]
    if flag == 1:
        return "medal"
    return TYPE_HINTS.get(tail[layout.hint]) if flag == 0 else None


def _gamertag_offset(tails: list[bytes], xuids: list[int], layout: Layout) -> int | None:
    """Return the first tail offset where every record holds a clean gamertag, one per xuid.

    Clean: strict UTF-16LE, printable, not empty, NUL-padded. In every sampled
    version the true offset is the first clean one (later ones clip the name).
    """
    for offset in range(layout.hint - 32 + 1):  # the name ends before the type hint
        names: dict[int, str] = {}
        for tail, xuid in zip(tails, xuids, strict=True):
            try:
                name = tail[offset : offset + 32].decode("utf-16-le").partition("\x00")[0]
            except UnicodeDecodeError:
                break
            if not name or not name.isprintable() or names.setdefault(xuid, name) != name:
                break
        else:
            return offset
    return None
