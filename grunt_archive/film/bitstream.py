"""The bit stream of a highlight chunk: where its records start and end.

Inflated, a highlight chunk is a 32-byte header and then records laid down in
a stream that is not byte-aligned. A record starts at a player's xuid (64 bits,
little-endian), then the byte ``0x2D`` (``0x25`` in some films) and ``0xC0``;
it ends with the marker ``00 00 2E E0`` a fixed number of bits on for a given
film version (``marker``), the `TAIL_BYTES` before it holding the event's
fields. This module finds records and reads their bits; what the fields mean,
and each version's layout, is `reader`'s. Pure: bytes in, offsets out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from grunt_archive.errors import MalformedFilmError

HEADER_BYTES = 32
END_MARKER = 0x00002EE0
XUID_TAILS = (0x2D, 0x25)
"""The byte that follows a record's xuid (then ``0xC0``)."""
MIN_XUID, MAX_XUID = 2 * 10**15, 3 * 10**15
TAIL_BYTES = 60
"""The bytes before a record's end marker, where the fields this reader takes sit."""
MAX_RECORD_BITS = 20_000
"""How far past its xuid a record's end marker may lie (SPNKr's bound; 17,006 in the samples)."""
_MASK64 = (1 << 64) - 1
_MASK80 = (1 << 80) - 1
_MASK_TAIL = (1 << TAIL_BYTES * 8) - 1


def walk_records(data: bytes, marker: int) -> Iterator[int]:
    """Yield, in order, the bit offset of each record, stepping from one to the next.

    Records follow one another across a few fixed spaces (other records of the
    stream: 1,040 or about 12,000 bits in the samples). Past each record the
    walk tries the spaces it has met so far with the cheap `is_record` test
    (records never overlap, so two spaces cannot both fit); when none fits it
    searches on (`_Hits`) and learns the new space. Searching the whole
    stream at eight bit shifts is what costs; this searches only where the
    stream surprises it. A record in a space not met yet, followed by one whose
    start a longer space met lands on, would be stepped over: the caller counts
    the records against the header and then searches the whole stream.
    """
    spaces: list[int] = []  # most often fitted first
    fitted: dict[int, int] = {}
    hits = _Hits(data, XUID_TAILS[0])
    end = None
    while True:
        start = None
        if end is not None:
            for n, gap in enumerate(spaces):
                if is_record(data, end + gap, marker):
                    start = end + gap
                    fitted[gap] += 1
                    while n and fitted[spaces[n - 1]] < fitted[gap]:
                        spaces[n - 1], spaces[n] = gap, spaces[n - 1]
                        n -= 1
                    break
        if start is None:
            resume = (end or 0) >> 3
            start = hits.first(resume, lambda at: is_record(data, at, marker))
            if start is None:
                return
            if end is not None and start - end not in fitted:
                spaces.append(start - end)
                fitted[start - end] = 1
        yield start
        end = start + marker + 32


def is_record(data: bytes, start: int, marker: int) -> bool:
    """Say whether a record starts at bit `start`: its end marker, the xuid's pattern and range."""
    marker = start + marker
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
    return has_xuid(data, start)


def has_xuid(data: bytes, start: int) -> bool:
    """Say whether an xuid in a film's range, its tail byte and ``0xC0`` start at bit `start`."""
    if start < HEADER_BYTES * 8:
        return False
    # The 80 bits of xuid, tail and 0xC0 at once, from the 11 bytes that hold them.
    first = start >> 3
    field = int.from_bytes(data[first : first + 11], "big") >> (8 - (start & 7)) & _MASK80
    if field & 0xFF != 0xC0 or (field >> 8) & 0xFF not in XUID_TAILS:
        return False
    return MIN_XUID < int.from_bytes((field >> 16).to_bytes(8, "big"), "little") < MAX_XUID


def record_starts(data: bytes, marker: int, tail: int, resume: int = 0) -> Iterator[int]:
    """Yield, in order, the bit offset of every record whose xuid is followed by `tail`.

    The search starts at byte `resume`, and after each record at its end: the
    inside of a record needs no searching.
    """
    hits = _Hits(data, tail)
    while (start := hits.first(resume, lambda at: is_record(data, at, marker))) is not None:
        yield start
        resume = (start + marker + 32) >> 3


def xuid_starts(data: bytes, tail: int) -> Iterator[int]:
    """Yield, in order, every bit offset where an xuid followed by `tail` and ``0xC0`` starts."""
    hits, resume = _Hits(data, tail), 0
    while (start := hits.first(resume, functools.partial(has_xuid, data))) is not None:
        yield start
        resume = (start >> 3) + 8  # past the byte where this start's pattern was found


_FIRST_WINDOW = 2048
"""Bytes searched at first for the next record: a little more than the widest space met."""
_LAST_WINDOW = 65536


class _Hits:
    """Where the pattern after an xuid occurs in a stream, searched for forward only.

    The stream is not byte-aligned, so the pattern (``00``, the tail, ``C0``)
    is searched at each of the eight bit shifts (see `_needles`), a window of
    bytes at a time (doubling, as the next record is most often a short way
    on), so a search never reads far past the record it finds. A search takes
    up where the last stopped, or jumps ahead to where it is asked to begin:
    no byte is searched twice, so a stream dense with lookalike patterns costs
    one pass, not one window's worth of hits for every record found in it.
    """

    def __init__(self, data: bytes, tail: int) -> None:
        self._data = data
        self._plan = _needles(tail << 8 | 0xC0)
        self._found: list[int] = []  # the last window's hits, in order
        self._next = 0  # the first of them not yet taken
        self._low, self._width = 7 + HEADER_BYTES, _FIRST_WINDOW  # the next window

    def first(self, resume: int, accept: Callable[[int], bool]) -> int | None:
        """Return the first hit at or past byte `resume` that `accept` takes, or None.

        `resume` never goes back from one call to the next; hits passed are not seen again.
        A hit is a bit offset where an xuid would start (`is_record`, `has_xuid` decide).
        """
        while True:
            found = self._found
            while self._next < len(found):
                start = found[self._next]
                self._next += 1
                if (start >> 3) + 7 >= resume and accept(start):
                    return start
            if not self._search(resume):
                return None

    def _search(self, resume: int) -> bool:
        """Search the next window (from `resume`, when past it); say whether there was one."""
        data, low = self._data, self._low
        if resume > low:
            low, self._width = resume, _FIRST_WINDOW
        size = len(data)
        if low + 4 > size:
            return False
        high = min(low + self._width, size - 3)  # the pattern's window (4 bytes) starts below
        hits = []
        for shift, needle, offset, first, second in self._plan:
            index = data.find(needle, low + offset, high + offset + len(needle) - 1)
            while index != -1:
                byte = index - offset
                # Bytes 1 and 2 of the window are wholly the pattern's: a cheap first test.
                if data[byte + 1] == first and data[byte + 2] == second:
                    hits.append((byte - 7) * 8 + shift)
                index = data.find(needle, index + 1, high + offset + len(needle) - 1)
        hits.sort()
        self._found, self._next = hits, 0
        self._low, self._width = high, min(self._width * 2, _LAST_WINDOW)
        return True


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


def tail_at(data: bytes, start: int, marker: int) -> bytes:
    """Return the `TAIL_BYTES` bytes before the end marker of the record at bit `start`."""
    tail_start = start + marker - TAIL_BYTES * 8
    # 61 bytes hold the tail, shifted by the record's bit alignment.
    first, shift = tail_start >> 3, tail_start & 7
    wide = int.from_bytes(data[first : first + TAIL_BYTES + 1], "big") >> (8 - shift)
    return (wide & _MASK_TAIL).to_bytes(TAIL_BYTES, "big")


def marker_distance(data: bytes, start: int) -> int | None:
    """Return how many bits past `start` the first end marker lies (within `MAX_RECORD_BITS`)."""
    low, high = start + 80, min(start + MAX_RECORD_BITS, len(data) * 8 - 40)
    found = []
    for shift in range(8):
        # A marker at bit ``8 * at + shift`` fills bytes at+1 to at+3 whole with these three.
        middle = ((END_MARKER << (8 - shift)) >> 8 & 0xFFFFFF).to_bytes(3, "big")
        at = data.find(middle, ((low - shift + 7) >> 3) + 1, (high >> 3) + 4) - 1
        while at >= 0 and 8 * at + shift <= high:
            window = int.from_bytes(data[at : at + 5], "big") >> (8 - shift) & 0xFFFFFFFF
            if window == END_MARKER:
                found.append(8 * at + shift - start)
                break
            at = data.find(middle, at + 2, (high >> 3) + 4) - 1
    return min(found, default=None)


def xuid_at(data: bytes, start: int) -> int:
    """Return the 64-bit little-endian xuid at bit `start` (of a record found: in the stream)."""
    first = start >> 3
    bits = int.from_bytes(data[first : first + 9], "big") >> (8 - (start & 7)) & _MASK64
    return int.from_bytes(bits.to_bytes(8, "big"), "little")


def bits_at(data: bytes, start: int, count: int) -> int:
    """Return the `count` bits at bit offset `start` of `data`, most significant first."""
    first, last = start >> 3, (start + count + 7) >> 3
    if start < 0 or last > len(data):
        raise MalformedFilmError(f"film chunk is truncated: bits {start}+{count} are past its end")
    value = int.from_bytes(data[first:last], "big")
    return (value >> (last * 8 - start - count)) & ((1 << count) - 1)
