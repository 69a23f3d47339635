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
real chunk of that version. A version with no layout raises
`UnknownFilmVersionError`; a chunk whose header or records do not add up raises
`MalformedFilmError`. Pure: bytes in, events out.
"""

from __future__ import annotations

import functools
import heapq
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from grunt_archive.errors import MalformedFilmError, UnknownFilmVersionError
from grunt_archive.film.medals import FILM_MEDAL_NAMES

EventType = Literal["kill", "death", "medal", "mode"]

HEADER_BYTES = 32
END_MARKER = 0x00002EE0
XUID_TAILS = (0x2D, 0x25)
"""The byte that follows a record's xuid (then ``0xC0``)."""
TYPE_HINTS: dict[int, EventType] = {10: "mode", 20: "death", 50: "kill"}
MIN_XUID, MAX_XUID = 2 * 10**15, 3 * 10**15
# A highlight chunk inflates to 2 MB at most in the samples; refuse a zlib bomb.
MAX_INFLATED_BYTES = 64 * 1024 * 1024
TAIL_BYTES = 60
"""The bytes before a record's end marker, where the fields this reader takes sit."""
_MASK80 = (1 << 80) - 1
_MASK_TAIL = (1 << TAIL_BYTES * 8) - 1


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


def read_events(
    chunk: bytes,
    version: int,
    medal_names: Mapping[int, str] | None = None,
    layouts: Mapping[int, Layout] | None = None,
) -> list[FilmEvent]:
    """Read the events of a highlight chunk, in the order the chunk holds them.

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
    layout = layout_for(version, layouts)
    names = FILM_MEDAL_NAMES if medal_names is None else medal_names
    data = inflate(chunk)
    expected = _header_count(data)
    starts: set[int] = set()
    # Every sampled film uses 0x2D; the 0x25 form is searched only when records are missing.
    for tail in XUID_TAILS:
        starts.update(_record_starts(data, layout, tail))
        if len(starts) >= expected:
            break
    if len(starts) != expected:
        raise MalformedFilmError(
            f"the chunk announces {expected} events but {len(starts)} fit the layout of "
            f"film version {version}: is this the film's version, and its highlight chunk?"
        )
    return [_event(data, start, layout, names) for start in sorted(starts)]


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


def _record_starts(data: bytes, layout: Layout, tail: int) -> Iterator[int]:
    """Yield, in order, the bit offset of every record whose xuid is followed by `tail`.

    The stream is not byte-aligned, so the pattern after an xuid (``00``,
    `tail`, ``C0``) is searched at each of the eight bit shifts at once (see
    `_needles`), hits taken in stream order. A hit is a record when the xuid
    before it is in range and the end marker sits where `layout` puts it; the
    search then resumes past that record, whose inside needs no searching.
    """
    pattern = tail << 8 | 0xC0
    size, bits = len(data), len(data) * 8
    plan = _needles(pattern)
    heap = [(data.find(needle, offset), n) for n, (_, needle, offset, _, _) in enumerate(plan)]
    heap = [entry for entry in heap if entry[0] != -1]
    heapq.heapify(heap)
    resume = 0  # the end of the last record found: no pattern of another lies before it
    while heap:
        index, n = heapq.heappop(heap)
        shift, needle, offset, first, second = plan[n]
        byte = index - offset
        # Bytes 1 and 2 of the window are wholly the pattern's: a cheap first test.
        if (
            byte >= resume
            and byte >= 7 + HEADER_BYTES
            and byte + 4 <= size
            and data[byte + 1] == first
            and data[byte + 2] == second
        ):
            # The xuid's 64 bits end with the pattern's first byte: read the 80 bits at once.
            field = int.from_bytes(data[byte - 7 : byte + 4], "big") >> (8 - shift) & _MASK80
            start = (byte - 7) * 8 + shift
            xuid = int.from_bytes((field >> 16).to_bytes(8, "big"), "little")
            if (
                field & 0xFFFFFF == pattern
                and MIN_XUID < xuid < MAX_XUID
                # The header's length vouches for the whole stream: a marker that would lie
                # past its end belongs to a chance match, not to a cut record.
                and start + layout.marker + 32 <= bits
                and _bits(data, start + layout.marker, 32) == END_MARKER
            ):
                yield start
                resume = (start + layout.marker + 32) // 8
        following = data.find(needle, max(index + 1, resume + offset))
        if following != -1:
            heapq.heappush(heap, (following, n))


# Bytes that fill most of a highlight chunk. CPython's bytes.find skips ahead on a
# byte its needle has no char like (by the low six bits), so a needle holding one
# of these, or a char that shares their low six bits, crawls through the stream.
_COMMON = frozenset({0x00, 0xFF})


@functools.cache
def _needles(pattern: int) -> list[tuple[int, bytes, int, int, int]]:
    """Plan the search of a 24-bit pattern at each bit shift.

    At shift ``s`` the pattern covers 4 data bytes (``pattern << (8 - s)``);
    bytes 1 and 2 always lie wholly inside it. The needle is those two bytes,
    or the one of them that is not a common byte (a ``memchr``) when the pair
    would be slow to find.

    Returns:
        ``(shift, needle, offset, byte1, byte2)`` per shift: ``offset`` is where the
        needle sits in the 4 bytes, ``byte1`` and ``byte2`` the bytes always covered.

    """
    plan = []
    common_bits = {c & 63 for c in _COMMON}
    for shift in range(8):
        window = (pattern << (8 - shift)).to_bytes(4, "big")
        if not any(c & 63 in common_bits for c in window[1:3]):
            needle, offset = window[1:3], 1
        else:
            offset = 1 if window[1] & 63 not in common_bits else 2
            needle = window[offset : offset + 1]
        plan.append((shift, needle, offset, window[1], window[2]))
    return plan


def _event(data: bytes, start: int, layout: Layout, names: Mapping[int, str]) -> FilmEvent:
    """Read the record at bit `start` with `layout`."""
    tail_start = start + layout.marker - TAIL_BYTES * 8
    # The tail's bytes, realigned: 61 bytes hold it, shifted by the record's bit alignment.
    first, shift = tail_start >> 3, tail_start & 7
    wide = int.from_bytes(data[first : first + TAIL_BYTES + 1], "big") >> (8 - shift)
    tail = (wide & _MASK_TAIL).to_bytes(TAIL_BYTES, "big")
    hint, flag, code = tail[layout.hint], tail[layout.medal_flag], tail[layout.medal_code]
    event_type: EventType | None = "medal" if flag == 1 else TYPE_HINTS.get(hint)
    if flag not in (0, 1) or event_type is None:
        raise MalformedFilmError(
            f"film record at bit {start} has an unknown event type (hint {hint}, "
            f"medal flag {flag}): the layout does not fit"
        )
    raw_tag = tail[layout.gamertag : layout.gamertag + 32]
    medal = code if event_type == "medal" else None
    return FilmEvent(
        xuid=_xuid(data, start),
        gamertag=raw_tag.decode("utf-16-le", errors="replace").split("\x00", 1)[0],
        type=event_type,
        time_ms=int.from_bytes(tail[layout.time : layout.time + 4], "big"),
        medal_code=medal,
        medal_name=names.get(medal) if medal is not None else None,
    )


def _xuid(data: bytes, start: int) -> int:
    """Return the 64-bit little-endian xuid at bit `start`."""
    return int.from_bytes(_bits(data, start, 64).to_bytes(8, "big"), "little")


def _bits(data: bytes, start: int, count: int) -> int:
    """Return the `count` bits at bit offset `start` of `data`, most significant first."""
    first, last = start >> 3, (start + count + 7) >> 3
    if start < 0 or last > len(data):
        raise MalformedFilmError(f"film chunk is truncated: bits {start}+{count} are past its end")
    value = int.from_bytes(data[first:last], "big")
    return (value >> (last * 8 - start - count)) & ((1 << count) - 1)
