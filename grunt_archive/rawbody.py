"""How a raw document's body is kept in ``raw_responses``: deflated, and read back.

A JSON document is kept as a zlib stream of its UTF-8 text, deflated with a
preset dictionary (``encoding`` = ``'zlib-dict1'``): a match's stats shrink to
about a tenth, a third less than without the dictionary, because the field
names and the shape every document repeats are in the dictionary, not in each
stream. The dictionary (``dictionaries/halo-1.zdict``: simulated match stats
of every mode-block combination, then a skill result, most common last) is
frozen: every stored stream needs its exact bytes, so a better one is a new
file and a new encoding, never an edit. ``'zlib'`` (no dictionary, written
before) is still read. A binary body (a film
chunk, compressed by the service already) is kept exactly as sent
(``'identity'``), so a later reader gets the very bytes the service served;
``'zlib-binary'`` (deflated bytes) is read back but no longer written.
``raw_body(body, encoding)`` is also a SQL function of ``grunt-archive query``
and of the viewer, so that a user's SQL reads the documents as the service sent
them. Pure: no SQL, no I/O.
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path
from typing import Any

IDENTITY = "identity"
ZLIB = "zlib"  # UTF-8 text, deflated: reads back as text
ZLIB_BINARY = "zlib-binary"  # bytes, deflated: reads back as bytes
ZLIB_DICT1 = "zlib-dict1"  # UTF-8 text, deflated with dictionaries/halo-1.zdict
ENCODINGS = (IDENTITY, ZLIB, ZLIB_BINARY, ZLIB_DICT1)
_DICTIONARY_FILES = {ZLIB_DICT1: "halo-1.zdict"}
# zlib's default: level 9 takes twice the CPU for 2% fewer bytes on match stats.
LEVEL = 6


@functools.cache
def dictionary(encoding: str) -> bytes:
    """Return the preset dictionary of a ``zlib-dict*`` encoding."""
    return (Path(__file__).parent / "dictionaries" / _DICTIONARY_FILES[encoding]).read_bytes()


@functools.cache
def _encoding_of_dictionary(adler: int) -> str | None:
    """Return the encoding whose dictionary has this Adler-32 (a stream's header names it)."""
    for encoding in _DICTIONARY_FILES:
        if zlib.adler32(dictionary(encoding)) == adler:
            return encoding
    return None


@functools.cache
def _primed(encoding: str) -> Any:
    """Return a compressor that has read ``encoding``'s dictionary and compressed nothing."""
    return zlib.compressobj(LEVEL, zdict=dictionary(encoding))


def encode(body: str | bytes) -> tuple[str | bytes, str]:
    """Return the body as ``raw_responses`` keeps it, and its ``encoding``."""
    if isinstance(body, str):
        # A copy of a primed compressor is a tenth of the cost of reading the
        # 32 KB dictionary again, and gives the same bytes (a test compares).
        compressor = _primed(ZLIB_DICT1).copy()
        return compressor.compress(body.encode()) + compressor.flush(), ZLIB_DICT1
    return body, IDENTITY


def _inflate(data: bytes, encoding: str) -> bytes:
    if encoding in _DICTIONARY_FILES:
        decompressor = zlib.decompressobj(zdict=dictionary(encoding))
        plain = decompressor.decompress(data) + decompressor.flush()
        if not decompressor.eof:
            raise zlib.error("incomplete or truncated stream")
        return plain
    return zlib.decompress(data)


def decode(body: str | bytes | None, encoding: str | None) -> str | bytes | None:
    """Return the body as the service sent it, from how ``raw_responses`` keeps it.

    Raises:
        ValueError: an encoding this version does not know, or a stream that is
            not zlib (``zlib.error`` is a subclass of ``Exception`` only, so it
            is turned into ``ValueError`` here).

    """
    if body is None or encoding in (None, IDENTITY):
        return body
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown raw body encoding {encoding!r}")
    data = body.encode() if isinstance(body, str) else body
    try:
        plain = _inflate(data, encoding)
    except zlib.error as error:
        raise ValueError(f"raw body is not a zlib stream: {error}") from None
    return plain if encoding == ZLIB_BINARY else plain.decode()


def raw_body(body: str | bytes | None, encoding: str | None) -> str | bytes | None:
    """Return the body as sent, for SQL ``raw_body(body, encoding)`` (NULL: a broken stream)."""
    try:
        return decode(body, encoding)
    except (ValueError, UnicodeDecodeError):
        return None


def sniffed_body(body: str | bytes | None) -> str | bytes | None:
    """Return a blob that is a zlib stream of UTF-8 text as text, for SQL ``raw_body(body)``.

    For a user who leaves out ``encoding``: a JSON document reads back as sent.
    """
    if isinstance(body, bytes) and body[:1] == b"x":  # every zlib stream's first byte
        encoding = ZLIB
        if len(body) > 6 and body[1] & 0x20:  # FDICT: the dictionary's Adler-32 follows
            encoding = _encoding_of_dictionary(int.from_bytes(body[2:6], "big")) or ZLIB
        try:
            return _inflate(body, encoding).decode()
        except (zlib.error, UnicodeDecodeError):
            return body
    return body


def register(connection: object) -> None:
    """Add ``raw_body`` (one or two arguments) to a ``sqlite3`` connection."""
    create = connection.create_function  # type: ignore[attr-defined]
    create("raw_body", 1, sniffed_body, deterministic=True)
    create("raw_body", 2, raw_body, deterministic=True)
