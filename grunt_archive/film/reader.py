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

import codecs
import functools
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from grunt_archive.errors import MalformedFilmError, UnknownFilmVersionError
from grunt_archive.film.medals import FILM_MEDAL_NAMES

_decode_utf16le = codecs.utf_16_le_decode

EventType = Literal["kill", "death", "medal", "mode"]

HEADER_BYTES = 32
END_MARKER = 0x00002EE0
XUID_TAILS = (0x2D, 0x25)
"""The byte that follows a record's xuid (then ``0xC0``)."""
TYPE_HINTS: dict[int, EventType] = {10: "mode", 20: "death", 50: "kill"}
MIN_XUID, MAX_XUID = 2 * 10**15, 3 * 10**15
# A highlight chunk inflates to 2 MB at most in the samples; refuse a zlib bomb.
MAX_INFLATED_BYTES = 64 * 1024 * 1024
# A chunk as served is a few MB at most; a file past the largest body the client accepts
# from the blob host (api.responses.MAX_BODY, kept equal by a test) was never one.
MAX_CHUNK_BYTES = 32 * 1024 * 1024
TAIL_BYTES = 60
"""The bytes before a record's end marker, where the fields this reader takes sit."""
_MASK64 = (1 << 64) - 1
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
    starts = set(_walk_records(data, layout))
    # The walk steps over the spaces between records it has seen; when that misses some,
    # the stream is searched whole. Every sampled film uses 0x2D; the 0x25 form is searched
    # only when records are still missing.
    if len(starts) != expected:
        starts = set()
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


def _walk_records(data: bytes, layout: Layout) -> Iterator[int]:
    """Yield, in order, the bit offset of each record, stepping from one to the next.

    Records follow one another across a few fixed spaces (other records of the
    stream: 1,040 or about 12,000 bits in the samples). Past each record the
    walk tries the spaces it has met so far with the cheap `_is_record` test
    (records never overlap, so two spaces cannot both fit); when none fits it
    searches on (`_next_record`) and learns the new space. Searching the whole
    stream at eight bit shifts is what costs; this searches only where the
    stream surprises it. A record in a space not met yet, followed by one whose
    start a longer space met lands on, would be stepped over: the caller counts
    the records against the header and then searches the whole stream.
    """
    spaces: list[int] = []  # most often fitted first
    fitted: dict[int, int] = {}
    end = None
    while True:
        start = None
        if end is not None:
            for n, gap in enumerate(spaces):
                if _is_record(data, end + gap, layout):
                    start = end + gap
                    fitted[gap] += 1
                    while n and fitted[spaces[n - 1]] < fitted[gap]:
                        spaces[n - 1], spaces[n] = gap, spaces[n - 1]
                        n -= 1
                    break
        if start is None:
            start = _next_record(data, layout, XUID_TAILS[0], (end or 0) >> 3)
            if start is None:
                return
            if end is not None and start - end not in fitted:
                spaces.append(start - end)
                fitted[start - end] = 1
        yield start
        end = start + layout.marker + 32


def _is_record(data: bytes, start: int, layout: Layout) -> bool:
    """Say whether a record starts at bit `start`: its end marker, the xuid's pattern and range."""
    marker = start + layout.marker
    # The header's length vouches for the whole stream: a marker that would lie past its
    # end belongs to a chance match, not to a cut record.
    if start < HEADER_BYTES * 8 or marker + 32 > len(data) * 8:
        return False
    # The marker first: one read of 4 or 5 bytes rules out nearly every place not a record.
    at, shift = marker >> 3, marker & 7
    if not shift:
        if int.from_bytes(data[at : at + 4], "big") != END_MARKER:
            return False
    elif int.from_bytes(data[at : at + 5], "big") >> (8 - shift) & 0xFFFFFFFF != END_MARKER:
        return False
    # The 80 bits of xuid, tail and 0xC0 at once, from the 11 bytes that hold them.
    first = start >> 3
    field = int.from_bytes(data[first : first + 11], "big") >> (8 - (start & 7)) & _MASK80
    if field & 0xFF != 0xC0 or (field >> 8) & 0xFF not in XUID_TAILS:
        return False
    return MIN_XUID < int.from_bytes((field >> 16).to_bytes(8, "big"), "little") < MAX_XUID


def _record_starts(data: bytes, layout: Layout, tail: int, resume: int = 0) -> Iterator[int]:
    """Yield, in order, the bit offset of every record whose xuid is followed by `tail`.

    The search starts at byte `resume`, and after each record at its end: the
    inside of a record needs no searching.
    """
    while (start := _next_record(data, layout, tail, resume)) is not None:
        yield start
        resume = (start + layout.marker + 32) >> 3


_FIRST_WINDOW = 2048
"""Bytes searched at first for the next record: a little more than the widest space met."""
_LAST_WINDOW = 65536


def _next_record(data: bytes, layout: Layout, tail: int, resume: int) -> int | None:
    """Return the bit offset of the first record at or past byte `resume`, or None.

    The stream is not byte-aligned, so the pattern after an xuid (``00``,
    `tail`, ``C0``) is searched at each of the eight bit shifts (see
    `_needles`), a window of bytes at a time (doubling, as the next record is
    most often a short way on), so a search never reads far past the record
    it finds. A hit is a record when `_is_record` says so.
    """
    plan = _needles(tail << 8 | 0xC0)
    size = len(data)
    low, width = max(resume, 7 + HEADER_BYTES), _FIRST_WINDOW
    while low + 4 <= size:
        high = min(low + width, size - 3)  # the pattern's window (4 bytes) starts below this
        hits = []
        for shift, needle, offset, first, second in plan:
            index = data.find(needle, low + offset, high + offset + len(needle) - 1)
            while index != -1:
                byte = index - offset
                # Bytes 1 and 2 of the window are wholly the pattern's: a cheap first test.
                if data[byte + 1] == first and data[byte + 2] == second:
                    hits.append((byte - 7) * 8 + shift)
                index = data.find(needle, index + 1, high + offset + len(needle) - 1)
        for start in sorted(hits):
            if _is_record(data, start, layout):
                return start
        low, width = high, min(width * 2, _LAST_WINDOW)
    return None


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
    # Positional: this runs for every event, and keywords cost a frozen dataclass more.
    return FilmEvent(
        _xuid(data, start),
        # The codec itself: bytes.decode("utf-16-le") looks the codec up on every call.
        _decode_utf16le(raw_tag, "replace", True)[0].partition("\x00")[0],
        event_type,
        int.from_bytes(tail[layout.time : layout.time + 4], "big"),
        medal,
        None if medal is None else names.get(medal),
    )


def _xuid(data: bytes, start: int) -> int:
    """Return the 64-bit little-endian xuid at bit `start` (of a record found: in the stream)."""
    first = start >> 3
    bits = int.from_bytes(data[first : first + 9], "big") >> (8 - (start & 7)) & _MASK64
    return int.from_bytes(bits.to_bytes(8, "big"), "little")


def _bits(data: bytes, start: int, count: int) -> int:
    """Return the `count` bits at bit offset `start` of `data`, most significant first."""
    first, last = start >> 3, (start + count + 7) >> 3
    if start < 0 or last > len(data):
        raise MalformedFilmError(f"film chunk is truncated: bits {start}+{count} are past its end")
    value = int.from_bytes(data[first:last], "big")
    return (value >> (last * 8 - start - count)) & ((1 << count) - 1)
