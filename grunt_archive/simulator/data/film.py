"""Write highlight chunks in a real film version's bit layout, for the simulated films.

`encode_highlight_chunk` turns events into the bytes the blob host would
serve for a film's highlight chunk (type 3): zlib data holding the 32-byte
header and one record per event, laid end to end at every bit alignment the
real streams use, each record placed as `grunt_archive.film.reader.LAYOUTS`
describes. Pure: events in, bytes out. `ENCODED_VERSION` is the version it
writes by default; give another version (and a `layouts` table holding it) to
serve a film the reader does not know.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

from grunt_archive.film.bitstream import END_MARKER, HEADER_BYTES, MAX_XUID, MIN_XUID, TAIL_BYTES
from grunt_archive.film.reader import FilmEvent, Layout, layout_for

ENCODED_VERSION = 41
"""The film version written by default: the newest one the samples show."""
# The type hint and the byte in the medal code's place of a record that is not a medal.
_NOT_MEDAL = {"kill": (50, 0), "death": (20, 1), "mode": (10, 2)}
# A medal's type hint is its sorting weight in the medal metadata; 50 is the commonest.
DEFAULT_MEDAL_WEIGHT = 50
# Bits between records: the real streams hold other data there, about this much.
_GAP_BITS = 1040


def encode_highlight_chunk(
    events: Sequence[FilmEvent],
    version: int = ENCODED_VERSION,
    *,
    medal_weights: Mapping[int, int] | None = None,
    layouts: Mapping[int, Layout] | None = None,
) -> bytes:
    """Encode events as a highlight chunk of a film of `version`, compressed as served.

    Args:
        events: The events, in the order the chunk should hold them (a real chunk
            holds them by time); ``medal_code`` is used for medals, ``medal_name`` never.
        version: The film major version whose layout to write.
        medal_weights: Film medal code to the medal's sorting weight, written as a
            medal's type hint (the reader does not need it); 50 where not given.
        layouts: The layout table; the reader's `LAYOUTS` by default.

    Returns:
        zlib-compressed chunk bytes that `read_events(…, version)` reads back.

    Raises:
        UnknownFilmVersionError: No layout for `version`.
        ValueError: An event the layout cannot hold (xuid out of range, gamertag
            longer than 16 UTF-16 units, time past 32 bits, bad medal code).

    Example:
        >>> chunk = encode_highlight_chunk([FilmEvent(2533274800000001, "Grunt", "kill", 1500)])
        >>> read_events(chunk, 41)[0].time_ms
        1500

    """
    layout = layout_for(version, layouts)
    weights = medal_weights or {}
    writer = _BitWriter()
    for index, event in enumerate(events):
        # Shift each record by a different number of bits, as the real streams do.
        writer.write(0, _GAP_BITS + index * 3 % 8)
        writer.write(*_record(event, layout, weights))
    payload = writer.getvalue()
    header = bytearray(HEADER_BYTES)
    header[0] = 0x09
    header[4:8] = len(payload).to_bytes(4, "little")
    header[12] = 0x01
    header[16:20] = len(events).to_bytes(4, "big")
    return zlib.compress(bytes(header) + payload)


def _record(event: FilmEvent, layout: Layout, weights: Mapping[int, int]) -> tuple[int, int]:
    """Return one event's record as ``(bits, length)``: xuid to end marker."""
    if not MIN_XUID < event.xuid < MAX_XUID:
        raise ValueError(f"xuid {event.xuid} is outside the range a film records")
    if not 0 <= event.time_ms < 2**32:
        raise ValueError(f"time {event.time_ms} ms does not fit 32 bits")
    tag = event.gamertag.encode("utf-16-le")
    if len(tag) > 32:
        raise ValueError(f"gamertag {event.gamertag!r} is longer than 16 UTF-16 units")
    tail = bytearray(TAIL_BYTES)
    tail[layout.gamertag : layout.gamertag + len(tag)] = tag
    if event.type == "medal":
        code = event.medal_code
        if code is None or not 0 <= code < 256:
            raise ValueError(f"medal event with medal code {code!r} (a byte is needed)")
        hint, flag = weights.get(code, DEFAULT_MEDAL_WEIGHT), 1
    else:
        (hint, code), flag = _NOT_MEDAL[event.type], 0
    tail[layout.hint] = hint
    tail[layout.time : layout.time + 4] = event.time_ms.to_bytes(4, "big")
    tail[layout.medal_flag] = flag
    tail[layout.medal_code] = code
    length = layout.marker + 32
    xuid = int.from_bytes(event.xuid.to_bytes(8, "little"), "big")
    bits = (
        xuid << (length - 64)
        | 0x2DC0 << (length - 80)
        | int.from_bytes(tail, "big") << 32
        | END_MARKER
    )
    return bits, length


class _BitWriter:
    """Append bit fields most significant first; bytes come out as they fill."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._pending = 0
        self._count = 0

    def write(self, value: int, bits: int) -> None:
        """Append the low `bits` bits of `value`."""
        self._pending = self._pending << bits | (value & ((1 << bits) - 1))
        self._count += bits
        whole, self._count = divmod(self._count, 8)
        if whole:
            self._out += (self._pending >> self._count).to_bytes(whole, "big")
            self._pending &= (1 << self._count) - 1

    def getvalue(self) -> bytes:
        """Return everything written, the last byte padded with zero bits."""
        if not self._count:
            return bytes(self._out)
        return bytes(self._out) + (self._pending << (8 - self._count)).to_bytes(1, "big")
