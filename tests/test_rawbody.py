"""How raw bodies are kept: deflated with a frozen preset dictionary, read back exactly."""

from __future__ import annotations

import hashlib
import json
import zlib

import pytest

from grunt_archive.rawbody import (
    ZLIB,
    ZLIB_DICT1,
    decode,
    dictionary,
    encode,
    raw_body,
    sniffed_body,
)
from tests.conftest import ROOT
from tests.helpers import MATCH_DOC

# Every stored zlib-dict1 stream needs these exact bytes: a new dictionary is a new encoding.
HALO_1_SHA256 = "6e65b7b5edf831868c84934169528b8a37acbf2b200fb4c35471ca6c65b7fbbc"
# Compact, as the service sends it.
TEXT = json.dumps(
    json.loads((ROOT / "tests" / "fixtures" / MATCH_DOC).read_text()), separators=(",", ":")
)


def test_the_dictionary_is_frozen():
    assert hashlib.sha256(dictionary(ZLIB_DICT1)).hexdigest() == HALO_1_SHA256


def test_a_document_reads_back_exactly_and_smaller_than_plain_zlib():
    body, encoding = encode(TEXT)
    assert encoding == ZLIB_DICT1
    assert decode(body, encoding) == TEXT
    assert raw_body(body, encoding) == TEXT
    assert len(body) < 0.8 * len(zlib.compress(TEXT.encode(), 6))


def test_each_body_is_its_own_stream_as_a_fresh_compressor_writes_it():
    # encode copies one primed compressor: no body may carry state into the next.
    first, _ = encode(TEXT)
    encode("{}" * 500)
    fresh = zlib.compressobj(6, zdict=dictionary(ZLIB_DICT1))
    assert encode(TEXT)[0] == first == fresh.compress(TEXT.encode()) + fresh.flush()


def test_bytes_are_kept_as_sent():
    assert encode(b"\x00chunk") == (b"\x00chunk", "identity")


def test_streams_written_before_the_dictionary_still_read():
    old = zlib.compress(TEXT.encode())
    assert decode(old, ZLIB) == TEXT
    assert sniffed_body(old) == TEXT


def test_raw_body_without_encoding_finds_the_dictionary_from_the_stream():
    body, _ = encode(TEXT)
    assert json.loads(sniffed_body(body)) == json.loads(TEXT)


@pytest.mark.parametrize("cut", [1, 10, 100])
def test_a_truncated_stream_is_an_error_not_half_a_document(cut):
    body, encoding = encode(TEXT)
    with pytest.raises(ValueError):
        decode(body[:-cut], encoding)
    assert raw_body(body[:-cut], encoding) is None


def test_an_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="unknown raw body encoding"):
        decode(b"x", "zstd-9")
