"""How a raw document's body is kept in ``raw_responses``: deflated, and read back.

A JSON document is kept as a zlib stream of its UTF-8 text (``encoding`` =
``'zlib'``): a match's stats shrink to about a sixth. A binary body (a film
chunk, compressed by the service already) is kept exactly as sent
(``'identity'``), so a later reader gets the very bytes the service served;
``'zlib-binary'`` (deflated bytes) is read back but no longer written.
``raw_body(body, encoding)`` is also a SQL function of ``grunt-archive query``
and of the viewer, so that a user's SQL reads the documents as the service sent
them. Pure: no SQL, no I/O.
"""

from __future__ import annotations

import zlib

IDENTITY = "identity"
ZLIB = "zlib"  # UTF-8 text, deflated: reads back as text
ZLIB_BINARY = "zlib-binary"  # bytes, deflated: reads back as bytes
ENCODINGS = (IDENTITY, ZLIB, ZLIB_BINARY)
# zlib's default: level 9 takes twice the CPU for 2% fewer bytes on match stats.
LEVEL = 6


def encode(body: str | bytes) -> tuple[str | bytes, str]:
    """Return the body as ``raw_responses`` keeps it, and its ``encoding``."""
    if isinstance(body, str):
        return zlib.compress(body.encode(), LEVEL), ZLIB
    return body, IDENTITY


def decode(body: str | bytes | None, encoding: str | None) -> str | bytes | None:
    """Return the body as the service sent it, from how ``raw_responses`` keeps it.

    Raises:
        ValueError: an encoding this version does not know, or a stream that is
            not zlib (``zlib.error`` is a subclass of ``Exception`` only, so it
            is turned into ``ValueError`` here).

    """
    if body is None or encoding in (None, IDENTITY):
        return body
    if encoding not in (ZLIB, ZLIB_BINARY):
        raise ValueError(f"unknown raw body encoding {encoding!r}")
    data = body.encode() if isinstance(body, str) else body
    try:
        plain = zlib.decompress(data)
    except zlib.error as error:
        raise ValueError(f"raw body is not a zlib stream: {error}") from None
    return plain.decode() if encoding == ZLIB else plain


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
        try:
            return zlib.decompress(body).decode()
        except (zlib.error, UnicodeDecodeError):
            return body
    return body


def register(connection: object) -> None:
    """Add ``raw_body`` (one or two arguments) to a ``sqlite3`` connection."""
    create = connection.create_function  # type: ignore[attr-defined]
    create("raw_body", 1, sniffed_body, deterministic=True)
    create("raw_body", 2, raw_body, deterministic=True)
